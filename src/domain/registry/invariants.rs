//! What every registry built by the operations holds, checked by the unit
//! tests, the storage tests and the fuzz targets (`fuzzing::check_registry`).

use super::{key_of, Registry};

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
                if !self.profiles.is_used_by(*p, item.uid) {
                    return Err(format!(
                        "uid {} is missing from profile {p}'s index",
                        item.uid
                    ));
                }
                attached += 1;
            }
            if let Ok(a) = u32::try_from(item.apartment) {
                if !self.apartments.is_used_by(a, item.uid) {
                    return Err(format!(
                        "uid {} is missing from apartment {a}'s index",
                        item.uid
                    ));
                }
                bound += 1;
            }
        }
        if self.profiles.references() != attached || self.apartments.references() != bound {
            return Err(
                "the indexes of profiles or apartments hold identifiers that are gone".into(),
            );
        }
        self.profiles.check_invariants()?;
        self.apartments.check_invariants()
    }
}
