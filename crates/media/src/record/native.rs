//! What an ALSA device delivers without conversions, and alsa-lib's own
//! messages turned into ours.
//!
//! Why capture in the native format: when the WAV format differs from the
//! device's, cpal would ask the `plug` layer for the WAV's sample format and
//! alsa-lib would convert. Its conversion path reads the slave through
//! `mmap_begin`/`mmap_commit` asking for everything up to the end of the slave
//! buffer and committing only what the caller's read wanted; a slave whose
//! `mmap_begin` consumes its source (the `file` plugin's `infile`) then loses
//! the difference on every read that wraps — whole chunks of audio, with no
//! xrun and no error (measured: two 240-frame periods lose 240 of
//! every 720). So we open the device with `SND_PCM_NO_AUTO_FORMAT`, which makes
//! `plug` admit only the formats its slave takes, capture in one of those, and
//! convert ourselves (exactly, in the callback).
//!
//! Invariants: the probe opens the device non-blocking, reads only hardware
//! parameters and closes it; nothing here runs in the audio callback.

use std::ffi::CString;

use cpal::SampleFormat;

/// `SND_PCM_NO_AUTO_FORMAT` from `<alsa/pcm.h>` (alsa-sys does not export it).
const SND_PCM_NO_AUTO_FORMAT: i32 = 0x0004_0000;

/// cpal's sample formats with the ALSA format each is captured as.
const FORMATS: &[(SampleFormat, alsa_sys::snd_pcm_format_t)] = &[
    (SampleFormat::I8, alsa_sys::SND_PCM_FORMAT_S8),
    (SampleFormat::U8, alsa_sys::SND_PCM_FORMAT_U8),
    (SampleFormat::I16, alsa_sys::SND_PCM_FORMAT_S16_LE),
    (SampleFormat::U16, alsa_sys::SND_PCM_FORMAT_U16_LE),
    (SampleFormat::I24, alsa_sys::SND_PCM_FORMAT_S24_LE),
    (SampleFormat::U24, alsa_sys::SND_PCM_FORMAT_U24_LE),
    (SampleFormat::I32, alsa_sys::SND_PCM_FORMAT_S32_LE),
    (SampleFormat::U32, alsa_sys::SND_PCM_FORMAT_U32_LE),
    (SampleFormat::F32, alsa_sys::SND_PCM_FORMAT_FLOAT_LE),
    (SampleFormat::F64, alsa_sys::SND_PCM_FORMAT_FLOAT64_LE),
];

/// The sample formats capture device `pcm_id` takes without converting, or
/// `None` when that cannot be told (the device does not open, or is not ALSA).
pub fn native_formats(pcm_id: &str) -> Option<Vec<SampleFormat>> {
    if cfg!(target_endian = "big") {
        return None;
    }
    let name = CString::new(pcm_id).ok()?;
    let mut pcm: *mut alsa_sys::snd_pcm_t = std::ptr::null_mut();
    // SAFETY: plain alsa-lib calls on a handle and a parameter block we own,
    // each checked for failure and released before returning.
    unsafe {
        let mode = alsa_sys::SND_PCM_NONBLOCK | SND_PCM_NO_AUTO_FORMAT;
        if alsa_sys::snd_pcm_open(
            &mut pcm,
            name.as_ptr(),
            alsa_sys::SND_PCM_STREAM_CAPTURE,
            mode,
        ) < 0
        {
            return None;
        }
        let mut hw: *mut alsa_sys::snd_pcm_hw_params_t = std::ptr::null_mut();
        let mut out = None;
        if alsa_sys::snd_pcm_hw_params_malloc(&mut hw) == 0 {
            if alsa_sys::snd_pcm_hw_params_any(pcm, hw) >= 0 {
                out = Some(
                    FORMATS
                        .iter()
                        .filter(|(_, f)| alsa_sys::snd_pcm_hw_params_test_format(pcm, hw, *f) == 0)
                        .map(|(sf, _)| *sf)
                        .collect(),
                );
            }
            alsa_sys::snd_pcm_hw_params_free(hw);
        }
        alsa_sys::snd_pcm_close(pcm);
        out
    }
}

/// Collects what alsa-lib would print on stderr from this thread (it writes
/// such lines itself: "Unknown PCM", "cannot find card '0'", …), so that they
/// can be reported as ours, or dropped when they say nothing the caller does
/// not already say better.
pub struct AlsaMessages {
    buf: Option<std::rc::Rc<std::cell::RefCell<alsa::Output>>>,
}

impl AlsaMessages {
    /// Start collecting on the calling thread.
    pub fn capture() -> AlsaMessages {
        AlsaMessages {
            buf: alsa::Output::local_error_handler().ok(),
        }
    }

    /// The lines collected so far, each `function: message`.
    pub fn lines(&self) -> Vec<String> {
        match &self.buf {
            Some(b) => b
                .borrow()
                .to_string()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
            None => Vec::new(),
        }
    }
}
