//! The owner of the identifier database: one plain thread holds the working
//! registry and the storage, and takes commands from two queues. Commands
//! that arrive together are written with one fdatasync (group commit), and
//! every reply waits until its change is on disk. The thread blocks in
//! `fdatasync`, so it is not a tokio task: no async thread ever waits on
//! the disk.

use super::command::{self, Command, Queues, Receivers, Reply};
use super::StoreError;
use crate::domain::identifier::BodyError;
use crate::domain::registry::{Change, Registry};
use crate::storage::Storage;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};
use tokio::sync::mpsc::error::TryRecvError;

/// Management commands taken in one group commit, at most.
const MAX_BATCH: usize = 256;

/// Starts the owner thread. It ends when the queues close (the last handle
/// is dropped), after finishing what it was sent and any running compaction.
pub fn spawn(
    registry: Registry,
    storage: Storage,
    count: Arc<AtomicU32>,
    committed: Arc<RwLock<Registry>>,
) -> std::io::Result<(Queues, std::thread::JoinHandle<()>)> {
    let owner = Owner {
        registry,
        storage,
        count,
        committed,
    };
    command::open(|receivers| {
        std::thread::Builder::new()
            .name("latchd-store".into())
            .spawn(move || owner.run(receivers))
    })
}

struct Owner {
    /// The working copy: changes are planned and applied here first.
    registry: Registry,
    storage: Storage,
    count: Arc<AtomicU32>,
    /// The copy readers see, updated once a batch is durable.
    committed: Arc<RwLock<Registry>>,
}

/// Sends a held answer, or the batch's storage failure when there was one.
type SendAnswer = Box<dyn FnOnce(Option<&Arc<std::io::Error>>) + Send>;

/// A reply held back until the batch it belongs to is durable.
pub struct Pending(SendAnswer);

impl Pending {
    fn new<T: Send + 'static>(reply: Reply<T>, answer: Result<T, StoreError>) -> Pending {
        Pending(Box::new(move |failure| {
            // Reads in a failed batch may have seen undone state: they fail too.
            let answer = match failure {
                Some(e) => Err(StoreError::Storage(e.clone())),
                None => answer,
            };
            let _ = reply.send(answer);
        }))
    }
}

/// A planned command: the change it makes (if any) and its held reply.
pub type Planned = (Option<Change>, Pending);

/// A plan's outcome: the change it makes (if any) and its answer, held
/// until the change is durable.
pub fn planned<T: Send + 'static>(
    reply: Reply<T>,
    (change, answer): (Option<Change>, Result<T, BodyError>),
) -> Planned {
    (
        change,
        Pending::new(reply, answer.map_err(StoreError::from)),
    )
}

/// Makes committed changes visible to readers; returns the new count.
fn publish(committed: &RwLock<Registry>, changes: &[Change]) -> usize {
    let mut registry = committed.write().unwrap_or_else(|e| e.into_inner());
    for change in changes {
        registry.apply(change);
    }
    registry.len()
}

impl Owner {
    fn run(mut self, mut queues: Receivers) {
        loop {
            // Credentials at the door first, as their own batch: a grant
            // waits at most for one management batch already being written.
            let door = take(&mut queues.door, usize::MAX);
            let management = take(&mut queues.management, MAX_BATCH);
            if door.commands.is_empty() && management.commands.is_empty() {
                if door.closed && management.closed {
                    break;
                }
                // Woken by every send and by the last handle going away.
                std::thread::park();
                continue;
            }
            if !door.commands.is_empty() {
                self.handle_batch(door.commands);
            }
            if !management.commands.is_empty() {
                self.handle_batch(management.commands);
            }
        }
        self.storage.wait_compaction();
    }

    fn handle_batch(&mut self, batch: Vec<Command>) {
        let mut changes: Vec<Change> = Vec::new();
        let mut undos: Vec<Change> = Vec::new();
        let mut pending = Vec::with_capacity(batch.len());
        for command in batch {
            let (change, reply) = self.plan(command);
            if let Some(change) = change.filter(|c| !c.is_empty()) {
                undos.push(self.registry.apply(&change));
                changes.push(change);
            }
            pending.push(reply);
        }
        let mut failure = None;
        if !changes.is_empty() {
            let refs: Vec<&Change> = changes.iter().collect();
            if let Err(e) = self.storage.append(&refs) {
                log::error!(error = e.to_string().as_str(); "could not write the journal; the batch is undone");
                for undo in undos.iter().rev() {
                    self.registry.apply(undo);
                }
                failure = Some(Arc::new(e));
            }
        }
        if failure.is_none() && !changes.is_empty() {
            let len = publish(&self.committed, &changes);
            self.count.store(len as u32, Ordering::Release);
        }
        for Pending(reply) in pending {
            reply(failure.as_ref());
        }
        if failure.is_none() {
            if let Err(e) = self.storage.maybe_compact(&self.registry) {
                log::error!(error = e.to_string().as_str(); "could not start a compaction");
            }
        }
    }

    /// The change a command makes against the current state, and its reply.
    fn plan(&mut self, command: Command) -> Planned {
        match command {
            Command::Plan(plan) => plan(&self.registry),
            Command::SetRules { rules, reply } => {
                // Not data: in effect at once, for this batch's later
                // commands and for readers, whatever the batch's write does.
                self.registry.set_rules(rules.clone());
                self.committed
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .set_rules(rules);
                let answer = Pending(Box::new(move |_| {
                    let _ = reply.send(Ok(()));
                }));
                (None, answer)
            }
        }
    }
}

/// What one look at a queue found.
struct Taken {
    commands: Vec<Command>,
    closed: bool,
}

/// Up to `max` commands waiting in `queue`, without waiting for any.
fn take(queue: &mut tokio::sync::mpsc::Receiver<Command>, max: usize) -> Taken {
    let mut commands = Vec::new();
    while commands.len() < max {
        match queue.try_recv() {
            Ok(command) => commands.push(command),
            Err(TryRecvError::Empty) => break,
            Err(TryRecvError::Disconnected) => {
                return Taken {
                    commands,
                    closed: true,
                }
            }
        }
    }
    Taken {
        commands,
        closed: false,
    }
}
