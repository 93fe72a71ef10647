//! The configuration file. Unknown keys and bad values are refused with the
//! file and line, so a typo never silently changes how a door behaves.

use crate::domain::card_format::{Base, ByteOrder, CardFormat};
use crate::domain::enrolment::EnrolmentSettings;
use crate::domain::identifier::{IdentifierType, LockChoice, Rules};
use crate::domain::keypad::KeypadRules;
use crate::domain::lockout::{LockoutRules, PresentLimits};
use crate::domain::number;
use crate::domain::reader::ReaderKind;
use crate::domain::typing::Typed;
use crate::file_error::line_of;
use crate::hardware::input::DeviceMatch;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

pub const DEFAULT_PATH: &str = "/etc/latchd/latchd.toml";
/// The panel API allows open times of 1 to 40 s.
pub const MAX_OPEN_TIME_MS: u64 = 40_000;

#[derive(Debug, Clone, Deserialize)]
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

/// A keypad, card reader or QR scanner (a Linux input device). Keys that
/// belong to another kind of reader are refused.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    pub kind: Spanned<InputKind>,
    /// A stable path such as /dev/input/by-id/usb-...-event-kbd.
    pub path: Option<PathBuf>,
    /// Or the device's name and/or `vendor:product` (hex, as lsusb shows).
    pub name: Option<String>,
    pub vendor_product: Option<Spanned<String>>,
    /// The same credential from this device within this time is read once.
    #[serde(default = "default_debounce")]
    pub debounce_ms: u64,
    // Keypads.
    pub inter_key_timeout_ms: Option<Spanned<u64>>,
    pub max_length: Option<Spanned<usize>>,
    pub max_failures: Option<Spanned<usize>>,
    pub failure_window_s: Option<Spanned<u64>>,
    pub lockout_s: Option<Spanned<u64>>,
    /// Keys that submit (`enter`, `#`) and clear (`escape`, `*`).
    pub submit: Option<Spanned<Vec<KeyName>>>,
    pub clear: Option<Spanned<Vec<KeyName>>>,
    // Card readers.
    /// `decimal`, `hex` or `facility_card` (`FFF,CCCCC`).
    pub format: Option<Spanned<Base>>,
    /// `msb_first` or `lsb_first`.
    pub byte_order: Option<Spanned<ByteOrder>>,
    /// Keep the low bits (1 to 64).
    pub bits: Option<Spanned<u32>>,
    /// `card` or `ukey`.
    pub identifier_type: Option<Spanned<CardType>>,
}

/// A value of the config that names one of a fixed set of choices: read as
/// a string, refused with `$message` (which may use the value `$v`) at the
/// value's line.
macro_rules! choice {
    ($ty:ty, |$v:ident| $message:expr, { $($text:literal => $value:expr),+ $(,)? }) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let $v = String::deserialize(d)?;
                match $v.as_str() {
                    $($text => Ok($value),)+
                    _ => Err(serde::de::Error::custom($message)),
                }
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Keypad,
    CardReader,
    QrScanner,
}

choice!(InputKind, |v| format!("input kind {v:?} must be \"keypad\", \"card_reader\" or \"qr_scanner\""), {
    "keypad" => InputKind::Keypad,
    "card_reader" => InputKind::CardReader,
    "qr_scanner" => InputKind::QrScanner,
});

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Keypad => "keypad",
            InputKind::CardReader => "card_reader",
            InputKind::QrScanner => "qr_scanner",
        }
    }
}

/// A keypad key that submits or clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyName {
    Enter,
    Escape,
    Hash,
    Star,
}

choice!(KeyName, |v| format!("key {v:?} must be \"enter\", \"escape\", \"#\" or \"*\""), {
    "enter" => KeyName::Enter,
    "escape" => KeyName::Escape,
    "#" => KeyName::Hash,
    "*" => KeyName::Star,
});

impl KeyName {
    fn typed(self) -> Typed {
        match self {
            KeyName::Enter => Typed::Enter,
            KeyName::Escape => Typed::Escape,
            KeyName::Hash => Typed::Char('#'),
            KeyName::Star => Typed::Char('*'),
        }
    }
}

