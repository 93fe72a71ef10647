//! The configuration file. Unknown keys and bad values are refused with the
//! file and line, so a typo never silently changes how a door behaves.

use crate::domain::card_format::{Base, ByteOrder, CardFormat};
use crate::domain::identifier::{IdentifierType, LockChoice, Rules};
use crate::domain::keypad::KeypadRules;
use crate::domain::number;
use crate::domain::typing::Typed;
use crate::file_error::line_of;
use crate::readers::{EnrolmentSettings, ReaderKind};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

pub const DEFAULT_PATH: &str = "/etc/latchd/latchd.toml";
/// The panel API allows open times of 1 to 40 s.
pub const MAX_OPEN_TIME_MS: u64 = 40_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub storage: StorageConfig,
    #[serde(default)]
    pub panel: PanelConfig,
    #[serde(default)]
    pub auth: AuthConfig,
    #[serde(default)]
    pub clock: ClockConfig,
    #[serde(default)]
    pub lock: Vec<Spanned<LockConfig>>,
    #[serde(default)]
    pub events: EventsConfig,
    #[serde(default)]
    pub input: Vec<Spanned<InputConfig>>,
    #[serde(default)]
    pub enrolment: EnrolmentConfig,
}

/// A keypad, card reader or QR scanner (a Linux input device).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    /// `keypad`, `card_reader` or `qr_scanner`.
    pub kind: Spanned<String>,
    /// A stable path such as /dev/input/by-id/usb-...-event-kbd.
    pub path: Option<PathBuf>,
    /// Or the device's name and/or `vendor:product` (hex, as lsusb shows).
    pub name: Option<String>,
    pub vendor_product: Option<Spanned<String>>,
    /// The same credential from this device within this time is read once.
    #[serde(default = "default_debounce")]
    pub debounce_ms: u64,
    // Keypads.
    pub inter_key_timeout_ms: Option<u64>,
    pub max_length: Option<usize>,
    pub max_failures: Option<usize>,
    pub failure_window_s: Option<u64>,
    pub lockout_s: Option<u64>,
    /// Keys that submit (`enter`, `#`) and clear (`escape`, `*`).
    pub submit: Option<Spanned<Vec<String>>>,
    pub clear: Option<Spanned<Vec<String>>>,
    // Card readers.
    /// `decimal`, `hex` or `facility_card` (`FFF,CCCCC`).
    pub format: Option<Spanned<String>>,
    /// `msb_first` or `lsb_first`.
    pub byte_order: Option<Spanned<String>>,
    /// Keep the low bits (1 to 64).
    pub bits: Option<Spanned<u32>>,
    /// `card` or `ukey`.
    pub identifier_type: Option<Spanned<String>>,
}

fn default_debounce() -> u64 {
    2000
}

/// Cards added by master card enrolment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentConfig {
    #[serde(default = "default_enrolled_owner")]
    pub owner_name: String,
    #[serde(default = "default_enrolled_lock")]
    pub lock: Spanned<String>,
    #[serde(default = "default_enrolment_timeout")]
    pub timeout_s: u64,
}

fn default_enrolled_owner() -> String {
    "Enrolled card".into()
}
fn default_enrolled_lock() -> Spanned<String> {
    Spanned::new(0..0, "first".into())
}
fn default_enrolment_timeout() -> u64 {
    30
}

