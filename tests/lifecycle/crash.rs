//! Durability under SIGKILL.
//!
//! One data folder and one bus for the whole test. Each cycle starts latchd,
//! lets several clients (each owning its own identifier numbers) run a random
//! mix of mutations as fast as they can, kills latchd with SIGKILL at a random
//! moment, and then reads the data folder back. Every acknowledged mutation
//! must be there exactly; the one mutation each client had in flight at the
//! kill must be there wholly or not at all (an Import of k items: all k or
//! none; a DeleteMany: all or none). The journal grows well past the
//! compaction threshold; every third cycle waits for the journal to rotate
//! and kills a few milliseconds later, in the middle of a compaction.
//!
//! Beside the identifier clients runs a tables client, as fast as they do
//! (its calls go into the same group commits): it creates, renames and
//! deletes time profiles and apartments in a few slots (each name says its
//! slot and a serial, "slot3 #17"), attaches and detaches the profiles to
//! and binds and unbinds the apartments from identifiers of its own (cards
//! 90000000+k, created before the first kill, never deleted). After each
//! kill its whole state read from the data folder must be the acknowledged
//! one, or that one with its in-flight mutation wholly applied (a deleted
//! profile gone from every identifier with it, a deleted apartment unbound
//! from them all); a created profile or apartment gets a uid above every
//! one seen before. The List of time profiles and of apartments after the
//! restart serves what is on disk.
//!
//! `LATCHD_CRASH_SEED` repeats a run's random choices (the kill timing and the
//! interleaving of the clients still vary); `LATCHD_CRASH_CYCLES` changes the
//! number of cycles (default 50).

use crate::common;
use common::mutations::*;
use common::*;
use latchd::dbus::{ApartmentsProxy, TimeProfilesProxy};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

const CLIENTS: usize = 4;
const DEFAULT_CYCLES: usize = 50;
/// The kill comes this long after the clients started (ms).
const KILL_AFTER_MS: std::ops::RangeInclusive<u64> = 20..=300;
/// Every third cycle waits at most this long (ms) for a compaction to start,
/// then kills.
const HUNT_MS: u64 = 1500;
/// Until a first snapshot is written, a hunting cycle instead waits up to
/// this long (ms) for a compaction to finish: on a slow machine (arm64 under
/// emulation) every compaction would otherwise be cut short by a kill.
const FIRST_SNAPSHOT_MS: u64 = 60_000;
const CALL_TIMEOUT: Duration = Duration::from_secs(20);

fn owner_of(number: &str) -> Option<usize> {
    (0..CLIENTS).find(|&c| pool(c).iter().any(|n| n == number))
}

struct Client {
    id: usize,
    rng: StdRng,
    model: Model,
    /// Makes every body unique, so an applied Update is told from one that was not.
    serial: u64,
    acked: u64,
    /// Uids answered in this cycle.
    answered: Vec<u32>,
    in_flight: Option<Op>,
}

impl Client {
    fn body(&mut self, number: &str) -> Value {
        self.serial += 1;
        let rng = &mut self.rng;
        let kind = if number.starts_with('C') {
            "license_plate"
        } else {
            "card"
        };
        // Names of varying length make journal lines of varying length.
        let name = format!(
            "client {} op {} {}",
            self.id,
            self.serial,
            "x".repeat(rng.gen_range(0..60))
        );
        let time = if rng.gen_bool(0.5) {
            json!({"is_permanent": true})
        } else {
            let from = rng.gen_range(1_700_000_000i64..1_800_000_000);
            json!({"is_permanent": false, "from": from, "to": from + rng.gen_range(0..100_000_000)})
        };
        let passes = if rng.gen_bool(0.5) {
            json!({"is_permanent": true})
        } else {
            json!({"is_permanent": false, "max_passes": rng.gen_range(1..=100)})
        };
        json!({
            "identifier_owner": {"name": name, "type": *["owner", "guest"].choose(rng).unwrap()},
            "identifier_type": kind,
            "identifier_number": number,
            "lock": *["first", "second", "all"].choose(rng).unwrap(),
            "valid": {"time": time, "passes": passes},
        })
    }

    fn next_op(&mut self) -> Op {
        let used: Vec<String> = self.model.keys().cloned().collect();
        let free: Vec<String> = pool(self.id)
            .into_iter()
            .filter(|n| !self.model.contains_key(n))
            .collect();
        let pick = self.rng.gen_range(0..100);
        if pick < 20 && !free.is_empty() {
            let number = free.choose(&mut self.rng).unwrap().clone();
            return Op::Create {
                body: self.body(&number),
            };
        }
        if pick < 32 && free.len() >= 2 {
            let k = self.rng.gen_range(2..=5).min(free.len());
            let numbers: Vec<String> = free.choose_multiple(&mut self.rng, k).cloned().collect();
            let bodies = numbers.iter().map(|n| self.body(n)).collect();
            return Op::Import { bodies };
        }
        if used.is_empty() {
            let number = free.choose(&mut self.rng).unwrap().clone();
            return Op::Create {
                body: self.body(&number),
            };
        }
        if pick < 55 {
            let old_number = used.choose(&mut self.rng).unwrap().clone();
            let uid = self.model[&old_number].uid.unwrap();
            let number = if self.rng.gen_bool(0.2) && !free.is_empty() {
                free.choose(&mut self.rng).unwrap().clone()
            } else {
                old_number.clone()
            };
            return Op::Update {
                uid,
                old_number,
                body: self.body(&number),
            };
        }
        if pick < 72 {
            let number = used.choose(&mut self.rng).unwrap().clone();
            let uid = self.model[&number].uid.unwrap();
            return Op::Delete { uid, number };
        }
        if pick < 84 && used.len() >= 2 {
            let k = self.rng.gen_range(2..=4).min(used.len());
            let numbers: Vec<String> = used.choose_multiple(&mut self.rng, k).cloned().collect();
            let uids = numbers.iter().map(|n| self.model[n].uid.unwrap()).collect();
            return Op::DeleteMany { uids, numbers };
        }
        let number = used.choose(&mut self.rng).unwrap().clone();
        let uid = self.model[&number].uid.unwrap();
        Op::ResetPasses { uid, number }
    }

