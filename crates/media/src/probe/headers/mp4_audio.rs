//! An MP4 sound sample entry: its channels and rate, and the codec name
//! ffprobe gives what GStreamer passes through unnamed or not at all (ISO
//! PCM, QuickTime PCM, MPEG-H's channel layout, AAC's own configuration).

use super::*;

impl Reader {
    /// A sound sample entry: channels and rate (the entry's, else its
    /// codec configuration's), and ISO PCM's codec.
    pub(super) fn mp4_sound_entry(&self, k: [u8; 4], entry: u64, entry_end: u64, t: &mut Track) {
        // A version 0 sound entry: channels at byte 16, the rate
        // (16.16) at byte 24.
        let channels = self.bytes::<2>(entry + 16).map(u16::from_be_bytes);
        let rate = self.u32be(entry + 24).map(|r| r >> 16);
        t.sound = channels.zip(rate).filter(|&(c, r)| c > 0 && r > 0);
        if matches!(&k, b"ipcm" | b"fpcm") {
            t.pcm_codec = self.iso_pcm(k, entry, entry_end);
        }
        if let Some(bits) = self.bytes::<2>(entry + 18).map(u16::from_be_bytes) {
            t.pcm_codec = t.pcm_codec.take().or_else(|| quicktime_pcm(k, bits));
        }
        // QuickTime's 24- and 32-bit PCM and floats are big-endian unless the
        // entry's `wave` box holds an `enda` box saying little (FFmpeg reads
        // it; qtdemux does not).
        if matches!(&k, b"in24" | b"in32" | b"fl32" | b"fl64")
            && self.little_endian_entry(entry, entry_end)
            && let Some((name, _)) = &mut t.pcm_codec
        {
            *name = name.replace("be", "le");
        }
        // AAC's own configuration (the `esds` AudioSpecificConfig)
        // overrides the entry's fields, which muxers leave at 2.
        if &k == b"mp4a" {
            t.object_type = self.esds_object_type(entry + 28, entry_end);
        }
        if &k == b"mp4a"
            && let Some(asc) = self.esds_config(entry + 28, entry_end)
            && let Some(c) = crate::probe::bitstream::audio_specific_config(&asc)
        {
            t.aac = true;
            t.sound = c.channels.map(|ch| (ch as u16, c.rate as u32)).or(t.sound);
        }
        // MPEG-H: the reference channel layout of its `mhaC` record.
        if matches!(&k, b"mha1" | b"mha2" | b"mhm1" | b"mhm2")
            && let Some(channels) = self.mpegh_channels(entry + 28, entry_end)
        {
            let rate = t
                .sound
                .map(|(_, r)| r)
                .or(self.u32be(entry + 24).map(|r| r >> 16));
            t.sound = rate.filter(|&r| r > 0).map(|r| (channels, r));
        }
    }

    /// MPEG-H as an MHAS stream (`mhm1`, `mhm2`): its configuration
    /// travels in the samples (an `mhaC` record is optional); the first
    /// sample's gives the channels and rate.
    pub(super) fn in_band_mpegh(&self, stbl: u64, stbl_end: u64, t: &mut Track) {
        if !matches!(t.codec_tag.as_deref(), Some("mhm1" | "mhm2")) {
            return;
        }
        let first = self.first_sample(stbl, stbl_end);
        let Some(sample) = first.and_then(|(at, n)| self.vec(at, n.min(4096) as usize)) else {
            return;
        };
        if let Some((Some(channels), rate)) = crate::probe::bitstream::mhas_config(&sample) {
            t.sound = Some((channels, rate));
        }
    }

    /// The channels of an MPEG-H `mhaC` record's reference channel layout
    /// (a CICP speaker layout index, ISO/IEC 23091-3).
    fn mpegh_channels(&self, start: u64, end: u64) -> Option<u16> {
        let (_, body, _) = self
            .boxes(start, end)
            .into_iter()
            .find(|(k, _, _)| k == b"mhaC")?;
        crate::probe::bitstream::cicp_channels(self.bytes::<3>(body)?[2])
    }

    /// ISO PCM (ISO/IEC 23003-5): integer or float samples of the entry's
    /// size, little-endian when the `pcmC` box's format flags say so.
    fn iso_pcm(&self, kind: [u8; 4], entry: u64, entry_end: u64) -> Option<(String, u32)> {
        let bits = self.bytes::<2>(entry + 18).map(u16::from_be_bytes)?;
        let (_, pcmc, _) = self
            .boxes(entry + 28, entry_end)
            .into_iter()
            .find(|(k, _, _)| k == b"pcmC")?;
        let order = if self.bytes::<1>(pcmc + 4)?[0] & 1 == 1 {
            "le"
        } else {
            "be"
        };
        let sign = match (&kind, bits) {
            (b"fpcm", 32 | 64) => "f",
            (b"ipcm", 16 | 24 | 32) => "s",
            _ => return None,
        };
        Some((format!("pcm_{sign}{bits}{order}"), bits.into()))
    }

