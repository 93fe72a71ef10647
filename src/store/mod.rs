//! The identifier database on the management path. One thread owns the
//! registry and the storage ([`owner`]); [`Store`] is the cheap handle the
//! D-Bus objects and the access path hold. Each method sends one
//! [`Command`](command::Command) that carries a reply channel of its own
//! answer's type, so no caller ever matches an answer it cannot get.
//!
//! Reads (`get`, `list`, `count`) and door decisions that take no pass are
//! answered from the committed copy, never waiting for the owner thread.

mod command;
mod owner;
pub mod qr;

use crate::domain::decision::{decide, Clock, Verdict};
use crate::domain::identifier::parse_body;
use crate::domain::identifier::{
    Body, BodyError, IdentifierType, LockChoice, OwnerType, PassLimit, Rules, TimeLimit,
};
use crate::domain::list::Query;
use crate::domain::registry::{parse_import, parse_uid_list, Change, Kind, Record, Registry};
use crate::storage::Storage;
use command::{Command, Queues};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};
use tokio::sync::oneshot;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Rejected(#[from] BodyError),
    /// The mutation could not be made durable; nothing of it was kept.
    #[error("Storage failure: {0}")]
    Storage(Arc<std::io::Error>),
    #[error("latchd is shutting down")]
    Stopped,
    /// A feature the panel's configuration has off (face recognition).
    #[error("This feature is disabled on your device")]
    Disabled,
}

/// The owner thread's two queues: credentials at the door go ahead of
/// management.
enum Queue {
    Door,
    Management,
}

/// The handle to the database. The owner thread ends when the last clone
/// is dropped, after finishing what was sent to it.
#[derive(Clone)]
pub struct Store {
    queues: Arc<Queues>,
    count: Arc<AtomicU32>,
    /// What is on disk: reads and door decisions look here, never at the
    /// owner's working copy.
    committed: Arc<RwLock<Registry>>,
}

impl Store {
    /// Starts the owner thread of `registry` and `storage`.
    pub fn start(
        registry: Registry,
        storage: Storage,
    ) -> std::io::Result<(Store, std::thread::JoinHandle<()>)> {
        let count = Arc::new(AtomicU32::new(registry.len() as u32));
        let committed = Arc::new(RwLock::new(registry.clone()));
        let (queues, thread) = owner::spawn(registry, storage, count.clone(), committed.clone())?;
        Ok((
            Store {
                queues: Arc::new(queues),
                count,
                committed,
            },
            thread,
        ))
    }

    /// Creates an identifier from a panel API body; its uid.
    pub async fn create(&self, body: &str) -> Result<u32, StoreError> {
        let body = parse_body(body, &self.rules());
        self.mutate(move |r| r.create_from(body?)).await
    }

    /// Replaces identifier `uid` with the body.
    pub async fn update(&self, uid: u32, body: &str) -> Result<(), StoreError> {
        let body = parse_body(body, &self.rules());
        self.mutate_done(move |r| r.update_parsed(uid, body)).await
    }

    pub async fn delete(&self, uid: u32) -> Result<(), StoreError> {
        self.mutate_done(move |r| r.delete(uid)).await
    }

    /// `{"uid_items":[1,2]}`: all or nothing.
    pub async fn delete_many(&self, body: &str) -> Result<(), StoreError> {
        let uids = parse_uid_list(body);
        self.mutate_done(move |r| r.delete_uids(uids)).await
    }

    /// `{"list_items":[body, ...]}`: all or nothing; the new uids in order.
    pub async fn import(&self, body: &str) -> Result<Vec<u32>, StoreError> {
        let bodies = parse_import(body, &self.rules());
        self.mutate(move |r| r.import_bodies(bodies)).await
    }

    pub async fn reset_passes(&self, uid: u32) -> Result<(), StoreError> {
        self.mutate_done(move |r| r.reset_passes(uid)).await
    }

    /// A card read during master card enrolment, stored as a permanent
    /// identifier of `owner_name`; its uid.
    pub async fn enrol(
        &self,
        kind: IdentifierType,
        value: u64,
        owner_name: &str,
        lock: LockChoice,
    ) -> Result<u32, StoreError> {
        let body = Body {
            owner_name: owner_name.to_string(),
            owner_type: OwnerType::Owner,
            kind,
            // A number of the type for any width, so that it reads back.
            number: crate::domain::number::card_number(value),
            lock,
            time: TimeLimit {
                is_permanent: true,
                from: None,
                to: None,
            },
            passes: PassLimit {
                is_permanent: true,
                max_passes: None,
            },
        };
        self.mutate(move |r| r.create_from(body)).await
    }

