//! Logs go to the journal with structured fields when latchd runs under
//! systemd, and to stderr as `level message key=value ...` otherwise.
//! `LATCHD_LOG` sets the level (error, warn, info, debug, trace; default info).

use log::{kv, Level, LevelFilter, Log, Metadata, Record};
use std::io::Write;

pub fn init() {
    let level = std::env::var("LATCHD_LOG")
        .ok()
        .and_then(|v| v.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::Info);
    let installed = if systemd_journal_logger::connected_to_journal() {
        systemd_journal_logger::JournalLog::new()
            .map(|j| j.with_syslog_identifier("latchd".into()))
            .and_then(|j| j.install().map_err(std::io::Error::other))
            .is_ok()
    } else {
        false
    };
    if !installed {
        let _ = log::set_boxed_logger(Box::new(Stderr));
    }
    log::set_max_level(level);
}

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }

    fn log(&self, record: &Record) {
        let mut line = format!("{:<5} {}", level_name(record.level()), record.args());
        let mut fields = Fields(&mut line);
        let _ = record.key_values().visit(&mut fields);
        line.push('\n');
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {}
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warn => "warn",
        Level::Info => "info",
        Level::Debug => "debug",
        Level::Trace => "trace",
    }
}

struct Fields<'a>(&'a mut String);

impl<'kvs> kv::VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(&mut self, key: kv::Key<'kvs>, value: kv::Value<'kvs>) -> Result<(), kv::Error> {
        use std::fmt::Write;
        let _ = write!(self.0, " {key}={value}");
        Ok(())
    }
}
