//! How long would a feeder that guesses take to search a facility's 16-bit
//! card range, or every 4-digit code? The real latchd with its default
//! `[auth.present_limits]` on a private bus; one caller guesses cards and
//! codes as fast as the daemon answers (20 of each in flight, up to 400
//! guesses a second) and counts the guesses that were decided (not
//! answered `locked out`). The decided guesses come in bursts, one per
//! lockout, until the hourly limit holds the caller for the rest of the
//! hour: the search time is the range divided by the guesses decided in
//! the first hour.
//!
//! Run with `cargo bench --bench guessing` (62 minutes: the first hour and
//! the burst that starts the second); `GUESS_SECONDS` sets the length (a
//! run shorter than an hour rates the bursts it saw, without the hourly
//! limit).

#[path = "../tests/common/mod.rs"]
mod common;
use common::*;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Guesses of one type in flight at once.
const IN_FLIGHT: usize = 20;
/// A pause longer than this between decided guesses ends a burst.
const BURST_GAP: Duration = Duration::from_secs(30);

/// The times (since the start) at which guesses were decided.
type Decided = Arc<Mutex<Vec<Duration>>>;

async fn guess(
    access: AccessProxy<'static>,
    kind: &'static str,
    number: impl Fn(u64) -> String + Send + Sync + 'static,
    start: Instant,
    until: Instant,
) -> (Decided, u64) {
    let decided: Decided = Arc::default();
    let number = Arc::new(number);
    let mut tasks = Vec::new();
    for lane in 0..IN_FLIGHT as u64 {
        let (access, decided, number) = (access.clone(), decided.clone(), number.clone());
        tasks.push(tokio::spawn(async move {
            let mut sent = 0u64;
            let mut n = lane;
            while Instant::now() < until {
                let (_, reason) = access.present(kind, &number(n)).await.unwrap();
                sent += 1;
                if reason != "locked out" {
                    decided.lock().unwrap().push(start.elapsed());
                    n += IN_FLIGHT as u64;
                }
                // 20 guesses a second a lane: a fast guesser, not a load test.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            sent
        }));
    }
    let mut sent = 0;
    for task in tasks {
        sent += task.await.unwrap();
    }
    (decided, sent)
}

/// Decided guesses grouped into bursts: (start, count) of each.
fn bursts(times: &[Duration]) -> Vec<(Duration, usize)> {
    let mut out: Vec<(Duration, usize)> = Vec::new();
    let mut last: Option<Duration> = None;
    for t in times {
        match (last, out.last_mut()) {
            (Some(l), Some(burst)) if *t - l <= BURST_GAP => burst.1 += 1,
            _ => out.push((*t, 1)),
        }
        last = Some(*t);
    }
    out
}

fn report(kind: &str, range: u64, times: &mut [Duration], sent: u64, seconds: u64) {
    times.sort();
    let bursts = bursts(times);
    println!(
        "{kind}: {sent} guesses sent, {} decided, in bursts (start s, guesses) {:?}",
        times.len(),
        bursts
            .iter()
            .map(|b| (b.0.as_secs_f64().round() as u64, b.1))
            .collect::<Vec<_>>()
    );
    // The guesses decided in the first hour (from the first burst, an hour
    // is a whole period of the hourly limit), or else the rate of the
    // bursts seen, from the first to the last.
    let (decided, span) = if seconds > 3600 {
        let hour = times.iter().filter(|t| t.as_secs_f64() < 3600.0).count();
        (hour, 3600.0)
    } else {
        match (bursts.first(), bursts.last()) {
            (Some(first), Some(last)) if bursts.len() > 1 => {
                (times.len() - last.1, (last.0 - first.0).as_secs_f64())
            }
            _ => {
                println!("{kind}: too few bursts to measure; run longer (GUESS_SECONDS)");
                return;
            }
        }
    };
    let per_hour = decided as f64 * 3600.0 / span;
    let days = range as f64 / per_hour / 24.0;
    println!(
        "{kind}: {decided} guesses decided in {span:.0} s = {per_hour:.1} an hour: all {range} take {days:.1} days (half of them on average: {:.1} days)",
        days / 2.0
    );
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("guessing: run with `cargo bench --bench guessing`");
        return;
    }
    let seconds: u64 = std::env::var("GUESS_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3720);
    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_config(
        dir.path(),
        &data,
        "[clock]\nrequire_sync = false\n\n[[lock]]\nname = \"first\"\nopen_time_ms = 1000\n",
    );
    let _daemon = Daemon::start(&bus, &config);
    let conn = bus.connect().await;
    let access = AccessProxy::new(&conn).await.unwrap();
    println!("guessing for {seconds} s with latchd's default present limits");
    let start = Instant::now();
    let until = start + Duration::from_secs(seconds);
    // A facility's 16-bit range (facility 1), and 4-digit codes from 0000.
    let cards = guess(
        access.clone(),
        "card",
        |n| format!("00:01:{:02x}:{:02x}", (n >> 8) & 0xff, n & 0xff),
        start,
        until,
    );
    let codes = guess(
        access,
        "inputCode",
        |n| format!("{:04}", n % 10_000),
        start,
        until,
    );
    let ((cards, cards_sent), (codes, codes_sent)) = tokio::join!(cards, codes);
    let cards = &mut cards.lock().unwrap();
    report("card (16-bit range)", 65_536, cards, cards_sent, seconds);
    let codes = &mut codes.lock().unwrap();
    report("inputCode (4 digits)", 10_000, codes, codes_sent, seconds);
}