    /// A credential at the door. Decided on the committed copy; only a grant
    /// that takes a pass goes to the owner thread (ahead of management work),
    /// which decides again and makes the pass durable before answering. A
    /// grant that took a pass carries that change (already on disk).
    pub async fn present(
        &self,
        kind: IdentifierType,
        number: &str,
        clock: Clock,
    ) -> Result<Verdict, StoreError> {
        match decide(&self.read(), kind, number, clock) {
            Verdict::Granted {
                change: Some(_), ..
            } => {}
            other => return Ok(other),
        }
        let number = number.to_string();
        self.plan(Queue::Door, move |r| {
            match decide(r, kind, &number, clock) {
                // The answer carries the pass taken, durable once it is sent.
                Verdict::Granted { uid, locks, change } => {
                    let verdict = Verdict::Granted {
                        uid,
                        locks,
                        change: change.clone(),
                    };
                    (change, Ok(verdict))
                }
                other => (None, Ok(other)),
            }
        })
        .await
    }

    /// Gives back a pass taken by a grant whose door did not open; durable
    /// once answered, like any mutation. On the door queue, after the grant
    /// that took it.
    pub async fn return_pass(&self, uid: u32) -> Result<(), StoreError> {
        self.plan(Queue::Door, move |r| (Some(r.return_pass(uid)), Ok(())))
            .await
    }