    /// Runs mutations until one fails (the kill); that one is left in flight.
    async fn run(mut self, conn: zbus::Connection) -> Client {
        let ids = IdentifiersProxy::builder(&conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await
            .unwrap();
        loop {
            let op = self.next_op();
            let result = tokio::time::timeout(CALL_TIMEOUT, execute(&ids, &op)).await;
            match result {
                Ok(Ok(uids)) => {
                    if let Some(uids) = &uids {
                        self.answered.extend(uids);
                    }
                    self.model = apply(&self.model, &op, uids.as_deref());
                    self.acked += 1;
                }
                Ok(Err(latchd::dbus::Error::BadRequest(msg))) => {
                    panic!(
                        "client {}: {} was refused ({msg:?}), so the model of acknowledged state is wrong: {op:?}",
                        self.id,
                        op.name()
                    );
                }
                // No reply (latchd died with the call pending), no owner of the
                // name, a timeout: the outcome is unknown.
                Ok(Err(_)) | Err(_) => {
                    self.in_flight = Some(op);
                    return self;
                }
            }
        }
    }
}

/// The tables client's own identifiers: cards 90000000+k, created once
/// before the first kill and never deleted.
const TABLE_IDS: usize = 6;
const TABLE_NUMBER_BASE: usize = 90_000_000;
const PROFILE_SLOTS: usize = 8;
const APARTMENT_SLOTS: usize = 8;
/// The building of the tables client's apartments; the room is the slot.
const BUILDING: u16 = 9000;

/// Which of the tables client's identifiers `number` is.
fn table_id_of(number: &str) -> Option<usize> {
    let n: usize = number.parse().ok()?;
    let k = n.checked_sub(TABLE_NUMBER_BASE)?;
    (k < TABLE_IDS && number == (TABLE_NUMBER_BASE + k).to_string()).then_some(k)
}

fn profile_body(name: &str) -> Value {
    json!({
        "name": name,
        "time_options": {"is_all_day": false, "date_from": 1767603600, "date_to": 1767632400},
        "repeat_options": {
            "repeat_enable": true,
            "repeat_format": {"repeat_type": "day", "repeat_end": {"format": "never"}},
        },
    })
}

fn apartment_body(slot: usize, name: &str) -> Value {
    json!({
        "apartment_name": name,
        "apartment_address": {"building": BUILDING, "unit": 0, "floor": 0, "room": slot},
        "residents": {"count": 1},
    })
}

/// The slot a profile or apartment name ("slot3 #17") encodes.
fn slot_of_name(name: &str, slots: usize) -> Option<usize> {
    let (slot, serial) = name.strip_prefix("slot")?.split_once(" #")?;
    serial.parse::<u64>().ok()?;
    slot.parse().ok().filter(|s| *s < slots)
}

/// A time profile or an apartment the tables client expects in a slot.
#[derive(Clone, Debug)]
struct Row {
    /// None for one created by an in-flight call (its uid was never answered).
    uid: Option<u32>,
    name: String,
}

/// One of the tables client's identifiers.
#[derive(Clone, Debug, PartialEq)]
struct Own {
    uid: u32,
    /// The part of its item that comes from the body (it never changes).
    body: Value,
    /// The profile slots attached to it, and the apartment slot it is bound to.
    profiles: BTreeSet<usize>,
    apartment: Option<usize>,
}

/// The tables client's whole state: profiles and apartments by slot, and
/// its identifiers (by k) with what is attached and bound to them.
#[derive(Clone, Debug, Default)]
struct Tables {
    profiles: BTreeMap<usize, Row>,
    apartments: BTreeMap<usize, Row>,
    ids: BTreeMap<usize, Own>,
}

impl Tables {
    /// Whether `observed` (read from disk, every uid known) is this state;
    /// a uid this state does not know matches any.
    fn agrees(&self, observed: &Tables) -> bool {
        fn rows(model: &BTreeMap<usize, Row>, observed: &BTreeMap<usize, Row>) -> bool {
            model.len() == observed.len()
                && model.iter().zip(observed).all(|((s, m), (o_s, o))| {
                    s == o_s && m.name == o.name && m.uid.is_none_or(|u| Some(u) == o.uid)
                })
        }
        rows(&self.profiles, &observed.profiles)
            && rows(&self.apartments, &observed.apartments)
            && self.ids == observed.ids
    }

    fn uid_of_profile(&self, slot: usize) -> u32 {
        self.profiles[&slot].uid.expect("acknowledged profile uid")
    }

