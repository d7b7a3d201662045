//! ASF (WMV/WMA): the File Properties object's declared size, found by
//! GUID, a video stream's fourcc, and the frame rate FFmpeg estimates from
//! the video's payload timestamps (milliseconds), which is ffprobe's.

use super::*;

impl Reader {
    pub(super) fn asf(&self, h: &mut Headers) {
        const HEADER: [u8; 16] = guid("75B22630-668E-11CF-A6D9-00AA0062CE6C");
        const FILE_PROPERTIES: [u8; 16] = guid("8CABDCA1-A947-11CF-8EE4-00C00C205365");
        let Some(head) = self.bytes::<30>(0) else {
            return;
        };
        if head[0..16] != HEADER {
            return;
        }
        let size = u64::from_le_bytes(head[16..24].try_into().unwrap());
        let mut packet_size = None;
        let mut video = Vec::new();
        for (g, at, s) in self.asf_objects(30, size) {
            self.asf_pictures(g, at, s, &mut h.pictures);
            if g == FILE_PROPERTIES
                && let Some(b) = self.bytes::<8>(at + 40)
            {
                let declared = u64::from_le_bytes(b);
                // Zero while a file is being written (broadcast flag).
                if declared > 0 {
                    h.declared_size = Some(declared);
                }
                // The minimum and maximum data packet sizes: equal, as the
                // specification requires of every file with an index.
                packet_size = self
                    .bytes::<8>(at + 92)
                    .map(|b| [u32_le(&b[..4]), u32_le(&b[4..])])
                    .filter(|[min, max]| min == max && *min >= 16)
                    .map(|[min, _]| u64::from(min));
            }
            if g == STREAM_PROPERTIES
                && let Some(t) = self.asf_stream(at)
            {
                if t.handler == "vids" {
                    video.push(t.id as u8);
                }
                h.tracks.push(t);
            }
        }
        // One video stream: the estimate is that stream's.
        if let (Some(packet_size), [stream]) = (packet_size, video.as_slice()) {
            let stamps = self.asf_video_stamps(size + 50, packet_size, *stream);
            let frames: Vec<(i64, i64)> = stamps.into_iter().map(|t| (t, 0)).collect();
            h.estimated_rate =
                super::rfps::r_frame_rate(&frames, 1000, Some(super::rfps::frames_read(1000)));
        }
    }

    /// A Stream Properties object's stream: its number (the flags' low
    /// seven bits, at 72) and its type-specific data (at 78). Video: width,
    /// height, flags and the format data's size, then a BITMAPINFOHEADER
    /// whose compression is the fourcc ffprobe gives as the codec tag.
    /// Audio: a WAVEFORMATEX (format tag, channels, rate, …, bits).
    fn asf_stream(&self, at: u64) -> Option<Track> {
        let kind = self.bytes::<16>(at + 24)?;
        let id = u32::from(self.bytes::<2>(at + 72)?[0] & 0x7F);
        let data = at + 78;
        if kind == VIDEO_MEDIA {
            let size = self
                .bytes::<8>(data)
                .map(|b| [u32_le(&b[..4]), u32_le(&b[4..])]);
            return Some(Track {
                id,
                handler: "vids".into(),
                codec_tag: Some(fourcc_string(self.bytes::<4>(data + 11 + 16)?)),
                size: size.map(|[w, h]| (w, h)).filter(|&(w, h)| w > 0 && h > 0),
                ..Track::default()
            });
        }
        if kind != AUDIO_MEDIA {
            return None;
        }
        let w = self.bytes::<16>(data)?;
        let channels = u16::from_le_bytes([w[2], w[3]]);
        let rate = u32_le(&w[4..8]);
        Some(Track {
            id,
            handler: "auds".into(),
            codec_tag: Some(fourcc_string([w[0], w[1], 0, 0])),
            sound: Some((channels, rate)).filter(|&(c, r)| c > 0 && r > 0),
            // The sample size is a fact of PCM only (WMA states 16).
            sample_bits: Some(u32::from(u16::from_le_bytes([w[14], w[15]])))
                .filter(|&b| b > 0 && w[0..2] == [1, 0]),
            ..Track::default()
        })
    }