impl Default for EnrolmentConfig {
    fn default() -> Self {
        EnrolmentConfig {
            owner_name: default_enrolled_owner(),
            lock: default_enrolled_lock(),
            timeout_s: default_enrolment_timeout(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsConfig {
    /// Access events kept in `events.toml` (the newest; 1 to 100000).
    #[serde(default = "default_keep")]
    pub keep: Spanned<usize>,
}

fn default_keep() -> Spanned<usize> {
    Spanned::new(0..0, 1000)
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            keep: default_keep(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    #[serde(default = "default_dir")]
    pub dir: PathBuf,
}

fn default_dir() -> PathBuf {
    PathBuf::from("/var/lib/latchd")
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig { dir: default_dir() }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelConfig {
    pub master_code: Option<Spanned<String>>,
    pub master_card: Option<Spanned<String>>,
    #[serde(default)]
    pub face_recognition: bool,
    #[serde(default = "default_face_dimensions")]
    pub face_dimensions: Spanned<u32>,
}

fn default_face_dimensions() -> Spanned<u32> {
    Spanned::new(0..0, 128)
}

impl Default for PanelConfig {
    fn default() -> Self {
        PanelConfig {
            master_code: None,
            master_card: None,
            face_recognition: false,
            face_dimensions: default_face_dimensions(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    #[serde(default = "admin_groups")]
    pub admin_groups: Vec<String>,
    #[serde(default = "viewer_groups")]
    pub viewer_groups: Vec<String>,
    #[serde(default = "feeder_groups")]
    pub feeder_groups: Vec<String>,
}

fn admin_groups() -> Vec<String> {
    vec!["latchd-admin".into()]
}
fn viewer_groups() -> Vec<String> {
    vec!["latchd-view".into()]
}
fn feeder_groups() -> Vec<String> {
    vec!["latchd-feed".into()]
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            admin_groups: admin_groups(),
            viewer_groups: viewer_groups(),
            feeder_groups: feeder_groups(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockConfig {
    #[serde(default = "yes")]
    pub require_sync: bool,
}

fn yes() -> bool {
    true
}

impl Default for ClockConfig {
    fn default() -> Self {
        ClockConfig { require_sync: true }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockConfig {
    pub name: Spanned<String>,
    /// GPIO line name; with neither `line` nor `chip` the lock is virtual.
    pub line: Option<String>,
    /// Or the chip (`/dev/gpiochip0` or `gpiochip0`) and the line's offset on it.
    pub chip: Option<Spanned<String>>,
    pub offset: Option<u32>,
    /// The relay closes when the line is driven low.
    #[serde(default)]
    pub active_low: bool,
    /// A request-to-exit button's GPIO line name: a press opens this lock.
    pub exit_button: Option<String>,
    /// A door contact's GPIO line name: active while the door is open.
    pub door_contact: Option<String>,
    /// Both inputs are wired to ground with a pull-up (default true).
    #[serde(default = "yes")]
    pub inputs_active_low: bool,
    /// A door open longer than this raises an event (default 30 s).
    #[serde(default = "default_held_open")]
    pub held_open_s: u64,
    #[serde(default = "default_open_time")]
    pub open_time_ms: Spanned<u64>,
}

fn default_held_open() -> u64 {
    30
}

fn default_open_time() -> Spanned<u64> {
    Spanned::new(0..0, 3000)
}

/// A config error with its place.
pub type ConfigError = crate::file_error::FileError;

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::at(path, None, e))?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let at = |span: std::ops::Range<usize>, message: String| {
            ConfigError::at(
                path,
                (span.end > 0).then(|| line_of(text, span.start)),
                message,
            )
        };
        let config: Config = toml::from_str(text)
            .map_err(|e| at(e.span().unwrap_or(0..0), e.message().trim().to_string()))?;
        if let Some(code) = &config.panel.master_code {
            if !number::is_decimal(code.get_ref()) {
                return Err(at(
                    code.span(),
                    "panel.master_code must be 1 to 10 digits".into(),
                ));
            }
        }
        if let Some(card) = &config.panel.master_card {
            if number::card_value(card.get_ref()).is_none() {
                return Err(at(
                    card.span(),
                    "panel.master_card must be up to 10 decimal digits or 2 to 8 hex bytes like 12:34:56:78".into(),
                ));
            }
        }
        let dims = &config.panel.face_dimensions;
        if !(1..=4096).contains(dims.get_ref()) {
            return Err(at(
                dims.span(),
                "panel.face_dimensions must be 1 to 4096".into(),
            ));
        }
        let keep = &config.events.keep;
        if !(1..=100_000).contains(keep.get_ref()) {
            return Err(at(keep.span(), "events.keep must be 1 to 100000".into()));
        }
        if LockChoice::parse(config.enrolment.lock.get_ref()).is_none() {
            return Err(at(
                config.enrolment.lock.span(),
                "enrolment.lock must be \"first\", \"second\" or \"all\"".into(),
            ));
        }
        for input in &config.input {
            input.get_ref().reader_kind().map_err(|(span, message)| {
                at(if span.end > 0 { span } else { input.span() }, message)
            })?;
            let i = input.get_ref();
            if i.path.is_none() && i.name.is_none() && i.vendor_product.is_none() {
                return Err(at(
                    input.span(),
                    "an input needs `path`, or `name` and/or `vendor_product`".into(),
                ));
            }
            if let Some(vp) = &i.vendor_product {
                if parse_vendor_product(vp.get_ref()).is_none() {
                    return Err(at(
                        vp.span(),
                        "vendor_product must be like \"ffff:0035\"".into(),
                    ));
                }
            }
        }
        let mut seen = Vec::new();
        for lock in &config.lock {
            let lock_ref = lock.get_ref();
            let name = lock_ref.name.get_ref().as_str();
            if name != "first" && name != "second" {
                return Err(at(
                    lock_ref.name.span(),
                    format!("lock name {name:?} must be \"first\" or \"second\""),
                ));
            }
            if seen.contains(&name) {
                return Err(at(
                    lock_ref.name.span(),
                    format!("lock {name:?} is configured twice"),
                ));
            }
            seen.push(name);
            if let Some(chip) = &lock_ref.chip {
                if lock_ref.line.is_some() || lock_ref.offset.is_none() {
                    return Err(at(
                        chip.span(),
                        "a lock takes either `line`, or `chip` with `offset`".into(),
                    ));
                }
            } else if lock_ref.offset.is_some() {
                return Err(at(lock.span(), "`offset` needs `chip`".into()));
            }
            let ms = *lock_ref.open_time_ms.get_ref();
            if !(1..=MAX_OPEN_TIME_MS).contains(&ms) {
                return Err(at(
                    lock_ref.open_time_ms.span(),
                    format!("open_time_ms must be 1 to {MAX_OPEN_TIME_MS}"),
                ));
            }
        }
        Ok(config)
    }

    /// The hardware line of a lock, or None for a virtual lock.
    pub fn line_of(lock: &LockConfig) -> Option<crate::hardware::gpio::LineAddress> {
        use crate::hardware::gpio::LineAddress;
        if let Some(name) = &lock.line {
            return Some(LineAddress::Named(name.clone()));
        }
        let chip = lock.chip.as_ref()?.get_ref();
        let chip = if chip.starts_with('/') {
            PathBuf::from(chip)
        } else {
            Path::new("/dev").join(chip)
        };
        Some(LineAddress::ChipOffset {
            chip,
            offset: lock.offset?,
        })
    }

    /// What validation of identifiers needs from the config.
    pub fn rules(&self) -> Rules {
        Rules {
            master_code: self.panel.master_code.as_ref().map(|c| c.get_ref().clone()),
            master_card: self
                .panel
                .master_card
                .as_ref()
                .and_then(|c| number::card_value(c.get_ref())),
            face_recognition: self.panel.face_recognition,
            face_dimensions: *self.panel.face_dimensions.get_ref(),
        }
    }
}

/// `"ffff:0035"` as (vendor, product).
pub fn parse_vendor_product(text: &str) -> Option<(u16, u16)> {
    let (v, p) = text.split_once(':')?;
    if v.len() != 4 || p.len() != 4 {
        return None;
    }
    Some((
        u16::from_str_radix(v, 16).ok()?,
        u16::from_str_radix(p, 16).ok()?,
    ))
}

type Placed = (std::ops::Range<usize>, String);

impl InputConfig {
    /// The reader this input is, or what is wrong with it and where.
    pub fn reader_kind(&self) -> Result<ReaderKind, Placed> {
        let keys = |list: &Option<Spanned<Vec<String>>>,
                    default: [Typed; 2]|
         -> Result<Vec<Typed>, Placed> {
            let Some(list) = list else {
                return Ok(default.to_vec());
            };
            list.get_ref()
                .iter()
                .map(|k| match k.as_str() {
                    "enter" => Ok(Typed::Enter),
                    "escape" => Ok(Typed::Escape),
                    "#" => Ok(Typed::Char('#')),
                    "*" => Ok(Typed::Char('*')),
                    other => Err((
                        list.span(),
                        format!("key {other:?} must be \"enter\", \"escape\", \"#\" or \"*\""),
                    )),
                })
                .collect()
        };
        let pick = |field: &Option<Spanned<String>>,
                    name: &str,
                    allowed: &[&str],
                    default: &str|
         -> Result<String, Placed> {
            match field {
                None => Ok(default.to_string()),
                Some(v) if allowed.contains(&v.get_ref().as_str()) => Ok(v.get_ref().clone()),
                Some(v) => Err((
                    v.span(),
                    format!("{name} must be one of {}", allowed.join(", ")),
                )),
            }
        };
        match self.kind.get_ref().as_str() {
            "keypad" => {
                let d = KeypadRules::default();
                Ok(ReaderKind::Keypad {
                    rules: KeypadRules {
                        inter_key_timeout: self
                            .inter_key_timeout_ms
                            .map_or(d.inter_key_timeout, Duration::from_millis),
                        max_length: self.max_length.unwrap_or(d.max_length).clamp(1, 64),
                        max_failures: self.max_failures.unwrap_or(d.max_failures).max(1),
                        failure_window: self
                            .failure_window_s
                            .map_or(d.failure_window, Duration::from_secs),
                        lockout: self.lockout_s.map_or(d.lockout, Duration::from_secs),
                    },
                    submit: keys(&self.submit, [Typed::Enter, Typed::Char('#')])?,
                    clear: keys(&self.clear, [Typed::Escape, Typed::Char('*')])?,
                })
            }
            "card_reader" => {
                let base = match pick(
                    &self.format,
                    "format",
                    &["decimal", "hex", "facility_card"],
                    "decimal",
                )?
                .as_str()
                {
                    "hex" => Base::Hex,
                    "facility_card" => Base::FacilityCard,
                    _ => Base::Decimal,
                };
                let byte_order = match pick(
                    &self.byte_order,
                    "byte_order",
                    &["msb_first", "lsb_first"],
                    "msb_first",
                )?
                .as_str()
                {
                    "lsb_first" => ByteOrder::LsbFirst,
                    _ => ByteOrder::MsbFirst,
                };
                let bits = match &self.bits {
                    None => 64,
                    Some(b) if (1..=64).contains(b.get_ref()) => *b.get_ref(),
                    Some(b) => return Err((b.span(), "bits must be 1 to 64".into())),
                };
                let yields = match pick(
                    &self.identifier_type,
                    "identifier_type",
                    &["card", "ukey"],
                    "card",
                )?
                .as_str()
                {
                    "ukey" => IdentifierType::Ukey,
                    _ => IdentifierType::Card,
                };
                Ok(ReaderKind::CardReader(CardFormat {
                    base,
                    byte_order,
                    bits,
                    yields,
                }))
            }
            "qr_scanner" => Ok(ReaderKind::QrScanner),
            other => Err((
                self.kind.span(),
                format!(
                    "input kind {other:?} must be \"keypad\", \"card_reader\" or \"qr_scanner\""
                ),
            )),
        }
    }
}

impl EnrolmentConfig {
    pub fn settings(&self) -> EnrolmentSettings {
        EnrolmentSettings {
            owner_name: self.owner_name.clone(),
            lock: LockChoice::parse(self.lock.get_ref()).unwrap_or(LockChoice::First),
            timeout: Duration::from_secs(self.timeout_s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("latchd.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_example_keys() {
        let c = parse(
            "[storage]\ndir = \"/tmp/x\"\n[panel]\nmaster_code = \"1234\"\nmaster_card = \"12:34:56:78\"\n\
             [[lock]]\nname = \"first\"\nopen_time_ms = 3000\n",
        )
        .unwrap();
        assert_eq!(c.rules().master_card, Some(305419896));
        assert_eq!(c.rules().face_dimensions, 128);
        assert!(c.clock.require_sync);
        assert_eq!(c.auth.admin_groups, vec!["latchd-admin"]);
    }

    #[test]
    fn errors_name_file_and_line() {
        assert_eq!(
            parse("[panel]\n\nmaster_code = \"12a4\"\n").unwrap_err(),
            "latchd.toml:3: panel.master_code must be 1 to 10 digits"
        );
        let unknown = parse("[storage]\ndir = \"/x\"\n[panel]\nmaster_kode = \"1\"\n").unwrap_err();
        assert!(
            unknown.starts_with("latchd.toml:4: unknown field `master_kode`"),
            "{unknown}"
        );
        let wrong = parse("[panel]\nface_recognition = \"yes\"\n").unwrap_err();
        assert!(wrong.starts_with("latchd.toml:2: "), "{wrong}");
        assert_eq!(
            parse("[[lock]]\nname = \"first\"\nopen_time_ms = 40001\n").unwrap_err(),
            "latchd.toml:3: open_time_ms must be 1 to 40000"
        );
        assert_eq!(
            parse("[[lock]]\nname = \"third\"\n").unwrap_err(),
            "latchd.toml:2: lock name \"third\" must be \"first\" or \"second\""
        );
        assert_eq!(
            parse("[[input]]\nkind = \"keyboard\"\npath = \"/dev/null\"\n").unwrap_err(),
            "latchd.toml:2: input kind \"keyboard\" must be \"keypad\", \"card_reader\" or \"qr_scanner\""
        );
        assert_eq!(
            parse("[[input]]\nkind = \"card_reader\"\nname = \"r\"\nformat = \"octal\"\n")
                .unwrap_err(),
            "latchd.toml:4: format must be one of decimal, hex, facility_card"
        );
        assert_eq!(
            parse("[[input]]\nkind = \"card_reader\"\nname = \"r\"\nbits = 65\n").unwrap_err(),
            "latchd.toml:4: bits must be 1 to 64"
        );
        assert_eq!(
            parse("[[input]]\nkind = \"keypad\"\nvendor_product = \"ffff-0035\"\n").unwrap_err(),
            "latchd.toml:3: vendor_product must be like \"ffff:0035\""
        );
        assert_eq!(
            parse("[[input]]\nkind = \"keypad\"\nname = \"k\"\nsubmit = [\"space\"]\n")
                .unwrap_err(),
            "latchd.toml:4: key \"space\" must be \"enter\", \"escape\", \"#\" or \"*\""
        );
        assert!(parse("[[input]]\nkind = \"qr_scanner\"\n")
            .unwrap_err()
            .starts_with("latchd.toml:1: an input needs"));
        let ok = parse("[[input]]\nkind = \"card_reader\"\nvendor_product = \"ffff:0035\"\nformat = \"hex\"\nbyte_order = \"lsb_first\"\nbits = 32\nidentifier_type = \"ukey\"\n").unwrap();
        assert!(matches!(
            ok.input[0].get_ref().reader_kind(),
            Ok(ReaderKind::CardReader(CardFormat {
                base: Base::Hex,
                byte_order: ByteOrder::LsbFirst,
                bits: 32,
                yields: IdentifierType::Ukey
            }))
        ));
        assert!(parse("[panel]\nmaster_card = \"12:34:5\"\n")
            .unwrap_err()
            .starts_with("latchd.toml:2: "));
    }
}
