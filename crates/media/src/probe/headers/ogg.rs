//! Ogg: a file cut inside its header pages (the codecs' setup packets, before
//! any page of media) is truncated, whatever the demuxer makes of it. Told
//! from the bytes alone: oggdemux sometimes exposes the streams of such a
//! file before it gives up and sometimes not, as its threads run.

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
