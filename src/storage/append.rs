//! Appending to the live segment, and mending it: a failed write is cut
//! back, and while it cannot be, nothing more is appended.

use super::journal::format_line;
use super::Storage;
use crate::domain::registry::Change;
use std::io::{self, Write};

impl Storage {
    /// Appends these changes as consecutive journal lines and makes them
    /// durable. On error nothing of them counts: the segment is cut back.
    /// When even that fails, appends are refused (the door, which reads,
    /// goes on deciding) until a later one can cut the segment back first.
    pub fn append(&mut self, changes: &[&Change]) -> io::Result<()> {
        self.mend_torn()?;
        let mut text = String::new();
        for (n, change) in changes.iter().enumerate() {
            text.push_str(&format_line(self.last_seq + 1 + n as u64, change));
        }
        match self.write_line(text.as_bytes()) {
            Ok(()) => {
                self.live_len += text.len() as u64;
                self.last_seq += changes.len() as u64;
                Ok(())
            }
            Err(e) => {
                // A part of the lines may be there (a full disk): cut it off.
                if let Err(cut) = self.cut_back() {
                    self.torn = true;
                    log::error!(
                        file = self.live_path.display().to_string().as_str(),
                        error = cut.to_string().as_str();
                        "could not cut a failed journal write off; mutations are refused until it can be"
                    );
                }
                Err(e)
            }
        }
    }

    /// Cuts a torn segment back before anything else is appended to it.
    fn mend_torn(&mut self) -> io::Result<()> {
        if !self.torn {
            return Ok(());
        }
        self.cut_back().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "{} still ends in a failed write that cannot be cut off ({e}); mutations are refused until it can be",
                    self.live_path.display()
                ),
            )
        })?;
        self.torn = false;
        log::info!(file = self.live_path.display().to_string().as_str(); "the failed journal write is cut off; mutations are taken again");
        Ok(())
    }

    fn write_line(&mut self, bytes: &[u8]) -> io::Result<()> {
        #[cfg(test)]
        if self.faults.write.load(std::sync::atomic::Ordering::SeqCst) {
            // Half of it reaches the file, as on a disk that filled up.
            self.live.write_all(&bytes[..bytes.len() / 2])?;
            return Err(io::Error::other("injected: the write failed"));
        }
        self.live.write_all(bytes)?;
        self.live.sync_data()
    }

    fn cut_back(&mut self) -> io::Result<()> {
        #[cfg(test)]
        if self
            .faults
            .truncate
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            return Err(io::Error::other("injected: the truncate failed"));
        }
        self.live.set_len(self.live_len)?;
        self.live.sync_data()
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use std::sync::atomic::AtomicBool;

    /// Failures a test makes the live segment's writes and truncates meet.
    #[derive(Default)]
    pub struct Faults {
        pub write: AtomicBool,
        pub truncate: AtomicBool,
    }
}
