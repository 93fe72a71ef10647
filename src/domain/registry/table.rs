//! One table of records, used by time profiles and apartments alike: the
//! records by uid, the next uid, the identifiers that refer to each record,
//! a unique key where the kind has one, and the same planned operations with
//! each kind's own errors. What differs between the kinds is their [`Kind`].

use super::{Change, IntegrityError, TableChange};
use crate::domain::identifier::{BodyError, Identifier};
use crate::domain::list::{Listed, Query};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

/// A stored record: its uid and its validated body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<B> {
    pub uid: u32,
    pub body: B,
}

/// What a body type brings to its table: how it is parsed and checked,
/// its messages, how identifiers refer to it, and which table of the
/// registry and of a [`Change`] is its own.
pub trait Kind: Clone + Debug + PartialEq + Send + Sync + Sized + 'static {
    /// As integrity errors name it ("time profile").
    const NAME: &'static str;
    /// The item's uid field, the default sort of List.
    const UID_FIELD: &'static str;
    /// The fields List sorts and filters by, uid first.
    const FIELDS: &'static [&'static str];
    /// Records of the kind, at most.
    const MAX: usize;
    /// An unknown uid.
    const WRONG_UID: BodyError;
    /// No record can be created (the table is full, or no uid is left).
    const TOO_MANY: BodyError;
    /// How a journal line that removes a record still in use is refused.
    const STILL_USED: &'static str;
    /// A key no two records share; `Infallible` for a kind without one.
    type Unique: Copy + Eq + Hash + Debug + Send + Sync;

    /// Steps 1 to 4 of Create and Update, in the contract's order.
    fn parse(text: &str) -> Result<Self, BodyError>;
    /// The unique key, if the kind has one.
    fn unique(&self) -> Option<Self::Unique> {
        None
    }
    /// Another record has this body's unique `key` (Create, Update).
    fn clash(key: Self::Unique) -> BodyError;
    /// Another stored record, `other`, has record `uid`'s unique `key` (loading).
    fn duplicate(key: Self::Unique, uid: u32, other: u32) -> IntegrityError;
    /// What validation would have refused in a stored body (a file edited by hand).
    fn check_stored(&self, uid: u32) -> Result<(), IntegrityError>;
    /// The value of a string field of [`Self::FIELDS`], for List.
    fn text(&self, field: &str) -> &str;
    /// The item of Get and List, with the identifiers that use the record.
    fn to_item(record: &Record<Self>, users: &[u32]) -> Value;

    /// The records of this kind an identifier refers to.
    fn refs(item: &Identifier) -> impl Iterator<Item = u32> + '_;
    /// The identifier no longer refers to record `uid` (it is deleted).
    fn unref(item: &mut Identifier, uid: u32);

    fn table(registry: &super::Registry) -> &Table<Self>;
    fn part(change: &Change) -> &TableChange<Record<Self>>;
    fn part_mut(change: &mut Change) -> &mut TableChange<Record<Self>>;
}

impl<B: Kind> Record<B> {
    /// The item of Get and List, with the identifiers that use the record.
    pub fn to_item(&self, users: &[u32]) -> Value {
        B::to_item(self, users)
    }
}

impl<B: Kind> Listed for Record<B> {
    const UID_FIELD: &'static str = B::UID_FIELD;
    const FIELDS: &'static [&'static str] = B::FIELDS;
    fn uid(&self) -> u32 {
        self.uid
    }
    fn text(&self, field: &str) -> &str {
        self.body.text(field)
    }
}

/// The records of one kind and their indexes.
#[derive(Debug, Clone)]
pub struct Table<B: Kind> {
    rows: BTreeMap<u32, Arc<Record<B>>>,
    next_uid: u32,
    by_unique: HashMap<B::Unique, u32>,
    /// The identifiers referring to each record: the other direction of
    /// the identifiers' own fields.
    users: HashMap<u32, BTreeSet<u32>>,
}

impl<B: Kind> Default for Table<B> {
    fn default() -> Self {
        Table {
            rows: BTreeMap::new(),
            next_uid: 1,
            by_unique: HashMap::new(),
            users: HashMap::new(),
        }
    }
}

impl<B: Kind> Table<B> {
    pub fn get(&self, uid: u32) -> Option<&Arc<Record<B>>> {
        self.rows.get(&uid)
    }

