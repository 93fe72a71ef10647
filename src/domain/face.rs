//! Placeholder of the face matching module (replaced by the real one).
use serde::Deserialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaceThreshold {
    Low,
    #[default]
    Normal,
    High,
}
