//! The owner of the identifier database: one thread holds the registry and
//! the storage, and every request reaches it as a message. Mutations that
//! arrive together are written with one fdatasync (group commit), and every
//! reply waits until its mutation is on disk.

use crate::domain::decision::{decide, Clock, Verdict};
use crate::domain::identifier::{BodyError, IdentifierType};
use crate::domain::registry::{Change, Registry};
use crate::storage::Storage;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};
use tokio::sync::{mpsc, oneshot};

/// A request to the database.
#[derive(Debug)]
pub enum Request {
    Create(String),
    Update(u32, String),
    Delete(u32),
    DeleteMany(String),
    Import(String),
    ResetPasses(u32),
    /// A credential at the door: decide, and take a pass when one is due.
    Present {
        kind: IdentifierType,
        number: String,
        clock: Clock,
    },
}

impl Request {
    /// The D-Bus method name, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Request::Create(_) => "Create",
            Request::Update(..) => "Update",
            Request::Delete(_) => "Delete",
            Request::DeleteMany(_) => "DeleteMany",
            Request::Import(_) => "Import",
            Request::ResetPasses(_) => "ResetPasses",
            Request::Present { .. } => "Present",
        }
    }

    /// The identifier uid the request names, if one.
    pub fn uid(&self) -> Option<u32> {
        match self {
            Request::Update(uid, _) | Request::Delete(uid) | Request::ResetPasses(uid) => {
                Some(*uid)
            }
            _ => None,
        }
    }
}

/// A successful answer.
#[derive(Debug, PartialEq)]
pub enum Answer {
    Done,
    Uid(u32),
    Uids(Vec<u32>),
    /// The verdict of a Present, its pass already durable.
    Verdict(Verdict),
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Rejected(#[from] BodyError),
    /// The mutation could not be made durable; nothing of it was kept.
    #[error("Storage failure: {0}")]
    Storage(String),
    #[error("latchd is shutting down")]
    Stopped,
}

type Reply = oneshot::Sender<Result<Answer, ServiceError>>;

/// The cheap, cloneable handle the D-Bus objects hold.
#[derive(Clone)]
pub struct Handle {
    tx: mpsc::Sender<(Request, Reply)>,
    /// Credentials at the door that take a pass: served before management.
    access_tx: mpsc::Sender<(Request, Reply)>,
    count: Arc<AtomicU32>,
    /// What is on disk: readers and door decisions look here, never at the
    /// owner's working copy, and never wait for the owner thread.
    committed: Arc<RwLock<Registry>>,
}

impl Handle {
    /// An identifier as its JSON item, from the committed copy.
    pub fn get(&self, uid: u32) -> Result<String, ServiceError> {
        Ok(self.read().get(uid)?.to_string())
    }

    /// A page of identifiers, from the committed copy.
    pub async fn list(&self, query: String) -> Result<String, ServiceError> {
        // Sorting a large page is real work: off the async threads.
        let committed = self.committed.clone();
        tokio::task::spawn_blocking(move || {
            let query = crate::domain::list::Query::parse(&query)?;
            // Only the filtering holds the lock; the sort does not.
            let hits = read_lock(&committed).matching(&query);
            Ok(query.page(hits).to_string())
        })
        .await
        .map_err(|_| ServiceError::Stopped)?
    }

    /// A mutation, or a door decision (which reaches the owner thread only
    /// when it takes a pass).
    pub async fn call(&self, request: Request) -> Result<Answer, ServiceError> {
        let tx = match request {
            Request::Present {
                kind,
                ref number,
                clock,
            } => {
                let verdict = decide(&self.read(), kind, number, clock);
                match verdict {
                    // A pass to take: the owner decides again and persists it.
                    Verdict::Granted {
                        change: Some(_), ..
                    } => &self.access_tx,
                    other => return Ok(Answer::Verdict(other)),
                }
            }
            _ => &self.tx,
        };
        let (reply, answer) = oneshot::channel();
        tx.send((request, reply))
            .await
            .map_err(|_| ServiceError::Stopped)?;
        answer.await.map_err(|_| ServiceError::Stopped)?
    }

