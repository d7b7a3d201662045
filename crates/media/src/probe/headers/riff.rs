//! RIFF/AVI: the declared size and the `hdrl` stream headers; the chunk
//! walk the IFF family (RIFF, AIFF, DSDIFF) shares.

use super::*;

/// A chunk: its id, where its body starts, and the size its header states.
pub(super) type Chunk = ([u8; 4], u64, u64);

/// How a chunk header states the size after the id.
#[derive(Clone, Copy)]
pub(super) enum ChunkSize {
    /// RIFF: 32 bits, little-endian.
    Le32,
    /// AIFF: 32 bits, big-endian.
    Be32,
    /// DSDIFF: 64 bits, big-endian.
    Be64,
}

impl Reader {
    pub(super) fn riff(&self, h: &mut Headers) {
        // RIFF chunks follow one another (AVI files past 1 GiB add `AVIX` ones).
        let mut at = 0u64;
        while at + 12 <= self.len {
            let Some(head) = self.bytes::<12>(at) else {
                break;
            };
            if &head[0..4] != b"RIFF" {
                break;
            }
            let size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as u64;
            let end = at + 8 + size + (size & 1);
            // Its chunks, walked once for all that reads them: the first
            // segment's stream headers or WAVE chunks, and a cut's test.
            let read = at == 0 && matches!(&head[8..12], b"AVI " | b"WAVE");
            let chunks = if read || end > self.len {
                self.riff_chunks(at + 12, end.min(self.len))
            } else {
                Vec::new()
            };
            // A size of all ones (or none) is a writer's "unknown": ffmpeg
            // writing WAVE to a pipe leaves it so, and reading runs to the end.
            let unknown = size == u64::from(u32::MAX) || size == 0;
            if end > self.len && !unknown && !self.riff_size_overstated(&chunks, at + 8 + size) {
                h.declared_size = Some(at + 8 + size);
            }
            if at == 0 && &head[8..12] == b"AVI " {
                self.avi_streams(&chunks, h);
            }
            if at == 0 && &head[8..12] == b"WAVE" {
                h.pictures = self.chunk_id3_pictures(&chunks, end.min(self.len));
                let track = self.wave_track(&chunks);
                h.estimated_duration_s = self.wave_fact_duration(&chunks, track.as_ref());
                h.tracks.extend(track);
            }
            at = end;
        }
    }

    /// A WAVEFORMATEX (a WAVE file's `fmt ` chunk, an AVI audio stream's
    /// `strf`): format tag, channels, rate, byte rate, block align, bits
    /// per sample.
    fn wave_format(&self, at: u64, t: &mut Track) {
        if let Some(b) = self.bytes::<16>(at) {
            t.codec_tag = Some(fourcc_string([b[0], b[1], 0, 0]));
            let channels = u16::from_le_bytes([b[2], b[3]]);
            let rate = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
            t.sound = (channels > 0 && rate > 0).then_some((channels, rate));
            t.sample_bits = Some(u32::from(u16::from_le_bytes([b[14], b[15]]))).filter(|&n| n > 0);
        }
    }

    /// A WAVE file's one stream as its `fmt ` chunk states it: the channels
    /// and rate a decoder's caps may lose (G.711 at 96 kHz or in 4 channels).
    fn wave_track(&self, chunks: &[Chunk]) -> Option<Track> {
        let &(_, fmt, _) = chunks.iter().find(|c| &c.0 == b"fmt ")?;
        let mut t = Track {
            handler: "auds".into(),
            ..Track::default()
        };
        self.wave_format(fmt, &mut t);
        t.wave_tag = t.codec_tag.take();
        Some(t)
    }

    /// A compressed WAVE file's length as its `fact` chunk counts it: the
    /// samples per channel over the rate, as FFmpeg takes it for every
    /// format whose bits per sample do not give it (ADPCM, GSM, MP3 in WAVE).
    /// PCM, float and G.711 last what their data's size says, so for them
    /// the `fact` chunk is not read.
    fn wave_fact_duration(&self, chunks: &[Chunk], track: Option<&Track>) -> Option<f64> {
        let find = |id: &[u8; 4]| chunks.iter().find(|c| &c.0 == id);
        let &(_, fmt, fmt_size) = find(b"fmt ")?;
        let format = u16::from_le_bytes(self.bytes::<2>(fmt)?);
        // WAVE_FORMAT_EXTENSIBLE: the subformat GUID starts with the tag.
        let format = match format {
            0xFFFE if fmt_size >= 40 => u16::from_le_bytes(self.bytes::<2>(fmt + 24)?),
            f => f,
        };
        if matches!(format, 0x0001 | 0x0003 | 0x0006 | 0x0007 | 0xFFFE) {
            return self.wave_data_duration(chunks, track?);
        }
        let rate = u32::from_le_bytes(self.bytes::<4>(fmt + 4)?);
        let &(_, fact, _) = find(b"fact")?;
        let samples = u32::from_le_bytes(self.bytes::<4>(fact)?);
        (rate > 0 && samples > 0).then(|| samples as f64 / rate as f64)
    }

