//! The session document: what a part's catalog row says about the device,
//! the format chosen, the counters and the errors, built the same way for every
//! state of every part, as a `mediadex_core::audio::doc::RecordingDoc`.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::capture::CaptureState;
use super::device::{Chosen, InputDevice};
use super::writer::PartProgress;
use super::*;
use mediadex_core::audio::doc::{DeviceDoc, DeviceGaps, Overruns, Recorder, RecordingDoc};
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
        let error = match end {
            Some(EndReason::DeviceLost(m) | EndReason::WriteFailed(m)) => Some(m.clone()),
            _ => None,
        };
        let doc = RecordingDoc {
            label: self.label.clone(),
            device: DeviceDoc {
                id: self.device.id.clone(),
                name: self.device.name.clone(),
                host: self.host.clone(),
                sample_format: self.chosen.sample_format.to_string(),
                native_formats: self
                    .native
                    .as_ref()
                    .map(|n| n.iter().map(|f| f.to_string()).collect()),
                period_frames: self.period_frames,
            },
            format: Some(self.chosen.format),
            rate: self.chosen.rate,
            channels: self.chosen.channels,
            frames: p.frames,
            seconds: p.frames as f64 / self.chosen.rate as f64,
            checkpoint_frames: p.checkpoint_frames,
            requested_frames: self.requested_frames,
            part: p.index,
            first_part: util::display_path(&self.first_path),
            levels: Some(p.levels.clone()),
            dropouts: p.dropouts.clone(),
            overruns: Overruns {
                events: c.overruns,
                lost_frames: c.lost_frames - c.device_lost_frames,
                ring_frames: self.ring_frames,
            },
            device_gaps: DeviceGaps {
                events: c.device_gaps,
                lost_frames: c.device_lost_frames,
            },
            xruns: c.xruns,
            stream_errors: c.stream_errors,
            errors: errors.to_vec(),
            end_reason: end.map(|e| e.as_str().to_string()),
            wall_seconds: (self.t0.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            recorder: Recorder {
                version: env!("CARGO_PKG_VERSION").into(),
                pid: std::process::id(),
            },
            error,
            levels_error: None,
            repair: None,
            other: Default::default(),
        };
        let doc = serde_json::to_value(&doc).expect("a recording document serializes");
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
