//! MP4/QuickTime: the box tree, brands, per-track `tkhd`/`mdhd`/`stsd`/`stts`/
//! `stsz`/`fiel`, and Nero chapters (`chpl`).

use super::*;

impl Reader {
    /// The boxes in `[start, end)`: (type, payload start, box end).
    pub(super) fn boxes(&self, start: u64, end: u64) -> Vec<([u8; 4], u64, u64)> {
        let mut out = Vec::new();
        let mut at = start;
        while at + 8 <= end.min(self.len) && out.len() < 10_000 {
            let Some(h) = self.bytes::<8>(at) else { break };
            let size = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as u64;
            let kind = [h[4], h[5], h[6], h[7]];
            let (size, header) = match size {
                1 => match self.u64be(at + 8) {
                    Some(s) => (s, 16),
                    None => break,
                },
                // Size 0: the box runs to the end of the file.
                0 => (end.min(self.len) - at, 8),
                s => (s, 8),
            };
            if size < header {
                break;
            }
            out.push((kind, at + header, at + size));
            at += size;
        }
        out
    }

    pub(super) fn mp4(&self, h: &mut Headers) {
        let top = self.boxes(0, u64::MAX);
        let mut trex = std::collections::BTreeMap::new();
        let mut ticks = fragments::FragmentTicks::new();
        let mut deltas = fragments::FragmentDeltas::new();
        let mut indexed: std::collections::BTreeMap<u32, f64> = Default::default();
        let mut sample_end = None;
        // Where the fragments' samples end; None once one cannot be told.
        let mut fragment_end = Some(0);
        for &(kind, body, end) in &top {
            if end > self.len {
                h.declared_size = Some(h.declared_size.unwrap_or(0).max(end));
            }
            match &kind {
                b"ftyp" => {
                    let n = ((end.min(self.len)).saturating_sub(body)).min(256) as usize;
                    if let Some(b) = self.vec(body, n) {
                        if b.len() >= 4 {
                            h.major_brand = Some(brand(&b[0..4]));
                        }
                        h.compatible_brands = b
                            .get(8..)
                            .unwrap_or(&[])
                            .chunks_exact(4)
                            // A brand of zero bytes is padding, not a brand.
                            .filter(|b| b.iter().any(|&c| c != 0))
                            .map(brand)
                            .collect();
                    }
                }
                b"moof" if end <= self.len => {
                    self.moof_ticks(body, end, (&trex, &h.tracks), &mut ticks, &mut deltas);
                    fragment_end = fragment_end
                        .zip(self.moof_data_end(body, end, &trex))
                        .map(|(a, b)| a.max(b));
                }
                b"sidx" if end <= self.len => {
                    if let Some((id, e)) = self.sidx_end(body, end) {
                        let at = indexed.entry(id).or_default();
                        *at = at.max(e);
                    }
                }
                b"moov" if end <= self.len => {
                    sample_end = self.mp4_sample_end(body, end, &mut h.broken_tables);
                    trex = self.trex_defaults(body, end);
                    self.moov(body, end, h);
                }
                _ => {}
            }
        }
        let fragment_end = fragment_end.filter(|_| !ticks.is_empty());
        self.judge_cut(h, &top, sample_end, fragment_end);
        self.fragment_durations(h, &ticks, &indexed);
        for t in &mut h.tracks {
            if t.handler == "vide"
                && t.timed_frame_rate.is_none()
                && let Some(seen) = deltas.get(&t.id)
            {
                // FFmpeg's estimate from the first samples' timestamps;
                // else the duration most samples have.
                let scale = t.timescale.unwrap_or(0);
                let limit = super::rfps::frames_read(scale);
                let runs: Vec<(u32, u32)> = seen
                    .durations
                    .iter()
                    .map(|(&d, &n)| (n.min(u64::from(u32::MAX)) as u32, d))
                    .collect();
                t.timed_frame_rate = super::rfps::r_frame_rate(&seen.first, scale, Some(limit))
                    .or_else(|| super::mp4_rate::modal_rate(&runs, t.timescale));
            }
        }
    }

