//! The identifier database in memory: the panel API's operations as pure
//! functions of the current state. Each mutation is planned as a [`Change`]
//! (what to put and remove), which storage makes durable and [`Registry::apply`]
//! makes current; no I/O happens here.

use super::apartment::{parse_apartment, Apartment, LogicalAddress};
use super::face::{decode_face, decode_face_into, FaceIndex};
use super::identifier::{
    check_master, parse_body, parse_body_value, BodyError, Identifier, IdentifierType, Rules,
};
use super::limits::{MAX_APARTMENTS, MAX_ATTACHED_PROFILES, MAX_TIME_PROFILES};
use super::list::{Listed, Query};
use super::schedule::parse_profile;
use super::time_profile::TimeProfile;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// A mutation as state: identifiers to put (insert or replace) and uids to
/// remove, and the same for time profiles and apartments (most changes
/// touch only identifiers).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Change {
    pub put: Vec<Arc<Identifier>>,
    pub remove: Vec<u32>,
    /// The next identifier uid to hand out after this change.
    pub next_uid: u32,
    pub profiles: TableChange<TimeProfile>,
    pub apartments: TableChange<Apartment>,
}

impl Change {
    pub fn is_empty(&self) -> bool {
        self.put.is_empty()
            && self.remove.is_empty()
            && self.profiles.is_empty()
            && self.apartments.is_empty()
    }
}

/// Time profiles or apartments a change puts and removes.
#[derive(Debug, Clone, PartialEq)]
pub struct TableChange<T> {
    pub put: Vec<Arc<T>>,
    pub remove: Vec<u32>,
    /// The table's next uid after this change; None leaves it as it is.
    pub next_uid: Option<u32>,
}

impl<T> Default for TableChange<T> {
    fn default() -> Self {
        TableChange {
            put: Vec::new(),
            remove: Vec::new(),
            next_uid: None,
        }
    }
}

