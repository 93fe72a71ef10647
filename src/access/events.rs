//! The bounded, persisted log of access events. The access path only hands
//! an event to a channel (never waits on the disk); a thread appends it to
//! `events.toml` in the data folder, and rewrites the file with the newest
//! `keep` events when it has grown to twice that, so the log never grows
//! without bound.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

const FILE: &str = "events.toml";

enum Message {
    Event(String),
    /// Answered once everything sent before it is written.
    Flush(mpsc::Sender<()>),
}

/// The handle the access path and the D-Bus objects hold.
#[derive(Clone)]
pub struct EventLog {
    tx: mpsc::SyncSender<Message>,
    recent: Arc<Mutex<VecDeque<String>>>,
    keep: usize,
}

impl EventLog {
    /// Reads the events kept so far and starts the writer. A last line cut
    /// short (a full disk, a power cut) is dropped from the file, so later
    /// appends start on a line of their own; a line that does not read back
    /// is skipped with a warning that names it (the log is a record, not
    /// data latchd decides on).
    pub fn open(dir: &Path, keep: usize) -> io::Result<EventLog> {
        let keep = keep.max(1);
        let path = dir.join(FILE);
        let read = match fs::read(&path) {
            Ok(bytes) => {
                let read = read_log(&bytes, keep);
                if read.whole < bytes.len() {
                    log::warn!(file = path.display().to_string().as_str(), bytes = (bytes.len() - read.whole) as u64; "dropping an incomplete last line of the event log");
                    OpenOptions::new()
                        .write(true)
                        .open(&path)
                        .and_then(|f| f.set_len(read.whole as u64).and_then(|_| f.sync_data()))?;
                }
                for line in &read.skipped {
                    log::warn!(
                        file = path.display().to_string().as_str(),
                        line = *line;
                        "skipping an event log line that does not read back"
                    );
                }
                read
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => read_log(&[], keep),
            Err(e) => return Err(e),
        };
        let (recent, lines) = (read.recent, read.lines);
        let recent = Arc::new(Mutex::new(recent));
        let (tx, rx) = mpsc::sync_channel(1024);
        let writer = Writer {
            path,
            file: None,
            lines,
            keep,
            recent: recent.clone(),
        };
        std::thread::Builder::new()
            .name("latchd-events".into())
            .spawn(move || writer.run(rx))?;
        Ok(EventLog { tx, recent, keep })
    }

    /// Records an event (a JSON object). Never blocks: when the writer is far
    /// behind, the event is only in the journal.
    pub fn record(&self, event: String) {
        {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            if recent.len() == self.keep {
                recent.pop_front();
            }
            recent.push_back(event.clone());
        }
        if self.tx.try_send(Message::Event(event)).is_err() {
            log::warn!("event log writer is behind; an event was not written to events.toml");
        }
    }

    /// Waits until every recorded event is written (at shutdown).
    pub fn flush(&self) {
        let (done, wait) = mpsc::channel();
        if self.tx.send(Message::Flush(done)).is_ok() {
            let _ = wait.recv();
        }
    }

    /// The newest events first: page `page` (from 1) of `limit`.
    pub fn page(&self, limit: usize, page: usize) -> (usize, Vec<String>) {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        page_of(&recent, limit, page)
    }
}

/// The newest of `recent` first: page `page` (from 1) of `limit`, and the total.
pub(crate) fn page_of(
    recent: &VecDeque<String>,
    limit: usize,
    page: usize,
) -> (usize, Vec<String>) {
    let events = recent
        .iter()
        .rev()
        .skip(limit.saturating_mul(page.saturating_sub(1)))
        .take(limit)
        .cloned()
        .collect();
    (recent.len(), events)
}

/// What the bytes of `events.toml` read as.
pub(crate) struct ReadLog {
    /// The newest `keep` events, oldest first.
    pub recent: VecDeque<String>,
    /// Lines read, those skipped included.
    pub lines: usize,
    /// The length of the whole lines: a last line without its newline ends here.
    pub whole: usize,
    /// The numbers (from 1) of the lines that do not read back.
    pub skipped: Vec<usize>,
}

/// Reads the log's lines, keeping the newest `keep` events (at least 1).
pub(crate) fn read_log(bytes: &[u8], keep: usize) -> ReadLog {
    let keep = keep.max(1);
    let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |n| n + 1);
    let mut recent = VecDeque::with_capacity(keep);
    let mut lines = 0;
    let mut skipped = Vec::new();
    let text = String::from_utf8_lossy(&bytes[..whole]);
    for (n, line) in text.lines().enumerate() {
        lines += 1;
        // A line larger than any event latchd records (an older or edited
        // file) is skipped, never replied.
        let parsed = if line.len() > 2 * crate::domain::limits::MAX_EVENT {
            None
        } else {
            parse_line(line).filter(|e| e.len() <= crate::domain::limits::MAX_EVENT)
        };
        match parsed {
            Some(event) => {
                if recent.len() == keep {
                    recent.pop_front();
                }
                recent.push_back(event);
            }
            None => skipped.push(n + 1),
        }
    }
    ReadLog {
        recent,
        lines,
        whole,
        skipped,
    }
}

