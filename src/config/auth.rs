//! `[auth]`: the groups of the bus roles and the present limits.

use super::{ConfigError, Source};
use crate::domain::identifier::IdentifierType;
use crate::domain::lockout::{LockoutRules, PresentLimits};
use serde::Deserialize;
use std::time::Duration;
use toml::Spanned;

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

    pub(super) fn check(&self, src: &Source) -> Result<(), ConfigError> {
        for (key, value, range) in self.present_limits.bounded() {
            if !range.contains(value.get_ref()) {
                return Err(src.at(
                    value.span(),
                    format!("{key} must be {} to {}", range.start(), range.end()),
                ));
            }
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::parse;

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
}
