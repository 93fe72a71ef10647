//! The event log `events.toml`, with any content. Reading never panics; it
//! keeps the newest `keep` events of the lines that read back and skips the
//! others by number; every event it keeps is written back by the log's own
//! rewrite as a line that reads back the same. On disk (for an input whose
//! length is a multiple of 8), opening the log cuts only an incomplete last
//! line and pages the same events, newest first.
#![no_main]

use latchd::access::events::EventLog;
use latchd::fuzzing::{event_line, parse_event_line, read_event_log};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = data.iter().rposition(|b| *b == b'\n').map_or(0, |n| n + 1);
    let lines = String::from_utf8_lossy(&data[..whole]).lines().count();
    for keep in [1, 3, 1000] {
        let read = read_event_log(data, keep);
        assert_eq!(read.whole, whole);
        assert_eq!(read.lines, lines);
        assert!(read.skipped.windows(2).all(|w| w[0] < w[1]));
        assert!(read.skipped.iter().all(|n| (1..=lines).contains(n)));
        assert_eq!(read.recent.len(), (lines - read.skipped.len()).min(keep));
        // The rewrite keeps what was read, line for line.
        let mut rewritten = String::new();
        for event in &read.recent {
            let line = event_line(event);
            assert!(
                line.ends_with('\n') && line.matches('\n').count() == 1,
                "{line:?}"
            );
            assert_eq!(
                parse_event_line(line.trim_end()).as_ref(),
                Some(event),
                "{line:?}"
            );
            rewritten.push_str(&line);
        }
        let again = read_event_log(rewritten.as_bytes(), keep);
        assert_eq!(again.recent, read.recent);
        assert!(again.skipped.is_empty());
    }

    // Through the folder for one input in eight: opening starts a thread
    // and may sync the file, which is slow.
    if data.len() % 8 != 0 {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("events.toml");
    std::fs::write(&file, data).unwrap();
    let threads = threads();
    let log = EventLog::open(&dir, 3).expect("the log opens");
    let read = read_event_log(data, 3);
    let (total, page) = log.page(10, 1);
    assert_eq!(total, read.recent.len());
    assert!(page.iter().eq(read.recent.iter().rev()));
    drop(log);
    // The writer thread ends once the log is dropped: wait for it, so that
    // what it held is not taken for a leak.
    for _ in 0..1000 {
        if self::threads() <= threads {
            break;
        }
        std::thread::sleep(std::time::Duration::from_micros(100));
    }
    assert_eq!(std::fs::read(&file).unwrap(), &data[..whole]);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [std::ffi::OsString::from("events.toml")]);
});

/// The threads of this process.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}