    /// A box that runs past the end is a cut only if samples lie there:
    /// the tables (`sample_end`), when the whole `moov` was read, say where
    /// they end, and a fragmented file's `moof` boxes (`fragment_end`),
    /// when only an `mdat` is cut. Samples past the end of whole boxes are
    /// told apart (`samples_past_end`).
    fn judge_cut(
        &self,
        h: &mut Headers,
        top: &[([u8; 4], u64, u64)],
        mut sample_end: Option<u64>,
        fragment_end: Option<u64>,
    ) {
        let cut_moov = top.iter().any(|(k, _, e)| k == b"moov" && *e > self.len);
        let only_mdat_cut = top.iter().all(|(k, _, e)| k == b"mdat" || *e <= self.len);
        // Samples in the `moov` and in fragments after it: the later end.
        if let (Some(tables), Some(fragments), true) = (sample_end, fragment_end, only_mdat_cut) {
            sample_end = Some(tables.max(fragments));
        }
        if let (Some(_), Some(last), false) = (h.declared_size, sample_end, cut_moov)
            && last > 0
        {
            h.declared_size = (last > self.len).then_some(last);
        }
        // Whole boxes whose tables place samples past the end (a file cut
        // and its `mdat` size mended): where they end.
        if let (None, Some(last)) = (h.declared_size, sample_end)
            && last > self.len
        {
            h.samples_past_end = Some(last);
        }
        h.samples_inside = sample_end.is_some_and(|last| last <= self.len);
    }

    /// The movie: its duration, tracks and Nero chapters.
    fn moov(&self, body: u64, end: u64, h: &mut Headers) {
        // The movie's timescale, which track header durations use.
        let mvhd = self.child(body, end, &[b"mvhd"]).map(|(m, _)| m);
        let scale = mvhd.and_then(|m| {
            let v = self.bytes::<1>(m)?[0];
            self.u32be(m + if v == 1 { 20 } else { 12 })
        });
        h.movie_s = mvhd.zip(scale.filter(|&s| s > 0)).and_then(|(m, s)| {
            let d = match self.bytes::<1>(m)?[0] {
                1 => self.u64be(m + 24)?,
                _ => self.u32be(m + 16)?.into(),
            };
            known(d).then(|| d as f64 / f64::from(s))
        });
        let mut chapter_ids = Vec::new();
        // Where each track of `h.tracks` lies.
        let mut traks = vec![(0, 0); h.tracks.len()];
        for (k, tb, te) in self.boxes(body, end) {
            if &k == b"trak"
                && let Some(t) = self.mp4_track(tb, te, scale.unwrap_or(0))
            {
                h.tracks.push(t);
                traks.push((tb, te));
            }
            // `tref/chap`: the QuickTime chapter track(s) this track uses.
            if &k == b"trak"
                && let Some((c, ce)) = self.child(tb, te, &[b"tref", b"chap"])
            {
                chapter_ids.extend((c..ce).step_by(4).filter_map(|at| self.u32be(at)));
            }
            if &k == b"udta"
                && let Some((c, ce)) = self.child(tb, te, &[b"chpl"])
            {
                h.chapters = self.chpl(c, ce);
            }
            if &k == b"udta" {
                h.pictures.extend(self.cover_pictures(tb, te));
                self.gapless_start(tb, te, h.tracks.last_mut(), traks.last());
            }
        }
        super::mp4_rate::estimate_rates(&mut h.tracks);
        let chapter_track = h.tracks.iter().position(|t| chapter_ids.contains(&t.id));
        h.chapter_track_end_s = chapter_track.and_then(|i| h.tracks[i].duration_s);
        self.chapter_tracks(h, &traks, &chapter_ids);
    }

