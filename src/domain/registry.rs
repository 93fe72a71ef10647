//! The identifier database in memory: the panel API's operations as pure
//! functions of the current state. Each mutation is planned as a [`Change`]
//! (what to put and remove), which storage makes durable and [`Registry::apply`]
//! makes current; no I/O happens here.

use super::identifier::{
    check_master, parse_body, parse_body_value, BodyError, Identifier, IdentifierType, Rules,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// A mutation as state: identifiers to put (insert or replace) and uids to remove.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Change {
    pub put: Vec<Arc<Identifier>>,
    pub remove: Vec<u32>,
    /// The next uid to hand out after this change.
    pub next_uid: u32,
}

impl Change {
    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.remove.is_empty()
    }
}

/// Why stored data cannot be loaded into a registry.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IntegrityError {
    #[error("identifier uid {0} is stored twice")]
    DuplicateUid(u32),
    #[error("identifier uid {uid} has the same type and number as uid {other}")]
    DuplicateNumber { uid: u32, other: u32 },
    #[error("identifier uid {uid}: identifier_number is not a valid {kind}")]
    BadNumber { uid: u32, kind: &'static str },
    #[error("identifier uid 0 is not allowed")]
    ZeroUid,
}

type Key = (IdentifierType, String);

#[derive(Debug, Clone, Default)]
pub struct Registry {
    items: BTreeMap<u32, Arc<Identifier>>,
    by_number: HashMap<Key, u32>,
    next_uid: u32,
    rules: Rules,
}

impl Registry {
    pub fn new(rules: Rules) -> Self {
        Registry {
            next_uid: 1,
            rules,
            ..Default::default()
        }
    }