    fn uid_of_apartment(&self, slot: usize) -> u32 {
        self.apartments[&slot]
            .uid
            .expect("acknowledged apartment uid")
    }
}

/// A mutation of the tables client; slots say what it does to the model,
/// uids what the call names.
#[derive(Clone, Debug)]
enum TableOp {
    CreateProfile {
        slot: usize,
        name: String,
    },
    UpdateProfile {
        slot: usize,
        uid: u32,
        name: String,
    },
    DeleteProfile {
        slot: usize,
        uid: u32,
    },
    Attach {
        id: usize,
        uid: u32,
        slot: usize,
        profile: u32,
    },
    Detach {
        id: usize,
        uid: u32,
        slot: usize,
        profile: u32,
    },
    CreateApartment {
        slot: usize,
        name: String,
    },
    UpdateApartment {
        slot: usize,
        uid: u32,
        name: String,
    },
    DeleteApartment {
        slot: usize,
        uid: u32,
    },
    Bind {
        id: usize,
        uid: u32,
        slot: usize,
        apartment: u32,
    },
    Unbind {
        id: usize,
        uid: u32,
    },
}

/// What a table mutation is about, for the figures.
const PROFILE_OP: usize = 0;
const APARTMENT_OP: usize = 1;
const BINDING_OP: usize = 2;

impl TableOp {
    fn kind(&self) -> usize {
        match self {
            TableOp::CreateProfile { .. }
            | TableOp::UpdateProfile { .. }
            | TableOp::DeleteProfile { .. } => PROFILE_OP,
            TableOp::CreateApartment { .. }
            | TableOp::UpdateApartment { .. }
            | TableOp::DeleteApartment { .. } => APARTMENT_OP,
            TableOp::Attach { .. }
            | TableOp::Detach { .. }
            | TableOp::Bind { .. }
            | TableOp::Unbind { .. } => BINDING_OP,
        }
    }

    /// The state after this mutation; `uid` is the one a Create answered, if known.
    fn apply(&self, state: &Tables, uid: Option<u32>) -> Tables {
        let mut next = state.clone();
        match self {
            TableOp::CreateProfile { slot, name } => {
                let row = Row {
                    uid,
                    name: name.clone(),
                };
                next.profiles.insert(*slot, row);
            }
            TableOp::UpdateProfile { slot, name, .. } => {
                next.profiles.get_mut(slot).expect("updated profile").name = name.clone();
            }
            TableOp::DeleteProfile { slot, .. } => {
                next.profiles.remove(slot);
                for own in next.ids.values_mut() {
                    own.profiles.remove(slot);
                }
            }
            TableOp::Attach { id, slot, .. } => {
                next.ids.get_mut(id).unwrap().profiles.insert(*slot);
            }
            TableOp::Detach { id, slot, .. } => {
                next.ids.get_mut(id).unwrap().profiles.remove(slot);
            }
            TableOp::CreateApartment { slot, name } => {
                let row = Row {
                    uid,
                    name: name.clone(),
                };
                next.apartments.insert(*slot, row);
            }
            TableOp::UpdateApartment { slot, name, .. } => {
                next.apartments
                    .get_mut(slot)
                    .expect("updated apartment")
                    .name = name.clone();
            }
            TableOp::DeleteApartment { slot, .. } => {
                next.apartments.remove(slot);
                for own in next.ids.values_mut() {
                    if own.apartment == Some(*slot) {
                        own.apartment = None;
                    }
                }
            }
            TableOp::Bind { id, slot, .. } => {
                next.ids.get_mut(id).unwrap().apartment = Some(*slot);
            }
            TableOp::Unbind { id, .. } => {
                next.ids.get_mut(id).unwrap().apartment = None;
            }
        }
        next
    }

    /// Makes the call; Some(uid) for the Creates.
    async fn execute(
        &self,
        tp: &TimeProfilesProxy<'_>,
        ap: &ApartmentsProxy<'_>,
        ids: &IdentifiersProxy<'_>,
    ) -> Result<Option<u32>, latchd::dbus::Error> {
        Ok(match self {
            TableOp::CreateProfile { name, .. } => {
                Some(tp.create(&profile_body(name).to_string()).await?)
            }
            TableOp::UpdateProfile { uid, name, .. } => {
                tp.update(*uid, &profile_body(name).to_string()).await?;
                None
            }
            TableOp::DeleteProfile { uid, .. } => {
                tp.delete(*uid).await?;
                None
            }
            TableOp::Attach { uid, profile, .. } => {
                ids.attach_time_profile(*uid, *profile).await?;
                None
            }
            TableOp::Detach { uid, profile, .. } => {
                ids.detach_time_profile(*uid, *profile).await?;
                None
            }
            TableOp::CreateApartment { slot, name } => {
                Some(ap.create(&apartment_body(*slot, name).to_string()).await?)
            }
            TableOp::UpdateApartment { slot, uid, name } => {
                ap.update(*uid, &apartment_body(*slot, name).to_string())
                    .await?;
                None
            }
            TableOp::DeleteApartment { uid, .. } => {
                ap.delete(*uid).await?;
                None
            }
            TableOp::Bind { uid, apartment, .. } => {
                ap.bind_identifier(*apartment, *uid).await?;
                None
            }
            TableOp::Unbind { uid, .. } => {
                ap.unbind_identifier(*uid).await?;
                None
            }
        })
    }
}

/// The client of time profiles, apartments and what binds its own
/// identifiers to them.
struct TablesClient {
    rng: StdRng,
    state: Tables,
    /// Makes every name unique, so an applied Update is told from one that was not.
    serial: u64,
    /// Acknowledged mutations in this cycle: profile, apartment, binding.
    acked: [u64; 3],
    /// The highest uid of each table seen so far (answered or on disk).
    max_profile_uid: u32,
    max_apartment_uid: u32,
    /// Created uids that were not above every uid seen before.
    uid_errors: Vec<String>,
    in_flight: Option<TableOp>,
}

impl TablesClient {
    fn name(&mut self, slot: usize) -> String {
        self.serial += 1;
        format!("slot{slot} #{}", self.serial)
    }

