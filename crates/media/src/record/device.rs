//! Input devices through cpal: finding one by name, describing what each can
//! do, and settling the stream configuration (rate, channels, the device's
//! sample format, the WAV format written).
//!
//! Invariants: looking a device up by name never opens it (listing its
//! capabilities does, which is why `record` only queries capabilities when the
//! user left a choice to make); the device sample format may differ from the
//! WAV format, since samples are converted on the writer side, but an exact
//! match is always preferred so nothing is requantised.

use cpal::traits::{DeviceTrait, HostTrait};
use cpal::{SampleFormat, SupportedStreamConfigRange};
use serde::{Deserialize, Serialize};

use mediadex_core::audio::WavFormat;

/// Each message carries its cause in its own text (and no `source`), so that a
/// chain printed with `{:#}` says it once.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("no input device named {name:?}; available: {}", .available.join(", "))]
    NotFound {
        name: String,
        available: Vec<String>,
    },
    #[error(
        "no default input device; pick one with --device (see `mediadex record --list-devices`)"
    )]
    NoDefault,
    #[error("could not list audio devices: {0}")]
    Enumerate(cpal::Error),
    #[error("could not query device {name}: {cause}")]
    Query { name: String, cause: cpal::Error },
    #[error("device {name} cannot record {wanted}; it supports {supported}")]
    Unsupported {
        name: String,
        wanted: String,
        supported: String,
    },
}

/// An input device and how to call it.
#[derive(Clone)]
pub struct InputDevice {
    pub device: cpal::Device,
    /// The backend's identifier (the ALSA PCM name), what `--device` matches first.
    pub id: String,
    /// The human-readable name.
    pub name: String,
    pub is_default: bool,
}

impl std::fmt::Debug for InputDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputDevice")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("is_default", &self.is_default)
            .finish()
    }
}

fn describe(device: cpal::Device, default_id: Option<&str>) -> InputDevice {
    let id = device
        .id()
        .map(|i| i.id().to_string())
        .unwrap_or_else(|_| "?".into());
    let name = device
        .description()
        .map(|d| d.name().to_string())
        .unwrap_or_else(|_| id.clone());
    InputDevice {
        is_default: Some(id.as_str()) == default_id,
        device,
        id,
        name,
    }
}

/// Every input device, the default first. Nothing is opened.
pub fn inputs(host: &cpal::Host) -> Result<Vec<InputDevice>, DeviceError> {
    let default = host.default_input_device();
    let default_id = default
        .as_ref()
        .and_then(|d| d.id().ok())
        .map(|i| i.id().to_string());
    let mut out: Vec<InputDevice> = Vec::new();
    if let Some(d) = default {
        out.push(describe(d, default_id.as_deref()));
    }
    for d in host.devices().map_err(DeviceError::Enumerate)? {
        if !d.supports_input() {
            continue;
        }
        let d = describe(d, default_id.as_deref());
        if out.iter().any(|o| o.id == d.id) {
            continue;
        }
        out.push(d);
    }
    Ok(out)
}

/// The device called `name` (its id, else its human name, case-insensitively),
/// or the default input device when `name` is `None`.
pub fn find(host: &cpal::Host, name: Option<&str>) -> Result<InputDevice, DeviceError> {
    let all = inputs(host)?;
    match name {
        None => all
            .into_iter()
            .find(|d| d.is_default)
            .ok_or(DeviceError::NoDefault),
        Some(name) => {
            if let Some(i) = all.iter().position(|d| d.id == name) {
                return Ok(all.into_iter().nth(i).expect("index in range"));
            }
            if let Some(i) = all.iter().position(|d| d.name.eq_ignore_ascii_case(name)) {
                return Ok(all.into_iter().nth(i).expect("index in range"));
            }
            Err(DeviceError::NotFound {
                name: name.to_string(),
                available: all.into_iter().map(|d| d.id).collect(),
            })
        }
    }
}

/// The supported input configurations of a device (this opens it briefly).
pub fn ranges(dev: &InputDevice) -> Result<Vec<SupportedStreamConfigRange>, DeviceError> {
    dev.device
        .supported_input_configs()
        .map(|it| it.collect())
        .map_err(|cause| DeviceError::Query {
            name: dev.id.clone(),
            cause,
        })
}