impl<T> TableChange<T> {
    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.remove.is_empty() && self.next_uid.is_none()
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
    #[error("{0} uid 0 is not allowed")]
    ZeroUidOf(&'static str),
    #[error("{0} uid {1} is stored twice")]
    DuplicateUidOf(&'static str, u32),
    #[error("time profile uid {uid}: {why}")]
    BadProfile { uid: u32, why: String },
    #[error("apartment uid {0}: the logical address is out of the panel's ranges")]
    BadAddress(u32),
    #[error("apartment uid {uid} has the same logical address as uid {other}")]
    DuplicateAddress { uid: u32, other: u32 },
    #[error("identifier uid {uid} has time profile {profile}, which does not exist")]
    UnknownProfile { uid: u32, profile: u32 },
    #[error("identifier uid {uid} has time profile {profile} twice, or more than {max}", max = MAX_ATTACHED_PROFILES)]
    BadProfileList { uid: u32, profile: u32 },
    #[error("identifier uid {uid} is bound to apartment {apartment}, which does not exist")]
    UnknownApartment { uid: u32, apartment: i64 },
}

type Key = (IdentifierType, String);

#[derive(Debug, Clone, Default)]
pub struct Registry {
    items: BTreeMap<u32, Arc<Identifier>>,
    by_number: HashMap<Key, u32>,
    next_uid: u32,
    rules: Rules,
    profiles: BTreeMap<u32, Arc<TimeProfile>>,
    next_profile_uid: u32,
    apartments: BTreeMap<u32, Arc<Apartment>>,
    next_apartment_uid: u32,
    by_address: HashMap<LogicalAddress, u32>,
    /// The identifiers attached to each time profile, and bound to each
    /// apartment: the other direction of the identifiers' own fields.
    attached: HashMap<u32, BTreeSet<u32>>,
    bound: HashMap<u32, BTreeSet<u32>>,
    /// The face_id identifiers' embeddings, for matching presented faces.
    faces: FaceIndex,
}

impl Registry {
    pub fn new(rules: Rules) -> Self {
        Registry {
            next_uid: 1,
            next_profile_uid: 1,
            next_apartment_uid: 1,
            faces: FaceIndex::new(rules.face_dimensions),
            rules,
            ..Default::default()
        }
    }

    /// Inserts a stored time profile while loading (before the identifiers).
    pub fn load_profile(&mut self, profile: TimeProfile) -> Result<(), IntegrityError> {
        let uid = profile.uid;
        if uid == 0 {
            return Err(IntegrityError::ZeroUidOf("time profile"));
        }
        if self.profiles.contains_key(&uid) {
            return Err(IntegrityError::DuplicateUidOf("time profile", uid));
        }
        profile
            .body
            .check()
            .map_err(|why| IntegrityError::BadProfile { uid, why })?;
        self.next_profile_uid = self.next_profile_uid.max(uid.saturating_add(1));
        self.profiles.insert(uid, Arc::new(profile));
        Ok(())
    }

    /// Inserts a stored apartment while loading (before the identifiers).
    pub fn load_apartment(&mut self, apartment: Apartment) -> Result<(), IntegrityError> {
        let uid = apartment.uid;
        if uid == 0 {
            return Err(IntegrityError::ZeroUidOf("apartment"));
        }
        if self.apartments.contains_key(&uid) {
            return Err(IntegrityError::DuplicateUidOf("apartment", uid));
        }
        let address = apartment.body.address;
        if !address.is_valid() {
            return Err(IntegrityError::BadAddress(uid));
        }
        if let Some(&other) = self.by_address.get(&address) {
            return Err(IntegrityError::DuplicateAddress { uid, other });
        }
        self.next_apartment_uid = self.next_apartment_uid.max(uid.saturating_add(1));
        self.by_address.insert(address, uid);
        self.apartments.insert(uid, Arc::new(apartment));
        Ok(())
    }

    /// What an identifier refers to exists: its time profiles (each once,
    /// at most [`MAX_ATTACHED_PROFILES`]) and its apartment.
    fn check_refs(&self, item: &Identifier) -> Result<(), IntegrityError> {
        let uid = item.uid;
        for (n, &profile) in item.time_profiles.iter().enumerate() {
            if !self.profiles.contains_key(&profile) {
                return Err(IntegrityError::UnknownProfile { uid, profile });
            }
            if n >= MAX_ATTACHED_PROFILES || item.time_profiles[..n].contains(&profile) {
                return Err(IntegrityError::BadProfileList { uid, profile });
            }
        }
        let apartment = item.apartment;
        if apartment != -1
            && !u32::try_from(apartment).is_ok_and(|a| self.apartments.contains_key(&a))
        {
            return Err(IntegrityError::UnknownApartment { uid, apartment });
        }
        Ok(())
    }

    /// After a journal line was applied while loading: what its identifiers
    /// refer to exists, and what it removed is referred to by no one.
    pub(crate) fn check_change_refs(&self, change: &Change) -> Result<(), String> {
        for item in &change.put {
            self.check_refs(item).map_err(|e| e.to_string())?;
        }
        for uid in &change.profiles.remove {
            if let Some(user) = self.attached.get(uid).and_then(|s| s.first()) {
                return Err(format!(
                    "time profile uid {uid} is removed, but identifier uid {user} still has it"
                ));
            }
        }
        for uid in &change.apartments.remove {
            if let Some(user) = self.bound.get(uid).and_then(|s| s.first()) {
                return Err(format!(
                    "apartment uid {uid} is removed, but identifier uid {user} is still bound to it"
                ));
            }
        }
        Ok(())
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
        self.check_refs(&item)?;
        self.next_uid = self.next_uid.max(item.uid.saturating_add(1));
        self.by_number.insert(key, item.uid);
        self.index_refs(&item, true);
        self.items.insert(item.uid, Arc::new(item));
        Ok(())
    }

    /// Adds (or removes) an identifier in the indexes of its profiles and
    /// apartment, and of faces.
    fn index_refs(&mut self, item: &Identifier, add: bool) {
        self.index_face(item, add);
        let update = |map: &mut HashMap<u32, BTreeSet<u32>>, key: u32| {
            if add {
                map.entry(key).or_default().insert(item.uid);
            } else if let Some(set) = map.get_mut(&key) {
                set.remove(&item.uid);
                if set.is_empty() {
                    map.remove(&key);
                }
            }
        };
        for &profile in &item.time_profiles {
            update(&mut self.attached, profile);
        }
        if let Ok(apartment) = u32::try_from(item.apartment) {
            update(&mut self.bound, apartment);
        }
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
        let dims_changed = rules.face_dimensions != self.rules.face_dimensions;
        self.rules = rules;
        if dims_changed {
            // Embeddings of another size no longer match anything.
            self.faces.clear_and_set_dims(self.rules.face_dimensions);
            let items: Vec<Arc<Identifier>> = self.items.values().cloned().collect();
            for item in &items {
                self.index_face(item, true);
            }
        }
    }

    /// Adds (or removes) a face_id identifier's embedding in the index.
    fn index_face(&mut self, item: &Identifier, add: bool) {
        if item.body.kind != IdentifierType::FaceId {
            return;
        }
        if !add {
            self.faces.remove(item.uid);
        } else if let Some(face) = decode_face(&item.body.number, self.faces.dims()) {
            self.faces.insert(item.uid, &face);
        }
    }

    /// The face_id identifier most similar to a presented embedding, if it
    /// is similar enough for `[panel] face_threshold`.
    pub fn find_face(&self, number: &str) -> Option<&Arc<Identifier>> {
        // On the stack: a face at the door is decided without allocating.
        let mut values = [0f32; super::limits::MAX_FACE_DIMENSIONS];
        let face = decode_face_into(number, self.faces.dims(), &mut values)?;
        let (uid, _) = self.faces.matches(face, self.rules.face_threshold)?;
        self.items.get(&uid)
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

    pub fn identifier(&self, uid: u32) -> Option<&Arc<Identifier>> {
        self.items.get(&uid)
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
                ..Default::default()
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
            ..Default::default()
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
            ..Default::default()
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

    fn put(&self, item: Identifier) -> Change {
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
            self.index_refs(item, true);
            self.items.insert(item.uid, item.clone());
        }
        // Undo must be able to lower next_uid again, so it is set, not raised.
        self.next_uid = change.next_uid.max(1);
        undo.profiles = apply_table(
            &mut self.profiles,
            &mut self.next_profile_uid,
            &change.profiles,
            |_, _| {},
        );
        let by_address = &mut self.by_address;
        undo.apartments = apply_table(
            &mut self.apartments,
            &mut self.next_apartment_uid,
            &change.apartments,
            |apartment, add| {
                let address = apartment.body.address;
                if add {
                    by_address.insert(address, apartment.uid);
                } else if by_address.get(&address) == Some(&apartment.uid) {
                    by_address.remove(&address);
                }
            },
        );
        undo
    }

    fn remove(&mut self, uid: u32) -> Option<Arc<Identifier>> {
        let old = self.items.remove(&uid)?;
        if let Some(key) = key_of(&old) {
            if self.by_number.get(&key) == Some(&uid) {
                self.by_number.remove(&key);
            }
        }
        self.index_refs(&old, false);
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
            .filter(|item| q.filter.as_ref().is_none_or(|f| f.matches(item.as_ref())))
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
        // Profiles and apartments: what identifiers refer to exists, and the
        // indexes of both directions agree with the identifiers' own fields.
        let (mut attached, mut bound) = (0, 0);
        for item in self.items.values() {
            self.check_refs(item).map_err(|e| e.to_string())?;
            for p in &item.time_profiles {
                if !self.attached.get(p).is_some_and(|s| s.contains(&item.uid)) {
                    return Err(format!(
                        "uid {} is missing from profile {p}'s index",
                        item.uid
                    ));
                }
                attached += 1;
            }
            if let Ok(a) = u32::try_from(item.apartment) {
                if !self.bound.get(&a).is_some_and(|s| s.contains(&item.uid)) {
                    return Err(format!(
                        "uid {} is missing from apartment {a}'s index",
                        item.uid
                    ));
                }
                bound += 1;
            }
        }
        let indexed =
            |map: &HashMap<u32, BTreeSet<u32>>| map.values().map(BTreeSet::len).sum::<usize>();
        if indexed(&self.attached) != attached || indexed(&self.bound) != bound {
            return Err(
                "the indexes of profiles or apartments hold identifiers that are gone".into(),
            );
        }
        for (uid, a) in &self.apartments {
            if self.by_address.get(&a.body.address) != Some(uid) {
                return Err(format!(
                    "apartment {uid} is missing from the index of addresses"
                ));
            }
        }
        if self.by_address.len() != self.apartments.len() {
            return Err("the index of addresses holds apartments that are gone".into());
        }
        if self
            .profiles
            .keys()
            .chain(self.apartments.keys())
            .any(|u| *u == 0)
            || self.profiles.keys().any(|u| *u >= self.next_profile_uid)
            || self
                .apartments
                .keys()
                .any(|u| *u >= self.next_apartment_uid)
        {
            return Err("a profile or apartment uid is 0 or not below its next uid".into());
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

/// Applies one table's part of a change; `index` is told of every item put
/// (true) or taken out (false). Returns the part that undoes it.
fn apply_table<T: Listed>(
    table: &mut BTreeMap<u32, Arc<T>>,
    next_uid: &mut u32,
    change: &TableChange<T>,
    mut index: impl FnMut(&T, bool),
) -> TableChange<T> {
    let mut undo = TableChange::default();
    for uid in &change.remove {
        if let Some(old) = table.remove(uid) {
            index(&old, false);
            undo.put.push(old);
        }
    }
    for item in &change.put {
        match table.insert(item.uid(), item.clone()) {
            Some(old) => {
                index(&old, false);
                undo.put.push(old);
            }
            None => undo.remove.push(item.uid()),
        }
        index(item, true);
    }
    if let Some(next) = change.next_uid {
        undo.next_uid = Some(*next_uid);
        *next_uid = next.max(1);
    }
    undo
}

/// Time profiles and apartments, and what binds identifiers to them.
impl Registry {
    /// A change that changes nothing (a no-op that still answers).
    fn unchanged(&self) -> Change {
        Change {
            next_uid: self.next_uid,
            ..Change::default()
        }
    }

    pub fn profile(&self, uid: u32) -> Option<&Arc<TimeProfile>> {
        self.profiles.get(&uid)
    }

    pub fn profiles(&self) -> impl Iterator<Item = &Arc<TimeProfile>> {
        self.profiles.values()
    }

    pub fn apartments(&self) -> impl Iterator<Item = &Arc<Apartment>> {
        self.apartments.values()
    }

    pub fn next_profile_uid(&self) -> u32 {
        self.next_profile_uid
    }

    pub fn next_apartment_uid(&self) -> u32 {
        self.next_apartment_uid
    }

    /// Raises the next uids of profiles and apartments (a snapshot's).
    pub fn set_next_table_uids(&mut self, profile: u32, apartment: u32) {
        self.next_profile_uid = self.next_profile_uid.max(profile);
        self.next_apartment_uid = self.next_apartment_uid.max(apartment);
    }

    /// Whether `now_unix` is inside one of the identifier's time profiles,
    /// in the panel's time zone. On the door path: lookups and arithmetic.
    pub fn in_time_profiles(&self, item: &Identifier, now_unix: i64) -> bool {
        let zone = &self.rules.time_zone;
        item.time_profiles.iter().any(|uid| {
            self.profiles
                .get(uid)
                .is_some_and(|p| p.body.contains(now_unix, zone))
        })
    }

    fn users(map: &HashMap<u32, BTreeSet<u32>>, uid: u32) -> Vec<u32> {
        map.get(&uid)
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default()
    }

    fn existing_profile(&self, uid: u32) -> Result<&Arc<TimeProfile>, BodyError> {
        self.profiles
            .get(&uid)
            .ok_or(BodyError::WrongTimeProfileUid)
    }

    fn existing_apartment(&self, uid: u32) -> Result<&Arc<Apartment>, BodyError> {
        self.apartments
            .get(&uid)
            .ok_or(BodyError::WrongApartmentUid)
    }

    fn put_profile(&self, profile: TimeProfile, next_uid: Option<u32>) -> Change {
        Change {
            profiles: TableChange {
                put: vec![Arc::new(profile)],
                remove: vec![],
                next_uid,
            },
            ..self.unchanged()
        }
    }

    fn put_apartment(&self, apartment: Apartment, next_uid: Option<u32>) -> Change {
        Change {
            apartments: TableChange {
                put: vec![Arc::new(apartment)],
                remove: vec![],
                next_uid,
            },
            ..self.unchanged()
        }
    }

    pub fn create_profile(&self, body: &str) -> Result<(u32, Change), BodyError> {
        let body = parse_profile(body)?;
        if self.profiles.len() >= MAX_TIME_PROFILES {
            return Err(BodyError::TooManyTimeProfiles);
        }
        let uid = self.next_profile_uid;
        let next = uid.checked_add(1).ok_or(BodyError::TooManyTimeProfiles)?;
        Ok((uid, self.put_profile(TimeProfile { uid, body }, Some(next))))
    }

    pub fn update_profile(&self, uid: u32, body: &str) -> Result<Change, BodyError> {
        self.existing_profile(uid)?;
        let body = parse_profile(body)?;
        Ok(self.put_profile(TimeProfile { uid, body }, None))
    }

    /// Deletes a time profile and detaches it from every identifier, in one step.
    pub fn delete_profile(&self, uid: u32) -> Result<Change, BodyError> {
        self.existing_profile(uid)?;
        let put = Self::users(&self.attached, uid)
            .into_iter()
            .filter_map(|user| self.items.get(&user))
            .map(|item| {
                let mut next = Identifier::clone(item);
                next.time_profiles.retain(|p| *p != uid);
                Arc::new(next)
            })
            .collect();
        Ok(Change {
            put,
            profiles: TableChange {
                put: vec![],
                remove: vec![uid],
                next_uid: None,
            },
            ..self.unchanged()
        })
    }

    pub fn get_profile(&self, uid: u32) -> Result<Value, BodyError> {
        let profile = self.existing_profile(uid)?;
        Ok(profile.to_item(&Self::users(&self.attached, uid)))
    }

    /// One page of time profiles.
    pub fn list_profiles(&self, query: &str) -> Result<Value, BodyError> {
        let q = Query::parse_for::<TimeProfile>(query)?;
        Ok(q.page_with(self.matching_profiles(&q), |p| self.profile_item(p)))
    }

    /// The time profiles a query's filter lets through, unsorted.
    pub fn matching_profiles(&self, q: &Query) -> Vec<Arc<TimeProfile>> {
        filtered(&self.profiles, q)
    }

    /// A time profile's item, with the identifiers attached to it now.
    pub fn profile_item(&self, profile: &TimeProfile) -> Value {
        profile.to_item(&Self::users(&self.attached, profile.uid))
    }

    /// Identifier `uid` is valid only inside its attached profiles from now on.
    pub fn attach_profile(&self, uid: u32, profile: u32) -> Result<Change, BodyError> {
        let item = self.existing(uid)?;
        self.existing_profile(profile)?;
        if item.time_profiles.contains(&profile) {
            return Ok(self.unchanged());
        }
        if item.time_profiles.len() >= MAX_ATTACHED_PROFILES {
            return Err(BodyError::TooManyAttached);
        }
        let mut next = Identifier::clone(item);
        next.time_profiles.push(profile);
        next.time_profiles.sort_unstable();
        Ok(self.put(next))
    }

    pub fn detach_profile(&self, uid: u32, profile: u32) -> Result<Change, BodyError> {
        let item = self.existing(uid)?;
        self.existing_profile(profile)?;
        if !item.time_profiles.contains(&profile) {
            return Ok(self.unchanged());
        }
        let mut next = Identifier::clone(item);
        next.time_profiles.retain(|p| *p != profile);
        Ok(self.put(next))
    }

    /// Another apartment at this address (Update ignores the apartment itself).
    fn check_address(&self, address: LogicalAddress, itself: Option<u32>) -> Result<(), BodyError> {
        match self.by_address.get(&address) {
            Some(&other) if Some(other) != itself => Err(BodyError::ApartmentExists),
            _ => Ok(()),
        }
    }

    pub fn create_apartment(&self, body: &str) -> Result<(u32, Change), BodyError> {
        let body = parse_apartment(body)?;
        self.check_address(body.address, None)?;
        if self.apartments.len() >= MAX_APARTMENTS {
            return Err(BodyError::TooManyApartments);
        }
        let uid = self.next_apartment_uid;
        let next = uid.checked_add(1).ok_or(BodyError::TooManyApartments)?;
        Ok((uid, self.put_apartment(Apartment { uid, body }, Some(next))))
    }

    pub fn update_apartment(&self, uid: u32, body: &str) -> Result<Change, BodyError> {
        self.existing_apartment(uid)?;
        let body = parse_apartment(body)?;
        self.check_address(body.address, Some(uid))?;
        Ok(self.put_apartment(Apartment { uid, body }, None))
    }

    /// Deletes an apartment and unbinds its identifiers, in one step.
    pub fn delete_apartment(&self, uid: u32) -> Result<Change, BodyError> {
        self.existing_apartment(uid)?;
        let put = Self::users(&self.bound, uid)
            .into_iter()
            .filter_map(|user| self.items.get(&user))
            .map(|item| {
                let mut next = Identifier::clone(item);
                next.apartment = -1;
                Arc::new(next)
            })
            .collect();
        Ok(Change {
            put,
            apartments: TableChange {
                put: vec![],
                remove: vec![uid],
                next_uid: None,
            },
            ..self.unchanged()
        })
    }

    pub fn get_apartment(&self, uid: u32) -> Result<Value, BodyError> {
        let apartment = self.existing_apartment(uid)?;
        Ok(apartment.to_item(&Self::users(&self.bound, uid)))
    }

    /// One page of apartments.
    pub fn list_apartments(&self, query: &str) -> Result<Value, BodyError> {
        let q = Query::parse_for::<Apartment>(query)?;
        Ok(q.page_with(self.matching_apartments(&q), |a| self.apartment_item(a)))
    }

    /// The apartments a query's filter lets through, unsorted.
    pub fn matching_apartments(&self, q: &Query) -> Vec<Arc<Apartment>> {
        filtered(&self.apartments, q)
    }

    /// An apartment's item, with the identifiers bound to it now.
    pub fn apartment_item(&self, apartment: &Apartment) -> Value {
        apartment.to_item(&Self::users(&self.bound, apartment.uid))
    }

    /// Binds identifier `uid` to `apartment`, moving it from the one it
    /// was bound to (an identifier is bound to at most one).
    pub fn bind(&self, apartment: u32, uid: u32) -> Result<Change, BodyError> {
        self.existing_apartment(apartment)?;
        let item = self.existing(uid)?;
        if item.apartment == i64::from(apartment) {
            return Ok(self.unchanged());
        }
        let mut next = Identifier::clone(item);
        next.apartment = apartment.into();
        Ok(self.put(next))
    }

    /// Unbinds identifier `uid` from its apartment; a no-op when unbound.
    pub fn unbind(&self, uid: u32) -> Result<Change, BodyError> {
        let item = self.existing(uid)?;
        if item.apartment == -1 {
            return Ok(self.unchanged());
        }
        let mut next = Identifier::clone(item);
        next.apartment = -1;
        Ok(self.put(next))
    }
}

/// The items of a table that a query's filter lets through, unsorted.
fn filtered<T: Listed>(table: &BTreeMap<u32, Arc<T>>, q: &Query) -> Vec<Arc<T>> {
    table
        .values()
        .filter(|item| q.filter.as_ref().is_none_or(|f| f.matches(item.as_ref())))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests;