    fn next_op(&mut self) -> TableOp {
        let profiles: Vec<usize> = self.state.profiles.keys().copied().collect();
        let apartments: Vec<usize> = self.state.apartments.keys().copied().collect();
        let free_profiles: Vec<usize> = (0..PROFILE_SLOTS)
            .filter(|s| !self.state.profiles.contains_key(s))
            .collect();
        let free_apartments: Vec<usize> = (0..APARTMENT_SLOTS)
            .filter(|s| !self.state.apartments.contains_key(s))
            .collect();
        let ids: Vec<usize> = self.state.ids.keys().copied().collect();
        loop {
            let pick = self.rng.gen_range(0..100);
            let id = *ids.choose(&mut self.rng).unwrap();
            let own = &self.state.ids[&id];
            let uid = own.uid;
            // Mostly mutations that change something; sometimes a no-op.
            let changes = self.rng.gen_bool(0.85);
            match pick {
                0..12 if !free_profiles.is_empty() => {
                    let slot = *free_profiles.choose(&mut self.rng).unwrap();
                    let name = self.name(slot);
                    return TableOp::CreateProfile { slot, name };
                }
                12..22 if !profiles.is_empty() => {
                    let slot = *profiles.choose(&mut self.rng).unwrap();
                    let uid = self.state.uid_of_profile(slot);
                    let name = self.name(slot);
                    return TableOp::UpdateProfile { slot, uid, name };
                }
                22..30 if !profiles.is_empty() => {
                    let slot = *profiles.choose(&mut self.rng).unwrap();
                    let uid = self.state.uid_of_profile(slot);
                    return TableOp::DeleteProfile { slot, uid };
                }
                30..55 if !profiles.is_empty() => {
                    let attach = pick < 45;
                    let wanted: Vec<usize> = profiles
                        .iter()
                        .copied()
                        .filter(|s| own.profiles.contains(s) != (attach == changes))
                        .collect();
                    let slot = *wanted
                        .choose(&mut self.rng)
                        .unwrap_or_else(|| profiles.choose(&mut self.rng).unwrap());
                    let profile = self.state.uid_of_profile(slot);
                    return if attach {
                        TableOp::Attach {
                            id,
                            uid,
                            slot,
                            profile,
                        }
                    } else {
                        TableOp::Detach {
                            id,
                            uid,
                            slot,
                            profile,
                        }
                    };
                }
                55..67 if !free_apartments.is_empty() => {
                    let slot = *free_apartments.choose(&mut self.rng).unwrap();
                    let name = self.name(slot);
                    return TableOp::CreateApartment { slot, name };
                }
                67..75 if !apartments.is_empty() => {
                    let slot = *apartments.choose(&mut self.rng).unwrap();
                    let uid = self.state.uid_of_apartment(slot);
                    let name = self.name(slot);
                    return TableOp::UpdateApartment { slot, uid, name };
                }
                75..82 if !apartments.is_empty() => {
                    let slot = *apartments.choose(&mut self.rng).unwrap();
                    let uid = self.state.uid_of_apartment(slot);
                    return TableOp::DeleteApartment { slot, uid };
                }
                82..94 if !apartments.is_empty() => {
                    let other: Vec<usize> = apartments
                        .iter()
                        .copied()
                        .filter(|s| (own.apartment == Some(*s)) != changes)
                        .collect();
                    let slot = *other
                        .choose(&mut self.rng)
                        .unwrap_or_else(|| apartments.choose(&mut self.rng).unwrap());
                    let apartment = self.state.uid_of_apartment(slot);
                    return TableOp::Bind {
                        id,
                        uid,
                        slot,
                        apartment,
                    };
                }
                94..100 if own.apartment.is_some() || !changes => {
                    return TableOp::Unbind { id, uid };
                }
                _ => continue,
            }
        }
    }