/// What a device can do, for `record --list-devices`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Capabilities {
    pub id: String,
    pub name: String,
    pub default: bool,
    /// Sample-rate ranges, `[min, max]` (equal for a discrete rate).
    pub rates: Vec<[u32; 2]>,
    pub channels: Vec<u16>,
    /// Device sample formats, in cpal's names (`i16`, `f32`, …).
    pub formats: Vec<String>,
    /// The formats among those it delivers without converting (what is captured).
    pub native_formats: Option<Vec<String>>,
    /// Why the capabilities could not be read (busy, permission, …).
    pub error: Option<String>,
    /// The device did not answer in time (see [`super::probe`]).
    #[serde(default)]
    pub timed_out: bool,
    /// What alsa-lib said while the device was opened.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alsa_messages: Vec<String>,
}

impl Capabilities {
    /// A device's entry before (or without) reading what it can do.
    pub fn unread(dev: &InputDevice, error: Option<String>) -> Capabilities {
        Capabilities {
            id: dev.id.clone(),
            name: dev.name.clone(),
            default: dev.is_default,
            rates: Vec::new(),
            channels: Vec::new(),
            formats: Vec::new(),
            native_formats: None,
            error,
            timed_out: false,
            alsa_messages: Vec::new(),
        }
    }
}

/// Open the device and read what it can do, collecting alsa-lib's messages
/// instead of letting it print them.
pub fn capabilities(dev: &InputDevice) -> Capabilities {
    let alsa = super::native::AlsaMessages::capture();
    let mut caps = Capabilities::unread(dev, None);
    match ranges(dev) {
        Ok(rs) => {
            for r in &rs {
                let rate = [r.min_sample_rate(), r.max_sample_rate()];
                if !caps.rates.contains(&rate) {
                    caps.rates.push(rate);
                }
                if !caps.channels.contains(&r.channels()) {
                    caps.channels.push(r.channels());
                }
                let f = r.sample_format().to_string();
                if !caps.formats.contains(&f) {
                    caps.formats.push(f);
                }
            }
            caps.rates.sort_unstable();
            caps.channels.sort_unstable();
        }
        Err(DeviceError::Query { cause, .. }) => caps.error = Some(cause.to_string()),
        Err(e) => caps.error = Some(e.to_string()),
    }
    if caps.error.is_none() {
        caps.native_formats = super::native::native_formats(&dev.id)
            .map(|n| n.iter().map(|f| f.to_string()).collect());
    }
    caps.alsa_messages = alsa.lines();
    // A failure says why in alsa-lib's words when cpal's are vaguer.
    if let (Some(e), Some(first)) = (&mut caps.error, caps.alsa_messages.first()) {
        e.push_str(&format!(" ({first})"));
    }
    caps
}

/// `1-8` for a contiguous run, `1, 2, 6` otherwise.
pub fn compact_list(values: &[u16]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let start = values[i];
        let mut end = start;
        while i + 1 < values.len() && values[i + 1] == end + 1 {
            i += 1;
            end = values[i];
        }
        parts.push(if end > start + 1 {
            format!("{start}-{end}")
        } else if end == start + 1 {
            format!("{start}, {end}")
        } else {
            start.to_string()
        });
        i += 1;
    }
    parts.join(", ")
}

/// Rates as text: `44100, 48000 Hz` or `8000-192000 Hz`.
pub fn rates_text(rates: &[[u32; 2]]) -> String {
    let parts: Vec<String> = rates
        .iter()
        .map(|[lo, hi]| {
            if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}-{hi}")
            }
        })
        .collect();
    format!("{} Hz", parts.join(", "))
}

/// Device formats to capture in for a WAV format, best first: the exact
/// match, then anything at least as precise, then the rest.
pub fn capture_preference(format: WavFormat) -> &'static [SampleFormat] {
    use SampleFormat::*;
    match format {
        WavFormat::S16 => &[I16, I24, I32, F32, F64, U16, U24, U32, I8, U8],
        WavFormat::S24 => &[I24, I32, F32, F64, I16, U24, U32, U16, I8, U8],
        WavFormat::F32 => &[F32, F64, I32, I24, I16, U32, U24, U16, I8, U8],
    }
}