    /// The presentation times (ms) of the first frames of video stream
    /// `stream`: one per media object, from the payload that starts it, in
    /// the data packets (of `packet_size` bytes) from `from`.
    fn asf_video_stamps(&self, from: u64, packet_size: u64, stream: u8) -> Vec<i64> {
        // FFmpeg reads 40 durations in a millisecond time base.
        const WANTED: usize = 42;
        const MOST_PACKETS: u64 = 4096;
        let mut stamps = Vec::new();
        let mut at = from;
        let mut packets = 0;
        while stamps.len() < WANTED && packets < MOST_PACKETS && at + packet_size <= self.len {
            let Some(p) = self.vec(at, packet_size as usize) else {
                break;
            };
            if packet_stamps(&p, stream, &mut stamps).is_none() {
                break;
            }
            at += packet_size;
            packets += 1;
        }
        stamps
    }
}

impl Reader {
    /// The objects in `[from, to)`: GUID, offset and size.
    fn asf_objects(&self, from: u64, to: u64) -> Vec<([u8; 16], u64, u64)> {
        let mut out = Vec::new();
        let mut at = from;
        while at + 24 <= to.min(self.len) && out.len() < 1000 {
            let Some(o) = self.bytes::<24>(at) else { break };
            let s = u64::from_le_bytes(o[16..24].try_into().unwrap());
            if s < 24 {
                break;
            }
            out.push((<[u8; 16]>::try_from(&o[0..16]).unwrap(), at, s));
            at += s;
        }
        out
    }

    /// Cover art (`WM/Picture`) in the header object `g` at `at` of `s`
    /// bytes, which FFmpeg reads as attached pictures: among the extended
    /// content descriptors, and the metadata (library) records of the
    /// header extension.
    fn asf_pictures(&self, g: [u8; 16], at: u64, s: u64, out: &mut Vec<(String, u64)>) {
        if g == EXTENDED_CONTENT {
            self.asf_descriptors(at + 24, at + s, false, out);
        }
        if g == HEADER_EXTENSION {
            for (g, at, s) in self.asf_objects(at + 46, at + s) {
                if g == METADATA || g == METADATA_LIBRARY {
                    self.asf_descriptors(at + 24, at + s, true, out);
                }
            }
        }
    }

    /// The `WM/Picture` values among the descriptors of `[from, to)`: an
    /// extended content description's (name length, name, type, value
    /// length, value) or, `records`, a metadata object's (language and
    /// stream numbers, name length, type, a 32-bit value length, name,
    /// value). Media type and picture length of each.
    fn asf_descriptors(&self, from: u64, to: u64, records: bool, out: &mut Vec<(String, u64)>) {
        let len = to.min(self.len).saturating_sub(from).min(16 << 20);
        if let Some(b) = self.vec(from, len as usize) {
            wm_pictures(&b, records, out);
        }
    }
}

/// The `WM/Picture` values among the descriptors `b` holds (see
/// [`Reader::asf_descriptors`]), until one does not fit.
fn wm_pictures(b: &[u8], records: bool, out: &mut Vec<(String, u64)>) -> Option<()> {
    let u16_at = |i: usize| {
        b.get(i..i + 2)
            .map(|v| usize::from(u16::from_le_bytes([v[0], v[1]])))
    };
    let mut at = 2;
    for _ in 0..u16_at(0)? {
        let (name_at, name_len, kind, value_len) = if records {
            let value_len = u32_le(b.get(at + 8..at + 12)?) as usize;
            (at + 12, u16_at(at + 4)?, u16_at(at + 6)?, value_len)
        } else {
            let n = u16_at(at)?;
            (at + 2, n, u16_at(at + 2 + n)?, u16_at(at + 4 + n)?)
        };
        let value_at = name_at + name_len + if records { 0 } else { 4 };
        let name = b.get(name_at..name_at + name_len)?;
        let value = b.get(value_at..value_at + value_len)?;
        if kind == 1
            && utf16_name(name) == "WM/Picture"
            && let Some(p) = wm_picture(value)
        {
            out.push(p);
        }
        at = value_at + value_len;
    }
    Some(())
}