    /// Runs mutations until one fails (the kill); that one is left in flight.
    async fn run(mut self, conn: zbus::Connection) -> TablesClient {
        let tp = TimeProfilesProxy::builder(&conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await
            .unwrap();
        let ap = ApartmentsProxy::builder(&conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await
            .unwrap();
        let ids = IdentifiersProxy::builder(&conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await
            .unwrap();
        loop {
            let op = self.next_op();
            let result = tokio::time::timeout(CALL_TIMEOUT, op.execute(&tp, &ap, &ids)).await;
            match result {
                Ok(Ok(uid)) => {
                    if let Some(uid) = uid {
                        self.check_new_uid(&op, uid);
                    }
                    self.state = op.apply(&self.state, uid);
                    self.acked[op.kind()] += 1;
                }
                Ok(Err(
                    latchd::dbus::Error::BadRequest(msg) | latchd::dbus::Error::NotFound(msg),
                )) => {
                    panic!(
                        "tables client: {op:?} was refused ({msg:?}), so the model of acknowledged state is wrong"
                    );
                }
                // No reply, no owner of the name, a timeout: the outcome is unknown.
                Ok(Err(_)) | Err(_) => {
                    self.in_flight = Some(op);
                    return self;
                }
            }
        }
    }

    /// A created uid is above every uid of its table seen before.
    fn check_new_uid(&mut self, op: &TableOp, uid: u32) {
        let max = match op.kind() {
            PROFILE_OP => &mut self.max_profile_uid,
            _ => &mut self.max_apartment_uid,
        };
        if uid <= *max {
            self.uid_errors
                .push(format!("{op:?} got uid {uid}, not above {}", *max));
        }
        *max = (*max).max(uid);
    }
}

/// The tables client's state as the data folder holds it, and what in it
/// does not map back to the client (a name no slot has, an address that is
/// not its slot's, a profile list out of order).
fn observe_tables(disk: &Disk) -> (Tables, Vec<String>) {
    let mut problems = Vec::new();
    let mut state = Tables::default();
    let mut profile_slot = BTreeMap::new();
    for (uid, name) in &disk.profiles {
        match slot_of_name(name, PROFILE_SLOTS) {
            Some(slot) if !state.profiles.contains_key(&slot) => {
                profile_slot.insert(*uid, slot);
                let row = Row {
                    uid: Some(*uid),
                    name: name.clone(),
                };
                state.profiles.insert(slot, row);
            }
            _ => problems.push(format!("time profile {uid} {name:?} is no slot's")),
        }
    }
    let mut apartment_slot = BTreeMap::new();
    for (uid, name, address) in &disk.apartments {
        match slot_of_name(name, APARTMENT_SLOTS) {
            Some(slot) if !state.apartments.contains_key(&slot) => {
                let at = json!({"building": BUILDING, "unit": 0, "floor": 0, "room": slot});
                if *address != at {
                    problems.push(format!("apartment {uid} {name:?} is at {address}"));
                }
                apartment_slot.insert(*uid, slot);
                let row = Row {
                    uid: Some(*uid),
                    name: name.clone(),
                };
                state.apartments.insert(slot, row);
            }
            _ => problems.push(format!("apartment {uid} {name:?} is no slot's")),
        }
    }
    for (uid, item) in &disk.items {
        let Some(id) = table_id_of(item["identifier_number"].as_str().unwrap()) else {
            continue;
        };
        let uids: Vec<u32> = item["time_profiles"]["uid_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u.as_u64().unwrap() as u32)
            .collect();
        if !uids.windows(2).all(|w| w[0] < w[1]) {
            problems.push(format!(
                "identifier {uid}: time profiles {uids:?} are not sorted"
            ));
        }
        let profiles = uids
            .iter()
            .filter_map(|u| {
                let slot = profile_slot.get(u).copied();
                if slot.is_none() {
                    problems.push(format!("identifier {uid}: time profile {u} is no slot's"));
                }
                slot
            })
            .collect();
        let apartment = match item["apartment"]["uid"].as_i64().unwrap() {
            -1 => None,
            a => {
                let slot = apartment_slot.get(&(a as u32)).copied();
                if slot.is_none() {
                    problems.push(format!("identifier {uid}: apartment {a} is no slot's"));
                }
                slot
            }
        };
        let own = Own {
            uid: *uid,
            body: body_of_item(item),
            profiles,
            apartment,
        };
        state.ids.insert(id, own);
    }
    (state, problems)
}

/// One line for a state, to show what was expected and what was on disk.
fn show_tables(state: &Tables) -> String {
    let rows = |rows: &BTreeMap<usize, Row>| {
        rows.iter()
            .map(|(slot, row)| match row.uid {
                Some(uid) => format!("{slot}:{uid}={:?}", row.name),
                None => format!("{slot}:?={:?}", row.name),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let ids = state
        .ids
        .iter()
        .map(|(k, own)| {
            format!(
                "{k}(uid {}):p{:?}/a{:?}",
                own.uid, own.profiles, own.apartment
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "profiles [{}] apartments [{}] identifiers [{ids}]",
        rows(&state.profiles),
        rows(&state.apartments)
    )
}

/// Calls of the checks that got no answer in 20 s and were made again.
static UNANSWERED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A call of the checks to a restarted latchd. One that gets no answer in
/// 20 s is said on stderr, counted and made again (a read: the data folder
/// is checked on its own); three in a row fail the test, saying which.
/// (One check call in about 1,700 cycles once got no answer while latchd
/// answered others; the count in the summary keeps that visible.)
async fn bounded<T, F: std::future::Future<Output = T>>(
    cycle: usize,
    what: &str,
    call: impl Fn() -> F,
) -> T {
    for _ in 0..3 {
        if let Ok(answer) = tokio::time::timeout(Duration::from_secs(20), call()).await {
            return answer;
        }
        UNANSWERED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        eprintln!("cycle {cycle}: {what} got no answer within 20 s; asking again");
    }
    panic!("cycle {cycle}: {what} got no answer three times")
}

/// The page a List serves, parsed; retried while latchd is still starting.
async fn page_served<F, Fut>(what: &str, list: F) -> Value
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<String, latchd::dbus::Error>>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match list().await {
            Ok(text) => return serde_json::from_str(&text).unwrap(),
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("List of {what} failed after restart: {e}"),
        }
    }
}

/// Makes the call; Some(uids) for Create and Import.
async fn execute(
    ids: &IdentifiersProxy<'_>,
    op: &Op,
) -> Result<Option<Vec<u32>>, latchd::dbus::Error> {
    Ok(match op {
        Op::Create { body } => Some(vec![ids.create(&body.to_string()).await?]),
        Op::Update { uid, body, .. } => {
            ids.update(*uid, &body.to_string()).await?;
            None
        }
        Op::Delete { uid, .. } => {
            ids.delete(*uid).await?;
            None
        }
        Op::Import { bodies } => {
            let uids = ids
                .import(&json!({ "list_items": bodies }).to_string())
                .await?;
            assert_eq!(uids.len(), bodies.len(), "Import answered a uid per item");
            Some(uids)
        }
        Op::DeleteMany { uids, .. } => {
            ids.delete_many(&json!({ "uid_items": uids }).to_string())
                .await?;
            None
        }
        Op::ResetPasses { uid, .. } => {
            ids.reset_passes(*uid).await?;
            None
        }
    })
}

/// What the data folder holds, read the way latchd reads it at start.
struct Disk {
    /// Every identifier, by uid.
    items: BTreeMap<u32, Value>,
    /// Time profiles and apartments: uid, name, and the apartment's address.
    profiles: Vec<(u32, String)>,
    apartments: Vec<(u32, String, Value)>,
    /// The pages List of TimeProfiles and of Apartments should serve.
    profiles_page: Value,
    apartments_page: Value,
}

/// Every table row at once: the query of the List checks after a restart.
const LIST_ALL: &str = r#"{"limit": 1000}"#;

fn load_disk(data: &Path, rules: &latchd::domain::identifier::Rules) -> Disk {
    let loaded = latchd::storage::load(data, rules.clone())
        .unwrap_or_else(|e| panic!("the data folder does not load after SIGKILL: {e}"));
    let registry = &loaded.registry;
    Disk {
        items: registry.iter().map(|i| (i.uid, i.to_item())).collect(),
        profiles: registry
            .profiles()
            .map(|p| (p.uid, p.body.name().to_string()))
            .collect(),
        apartments: registry
            .apartments()
            .map(|a| {
                let address = serde_json::to_value(a.body.address).unwrap();
                (a.uid, a.body.name.clone(), address)
            })
            .collect(),
        profiles_page: registry.list_profiles(LIST_ALL).unwrap(),
        apartments_page: registry.list_apartments(LIST_ALL).unwrap(),
    }
}

/// Every item latchd serves, by uid, through List; retried while the new
/// latchd is still taking its name.
async fn items_served(ids: &IdentifiersProxy<'_>) -> BTreeMap<u32, Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    'again: loop {
        let mut items = BTreeMap::new();
        for page in 1.. {
            let query = json!({"limit": 1000, "page_number": page}).to_string();
            let text = match ids.list(&query).await {
                Ok(text) => text,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue 'again;
                }
                Err(e) => panic!("List failed after restart: {e}"),
            };
            let page: Value = serde_json::from_str(&text).unwrap();
            let list = page["list_items"].as_array().unwrap();
            if list.is_empty() {
                break;
            }
            for item in list {
                items.insert(
                    item["identifier_uid"].as_u64().unwrap() as u32,
                    item.clone(),
                );
            }
        }
        return items;
    }
}

/// Journal segments and an unfinished snapshot in the data folder, and the
/// snapshot's `last_seq`.
fn inspect(data: &Path) -> (usize, bool, Option<i64>) {
    let mut segments = 0;
    let mut tmp = false;
    for entry in std::fs::read_dir(data).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("journal-") && name.ends_with(".toml") {
            segments += 1;
        }
        tmp |= name.ends_with(".tmp");
    }
    let last_seq = std::fs::read_to_string(data.join("identifiers.toml"))
        .ok()
        .map(|text| {
            let table: toml::Table = toml::from_str(&text).unwrap();
            table["last_seq"].as_integer().unwrap()
        });
    (segments, tmp, last_seq)
}

fn segment_names(data: &Path) -> BTreeSet<String> {
    std::fs::read_dir(data)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("journal-"))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the journal rotated (a compaction began) since `before`, or a
/// snapshot is being written.
fn compaction_started(data: &Path, before: &BTreeSet<String>) -> bool {
    data.join("identifiers.toml.tmp").exists()
        || segment_names(data).iter().any(|n| !before.contains(n))
}

fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_mutations_survive_sigkill() {
    let started = Instant::now();
    let seed: u64 = match std::env::var("LATCHD_CRASH_SEED") {
        Ok(s) => s.parse().expect("LATCHD_CRASH_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    };
    let cycles: usize = std::env::var("LATCHD_CRASH_CYCLES")
        .map(|s| s.parse().expect("LATCHD_CRASH_CYCLES is a number"))
        .unwrap_or(DEFAULT_CYCLES);
    println!("crash test: seed {seed} (LATCHD_CRASH_SEED={seed} repeats the random choices)");
    let mut rng = StdRng::seed_from_u64(seed);

    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_config(dir.path(), &data, "");
    let rules = latchd::config::Config::load(&config).unwrap().rules();
    let checker = bus.connect().await;
    let ids = IdentifiersProxy::builder(&checker)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .unwrap();
    let tp = TimeProfilesProxy::builder(&checker)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .unwrap();
    let ap = ApartmentsProxy::builder(&checker)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .unwrap();
    let mut conns = Vec::new();
    for _ in 0..CLIENTS {
        conns.push(bus.connect().await);
    }
    let tables_conn = bus.connect().await;
    let mut clients: Vec<Client> = (0..CLIENTS)
        .map(|id| Client {
            id,
            rng: StdRng::seed_from_u64(rng.gen()),
            model: Model::new(),
            serial: 0,
            acked: 0,
            answered: Vec::new(),
            in_flight: None,
        })
        .collect();
    let mut tables = TablesClient {
        rng: StdRng::seed_from_u64(rng.gen()),
        state: Tables::default(),
        serial: 0,
        acked: [0; 3],
        max_profile_uid: 0,
        max_apartment_uid: 0,
        uid_errors: Vec::new(),
        in_flight: None,
    };

    // Every uid ever answered or seen: uids are never handed out twice.
    let mut known_uids: HashSet<u32> = HashSet::new();
    let mut expected: BTreeMap<u32, Value> = BTreeMap::new();
    let (mut acked, mut lost, mut torn, mut uid_errors) = (0u64, 0u64, 0u64, 0u64);
    let (mut in_flight, mut applied) = (0u64, 0u64);
    let (mut snapshots, mut kills_mid_compaction, mut last_snapshot_seq) = (0u64, 0u64, None);
    // The tables client: acknowledged profile, apartment and binding
    // mutations; states on disk that are neither the acknowledged one nor
    // it with the in-flight mutation applied.
    let mut table_acked = [0u64; 3];
    let (mut table_in_flight, mut table_applied, mut table_wrong) = (0u64, 0u64, 0u64);
    let (mut expected_profiles, mut expected_apartments) = (Value::Null, Value::Null);

    for cycle in 0..cycles {
        let mut daemon = blocking(|| Daemon::start(&bus, &config));
        // What latchd serves after a restart is what is on disk.
        let served = bounded(cycle, "List of identifiers", || items_served(&ids)).await;
        assert!(
            served == expected,
            "cycle {cycle}: latchd serves other items than the data folder holds"
        );
        let count = bounded(cycle, "Count", || ids.count()).await.unwrap();
        assert_eq!(count as usize, expected.len());
        if cycle > 0 {
            assert!(
                bounded(cycle, "List of time profiles", || page_served(
                    "time profiles",
                    || tp.list(LIST_ALL)
                ))
                .await
                    == expected_profiles,
                "cycle {cycle}: latchd serves other time profiles than the data folder holds"
            );
            assert!(
                bounded(cycle, "List of apartments", || page_served(
                    "apartments",
                    || ap.list(LIST_ALL)
                ))
                .await
                    == expected_apartments,
                "cycle {cycle}: latchd serves other apartments than the data folder holds"
            );
        } else {
            // The tables client's identifiers, acknowledged before the first kill.
            for k in 0..TABLE_IDS {
                let number = (TABLE_NUMBER_BASE + k).to_string();
                let uid = ids
                    .create(&card(&number, &format!("tables {k}")))
                    .await
                    .unwrap();
                let item: Value = serde_json::from_str(&ids.get(uid).await.unwrap()).unwrap();
                known_uids.insert(uid);
                let own = Own {
                    uid,
                    body: body_of_item(&item),
                    profiles: BTreeSet::new(),
                    apartment: None,
                };
                tables.state.ids.insert(k, own);
            }
        }

        let segments_at_start = segment_names(&data);
        let tasks: Vec<_> = clients
            .drain(..)
            .zip(conns.iter().cloned())
            .map(|(client, conn)| tokio::spawn(client.run(conn)))
            .collect();
        let tables_task = tokio::spawn(tables.run(tables_conn.clone()));
        if cycle % 3 == 2 && snapshots == 0 {
            let until = Instant::now() + Duration::from_millis(FIRST_SNAPSHOT_MS);
            while inspect(&data).2 == last_snapshot_seq && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        } else if cycle % 3 == 2 {
            // Aim at a compaction: kill shortly after the journal rotates.
            let jitter = Duration::from_millis(rng.gen_range(0..=5));
            let until = Instant::now() + Duration::from_millis(HUNT_MS);
            while !compaction_started(&data, &segments_at_start) && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            tokio::time::sleep(jitter).await;
        } else {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(KILL_AFTER_MS))).await;
        }
        blocking(|| daemon.kill());
        for task in tasks {
            clients.push(task.await.expect("client task"));
        }
        tables = tables_task.await.expect("tables client task");

        let (segments, tmp, snapshot_seq) = inspect(&data);
        // A compaction that began in this cycle and had not deleted the old segments yet.
        if tmp || (segments > 1 && compaction_started(&data, &segments_at_start)) {
            kills_mid_compaction += 1;
        }
        if snapshot_seq.is_some() && snapshot_seq != last_snapshot_seq {
            snapshots += 1;
            last_snapshot_seq = snapshot_seq;
        }

        let disk = blocking(|| load_disk(&data, &rules));
        let on_disk = &disk.items;
        let mut by_client: Vec<BTreeMap<String, (u32, Value)>> = vec![BTreeMap::new(); CLIENTS];
        for (uid, item) in on_disk {
            let number = item["identifier_number"].as_str().unwrap().to_string();
            match owner_of(&number) {
                Some(c) => {
                    by_client[c].insert(number, (*uid, item.clone()));
                }
                // The tables client's, checked below.
                None if table_id_of(&number).is_some() => {}
                None => {
                    eprintln!("cycle {cycle}: an identifier no client made: {item}");
                    lost += 1;
                }
            }
        }
        for client in &mut clients {
            known_uids.extend(client.answered.drain(..));
        }
        for (client, observed) in clients.iter_mut().zip(&by_client) {
            acked += client.acked;
            client.acked = 0;
            let op = client.in_flight.take();
            let footprint = op.as_ref().map(Op::footprint).unwrap_or_default();
            // Acknowledged state outside the in-flight mutation: exactly as acknowledged.
            let outside: BTreeSet<String> = client
                .model
                .keys()
                .chain(observed.keys())
                .filter(|n| !footprint.contains(*n))
                .cloned()
                .collect();
            for number in &outside {
                if !agrees(&client.model, observed, &[number.clone()].into()) {
                    eprintln!(
                        "cycle {cycle}: client {} number {number}: acknowledged {:?}, on disk {:?}",
                        client.id,
                        client.model.get(number),
                        observed.get(number)
                    );
                    lost += 1;
                }
            }
            // The in-flight mutation: wholly applied or not at all.
            if let Some(op) = op {
                in_flight += 1;
                let after = apply(&client.model, &op, None);
                if agrees(&client.model, observed, &footprint) {
                    // Not applied.
                } else if agrees(&after, observed, &footprint) {
                    applied += 1;
                    let new_uids: Vec<u32> = match &op {
                        Op::Create { body } => vec![observed[&number_of(body)].0],
                        Op::Import { bodies } => {
                            bodies.iter().map(|b| observed[&number_of(b)].0).collect()
                        }
                        _ => vec![],
                    };
                    let consecutive = new_uids.windows(2).all(|w| w[1] == w[0] + 1);
                    if !consecutive || new_uids.iter().any(|u| known_uids.contains(u)) {
                        eprintln!(
                            "cycle {cycle}: client {} in-flight {} got uids {new_uids:?}: reused or not consecutive",
                            client.id,
                            op.name()
                        );
                        uid_errors += 1;
                    }
                } else {
                    eprintln!(
                        "cycle {cycle}: client {} in-flight {} is partly applied: {op:?}; on disk {:?}",
                        client.id,
                        op.name(),
                        footprint
                            .iter()
                            .map(|n| observed.get(n))
                            .collect::<Vec<_>>()
                    );
                    torn += 1;
                }
            }
            // Go on from what is on disk.
            client.model = observed
                .iter()
                .map(|(number, (uid, item))| {
                    let entry = Entry {
                        uid: Some(*uid),
                        body: body_of_item(item),
                        passes_left: item["additional"]["passes_left"].as_i64().unwrap(),
                    };
                    (number.clone(), entry)
                })
                .collect();
        }

        // The tables client: its whole state as acknowledged, or with the
        // in-flight mutation wholly applied.
        let (observed, problems) = observe_tables(&disk);
        for problem in &problems {
            eprintln!("cycle {cycle}: tables client: {problem}");
        }
        for (total, n) in table_acked.iter_mut().zip(tables.acked) {
            *total += n;
        }
        tables.acked = [0; 3];
        let op = tables.in_flight.take();
        let is_on_disk = |state: &Tables| problems.is_empty() && state.agrees(&observed);
        match &op {
            _ if is_on_disk(&tables.state) => {
                // Nothing in flight, or not applied (or a no-op).
                table_in_flight += u64::from(op.is_some());
            }
            Some(op) if is_on_disk(&op.apply(&tables.state, None)) => {
                table_in_flight += 1;
                table_applied += 1;
                let created = match op {
                    TableOp::CreateProfile { slot, .. } => observed.profiles[slot].uid,
                    TableOp::CreateApartment { slot, .. } => observed.apartments[slot].uid,
                    _ => None,
                };
                if let Some(uid) = created {
                    tables.check_new_uid(op, uid);
                }
            }
            _ => {
                table_in_flight += u64::from(op.is_some());
                eprintln!(
                    "cycle {cycle}: tables client state is lost or torn (in flight: {op:?})\n  \
                     acknowledged: {}\n  with it applied: {}\n  on disk: {}",
                    show_tables(&tables.state),
                    op.as_ref()
                        .map(|op| show_tables(&op.apply(&tables.state, None)))
                        .unwrap_or_default(),
                    show_tables(&observed)
                );
                table_wrong += 1;
            }
        }
        for error in tables.uid_errors.drain(..) {
            eprintln!("cycle {cycle}: tables client: {error}: a uid was reused");
            uid_errors += 1;
        }
        // Go on from what is on disk.
        let uids = |rows: &BTreeMap<usize, Row>| rows.values().filter_map(|r| r.uid).max();
        tables.max_profile_uid = tables
            .max_profile_uid
            .max(uids(&observed.profiles).unwrap_or(0));
        tables.max_apartment_uid = tables
            .max_apartment_uid
            .max(uids(&observed.apartments).unwrap_or(0));
        tables.state = observed;

        known_uids.extend(on_disk.keys());
        expected = disk.items;
        expected_profiles = disk.profiles_page;
        expected_apartments = disk.apartments_page;
    }

    // A last start: latchd serves what is on disk, and stops cleanly.
    let mut daemon = blocking(|| Daemon::start(&bus, &config));
    assert!(items_served(&ids).await == expected);
    assert_eq!(ids.count().await.unwrap() as usize, expected.len());
    assert!(page_served("time profiles", || tp.list(LIST_ALL)).await == expected_profiles);
    assert!(page_served("apartments", || ap.list(LIST_ALL)).await == expected_apartments);
    assert_eq!(blocking(|| daemon.stop()), Some(0));
    println!(
        "crash test: {cycles} cycles, {acked} acknowledged mutations, {lost} lost, {in_flight} in flight ({applied} applied)"
    );
    println!(
        "crash test: snapshot replaced in {snapshots} cycles, {kills_mid_compaction} kills in the middle of a compaction, \
         {} identifiers, {:.1} s",
        expected.len(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "crash test: tables client: {} acknowledged mutations ({} profile, {} apartment, {} binding), \
         {table_wrong} lost or torn, {table_in_flight} in flight ({table_applied} applied); \
         {} time profiles, {} apartments at the end",
        table_acked.iter().sum::<u64>(),
        table_acked[PROFILE_OP],
        table_acked[APARTMENT_OP],
        table_acked[BINDING_OP],
        tables.state.profiles.len(),
        tables.state.apartments.len()
    );
    println!(
        "crash test: {} check calls asked again after 20 s without an answer",
        UNANSWERED.load(std::sync::atomic::Ordering::Relaxed)
    );
    std::fs::metadata(data.join("identifiers.toml"))
        .expect("the journal outgrew 64 KiB, so a snapshot was written");
    assert_eq!(lost, 0, "acknowledged mutations were lost");
    assert_eq!(torn, 0, "in-flight mutations were partly applied");
    assert_eq!(
        table_wrong, 0,
        "the tables client's acknowledged state was lost or its in-flight mutation torn"
    );
    assert_eq!(
        uid_errors, 0,
        "uids were reused or an Import's uids are not consecutive"
    );
    assert!(snapshots > 0, "no compaction happened");
}