    /// The DecoderSpecificInfo (an AudioSpecificConfig for AAC) of the
    /// `esds` among the boxes in `[start, end)`.
    fn esds_config(&self, start: u64, end: u64) -> Option<Vec<u8>> {
        self.esds(start, end)?.1
    }

    /// The object type (MPEG-4 Systems' codec number) of the `esds` among
    /// the boxes in `[start, end)`.
    pub(super) fn esds_object_type(&self, start: u64, end: u64) -> Option<u8> {
        Some(self.esds(start, end)?.0)
    }

    /// An `esds` box: ES_Descriptor (tag 3), DecoderConfigDescriptor (4),
    /// whose first byte is the object type, DecSpecificInfo (5), whose
    /// payload is the codec's configuration.
    fn esds(&self, start: u64, end: u64) -> Option<(u8, Option<Vec<u8>>)> {
        let (_, body, box_end) = self
            .boxes(start, end)
            .into_iter()
            .find(|(k, _, _)| k == b"esds")?;
        let d = self.vec(body + 4, (box_end - body - 4).min(512) as usize)?;
        // A descriptor: tag, a size of 1-4 bytes of 7 bits each, the payload.
        let descriptor = |at: usize| -> Option<(u8, usize, usize)> {
            let tag = *d.get(at)?;
            let (mut size, mut i) = (0usize, at + 1);
            for _ in 0..4 {
                let b = *d.get(i)?;
                size = (size << 7) | (b & 0x7f) as usize;
                i += 1;
                if b & 0x80 == 0 {
                    break;
                }
            }
            Some((tag, i, size))
        };
        let (tag, at, _) = descriptor(0)?;
        (tag == 3).then_some(())?;
        let flags = *d.get(at + 2)?;
        let mut at = at + 3;
        if flags & 0x80 != 0 {
            at += 2;
        }
        if flags & 0x40 != 0 {
            at += 1 + *d.get(at)? as usize;
        }
        if flags & 0x20 != 0 {
            at += 2;
        }
        let (tag, at, _) = descriptor(at)?;
        (tag == 4).then_some(())?;
        let object_type = *d.get(at)?;
        let config = descriptor(at + 13)
            .filter(|&(tag, _, _)| tag == 5)
            .and_then(|(_, at, size)| d.get(at..at + size).map(<[u8]>::to_vec));
        Some((object_type, config))
    }
}

impl Reader {
    /// Does the sample entry at `entry..end` hold an `enda` box of value 1?
    fn little_endian_entry(&self, entry: u64, end: u64) -> bool {
        let Some(b) = self.vec(entry, (end.saturating_sub(entry)).min(1024) as usize) else {
            return false;
        };
        b.windows(6)
            .position(|w| &w[..4] == b"enda")
            .and_then(|at| b.get(at + 4..at + 6))
            .is_some_and(|v| v[1] == 1)
    }
}

/// ffprobe's codec name for QuickTime's PCM sample entries (`raw `, `twos`,
/// `sowt`, …) of `bits` per sample, and that depth, for a track no demuxer
/// pad describes. The entry's own sample size decides 8 or 16 bits where
/// the fourcc leaves it open.
fn quicktime_pcm(kind: [u8; 4], bits: u16) -> Option<(String, u32)> {
    let name = match (&kind, bits) {
        (b"raw ", 8) => "pcm_u8",
        (b"twos" | b"sowt", 8) => "pcm_s8",
        (b"twos", 16) => "pcm_s16be",
        (b"sowt", 16) => "pcm_s16le",
        (b"in24", _) => "pcm_s24be",
        (b"in32", _) => "pcm_s32be",
        (b"fl32", _) => "pcm_f32be",
        (b"fl64", _) => "pcm_f64be",
        _ => return None,
    };
    let bits = match &kind {
        b"in24" => 24,
        b"in32" | b"fl32" => 32,
        b"fl64" => 64,
        _ => bits.into(),
    };
    Some((name.to_string(), bits))
}

#[cfg(test)]
mod tests {
    use super::quicktime_pcm;

    #[test]
    fn quicktime_pcm_is_named_by_its_fourcc_and_sample_size() {
        assert_eq!(quicktime_pcm(*b"raw ", 8), Some(("pcm_u8".into(), 8)));
        assert_eq!(quicktime_pcm(*b"twos", 16), Some(("pcm_s16be".into(), 16)));
        assert_eq!(quicktime_pcm(*b"sowt", 8), Some(("pcm_s8".into(), 8)));
        assert_eq!(quicktime_pcm(*b"in24", 16), Some(("pcm_s24be".into(), 24)));
        assert_eq!(quicktime_pcm(*b"raw ", 16), None);
        assert_eq!(quicktime_pcm(*b"mp4a", 16), None);
    }
}
