//! The session document: what a part's catalog row says about the device,
//! the format chosen, the counters and the errors, built the same way for every
//! state of every part.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Instant;

use serde_json::{Value, json};

use super::capture::CaptureState;
use super::device::{Chosen, InputDevice};
use super::writer::PartProgress;
use super::*;
use mediadex_core::util;

/// Facts that hold for the whole session, shared by every part's document.
pub(super) struct Session {
    pub(super) device: InputDevice,
    pub(super) native: Option<Vec<cpal::SampleFormat>>,
    pub(super) host: String,
    pub(super) chosen: Chosen,
    pub(super) label: Option<String>,
    pub(super) requested_frames: Option<u64>,
    pub(super) period_frames: Option<u32>,
    pub(super) ring_frames: u64,
    pub(super) first_path: PathBuf,
    pub(super) started_at: String,
    pub(super) t0: Instant,
}

pub(super) struct Counters {
    pub(super) lost_frames: u64,
    pub(super) overruns: u64,
    pub(super) device_lost_frames: u64,
    pub(super) device_gaps: u64,
    pub(super) xruns: u64,
    pub(super) stream_errors: u64,
}

impl Counters {
    pub(super) fn read(s: &CaptureState) -> Counters {
        Counters {
            lost_frames: s.lost_frames.load(Ordering::Acquire),
            overruns: s.overruns.load(Ordering::Relaxed),
            device_lost_frames: s.device_lost_frames.load(Ordering::Relaxed),
            device_gaps: s.device_gaps.load(Ordering::Relaxed),
            xruns: s.xruns.load(Ordering::Relaxed),
            stream_errors: s.stream_errors.load(Ordering::Relaxed),
        }
    }
}

impl Session {
    pub(super) fn part(
        &self,
        p: &PartProgress,
        status: RecordingStatus,
        end: Option<&EndReason>,
        c: &Counters,
        errors: &[String],
    ) -> PartState {
        let ended_at = (status != RecordingStatus::Recording).then(util::now_utc);
        let mut doc = json!({
            "label": self.label,
            "device": {
                "id": self.device.id,
                "name": self.device.name,
                "host": self.host,
                "sample_format": self.chosen.sample_format.to_string(),
                "native_formats": self.native.as_ref().map(|n| n.iter().map(|f| f.to_string()).collect::<Vec<_>>()),
                "period_frames": self.period_frames,
            },
            "format": self.chosen.format,
            "rate": self.chosen.rate,
            "channels": self.chosen.channels,
            "frames": p.frames,
            "seconds": p.frames as f64 / self.chosen.rate as f64,
            "checkpoint_frames": p.checkpoint_frames,
            "requested_frames": self.requested_frames,
            "part": p.index,
            "first_part": util::display_path(&self.first_path),
            "levels": p.levels,
            "dropouts": p.dropouts,
            "overruns": {
                "events": c.overruns,
                "lost_frames": c.lost_frames - c.device_lost_frames,
                "ring_frames": self.ring_frames,
            },
            "device_gaps": {
                "events": c.device_gaps,
                "lost_frames": c.device_lost_frames,
            },
            "xruns": c.xruns,
            "stream_errors": c.stream_errors,
            "errors": errors,
            "end_reason": end.map(|e| e.as_str()),
            "wall_seconds": (self.t0.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            "recorder": { "version": env!("CARGO_PKG_VERSION"), "pid": std::process::id() },
        });
        if let Some(EndReason::DeviceLost(m) | EndReason::WriteFailed(m)) = end {
            doc["error"] = Value::String(m.clone());
        }
        PartState {
            index: p.index,
            path: p.path.clone(),
            status,
            device: self.device.id.clone(),
            started_at: self.started_at.clone(),
            ended_at,
            rate: self.chosen.rate,
            channels: self.chosen.channels,
            format: self.chosen.format,
            frames: p.frames,
            label: self.label.clone(),
            doc,
        }
    }
}
