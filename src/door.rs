//! The exit button and the door contact of a lock. A press of the exit
//! button opens its lock; the contact reports the door opening and closing,
//! and a door held open longer than allowed raises an event.

use crate::domain::identifier::LockChoice;
use crate::gate::Gate;
use crate::locks::Locks;
use std::time::Duration;
use tokio::sync::mpsc;

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
            let opened = locks.open(choice).await;
            gate.note(format!("exit_button:{lock}"), None, "exit button", opened);
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
    use crate::gate::testing::rig;

    async fn reasons(rig: &crate::gate::testing::Rig) -> Vec<String> {
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