    /// Inserts a stored identifier while loading, checking what validation
    /// would have refused.
    pub fn load(&mut self, item: Identifier) -> Result<(), IntegrityError> {
        if item.uid == 0 {
            return Err(IntegrityError::ZeroUid);
        }
        if self.items.contains_key(&item.uid) {
            return Err(IntegrityError::DuplicateUid(item.uid));
        }
        let key = key_of(&item).ok_or(IntegrityError::BadNumber {
            uid: item.uid,
            kind: item.body.kind.as_str(),
        })?;
        if let Some(&other) = self.by_number.get(&key) {
            return Err(IntegrityError::DuplicateNumber {
                uid: item.uid,
                other,
            });
        }
        self.next_uid = self.next_uid.max(item.uid.saturating_add(1));
        self.by_number.insert(key, item.uid);
        self.items.insert(item.uid, Arc::new(item));
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn next_uid(&self) -> u32 {
        self.next_uid
    }

    /// Raises the next uid (uids are never reused, even after deletes).
    pub fn set_next_uid(&mut self, next: u32) {
        self.next_uid = self.next_uid.max(next);
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// New rules (a reloaded configuration): they apply to what is
    /// validated and decided from now on; stored identifiers stay as they
    /// are, as when latchd starts with them.
    pub fn set_rules(&mut self, rules: Rules) {
        self.rules = rules;
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Identifier>> {
        self.items.values()
    }

    /// The identifier with this type and number, in any of the number's forms.
    pub fn find(&self, kind: IdentifierType, number: &str) -> Option<&Arc<Identifier>> {
        let canonical = kind.canonical(number)?;
        let uid = self.by_number.get(&(kind, canonical))?;
        self.items.get(uid)
    }

    fn existing(&self, uid: u32) -> Result<&Arc<Identifier>, BodyError> {
        self.items.get(&uid).ok_or(BodyError::WrongUid)
    }

    /// Checks 7 to 9 for a body that passed [`parse_body`]; `itself` is the
    /// uid an Update may clash with.
    fn check_clashes(
        &self,
        body: &super::identifier::Body,
        itself: Option<u32>,
    ) -> Result<Key, BodyError> {
        check_master(body, &self.rules)?;
        let key = (body.kind, body.canonical());
        match self.by_number.get(&key) {
            Some(&uid) if Some(uid) != itself => Err(BodyError::Duplicate),
            _ => Ok(key),
        }
    }

    pub fn create(&self, body: &str) -> Result<(u32, Change), BodyError> {
        self.create_from(parse_body(body, &self.rules)?)
    }

    /// Creates an identifier from a body already built (card enrolment):
    /// the same checks for the master credentials and duplicates.
    pub fn create_from(&self, body: super::identifier::Body) -> Result<(u32, Change), BodyError> {
        self.check_clashes(&body, None)?;
        let uid = self.next_uid;
        // uids are never reused: when the last one is taken, nothing more
        // can be created (rather than wrapping onto identifier 1).
        let next_uid = uid.checked_add(1).ok_or(BodyError::NoUidLeft)?;
        Ok((
            uid,
            Change {
                put: vec![Arc::new(Identifier::new(uid, body))],
                remove: vec![],
                next_uid,
            },
        ))
    }

    pub fn update(&self, uid: u32, body: &str) -> Result<Change, BodyError> {
        let old = self.existing(uid)?;
        let body = parse_body(body, &self.rules)?;
        self.check_clashes(&body, Some(uid))?;
        Ok(self.put(old.updated(body)))
    }

    pub fn delete(&self, uid: u32) -> Result<Change, BodyError> {
        self.existing(uid)?;
        Ok(Change {
            put: vec![],
            remove: vec![uid],
            next_uid: self.next_uid,
        })
    }

    /// `{"uid_items":[1,2]}`: all exist, or nothing is deleted.
    pub fn delete_many(&self, body: &str) -> Result<Change, BodyError> {
        let list = list_field(body, "uid_items")?;
        let mut uids = Vec::with_capacity(list.len());
        for v in list {
            let uid = v
                .as_u64()
                .ok_or(BodyError::WrongType("uid_items"))?
                .try_into()
                .map_err(|_| BodyError::WrongUid)?;
            self.existing(uid)?;
            if !uids.contains(&uid) {
                uids.push(uid);
            }
        }
        Ok(Change {
            put: vec![],
            remove: uids,
            next_uid: self.next_uid,
        })
    }

    /// `{"list_items":[body, ...]}`: every item is created, or none.
    pub fn import(&self, body: &str) -> Result<(Vec<u32>, Change), BodyError> {
        let list = list_field(body, "list_items")?;
        let mut seen: HashSet<Key> = HashSet::with_capacity(list.len());
        let mut put = Vec::with_capacity(list.len());
        let mut uid = self.next_uid;
        for (n, item) in list.iter().enumerate() {
            let at = |e: BodyError| BodyError::Item(n, Box::new(e));
            let body = parse_body_value(item, &self.rules).map_err(at)?;
            let key = self.check_clashes(&body, None).map_err(at)?;
            if !seen.insert(key) {
                return Err(at(BodyError::Duplicate));
            }
            put.push(Arc::new(Identifier::new(uid, body)));
            uid = uid.checked_add(1).ok_or(at(BodyError::NoUidLeft))?;
        }
        let uids = put.iter().map(|i| i.uid).collect();
        Ok((
            uids,
            Change {
                put,
                remove: vec![],
                next_uid: uid,
            },
        ))
    }

    /// Gives back one pass taken by a grant whose door did not open. Nothing
    /// to do when the identifier is gone, its passes are unlimited, or it
    /// has all of them (it was reset or updated meanwhile).
    pub fn return_pass(&self, uid: u32) -> Change {
        match self.items.get(&uid) {
            Some(old) if old.max_passes().is_some_and(|max| old.passes_left < max) => {
                let mut next = Identifier::clone(old);
                next.passes_left += 1;
                self.put(next)
            }
            _ => Change {
                next_uid: self.next_uid,
                ..Change::default()
            },
        }
    }

    pub fn reset_passes(&self, uid: u32) -> Result<Change, BodyError> {
        let old = self.existing(uid)?;
        match old.max_passes() {
            Some(max) if old.passes_left != max => {
                let mut next = Identifier::clone(old);
                next.passes_left = max;
                Ok(self.put(next))
            }
            _ => Ok(Change {
                next_uid: self.next_uid,
                ..Change::default()
            }),
        }
    }

    fn put(&self, item: Identifier) -> Change {
        Change {
            put: vec![Arc::new(item)],
            remove: vec![],
            next_uid: self.next_uid,
        }
    }

    pub fn get(&self, uid: u32) -> Result<Value, BodyError> {
        Ok(self.existing(uid)?.to_item())
    }

    /// Makes `change` current and returns the change that undoes it.
    pub fn apply(&mut self, change: &Change) -> Change {
        let mut undo = Change {
            next_uid: self.next_uid,
            ..Change::default()
        };
        for uid in &change.remove {
            if let Some(old) = self.remove(*uid) {
                undo.put.push(old);
            }
        }
        for item in &change.put {
            match self.remove(item.uid) {
                Some(old) => undo.put.push(old),
                None => undo.remove.push(item.uid),
            }
            if let Some(key) = key_of(item) {
                self.by_number.insert(key, item.uid);
            }
            self.items.insert(item.uid, item.clone());
        }
        // Undo must be able to lower next_uid again, so it is set, not raised.
        self.next_uid = change.next_uid.max(1);
        undo
    }

    fn remove(&mut self, uid: u32) -> Option<Arc<Identifier>> {
        let old = self.items.remove(&uid)?;
        if let Some(key) = key_of(&old) {
            if self.by_number.get(&key) == Some(&uid) {
                self.by_number.remove(&key);
            }
        }
        Some(old)
    }

    /// One page of identifiers, as the panel's list endpoint answers.
    pub fn list(&self, query: &str) -> Result<Value, BodyError> {
        let q = super::list::Query::parse(query)?;
        Ok(q.page(self.matching(&q)))
    }

    /// The identifiers a query's filter lets through, unsorted: cheap enough
    /// to take under a lock, leaving the sort for after it.
    pub fn matching(&self, q: &super::list::Query) -> Vec<Arc<Identifier>> {
        self.items
            .values()
            .filter(|item| q.filter.as_ref().is_none_or(|f| f.matches(item)))
            .cloned()
            .collect()
    }
}

impl Registry {
    /// What every registry built by the operations above holds: uids from 1
    /// and below the next uid, each item's number valid for its type and its
    /// (type, canonical number) held by no other item, and the index of
    /// numbers exactly the items' keys. The first broken one, as text.
    pub(crate) fn check_invariants(&self) -> Result<(), String> {
        let mut keys = 0;
        for (uid, item) in &self.items {
            if *uid != item.uid {
                return Err(format!("uid {} is stored under uid {uid}", item.uid));
            }
            if *uid == 0 || *uid >= self.next_uid {
                return Err(format!("uid {uid} is not in 1..{}", self.next_uid));
            }
            let Some(key) = key_of(item) else {
                return Err(format!(
                    "uid {uid}: {:?} is not a valid {}",
                    item.body.number,
                    item.body.kind.as_str()
                ));
            };
            match self.by_number.get(&key) {
                Some(other) if other == uid => keys += 1,
                Some(other) => {
                    return Err(format!("uid {uid} has the type and number of uid {other}"))
                }
                None => return Err(format!("uid {uid} is missing from the index of numbers")),
            }
        }
        if keys != self.by_number.len() {
            return Err(format!(
                "the index of numbers has {} entries for {keys} identifiers",
                self.by_number.len()
            ));
        }
        Ok(())
    }
}

fn key_of(item: &Identifier) -> Option<Key> {
    Some((item.body.kind, item.body.kind.canonical(&item.body.number)?))
}

/// The array under `field` of a JSON object body.
fn list_field(body: &str, field: &'static str) -> Result<Vec<Value>, BodyError> {
    use super::limits::{MAX_BULK_BODY, MAX_BULK_ITEMS};
    if body.len() > MAX_BULK_BODY {
        return Err(BodyError::WrongBody);
    }
    let value: Value = serde_json::from_str(body).map_err(|_| BodyError::WrongBody)?;
    let Value::Object(mut map) = value else {
        return Err(BodyError::WrongBody);
    };
    match map.remove(field) {
        None | Some(Value::Null) => Err(BodyError::Missing(field)),
        Some(Value::Array(list)) if list.len() > MAX_BULK_ITEMS => Err(BodyError::WrongBody),
        Some(Value::Array(list)) => Ok(list),
        Some(_) => Err(BodyError::WrongType(field)),
    }
}
