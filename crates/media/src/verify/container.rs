//! The container's own guards over its bytes, read straight from the file in
//! one sequential pass: what a demuxer skips past without a word, and where
//! a cut file ends mid-packet.
//!
//! - MPEG-TS and m2ts: every packet starts with its sync byte, continuity
//!   counters follow on, the file holds whole packets, and its last PES
//!   packets end;
//! - MPEG-PS: packs and PES packets chain by their lengths to the end;
//! - Ogg: every page's CRC, page numbers without gaps, and a last page that
//!   ends its stream;
//! - FLV: tags chain by their sizes, each followed by its own size;
//! - Matroska and WebM: every CRC-32 element matches the element it guards,
//!   and each cluster's elements chain to its end;
//! - FLAC: every frame's CRC-16, and as many samples as STREAMINFO says;
//! - MP4 and QuickTime: every sample inside the file, and the NAL units of
//!   H.264 and HEVC samples chained by their lengths.
//!
//! An error's time is its byte offset's share of the duration. After a
//! broken structure a walker resyncs on the next start code it knows, or
//! stops (one error), so a garbled run counts once, not once a byte.

mod ebml;
mod flac;
mod mp4;
mod walk;

use std::path::Path;

use super::watch::Tracker;
use mediadex_core::verify::class;
use walk::Window;

/// Check what `container` (the probe's short name) guards. True when the
/// walk accounted for every packet (packets, pages, tags, frames, elements
/// or samples chained to the end, with their checksums and counters where
/// the container has them): at `quick` it then stands for the packets'
/// parse, which on the bench found nothing in such files that the walk
/// does not.
pub(crate) fn check(
    path: &Path,
    container: Option<&str>,
    duration_s: Option<f64>,
    tracker: &Tracker,
) -> bool {
    let Some(container) = container else {
        return false;
    };
    let Ok(mut w) = Window::open(path) else {
        return false;
    };
    let size = w.size.max(1);
    let mut say = |offset: u64, class: &str, what: String| {
        let at = duration_s.map(|d| d * offset as f64 / size as f64);
        tracker.findings.lock().unwrap().add(class, at, || what);
    };
    match container {
        "ts" => walk::ts(&mut w, 188, &mut say),
        "m2ts" => walk::ts(&mut w, 192, &mut say),
        "mpeg-ps" => walk::ps(&mut w, &mut say),
        "ogg" => walk::ogg(&mut w, &mut say),
        "flv" => walk::flv(&mut w, &mut say),
        "mkv" | "webm" => ebml::crcs(&mut w, &mut say),
        "flac" => flac::frames(&mut w, &mut say),
        "mp4" | "mov" => return mp4::samples(&mut w, &mut say) == mp4::Walked::Whole,
        _ => return false,
    }
    true
}

/// Where a walker reports: the byte offset, the class, the words.
pub(crate) type Say<'a> = dyn FnMut(u64, &str, String) + 'a;

/// `truncated` at `offset`: the file ends inside what starts there.
fn cut(say: &mut Say, offset: u64, what: &str) {
    say(
        offset,
        class::TRUNCATED,
        format!("the file ends inside {what} at byte {offset}: cut short"),
    );
}
