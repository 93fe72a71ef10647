//! `[clock]`: whether the clock must be synchronised, and the time zone of
//! time profiles.

use super::{yes, ConfigError, Source};
use serde::Deserialize;
use toml::Spanned;

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

impl Default for ClockConfig {
    fn default() -> Self {
        ClockConfig {
            require_sync: true,
            time_zone: None,
            zone: utc(),
        }
    }
}

impl ClockConfig {
    /// Reads the zone in use into `zone`.
    pub(super) fn resolve_zone(&mut self, src: &Source) -> Result<(), ConfigError> {
        // Only the zone in use is read: with `time_zone` set, the system's
        // is neither read nor warned about.
        self.zone = match &self.time_zone {
            None => system_zone(),
            Some(name) => jiff::tz::TimeZone::get(name.get_ref()).map_err(|e| {
                src.at(
                    name.span(),
                    format!("clock.time_zone: {e} (an IANA name such as \"Europe/Kyiv\", from /usr/share/zoneinfo)"),
                )
            })?,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::tests::parse;

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
}
