//! Raw ADTS AAC: the duration FFmpeg estimates (there is no index to read).

use super::*;

impl Reader {
    /// Raw ADTS: the duration FFmpeg estimates, the file's size after a
    /// leading ID3 tag over the bit rate its AAC parser averages while
    /// the stream is probed ([`adts_bit_rate`]).
    pub(super) fn adts_estimate(&self) -> Option<f64> {
        const READ: u64 = 1 << 20;
        let head = self.vec(0, self.len.min(READ) as usize)?;
        let start = id3_len(&head).unwrap_or(0);
        let bit_rate = adts_bit_rate(head.get(start..)?)?;
        Some((self.len - start as u64) as f64 * 8.0 / bit_rate as f64)
    }

    /// Raw LOAS (LATM AAC in its sync layer, after any leading ID3 tag):
    /// no header states its length and FFmpeg estimates none.
    pub(super) fn loas(&self) -> bool {
        let start = self.leading_id3_len().unwrap_or(0) as u64;
        self.bytes::<2>(start)
            .is_some_and(|b| b[0] == 0x56 && b[1] & 0xE0 == 0xE0)
    }
}

impl Reader {
    /// The length of the ID3v2 tag the file starts with, if it does.
    pub(super) fn leading_id3_len(&self) -> Option<usize> {
        id3_len(&self.vec(0, self.len.min(10) as usize)?)
    }

    /// The pictures of a WAVE or AIFF file's ID3 chunk (`id3 ` or `ID3 `,
    /// among its `chunks`, which end by `to`), which FFmpeg reads as
    /// attached pictures.
    pub(super) fn chunk_id3_pictures(&self, chunks: &[Chunk], to: u64) -> Vec<(String, u64)> {
        let Some(&(_, body, size)) = chunks.iter().find(|c| c.0.eq_ignore_ascii_case(b"id3 "))
        else {
            return Vec::new();
        };
        let tag = self.vec(body, size.min(to - body).min(16 << 20) as usize);
        tag.map(|t| id3_pictures(&t)).unwrap_or_default()
    }

    /// The pictures (`APIC` frames) of the ID3v2 tag the file starts with:
    /// media type and length.
    pub(super) fn leading_id3_pictures(&self) -> Vec<(String, u64)> {
        let Some(len) = self.leading_id3_len() else {
            return Vec::new();
        };
        let tag = self.vec(0, (len as u64).min(self.len).min(16 << 20) as usize);
        tag.map(|t| id3_pictures(&t)).unwrap_or_default()
    }
}

/// The `APIC` frames of an ID3v2.3 or v2.4 tag: media type and picture
/// length (past the encoding, media type, picture type and description).
fn id3_pictures(tag: &[u8]) -> Vec<(String, u64)> {
    let (Some(&version), Some(&flags)) = (tag.get(3), tag.get(5)) else {
        return Vec::new();
    };
    if !matches!(version, 3 | 4) || flags & 0x40 != 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut at = 10;
    while let Some(h) = tag.get(at..at + 10) {
        if h[0] == 0 {
            break;
        }
        let size = if version == 4 {
            h[4..8]
                .iter()
                .fold(0usize, |v, &x| v << 7 | usize::from(x & 0x7F))
        } else {
            u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize
        };
        let Some(body) = tag.get(at + 10..(at + 10).saturating_add(size)) else {
            break;
        };
        if &h[..4] == b"APIC"
            && let Some(p) = apic(body)
        {
            out.push(p);
        }
        at += 10 + size;
    }
    out
}

/// An `APIC` frame's media type and picture length.
fn apic(body: &[u8]) -> Option<(String, u64)> {
    let encoding = *body.first()?;
    let mime_end = 1 + body.get(1..)?.iter().position(|&c| c == 0)?;
    let mime = String::from_utf8_lossy(&body[1..mime_end]).to_ascii_lowercase();
    // Past the media type's terminator and the picture type.
    let description = body.get(mime_end + 2..)?;
    let wide = matches!(encoding, 1 | 2);
    let end = if wide {
        description
            .chunks_exact(2)
            .position(|c| c == [0, 0])
            .map(|i| 2 * i + 2)?
    } else {
        description.iter().position(|&c| c == 0)? + 1
    };
    let picture = description.len().checked_sub(end)?;
    let mime = match mime.as_str() {
        "jpg" => "image/jpeg".to_string(),
        "png" => "image/png".to_string(),
        _ => mime,
    };
    Some((mime, picture as u64))
}

/// The length of the ID3v2 tag `b` starts with (header, syncsafe size,
/// footer), if it starts with one.
fn id3_len(b: &[u8]) -> Option<usize> {
    if b.get(..3)? != b"ID3" {
        return None;
    }
    let size = b
        .get(6..10)?
        .iter()
        .fold(0usize, |v, &x| v << 7 | usize::from(x & 0x7F));
    let footer = if b[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + size + footer)
}

