//! Whether the system clock can be trusted. A panel without a real-time
//! clock wakes from a power cut in 1970; until NTP (or an RTC) sets the
//! time, validity windows must not be believed. The kernel knows: its NTP
//! state is "unsynchronised" until a time daemon says otherwise, which is
//! what `timedatectl` shows as "System clock synchronized".

use crate::domain::decision::Clock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often the kernel is asked; the access path only reads a flag.
const POLL: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct ClockWatch {
    synchronised: Arc<AtomicBool>,
    require_sync: bool,
}

impl ClockWatch {
    /// Reads the kernel's state now and keeps it current from a task.
    pub fn start(require_sync: bool) -> ClockWatch {
        let watch = ClockWatch {
            synchronised: Arc::new(AtomicBool::new(kernel_synchronised())),
            require_sync,
        };
        let flag = watch.synchronised.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(POLL);
            loop {
                ticks.tick().await;
                let now = kernel_synchronised();
                if flag.swap(now, Ordering::Relaxed) != now {
                    log::info!(synchronised = now; "system clock synchronisation changed");
                }
            }
        });
        watch
    }

    /// The clock as the access decision sees it.
    pub fn now(&self) -> Clock {
        let now_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Clock {
            now_unix,
            synchronised: self.synchronised.load(Ordering::Relaxed),
            require_sync: self.require_sync,
        }
    }
}

/// The kernel's NTP state: not TIME_ERROR and no STA_UNSYNC, the test
/// systemd-timedated uses for NTPSynchronized.
#[allow(unsafe_code)]
pub fn kernel_synchronised() -> bool {
    // SAFETY: adjtimex with modes = 0 only reads; the struct is plain data
    // that the kernel fills in, and all-zero is a valid value for it.
    let mut tx: libc::timex = unsafe { std::mem::zeroed() };
    let state = unsafe { libc::adjtimex(&mut tx) };
    state >= 0 && state != libc::TIME_ERROR && tx.status & libc::STA_UNSYNC == 0
}