choice!(Base, |v| { let _ = v; "format must be one of decimal, hex, facility_card" }, {
    "decimal" => Base::Decimal,
    "hex" => Base::Hex,
    "facility_card" => Base::FacilityCard,
});

choice!(ByteOrder, |v| { let _ = v; "byte_order must be one of msb_first, lsb_first" }, {
    "msb_first" => ByteOrder::MsbFirst,
    "lsb_first" => ByteOrder::LsbFirst,
});

/// What a card reader's cards are stored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardType {
    Card,
    Ukey,
}

choice!(CardType, |v| { let _ = v; "identifier_type must be one of card, ukey" }, {
    "card" => CardType::Card,
    "ukey" => CardType::Ukey,
});

/// The name of a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockName {
    First,
    Second,
}

choice!(LockName, |v| format!("lock name {v:?} must be \"first\" or \"second\""), {
    "first" => LockName::First,
    "second" => LockName::Second,
});

impl LockName {
    pub fn as_str(self) -> &'static str {
        match self {
            LockName::First => "first",
            LockName::Second => "second",
        }
    }
}

/// What enrolled cards open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnrolmentLock(pub LockChoice);

choice!(EnrolmentLock, |v| { let _ = v; "enrolment.lock must be \"first\", \"second\" or \"all\"" }, {
    "first" => EnrolmentLock(LockChoice::First),
    "second" => EnrolmentLock(LockChoice::Second),
    "all" => EnrolmentLock(LockChoice::All),
});

fn default_debounce() -> u64 {
    2000
}

/// Cards added by master card enrolment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentConfig {
    #[serde(default = "default_enrolled_owner")]
    pub owner_name: String,
    #[serde(default = "default_enrolled_lock")]
    pub lock: EnrolmentLock,
    #[serde(default = "default_enrolment_timeout")]
    pub timeout_s: u64,
}

fn default_enrolled_owner() -> String {
    "Enrolled card".into()
}
fn default_enrolled_lock() -> EnrolmentLock {
    EnrolmentLock(LockChoice::First)
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

#[derive(Debug, Clone, Deserialize)]
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// Absolute, or relative to the config file's folder.
    #[serde(default = "default_dir")]
    pub dir: Spanned<PathBuf>,
}

