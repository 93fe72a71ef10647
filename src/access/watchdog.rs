//! The watchdog: under systemd with `WatchdogSec=`, `WATCHDOG=1` is sent
//! only while the access path works. A task on the access runtime checks,
//! every third of the period, that the lock task answers (a command round
//! trip), that a door decision on the committed copy completes, and that
//! every reader and door-input task is still running; only then it pings.
//! A stuck access path (a deadlock, a relay or device that blocks the
//! thread, a task that died) stops the pings, and systemd kills latchd and
//! starts it again, which requests every relay locked first.

use super::gate::Gate;
use crate::process::notify::Notifier;
use std::time::Duration;
use tokio::task::JoinHandle;

/// A task of the access path that must never end while it runs.
pub struct Watched {
    pub name: String,
    pub task: JoinHandle<()>,
}

/// Checks the access path once: `Err` says what is wrong.
pub async fn check(gate: &Gate, tasks: &[Watched]) -> Result<(), String> {
    if !gate.locks().ping().await {
        return Err("the lock task does not answer".into());
    }
    gate.probe();
    if let Some(ended) = tasks.iter().find(|t| t.task.is_finished()) {
        return Err(format!("{} has ended", ended.name));
    }
    Ok(())
}

/// Pings the watchdog every `period / 3` while [`check`] passes.
pub async fn run(notifier: Notifier, period: Duration, gate: Gate, tasks: Vec<Watched>) {
    let every = period / 3;
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing: Option<String> = None;
    loop {
        ticks.tick().await;
        let checked = match tokio::time::timeout(every, check(&gate, &tasks)).await {
            Ok(checked) => checked,
            Err(_) => Err(format!(
                "the access path did not answer within {} ms",
                every.as_millis()
            )),
        };
        match checked {
            Ok(()) => {
                if failing.take().is_some() {
                    log::info!("the access path answers again; watchdog pings resume");
                }
                notifier.watchdog_ping();
            }
            Err(why) => {
                if failing.as_deref() != Some(why.as_str()) {
                    log::error!(error = why.as_str(); "the access path is not healthy; watchdog pings stop, so systemd restarts latchd");
                    failing = Some(why);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::gate::testing::rig_with;
    use crate::access::locks::testing::Recorder;
    use crate::domain::identifier::LockChoice;
    use std::os::unix::net::UnixDatagram;
    use std::sync::atomic::Ordering;

    /// The pings that arrive on `socket` within `time`.
    fn pings(socket: &UnixDatagram, time: Duration) -> usize {
        let deadline = std::time::Instant::now() + time;
        let mut n = 0;
        let mut buf = [0u8; 64];
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return n;
            }
            socket.set_read_timeout(Some(left)).unwrap();
            match socket.recv(&mut buf) {
                Ok(len) => {
                    assert_eq!(&buf[..len], b"WATCHDOG=1");
                    n += 1;
                }
                Err(_) => return n,
            }
        }
    }

    fn listener(dir: &tempfile::TempDir) -> (UnixDatagram, Notifier) {
        let path = dir.path().join("notify");
        let socket = UnixDatagram::bind(&path).unwrap();
        let notifier = Notifier::from_vars(Some(path.as_os_str()), Some("300000"), None, 1);
        (socket, notifier)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stuck_lock_task_stops_the_pings() {
        // A relay whose line write blocks (a stuck driver) while `stuck` is set.
        let relay = Recorder::default();
        let rig = rig_with(relay.clone()).await;
        let dir = tempfile::tempdir().unwrap();
        let (socket, notifier) = listener(&dir);
        let period = notifier.watchdog().unwrap();
        let watchdog = tokio::spawn(run(notifier, period, rig.gate.clone(), Vec::new()));
        let socket = std::sync::Arc::new(socket);
        let s = socket.clone();
        let healthy = tokio::task::spawn_blocking(move || pings(&s, Duration::from_millis(800)))
            .await
            .unwrap();
        assert!(healthy >= 3, "{healthy} pings while healthy");

        // The lock task is blocked in a line write: no answer, no pings.
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let blocked = std::sync::Mutex::new(blocked);
        let (entered, stuck_now) = std::sync::mpsc::channel::<()>();
        let entered = std::sync::Mutex::new(entered);
        relay
            .block
            .lock()
            .unwrap()
            .replace(std::sync::Arc::new(move || {
                let _ = entered.lock().unwrap().send(());
                let _ = blocked.lock().unwrap().recv();
            }));
        let locks = rig.locks.clone();
        let opener = tokio::spawn(async move { locks.open(LockChoice::First).await });
        let s = socket.clone();
        let stuck = tokio::task::spawn_blocking(move || {
            // Waits until the lock task is in the blocked write, then lets
            // the pings of checks begun before it go by (each check ends
            // within a third of the period), and counts what comes after.
            stuck_now.recv().unwrap();
            pings(&s, Duration::from_millis(300));
            pings(&s, Duration::from_millis(1000))
        })
        .await
        .unwrap();
        assert_eq!(stuck, 0, "pings while the lock task was stuck");

        // Unstuck: the pings resume.
        relay.block.lock().unwrap().take();
        release.send(()).unwrap();
        assert_eq!(opener.await.unwrap().opened, vec!["first"]);
        let s = socket.clone();
        let again = tokio::task::spawn_blocking(move || pings(&s, Duration::from_millis(800)))
            .await
            .unwrap();
        assert!(
            again >= 2,
            "{again} pings after the lock task answered again"
        );
        watchdog.abort();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_ended_reader_task_stops_the_pings() {
        let rig = rig_with(Recorder::default()).await;
        assert_eq!(check(&rig.gate, &[]).await, Ok(()));
        let ended = Watched {
            name: "reader input0:keypad".into(),
            task: tokio::spawn(async {}),
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            check(&rig.gate, std::slice::from_ref(&ended)).await,
            Err("reader input0:keypad has ended".to_string())
        );
        let dir = tempfile::tempdir().unwrap();
        let (socket, notifier) = listener(&dir);
        let period = notifier.watchdog().unwrap();
        let watchdog = tokio::spawn(run(notifier, period, rig.gate.clone(), vec![ended]));
        let none = tokio::task::spawn_blocking(move || pings(&socket, Duration::from_millis(800)))
            .await
            .unwrap();
        assert_eq!(none, 0);
        watchdog.abort();
        // The relay was never touched by the checks.
        assert_eq!(rig.relay.levels(), vec![false]);
        assert!(!rig.relay.fail_open.load(Ordering::SeqCst));
    }
}
