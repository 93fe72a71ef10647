//! Apartments of the panel API: a name, a logical address (building, unit,
//! floor, room) that no two apartments share, and a count of residents.
//! Identifiers are bound to at most one apartment; the binding is kept on
//! the identifier (its `apartment`), and the registry indexes it both ways.

use super::identifier::{BodyError, Identifier};
use super::limits::MAX_APARTMENTS;
use super::registry::{Change, IntegrityError, Kind, Record, Registry, Table, TableChange};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Ranges of the logical address, as the panel takes them.
const BUILDING: std::ops::RangeInclusive<i64> = 1..=9999;
const UNIT: std::ops::RangeInclusive<i64> = 0..=99;
const FLOOR: std::ops::RangeInclusive<i64> = 0..=98;
const ROOM: std::ops::RangeInclusive<i64> = 0..=99;
/// Residents of one apartment, at most (a bound, not a panel rule).
const MAX_RESIDENTS: i64 = 10_000;

/// Where an apartment is: what the panel dials and what must be unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogicalAddress {
    pub building: u16,
    pub unit: u8,
    pub floor: u8,
    pub room: u8,
}

impl LogicalAddress {
    fn new(building: i64, unit: i64, floor: i64, room: i64) -> Option<Self> {
        let ok = BUILDING.contains(&building)
            && UNIT.contains(&unit)
            && FLOOR.contains(&floor)
            && ROOM.contains(&room);
        ok.then_some(LogicalAddress {
            building: building as u16,
            unit: unit as u8,
            floor: floor as u8,
            room: room as u8,
        })
    }

    /// Whether a stored address is in the panel's ranges (a file edited by hand).
    pub fn is_valid(&self) -> bool {
        Self::new(
            self.building.into(),
            self.unit.into(),
            self.floor.into(),
            self.room.into(),
        )
        .is_some()
    }
}

/// The validated body of Create and Update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApartmentBody {
    pub name: String,
    pub address: LogicalAddress,
    pub residents: u32,
}

pub type Apartment = Record<ApartmentBody>;

impl Kind for ApartmentBody {
    const NAME: &'static str = "apartment";
    const UID_FIELD: &'static str = "apartment_uid";
    const FIELDS: &'static [&'static str] = &["apartment_uid", "apartment_name"];
    const MAX: usize = MAX_APARTMENTS;
    const WRONG_UID: BodyError = BodyError::WrongApartmentUid;
    const TOO_MANY: BodyError = BodyError::TooManyApartments;
    const STILL_USED: &'static str = "is still bound to it";
    type Unique = LogicalAddress;

    fn parse(text: &str) -> Result<Self, BodyError> {
        parse_apartment(text)
    }

    fn unique(&self) -> Option<LogicalAddress> {
        Some(self.address)
    }

    fn clash(_: LogicalAddress) -> BodyError {
        BodyError::ApartmentExists
    }

    fn duplicate(_: LogicalAddress, uid: u32, other: u32) -> IntegrityError {
        IntegrityError::DuplicateAddress { uid, other }
    }

    fn check_stored(&self, uid: u32) -> Result<(), IntegrityError> {
        match self.address.is_valid() {
            true => Ok(()),
            false => Err(IntegrityError::BadAddress(uid)),
        }
    }

    fn text(&self, field: &str) -> &str {
        match field {
            "apartment_name" => &self.name,
            _ => "",
        }
    }

    /// The item of Get and List, with the identifiers bound to it.
    fn to_item(apartment: &Apartment, identifiers: &[u32]) -> Value {
        let b = &apartment.body;
        json!({
            "apartment_uid": apartment.uid,
            "apartment_name": b.name,
            "apartment_address": {
                "building": b.address.building,
                "unit": b.address.unit,
                "floor": b.address.floor,
                "room": b.address.room,
            },
            "residents": {"count": b.residents},
            "identifiers": {"count": identifiers.len(), "uid_items": identifiers},
        })
    }

    fn refs(item: &Identifier) -> impl Iterator<Item = u32> + '_ {
        u32::try_from(item.apartment).ok().into_iter()
    }

    fn unref(item: &mut Identifier, _: u32) {
        item.apartment = -1;
    }

    fn table(registry: &Registry) -> &Table<Self> {
        &registry.apartments
    }
    fn part(change: &Change) -> &TableChange<Apartment> {
        &change.apartments
    }
    fn part_mut(change: &mut Change) -> &mut TableChange<Apartment> {
        &mut change.apartments
    }
}

/// A name the panel takes: not empty, no space around it, bounded.
pub fn name_ok(name: &str) -> bool {
    !name.is_empty() && name.trim() == name && name.chars().count() <= super::limits::MAX_OWNER_NAME
}

pub fn parse_apartment(text: &str) -> Result<ApartmentBody, BodyError> {
    if text.len() > super::limits::MAX_BODY {
        return Err(BodyError::WrongBody);
    }
    let value: Value = serde_json::from_str(text).map_err(|_| BodyError::WrongBody)?;
    parse_apartment_value(&value)
}