    /// Every track a `tref/chap` names is a chapter track, in the order
    /// named: a text track's samples are the chapters' titles, ffprobe's
    /// ahead of Nero's (a later track's sample replacing an earlier one's
    /// at the same place, as FFmpeg makes them); a picture track's first
    /// image is an attached picture (an enhanced podcast's chapter art).
    fn chapter_tracks(&self, h: &mut Headers, traks: &[(u64, u64)], ids: &[u32]) {
        let mut titles: Vec<(f64, Option<String>)> = Vec::new();
        let mut done = Vec::new();
        for id in ids {
            let Some(i) = h.tracks.iter().position(|t| t.id == *id) else {
                continue;
            };
            if done.contains(&i) {
                continue;
            }
            done.push(i);
            let t = &mut h.tracks[i];
            t.chapter_track = true;
            let Some(&(tb, te)) = traks.get(i) else {
                continue;
            };
            if t.handler == "text" {
                for (k, chapter) in self.qt_chapters(tb, te).into_iter().enumerate() {
                    match titles.get_mut(k) {
                        Some(had) => *had = chapter,
                        None => titles.push(chapter),
                    }
                }
            }
            let mime = match t.codec_tag.as_deref() {
                Some("jpeg") => "image/jpeg",
                Some("png") => "image/png",
                _ => continue,
            };
            if t.handler == "vide"
                && let Some(size) = self.first_sample_size(tb, te)
            {
                h.pictures.push((mime.to_string(), size));
                h.tracks[i].chapter_picture = true;
            }
        }
        if !titles.is_empty() {
            h.chapters = titles;
        }
    }

    /// A fragmented file's tracks end where their last fragment or their
    /// segment index says, whichever is later (see [`fragments`]), and the
    /// file where its longest track does, as ffprobe counts them: a text
    /// track (subtitles, captions) ending more than a second after the
    /// others is an outlier the file's length leaves out.
    fn fragment_durations(
        &self,
        h: &mut Headers,
        ticks: &fragments::FragmentTicks,
        indexed: &std::collections::BTreeMap<u32, f64>,
    ) {
        let (mut longest, mut text): (Option<f64>, Option<f64>) = (None, None);
        for t in &mut h.tracks {
            let scale = t.timescale.filter(|&s| s > 0);
            let fragments = ticks
                .get(&t.id)
                .zip(scale)
                .map(|(&n, s)| n as f64 / s as f64);
            let media = t.media_ticks.zip(scale).map(|(n, s)| n as f64 / s as f64);
            let sidx = indexed.get(&t.id).copied();
            if fragments.is_none() && sidx.is_none() {
                continue;
            }
            // FFmpeg extends the media header's length, never the track
            // header's, which a packager may set to anything (a day).
            let s = fragments
                .unwrap_or(0.0)
                .max(sidx.unwrap_or(0.0))
                .max(media.unwrap_or(0.0));
            t.duration_s = Some(s);
            let end = if is_text(&t.handler) {
                &mut text
            } else {
                &mut longest
            };
            *end = Some(end.map_or(s, |l: f64| l.max(s)));
        }
        h.fragmented_s = match (longest, text) {
            (Some(l), Some(t)) if t > l && t - l < 1.0 => Some(t),
            (l, t) => l.or(t),
        };
    }

    /// Nero chapters: version and flags, (version 1) four more bytes, a count,
    /// then per chapter a start in 100 ns units and a length-prefixed title.
    pub(super) fn chpl(&self, body: u64, end: u64) -> Vec<(f64, Option<String>)> {
        let mut out = Vec::new();
        let Some(version) = self.bytes::<1>(body).map(|b| b[0]) else {
            return out;
        };
        let mut at = body + if version == 1 { 8 } else { 4 };
        let Some(n) = self.bytes::<1>(at).map(|b| b[0]) else {
            return out;
        };
        at += 1;
        for _ in 0..n {
            let (Some(start), Some(len)) = (self.u64be(at), self.bytes::<1>(at + 8)) else {
                break;
            };
            let len = len[0] as usize;
            if at + 9 + len as u64 > end {
                break;
            }
            let title = self
                .vec(at + 9, len)
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .filter(|t| !t.is_empty());
            out.push((start as f64 / 1e7, title));
            at += 9 + len as u64;
        }
        out
    }

    pub(super) fn child(&self, body: u64, end: u64, path: &[&[u8; 4]]) -> Option<(u64, u64)> {
        let (first, rest) = path.split_first()?;
        let (_, b, e) = self
            .boxes(body, end)
            .into_iter()
            .find(|(k, _, _)| &k == first)?;
        if rest.is_empty() {
            Some((b, e))
        } else {
            self.child(b, e, rest)
        }
    }

