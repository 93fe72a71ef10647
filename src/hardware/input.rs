//! Input devices (evdev): find the configured device, grab it so no digit
//! reaches a console, and hand its key events on; when it is unplugged (or
//! missing at start), wait for it to come back. What the keys mean is the
//! access path's business (`access::readers`).

use evdev::{Device, EventType};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;

/// How often a missing device is looked for.
const RESCAN: Duration = Duration::from_secs(1);

/// Which device to read: by path, or by name and/or vendor:product.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceMatch {
    pub path: Option<PathBuf>,
    pub name: Option<String>,
    pub vendor_product: Option<(u16, u16)>,
}

/// One EV_KEY event: the key's code, 1 pressed / 0 released / 2 repeated,
/// and the kernel's timestamp of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyEvent {
    pub code: u16,
    pub value: i32,
    pub time: SystemTime,
}

/// Finds the device: by path, or the first whose name and vendor:product
/// match and that has keys (a reader's mouse half has none).
fn find(wanted: &DeviceMatch) -> Option<(PathBuf, Device)> {
    if let Some(path) = &wanted.path {
        return Device::open(path).ok().map(|d| (path.clone(), d));
    }
    evdev::enumerate().find(|(_, device)| {
        let name_ok = wanted
            .name
            .as_ref()
            .is_none_or(|n| device.name() == Some(n.as_str()));
        let id = device.input_id();
        let id_ok = wanted
            .vendor_product
            .is_none_or(|(v, p)| id.vendor() == v && id.product() == p);
        name_ok && id_ok && device.supported_keys().is_some()
    })
}

/// Reads the device for as long as someone receives its keys. `source`
/// names it in the log.
pub async fn run(wanted: DeviceMatch, source: String, keys: mpsc::Sender<KeyEvent>) {
    let source = source.as_str();
    let mut waiting_logged = false;
    while !keys.is_closed() {
        let Some((path, mut device)) = find(&wanted) else {
            if !waiting_logged {
                log::warn!(source = source; "input device not present; waiting for it");
                waiting_logged = true;
            }
            tokio::time::sleep(RESCAN).await;
            continue;
        };
        waiting_logged = false;
        let path_text = path.display().to_string();
        if let Err(e) = device.grab() {
            log::error!(source = source, path = path_text.as_str(), error = e.to_string().as_str(); "could not grab the input device");
            tokio::time::sleep(RESCAN).await;
            continue;
        }
        let mut events = match device.into_event_stream() {
            Ok(events) => events,
            Err(e) => {
                log::error!(source = source, error = e.to_string().as_str(); "could not read the input device");
                tokio::time::sleep(RESCAN).await;
                continue;
            }
        };
        log::info!(source = source, path = path_text.as_str(); "input device connected and grabbed");
        loop {
            match events.next_event().await {
                Ok(event) if event.event_type() == EventType::KEY => {
                    let key = KeyEvent {
                        code: event.code(),
                        value: event.value(),
                        time: event.timestamp(),
                    };
                    if keys.send(key).await.is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    log::warn!(source = source, error = e.to_string().as_str(); "input device gone; waiting for it to return");
                    break;
                }
            }
        }
    }
}