/// A UTF-16LE name, its terminator dropped.
fn utf16_name(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
        .trim_end_matches('\0')
        .to_string()
}

/// A `WM/Picture` value: picture type, data length, media type and
/// description (UTF-16LE, each ended by a zero), the data. Its media type
/// and length, for the media types FFmpeg takes for a picture.
fn wm_picture(v: &[u8]) -> Option<(String, u64)> {
    let size = u32_le(v.get(1..5)?) as usize;
    let rest = v.get(5..)?;
    let mime_end = rest.chunks_exact(2).position(|c| c == [0, 0])? * 2;
    let mime = utf16_name(&rest[..mime_end]);
    let known = [
        "image/gif",
        "image/jpeg",
        "image/jpg",
        "image/png",
        "image/tiff",
        "image/bmp",
        "image/webp",
    ];
    // The data must fit in what follows the media type.
    (known.contains(&mime.as_str()) && size < rest.len() - mime_end - 2).then(|| {
        let mime = if mime == "image/jpg" {
            "image/jpeg".to_string()
        } else {
            mime
        };
        (mime, size as u64)
    })
}

const EXTENDED_CONTENT: [u8; 16] = guid("D2D0A440-E307-11D2-97F0-00A0C95EA850");
const HEADER_EXTENSION: [u8; 16] = guid("5FBF03B5-A92E-11CF-8EE3-00C00C205365");
const METADATA: [u8; 16] = guid("C5F8CBEA-5BAF-4877-8467-AA8C44FA4CCA");
const METADATA_LIBRARY: [u8; 16] = guid("44231C94-9498-49D1-A141-1D134E457054");
const STREAM_PROPERTIES: [u8; 16] = guid("B7DC0791-A9B7-11CF-8EE6-00C00C205365");
const VIDEO_MEDIA: [u8; 16] = guid("BC19EFC0-5B4D-11CF-A8FD-00805F5C442B");
const AUDIO_MEDIA: [u8; 16] = guid("F8699E40-5B4D-11CF-A8FD-00805F5C442B");

fn u32_le(b: &[u8]) -> u32 {
    u32::from_le_bytes(b.try_into().unwrap_or_default())
}

/// A field of 0, 1, 2 or 4 bytes (a two-bit length type), little-endian,
/// at `*at`, which it passes.
fn field(p: &[u8], at: &mut usize, length_type: u8) -> Option<u32> {
    let n = [0, 1, 2, 4][usize::from(length_type & 3)];
    let b = p.get(*at..*at + n)?;
    *at += n;
    Some(b.iter().rev().fold(0, |v, &x| v << 8 | u32::from(x)))
}

/// Add to `stamps` the presentation time of every payload of `stream` in
/// the data packet `p` that starts a media object (a frame). `None` when
/// the packet cannot be parsed.
fn packet_stamps(p: &[u8], stream: u8, stamps: &mut Vec<i64>) -> Option<()> {
    let mut at = 0;
    // Error correction data: a flags byte, then its length of bytes.
    if p.first()? & 0x80 != 0 {
        at = 1 + usize::from(p[0] & 0x0F);
    }
    let (length_flags, properties) = (*p.get(at)?, *p.get(at + 1)?);
    at += 2;
    field(p, &mut at, length_flags >> 5)?; // packet length
    field(p, &mut at, length_flags >> 1)?; // sequence
    let padding = field(p, &mut at, length_flags >> 3)? as usize;
    at += 6; // send time, duration
    let multiple = length_flags & 1 != 0;
    let (count, length_type) = if multiple {
        let flags = *p.get(at)?;
        at += 1;
        (usize::from(flags & 0x3F), flags >> 6)
    } else {
        (1, 0)
    };
    for _ in 0..count {
        let number = *p.get(at)? & 0x7F;
        at += 1;
        field(p, &mut at, properties >> 4)?; // media object number
        let offset = field(p, &mut at, properties >> 2)?;
        let replicated = field(p, &mut at, properties)? as usize;
        let data = p.get(at..at + replicated)?;
        at += replicated;
        let length = if multiple {
            field(p, &mut at, length_type)? as usize
        } else {
            p.len().checked_sub(at + padding)?
        };
        // Replicated data of 8 bytes or more: the object's size, then its
        // presentation time. One byte: a compressed payload, whose offset
        // field is the presentation time.
        let time = match replicated {
            1 => Some(offset),
            8.. if offset == 0 => Some(u32_le(&data[4..8])),
            _ => None,
        };
        if number == stream
            && let Some(t) = time
        {
            stamps.push(i64::from(t));
        }
        at = at.checked_add(length)?;
    }
    Some(())
}

