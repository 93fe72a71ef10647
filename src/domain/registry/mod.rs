//! The identifier database in memory: the panel API's operations as pure
//! functions of the current state. Each mutation is planned as a [`Change`]
//! (what to put and remove), which storage makes durable and [`Registry::apply`]
//! makes current; no I/O happens here.
//!
//! - this file: the state, loading, applying a change, the face index;
//! - [`identifiers`]: the identifiers' operations (Create to Import, passes);
//! - [`table`]: one generic table of records, used by time profiles and
//!   apartments; [`records`]: the registry's operations on both, and what
//!   binds identifiers to them;
//! - [`invariants`]: what every registry built by the operations holds.

mod identifiers;
mod invariants;
mod records;
mod table;

pub use identifiers::{parse_import, parse_uid_list, Parsed};
pub use table::{Kind, Record, Table};

use super::apartment::Apartment;
use super::apartment::ApartmentBody;
use super::face::{decode_face, decode_face_into, FaceIndex};
use super::identifier::{Identifier, IdentifierType, Rules};
use super::limits::MAX_ATTACHED_PROFILES;
use super::schedule::ProfileBody;
use super::time_profile::TimeProfile;
use std::collections::{BTreeMap, HashMap};
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
    /// Time profiles and apartments, each with the identifiers that refer
    /// to its records (the other direction of the identifiers' own fields).
    pub(in crate::domain) profiles: Table<ProfileBody>,
    pub(in crate::domain) apartments: Table<ApartmentBody>,
    /// The face_id identifiers' embeddings, for matching presented faces.
    faces: FaceIndex,
}

impl Registry {
    pub fn new(rules: Rules) -> Self {
        Registry {
            next_uid: 1,
            faces: FaceIndex::new(rules.face_dimensions),
            rules,
            ..Default::default()
        }
    }

    /// Inserts a stored time profile while loading (before the identifiers).
    pub fn load_profile(&mut self, profile: TimeProfile) -> Result<(), IntegrityError> {
        self.profiles.load(profile)
    }

    /// Inserts a stored apartment while loading (before the identifiers).
    pub fn load_apartment(&mut self, apartment: Apartment) -> Result<(), IntegrityError> {
        self.apartments.load(apartment)
    }

    /// What an identifier refers to exists: its time profiles (each once,
    /// at most [`MAX_ATTACHED_PROFILES`]) and its apartment.
    fn check_refs(&self, item: &Identifier) -> Result<(), IntegrityError> {
        let uid = item.uid;
        for (n, &profile) in item.time_profiles.iter().enumerate() {
            if self.profiles.get(profile).is_none() {
                return Err(IntegrityError::UnknownProfile { uid, profile });
            }
            if n >= MAX_ATTACHED_PROFILES || item.time_profiles[..n].contains(&profile) {
                return Err(IntegrityError::BadProfileList { uid, profile });
            }
        }
        let apartment = item.apartment;
        if apartment != -1
            && !u32::try_from(apartment).is_ok_and(|a| self.apartments.get(a).is_some())
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
        fn unused<B: Kind>(registry: &Registry, change: &Change) -> Result<(), String> {
            for uid in &B::part(change).remove {
                if let Some(user) = B::table(registry).first_user(*uid) {
                    return Err(format!(
                        "{} uid {uid} is removed, but identifier uid {user} {}",
                        B::NAME,
                        B::STILL_USED
                    ));
                }
            }
            Ok(())
        }
        unused::<ProfileBody>(self, change)?;
        unused::<ApartmentBody>(self, change)
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
        self.profiles.index_user(item, add);
        self.apartments.index_user(item, add);
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

    /// A change that changes nothing (a no-op that still answers).
    fn unchanged(&self) -> Change {
        Change {
            next_uid: self.next_uid,
            ..Change::default()
        }
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
        undo.profiles = self.profiles.apply(&change.profiles);
        undo.apartments = self.apartments.apply(&change.apartments);
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
}

fn key_of(item: &Identifier) -> Option<Key> {
    Some((item.body.kind, item.body.kind.canonical(&item.body.number)?))
}

#[cfg(test)]
mod tests;