    pub(super) fn mp4_track(&self, body: u64, end: u64, movie_scale: u32) -> Option<Track> {
        let mut t = Track::default();
        let (tkhd, _) = self.child(body, end, &[b"tkhd"])?;
        let version = self.bytes::<1>(tkhd)?[0];
        // tkhd flags: 1 = enabled, which players (and ffprobe) take as default.
        t.default = Some(self.bytes::<4>(tkhd)?[3] & 1 == 1);
        t.id = self.u32be(tkhd + if version == 1 { 20 } else { 12 })?;
        // The track's presentation length (after its edit list), as ffprobe
        // gives a stream's duration; the media header's length comes second.
        let tkhd_duration = if version == 1 {
            self.u64be(tkhd + 28)?
        } else {
            self.u32be(tkhd + 20)? as u64
        };
        let turn = self.matrix_rotation(tkhd + if version == 1 { 52 } else { 40 });
        t.mirrored_rotation = turn.filter(|t| t.1).map(|t| t.0);
        t.rotation = turn.map(|t| t.0).filter(|&d| d != 0);
        let (delay, presented) = self.edits(body, end);
        if movie_scale > 0 && known(tkhd_duration) {
            // An empty edit at the start delays the track (ffprobe's start
            // time); its length is not the track's.
            // What the edits present, else the header's length less the
            // delay (a muxer may leave the empty edit out of the header's).
            let length = presented.unwrap_or(tkhd_duration.saturating_sub(delay));
            t.duration_s = Some(length as f64 / movie_scale as f64);
        }
        let (mdia, mdia_end) = self.child(body, end, &[b"mdia"])?;
        let mut media_ticks = None;
        if let Some((mdhd, _)) = self.child(mdia, mdia_end, &[b"mdhd"]) {
            media_ticks = Some(self.mp4_media_header(mdhd, &mut t)?);
        }
        if let Some((hdlr, _)) = self.child(mdia, mdia_end, &[b"hdlr"]) {
            t.handler = brand(&self.bytes::<4>(hdlr + 8)?);
        }
        let (stbl, stbl_end) = self.child(mdia, mdia_end, &[b"minf", b"stbl"])?;
        t.no_sample_description = self.child(stbl, stbl_end, &[b"stsd"]).is_none();
        self.mp4_sample_entry(stbl, stbl_end, &mut t);
        self.first_sample_facts(stbl, stbl_end, &mut t);
        self.in_band_mpegh(stbl, stbl_end, &mut t);
        // The sample count: `stsz`'s, or the compact `stz2`'s (same place).
        let sizes = self.child(stbl, stbl_end, &[b"stsz"]);
        if let Some((stsz, _)) = sizes.or_else(|| self.child(stbl, stbl_end, &[b"stz2"])) {
            let count = self.u32be(stsz + 8);
            t.empty = count == Some(0);
            t.frames = count.map(u64::from).filter(|&n| n > 0);
        }
        // Samples that all last no time, in media of no length: the track
        // lasts 0 s, as the file says (and ffprobe), where a 0 alone is a
        // length left unwritten (a fragmented file's).
        if t.duration_s.is_none()
            && t.frames.is_some()
            && media_ticks == Some(0)
            && self.samples_last_no_time(stbl, stbl_end)
        {
            t.duration_s = Some(0.0);
        }
        if t.handler == "vide"
            && let Some((stts, stts_end)) = self.child(stbl, stbl_end, &[b"stts"])
        {
            self.mp4_frame_rate_kind(stts, stts_end, &mut t)?;
        }
        // Delayed by an empty edit: FFmpeg's length is what the edits span,
        // delay and all, unless the samples last less.
        if let (true, Some(p), Some(scale)) = (delay > 0, presented, t.timescale)
            && let Some(ticks) = self.samples_length(stbl, stbl_end)
            && movie_scale > 0
            && scale > 0
        {
            let spanned = delay.saturating_add(p) as f64 / f64::from(movie_scale);
            t.duration_s = Some(spanned.min(ticks as f64 / f64::from(scale)));
        }
        Some(t)
    }

