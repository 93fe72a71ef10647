//! A stored time profile: a record of the registry's generic table whose
//! body [`super::schedule`] parses and evaluates; what is particular to the
//! kind (its messages, how identifiers attach to it) is its [`Kind`].

use super::identifier::{BodyError, Identifier};
use super::limits::MAX_TIME_PROFILES;
use super::registry::{Change, IntegrityError, Kind, Record, Registry, Table, TableChange};
use super::schedule::{parse_profile, ProfileBody};
use serde_json::Value;
use std::convert::Infallible;

pub type TimeProfile = Record<ProfileBody>;

impl Kind for ProfileBody {
    const NAME: &'static str = "time profile";
    const UID_FIELD: &'static str = "timeprofile_uid";
    const FIELDS: &'static [&'static str] = &["timeprofile_uid", "name"];
    const MAX: usize = MAX_TIME_PROFILES;
    const WRONG_UID: BodyError = BodyError::WrongTimeProfileUid;
    const TOO_MANY: BodyError = BodyError::TooManyTimeProfiles;
    const STILL_USED: &'static str = "still has it";
    /// Any number of profiles may be alike.
    type Unique = Infallible;

    fn parse(text: &str) -> Result<Self, BodyError> {
        parse_profile(text)
    }

    fn clash(key: Infallible) -> BodyError {
        match key {}
    }

    fn duplicate(key: Infallible, _: u32, _: u32) -> IntegrityError {
        match key {}
    }

    fn check_stored(&self, uid: u32) -> Result<(), IntegrityError> {
        self.check()
            .map_err(|why| IntegrityError::BadProfile { uid, why })
    }

    fn text(&self, field: &str) -> &str {
        match field {
            "name" => self.name(),
            _ => "",
        }
    }

    /// The item of Get and List, with the identifiers attached to it.
    fn to_item(profile: &TimeProfile, identifiers: &[u32]) -> Value {
        let mut item = serde_json::Map::new();
        item.insert("timeprofile_uid".into(), profile.uid.into());
        item.extend(profile.body.to_json());
        item.insert(
            "identifiers".into(),
            serde_json::json!({"count": identifiers.len(), "uid_items": identifiers}),
        );
        Value::Object(item)
    }

    fn refs(item: &Identifier) -> impl Iterator<Item = u32> + '_ {
        item.time_profiles.iter().copied()
    }

    fn unref(item: &mut Identifier, uid: u32) {
        item.time_profiles.retain(|p| *p != uid);
    }

    fn table(registry: &Registry) -> &Table<Self> {
        &registry.profiles
    }
    fn part(change: &Change) -> &TableChange<TimeProfile> {
        &change.profiles
    }
    fn part_mut(change: &mut Change) -> &mut TableChange<TimeProfile> {
        &mut change.profiles
    }
}