fn default_dir() -> Spanned<PathBuf> {
    Spanned::new(0..0, PathBuf::from("/var/lib/latchd"))
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig { dir: default_dir() }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelConfig {
    pub master_code: Option<Spanned<String>>,
    pub master_card: Option<Spanned<String>>,
    #[serde(default)]
    pub face_recognition: bool,
    #[serde(default = "default_face_dimensions")]
    pub face_dimensions: Spanned<u32>,
    #[serde(default)]
    pub face_threshold: crate::domain::face::FaceThreshold,
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
            face_threshold: Default::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    #[serde(default = "admin_groups")]
    pub admin_groups: Vec<String>,
    #[serde(default = "viewer_groups")]
    pub viewer_groups: Vec<String>,
    #[serde(default = "feeder_groups")]
    pub feeder_groups: Vec<String>,
    /// Wrong guesses allowed per caller and credential type, for
    /// `Access.Present` (see [`PresentLimits`]).
    #[serde(default)]
    pub present_limits: PresentLimitsConfig,
}

/// `[auth.present_limits.TYPE]` for each identifier type; what is not set
/// keeps the type's default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentLimitsConfig {
    pub card: Option<PresentLimitConfig>,
    pub ukey: Option<PresentLimitConfig>,
    #[serde(rename = "inputCode")]
    pub input_code: Option<PresentLimitConfig>,
    pub face_id: Option<PresentLimitConfig>,
    pub qr: Option<PresentLimitConfig>,
    pub license_plate: Option<PresentLimitConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentLimitConfig {
    /// This many different wrong credentials within `window_s`...
    pub max_denials: Option<Spanned<u64>>,
    pub window_s: Option<Spanned<u64>>,
    /// ...lock the caller out of this type for `lockout_s`.
    pub lockout_s: Option<Spanned<u64>>,
    /// And at most this many in any hour.
    pub max_denials_per_hour: Option<Spanned<u64>>,
}

impl PresentLimitsConfig {
    fn of(&self, kind: IdentifierType) -> Option<&PresentLimitConfig> {
        match kind {
            IdentifierType::Card => self.card.as_ref(),
            IdentifierType::Ukey => self.ukey.as_ref(),
            IdentifierType::InputCode => self.input_code.as_ref(),
            IdentifierType::FaceId => self.face_id.as_ref(),
            IdentifierType::Qr => self.qr.as_ref(),
            IdentifierType::LicensePlate => self.license_plate.as_ref(),
        }
    }

    /// Each key with its place and its allowed range, to check them.
    fn bounded(&self) -> Vec<(String, &Spanned<u64>, std::ops::RangeInclusive<u64>)> {
        let mut out = Vec::new();
        for kind in IdentifierType::ALL {
            let Some(limit) = self.of(kind) else { continue };
            for (key, value, range) in [
                ("max_denials", &limit.max_denials, 1..=MAX_DENIALS),
                ("window_s", &limit.window_s, 1..=86_400),
                ("lockout_s", &limit.lockout_s, 1..=7 * 86_400),
                (
                    "max_denials_per_hour",
                    &limit.max_denials_per_hour,
                    1..=MAX_DENIALS,
                ),
            ] {
                if let Some(value) = value {
                    out.push((
                        format!("auth.present_limits.{}.{key}", kind.as_str()),
                        value,
                        range,
                    ));
                }
            }
        }
        out
    }
}

/// The most wrong guesses a present limit may allow in its window.
const MAX_DENIALS: u64 = 10_000;

impl AuthConfig {
    /// The limits in force: the configured ones over the defaults.
    pub fn present_limits(&self) -> PresentLimits {
        let mut limits = PresentLimits::default();
        for kind in IdentifierType::ALL {
            let Some(limit) = self.present_limits.of(kind) else {
                continue;
            };
            let d = PresentLimits::default_for(kind);
            let value = |v: &Option<Spanned<u64>>| v.as_ref().map(|v| *v.get_ref());
            limits.set(
                kind,
                LockoutRules {
                    max_failures: value(&limit.max_denials).map_or(d.max_failures, |n| n as usize),
                    window: value(&limit.window_s).map_or(d.window, Duration::from_secs),
                    lockout: value(&limit.lockout_s).map_or(d.lockout, Duration::from_secs),
                    per_hour: value(&limit.max_denials_per_hour)
                        .map(|n| n as usize)
                        .or(d.per_hour),
                },
            );
        }
        limits
    }
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
            present_limits: PresentLimitsConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockConfig {
    #[serde(default = "yes")]
    pub require_sync: bool,
    /// An IANA name for time profiles; absent: the system's (/etc/localtime).
    pub time_zone: Option<Spanned<String>>,
    /// The zone itself (not a key): read once, when the file is loaded,
    /// from `time_zone` or else from the system.
    #[serde(skip, default = "utc")]
    pub zone: jiff::tz::TimeZone,
}

fn utc() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::UTC
}

/// The system's time zone; UTC (with a warning) when it cannot be read.
fn system_zone() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::try_system().unwrap_or_else(|e| {
        log::warn!(error = e.to_string().as_str(); "cannot read the system's time zone; time profiles are evaluated in UTC (set [clock] time_zone)");
        jiff::tz::TimeZone::UTC
    })
}

fn yes() -> bool {
    true
}