/// The bit rate (bit/s) FFmpeg's AAC parser ends with for the ADTS frames
/// of `b`: each frame's own rate (its bits over its samples' time, in
/// whole bits), averaged frame by frame in integers, as FFmpeg does. It
/// averages the frames it reads while probing: 50 (its `max_ts_probe`,
/// raw AAC having no timestamps), or 5 s of them when an ID3 tag holds a
/// picture (a stream that never gets a frame keeps it reading). ID3 tags
/// between frames (HLS timed metadata) are passed over.
fn adts_bit_rate(b: &[u8]) -> Option<i64> {
    let (mut at, mut frames, mut average, mut samples) = (0usize, 0i64, 0i64, 0i64);
    let mut picture = false;
    loop {
        if let Some(tag) = id3_len(&b[at.min(b.len())..]) {
            picture |= b
                .get(at..at + tag)
                .is_some_and(|t| t.windows(4).any(|w| w == b"APIC"));
            at += tag;
            continue;
        }
        let Some(h) = b
            .get(at..at + 7)
            .filter(|h| h[0] == 0xFF && h[1] & 0xF6 == 0xF0)
        else {
            break;
        };
        let rate =
            i64::from(*crate::probe::bitstream::AAC_RATES.get(usize::from((h[2] >> 2) & 0xF))?);
        let len = (usize::from(h[3] & 3) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
        let frame_samples = 1024 * (i64::from(h[6] & 3) + 1);
        if len < 7 || (frames >= 50 && !picture) || samples >= 5 * rate {
            break;
        }
        frames += 1;
        samples += frame_samples;
        let own = len as i64 * 8 * rate / frame_samples;
        average += (own - average) / frames;
        at += len;
    }
    (frames > 0 && average > 0).then_some(average)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ADTS frame of `len` bytes at 44.1 kHz, one raw data block.
    fn adts(len: usize) -> Vec<u8> {
        let mut f = vec![0xFF, 0xF1, 0x50, 0x40 | (len >> 11) as u8];
        f.extend([(len >> 3) as u8, ((len & 7) << 5) as u8 | 0x1F, 0xFC]);
        f.resize(len, 0);
        f
    }

    /// Raw LOAS states no length (ffprobe gives none); raw ADTS lasts its
    /// estimate.
    #[test]
    fn loas_has_no_length_and_adts_its_estimate() {
        let read = |bytes: &[u8]| {
            let f = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(f.path(), bytes).unwrap();
            super::super::read(f.path(), "aac", true)
        };
        let mut loas = Vec::new();
        for _ in 0..40 {
            loas.extend([0x56, 0xE0, 0x40]);
            loas.resize(loas.len() + 64, 0);
        }
        let h = read(&loas);
        assert!(
            h.length_unknown && h.estimated_duration_s.is_none(),
            "{h:?}"
        );
        let adts_file: Vec<u8> = (0..60).flat_map(|_| adts(400)).collect();
        let h = read(&adts_file);
        assert!(
            !h.length_unknown && h.estimated_duration_s.is_some(),
            "{h:?}"
        );
    }

    #[test]
    fn adts_bit_rate_is_ffmpegs_running_average_of_fifty_frames() {
        // A 30-byte first frame, then 200-byte frames (68,906 bit/s each):
        // the integer running average over 50 frames, the 51st unread.
        let mut b = adts(30);
        for _ in 0..60 {
            b.extend(adts(200));
        }
        let (mut average, own) = (30 * 8 * 44100 / 1024, 200 * 8 * 44100 / 1024);
        for n in 2..=50 {
            average += (own - average) / n;
        }
        assert_eq!(adts_bit_rate(&b), Some(average));
        // An ID3 tag holding a picture after the first frame: every frame
        // (under 5 s of them) is averaged, the tag passed over.
        let tag = b"ID3\x04\0\0\0\0\0\x08APIC\0\0\0\0";
        assert_eq!(id3_len(tag), Some(tag.len()));
        let mut tagged = adts(30);
        tagged.extend(tag);
        tagged.extend(&b[30..]);
        for n in 51..=61 {
            average += (own - average) / n;
        }
        assert_eq!(adts_bit_rate(&tagged), Some(average));
        assert_eq!(adts_bit_rate(b"no frames"), None);
    }

    #[test]
    fn a_leading_id3_tag_s_pictures_are_counted() {
        // ID3v2.4 with one APIC: Latin-1, "image/jpeg", front cover, an
        // empty description, 10 bytes of picture.
        let mut apic = vec![0];
        apic.extend(b"image/jpeg\0");
        apic.extend([3, 0]);
        apic.extend(0..10u8);
        let mut tag = b"ID3\x04\0\0".to_vec();
        tag.extend([0, 0, 0, (10 + apic.len()) as u8]);
        tag.extend(b"APIC");
        tag.extend([0, 0, 0, apic.len() as u8, 0, 0]);
        tag.extend(&apic);
        assert_eq!(id3_pictures(&tag), [("image/jpeg".to_string(), 10)]);
        assert!(id3_pictures(b"ID3\x04\0\0\0\0\0\x0aAPIC").is_empty());
    }
}
