//! What the handle sends the owner thread: one command per operation, each
//! with a reply channel of its own answer's type, on one of two queues (door
//! decisions ahead of management).

use super::StoreError;
use crate::domain::decision::{Clock, Verdict};
use crate::domain::identifier::{Body, IdentifierType, Rules};
use crate::domain::registry::Registry;
use std::thread::{JoinHandle, Thread};
use tokio::sync::{mpsc, oneshot};

/// Where an answer goes; sent once the command's change is durable.
pub type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

pub enum Command {
    Create {
        body: String,
        reply: Reply<u32>,
    },
    Update {
        uid: u32,
        body: String,
        reply: Reply<()>,
    },
    Delete {
        uid: u32,
        reply: Reply<()>,
    },
    DeleteMany {
        body: String,
        reply: Reply<()>,
    },
    Import {
        body: String,
        reply: Reply<Vec<u32>>,
    },
    ResetPasses {
        uid: u32,
        reply: Reply<()>,
    },
    /// A card added at a reader during master card enrolment.
    Enrol {
        body: Body,
        reply: Reply<u32>,
    },
    /// A pass given back: its grant opened no door.
    ReturnPass {
        uid: u32,
        reply: Reply<()>,
    },
    /// New validation rules (a reloaded configuration).
    SetRules {
        rules: Rules,
        reply: Reply<()>,
    },
    /// Any other mutation (time profiles, apartments, bindings), planned
    /// by the closure against the owner's registry; it holds its reply.
    Mutate(Box<dyn FnOnce(&Registry) -> super::owner::Planned + Send>),
    /// A credential at the door whose grant takes a pass.
    Present {
        kind: IdentifierType,
        number: String,
        clock: Clock,
        reply: Reply<Verdict>,
    },
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
