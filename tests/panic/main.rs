//! A panic anywhere ends latchd with every relay locked: the hook latchd
//! installs (`access::install_panic_hook`) drives them locked through the
//! failsafe, without the lock task, and aborts, in a debug build as in the
//! release build (`panic = "abort"`).
//!
//! Each case runs in a child process (this test binary again, told which
//! case by an environment variable), since the hook aborts: relays that
//! write their level to a file, as a GPIO line would show it, are opened,
//! then something panics. The test sees the child killed by SIGABRT and
//! reads the levels it left.

use latchd::access::locks::{Board, LockSpec, Locks, Relay};
use latchd::domain::identifier::LockChoice;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const CASE: &str = "LATCHD_TEST_PANIC_CASE";
const DIR: &str = "LATCHD_TEST_PANIC_DIR";

/// A relay whose level is a file: `open` or `locked`. It panics when
/// opened if told to (a bug in a driver, inside the lock task).
struct FileRelay {
    file: PathBuf,
    panic_on_open: bool,
}

impl Relay for FileRelay {
    fn set(&mut self, open: bool) -> std::io::Result<()> {
        if open && self.panic_on_open {
            panic!("a relay driver bug");
        }
        std::fs::write(&self.file, if open { "open" } else { "locked" })
    }
}

/// The child: two locks, both opened, then the panic of `case`.
fn child(case: &str, dir: &Path) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let board = Board::default();
        let spec = |name: &str, panic_on_open: bool| LockSpec {
            name: name.into(),
            open_time: Duration::from_secs(30),
            relay: Box::new(FileRelay {
                file: dir.join(name),
                panic_on_open,
            }),
        };
        let in_the_lock_task = case == "lock-task";
        let locks = Locks::start(
            vec![spec("first", false), spec("second", in_the_lock_task)],
            &board,
        )
        .unwrap();
        latchd::access::install_panic_hook(board.failsafe().clone());
        if in_the_lock_task {
            // "first" opens, then "second" panics inside the task.
            locks.open(LockChoice::All).await;
        } else {
            let opening = locks.open(LockChoice::All).await;
            assert_eq!(opening.opened, vec!["first", "second"]);
            std::fs::write(dir.join("opened"), "").unwrap();
            // A bug on another thread, while both doors are open.
            let _ = std::thread::spawn(|| panic!("a bug elsewhere")).join();
        }
        std::fs::write(dir.join("survived"), "").unwrap();
    });
}

/// Runs `case` in a child; its exit status, and the relays' levels.
fn run(case: &str) -> (std::process::ExitStatus, String, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "panic_child", "--nocapture", "--test-threads=1"])
        .env(CASE, case)
        .env(DIR, dir.path())
        .output()
        .unwrap();
    let level = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !dir.path().join("survived").exists(),
        "the child went on after the panic:\n{stderr}"
    );
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGABRT),
        "not aborted: {:?}\n{stderr}",
        out.status
    );
    assert!(
        stderr.contains("every relay driven locked"),
        "the hook did not report:\n{stderr}"
    );
    let levels = format!("first={} second={}", level("first"), level("second"));
    (out.status, levels, stderr, dir)
}

/// Not a test of its own: the child side of the cases below.
#[test]
fn panic_child() {
    if let (Ok(case), Some(dir)) = (std::env::var(CASE), std::env::var_os(DIR)) {
        child(&case, Path::new(&dir));
    }
}

#[test]
fn a_panic_on_another_thread_locks_every_relay_and_aborts() {
    let (_, levels, _, dir) = run("elsewhere");
    assert!(dir.path().join("opened").exists());
    assert_eq!(levels, "first=locked second=locked");
}

#[test]
fn a_panic_inside_the_lock_task_locks_the_other_relays_and_aborts() {
    // "second" panicked inside its own write, so it never left the locked
    // level; "first" had opened and is driven locked by the hook.
    let (_, levels, stderr, _) = run("lock-task");
    assert_eq!(levels, "first=locked second=locked", "{stderr}");
    assert!(stderr.contains("a relay driver bug"), "{stderr}");
}
