//! The smallest program that does latchd's job for one key: it reads one
//! event device and sets one GPIO line when Enter is pressed, printing the
//! time from the kernel's timestamp of the key event to the line being set.
//! The baseline latchd's own figure is compared with (tests/kernel/latency.sh).
//!
//!   cargo run --example min_relay -- /dev/input/eventN GPIO17

use gpiocdev::line::Value;
use std::time::SystemTime;

const KEY_ENTER: u16 = 28;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(device), Some(line)) = (args.next(), args.next()) else {
        return Err("usage: min_relay /dev/input/eventN LINE_NAME".into());
    };
    let mut device = evdev::Device::open(device)?;
    device.grab()?;
    let found = gpiocdev::find_named_line(&line).ok_or("no such line")?;
    let request = gpiocdev::Request::builder()
        .with_found_line(&found)
        .as_output(Value::Inactive)
        .request()?;
    let offset = found.info.offset;
    loop {
        for event in device.fetch_events()? {
            if event.event_type() == evdev::EventType::KEY
                && event.code() == KEY_ENTER
                && event.value() == 1
            {
                request.set_value(offset, Value::Active)?;
                let took = SystemTime::now().duration_since(event.timestamp())?;
                println!("latency_us={}", took.as_micros());
                request.set_value(offset, Value::Inactive)?;
            }
        }
    }
}
