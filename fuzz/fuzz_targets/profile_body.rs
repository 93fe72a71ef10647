//! A time profile or apartment body, as any bytes, and any instant: parsing
//! never panics; an accepted profile passes the stored-data check, reads
//! back (its JSON parsed again) as itself, and is evaluated at any instant
//! in any of a few zones without panicking; an accepted apartment is in the
//! panel's ranges.
#![no_main]

use latchd::domain::apartment::parse_apartment;
use latchd::domain::schedule::{parse_profile, parse_profile_value};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// Zones with daylight saving on either side of the equator, and UTC.
fn zones() -> &'static [jiff::tz::TimeZone] {
    static ZONES: OnceLock<Vec<jiff::tz::TimeZone>> = OnceLock::new();
    ZONES.get_or_init(|| {
        let mut zones = vec![jiff::tz::TimeZone::UTC];
        for name in ["Europe/Kyiv", "America/New_York", "Australia/Sydney"] {
            if let Ok(zone) = jiff::tz::TimeZone::get(name) {
                zones.push(zone);
            }
        }
        zones
    })
}

fuzz_target!(|data: &[u8]| {
    // The first 8 bytes are an instant, the rest the body.
    let (instant, body) = match data.split_first_chunk::<8>() {
        Some((head, rest)) => (i64::from_le_bytes(*head), rest),
        None => (0, data),
    };
    let text = String::from_utf8_lossy(body);
    if let Ok(profile) = parse_profile(&text) {
        profile
            .check()
            .unwrap_or_else(|e| panic!("an accepted profile fails the stored-data check: {e}\n{text}"));
        let json = serde_json::Value::Object(profile.to_json());
        let again = parse_profile_value(&json)
            .unwrap_or_else(|e| panic!("a profile's JSON does not parse back: {e}\n{json}"));
        assert_eq!(again, profile, "{json}");
        for zone in zones() {
            let inside = profile.contains(instant, zone);
            // The same answer twice: no hidden state.
            assert_eq!(profile.contains(instant, zone), inside);
        }
    }
    if let Ok(apartment) = parse_apartment(&text) {
        assert!(apartment.address.is_valid(), "{text}");
    }
});
