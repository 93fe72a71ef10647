//! The process around the daemon: its arguments and man page, its log,
//! what it tells the service manager, the signals it handles, and what it sets up once at start
//! (the allocator's policy, a line about the board it runs on).

pub mod args;
pub mod logging;
pub mod manpage;
pub mod notify;
pub mod signals;

/// Memory of large messages goes back to the system when they are freed.
/// A D-Bus message may be 32 MiB, and anyone may send latchd one (it is
/// refused only once read). glibc serves such a buffer from a mapping of its
/// own, but after freeing one it raises its threshold to that size, so the
/// next flood of large messages is served from the heap and stays resident
/// (hundreds of MB on a panel with 1 GB). A fixed threshold keeps them
/// mapped and returned.
#[allow(unsafe_code)]
pub fn return_large_allocations() {
    // SAFETY: mallopt only changes glibc's allocation policy; called once at
    // start, before any other thread exists.
    let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024) };
    if set != 1 {
        log::warn!("could not fix the allocator's mmap threshold");
    }
}

/// Which Raspberry Pi this is, when it is one (support requests start here).
/// rppal reads the model and SoC from the device tree and /proc/cpuinfo; the
/// GPIO lines themselves are found by name through the character device
/// (gpiocdev), on a Pi as anywhere else.
pub fn log_board() {
    match rppal::system::DeviceInfo::new() {
        Ok(info) => log::info!(
            model = info.model().to_string().as_str(),
            soc = info.soc().to_string().as_str();
            "running on a Raspberry Pi"
        ),
        Err(_) => {
            log::info!("not a Raspberry Pi (or not recognised); GPIO lines are found by name")
        }
    }
}
