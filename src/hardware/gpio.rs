//! A lock relay on a GPIO line (gpiocdev). The line is requested as an output
//! already at its locked level, so the relay never clicks open at start.

use crate::locks::Relay;
use gpiocdev::line::Value;
use std::io;
use std::path::PathBuf;

/// Where a relay's line is: by name (`GPIO17`), or by chip and offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineAddress {
    Named(String),
    ChipOffset { chip: PathBuf, offset: u32 },
}

pub struct GpioRelay {
    request: gpiocdev::Request,
    offset: u32,
}

impl GpioRelay {
    /// Requests the line as an output at its inactive (locked) level.
    /// `active_low`: the relay closes when the line is driven low.
    pub fn request(address: &LineAddress, active_low: bool, lock: &str) -> io::Result<GpioRelay> {
        let (chip, offset) = match address {
            LineAddress::Named(name) => {
                let found = gpiocdev::find_named_line(name).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("no GPIO line named {name:?}"),
                    )
                })?;
                (found.chip, found.info.offset)
            }
            LineAddress::ChipOffset { chip, offset } => (chip.clone(), *offset),
        };
        let mut builder = gpiocdev::Request::builder();
        builder
            .on_chip(&chip)
            .with_consumer(format!("latchd-{lock}"))
            .with_line(offset)
            .as_output(Value::Inactive);
        if active_low {
            builder.as_active_low();
        }
        let request = builder.request().map_err(io::Error::other)?;
        Ok(GpioRelay { request, offset })
    }
}

impl Relay for GpioRelay {
    fn set(&mut self, open: bool) -> io::Result<()> {
        let value = if open { Value::Active } else { Value::Inactive };
        self.request
            .set_value(self.offset, value)
            .map_err(io::Error::other)
    }
}
