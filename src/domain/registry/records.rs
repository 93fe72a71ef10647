//! The registry's operations on its tables of records (time profiles and
//! apartments), the same for both kinds, and what binds identifiers to them.

use super::{Change, Kind, Record, Registry};
use crate::domain::apartment::{Apartment, ApartmentBody};
use crate::domain::identifier::{BodyError, Identifier};
use crate::domain::limits::MAX_ATTACHED_PROFILES;
use crate::domain::list::Query;
use crate::domain::schedule::ProfileBody;
use crate::domain::time_profile::TimeProfile;
use serde_json::Value;
use std::sync::Arc;

impl Registry {
    /// A record from a body parsed by the caller (steps 1 to 4 are the
    /// body's; the unique key and the table's bound are checked here).
    pub fn create_record<B: Kind>(
        &self,
        body: Result<B, BodyError>,
    ) -> Result<(u32, Change), BodyError> {
        let (uid, part) = B::table(self).create(body?)?;
        let mut change = self.unchanged();
        *B::part_mut(&mut change) = part;
        Ok((uid, change))
    }

    /// Replaces record `uid`; what refers to it stays.
    pub fn update_record<B: Kind>(
        &self,
        uid: u32,
        body: Result<B, BodyError>,
    ) -> Result<Change, BodyError> {
        let part = B::table(self).update(uid, body)?;
        let mut change = self.unchanged();
        *B::part_mut(&mut change) = part;
        Ok(change)
    }

    /// Deletes record `uid` and rewrites every identifier that refers to
    /// it without it, as one change (one durable step).
    pub fn delete_record<B: Kind>(&self, uid: u32) -> Result<Change, BodyError> {
        let table = B::table(self);
        table.existing(uid)?;
        let mut change = self.unchanged();
        change.put = table
            .users(uid)
            .into_iter()
            .filter_map(|user| self.items.get(&user))
            .map(|item| {
                let mut next = Identifier::clone(item);
                B::unref(&mut next, uid);
                Arc::new(next)
            })
            .collect();
        B::part_mut(&mut change).remove.push(uid);
        Ok(change)
    }

    /// Record `uid` as its item, with the identifiers that use it.
    pub fn get_record<B: Kind>(&self, uid: u32) -> Result<Value, BodyError> {
        let table = B::table(self);
        Ok(table.item(table.existing(uid)?))
    }

    /// One page of records.
    pub fn list_records<B: Kind>(&self, query: &str) -> Result<Value, BodyError> {
        let q = Query::parse_for::<Record<B>>(query)?;
        let table = B::table(self);
        Ok(q.page_with(table.matching(&q), |r| table.item(r)))
    }

    /// The records a query's filter lets through, unsorted.
    pub fn matching_records<B: Kind>(&self, q: &Query) -> Vec<Arc<Record<B>>> {
        B::table(self).matching(q)
    }

    /// A record's item, with the identifiers that use it now.
    pub fn record_item<B: Kind>(&self, record: &Record<B>) -> Value {
        B::table(self).item(record)
    }

    // The operations of each kind by name, for storage and the tests:
    // bodies as text, parsed here.

    pub fn create_profile(&self, body: &str) -> Result<(u32, Change), BodyError> {
        self.create_record(ProfileBody::parse(body))
    }

    /// Deletes a time profile and detaches it from every identifier, in one step.
    pub fn delete_profile(&self, uid: u32) -> Result<Change, BodyError> {
        self.delete_record::<ProfileBody>(uid)
    }

    pub fn get_profile(&self, uid: u32) -> Result<Value, BodyError> {
        self.get_record::<ProfileBody>(uid)
    }

    pub fn list_profiles(&self, query: &str) -> Result<Value, BodyError> {
        self.list_records::<ProfileBody>(query)
    }

    pub fn create_apartment(&self, body: &str) -> Result<(u32, Change), BodyError> {
        self.create_record(ApartmentBody::parse(body))
    }

    pub fn update_apartment(&self, uid: u32, body: &str) -> Result<Change, BodyError> {
        self.update_record(uid, ApartmentBody::parse(body))
    }

    /// Deletes an apartment and unbinds its identifiers, in one step.
    pub fn delete_apartment(&self, uid: u32) -> Result<Change, BodyError> {
        self.delete_record::<ApartmentBody>(uid)
    }

    pub fn get_apartment(&self, uid: u32) -> Result<Value, BodyError> {
        self.get_record::<ApartmentBody>(uid)
    }

    pub fn list_apartments(&self, query: &str) -> Result<Value, BodyError> {
        self.list_records::<ApartmentBody>(query)
    }

    pub fn profiles(&self) -> impl Iterator<Item = &Arc<TimeProfile>> {
        self.profiles.iter()
    }

    pub fn apartments(&self) -> impl Iterator<Item = &Arc<Apartment>> {
        self.apartments.iter()
    }

    pub fn next_profile_uid(&self) -> u32 {
        self.profiles.next_uid()
    }

    pub fn next_apartment_uid(&self) -> u32 {
        self.apartments.next_uid()
    }

    /// Raises the next uids of profiles and apartments (a snapshot's).
    pub fn set_next_table_uids(&mut self, profile: u32, apartment: u32) {
        self.profiles.raise_next_uid(profile);
        self.apartments.raise_next_uid(apartment);
    }

    /// Whether `now_unix` is inside one of the identifier's time profiles,
    /// in the panel's time zone. On the door path: lookups and arithmetic.
    pub fn in_time_profiles(&self, item: &Identifier, now_unix: i64) -> bool {
        let zone = &self.rules.time_zone;
        item.time_profiles.iter().any(|uid| {
            self.profiles
                .get(*uid)
                .is_some_and(|p| p.body.contains(now_unix, zone))
        })
    }

    /// Identifier `uid` is valid only inside its attached profiles from now on.
    pub fn attach_profile(&self, uid: u32, profile: u32) -> Result<Change, BodyError> {
        let item = self.existing(uid)?;
        self.profiles.existing(profile)?;
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
        self.profiles.existing(profile)?;
        if !item.time_profiles.contains(&profile) {
            return Ok(self.unchanged());
        }
        let mut next = Identifier::clone(item);
        next.time_profiles.retain(|p| *p != profile);
        Ok(self.put(next))
    }

    /// Binds identifier `uid` to `apartment`, moving it from the one it
    /// was bound to (an identifier is bound to at most one).
    pub fn bind(&self, apartment: u32, uid: u32) -> Result<Change, BodyError> {
        self.apartments.existing(apartment)?;
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
