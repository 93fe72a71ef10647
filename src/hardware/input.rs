//! Input devices (evdev): find the configured device, grab it so no digit
//! reaches a console, feed its key events to its reader, and when it is
//! unplugged (or missing at start) wait for it to come back.

use crate::config::{parse_vendor_product, InputConfig};
use crate::gate::Gate;
use crate::readers::Reader;
use crate::service::Handle;
use evdev::{Device, EventType};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How often a missing device is looked for.
const RESCAN: Duration = Duration::from_secs(1);

/// Finds the configured device: by path, or the first whose name and
/// vendor:product match and that has keys (a reader's mouse half has none).
fn find(config: &InputConfig) -> Option<(PathBuf, Device)> {
    if let Some(path) = &config.path {
        return Device::open(path).ok().map(|d| (path.clone(), d));
    }
    let wanted_id = config
        .vendor_product
        .as_ref()
        .and_then(|vp| parse_vendor_product(vp.get_ref()));
    evdev::enumerate().find(|(_, device)| {
        let name_ok = config
            .name
            .as_ref()
            .is_none_or(|n| device.name() == Some(n.as_str()));
        let id = device.input_id();
        let id_ok = wanted_id.is_none_or(|(v, p)| id.vendor() == v && id.product() == p);
        name_ok && id_ok && device.supported_keys().is_some()
    })
}

/// Runs one input for the life of the daemon.
pub async fn run(config: InputConfig, mut reader: Reader, gate: Gate, store: Handle) {
    let mut waiting_logged = false;
    loop {
        let Some((path, mut device)) = find(&config) else {
            if !waiting_logged {
                log::warn!(source = reader.source.as_str(); "input device not present; waiting for it");
                waiting_logged = true;
            }
            tokio::time::sleep(RESCAN).await;
            continue;
        };
        waiting_logged = false;
        let path_text = path.display().to_string();
        if let Err(e) = device.grab() {
            log::error!(source = reader.source.as_str(), path = path_text.as_str(), error = e.to_string().as_str(); "could not grab the input device");
            tokio::time::sleep(RESCAN).await;
            continue;
        }
        let mut events = match device.into_event_stream() {
            Ok(events) => events,
            Err(e) => {
                log::error!(source = reader.source.as_str(), error = e.to_string().as_str(); "could not read the input device");
                tokio::time::sleep(RESCAN).await;
                continue;
            }
        };
        log::info!(source = reader.source.as_str(), path = path_text.as_str(); "input device connected and grabbed");
        loop {
            match events.next_event().await {
                Ok(event) if event.event_type() == EventType::KEY => {
                    reader.event_time = Some(event.timestamp());
                    reader
                        .key(event.code(), event.value(), Instant::now(), &gate, &store)
                        .await;
                }
                Ok(_) => {}
                Err(e) => {
                    log::warn!(source = reader.source.as_str(), error = e.to_string().as_str(); "input device gone; waiting for it to return");
                    break;
                }
            }
        }
    }
}