    /// The number of identifiers, without a round trip to the owner thread.
    pub fn count(&self) -> u32 {
        self.count.load(Ordering::Acquire)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        read_lock(&self.committed)
    }
}

/// A poisoned lock only means a panic elsewhere; the registry is still whole
/// (changes are applied entry by entry), so reading on is right for a door.
fn read_lock(lock: &RwLock<Registry>) -> std::sync::RwLockReadGuard<'_, Registry> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

/// Makes committed changes visible to readers; returns the new count.
fn publish(committed: &RwLock<Registry>, changes: &[Change]) -> usize {
    let mut registry = committed.write().unwrap_or_else(|e| e.into_inner());
    for change in changes {
        registry.apply(change);
    }
    registry.len()
}

/// Mutations taken in one group commit, at most.
const MAX_BATCH: usize = 256;

/// Starts the owner thread. It ends when every handle is dropped, after
/// waiting for a running compaction.
pub fn spawn(
    registry: Registry,
    storage: Storage,
) -> std::io::Result<(Handle, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel(1024);
    let (access_tx, access_rx) = mpsc::channel(64);
    let count = Arc::new(AtomicU32::new(registry.len() as u32));
    let committed = Arc::new(RwLock::new(registry.clone()));
    let handle = Handle {
        tx,
        access_tx,
        count: count.clone(),
        committed: committed.clone(),
    };
    let owner = Owner {
        registry,
        storage,
        count,
        committed,
    };
    let thread = std::thread::Builder::new()
        .name("latchd-store".into())
        .spawn(move || owner.run(rx, access_rx))?;
    Ok((handle, thread))
}

struct Owner {
    /// The working copy: mutations are planned and applied here first.
    registry: Registry,
    storage: Storage,
    count: Arc<AtomicU32>,
    /// The copy readers see, updated once a batch is durable.
    committed: Arc<RwLock<Registry>>,
}

/// A reply held back until the batch it belongs to is durable.
struct Pending {
    reply: Reply,
    result: Result<Answer, ServiceError>,
}

impl Owner {
    fn run(
        mut self,
        mut rx: mpsc::Receiver<(Request, Reply)>,
        mut access_rx: mpsc::Receiver<(Request, Reply)>,
    ) {
        // A small runtime of this thread's own, only to wait on both queues;
        // the work itself (and its fdatasync) blocks this thread, never tokio's.
        let waiter = match tokio::runtime::Builder::new_current_thread().build() {
            Ok(rt) => rt,
            Err(e) => {
                log::error!(error = e.to_string().as_str(); "could not start the database thread");
                return;
            }
        };
        loop {
            let first = waiter.block_on(async {
                tokio::select! {
                    biased;
                    Some(access) = access_rx.recv() => Some((true, access)),
                    Some(request) = rx.recv() => Some((false, request)),
                    else => None,
                }
            });
            let Some((is_access, first)) = first else {
                break;
            };
            // Credentials at the door first, as their own batch: a grant
            // waits at most for one management batch already being written.
            let mut access = Vec::new();
            let mut management = Vec::new();
            if is_access {
                access.push(first);
            } else {
                management.push(first);
            }
            while let Ok(next) = access_rx.try_recv() {
                access.push(next);
            }
            if !access.is_empty() {
                self.handle_batch(access);
            }
            while management.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(next) => management.push(next),
                    Err(_) => break,
                }
            }
            if !management.is_empty() {
                self.handle_batch(management);
            }
        }
        self.storage.wait_compaction();
    }

    fn handle_batch(&mut self, batch: Vec<(Request, Reply)>) {
        let mut changes: Vec<Change> = Vec::new();
        let mut undos: Vec<Change> = Vec::new();
        let mut pending = Vec::with_capacity(batch.len());
        for (request, reply) in batch {
            match self.plan(request) {
                Ok((answer, Some(change))) if !change.is_empty() => {
                    undos.push(self.registry.apply(&change));
                    changes.push(change);
                    pending.push(Pending {
                        reply,
                        result: Ok(answer),
                    });
                }
                Ok((answer, _)) => pending.push(Pending {
                    reply,
                    result: Ok(answer),
                }),
                Err(e) => pending.push(Pending {
                    reply,
                    result: Err(e.into()),
                }),
            }
        }
        let mut failure = None;
        if !changes.is_empty() {
            let refs: Vec<&Change> = changes.iter().collect();
            if let Err(e) = self.storage.append(&refs) {
                log::error!(error = e.to_string().as_str(); "could not write the journal; the batch is undone");
                for undo in undos.iter().rev() {
                    self.registry.apply(undo);
                }
                failure = Some(e.to_string());
            }
        }
        if failure.is_none() && !changes.is_empty() {
            let len = publish(&self.committed, &changes);
            self.count.store(len as u32, Ordering::Release);
        }
        for p in pending {
            // Reads in a failed batch may have seen undone state: they fail too.
            let result = match &failure {
                Some(e) => Err(ServiceError::Storage(e.clone())),
                None => p.result,
            };
            let _ = p.reply.send(result);
        }
        if failure.is_none() {
            if let Err(e) = self.storage.maybe_compact(&self.registry) {
                log::error!(error = e.to_string().as_str(); "could not start a compaction");
            }
        }
    }

    /// The answer to a request and the change it makes, against the current state.
    fn plan(&self, request: Request) -> Result<(Answer, Option<Change>), BodyError> {
        let r = &self.registry;
        Ok(match request {
            Request::Create(body) => {
                let (uid, change) = r.create(&body)?;
                (Answer::Uid(uid), Some(change))
            }
            Request::Update(uid, body) => (Answer::Done, Some(r.update(uid, &body)?)),
            Request::Delete(uid) => (Answer::Done, Some(r.delete(uid)?)),
            Request::DeleteMany(body) => (Answer::Done, Some(r.delete_many(&body)?)),
            Request::Import(body) => {
                let (uids, change) = r.import(&body)?;
                (Answer::Uids(uids), Some(change))
            }
            Request::ResetPasses(uid) => (Answer::Done, Some(r.reset_passes(uid)?)),
            Request::Present {
                kind,
                number,
                clock,
            } => match decide(r, kind, &number, clock) {
                Verdict::Granted { uid, locks, change } => (
                    Answer::Verdict(Verdict::Granted {
                        uid,
                        locks,
                        change: None,
                    }),
                    change,
                ),
                other => (Answer::Verdict(other), None),
            },
        })
    }
}
