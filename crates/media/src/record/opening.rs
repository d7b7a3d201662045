//! Opening the device: choose the format, size the ring, build the stream
//! whose callback feeds it.

use std::time::Duration;

use super::capture::CaptureState;
use super::device::{self, Chosen, InputDevice};
use super::*;

pub(super) struct Opened {
    pub(super) chosen: Chosen,
    pub(super) native: Option<Vec<cpal::SampleFormat>>,
    pub(super) stream: cpal::Stream,
    pub(super) shared: std::sync::Arc<CaptureState>,
    pub(super) drain: capture::Drain,
    pub(super) error_rx: rtrb::Consumer<cpal::Error>,
    pub(super) ring_frames: u64,
    pub(super) limit: Option<u64>,
}

pub(super) fn ring_frames_for(buffer: Duration, rate: u32) -> u64 {
    frames_for(buffer.max(Duration::from_millis(100)), rate)
}

/// Build the stream. When every choice was made on the command line the device
/// is not queried first; if it then refuses the format, it is asked what it can do.
pub(super) fn open(dev: &InputDevice, opts: &Options) -> Result<Opened, RecordError> {
    let attempt = |chosen: Chosen| -> Result<Opened, cpal::Error> {
        let limit = opts.duration.map(|d| frames_for(d, chosen.rate));
        let ring_frames = ring_frames_for(opts.buffer, chosen.rate);
        let shared = CaptureState::new(chosen.channels);
        let rings = capture::rings(chosen.channels, ring_frames as usize, limit, shared.clone());
        let config = cpal::StreamConfig {
            channels: chosen.channels,
            sample_rate: chosen.rate,
            buffer_size: opts
                .period
                .map_or(cpal::BufferSize::Default, cpal::BufferSize::Fixed),
        };
        let stream = capture::build_stream(
            &dev.device,
            config,
            chosen.sample_format,
            rings.capture,
            rings.error_tx,
            shared.clone(),
        )?;
        Ok(Opened {
            chosen,
            native: None,
            stream,
            shared,
            drain: rings.drain,
            error_rx: rings.error_rx,
            ring_frames,
            limit,
        })
    };
    let open_err = |cause| RecordError::Open {
        name: dev.id.clone(),
        cause,
    };
    let native = native::native_formats(&dev.id);
    let with_native = |o: Opened| Opened {
        native: native.clone(),
        ..o
    };
    if let Some(c) = device::chosen_without_query(&opts.wanted, native.as_deref()) {
        match attempt(c) {
            Ok(o) => return Ok(with_native(o)),
            Err(e)
                if matches!(
                    e.kind(),
                    cpal::ErrorKind::UnsupportedConfig | cpal::ErrorKind::InvalidInput
                ) => {}
            Err(e) => return Err(open_err(e)),
        }
    }
    let ranges = device::ranges(dev)?;
    let chosen = device::choose(&dev.id, &opts.wanted, &ranges, native.as_deref())?;
    attempt(chosen).map(with_native).map_err(open_err)
}