/// The WAV format used when none was asked for: 16 bits for a device that
/// delivers 16 bits or fewer, 24 bits for anything finer (float included: 24
/// bits hold more than any microphone's dynamic range at three quarters of the
/// size of `f32`).
pub fn wav_format_for(sf: SampleFormat) -> WavFormat {
    use SampleFormat::*;
    match sf {
        I8 | U8 | I16 | U16 => WavFormat::S16,
        _ => WavFormat::S24,
    }
}

/// What the user asked for; `None` lets the device choose.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wanted {
    pub rate: Option<u32>,
    pub channels: Option<u16>,
    pub format: Option<WavFormat>,
}

/// A settled configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chosen {
    pub rate: u32,
    pub channels: u16,
    pub format: WavFormat,
    pub sample_format: SampleFormat,
}

/// The configuration to use when every choice was made on the command line,
/// without asking cpal what the device supports. `None` when something is
/// left to choose. `native` (see [`super::native`]) narrows the capture format
/// to one the device delivers without conversion.
pub fn chosen_without_query(w: &Wanted, native: Option<&[SampleFormat]>) -> Option<Chosen> {
    let (rate, channels, format) = (w.rate?, w.channels?, w.format?);
    let pref = capture_preference(format);
    let sample_format = pref
        .iter()
        .copied()
        .find(|sf| native.is_some_and(|n| n.contains(sf)))
        .unwrap_or(pref[0]);
    Some(Chosen {
        rate,
        channels,
        format,
        sample_format,
    })
}

/// Settle rate, channels and formats against what the device supports,
/// capturing in a format of `native` (what it delivers unconverted) if any fits.
pub fn choose(
    dev_name: &str,
    w: &Wanted,
    ranges: &[SupportedStreamConfigRange],
    native: Option<&[SampleFormat]>,
) -> Result<Chosen, DeviceError> {
    let unsupported = |wanted: String| DeviceError::Unsupported {
        name: dev_name.to_string(),
        wanted,
        supported: summary(ranges),
    };
    let fits = |r: &SupportedStreamConfigRange| {
        w.channels.is_none_or(|c| r.channels() == c)
            && w.rate.is_none_or(|rate| r.contains_rate(rate))
    };
    let best = ranges
        .iter()
        .filter(|r| fits(r))
        .max_by(|a, b| a.cmp_default_heuristics(b))
        .ok_or_else(|| unsupported(wanted_text(w)))?;
    let rate = w.rate.unwrap_or_else(|| {
        [cpal::SAMPLE_RATE_48K, cpal::SAMPLE_RATE_CD]
            .into_iter()
            .find(|&r| best.contains_rate(r))
            .unwrap_or(best.max_sample_rate())
    });
    let channels = w.channels.unwrap_or(best.channels());
    let is_native = |sf: SampleFormat| native.is_none_or(|n| n.is_empty() || n.contains(&sf));
    let default_format = ranges
        .iter()
        .filter(|r| fits(r) && is_native(r.sample_format()))
        .max_by(|a, b| a.cmp_default_heuristics(b))
        .unwrap_or(best)
        .sample_format();
    let format = w.format.unwrap_or(wav_format_for(default_format));
    let supported = |sf: SampleFormat| {
        ranges
            .iter()
            .any(|r| r.sample_format() == sf && r.channels() == channels && r.contains_rate(rate))
    };
    let pref = capture_preference(format);
    let sample_format = pref
        .iter()
        .copied()
        .find(|&sf| is_native(sf) && supported(sf))
        .or_else(|| pref.iter().copied().find(|&sf| supported(sf)))
        .ok_or_else(|| unsupported(format!("{rate} Hz, {channels} channels as {format}")))?;
    Ok(Chosen {
        rate,
        channels,
        format,
        sample_format,
    })
}

fn wanted_text(w: &Wanted) -> String {
    let mut parts = Vec::new();
    if let Some(r) = w.rate {
        parts.push(format!("{r} Hz"));
    }
    if let Some(c) = w.channels {
        parts.push(format!("{c} channels"));
    }
    if parts.is_empty() {
        "anything".into()
    } else {
        parts.join(", ")
    }
}

