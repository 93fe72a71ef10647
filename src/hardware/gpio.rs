//! A lock relay on a GPIO line (gpiocdev). The line is requested as an output
//! already at its locked level, so the relay never clicks open at start.

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
        let request = builder
            .request()
            .map_err(|e| io::Error::other(format!("{} offset {offset}: {e}", chip.display())))?;
        Ok(GpioRelay { request, offset })
    }
}

impl GpioRelay {
    /// Drives the line: active opens the lock, inactive locks it.
    pub fn set(&mut self, active: bool) -> io::Result<()> {
        let value = if active {
            Value::Active
        } else {
            Value::Inactive
        };
        self.request
            .set_value(self.offset, value)
            .map_err(io::Error::other)
    }
}

/// How often an input's thread looks whether anyone still listens.
const INPUT_CHECK: std::time::Duration = std::time::Duration::from_millis(200);

/// An input line (exit button, door contact) with edge events: a thread
/// waits for the kernel's edge events and hands `true` (active) or `false`
/// to the async side. Returns the level at the time of the request, and the
/// thread, which ends (releasing the line) within 200 ms of the receiver
/// going away.
pub fn watch_input(
    name: &str,
    active_low: bool,
    consumer: &str,
    edges: tokio::sync::mpsc::Sender<bool>,
) -> io::Result<(bool, std::thread::JoinHandle<()>)> {
    use gpiocdev::line::{Bias, EdgeDetection, EdgeKind};
    let found = gpiocdev::find_named_line(name).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("no GPIO line named {name:?}"),
        )
    })?;
    let mut builder = gpiocdev::Request::builder();
    builder
        .with_found_line(&found)
        .with_consumer(consumer)
        .as_input()
        .with_edge_detection(EdgeDetection::BothEdges)
        .with_debounce_period(std::time::Duration::from_millis(10));
    if active_low {
        // A button or contact to ground, held up when open.
        builder.as_active_low().with_bias(Bias::PullUp);
    }
    let request = builder.request().map_err(io::Error::other)?;
    let offset = found.info.offset;
    let level = request.value(offset).map_err(io::Error::other)? == Value::Active;
    let label = name.to_string();
    let thread = std::thread::Builder::new()
        .name(format!("latchd-{consumer}"))
        .spawn(move || {
            let failed = |e: gpiocdev::Error| {
                log::error!(line = label.as_str(), error = e.to_string().as_str(); "GPIO input failed");
            };
            while !edges.is_closed() {
                match request.wait_edge_event(INPUT_CHECK) {
                    Ok(false) => continue,
                    Ok(true) => {}
                    Err(e) => return failed(e),
                }
                match request.read_edge_event() {
                    Ok(event) => {
                        let active = event.kind == EdgeKind::Rising;
                        if edges.blocking_send(active).is_err() {
                            return;
                        }
                    }
                    Err(e) => return failed(e),
                }
            }
        })?;
    Ok((level, thread))
}
