//! `ProfileBody::contains` and the matching of a presented face run on the
//! door path: they must not allocate. This file has its own global
//! allocator, which counts the allocations of the thread that armed it, so
//! it holds one test only.

// The allocator is a thin wrapper over `System`; implementing `GlobalAlloc`
// needs `unsafe`.
#![allow(unsafe_code)]

use jiff::tz::TimeZone;
use latchd::domain::schedule::parse_profile;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

struct Counting;

thread_local! {
    /// Whether this thread counts; and how many allocations it counted.
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    // `try_with`: thread locals may be gone while a thread exits.
    let _ = ARMED.try_with(|armed| {
        if armed.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    COUNT.with(|c| c.set(0));
    ARMED.with(|a| a.set(true));
    f();
    ARMED.with(|a| a.set(false));
    COUNT.with(|c| c.get())
}

/// A body from 2027-01-04 09:00 to 17:00 in Kyiv (or all day), with
/// `repeat_options`.
fn body(all_day: bool, repeat: &str) -> String {
    format!(
        r#"{{"name": "p", "time_options": {{"is_all_day": {all_day},
            "date_from": 1799046000, "date_to": 1799074800}},
            "repeat_options": {repeat}}}"#
    )
}

fn repeat(kind: &str, end: &str, custom: &str) -> String {
    format!(
        r#"{{"repeat_enable": true, "repeat_format": {{"repeat_type": "{kind}",
            "repeat_end": {end}, "repeat_custom": {custom}}}}}"#
    )
}

#[test]
fn contains_does_not_allocate() {
    // The profiles and zones are made before counting.
    let never = r#"{"format": "never"}"#;
    let until = r#"{"format": "date", "date": 1830582000}"#;
    let mut bodies = vec![
        body(false, r#"{"repeat_enable": false}"#),
        body(true, r#"{"repeat_enable": false}"#),
    ];
    for kind in ["day", "week", "twoWeeks", "month", "year"] {
        bodies.push(body(false, &repeat(kind, never, "null")));
        bodies.push(body(true, &repeat(kind, until, "null")));
    }
    for custom in [
        r#"{"repeat_point_type": "day", "repeat_looper": 3}"#,
        r#"{"repeat_point_type": "week", "repeat_looper": 2, "repeat_options": ["MON", "SUN"]}"#,
        r#"{"repeat_point_type": "month", "repeat_looper": 1,
            "repeat_options": [4, 31, {"week": -1, "day": "FRI"}, {"week": 5, "day": "MON"}]}"#,
        r#"{"repeat_point_type": "month", "repeat_looper": 12, "repeat_options": [31]}"#,
        r#"{"repeat_point_type": "year", "repeat_looper": 2,
            "repeat_options": {"months": [1, 2, 12], "days": [29, {"week": 2, "day": "TUE"}]}}"#,
        r#"{"repeat_point_type": "year", "repeat_looper": 1, "repeat_options": {"months": [3]}}"#,
    ] {
        bodies.push(body(false, &repeat("custom", never, custom)));
        bodies.push(body(true, &repeat("custom", until, custom)));
    }
    let profiles: Vec<_> = bodies
        .iter()
        .map(|b| parse_profile(b).unwrap_or_else(|e| panic!("{b}: {e}")))
        .collect();
    let zones: Vec<TimeZone> = ["Europe/Kyiv", "America/New_York", "UTC", "Asia/Kolkata"]
        .iter()
        .map(|z| TimeZone::get(z).unwrap())
        .chain([TimeZone::UTC])
        .collect();
    // Instants: through 2027 (with its transitions) about hourly, far in
    // the future (past the zone files' transitions, where the POSIX rule
    // applies), and outside jiff's range.
    let mut instants: Vec<i64> = (0..8600).map(|k| 1_798_761_600 + k * 3_700).collect();
    instants.extend([
        i64::MIN,
        -1_000_000_000_000,
        -5_000_000_000,
        0,
        4_102_444_800,
        32_503_680_000,
        253_402_300_799,
        i64::MAX,
    ]);
    let mut inside = 0usize;
    let count = allocations(|| {
        for p in &profiles {
            for tz in &zones {
                for &t in &instants {
                    inside += usize::from(black_box(p).contains(black_box(t), tz));
                }
            }
        }
    });
    assert_eq!(count, 0, "contains allocated {count} times");

    // A face decided at the door, through its attached time profile: the
    // embedding is decoded on the stack and matched in place.
    use latchd::domain::decision::{decide, Clock, Verdict};
    use latchd::domain::identifier::{IdentifierType, Rules};
    use latchd::domain::registry::Registry;
    let dims = 128usize;
    let face = |seed: f32| -> String {
        use base64::Engine;
        let bytes: Vec<u8> = (0..dims)
            .flat_map(|n| ((n as f32 * seed).sin()).to_le_bytes())
            .collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    let mut registry = Registry::new(Rules {
        face_recognition: true,
        face_dimensions: dims as u32,
        time_zone: TimeZone::get("Europe/Kyiv").unwrap(),
        ..Rules::default()
    });
    let (profile, change) = registry
        .create_profile(&body(false, &repeat("day", never, "null")))
        .unwrap();
    registry.apply(&change);
    let mut uid = 0;
    for n in 1..=50 {
        let item = format!(
            r#"{{"identifier_owner": {{"name": "F{n}", "type": "owner"}}, "identifier_type": "face_id",
                "identifier_number": "{}", "lock": "first"}}"#,
            face(n as f32 / 7.0)
        );
        let (made, change) = registry.create(&item).unwrap();
        registry.apply(&change);
        uid = made;
    }
    let change = registry.attach_profile(uid, profile).unwrap();
    registry.apply(&change);
    let presented = face(50.0 / 7.0);
    // 2027-01-04 12:00 in Kyiv: inside the profile.
    let clock = Clock {
        now_unix: 1_799_056_800,
        synchronised: true,
        require_sync: true,
    };
    let mut verdict = None;
    let count = allocations(|| {
        verdict = Some(decide(
            black_box(&registry),
            IdentifierType::FaceId,
            black_box(&presented),
            clock,
        ));
    });
    assert!(
        matches!(verdict, Some(Verdict::Granted { uid: u, change: None, .. }) if u == uid),
        "{verdict:?}"
    );
    assert_eq!(count, 0, "deciding a face allocated {count} times");
    // The counter counts: a Vec allocates.
    assert_eq!(allocations(|| drop(black_box(vec![1u8; 16]))), 1);
    assert!(inside > 0);
}