/// One line on what a device supports, for error messages.
pub fn summary(ranges: &[SupportedStreamConfigRange]) -> String {
    if ranges.is_empty() {
        return "no input configuration at all".into();
    }
    let mut rates: Vec<[u32; 2]> = Vec::new();
    let mut channels: Vec<u16> = Vec::new();
    let mut formats: Vec<String> = Vec::new();
    for r in ranges {
        let rate = [r.min_sample_rate(), r.max_sample_rate()];
        if !rates.contains(&rate) {
            rates.push(rate);
        }
        if !channels.contains(&r.channels()) {
            channels.push(r.channels());
        }
        let f = r.sample_format().to_string();
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    rates.sort_unstable();
    channels.sort_unstable();
    format!(
        "{}, {} channels, formats {}",
        rates_text(&rates),
        compact_list(&channels),
        formats.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use cpal::SupportedBufferSize;

    fn range(ch: u16, lo: u32, hi: u32, sf: SampleFormat) -> SupportedStreamConfigRange {
        SupportedStreamConfigRange::new(ch, lo, hi, SupportedBufferSize::Unknown, sf)
    }

    #[test]
    fn picks_exact_format_and_standard_rate() {
        let rs = [
            range(1, 8000, 96000, SampleFormat::I16),
            range(2, 8000, 96000, SampleFormat::I16),
            range(2, 8000, 96000, SampleFormat::F32),
        ];
        let c = choose("x", &Wanted::default(), &rs, None).unwrap();
        assert_eq!(
            (c.rate, c.channels, c.format, c.sample_format),
            (48000, 2, WavFormat::S24, SampleFormat::F32)
        );
        let w = Wanted {
            channels: Some(1),
            format: Some(WavFormat::S16),
            ..Wanted::default()
        };
        let c = choose("x", &w, &rs, None).unwrap();
        assert_eq!((c.channels, c.sample_format), (1, SampleFormat::I16));
        // s24 from a 16-bit-only mono device: capture i16, write s24.
        let w = Wanted {
            channels: Some(1),
            format: Some(WavFormat::S24),
            ..Wanted::default()
        };
        assert_eq!(
            choose("x", &w, &rs, None).unwrap().sample_format,
            SampleFormat::I16
        );
    }

    #[test]
    fn captures_in_the_native_format_and_converts() {
        // A `plug` device offers everything; its slave takes only S16.
        let rs = [
            range(1, 8000, 96000, SampleFormat::I16),
            range(1, 8000, 96000, SampleFormat::I32),
            range(1, 8000, 96000, SampleFormat::F32),
        ];
        let native = [SampleFormat::I16];
        for format in [WavFormat::S16, WavFormat::S24, WavFormat::F32] {
            let w = Wanted {
                format: Some(format),
                ..Wanted::default()
            };
            let c = choose("x", &w, &rs, Some(&native)).unwrap();
            assert_eq!((c.format, c.sample_format), (format, SampleFormat::I16));
            let w = Wanted {
                rate: Some(48000),
                channels: Some(1),
                format: Some(format),
            };
            let c = chosen_without_query(&w, Some(&native)).unwrap();
            assert_eq!(c.sample_format, SampleFormat::I16);
        }
        // Left to choose, the file format follows the native one.
        let c = choose("x", &Wanted::default(), &rs, Some(&native)).unwrap();
        assert_eq!(c.format, WavFormat::S16);
        let c = choose("x", &Wanted::default(), &rs, Some(&[SampleFormat::I32])).unwrap();
        assert_eq!(
            (c.format, c.sample_format),
            (WavFormat::S24, SampleFormat::I32)
        );
    }

    #[test]
    fn explains_what_is_supported() {
        let rs = [range(2, 44100, 44100, SampleFormat::I16)];
        let w = Wanted {
            rate: Some(48000),
            ..Wanted::default()
        };
        let e = choose("hw:1", &w, &rs, None).unwrap_err().to_string();
        assert_eq!(
            e,
            "device hw:1 cannot record 48000 Hz; it supports 44100 Hz, 2 channels, formats i16"
        );
    }

    #[test]
    fn lists_compactly() {
        assert_eq!(compact_list(&[1, 2, 3, 4]), "1-4");
        assert_eq!(compact_list(&[1, 2, 6]), "1, 2, 6");
        assert_eq!(
            rates_text(&[[44100, 44100], [48000, 48000]]),
            "44100, 48000 Hz"
        );
    }
}