/// `event = "<json>"`: one TOML line an event, whatever it holds (control
/// characters escaped).
pub(crate) fn format_line(event: &str) -> String {
    let mut line = String::from("event = ");
    crate::storage::record::write_inline(&toml::Value::String(event.to_string()), &mut line);
    line.push('\n');
    line
}

pub(crate) fn parse_line(line: &str) -> Option<String> {
    let table: toml::Table = toml::from_str(line).ok()?;
    table.get("event")?.as_str().map(str::to_string)
}

struct Writer {
    path: PathBuf,
    file: Option<File>,
    lines: usize,
    keep: usize,
    recent: Arc<Mutex<VecDeque<String>>>,
}

impl Writer {
    fn run(mut self, rx: mpsc::Receiver<Message>) {
        while let Ok(message) = rx.recv() {
            match message {
                Message::Event(event) => {
                    if let Err(e) = self.append(&event) {
                        log::error!(error = e.to_string().as_str(); "could not write events.toml");
                        self.file = None;
                    }
                }
                Message::Flush(done) => {
                    let _ = done.send(());
                }
            }
        }
    }

    fn append(&mut self, event: &str) -> io::Result<()> {
        if self.lines >= 2 * self.keep {
            self.rewrite()?;
        }
        if self.file.is_none() {
            self.file = Some(
                crate::storage::private::options()
                    .create(true)
                    .append(true)
                    .open(&self.path)?,
            );
        }
        let file = self.file.as_mut().expect("opened above");
        let before = file.metadata()?.len();
        let written = file
            .write_all(format_line(event).as_bytes())
            .and_then(|_| file.sync_data());
        if let Err(e) = written {
            // A part of the line may be there (a full disk): cut it off, so
            // the next append does not join it.
            let _ = file.set_len(before);
            return Err(e);
        }
        self.lines += 1;
        Ok(())
    }

    /// Keeps the newest events: temporary file, fsync, rename, fsync the folder.
    fn rewrite(&mut self) -> io::Result<()> {
        let text: String = {
            let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            recent.iter().map(|e| format_line(e)).collect()
        };
        let tmp = self.path.with_extension("toml.tmp");
        {
            let mut file = crate::storage::private::options()
                .create(true)
                .truncate(true)
                .write(true)
                .open(&tmp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
        }
        fs::rename(&tmp, &self.path)?;
        if let Some(dir) = self.path.parent() {
            File::open(dir)?.sync_all()?;
        }
        self.file = None;
        self.lines = text.lines().count();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_last_line_is_dropped_and_bad_lines_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let good = format_line("{\"n\":1}");
        fs::write(
            &path,
            format!("{good}bogus line\n{good}event = \"{{\\\"n\\\":2"),
        )
        .unwrap();
        let log = EventLog::open(dir.path(), 10).unwrap();
        assert_eq!(log.page(10, 1).0, 2);
        // The cut-off line is gone from the file; a new event gets its own line.
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            format!("{good}bogus line\n{good}")
        );
        log.record("{\"n\":3}".into());
        log.flush();
        drop(log);
        let reopened = EventLog::open(dir.path(), 10).unwrap();
        let (total, page) = reopened.page(10, 1);
        assert_eq!(total, 3);
        assert_eq!(page[0], "{\"n\":3}");
    }

    /// An event read back from the log may hold a newline (`\n` escaped in
    /// the file); written back, it spanned lines that then did not read
    /// back (found by fuzzing).
    #[test]
    fn every_event_is_written_on_one_line() {
        for event in ["a\nb", "a\"b\\c\r\u{1}\u{7f}", "\"\"\"", "x''y'", "ünï 中"] {
            let line = format_line(event);
            assert_eq!(line.matches('\n').count(), 1, "{line:?}");
            assert!(line.ends_with('\n'));
            assert_eq!(
                parse_line(line.trim_end()).as_deref(),
                Some(event),
                "{line:?}"
            );
        }
    }

    #[test]
    fn bounded_and_persisted() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::open(dir.path(), 3).unwrap();
        for n in 0..10 {
            log.record(format!("{{\"n\":{n},\"odd\":\"a\\\"b\"}}"));
        }
        let (total, page) = log.page(2, 1);
        assert_eq!(total, 3);
        assert_eq!(
            page,
            vec![
                "{\"n\":9,\"odd\":\"a\\\"b\"}",
                "{\"n\":8,\"odd\":\"a\\\"b\"}"
            ]
        );
        assert_eq!(log.page(2, 2).1, vec!["{\"n\":7,\"odd\":\"a\\\"b\"}"]);
        // The writer catches up; the file never holds more than twice `keep`.
        let path = dir.path().join(FILE);
        for _ in 0..200 {
            let text = fs::read_to_string(&path).unwrap_or_default();
            if text
                .lines()
                .last()
                .and_then(parse_line)
                .is_some_and(|e| e.contains("\"n\":9"))
            {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.lines().count() <= 6, "{text}");
        drop(log);
        let reopened = EventLog::open(dir.path(), 3).unwrap();
        let (total, page) = reopened.page(10, 1);
        assert_eq!(total, 3);
        assert_eq!(page[0], "{\"n\":9,\"odd\":\"a\\\"b\"}");
    }
}
