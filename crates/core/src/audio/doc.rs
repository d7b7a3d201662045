//! The document of a recording's catalog row (`recordings.doc`), as one serde
//! type: the recorder fills it for every state of every part, and `repair`
//! reads it back and updates it, as `Document` is for a scanned file.
//!
//! Invariants: the fields serialize in the order the recorder has always
//! written them, nullable ones as `null`; what `repair` adds (`levels_error`,
//! `repair`) and the recorder's `error` appear only when set; a key this type
//! does not know (a document of another version) is kept, after the known
//! ones. `D` is the recorder's dropout type; readers take the stored JSON.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::WavFormat;
use super::levels::LevelsReport;

/// A recording part's document. Missing fields read as their defaults, so a
/// document of an older recorder can still be repaired.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RecordingDoc<D = Value> {
    pub label: Option<String>,
    pub device: DeviceDoc,
    pub format: Option<WavFormat>,
    pub rate: u32,
    pub channels: u16,
    /// Frames in the part (including silence put in for lost frames).
    pub frames: u64,
    pub seconds: f64,
    /// Frames the header vouches for at the last checkpoint.
    pub checkpoint_frames: u64,
    /// `--duration` in frames, if given.
    pub requested_frames: Option<u64>,
    /// The part's number, from 1.
    pub part: u32,
    pub first_part: String,
    pub levels: Option<LevelsReport>,
    pub dropouts: Vec<D>,
    pub overruns: Overruns,
    pub device_gaps: DeviceGaps,
    pub xruns: u64,
    pub stream_errors: u64,
    pub errors: Vec<String>,
    /// Why the recording ended (`duration`, `stopped`, `crashed`, …); null while it runs.
    pub end_reason: Option<String>,
    pub wall_seconds: f64,
    pub recorder: Recorder,
    /// What ended the recording, when it was a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why `repair` could not measure the levels of the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub levels_error: Option<String>,
    /// What `repair` did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repair: Option<Repair>,
    /// Keys of another version, kept as they were.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The input device and how it was opened.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceDoc {
    pub id: String,
    pub name: String,
    /// The audio host (ALSA).
    pub host: String,
    pub sample_format: String,
    pub native_formats: Option<Vec<String>>,
    pub period_frames: Option<u32>,
}

/// Frames lost to a full ring or skipped by the device.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Overruns {
    pub events: u64,
    pub lost_frames: u64,
    pub ring_frames: u64,
}

/// Frames the device's clock skipped.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceGaps {
    pub events: u64,
    pub lost_frames: u64,
}

/// The recorder that wrote the document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Recorder {
    pub version: String,
    pub pid: u32,
}

/// What `repair` did to the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Repair {
    /// The header was fixed (or found right) and the levels measured again.
    Recovered {
        at: String,
        header_frames: u64,
        frames: u64,
        dropped_bytes: u64,
        levels_from: String,
    },
    /// The file could not be recovered.
    Failed { at: String, result: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_keeps_its_keys_in_order_and_what_it_does_not_know() {
        let text = r#"{"label":null,"device":{"id":"d","name":"n","host":"ALSA","sample_format":"i16","native_formats":null,"period_frames":null},"format":"s16","rate":48000,"channels":2,"frames":10,"seconds":0.5,"checkpoint_frames":10,"requested_frames":null,"part":1,"first_part":"/a.wav","levels":null,"dropouts":[],"overruns":{"events":0,"lost_frames":0,"ring_frames":9},"device_gaps":{"events":0,"lost_frames":0},"xruns":0,"stream_errors":0,"errors":[],"end_reason":null,"wall_seconds":1.5,"recorder":{"version":"0.1.0","pid":7},"error":"gone","future":1}"#;
        let doc: RecordingDoc = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&doc).unwrap(), text);
        let old: RecordingDoc = serde_json::from_str(r#"{"label":"take 1"}"#).unwrap();
        assert_eq!(old.label.as_deref(), Some("take 1"));
    }
}
