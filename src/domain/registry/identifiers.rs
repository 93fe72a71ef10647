//! The identifiers' operations: Create to Import, passes, Get and List,
//! each planned as a [`Change`] against the current state.

use super::{Change, Key, Registry};
use crate::domain::identifier::{
    check_master, parse_body, parse_body_value, Body, BodyError, Identifier, Rules,
};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;

impl Registry {
    pub(super) fn existing(&self, uid: u32) -> Result<&Arc<Identifier>, BodyError> {
        self.items.get(&uid).ok_or(BodyError::WrongUid)
    }

    /// Checks 7 to 9 for a body that passed [`parse_body`]; `itself` is the
    /// uid an Update may clash with.
    fn check_clashes(&self, body: &Body, itself: Option<u32>) -> Result<Key, BodyError> {
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
    pub fn create_from(&self, body: Body) -> Result<(u32, Change), BodyError> {
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
                ..Default::default()
            },
        ))
    }

    pub fn update(&self, uid: u32, body: &str) -> Result<Change, BodyError> {
        self.update_parsed(uid, parse_body(body, &self.rules))
    }

    /// Update with a body parsed by the caller: an unknown uid is refused
    /// before the body's own error.
    pub fn update_parsed(&self, uid: u32, body: Parsed<Body>) -> Result<Change, BodyError> {
        let old = self.existing(uid)?;
        let body = body?;
        self.check_clashes(&body, Some(uid))?;
        Ok(self.put(old.updated(body)))
    }

    pub fn delete(&self, uid: u32) -> Result<Change, BodyError> {
        self.existing(uid)?;
        Ok(Change {
            put: vec![],
            remove: vec![uid],
            next_uid: self.next_uid,
            ..Default::default()
        })
    }

    /// `{"uid_items":[1,2]}`: all exist, or nothing is deleted.
    pub fn delete_many(&self, body: &str) -> Result<Change, BodyError> {
        self.delete_uids(parse_uid_list(body))
    }

    /// DeleteMany with its list read by [`parse_uid_list`].
    pub fn delete_uids(&self, list: Parsed<Vec<Parsed<u32>>>) -> Result<Change, BodyError> {
        let list = list?;
        let mut uids = Vec::with_capacity(list.len());
        for uid in list {
            let uid = uid?;
            self.existing(uid)?;
            if !uids.contains(&uid) {
                uids.push(uid);
            }
        }
        Ok(Change {
            put: vec![],
            remove: uids,
            next_uid: self.next_uid,
            ..Default::default()
        })
    }

    /// `{"list_items":[body, ...]}`: every item is created, or none.
    pub fn import(&self, body: &str) -> Result<(Vec<u32>, Change), BodyError> {
        self.import_bodies(parse_import(body, &self.rules))
    }

    /// Import with its items read by [`parse_import`].
    pub fn import_bodies(
        &self,
        list: Parsed<Vec<Parsed<Body>>>,
    ) -> Result<(Vec<u32>, Change), BodyError> {
        let list = list?;
        let mut seen: HashSet<Key> = HashSet::with_capacity(list.len());
        let mut put = Vec::with_capacity(list.len());
        let mut uid = self.next_uid;
        for (n, body) in list.into_iter().enumerate() {
            let at = |e: BodyError| BodyError::Item(n, Box::new(e));
            let body = body.map_err(at)?;
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
                ..Default::default()
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

    pub(super) fn put(&self, item: Identifier) -> Change {
        Change {
            put: vec![Arc::new(item)],
            remove: vec![],
            next_uid: self.next_uid,
            ..Default::default()
        }
    }

    pub fn get(&self, uid: u32) -> Result<Value, BodyError> {
        Ok(self.existing(uid)?.to_item())
    }

    /// One page of identifiers, as the panel's list endpoint answers.
    pub fn list(&self, query: &str) -> Result<Value, BodyError> {
        let q = crate::domain::list::Query::parse(query)?;
        Ok(q.page(self.matching(&q)))
    }

    /// The identifiers a query's filter lets through, unsorted: cheap enough
    /// to take under a lock, leaving the sort for after it.
    pub fn matching(&self, q: &crate::domain::list::Query) -> Vec<Arc<Identifier>> {
        self.items
            .values()
            .filter(|item| q.filter.as_ref().is_none_or(|f| f.matches(item.as_ref())))
            .cloned()
            .collect()
    }
}

/// A body as the caller parsed it, or why it is refused.
pub type Parsed<T> = Result<T, BodyError>;

/// DeleteMany's `{"uid_items":[1,2]}`: each uid, up to the first item that
/// is not one (the owner refuses at that item, unless an earlier uid is
/// unknown).
pub fn parse_uid_list(body: &str) -> Parsed<Vec<Parsed<u32>>> {
    let mut uids = Vec::new();
    for v in list_field(body, "uid_items")? {
        let uid = v
            .as_u64()
            .ok_or(BodyError::WrongType("uid_items"))
            .and_then(|uid| uid.try_into().map_err(|_| BodyError::WrongUid));
        let failed = uid.is_err();
        uids.push(uid);
        if failed {
            break;
        }
    }
    Ok(uids)
}

/// Import's `{"list_items":[body, ...]}` with `rules`: each body, up to the
/// first that fails (the owner refuses at that item, unless an earlier one
/// clashes).
pub fn parse_import(body: &str, rules: &Rules) -> Parsed<Vec<Parsed<Body>>> {
    let mut bodies = Vec::new();
    for item in list_field(body, "list_items")? {
        let body = parse_body_value(&item, rules);
        let failed = body.is_err();
        bodies.push(body);
        if failed {
            break;
        }
    }
    Ok(bodies)
}

/// The array under `field` of a JSON object body.
fn list_field(body: &str, field: &'static str) -> Result<Vec<Value>, BodyError> {
    use crate::domain::limits::{MAX_BULK_BODY, MAX_BULK_ITEMS};
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
