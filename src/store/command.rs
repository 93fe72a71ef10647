//! What the handle sends the owner thread, on one of two queues (door
//! decisions ahead of management).
//!
//! Every operation on the data is one command style: a plan, a closure that
//! the owner runs against its registry and that holds the reply channel of
//! its own answer's type. One variant serves every operation (identifiers,
//! time profiles, apartments, passes, the door's grants), so adding one
//! needs no variant and no match arm, and no caller can get an answer of
//! another type. Request bodies are parsed on the calling side and arrive
//! in the plan typed (as the parser's `Result`, so that the owner still
//! refuses an unknown uid before a bad body, in the contract's order).

use super::StoreError;
use crate::domain::identifier::Rules;
use crate::domain::registry::Registry;
use std::thread::{JoinHandle, Thread};
use tokio::sync::{mpsc, oneshot};

/// Where an answer goes; sent once the command's change is durable.
pub type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

pub enum Command {
    /// A mutation or a grant, planned against the owner's registry.
    Plan(Box<dyn FnOnce(&Registry) -> super::owner::Planned + Send>),
    /// New validation rules (a reloaded configuration): not data, but the
    /// owner's state, in effect at once for the commands after it.
    SetRules { rules: Rules, reply: Reply<()> },
}

/// Management commands a queue holds before senders wait.
const MANAGEMENT_QUEUE: usize = 1024;
/// Door decisions a queue holds before readers wait.
const DOOR_QUEUE: usize = 64;

/// The sending side of the owner thread's two queues. The owner thread
/// sleeps (parks) while both are empty; every send wakes it. When the last
/// handle is gone the queues close and the thread is woken to finish.
pub struct Queues {
    door: Option<mpsc::Sender<Command>>,
    management: Option<mpsc::Sender<Command>>,
    owner: Thread,
}

/// The owner thread's side.
pub struct Receivers {
    pub door: mpsc::Receiver<Command>,
    pub management: mpsc::Receiver<Command>,
}

/// The two queues, and the owner thread that `spawn` starts on their
/// receiving side.
pub fn open(
    spawn: impl FnOnce(Receivers) -> std::io::Result<JoinHandle<()>>,
) -> std::io::Result<(Queues, JoinHandle<()>)> {
    let (door_tx, door) = mpsc::channel(DOOR_QUEUE);
    let (management_tx, management) = mpsc::channel(MANAGEMENT_QUEUE);
    let thread = spawn(Receivers { door, management })?;
    let queues = Queues {
        door: Some(door_tx),
        management: Some(management_tx),
        owner: thread.thread().clone(),
    };
    Ok((queues, thread))
}

impl Queues {
    pub async fn send_management(&self, command: Command) -> Result<(), StoreError> {
        let tx = self.management.as_ref().ok_or(StoreError::Stopped)?;
        tx.send(command).await.map_err(|_| StoreError::Stopped)?;
        self.owner.unpark();
        Ok(())
    }

    pub async fn send_door(&self, command: Command) -> Result<(), StoreError> {
        let tx = self.door.as_ref().ok_or(StoreError::Stopped)?;
        tx.send(command).await.map_err(|_| StoreError::Stopped)?;
        self.owner.unpark();
        Ok(())
    }
}

impl Drop for Queues {
    fn drop(&mut self) {
        // Close both queues first, then wake the owner to see them closed.
        self.door.take();
        self.management.take();
        self.owner.unpark();
    }
}
