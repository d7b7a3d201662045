//! Raw DTS-HD (`.dtshd`): a chain of chunks, each an eight-letter name and
//! a 64-bit size, that DTS's tools write around a DTS stream, which
//! GStreamer's type finder does not know. Read as FFmpeg's `dtshd` demuxer
//! reads it: `AUPR-HDR` gives the duration ffprobe reports (its frames
//! times the samples of each, over the rate), `STRMDATA` holds the stream,
//! whose first frames tell its channels and rate.

use super::*;

/// The first chunk's name, which starts every such file.
const MAGIC: &[u8; 8] = b"DTSHDHDR";

/// Chunks walked at most (files have half a dozen).
const MAX_CHUNKS: usize = 256;

/// The first bytes of the stream data kept for its frames' headers.
const FIRST_FRAMES: u64 = 64 * 1024;

/// What the chunks say.
#[derive(Debug, Default)]
struct Chunks {
    /// `AUPR-HDR`: samples (frames × samples per frame) and their rate.
    samples: Option<(u64, u32)>,
    /// `STRMDATA`: where the stream data starts, and its size.
    data: Option<(u64, u64)>,
    /// Where the last chunk walked ends: past the file's end in a cut file.
    end: u64,
}

impl Reader {
    /// The stream's first frames and the file's duration, for a file that
    /// starts with `DTSHDHDR` and whose chunks FFmpeg would accept.
    pub(super) fn dtshd(&self, h: &mut Headers) {
        if self.bytes::<8>(0).as_ref() != Some(MAGIC) {
            return;
        }
        let Some(chunks) = self.dtshd_chunks() else {
            return;
        };
        let Some((start, size)) = chunks.data else {
            return;
        };
        let n = size.min(FIRST_FRAMES).min(self.len.saturating_sub(start));
        let Some(frames) = self.vec(start, n as usize) else {
            return;
        };
        h.movie_s = chunks
            .samples
            .filter(|&(samples, _)| samples > 0)
            .map(|(samples, rate)| samples as f64 / f64::from(rate));
        // Kept (by `read`) only past the file's end: a cut file.
        h.declared_size = Some(chunks.end);
        h.dtshd_frames = Some(frames);
        h.sniffed_container = Some("dtshd");
    }

    /// The chunks from the file's start to its end. `None` where FFmpeg
    /// refuses the file: a chunk size under 4 or over 2^61 (or one that
    /// ends past any file), an `AUPR-HDR` too short or of rate 0, no
    /// `STRMDATA`.
    fn dtshd_chunks(&self) -> Option<Chunks> {
        let mut c = Chunks::default();
        let mut at = 0u64;
        for _ in 0..MAX_CHUNKS {
            let Some(head) = self.bytes::<16>(at) else {
                break;
            };
            let size = u64::from_be_bytes(head[8..].try_into().ok()?);
            if !(4..=1 << 61).contains(&size) {
                return None;
            }
            let body = at + 16;
            match &head[..8] {
                b"AUPR-HDR" => c.samples = Some(self.aupr_hdr(body, size)?),
                b"STRMDATA" => c.data = Some((body, size)),
                _ => {}
            }
            at = body
                .checked_add(size)
                .filter(|&end| end <= MAX_PLAUSIBLE_SIZE)?;
        }
        c.end = at;
        c.data.is_some().then_some(c)
    }

    /// `AUPR-HDR`: after three bytes, the rate (24 bits), the frames (32)
    /// and the samples of each (16).
    fn aupr_hdr(&self, body: u64, size: u64) -> Option<(u64, u32)> {
        if size < 21 {
            return None;
        }
        let b = self.bytes::<12>(body)?;
        let rate = u32::from_be_bytes([0, b[3], b[4], b[5]]);
        let frames = u64::from(u32::from_be_bytes(b[6..10].try_into().ok()?));
        let per_frame = u64::from(u16::from_be_bytes([b[10], b[11]]));
        (rate > 0).then_some((frames * per_frame, rate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(name: &[u8; 8], size: u64, body: &[u8]) -> Vec<u8> {
        let mut b = name.to_vec();
        b.extend(size.to_be_bytes());
        b.extend(body);
        b
    }

    /// An `AUPR-HDR` body: 48 kHz, 189 frames of 4096 samples.
    fn aupr() -> Vec<u8> {
        let mut b = vec![0, 0, 8, 0x00, 0xbb, 0x80, 0, 0, 0, 189, 0x10, 0];
        b.resize(24, 0);
        b
    }

    /// The headers of a file of `bytes`, for a container GStreamer names
    /// `container` ("" for none).
    fn read_named(bytes: &[u8], container: &str) -> Headers {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.dtshd");
        std::fs::write(&p, bytes).unwrap();
        read(&p, container, false)
    }

    fn headers_of(bytes: &[u8]) -> Headers {
        read_named(bytes, "")
    }

    #[test]
    fn the_chunks_give_the_duration_and_the_stream_data() {
        let stream = [0x64, 0x58, 0x20, 0x25, 1, 2, 3];
        let mut b = chunk(MAGIC, 16, &[0; 16]);
        b.extend(chunk(b"AUPR-HDR", 24, &aupr()));
        b.extend(chunk(b"STRMDATA", stream.len() as u64, &stream));
        b.extend(chunk(b"BUILDVER", 4, b"1.0\n"));
        let h = headers_of(&b);
        assert_eq!(h.movie_s, Some(189.0 * 4096.0 / 48000.0));
        assert_eq!(h.dtshd_frames.as_deref(), Some(&stream[..]));
        assert_eq!(h.sniffed_container, Some("dtshd"));
        assert_eq!(h.declared_size, None);
        // Not sniffed where GStreamer named the container.
        assert_eq!(read_named(&b, "mp3").dtshd_frames, None);
    }

    #[test]
    fn a_hostile_chunk_size_costs_nothing_and_says_nothing() {
        // STRMDATA claims a terabyte: only what the file holds is read, and
        // the file is cut.
        let mut b = chunk(MAGIC, 16, &[0; 16]);
        b.extend(chunk(b"STRMDATA", 1 << 40, &[0x7f, 0xfe, 0x80, 0x01]));
        let h = headers_of(&b);
        let core = [0x7f, 0xfe, 0x80, 0x01];
        assert_eq!(h.dtshd_frames.as_deref(), Some(&core[..]));
        assert_eq!(h.declared_size, Some(48 + (1 << 40)));
        // Past any file, or over FFmpeg's 2^61: a damaged file, not read.
        for size in [1 << 50, (1 << 61) + 1] {
            let mut b = chunk(MAGIC, 16, &[0; 16]);
            b.extend(chunk(b"STRMDATA", size, &[0; 4]));
            assert_eq!(headers_of(&b), Headers::default());
        }
        // A size under 4, an AUPR-HDR of rate 0, no stream data at all.
        let mut b = chunk(MAGIC, 2, &[0; 2]);
        b.extend(chunk(b"STRMDATA", 4, &[0; 4]));
        assert_eq!(headers_of(&b).dtshd_frames, None);
        let mut b = chunk(MAGIC, 16, &[0; 16]);
        b.extend(chunk(b"AUPR-HDR", 24, &[0; 24]));
        b.extend(chunk(b"STRMDATA", 4, &[0; 4]));
        assert_eq!(headers_of(&b).dtshd_frames, None);
        assert_eq!(headers_of(&chunk(MAGIC, 16, &[0; 16])), Headers::default());
    }
}
