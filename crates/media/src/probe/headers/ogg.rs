//! Ogg: a file cut inside its header pages (the codecs' setup packets, before
//! any page of media) is truncated, whatever the demuxer makes of it. Told
//! from the bytes alone: oggdemux sometimes exposes the streams of such a
//! file before it gives up and sometimes not, as its threads run. And the
//! length of an Ogg Opus file as FFmpeg gives it: its last granule
//! position, pre-skip and all (GStreamer leaves the pre-skip out).

use super::*;

impl Reader {
    /// Where the page the file ends inside would end, when every page before
    /// it is a header page (granule position 0, or -1 for a page no packet
    /// ends on): the length the file declares.
    pub(super) fn ogg_cut_in_headers(&self) -> Option<u64> {
        let mut at = 0u64;
        for _ in 0..256 {
            if at >= self.len {
                return None;
            }
            if self.bytes::<4>(at)? != *b"OggS" {
                return None;
            }
            let Some(h) = self.bytes::<27>(at) else {
                return Some(at + 27);
            };
            let granule = i64::from_le_bytes(h[6..14].try_into().ok()?);
            if granule > 0 {
                return None;
            }
            let segments = h[26] as usize;
            let Some(lacing) = self.vec(at + 27, segments) else {
                return Some(at + 27 + segments as u64);
            };
            at += 27 + segments as u64 + lacing.iter().map(|&l| l as u64).sum::<u64>();
            if at > self.len {
                return Some(at);
            }
        }
        None
    }
}

impl Reader {
    /// An Ogg file of one logical stream, Opus: its last page's granule
    /// position at 48 kHz, FFmpeg's length (the pre-skip counted).
    pub(super) fn ogg_opus_length(&self) -> Option<f64> {
        let first = self.bytes::<27>(0)?;
        let segments = u64::from(first[26]);
        let opus = self.bytes::<8>(27 + segments)? == *b"OpusHead";
        // One stream: the first page begins it, the next does not.
        let lacing = self.vec(27, segments as usize)?;
        let next = 27 + segments + lacing.iter().map(|&l| u64::from(l)).sum::<u64>();
        let second = self.bytes::<27>(next)?;
        let one_stream = &second[..4] == b"OggS" && second[5] & 2 == 0;
        if &first[..4] != b"OggS" || first[5] & 2 == 0 || !opus || !one_stream {
            return None;
        }
        let serial = &first[14..18];
        // The last page header whole in the file's tail.
        let from = self.len.saturating_sub(1 << 16);
        let tail = self.vec(from, (self.len - from) as usize)?;
        let last = (0..tail.len().saturating_sub(26))
            .rev()
            .find(|&i| tail[i..].starts_with(b"OggS"))?;
        let page = &tail[last..last + 27];
        let granule = i64::from_le_bytes(page[6..14].try_into().ok()?);
        (&page[14..18] == serial && granule > 0).then(|| granule as f64 / 48_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(granule: i64, body: usize) -> Vec<u8> {
        let mut p = b"OggS\0\x02".to_vec();
        p.extend(granule.to_le_bytes());
        p.extend([0u8; 12]);
        p.push(1);
        p.push(body as u8);
        p.extend(vec![0u8; body]);
        p
    }

    fn cut(bytes: &[u8]) -> Option<u64> {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), bytes).unwrap();
        let file = File::open(f.path()).unwrap();
        Reader::new(file, bytes.len() as u64).ogg_cut_in_headers()
    }

    fn reader(bytes: &[u8]) -> (tempfile::NamedTempFile, Reader) {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), bytes).unwrap();
        let file = File::open(f.path()).unwrap();
        let r = Reader::new(file, bytes.len() as u64);
        (f, r)
    }

    #[test]
    fn an_ogg_opus_file_lasts_its_last_granule_position() {
        // A first page beginning the stream with an OpusHead packet.
        let mut head = page(0, 19);
        head[28..36].copy_from_slice(b"OpusHead");
        // Pages that do not begin a stream.
        let media = |granule| {
            let mut p = page(granule, 50);
            p[5] = 0;
            p
        };
        let audio = [media(96_000), media(144_312)].concat();
        let file = [head.clone(), audio.clone()].concat();
        assert_eq!(reader(&file).1.ogg_opus_length(), Some(3.0065));
        // Two streams (a second page that begins one): not told.
        let other = page(0, 30);
        let two = [head.clone(), other, audio].concat();
        assert_eq!(reader(&two).1.ogg_opus_length(), None);
        // Not Opus.
        assert_eq!(
            reader(&[page(0, 30), page(512, 9)].concat())
                .1
                .ogg_opus_length(),
            None
        );
    }

    #[test]
    fn a_file_cut_inside_its_header_pages_declares_the_page_end() {
        let headers = [page(0, 30), page(0, 200)].concat();
        assert_eq!(cut(&headers[..100]), Some(28 + 30 + 28 + 200));
        // Whole header pages, then media: not cut in the headers.
        let whole = [page(0, 30), page(0, 200), page(512, 100)].concat();
        assert_eq!(cut(&whole[..whole.len() - 10]), None);
        assert_eq!(cut(&headers), None);
        assert_eq!(cut(b"not ogg at all, just text"), None);
    }
}
