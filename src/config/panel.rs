//! `[panel]`: the master credentials and face recognition.

use super::{ConfigError, Source};
use crate::domain::number;
use serde::Deserialize;
use toml::Spanned;

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

impl PanelConfig {
    pub(super) fn check_masters(&self, src: &Source) -> Result<(), ConfigError> {
        if let Some(code) = &self.master_code {
            if !number::is_decimal(code.get_ref()) {
                return Err(src.at(
                    code.span(),
                    "panel.master_code must be 1 to 10 digits".into(),
                ));
            }
        }
        if let Some(card) = &self.master_card {
            if number::card_value(card.get_ref()).is_none() {
                return Err(src.at(
                    card.span(),
                    "panel.master_card must be up to 10 decimal digits or 2 to 8 hex bytes like 12:34:56:78".into(),
                ));
            }
        }
        Ok(())
    }

    pub(super) fn check_face_dimensions(&self, src: &Source) -> Result<(), ConfigError> {
        let dims = &self.face_dimensions;
        if !(1..=crate::domain::limits::MAX_FACE_DIMENSIONS as u32).contains(dims.get_ref()) {
            return Err(src.at(
                dims.span(),
                "panel.face_dimensions must be 1 to 4096".into(),
            ));
        }
        Ok(())
    }
}