impl Default for ClockConfig {
    fn default() -> Self {
        ClockConfig {
            require_sync: true,
            time_zone: None,
            zone: utc(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockConfig {
    pub name: Spanned<LockName>,
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
        let mut config: Config = toml::from_str(text)
            .map_err(|e| at(e.span().unwrap_or(0..0), e.message().trim().to_string()))?;
        // A file cut to nothing must not start a door controller with no
        // locks, no master code and default everything.
        let table: toml::Table = toml::from_str(text).unwrap_or_default();
        if table.is_empty() {
            return Err(ConfigError::at(
                path,
                None,
                "the file sets nothing; at least [storage] dir is expected (see latchd.toml(5))",
            ));
        }
        let dir = &config.storage.dir;
        if dir.get_ref().as_os_str().is_empty() {
            return Err(at(dir.span(), "storage.dir must name a folder".into()));
        }
        if dir.get_ref().is_relative() {
            // Relative to the config file, not to wherever latchd was started.
            let base = path.parent().unwrap_or(Path::new("."));
            let resolved = std::path::absolute(base.join(dir.get_ref()))
                .map_err(|e| at(dir.span(), format!("storage.dir: {e}")))?;
            config.storage.dir = Spanned::new(dir.span(), resolved);
        }
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
        // Only the zone in use is read: with `time_zone` set, the system's
        // is neither read nor warned about.
        config.clock.zone = match &config.clock.time_zone {
            None => system_zone(),
            Some(name) => jiff::tz::TimeZone::get(name.get_ref()).map_err(|e| {
                at(
                    name.span(),
                    format!("clock.time_zone: {e} (an IANA name such as \"Europe/Kyiv\", from /usr/share/zoneinfo)"),
                )
            })?,
        };
        let dims = &config.panel.face_dimensions;
        if !(1..=crate::domain::limits::MAX_FACE_DIMENSIONS as u32).contains(dims.get_ref()) {
            return Err(at(
                dims.span(),
                "panel.face_dimensions must be 1 to 4096".into(),
            ));
        }
        for (key, value, range) in config.auth.present_limits.bounded() {
            if !range.contains(value.get_ref()) {
                return Err(at(
                    value.span(),
                    format!("{key} must be {} to {}", range.start(), range.end()),
                ));
            }
        }
        let keep = &config.events.keep;
        if !(1..=100_000).contains(keep.get_ref()) {
            return Err(at(keep.span(), "events.keep must be 1 to 100000".into()));
        }
        for input in &config.input {
            let i = input.get_ref();
            if let Some((key, span)) = i.keys_of_other_kinds().into_iter().next() {
                return Err(at(
                    span,
                    format!(
                        "`{key}` does not apply to a {} input",
                        i.kind.get_ref().as_str()
                    ),
                ));
            }
            if let Some(bits) = &i.bits {
                if !(1..=64).contains(bits.get_ref()) {
                    return Err(at(bits.span(), "bits must be 1 to 64".into()));
                }
            }
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
            face_threshold: self.panel.face_threshold,
            time_zone: self.clock.zone.clone(),
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

impl InputConfig {
    /// The keys given that belong to another kind of reader, with their places.
    fn keys_of_other_kinds(&self) -> Vec<(&'static str, std::ops::Range<usize>)> {
        let keypad = [
            (
                "inter_key_timeout_ms",
                self.inter_key_timeout_ms.as_ref().map(Spanned::span),
            ),
            ("max_length", self.max_length.as_ref().map(Spanned::span)),
            (
                "max_failures",
                self.max_failures.as_ref().map(Spanned::span),
            ),
            (
                "failure_window_s",
                self.failure_window_s.as_ref().map(Spanned::span),
            ),
            ("lockout_s", self.lockout_s.as_ref().map(Spanned::span)),
            ("submit", self.submit.as_ref().map(Spanned::span)),
            ("clear", self.clear.as_ref().map(Spanned::span)),
        ];
        let card_reader = [
            ("format", self.format.as_ref().map(Spanned::span)),
            ("byte_order", self.byte_order.as_ref().map(Spanned::span)),
            ("bits", self.bits.as_ref().map(Spanned::span)),
            (
                "identifier_type",
                self.identifier_type.as_ref().map(Spanned::span),
            ),
        ];
        let foreign: Vec<_> = match self.kind.get_ref() {
            InputKind::Keypad => card_reader.into_iter().collect(),
            InputKind::CardReader => keypad.into_iter().collect(),
            InputKind::QrScanner => keypad.into_iter().chain(card_reader).collect(),
        };
        foreign
            .into_iter()
            .filter_map(|(key, span)| Some((key, span?)))
            .collect()
    }

    /// The reader this input is (the config has been checked).
    pub fn reader_kind(&self) -> ReaderKind {
        fn keys(list: &Option<Spanned<Vec<KeyName>>>, default: [Typed; 2]) -> Vec<Typed> {
            match list {
                None => default.to_vec(),
                Some(list) => list.get_ref().iter().map(|k| k.typed()).collect(),
            }
        }
        fn value<T: Copy>(field: &Option<Spanned<T>>) -> Option<T> {
            field.as_ref().map(|v| *v.get_ref())
        }
        match self.kind.get_ref() {
            InputKind::Keypad => {
                let d = KeypadRules::default();
                ReaderKind::Keypad {
                    rules: KeypadRules {
                        inter_key_timeout: value(&self.inter_key_timeout_ms)
                            .map_or(d.inter_key_timeout, Duration::from_millis),
                        max_length: value(&self.max_length).unwrap_or(d.max_length).clamp(1, 64),
                        max_failures: value(&self.max_failures).unwrap_or(d.max_failures).max(1),
                        failure_window: value(&self.failure_window_s)
                            .map_or(d.failure_window, Duration::from_secs),
                        lockout: value(&self.lockout_s).map_or(d.lockout, Duration::from_secs),
                    },
                    submit: keys(&self.submit, [Typed::Enter, Typed::Char('#')]),
                    clear: keys(&self.clear, [Typed::Escape, Typed::Char('*')]),
                }
            }
            InputKind::CardReader => ReaderKind::CardReader(CardFormat {
                base: value(&self.format).unwrap_or(Base::Decimal),
                byte_order: value(&self.byte_order).unwrap_or(ByteOrder::MsbFirst),
                bits: value(&self.bits).unwrap_or(64),
                yields: match value(&self.identifier_type) {
                    Some(CardType::Ukey) => IdentifierType::Ukey,
                    Some(CardType::Card) | None => IdentifierType::Card,
                },
            }),
            InputKind::QrScanner => ReaderKind::QrScanner,
        }
    }

    /// Which device to read.
    pub fn device(&self) -> DeviceMatch {
        DeviceMatch {
            path: self.path.clone(),
            name: self.name.clone(),
            vendor_product: self
                .vendor_product
                .as_ref()
                .and_then(|vp| parse_vendor_product(vp.get_ref())),
        }
    }
}

impl EnrolmentConfig {
    pub fn settings(&self) -> EnrolmentSettings {
        EnrolmentSettings {
            owner_name: self.owner_name.clone(),
            lock: self.lock.0,
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
    fn present_limits_per_type_over_the_defaults() {
        let c = parse(
            "[storage]\ndir = \"/d\"\n\n[auth.present_limits.card]\nmax_denials = 3\n\n\
             [auth.present_limits.license_plate]\nwindow_s = 10\nlockout_s = 20\n",
        )
        .unwrap();
        let limits = c.auth.present_limits();
        let card = limits.get(IdentifierType::Card);
        assert_eq!(card.max_failures, 3);
        assert_eq!(card.lockout, Duration::from_secs(300), "the type's default");
        let plate = limits.get(IdentifierType::LicensePlate);
        assert_eq!(
            (plate.max_failures, plate.window, plate.lockout),
            (60, Duration::from_secs(10), Duration::from_secs(20))
        );
        assert_eq!(limits.get(IdentifierType::InputCode).max_failures, 5);
        assert_eq!(
            parse("[storage]\ndir = \"/d\"\n[auth.present_limits.qr]\nmax_denials = 0\n")
                .unwrap_err(),
            "latchd.toml:4: auth.present_limits.qr.max_denials must be 1 to 10000"
        );
        assert!(
            parse("[storage]\ndir = \"/d\"\n[auth.present_limits.pin]\nmax_denials = 3\n")
                .unwrap_err()
                .starts_with("latchd.toml:3: unknown field `pin`")
        );
    }

    /// The zone named is the one time profiles are evaluated in; without a
    /// name, the system's (what jiff reads from /etc/localtime), or UTC.
    #[test]
    fn time_zone_is_the_one_named_else_the_systems() {
        let named =
            parse("[storage]\ndir = \"/d\"\n[clock]\ntime_zone = \"Europe/Kyiv\"\n").unwrap();
        assert_eq!(named.rules().time_zone.iana_name(), Some("Europe/Kyiv"));
        let system = parse("[storage]\ndir = \"/d\"\n").unwrap();
        let expected = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
        assert_eq!(system.rules().time_zone, expected);
        let strict =
            parse("[storage]\ndir = \"/d\"\n[panel]\nface_threshold = \"high\"\n").unwrap();
        assert_eq!(
            strict.rules().face_threshold,
            crate::domain::face::FaceThreshold::High
        );
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
    fn keypad_keys_and_defaults() {
        let c = parse(
            "[[input]]\nkind = \"keypad\"\nname = \"k\"\nsubmit = [\"enter\"]\nclear = [\"*\", \"escape\"]\nmax_failures = 3\n",
        )
        .unwrap();
        let ReaderKind::Keypad {
            rules,
            submit,
            clear,
        } = c.input[0].get_ref().reader_kind()
        else {
            panic!("not a keypad");
        };
        assert_eq!(submit, vec![Typed::Enter]);
        assert_eq!(clear, vec![Typed::Char('*'), Typed::Escape]);
        assert_eq!(rules.max_failures, 3);
        assert_eq!(c.enrolment.settings().lock, LockChoice::First);
        let qr =
            parse("[[input]]\nkind = \"qr_scanner\"\nvendor_product = \"ffff:0035\"\n").unwrap();
        assert_eq!(qr.input[0].get_ref().reader_kind(), ReaderKind::QrScanner);
        assert_eq!(
            qr.input[0].get_ref().device().vendor_product,
            Some((0xffff, 0x35))
        );
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
            ReaderKind::CardReader(CardFormat {
                base: Base::Hex,
                byte_order: ByteOrder::LsbFirst,
                bits: 32,
                yields: IdentifierType::Ukey
            })
        ));
        assert_eq!(
            parse("[[input]]\nkind = \"keypad\"\nname = \"k\"\nbits = 32\n").unwrap_err(),
            "latchd.toml:4: `bits` does not apply to a keypad input"
        );
        assert_eq!(
            parse("[[input]]\nkind = \"card_reader\"\nname = \"r\"\n\nsubmit = [\"#\"]\n")
                .unwrap_err(),
            "latchd.toml:5: `submit` does not apply to a card_reader input"
        );
        assert_eq!(
            parse("[[input]]\nkind = \"qr_scanner\"\nname = \"q\"\nlockout_s = 5\n").unwrap_err(),
            "latchd.toml:4: `lockout_s` does not apply to a qr_scanner input"
        );
        assert_eq!(
            parse("[enrolment]\nlock = \"front\"\n").unwrap_err(),
            "latchd.toml:2: enrolment.lock must be \"first\", \"second\" or \"all\""
        );
        assert_eq!(
            parse("[[input]]\nkind = \"card_reader\"\nname = \"r\"\nidentifier_type = \"qr\"\n")
                .unwrap_err(),
            "latchd.toml:4: identifier_type must be one of card, ukey"
        );
        assert_eq!(
            parse("[[input]]\nkind = \"card_reader\"\nname = \"r\"\nbyte_order = \"lsb\"\n")
                .unwrap_err(),
            "latchd.toml:4: byte_order must be one of msb_first, lsb_first"
        );
        assert!(parse("[panel]\nmaster_card = \"12:34:5\"\n")
            .unwrap_err()
            .starts_with("latchd.toml:2: "));
    }
}