/// Checks in the identifier body's order: an object; required fields depth
/// first; their types; then the values (`Wrong JSON body` for the name and
/// the residents, `Wrong Logical Address` for the address).
pub fn parse_apartment_value(value: &Value) -> Result<ApartmentBody, BodyError> {
    let root = value.as_object().ok_or(BodyError::WrongBody)?;
    fn get<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a Value> {
        m.get(k).filter(|v| !v.is_null())
    }
    const ADDRESS: [(&str, &str); 4] = [
        ("building", "apartment_address.building"),
        ("unit", "apartment_address.unit"),
        ("floor", "apartment_address.floor"),
        ("room", "apartment_address.room"),
    ];
    let name = get(root, "apartment_name");
    let address = get(root, "apartment_address");
    let residents = get(root, "residents");
    // 2. Required fields (`residents` is optional: absent is no residents).
    if name.is_none() {
        return Err(BodyError::Missing("apartment_name"));
    }
    let Some(address) = address else {
        return Err(BodyError::Missing("apartment_address"));
    };
    if let Value::Object(a) = address {
        for (key, path) in ADDRESS {
            if get(a, key).is_none() {
                return Err(BodyError::Missing(path));
            }
        }
    }
    if let Some(Value::Object(r)) = residents {
        if get(r, "count").is_none() {
            return Err(BodyError::Missing("residents.count"));
        }
    }
    // 3. Types.
    let name = name
        .and_then(Value::as_str)
        .ok_or(BodyError::WrongType("apartment_name"))?;
    let address = address
        .as_object()
        .ok_or(BodyError::WrongType("apartment_address"))?;
    let mut parts = [0i64; 4];
    for (n, (key, path)) in ADDRESS.iter().enumerate() {
        let v = get(address, key).filter(|v| v.is_i64());
        parts[n] = v
            .and_then(Value::as_i64)
            .ok_or(BodyError::WrongType(path))?;
    }
    let count = match residents {
        None => 0,
        Some(Value::Object(r)) => get(r, "count")
            .filter(|v| v.is_i64())
            .and_then(Value::as_i64)
            .ok_or(BodyError::WrongType("residents.count"))?,
        Some(_) => return Err(BodyError::WrongType("residents")),
    };
    // 4. Values.
    if !name_ok(name) || !(0..=MAX_RESIDENTS).contains(&count) {
        return Err(BodyError::WrongBody);
    }
    let address = LogicalAddress::new(parts[0], parts[1], parts[2], parts[3])
        .ok_or(BodyError::WrongLogicalAddress)?;
    Ok(ApartmentBody {
        name: name.to_string(),
        address,
        residents: count as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<ApartmentBody, String> {
        parse_apartment(&v.to_string()).map_err(|e| e.to_string())
    }

    fn good() -> Value {
        json!({"apartment_name": "Flat 12", "apartment_address": {"building": 1, "unit": 0, "floor": 3, "room": 12}, "residents": {"count": 2}})
    }

    #[test]
    fn a_good_body_reads_back_as_sent() {
        let body = parse(good()).unwrap();
        assert_eq!(body.address.room, 12);
        let item = Apartment { uid: 4, body }.to_item(&[7, 9]);
        assert_eq!(item["apartment_uid"], 4);
        assert_eq!(item["apartment_address"], good()["apartment_address"]);
        assert_eq!(item["residents"], good()["residents"]);
        assert_eq!(
            item["identifiers"],
            json!({"count": 2, "uid_items": [7, 9]})
        );
        let mut no_residents = good();
        no_residents.as_object_mut().unwrap().remove("residents");
        assert_eq!(parse(no_residents).unwrap().residents, 0);
    }

    #[test]
    fn checks_run_in_order_with_the_panels_messages() {
        let with = |path: &[&str], v: Value| {
            let mut b = good();
            let mut at = &mut b;
            for key in &path[..path.len() - 1] {
                at = &mut at[*key];
            }
            at[path[path.len() - 1]] = v;
            parse(b).unwrap_err()
        };
        assert_eq!(parse(json!([1])).unwrap_err(), "Wrong JSON body");
        assert_eq!(
            with(&["apartment_name"], Value::Null),
            "Wrong JSON body: no value for `apartment_name`"
        );
        assert_eq!(
            with(&["apartment_address", "floor"], Value::Null),
            "Wrong JSON body: no value for `apartment_address.floor`"
        );
        assert_eq!(
            with(&["residents"], json!({})),
            "Wrong JSON body: no value for `residents.count`"
        );
        assert_eq!(
            with(&["apartment_name"], json!(5)),
            "Wrong JSON body: value `apartment_name` was of the wrong type"
        );
        assert_eq!(
            with(&["apartment_address", "room"], json!(1.5)),
            "Wrong JSON body: value `apartment_address.room` was of the wrong type"
        );
        assert_eq!(
            with(&["residents"], json!(3)),
            "Wrong JSON body: value `residents` was of the wrong type"
        );
        for name in ["", " Flat", "Flat ", &"x".repeat(129)] {
            assert_eq!(with(&["apartment_name"], json!(name)), "Wrong JSON body");
        }
        assert_eq!(with(&["residents", "count"], json!(-1)), "Wrong JSON body");
        for (key, bad) in [
            ("building", 0),
            ("building", 10000),
            ("unit", 100),
            ("floor", 99),
            ("room", -1),
            ("room", 100),
        ] {
            assert_eq!(
                with(&["apartment_address", key], json!(bad)),
                "Wrong Logical Address",
                "{key} = {bad}"
            );
        }
        // The edges of every range are taken.
        for (key, edge) in [("building", 9999), ("unit", 99), ("floor", 98), ("room", 0)] {
            let mut b = good();
            b["apartment_address"][key] = json!(edge);
            parse(b).unwrap();
        }
    }
}