    /// PCM's length as FFmpeg counts it: the data chunk's bits over the
    /// channels' sample size (as the fmt chunk, `track`, states them),
    /// where the chunk lies whole in the file (a demuxer may state none for
    /// 8-bit PCM).
    fn wave_data_duration(&self, chunks: &[Chunk], track: &Track) -> Option<f64> {
        let &(_, data, size) = chunks.iter().find(|c| &c.0 == b"data")?;
        let (channels, rate) = track.sound?;
        let frame_bits = u64::from(channels) * u64::from(track.sample_bits?);
        let whole = data + size <= self.len && size != u64::from(u32::MAX);
        (whole && size > 0).then(|| (size * 8 / frame_bits) as f64 / f64::from(rate))
    }

    /// A RIFF chunk that says it ends at `end`, a few bytes past the file,
    /// though its own `chunks` end exactly where the file does: a writer
    /// that put the file's size where the size after the header belongs
    /// (8 bytes too many), not a cut file.
    fn riff_size_overstated(&self, chunks: &[Chunk], end: u64) -> bool {
        if end > self.len + 8 {
            return false;
        }
        chunks.last().is_some_and(|&(_, body, size)| {
            body + size + (size & 1) == self.len || body + size == self.len
        })
    }

    /// The RIFF chunks of `from..to` (at most 1,000).
    pub(super) fn riff_chunks(&self, from: u64, to: u64) -> Vec<Chunk> {
        self.iff_chunks(from, to, ChunkSize::Le32, 1000)
    }

    /// The chunks of `from..to` as the IFF family lays them out (RIFF,
    /// AIFF, DSDIFF): a four-letter id, the size as `size` states it, the
    /// body padded to an even length; at most `most` of them.
    pub(super) fn iff_chunks(
        &self,
        from: u64,
        to: u64,
        size: ChunkSize,
        most: usize,
    ) -> Vec<Chunk> {
        let head = if matches!(size, ChunkSize::Be64) {
            12
        } else {
            8
        };
        let mut out = Vec::new();
        let mut at = from;
        while at + head <= to && out.len() < most {
            let Some(c) = self.bytes::<8>(at) else { break };
            let n = match size {
                ChunkSize::Le32 => u64::from(u32::from_le_bytes([c[4], c[5], c[6], c[7]])),
                ChunkSize::Be32 => u64::from(u32::from_be_bytes([c[4], c[5], c[6], c[7]])),
                ChunkSize::Be64 => match self.u64be(at + 4) {
                    Some(n) => n,
                    None => break,
                },
            };
            out.push(([c[0], c[1], c[2], c[3]], at + head, n));
            at = (at + head).saturating_add(n + (n & 1));
        }
        out
    }

    /// The stream headers of an AVI file's `hdrl` list, among the first
    /// RIFF segment's `chunks`.
    pub(super) fn avi_streams(&self, chunks: &[Chunk], h: &mut Headers) {
        let Some(&(_, hdrl, hsize)) = chunks
            .iter()
            .find(|(k, b, _)| k == b"LIST" && self.bytes::<4>(*b).is_some_and(|t| &t == b"hdrl"))
        else {
            return;
        };
        let mut index = 0;
        for (k, body, size) in self.riff_chunks(hdrl + 4, hdrl + hsize) {
            if &k != b"LIST" || self.bytes::<4>(body).is_none_or(|t| &t != b"strl") {
                continue;
            }
            // 1-based, as avidemux numbers its streams.
            let mut t = Track {
                id: index + 1,
                ..Track::default()
            };
            index += 1;
            for (ck, cb, csize) in self.riff_chunks(body + 4, body + size) {
                self.avi_stream_chunk(ck, cb, csize, &mut t);
            }
            h.tracks.push(t);
        }
    }

