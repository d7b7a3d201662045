//! Audio files the recorder writes: the WAV sample formats, the part files and
//! their repair (hound), the level meters, and the document of a recording's
//! catalog row ([`doc`]). Capture itself (cpal, ALSA) is in
//! the media crate.

pub mod doc;
pub mod levels;
pub mod wav;

use serde::{Deserialize, Serialize};

/// The sample formats a recording can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WavFormat {
    /// 16-bit signed integer PCM
    S16,
    /// 24-bit signed integer PCM
    S24,
    /// 32-bit IEEE float
    F32,
}

impl WavFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            WavFormat::S16 => "s16",
            WavFormat::S24 => "s24",
            WavFormat::F32 => "f32",
        }
    }

    /// Bytes one sample takes in the file.
    pub fn bytes(self) -> u64 {
        match self {
            WavFormat::S16 => 2,
            WavFormat::S24 => 3,
            WavFormat::F32 => 4,
        }
    }
}

impl std::fmt::Display for WavFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