/// An ASF GUID as it is stored: its text form with the first three groups
/// little-endian.
pub(super) const fn guid(text: &str) -> [u8; 16] {
    const fn hex(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => c - b'A' + 10,
        }
    }
    let t = text.as_bytes();
    let mut bytes = [0u8; 16];
    let (mut i, mut n) = (0, 0);
    while i < t.len() {
        if t[i] == b'-' {
            i += 1;
            continue;
        }
        bytes[n] = hex(t[i]) << 4 | hex(t[i + 1]);
        n += 1;
        i += 2;
    }
    let mut out = bytes;
    // Groups of 4, 2 and 2 bytes are little-endian on disk.
    let order = [3, 2, 1, 0, 5, 4, 7, 6];
    let mut k = 0;
    while k < 8 {
        out[k] = bytes[order[k]];
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ASF object: its GUID, its size, its body.
    fn object(g: [u8; 16], body: &[u8]) -> Vec<u8> {
        let mut o = g.to_vec();
        o.extend((24 + body.len() as u64).to_le_bytes());
        o.extend(body);
        o
    }

    /// A 64-byte data packet of one payload of stream 1 starting a frame
    /// presented at `ms`.
    fn packet(ms: u32) -> Vec<u8> {
        // No error correction; single payload, padding length in a byte;
        // replicated data length, offset and object number in a byte each.
        let mut p = vec![0x08, 0x55, 0];
        p.extend([0u8; 6]);
        p.extend([0x81, 7, 0, 8]);
        p.extend(1000u32.to_le_bytes());
        p.extend(ms.to_le_bytes());
        p.resize(64, 0);
        p
    }

    #[test]
    fn the_rate_of_millisecond_payload_stamps_is_ffmpegs_estimate() {
        let mut file_properties = vec![0u8; 80];
        file_properties[68..72].copy_from_slice(&64u32.to_le_bytes());
        file_properties[72..76].copy_from_slice(&64u32.to_le_bytes());
        let mut stream = VIDEO_MEDIA.to_vec();
        stream.resize(48, 0);
        stream.extend([1, 0]);
        let objects = [
            object(
                guid("8CABDCA1-A947-11CF-8EE4-00C00C205365"),
                &file_properties,
            ),
            object(STREAM_PROPERTIES, &stream),
        ]
        .concat();
        let mut b = guid("75B22630-668E-11CF-A6D9-00AA0062CE6C").to_vec();
        b.extend((30 + objects.len() as u64).to_le_bytes());
        b.extend([2, 0, 0, 0, 1, 2]);
        b.extend(objects);
        b.extend([0u8; 50]);
        // 24 fps in whole milliseconds: 41 or 42 ms apart.
        for n in 0..45u32 {
            b.extend(packet(46 + n * 1000 / 24));
        }
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), &b).unwrap();
        let file = File::open(f.path()).unwrap();
        let mut h = Headers::default();
        Reader::new(file, b.len() as u64).asf(&mut h);
        assert_eq!(h.estimated_rate, Some((24, 1)));
    }
}
