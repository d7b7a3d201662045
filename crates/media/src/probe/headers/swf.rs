//! SWF (Flash): the audio and video streams its tags define, as FFmpeg's
//! demuxer finds them; no GStreamer element reads SWF. Uncompressed (`FWS`)
//! and zlib-compressed (`CWS`) files; LZMA's (`ZWS`) are not read.

use std::io::Read;

use super::*;

/// The most of a file's tags read: FFmpeg finds its streams in the first
/// megabytes.
const MOST: u64 = 8 << 20;

/// `DefineVideoStream`, `SoundStreamHead` and `SoundStreamHead2`.
const VIDEO_STREAM: u16 = 60;
const SOUND_STREAM_HEAD: u16 = 18;
const SOUND_STREAM_HEAD2: u16 = 45;

impl Reader {
    pub(super) fn swf(&self, h: &mut Headers) {
        let Some(head) = self.bytes::<8>(0) else {
            return;
        };
        let stored = self.vec(8, self.len.saturating_sub(8).min(MOST) as usize);
        let body = match (&head[..3], stored) {
            (b"FWS", Some(b)) => b,
            (b"CWS", Some(b)) => {
                let mut out = Vec::new();
                let inflated = flate2::read::ZlibDecoder::new(&b[..])
                    .take(MOST)
                    .read_to_end(&mut out);
                // A cut file inflates as far as it goes.
                if inflated.is_err() && out.is_empty() {
                    return;
                }
                out
            }
            _ => return,
        };
        h.listed_tracks = tracks(&body);
        h.listed_from = "the SWF tags";
    }
}

/// The streams of the tags after the header's frame size and rate, in the
/// order defined.
fn tracks(b: &[u8]) -> Vec<Track> {
    let mut out = Vec::new();
    // The frame size: a rectangle of four fields of `bits` bits each.
    let Some(&first) = b.first() else {
        return out;
    };
    let rect = (5 + 4 * usize::from(first >> 3)).div_ceil(8);
    let le16 = |at: usize| b.get(at..at + 2).map(|v| u16::from_le_bytes([v[0], v[1]]));
    // Frames a second, 8.8 fixed point: FFmpeg's time base of every stream.
    let Some(rate) = le16(rect).filter(|&r| r > 0) else {
        return out;
    };
    let mut at = rect + 4;
    while let Some(word) = le16(at) {
        let (code, short) = (word >> 6, usize::from(word & 0x3F));
        let (len, header) = match short {
            0x3F => match b.get(at + 2..at + 6) {
                Some(v) => (u32::from_le_bytes([v[0], v[1], v[2], v[3]]) as usize, 6),
                None => break,
            },
            n => (n, 2),
        };
        let data = at + header;
        if code == 0 {
            break;
        }
        match code {
            VIDEO_STREAM => out.extend(video(b.get(data..data + 10), rate)),
            SOUND_STREAM_HEAD | SOUND_STREAM_HEAD2 => out.extend(sound(b.get(data..data + 4))),
            _ => {}
        }
        let Some(next) = data.checked_add(len) else {
            break;
        };
        at = next;
    }
    for (i, t) in out.iter_mut().enumerate() {
        t.id = i as u32;
    }
    out
}

/// `DefineVideoStream`: id, frames, width, height, flags, codec.
fn video(d: Option<&[u8]>, rate: u16) -> Option<Track> {
    let d = d?;
    let codec = match d[9] {
        2 => "flv1",
        3 => "flashsv",
        4 => "vp6f",
        5 => "vp6a",
        6 => "flashsv2",
        _ => return None,
    };
    let (w, h) = (
        u16::from_le_bytes([d[4], d[5]]),
        u16::from_le_bytes([d[6], d[7]]),
    );
    let (n, den) = super::rfps::reduced(i64::from(rate), 256)?;
    Some(Track {
        handler: "video".into(),
        codec_name: Some(codec),
        size: (w > 0 && h > 0).then_some((w.into(), h.into())),
        frame_rate: Some((n, den)),
        frames: Some(u64::from(u16::from_le_bytes([d[2], d[3]]))),
        pix_fmt: crate::probe::bitstream::pixel_format(codec, None, None),
        ..Track::default()
    })
}

/// `SoundStreamHead`: playback flags, then the stream's format (four bits),
/// rate (two: 5.5 to 44.1 kHz), sample size and channels (one each).
fn sound(d: Option<&[u8]>) -> Option<Track> {
    let info = d?[1];
    let codec = match info >> 4 {
        1 => "adpcm_swf",
        2 => "mp3",
        3 => "pcm_s16le",
        6 => "nellymoser",
        _ => return None,
    };
    Some(Track {
        handler: "audio".into(),
        codec_name: Some(codec),
        sound: Some((u16::from(info & 1) + 1, 44100 >> (3 - ((info >> 2) & 3)))),
        ..Track::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tag of `code` holding `data`, in its short form.
    fn tag(code: u16, data: &[u8]) -> Vec<u8> {
        let mut t = (code << 6 | data.len() as u16).to_le_bytes().to_vec();
        t.extend_from_slice(data);
        t
    }

    #[test]
    fn the_tags_define_the_streams_in_their_order() {
        // A rectangle of 5-bit fields (4 bytes), 25 fps, 10 frames.
        let mut b = vec![0x28, 0, 0, 0, 0, 25, 10, 0];
        b.extend(tag(SOUND_STREAM_HEAD2, &[0, 0x2E, 0, 4]));
        b.extend(tag(VIDEO_STREAM, &[1, 0, 10, 0, 64, 1, 240, 0, 0, 2]));
        b.extend(tag(0, &[]));
        let t = tracks(&b);
        assert_eq!(t.len(), 2, "{t:?}");
        assert_eq!(
            (t[0].codec_name, t[0].sound),
            (Some("mp3"), Some((1, 44100)))
        );
        assert_eq!(
            (t[1].codec_name, t[1].size),
            (Some("flv1"), Some((320, 240)))
        );
        assert_eq!(t[1].frame_rate, Some((25, 1)));
        assert_eq!(t[1].pix_fmt.as_deref(), Some("yuv420p"));
        // Cut within a tag: what came before it.
        assert_eq!(tracks(&b[..b.len() - 8]).len(), 1);
        assert!(tracks(&[]).is_empty());
    }

    #[test]
    fn a_compressed_file_is_inflated_first() {
        use std::io::Write;
        let mut body = vec![0x28, 0, 0, 0, 0, 25, 10, 0];
        body.extend(tag(VIDEO_STREAM, &[1, 0, 10, 0, 64, 1, 240, 0, 0, 4]));
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&body).unwrap();
        let mut file = b"CWS\x08".to_vec();
        file.extend(((body.len() + 8) as u32).to_le_bytes());
        file.extend(z.finish().unwrap());
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.swf");
        std::fs::write(&p, &file).unwrap();
        let h = read(&p, "swf", false);
        assert_eq!(h.listed_tracks.len(), 1, "{h:?}");
        assert_eq!(h.listed_tracks[0].codec_name, Some("vp6f"));
        // Not SWF: nothing.
        std::fs::write(&p, b"ZWS\x0d\0\0\0\0").unwrap();
        assert!(read(&p, "swf", false).listed_tracks.is_empty());
    }
}
