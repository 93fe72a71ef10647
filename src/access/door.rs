//! The exit button and the door contact of a lock. A press of the exit
//! button opens its lock; the contact reports the door opening and closing,
//! and a door held open longer than allowed raises an event.

use super::gate::Gate;
use super::locks::Locks;
use super::watchdog::Watched;
use crate::config::Config;
use crate::domain::identifier::LockChoice;
use crate::hardware::gpio::watch_input;
use std::time::Duration;
use tokio::sync::mpsc;

/// Started inputs: the threads that hold their lines, and the tasks that
/// act on them.
#[derive(Default)]
pub struct Inputs {
    pub threads: Vec<std::thread::JoinHandle<()>>,
    pub tasks: Vec<Watched>,
}

/// Starts the exit buttons and door contacts of the configured locks, on
/// GPIO edge events. Runs on the access runtime. Every input started so far
/// is in `inputs`, also when a later one fails.
pub fn start(
    config: &Config,
    locks: &Locks,
    gate: &Gate,
    inputs: &mut Inputs,
) -> std::io::Result<()> {
    for lock in &config.lock {
        let lock = lock.get_ref();
        let name = lock.name.get_ref().as_str().to_string();
        let active_low = lock.inputs_active_low;
        if let Some(line) = &lock.exit_button {
            let (tx, rx) = mpsc::channel(16);
            let (_, thread) = watch_input(line, active_low, &format!("latchd-exit-{name}"), tx)
                .map_err(|e| {
                    std::io::Error::new(e.kind(), format!("lock {name:?} exit_button: {e}"))
                })?;
            inputs.threads.push(thread);
            inputs.tasks.push(Watched {
                name: format!("the exit button of lock {name:?}"),
                task: tokio::spawn(exit_button(name.clone(), rx, locks.clone(), gate.clone())),
            });
        }
        if let Some(line) = &lock.door_contact {
            let (tx, rx) = mpsc::channel(16);
            let (open, thread) = watch_input(line, active_low, &format!("latchd-door-{name}"), tx)
                .map_err(|e| {
                    std::io::Error::new(e.kind(), format!("lock {name:?} door_contact: {e}"))
                })?;
            inputs.threads.push(thread);
            let held_open = Duration::from_secs(lock.held_open_s);
            inputs.tasks.push(Watched {
                name: format!("the door contact of lock {name:?}"),
                task: tokio::spawn(door_contact(
                    name.clone(),
                    open,
                    rx,
                    held_open,
                    gate.clone(),
                )),
            });
        }
    }
    Ok(())
}

/// Opens `lock` on every press (active edge) of its exit button.
pub async fn exit_button(
    lock: String,
    mut presses: mpsc::Receiver<bool>,
    locks: Locks,
    gate: Gate,
) {
    let choice = LockChoice::parse(&lock).unwrap_or(LockChoice::First);
    while let Some(pressed) = presses.recv().await {
        if pressed {
            let opening = locks.open(choice).await;
            let reason = if opening.failed.is_empty() {
                "exit button"
            } else {
                super::gate::RELAY_FAILURE
            };
            gate.note(format!("exit_button:{lock}"), None, reason, opening.opened);
        }
    }
}

/// Reports the door contact of `lock` (active = open) and a door held open
/// longer than `held_open`.
pub async fn door_contact(
    lock: String,
    initially_open: bool,
    mut changes: mpsc::Receiver<bool>,
    held_open: Duration,
    gate: Gate,
) {
    let source = format!("door:{lock}");
    let mut open = initially_open;
    loop {
        let next = if open {
            match tokio::time::timeout(held_open, changes.recv()).await {
                Ok(next) => next,
                Err(_) => {
                    gate.note(source.clone(), None, "door held open", Vec::new());
                    // Reported once; wait for it to close.
                    changes.recv().await
                }
            }
        } else {
            changes.recv().await
        };
        let Some(now_open) = next else {
            return;
        };
        if now_open != open {
            open = now_open;
            let reason = if open { "door opened" } else { "door closed" };
            gate.note(source.clone(), None, reason, Vec::new());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::gate::testing::rig;

    async fn reasons(rig: &crate::access::gate::testing::Rig) -> Vec<String> {
        let (_, events) = rig.gate.events().page(100, 1);
        events
            .iter()
            .rev()
            .map(|e| {
                serde_json::from_str::<serde_json::Value>(e).unwrap()["reason"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[tokio::test]
    async fn exit_button_opens_its_lock() {
        let rig = rig().await;
        let (tx, rx) = mpsc::channel(4);
        let task = tokio::spawn(exit_button(
            "first".into(),
            rx,
            rig.locks.clone(),
            rig.gate.clone(),
        ));
        tx.send(false).await.unwrap(); // a release opens nothing
        tx.send(true).await.unwrap();
        drop(tx);
        task.await.unwrap();
        assert!(rig.locks.states()["first"]);
        assert_eq!(reasons(&rig).await, vec!["exit button"]);
    }

    #[tokio::test]
    async fn an_exit_button_whose_relay_fails_says_so() {
        use crate::access::locks::testing::Recorder;
        let rig = crate::access::gate::testing::rig_with(Recorder::failing(true, false)).await;
        let (tx, rx) = mpsc::channel(4);
        let task = tokio::spawn(exit_button(
            "first".into(),
            rx,
            rig.locks.clone(),
            rig.gate.clone(),
        ));
        tx.send(true).await.unwrap();
        drop(tx);
        task.await.unwrap();
        assert!(!rig.locks.states()["first"]);
        assert_eq!(reasons(&rig).await, vec!["relay failure"]);
        let (_, events) = rig.gate.events().page(1, 1);
        assert!(events[0].contains("\"granted\":false"), "{}", events[0]);
    }

    #[tokio::test(start_paused = true)]
    async fn door_held_open_is_reported_once() {
        let rig = rig().await;
        let (tx, rx) = mpsc::channel(4);
        let task = tokio::spawn(door_contact(
            "first".into(),
            false,
            rx,
            Duration::from_secs(30),
            rig.gate.clone(),
        ));
        tx.send(true).await.unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
        tx.send(false).await.unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        tx.send(true).await.unwrap();
        tokio::time::sleep(Duration::from_secs(100)).await;
        tx.send(false).await.unwrap();
        drop(tx);
        task.await.unwrap();
        assert_eq!(
            reasons(&rig).await,
            vec![
                "door opened",
                "door closed",
                "door opened",
                "door held open",
                "door closed"
            ]
        );
    }
}