    /// New validation rules from a reloaded configuration (master code and
    /// card, face settings): in effect for every command sent after this.
    pub async fn set_rules(&self, rules: Rules) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queues
            .send_management(Command::SetRules { rules, reply })
            .await?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }

    /// A door decision on the committed copy that changes nothing and is
    /// recorded nowhere: returns once the copy could be read (a health
    /// check of the access path).
    pub fn probe(&self, clock: Clock) {
        let _ = decide(&self.read(), IdentifierType::InputCode, "", clock);
    }

    /// An identifier as its JSON item, from the committed copy.
    pub fn get(&self, uid: u32) -> Result<String, StoreError> {
        Ok(self.read().get(uid)?.to_string())
    }

    /// A page of identifiers for a JSON query, from the committed copy.
    pub async fn list(&self, query: &str) -> Result<String, StoreError> {
        let query = query.to_string();
        self.page(move |committed| {
            let query = Query::parse(&query)?;
            // Only the filtering holds the lock; the sort does not.
            let hits = read_lock(committed).matching(&query);
            Ok(query.page(hits))
        })
        .await
    }

    /// The number of identifiers, without a round trip to the owner thread.
    pub fn count(&self) -> u32 {
        self.count.load(Ordering::Acquire)
    }

    /// A mutation planned against the owner's registry by `plan`: its
    /// answer once the change is on disk.
    async fn mutate<T: Send + 'static>(
        &self,
        plan: impl FnOnce(&Registry) -> Result<(T, Change), BodyError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.plan(Queue::Management, move |r| match plan(r) {
            Ok((value, change)) => (Some(change), Ok(value)),
            Err(e) => (None, Err(e)),
        })
        .await
    }

    /// As [`Store::mutate`], for mutations that answer only that they were done.
    async fn mutate_done(
        &self,
        plan: impl FnOnce(&Registry) -> Result<Change, BodyError> + Send + 'static,
    ) -> Result<(), StoreError> {
        self.mutate(move |r| plan(r).map(|change| ((), change)))
            .await
    }

    /// Sends a plan to the owner thread on `queue` and waits for its answer
    /// (given once its change, if any, is on disk).
    async fn plan<T: Send + 'static>(
        &self,
        queue: Queue,
        plan: impl FnOnce(&Registry) -> (Option<Change>, Result<T, BodyError>) + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let command = Command::Plan(Box::new(move |r| owner::planned(reply, plan(r))));
        match queue {
            Queue::Door => self.queues.send_door(command).await?,
            Queue::Management => self.queues.send_management(command).await?,
        }
        answer.await.map_err(|_| StoreError::Stopped)?
    }

    /// A record from a panel API body (a time profile, an apartment); its uid.
    pub async fn create_record<B: Kind>(&self, body: &str) -> Result<u32, StoreError> {
        let body = B::parse(body);
        self.mutate(move |r| r.create_record(body)).await
    }

    /// Replaces record `uid` with the body; what refers to it stays.
    pub async fn update_record<B: Kind>(&self, uid: u32, body: &str) -> Result<(), StoreError> {
        let body = B::parse(body);
        self.mutate_done(move |r| r.update_record(uid, body)).await
    }

    /// Deletes record `uid` and takes it out of every identifier, in one step.
    pub async fn delete_record<B: Kind>(&self, uid: u32) -> Result<(), StoreError> {
        self.mutate_done(move |r| r.delete_record::<B>(uid)).await
    }

    pub async fn attach_profile(&self, uid: u32, profile: u32) -> Result<(), StoreError> {
        self.mutate_done(move |r| r.attach_profile(uid, profile))
            .await
    }

    pub async fn detach_profile(&self, uid: u32, profile: u32) -> Result<(), StoreError> {
        self.mutate_done(move |r| r.detach_profile(uid, profile))
            .await
    }

    pub async fn bind(&self, apartment: u32, uid: u32) -> Result<(), StoreError> {
        self.mutate_done(move |r| r.bind(apartment, uid)).await
    }

    pub async fn unbind(&self, uid: u32) -> Result<(), StoreError> {
        self.mutate_done(move |r| r.unbind(uid)).await
    }

    /// A record as its JSON item, from the committed copy.
    pub fn get_record<B: Kind>(&self, uid: u32) -> Result<String, StoreError> {
        Ok(self.read().get_record::<B>(uid)?.to_string())
    }

    /// A page of records, from the committed copy. It is locked only to
    /// filter and then to render the page's items, never while sorting: a
    /// waiting publish would hold up door decisions.
    pub async fn list_records<B: Kind>(&self, query: &str) -> Result<String, StoreError> {
        let query = query.to_string();
        self.page(move |committed| {
            let q = Query::parse_for::<Record<B>>(&query)?;
            let hits = read_lock(committed).matching_records::<B>(&q);
            let (total, page) = q.slice(hits);
            let items = {
                let registry = read_lock(committed);
                page.iter().map(|r| registry.record_item(r)).collect()
            };
            Ok(q.render(total, items))
        })
        .await
    }

    /// A List page made by `make` off the async threads (sorting a large
    /// page is real work), refused when it is larger than latchd replies.
    async fn page(
        &self,
        make: impl FnOnce(&RwLock<Registry>) -> Result<serde_json::Value, BodyError> + Send + 'static,
    ) -> Result<String, StoreError> {
        let committed = self.committed.clone();
        tokio::task::spawn_blocking(move || {
            let page = make(&committed)?.to_string();
            if page.len() > crate::domain::limits::MAX_PAGE {
                return Err(BodyError::ReplyTooLarge.into());
            }
            Ok(page)
        })
        .await
        .map_err(|_| StoreError::Stopped)?
    }

    /// Whether a presented face can be matched: face recognition is on and
    /// the number is an embedding of `[panel] face_dimensions` values.
    pub fn check_face(&self, number: &str) -> Result<(), StoreError> {
        let registry = self.read();
        let rules = registry.rules();
        if !rules.face_recognition {
            return Err(StoreError::Disabled);
        }
        let mut values = [0f32; crate::domain::limits::MAX_FACE_DIMENSIONS];
        crate::domain::face::decode_face_into(number, rules.face_dimensions, &mut values)
            .map(|_| ())
            .ok_or(BodyError::BadFace.into())
    }

    /// The PNG of a qr identifier's QR code.
    pub fn qr_png(&self, uid: u32) -> Result<Vec<u8>, StoreError> {
        let number = {
            let registry = self.read();
            let item = registry.identifier(uid).ok_or(BodyError::WrongUid)?;
            if item.body.kind != IdentifierType::Qr {
                return Err(BodyError::NotQr.into());
            }
            item.body.number.clone()
        };
        qr::qr_png(&number).map_err(|e| StoreError::Storage(Arc::new(std::io::Error::other(e))))
    }

    /// The validation rules now in effect, for parsing a body before it is
    /// sent (cloned: no lock is held while parsing).
    fn rules(&self) -> Rules {
        self.read().rules().clone()
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering::SeqCst;

    fn code(number: &str) -> String {
        serde_json::json!({
            "identifier_owner": {"name": "A", "type": "owner"},
            "identifier_type": "inputCode", "identifier_number": number, "lock": "first",
        })
        .to_string()
    }

    /// A journal write fails and so does cutting it back: the store
    /// refuses mutations (StorageFailed) while the segment ends in the
    /// failed write, the door goes on deciding, and once the segment can be
    /// cut back mutations are taken again; what was acknowledged reads back
    /// after a restart.
    #[tokio::test]
    async fn a_failed_write_that_cannot_be_cut_back_stops_mutations_not_the_door() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let (storage, registry) = Storage::open(&data, Rules::default()).unwrap();
        let faults = storage.faults.clone();
        let (store, owner) = Store::start(registry, storage).unwrap();
        store.create(&code("1111")).await.unwrap();

        faults.write.store(true, SeqCst);
        faults.truncate.store(true, SeqCst);
        assert!(matches!(
            store.create(&code("2222")).await,
            Err(StoreError::Storage(_))
        ));
        // The disk works again, but the failed write is still there.
        faults.write.store(false, SeqCst);
        let refused = store.create(&code("3333")).await.unwrap_err().to_string();
        assert!(refused.contains("cannot be cut off"), "{refused}");
        let clock = Clock {
            now_unix: 1_800_000_000,
            synchronised: true,
            require_sync: false,
        };
        let verdict = store
            .present(IdentifierType::InputCode, "1111", clock)
            .await
            .unwrap();
        assert!(matches!(verdict, Verdict::Granted { .. }), "{verdict:?}");

        faults.truncate.store(false, SeqCst);
        let uid = store.create(&code("4444")).await.unwrap();
        drop(store);
        owner.join().unwrap();

        let (_, registry) = Storage::open(&data, Rules::default()).unwrap();
        let numbers: Vec<&str> = registry.iter().map(|i| i.body.number.as_str()).collect();
        assert_eq!(numbers, vec!["1111", "4444"]);
        assert!(registry.get(uid).is_ok());
    }
}