    /// Whether every sample of a sample table lasts no time: its `stts`
    /// states durations of 0 only. False where that cannot be told (no
    /// entry, a table cut short, more than 4,096 entries).
    fn samples_last_no_time(&self, stbl: u64, stbl_end: u64) -> bool {
        self.stts_entries(stbl, stbl_end, 4096)
            .is_some_and(|e| !e.is_empty() && e.iter().all(|&(_, delta)| delta == 0))
    }

    /// The media header: the duration when the track header has none, and
    /// the language (ISO 639-2, packed); the media's length in its own
    /// ticks.
    fn mp4_media_header(&self, mdhd: u64, t: &mut Track) -> Option<u64> {
        let v = self.bytes::<1>(mdhd)?[0];
        let (scale, dur, lang) = if v == 1 {
            (self.u32be(mdhd + 20)?, self.u64be(mdhd + 24)?, mdhd + 32)
        } else {
            (
                self.u32be(mdhd + 12)?,
                self.u32be(mdhd + 16)? as u64,
                mdhd + 20,
            )
        };
        t.timescale = Some(scale);
        t.media_ticks = known(dur).then_some(dur);
        if t.duration_s.is_none() && scale > 0 && known(dur) {
            t.duration_s = Some(dur as f64 / scale as f64);
        }
        let packed = u16::from_be_bytes(self.bytes::<2>(lang)?);
        // Values below 0x400 are Macintosh language codes, not ISO 639.
        if packed < 0x400 {
            t.language = MAC_LANGUAGES
                .get(packed as usize)
                .filter(|l| !l.is_empty())
                .map(|l| l.to_string());
        } else {
            let code: String = [10u16, 5, 0]
                .iter()
                .map(|s| (((packed >> s) & 0x1f) as u8 + 0x60) as char)
                .collect();
            if code.chars().all(|c| c.is_ascii_lowercase()) {
                t.language = Some(code);
            }
        }
        Some(dur)
    }

    /// A track matrix's rotation, clockwise degrees, and whether it mirrors
    /// the picture (a negative determinant): GStreamer tags only the eight
    /// turns and flips it knows, and names a flip's angle its own way.
    fn matrix_rotation(&self, matrix: u64) -> Option<(u32, bool)> {
        // a b u / c d v / x y w, 16.16 fixed (u, v, w 2.30): a, b, c, d.
        let m = self.vec(matrix, 20)?;
        let at = |i: usize| i32::from_be_bytes([m[i], m[i + 1], m[i + 2], m[i + 3]]) as f64;
        let (a, b, c, d) = (at(0), at(4), at(12), at(16));
        let (s0, s1) = (a.hypot(c), b.hypot(d));
        if s0 == 0.0 || s1 == 0.0 {
            return None;
        }
        let deg = (b / s1).atan2(a / s0).to_degrees().round() as i64;
        Some((deg.rem_euclid(360) as u32, a * d - b * c < 0.0))
    }

