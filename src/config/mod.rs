//! The configuration file. Unknown keys and bad values are refused with the
//! file and line, so a typo never silently changes how a door behaves.
//!
//! `Config::parse` reads the file, then has each section check its own
//! keys. Files, one a section family:
//! - `storage.rs`: `[storage]` and `[events]`.
//! - `panel.rs`: `[panel]`.
//! - `auth.rs`: `[auth]`.
//! - `clock.rs`: `[clock]`.
//! - `locks.rs`: `[[lock]]`.
//! - `inputs.rs`: `[[input]]` and `[enrolment]`.

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

mod auth;
mod clock;
mod inputs;
mod locks;
mod panel;
mod storage;

pub use auth::{AuthConfig, PresentLimitConfig, PresentLimitsConfig};
pub use clock::ClockConfig;
pub use inputs::{
    parse_vendor_product, CardType, EnrolmentConfig, EnrolmentLock, InputConfig, InputKind, KeyName,
};
pub use locks::{LockConfig, LockName, MAX_OPEN_TIME_MS};
pub use panel::PanelConfig;
pub use storage::{EventsConfig, StorageConfig};

use crate::domain::identifier::Rules;
use crate::domain::number;
use crate::file_error::line_of;
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

pub const DEFAULT_PATH: &str = "/etc/latchd/latchd.toml";

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

/// The default of the keys that are on unless turned off.
fn yes() -> bool {
    true
}

/// A config error with its place.
pub type ConfigError = crate::file_error::FileError;

/// The file being parsed: an error is placed at a span of its text.
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    fn at(&self, span: std::ops::Range<usize>, message: String) -> ConfigError {
        ConfigError::at(
            self.path,
            (span.end > 0).then(|| line_of(self.text, span.start)),
            message,
        )
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::at(path, None, e))?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let src = Source { path, text };
        let mut config: Config = toml::from_str(text)
            .map_err(|e| src.at(e.span().unwrap_or(0..0), e.message().trim().to_string()))?;
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
        // Each section checks its own keys, in the order the checks have
        // always run, so a file with several mistakes reports the same one.
        config.storage.resolve(&src)?;
        config.panel.check_masters(&src)?;
        config.clock.resolve_zone(&src)?;
        config.panel.check_face_dimensions(&src)?;
        config.auth.check(&src)?;
        config.events.check(&src)?;
        for input in &config.input {
            inputs::check(input, &src)?;
        }
        locks::check(&config.lock, &src)?;
        Ok(config)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::card_format::{Base, ByteOrder, CardFormat};
    use crate::domain::identifier::IdentifierType;
    use crate::domain::reader::ReaderKind;

    pub(super) fn parse(text: &str) -> Result<Config, String> {
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