    pub fn existing(&self, uid: u32) -> Result<&Arc<Record<B>>, BodyError> {
        self.rows.get(&uid).ok_or(B::WRONG_UID)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Record<B>>> {
        self.rows.values()
    }

    pub fn next_uid(&self) -> u32 {
        self.next_uid
    }

    /// Raises the next uid (uids are never reused, even after deletes).
    pub fn raise_next_uid(&mut self, next: u32) {
        self.next_uid = self.next_uid.max(next);
    }

    /// Inserts a stored record while loading (before the identifiers).
    pub fn load(&mut self, record: Record<B>) -> Result<(), IntegrityError> {
        let uid = record.uid;
        if uid == 0 {
            return Err(IntegrityError::ZeroUidOf(B::NAME));
        }
        if self.rows.contains_key(&uid) {
            return Err(IntegrityError::DuplicateUidOf(B::NAME, uid));
        }
        record.body.check_stored(uid)?;
        if let Some(key) = record.body.unique() {
            if let Some(&other) = self.by_unique.get(&key) {
                return Err(B::duplicate(key, uid, other));
            }
            self.by_unique.insert(key, uid);
        }
        self.raise_next_uid(uid.saturating_add(1));
        self.rows.insert(uid, Arc::new(record));
        Ok(())
    }

    /// The identifiers that refer to record `uid`, in uid order.
    pub fn users(&self, uid: u32) -> Vec<u32> {
        self.users
            .get(&uid)
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default()
    }

    /// One identifier that refers to record `uid`, if any does.
    pub fn first_user(&self, uid: u32) -> Option<u32> {
        self.users.get(&uid).and_then(|s| s.first().copied())
    }

    /// Whether identifier `user` is in record `uid`'s index.
    pub fn is_used_by(&self, uid: u32, user: u32) -> bool {
        self.users.get(&uid).is_some_and(|s| s.contains(&user))
    }

    /// References in the index, counted over all records.
    pub fn references(&self) -> usize {
        self.users.values().map(BTreeSet::len).sum()
    }

    /// Adds (or removes) an identifier in the index of what it refers to.
    pub fn index_user(&mut self, item: &Identifier, add: bool) {
        for uid in B::refs(item) {
            if add {
                self.users.entry(uid).or_default().insert(item.uid);
            } else if let Some(set) = self.users.get_mut(&uid) {
                set.remove(&item.uid);
                if set.is_empty() {
                    self.users.remove(&uid);
                }
            }
        }
    }

    /// Another record with this body's unique key (Update ignores itself).
    fn check_unique(&self, body: &B, itself: Option<u32>) -> Result<(), BodyError> {
        let Some(key) = body.unique() else {
            return Ok(());
        };
        match self.by_unique.get(&key) {
            Some(&other) if Some(other) != itself => Err(B::clash(key)),
            _ => Ok(()),
        }
    }

    /// A new record from a parsed body: its uid and the table's change.
    pub fn create(&self, body: B) -> Result<(u32, TableChange<Record<B>>), BodyError> {
        self.check_unique(&body, None)?;
        if self.rows.len() >= B::MAX {
            return Err(B::TOO_MANY);
        }
        let uid = self.next_uid;
        let next = uid.checked_add(1).ok_or(B::TOO_MANY)?;
        Ok((uid, put(Record { uid, body }, Some(next))))
    }

    /// Record `uid` replaced by a body (parsed by the caller: an unknown
    /// uid is refused before the body's own error).
    pub fn update(
        &self,
        uid: u32,
        body: Result<B, BodyError>,
    ) -> Result<TableChange<Record<B>>, BodyError> {
        self.existing(uid)?;
        let body = body?;
        self.check_unique(&body, Some(uid))?;
        Ok(put(Record { uid, body }, None))
    }

    /// Makes this table's part of a change current; returns the part that
    /// undoes it (which must be able to lower the next uid again).
    pub fn apply(&mut self, change: &TableChange<Record<B>>) -> TableChange<Record<B>> {
        let mut undo = TableChange::default();
        for uid in &change.remove {
            if let Some(old) = self.rows.remove(uid) {
                self.unindex(&old);
                undo.put.push(old);
            }
        }
        for record in &change.put {
            match self.rows.insert(record.uid, record.clone()) {
                Some(old) => {
                    self.unindex(&old);
                    undo.put.push(old);
                }
                None => undo.remove.push(record.uid),
            }
            if let Some(key) = record.body.unique() {
                self.by_unique.insert(key, record.uid);
            }
        }
        if let Some(next) = change.next_uid {
            undo.next_uid = Some(self.next_uid);
            self.next_uid = next.max(1);
        }
        undo
    }

    fn unindex(&mut self, old: &Record<B>) {
        if let Some(key) = old.body.unique() {
            if self.by_unique.get(&key) == Some(&old.uid) {
                self.by_unique.remove(&key);
            }
        }
    }

    /// A record's item, with the identifiers that use it now.
    pub fn item(&self, record: &Record<B>) -> Value {
        B::to_item(record, &self.users(record.uid))
    }

    /// The records a query's filter lets through, unsorted.
    pub fn matching(&self, q: &Query) -> Vec<Arc<Record<B>>> {
        self.rows
            .values()
            .filter(|r| q.filter.as_ref().is_none_or(|f| f.matches(r.as_ref())))
            .cloned()
            .collect()
    }

    /// The table's own indexes agree with its records; uids are from 1 and
    /// below the next uid. The first broken one, as text.
    pub(crate) fn check_invariants(&self) -> Result<(), String> {
        let mut keys = 0;
        for (uid, record) in &self.rows {
            if *uid != record.uid || *uid == 0 || *uid >= self.next_uid {
                return Err(format!(
                    "{} uid {uid} is 0, stored under another uid or not below its next uid",
                    B::NAME
                ));
            }
            if let Some(key) = record.body.unique() {
                if self.by_unique.get(&key) != Some(uid) {
                    return Err(format!(
                        "{} {uid} is missing from its unique index",
                        B::NAME
                    ));
                }
                keys += 1;
            }
        }
        if self.by_unique.len() != keys {
            return Err(format!(
                "the unique index of {}s holds records that are gone",
                B::NAME
            ));
        }
        Ok(())
    }
}

/// A table change that puts one record.
fn put<R>(record: R, next_uid: Option<u32>) -> TableChange<R> {
    TableChange {
        put: vec![Arc::new(record)],
        remove: vec![],
        next_uid,
    }
}