    /// The first sample entry: the codec tag, and a QuickTime video's field order.
    fn mp4_sample_entry(&self, stbl: u64, stbl_end: u64, t: &mut Track) {
        if let Some((stsd, stsd_end)) = self.child(stbl, stbl_end, &[b"stsd"])
            && let Some(&(k, entry, entry_end)) = self.boxes(stsd + 8, stsd_end).first()
        {
            t.codec_tag = Some(fourcc_string(k));
            if matches!(&k, b"encv" | b"enca" | b"enct" | b"encs") {
                // Encrypted: the original format is in `sinf/frma`, after
                // the entry's fields (78 bytes for video, 28 for sound).
                let fields = if &k == b"encv" { 78 } else { 28 };
                if let Some((frma, _)) = self.child(entry + fields, entry_end, &[b"sinf", b"frma"])
                    && let Some(original) = self.bytes::<4>(frma)
                {
                    t.codec_tag = Some(fourcc_string(original));
                }
            }
            // A track without a handler: its kind is its sample entry's,
            // as FFmpeg takes it.
            if t.handler.is_empty() {
                t.handler = match &k {
                    b"mp4v" | b"avc1" | b"avc3" | b"hvc1" | b"hev1" | b"av01" | b"vp09" => "vide",
                    b"mp4a" | b"ac-3" | b"ec-3" | b"Opus" | b"fLaC" | b"alac" => "soun",
                    _ => "",
                }
                .to_string();
            }
            if t.handler == "soun" {
                self.mp4_sound_entry(k, entry, entry_end, t);
            }
            if t.handler == "vide" {
                if let (Some(w), Some(h)) =
                    (self.bytes::<2>(entry + 24), self.bytes::<2>(entry + 26))
                {
                    let (w, h) = (u16::from_be_bytes(w), u16::from_be_bytes(h));
                    t.size = (w > 0 && h > 0).then_some((w.into(), h.into()));
                }
                // A visual sample entry's boxes follow its 78 bytes of fields;
                // `fiel` gives the field count and order (QuickTime).
                let inner = self.boxes(entry + 78, entry_end);
                if &k == b"mp4v" {
                    t.object_type = self.esds_object_type(entry + 78, entry_end);
                }
                let fiel = inner.iter().find(|(k, _, _)| k == b"fiel").copied();
                t.dolby_vision = inner
                    .iter()
                    .find(|(k, _, _)| matches!(k, b"dvcC" | b"dvvC" | b"dvwC"))
                    .and_then(|&(_, b, _)| self.vec(b, 8))
                    .and_then(|r| super::dovi::parse(&r));
                // `colr` of type `nclx`: primaries, transfer and matrix (two
                // bytes each), then the full range flag in the top bit.
                t.full_range = inner
                    .iter()
                    .find(|(k, _, _)| k == b"colr")
                    .and_then(|&(_, b, _)| self.vec(b, 11))
                    .filter(|c| &c[..4] == b"nclx")
                    .map(|c| c[10] & 0x80 != 0);
                t.config = inner
                    .iter()
                    .find(|(k, _, _)| matches!(k, b"avcC" | b"hvcC" | b"av1C"))
                    .and_then(|&(_, b, e)| self.vec(b, (e - b).min(4096) as usize));
                if let Some((_, f, _)) = fiel
                    && let Some([count, detail]) = self.bytes::<2>(f)
                {
                    t.field_order = match (count, detail) {
                        (1, _) => Some("progressive"),
                        (2, 1) => Some("tt"),
                        (2, 6) => Some("bb"),
                        (2, 9) => Some("tb"),
                        (2, 14) => Some("bt"),
                        _ => None,
                    };
                }
            }
        }
    }
}

/// The Macintosh language codes of QuickTime's media header (0 English, 1
/// French, …) in ISO 639-2, as ffprobe reads them; none where there is no
/// such code.
const MAC_LANGUAGES: [&str; 50] = [
    "eng", "fra", "ger", "ita", "dut", "sve", "spa", "dan", "por", "nor", "heb", "jpn", "ara",
    "fin", "gre", "ice", "mlt", "tur", "", "chi", "urd", "hin", "tha", "kor", "lit", "pol", "hun",
    "est", "lav", "", "", "", "rus", "chi", "", "iri", "alb", "ron", "ces", "slk", "slv", "yid",
    "", "mac", "bul", "ukr", "bel", "uzb", "kaz", "aze",
];

/// An MP4 handler of subtitles or captions (QuickTime text, 3GPP timed
/// text, ISO subtitles, CEA-608 closed captions).
fn is_text(handler: &str) -> bool {
    matches!(handler, "text" | "sbtl" | "subt" | "clcp")
}

impl Track {
    /// An MP4 track of subtitles or captions, by its handler.
    pub fn is_text(&self) -> bool {
        is_text(&self.handler)
    }
}

/// A header's duration, unless 0 or all ones (unknown: fragmented files and
/// live streams write either, in 32 or 64 bits).
fn known(duration: u64) -> bool {
    duration > 0 && duration != u32::MAX as u64 && duration != u64::MAX
}

mod edits;
mod first_sample;
mod ilst;
#[cfg(test)]
mod tests;
