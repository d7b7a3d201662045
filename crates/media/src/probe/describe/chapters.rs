//! A file's chapters: GStreamer's table of contents, Matroska chapters the
//! demuxer did not pass on, MP4 Nero chapters and a QuickTime chapter
//! track's end (from the headers), and the chapters a
//! Vorbis comment lists (`CHAPTER001=00:01:30.000`, `CHAPTER001NAME=…`),
//! which FFmpeg reads from Ogg and FLAC files.

use gstreamer as gst;
use mediadex_core::scan::document::{Chapter, Document};
use serde_json::Value;

use super::Headers;

/// The chapters: GStreamer's table of contents, else the Matroska
/// chapters of the headers, else MP4 Nero chapters, else those a Vorbis
/// comment lists (Ogg, FLAC), each that states no end ending as FFmpeg
/// ends it; the last ends where a QuickTime chapter track does, as
/// ffprobe ends it.
pub(super) fn set_chapters(doc: &mut Document, toc: Option<&gst::Toc>, headers: &Headers) {
    if let Some(toc) = toc {
        doc.chapters = chapters(toc);
    }
    // The file ends at its start plus its length, where FFmpeg ends the
    // last chapter that states no end.
    let file_end = doc.duration_s.map(|d| d + headers.start_s());
    if doc.chapters.is_empty() {
        // Matroska chapters the demuxer did not pass on (it stopped at a
        // damaged element).
        doc.chapters = headers.matroska_chapters.clone();
        close_ends(&mut doc.chapters, file_end);
    }
    if doc.chapters.is_empty() {
        // MP4: Nero chapters state starts only.
        doc.chapters = headers
            .chapters
            .iter()
            .map(|(start, title)| Chapter {
                start_s: *start,
                end_s: None,
                title: title.clone(),
            })
            .collect();
        close_ends(&mut doc.chapters, file_end);
    }
    if doc.chapters.is_empty() {
        doc.chapters = comment_chapters(doc);
        close_ends(&mut doc.chapters, doc.duration_s);
    }
    if let (Some(end), Some(last)) = (headers.chapter_track_end_s, doc.chapters.last_mut())
        && end > last.start_s
    {
        last.end_s = Some(end);
    }
}

/// Each chapter that states no end ends where the next one after it
/// starts, or where the file ends (`file_end`, when known and past zero);
/// a chapter with neither, or that starts past the file's end, ends where
/// it starts: FFmpeg's rule.
fn close_ends(chapters: &mut [Chapter], file_end: Option<f64>) {
    let starts: Vec<f64> = chapters.iter().map(|c| c.start_s).collect();
    let limit = file_end.filter(|&e| e > 0.0).unwrap_or(f64::INFINITY);
    for c in chapters.iter_mut().filter(|c| c.end_s.is_none()) {
        let next = starts
            .iter()
            .copied()
            .filter(|&s| s > c.start_s && s < limit);
        let until = next.fold(limit, f64::min);
        c.end_s = Some(if until.is_infinite() || until < c.start_s {
            c.start_s
        } else {
            until
        });
    }
}

/// The chapters a Vorbis comment lists among the file's or a stream's
/// extended comments (GStreamer passes on the fields it does not know as
/// `key=value`), in the order first named, as FFmpeg makes them: a
/// `CHAPTERnnn` field of `HH:MM:SS.mmm` starts one, `CHAPTERnnnNAME` titles
/// it (their ends are [`close_ends`]'s).
fn comment_chapters(doc: &Document) -> Vec<Chapter> {
    let fields = std::iter::once(&doc.tags)
        .chain(doc.streams.iter().map(|s| &s.tags))
        .filter_map(|t| t.get("extended_comment")?.as_array())
        .flatten()
        .filter_map(Value::as_str);
    let mut found: Vec<(u32, Chapter)> = Vec::new();
    for field in fields {
        let Some((key, value)) = field.split_once('=') else {
            continue;
        };
        let key = key.to_ascii_uppercase();
        let Some(rest) = key.strip_prefix("CHAPTER") else {
            continue;
        };
        let (Some(number), name) = (
            rest.get(..3).and_then(|n| n.parse::<u32>().ok()),
            rest.get(3..),
        ) else {
            continue;
        };
        let at = found.iter().position(|(n, _)| *n == number);
        match (name, at) {
            (Some(""), None) => {
                if let Some(start) = clock_time(value) {
                    found.push((
                        number,
                        Chapter {
                            start_s: start,
                            end_s: None,
                            title: None,
                        },
                    ));
                }
            }
            (Some("NAME"), Some(i)) => found[i].1.title = Some(value.to_string()),
            _ => {}
        }
    }
    found.into_iter().map(|(_, c)| c).collect()
}

/// `HH:MM:SS.mmm` in seconds.
fn clock_time(t: &str) -> Option<f64> {
    let (h, rest) = t.split_once(':')?;
    let (m, rest) = rest.split_once(':')?;
    let (s, ms) = rest.split_once('.')?;
    let n = |v: &str| v.trim().parse::<u32>().ok().map(f64::from);
    Some(n(h)? * 3600.0 + n(m)? * 60.0 + n(s)? + n(ms)? / 1000.0)
}

/// Chapters from the table of contents: its top entries, or the chapters of an edition.
fn chapters(toc: &gst::Toc) -> Vec<Chapter> {
    let mut entries: Vec<gst::TocEntry> = toc.entries().into_iter().collect();
    // Matroska editions: the first one's chapters, as ffprobe lists them.
    if entries
        .first()
        .is_some_and(|e| e.entry_type() == gst::TocEntryType::Edition)
    {
        entries = entries[0].sub_entries().into_iter().collect();
    }
    entries
        .iter()
        .filter_map(|e| {
            let (start, stop) = e.start_stop_times()?;
            let title = e
                .tags()
                .and_then(|t| t.get::<gst::tags::Title>().map(|v| v.get().to_string()));
            Some(Chapter {
                start_s: start as f64 / 1e9,
                end_s: (stop > start).then(|| stop as f64 / 1e9),
                title,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Chapter, clock_time, close_ends};

    fn starting(starts: &[f64]) -> Vec<Chapter> {
        let at = |&s| Chapter {
            start_s: s,
            ..Chapter::default()
        };
        starts.iter().map(at).collect()
    }

    fn ends(chapters: &[Chapter]) -> Vec<Option<f64>> {
        chapters.iter().map(|c| c.end_s).collect()
    }

    #[test]
    fn a_chapter_without_an_end_ends_as_ffmpeg_ends_it() {
        // Each ends at the next later start, the last with the file, one
        // past the file's end where it starts, in any order.
        let mut c = starting(&[10.0, 0.0, 30.0, 50.0]);
        close_ends(&mut c, Some(40.0));
        assert_eq!(ends(&c), [Some(30.0), Some(10.0), Some(40.0), Some(50.0)]);
        // A stated end stays; without a known file end the last ends where
        // it starts.
        let mut c = starting(&[0.0, 5.0]);
        c[0].end_s = Some(2.0);
        close_ends(&mut c, None);
        assert_eq!(ends(&c), [Some(2.0), Some(5.0)]);
    }

    #[test]
    fn comment_chapter_times_are_read_whatever_their_size() {
        assert_eq!(clock_time("00:01:30.500"), Some(90.5));
        // A field of nonsense is a time, not an overflow.
        assert_eq!(
            clock_time("4294967295:00:00.000"),
            Some(4294967295.0 * 3600.0)
        );
        assert_eq!(clock_time("1:2"), None);
    }
}
