//! Matroska chapters (`Chapters`), read from the head of the file for a
//! file whose table of contents the demuxer did not pass on (it stops at
//! the first element it cannot parse, a cut chapter string).

use mediadex_core::scan::document::Chapter;

use super::*;

/// Chapters, editions and chapter atoms read at most.
const MAX_CHAPTERS: usize = 1000;

impl Reader {
    /// The chapter atoms of every edition in `[body, end)`, as FFmpeg keeps
    /// them: each with a UID and a start later than the one kept before it
    /// (so a second edition that starts over is left out), its start and
    /// end in the segment's nanoseconds, and the last title its displays
    /// give. An element that runs past its parent is left out, as FFmpeg
    /// leaves it (the chapter stays, without it).
    pub(super) fn matroska_chapters(&self, body: u64, end: u64) -> Vec<Chapter> {
        let mut out = Vec::new();
        let mut max_start = 0u64;
        let editions = self.inside(body, end, MAX_CHAPTERS);
        let atoms = editions
            .into_iter()
            .filter(|&(id, _, _)| id == 0x45B9)
            .flat_map(|(_, b, e)| self.inside(b, e, MAX_CHAPTERS))
            .filter(|&(id, _, _)| id == 0xB6);
        for (_, b, e) in atoms.take(MAX_CHAPTERS) {
            let (mut uid, mut start, mut stop, mut title) = (0, None, None, None);
            for (id, cb, ce) in self.inside(b, e, 64) {
                match id {
                    0x73C4 => uid = self.uint(cb, ce).unwrap_or(0),
                    0x91 => start = self.uint(cb, ce),
                    0x92 => stop = self.uint(cb, ce),
                    0x80 => title = self.chapter_string(cb, ce).or(title),
                    _ => {}
                }
            }
            let Some(start) = start.filter(|&s| uid != 0 && (max_start == 0 || s > max_start))
            else {
                continue;
            };
            max_start = start;
            out.push(Chapter {
                start_s: start as f64 / 1e9,
                end_s: stop.map(|s| s as f64 / 1e9),
                title,
            });
        }
        out
    }

    /// The elements in `[start, end)` that end inside it.
    fn inside(&self, start: u64, end: u64, max: usize) -> Vec<(u64, u64, u64)> {
        let mut found = self.elements(start, end, max);
        found.retain(|&(_, _, e)| e <= end);
        found
    }

    /// A `ChapterDisplay`'s `ChapString`.
    fn chapter_string(&self, body: u64, end: u64) -> Option<String> {
        let (_, b, e) = self
            .inside(body, end, 16)
            .into_iter()
            .find(|&(id, _, _)| id == 0x85)?;
        let text = self.vec(b, (e - b).min(4096) as usize)?;
        let text = String::from_utf8_lossy(&text);
        Some(text.trim_end_matches('\0').to_string())
    }
}