    /// One chunk of a stream's `strl` list: its header (`strh`: kind, rate,
    /// length), format (`strf`) and name (`strn`).
    fn avi_stream_chunk(&self, kind: [u8; 4], cb: u64, csize: u64, t: &mut Track) {
        match &kind {
            // The stream's name, NUL-terminated.
            b"strn" => {
                t.title = self
                    .vec(cb, csize.min(256) as usize)
                    .map(|v| {
                        let end = v.iter().position(|&c| c == 0).unwrap_or(v.len());
                        String::from_utf8_lossy(&v[..end]).trim().to_string()
                    })
                    .filter(|n| !n.is_empty());
            }
            b"strh" => {
                let Some(s) = self.bytes::<36>(cb) else {
                    return;
                };
                t.handler = brand(&s[0..4]);
                let scale = u32::from_le_bytes([s[20], s[21], s[22], s[23]]);
                let rate = u32::from_le_bytes([s[24], s[25], s[26], s[27]]);
                let length = u32::from_le_bytes([s[32], s[33], s[34], s[35]]);
                if t.handler == "vids" {
                    if scale > 0 && rate > 0 {
                        t.frame_rate = Some((rate, scale));
                    }
                    t.frames = Some(length as u64).filter(|&n| n > 0);
                }
            }
            b"strf" if t.handler == "vids" => {
                // BITMAPINFOHEADER: size, width, height (negative
                // for top-down), planes, bit count, compression.
                if let Some(b) = self.bytes::<20>(cb) {
                    t.codec_tag = Some(fourcc_string([b[16], b[17], b[18], b[19]]));
                    let w = i32::from_le_bytes([b[4], b[5], b[6], b[7]]).unsigned_abs();
                    let h = i32::from_le_bytes([b[8], b[9], b[10], b[11]]).unsigned_abs();
                    t.size = (w > 0 && h > 0).then_some((w, h));
                }
            }
            b"strf" if t.handler == "auds" => self.wave_format(cb, t),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAVE file of `format` with 100 bytes of data that says it holds
    /// `data_size`, a `fact` chunk of 1,000 samples, and `riff_extra` added
    /// to the RIFF size its chunks make.
    fn wave(format: u16, data_size: u32, riff_extra: u32) -> Headers {
        let mut b = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        b.extend(16u32.to_le_bytes());
        b.extend(format.to_le_bytes());
        b.extend(1u16.to_le_bytes());
        b.extend(8000u32.to_le_bytes());
        // Byte rate, block align, 16 bits a sample.
        b.extend(16000u32.to_le_bytes());
        b.extend([2, 0, 16, 0]);
        b.extend(b"fact");
        b.extend(4u32.to_le_bytes());
        b.extend(1000u32.to_le_bytes());
        b.extend(b"data");
        b.extend(data_size.to_le_bytes());
        b.extend([0u8; 100]);
        let riff = (b.len() as u32 - 8 + data_size - 100 + riff_extra).to_le_bytes();
        b[4..8].copy_from_slice(&riff);
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), &b).unwrap();
        let mut h = Headers::default();
        Reader::new(File::open(f.path()).unwrap(), b.len() as u64).riff(&mut h);
        h
    }

    #[test]
    fn a_riff_size_eight_bytes_over_whole_chunks_is_not_a_cut() {
        assert_eq!(wave(0x11, 100, 0).declared_size, None);
        assert_eq!(wave(0x11, 100, 8).declared_size, None);
        // Data the file does not hold: cut, however the RIFF size is off.
        let cut = wave(0x11, 200, 0);
        assert_eq!(cut.declared_size, Some(156 + 100));
        assert!(wave(0x11, 200, 8).declared_size.is_some());
        // More than 8 bytes over whole chunks: a cut after the data chunk.
        assert!(wave(0x11, 100, 64).declared_size.is_some());
    }

    #[test]
    fn sizes_of_all_ones_are_unknown_not_a_cut() {
        // What ffmpeg writes to a pipe: RIFF and data sizes it could not
        // go back to fill in.
        let mut b = b"RIFF\xff\xff\xff\xffWAVEfmt ".to_vec();
        b.extend(16u32.to_le_bytes());
        b.extend([1, 0, 1, 0, 0x40, 0x1F, 0, 0, 0x80, 0x3E, 0, 0, 2, 0, 16, 0]);
        b.extend(b"data\xff\xff\xff\xff");
        b.extend([0u8; 100]);
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), &b).unwrap();
        let mut h = Headers::default();
        Reader::new(File::open(f.path()).unwrap(), b.len() as u64).riff(&mut h);
        assert_eq!(h.declared_size, None);
        // One byte short of all ones is a size, and the file is cut.
        b[4..8].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
        std::fs::write(f.path(), &b).unwrap();
        let mut h = Headers::default();
        Reader::new(File::open(f.path()).unwrap(), b.len() as u64).riff(&mut h);
        assert!(h.declared_size.is_some());
    }

    #[test]
    fn compressed_wave_lasts_its_fact_chunk_and_pcm_its_data_chunk() {
        assert_eq!(wave(0x11, 100, 0).estimated_duration_s, Some(0.125));
        assert_eq!(wave(0x02, 100, 0).estimated_duration_s, Some(0.125));
        // 100 bytes of 16-bit mono PCM at 8,000 Hz: 50 samples.
        assert_eq!(wave(0x01, 100, 0).estimated_duration_s, Some(0.00625));
        assert_eq!(wave(0x06, 100, 0).estimated_duration_s, Some(0.00625));
        // A data chunk that runs past the file: the demuxer's length.
        assert_eq!(wave(0x01, 1000, 0).estimated_duration_s, None);
    }
}
