//! IVF (`DKIF`: VP8, VP9 and AV1 test and conformance streams): its one
//! track's fourcc and the length its header states, frame count times time
//! base, as FFmpeg reads it. ivfparse reckons a length from the file's size
//! and the first frames' instead, far off (145 s for a 7 s stream).

use super::*;

impl Reader {
    pub(super) fn ivf(&self, h: &mut Headers) {
        let Some(b) = self.bytes::<32>(0) else {
            return;
        };
        if &b[..4] != b"DKIF" {
            return;
        }
        let le32 = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        let tag = String::from_utf8_lossy(&b[8..12]).into_owned();
        let (rate, scale, frames) = (le32(16), le32(20), le32(24));
        h.tracks.push(Track {
            id: 0,
            handler: "vide".into(),
            codec_tag: tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
                .then_some(tag),
            ..Track::default()
        });
        if rate > 0 && scale > 0 && frames > 0 {
            h.estimated_duration_s = Some(f64::from(frames) * f64::from(scale) / f64::from(rate));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(header: &[u8]) -> Headers {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), header).unwrap();
        let mut h = Headers::default();
        Reader::new(File::open(f.path()).unwrap(), header.len() as u64).ivf(&mut h);
        h
    }

    /// gpac's AV1 test stream's header: 125 frames at 25 fps.
    #[test]
    fn the_header_states_the_fourcc_and_frame_count() {
        let mut b = b"DKIF\0\0\x20\0AV01\x40\x01\xf0\0".to_vec();
        b.extend(25u32.to_le_bytes());
        b.extend(1u32.to_le_bytes());
        b.extend(125u32.to_le_bytes());
        b.extend([0; 4]);
        let h = read(&b);
        assert_eq!(h.tracks[0].codec_tag.as_deref(), Some("AV01"));
        assert_eq!(h.estimated_duration_s, Some(5.0));
        // No frame count (a writer that never came back to it): no length.
        b[24..28].copy_from_slice(&[0; 4]);
        assert_eq!(read(&b).estimated_duration_s, None);
        assert!(read(b"RIFF").tracks.is_empty());
    }
}
