//! Container headers read directly, for what GStreamer's demuxers do not pass on:
//! the length a file declares (so a cut file is told as truncated), MP4 brands,
//! and per track the stored fourcc, language, sample count and frame timing;
//! and the streams of files GStreamer cannot read at all (a cut raw DV frame,
//! raw DTS-HD).
//!
//! Cheap by design: box and chunk headers are read with positioned reads of a
//! few bytes each, skipping payloads; nothing here reads media data but the
//! first frame's headers of a file GStreamer could not read (bounded). Every
//! reader stops at the first thing it does not understand and returns what it
//! has: a missing fact stays absent, it is never guessed.

use std::fs::File;
use std::path::Path;

pub use apple_audio::HeaderAudio;
use reader::Reader;
use riff::{Chunk, ChunkSize};

mod ac3;
mod adts;
mod amr;
mod apple_audio;
mod asf;
mod dovi;
mod dsd;
mod dtshd;
mod dv;
mod flv;
mod fragments;
mod ivf;
mod matroska;
mod matroska_chapters;
mod mlp;
mod mp3;
mod mp4;
mod mp4_audio;
mod mp4_rate;
mod mpeg;
mod mxf;
mod mxf_labels;
mod mxf_sets;
mod mxf_streams;
mod ts;
mod ts_payload;
mod ts_probe;
mod ts_rate;
mod ts_sections;
mod wavpack;
pub use mpeg::{KindEnds, PtsSpan};
mod ogg;
mod qt_chapters;
mod reader;
mod rfps;
mod riff;
mod sample_end;
mod swf;
mod w64;

/// What the headers say.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Headers {
    /// The length the headers declare, when it is more than the file holds.
    pub declared_size: Option<u64>,
    pub major_brand: Option<String>,
    pub compatible_brands: Vec<String>,
    pub tracks: Vec<Track>,
    /// Raw ADTS AAC: the duration its size and the first frames' bit rate
    /// give, as ffprobe estimates it (there is no index to read).
    pub estimated_duration_s: Option<f64>,
    /// The file says it was written without knowing its length (WavPack),
    /// or states none (raw LOAS): no duration, as ffprobe gives none.
    pub length_unknown: bool,
    /// Track ids in GStreamer's stream ids are hexadecimal (MPEG-TS PIDs).
    pub track_ids_hex: bool,
    /// An AIFF or CAF file's one audio stream, as its headers state it.
    pub header_audio: Option<HeaderAudio>,
    /// MPEG-TS: the head holds DVB event information (EIT sections), which
    /// ffprobe lists as a data stream, `epg`.
    pub ts_epg: bool,
    /// MPEG-TS: the head holds no program map; the tracks are the PIDs
    /// whose packets start PES packets, as ffprobe finds them.
    pub ts_unmapped: bool,
    /// MPEG-TS and MPEG-PS: the time from the first to the last presentation
    /// timestamp, from the head and the tail of the file.
    pub pts_span: Option<mpeg::PtsSpan>,
    /// The video frame rate the container's own timestamps show (MPEG-TS and
    /// -PS PES, FLV tags): the judge of a rate the bitstream states.
    pub stamped_fps: Option<f64>,
    /// FLV: the video frame rate FFmpeg estimates from the tags'
    /// timestamps, which is ffprobe's.
    pub estimated_rate: Option<(u32, u32)>,
    /// MP4 Nero chapters (`udta/chpl`): start in seconds and title.
    pub chapters: Vec<(f64, Option<String>)>,
    /// Matroska: the chapters of the `Chapters` element at the head of the
    /// file, for a file whose table of contents GStreamer did not pass on.
    pub matroska_chapters: Vec<mediadex_core::scan::document::Chapter>,
    /// MP4: where the QuickTime chapter track (`tref/chap`) ends, which is
    /// where ffprobe ends the last chapter.
    pub chapter_track_end_s: Option<f64>,
    /// Fragmented MP4: the longest track's samples in all fragments, seconds.
    pub fragmented_s: Option<f64>,
    /// MP4: the sample tables were read and place every sample inside the
    /// file (a fragmented file's tables place none).
    pub samples_inside: bool,
    /// An MP4 whose boxes are whole but whose tables place samples past
    /// the end (a cut file whose `mdat` size was mended): where they end.
    pub samples_past_end: Option<u64>,
    /// The movie header's duration (MP4 `mvhd`, Matroska `Duration`,
    /// DTS-HD `AUPR-HDR`; MXF: the longest track's), seconds, when it
    /// states one.
    pub movie_s: Option<f64>,
    /// Raw DV whose duration GStreamer did not tell (dvdemux failed on it):
    /// what the first frame's DIF headers say.
    pub dv: Option<crate::probe::bitstream::DvFrame>,
    /// Raw DTS-HD: the first bytes of its stream data (`STRMDATA`), whose
    /// frames tell the stream's facts.
    pub dtshd_frames: Option<Vec<u8>>,
    /// The container's short name, for a file GStreamer's type finder could
    /// not name and the headers could (raw DTS-HD: `dtshd`).
    pub sniffed_container: Option<&'static str>,
    /// MP4: sample tables FFmpeg refuses (a sample-to-chunk run past the
    /// chunk offsets), and where.
    pub broken_tables: Option<String>,
    /// Attached pictures the container declares (MP4 `covr`, a raw AAC
    /// stream's leading ID3 `APIC`): media type and length, for a file
    /// whose pictures GStreamer did not pass on (they do not decode).
    pub pictures: Vec<(String, u64)>,
    /// Streams a container's own metadata describes, listed only when
    /// GStreamer read none (kept apart from `tracks`, which add to the
    /// streams GStreamer read): MXF's material package, SWF's stream tags.
    pub listed_tracks: Vec<Track>,
    /// Where `listed_tracks` come from, in words ("the MXF header
    /// metadata").
    pub listed_from: &'static str,
}

/// One track as its container header describes it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Track {
    /// The container's own track number (MP4 track id, AVI stream index).
    pub id: u32,
    /// `vide`, `soun`, … (MP4 handler) or `vids`, `auds`, … (AVI stream type).
    pub handler: String,
    pub codec_tag: Option<String>,
    /// MP4 `mdhd` language, ISO 639-2/T packed in three letters.
    pub language: Option<String>,
    pub frames: Option<u64>,
    pub duration_s: Option<f64>,
    /// Sample durations of a video track are not all the same.
    pub variable_frame_rate: Option<bool>,
    /// Frames per second an AVI or ASF header states.
    pub frame_rate: Option<(u32, u32)>,
    /// Frames per second the container's own timestamps of many frames
    /// give, for a track whose header states none (Matroska without
    /// `DefaultDuration`): preferred to a guess from two frames.
    pub timed_frame_rate: Option<(u32, u32)>,
    /// Matroska `DefaultDuration`, ns.
    pub default_duration_ns: Option<u64>,
    /// Field order from an MP4 `fiel` box, in ffprobe's words.
    pub field_order: Option<&'static str>,
    /// Matroska `CodecID`.
    pub codec_id: Option<String>,
    pub title: Option<String>,
    pub default: Option<bool>,
    pub forced: Option<bool>,
    /// MP4 media timescale (`mdhd`).
    pub timescale: Option<u32>,
    /// MP4: the media header's (`mdhd`) own length, timescale ticks, which
    /// a fragmented file's track extends (not the track header's).
    pub media_ticks: Option<u64>,
    /// MP4: the track holds no sample (`stsz` counts none, outside fragments).
    pub empty: bool,
    /// MP4: the sample table has no sample description (`stsd`), so the
    /// track's codec cannot be told; ffprobe lists it without one.
    pub no_sample_description: bool,
    /// MP4: the clockwise rotation of a track matrix that mirrors the picture,
    /// as ffprobe gives it (the angle of its first column, the flip aside).
    pub mirrored_rotation: Option<u32>,
    /// MP4: the clockwise rotation of the track matrix, any matrix (for a
    /// track GStreamer did not read, listed from its headers).
    pub rotation: Option<u32>,
    /// WAVE: the `fmt ` chunk's format tag, as ffprobe spells a codec tag
    /// (`[1][0][0][0]`); the stream is listed from the chunk only when
    /// GStreamer read none.
    pub wave_tag: Option<String>,
    /// A visual sample entry's (or Matroska video track's) width and height.
    pub size: Option<(u32, u32)>,
    /// MPEG-TS: the program map's stream type and descriptor tags.
    pub ts_stream_type: Option<u8>,
    pub ts_descriptors: Vec<u8>,
    /// MPEG-TS: the format identifier of the program's registration
    /// descriptor (`HDMV` on Blu-ray, `CUEI` for SCTE-35 cues), which
    /// decides what some private stream types mean.
    pub ts_program_registration: Option<[u8; 4]>,
    /// MPEG-TS: an ARIB caption stream, as its data component and stream
    /// identifier descriptors say (ISDB's profile A or C).
    pub ts_arib_caption: bool,
    /// MPEG-TS: the PID of the program's clock reference (PCR).
    pub ts_pcr_pid: Option<u16>,
    /// MPEG-TS: the first bytes of the stream's first PES payload in the
    /// file's head (a codec header the demuxer may never read).
    pub ts_first_payload: Vec<u8>,
    /// Dolby Vision's configuration record (MP4 `dvcC`/`dvvC`/`dvwC`,
    /// Matroska `BlockAdditionMapping`).
    pub dolby_vision: Option<mediadex_core::scan::document::DolbyVision>,
    /// An MP4 sound sample entry's (or a Matroska track's) channel count
    /// and rate (Hz), for a track no demuxer pad describes; an MPEG-TS
    /// stream's from its Opus descriptor.
    pub sound: Option<(u16, u32)>,
    /// MP4: a visual sample entry's decoder configuration record (`avcC`,
    /// `hvcC`, `av1C`), for a track no demuxer pad describes.
    pub config: Option<Vec<u8>>,
    /// MP4 ISO PCM (`ipcm`, `fpcm`): ffprobe's codec name, from the
    /// entry's sample size and the `pcmC` byte order, and that size.
    pub pcm_codec: Option<(String, u32)>,
    /// ffprobe's codec name where the container's labels tell it (an MXF
    /// descriptor's coding and essence container labels).
    pub codec_name: Option<&'static str>,
    /// The pixel format the first frame's header tells (MXF).
    pub pix_fmt: Option<String>,
    /// MP4: an `nclx` colour box's full range flag.
    pub full_range: Option<bool>,
    /// Matroska: the `BitDepth` of a track's audio.
    pub sample_bits: Option<u32>,
    /// MP4: the first frames' decoding timestamps and durations, for the
    /// frame rate estimate (emptied once it is made).
    pub first_frames: Vec<(i64, i64)>,
    /// MP4: a track other tracks name as their chapters (`tref/chap`).
    pub chapter_track: bool,
    /// MP4: a picture chapter track, whose first image is listed among the
    /// headers' pictures instead of as a video stream.
    pub chapter_picture: bool,
    /// MP4: the sample timestamps give ffprobe no frame rate, so it takes
    /// the codec's (the H.264 VUI's).
    pub rate_from_codec: bool,
    /// MP4: the `esds` object type of an `mp4a` or `mp4v` sample entry,
    /// which names its codec (0x40 AAC, 0x6B MP3, 0x6D PNG, …).
    pub object_type: Option<u8>,
    /// MP4: a sound entry with an AAC configuration (`mp4a` with an
    /// AudioSpecificConfig).
    pub aac: bool,
    /// MP4: where FFmpeg starts the track, seconds, when it is not at zero
    /// (an AAC track's `iTunSMPB` priming).
    pub start_s: Option<f64>,
}

impl Headers {
    /// The file's start time as ffprobe gives it, as far as the headers
    /// tell one: the earliest start of its tracks.
    pub fn start_s(&self) -> f64 {
        let starts = self.tracks.iter().map(|t| t.start_s.unwrap_or(0.0));
        starts.reduce(f64::min).unwrap_or(0.0)
    }

    /// The tracks are a Matroska file's (each has a `CodecID`), and there
    /// are some.
    pub fn matroska_tracks(&self) -> bool {
        !self.tracks.is_empty() && self.tracks.iter().all(|t| t.codec_id.is_some())
    }
}

impl Track {
    /// The frame rate ffprobe gives a track of `codec`: what its timestamps
    /// explain, else (MP4 timestamps that explain none, or no samples) the
    /// codec's own timing, the H.264 or HEVC VUI's.
    pub fn timed_rate(&self, codec: &str) -> Option<(u32, u32)> {
        let from_codec: fn(&[u8]) -> Option<(u32, u32)> = match codec {
            "h264" => crate::probe::bitstream::h264_vui_rate,
            "hevc" => crate::probe::bitstream::hevc_vui_rate,
            _ => |_| None,
        };
        // A track without samples has no timestamps to explain: FFmpeg's
        // HEVC decoder states its rate from the record alone, H.264's only
        // once it decodes a frame.
        let codec_rate = (self.rate_from_codec || (self.empty && codec == "hevc"))
            .then(|| self.config.as_deref().and_then(from_codec))
            .flatten();
        let (n, d) = self.timed_frame_rate.or(codec_rate)?;
        rfps::reduced(i64::from(n), i64::from(d))
    }
}

/// The largest file a header's declared length is believed for: 16 TiB,
/// beyond the longest 8K master.
const MAX_PLAUSIBLE_SIZE: u64 = 1 << 44;

/// Frame rates people's video has: a rate from timestamps is one of these
/// (within 0.2%), else none is told.
const COMMON_RATES: [(u32, u32); 20] = [
    (8, 1),
    (10, 1),
    (12, 1),
    (25, 2),
    (15, 1),
    (20, 1),
    (24000, 1001),
    (24, 1),
    (25, 1),
    (30000, 1001),
    (30, 1),
    (48, 1),
    (50, 1),
    (60000, 1001),
    (60, 1),
    (90, 1),
    (100, 1),
    (120000, 1001),
    (120, 1),
    (240, 1),
];

/// The frame rate the container's timestamps show (`shown`), where `fps`
/// (the bitstream's) contradicts it: a header that says 1,000,000 fps of
/// frames stamped 33 ms apart, or an MPEG-2 header's 20 for frames each
/// repeated to 1/10 s. Fields stamped apart (twice the frame rate) agree.
/// `None` where they agree.
pub fn contradicted_rate(fps: f64, shown: f64) -> Option<(u32, u32)> {
    if shown.is_nan() || shown <= 0.0 || (0.5..1.5).contains(&(fps / shown)) {
        return None;
    }
    Some(common_rate(shown).unwrap_or((shown.round() as u32, 1)))
}

/// The common rate closest to `fps`, if within 0.2% (30 and 29.97 are 0.1%
/// apart: the closest tells them apart).
pub(super) fn common_rate(fps: f64) -> Option<(u32, u32)> {
    let off = |&(n, d): &(u32, u32)| (fps / (n as f64 / d as f64) - 1.0).abs();
    COMMON_RATES
        .into_iter()
        .filter(|r| off(r) < 0.002)
        .min_by(|a, b| off(a).total_cmp(&off(b)))
}

/// Read the headers of `path` for a container of the given short name.
/// `timed`: the demuxer told the duration (a DV file's first frame and an
/// MXF file's header metadata are then not read; transport and program
/// streams' timestamps, and raw ADTS's estimate, are read whatever
/// GStreamer says). An empty `container`: GStreamer could not name it,
/// and its magic is sniffed.
pub fn read(path: &Path, container: &str, timed: bool) -> Headers {
    let Ok(file) = File::open(path) else {
        return Headers::default();
    };
    let Ok(len) = file.metadata().map(|m| m.len()) else {
        return Headers::default();
    };
    let r = Reader::new(file, len);
    let mut h = Headers::default();
    match container {
        "mp4" | "mov" | "3gp" | "3g2" | "m4a" | "mj2" => r.mp4(&mut h),
        "mkv" | "webm" => r.matroska(&mut h),
        "avi" | "wav" => r.riff(&mut h),
        "asf" => r.asf(&mut h),
        "aiff" => r.aiff(&mut h),
        "caf" => r.caf(&mut h),
        "w64" => r.w64(&mut h),
        "iff" => r.dsdiff(&mut h),
        "dsf" => r.dsf(&mut h),
        "swf" => r.swf(&mut h),
        // A program stream of one audio stream, which typefinding takes
        // for the bare stream (its first pack is a few bytes).
        "ac3" | "mp3" | "aac" | "dts" if r.bytes::<4>(0) == Some([0, 0, 1, 0xBA]) => {
            h.pts_span = r.pts_span(None, None, &[])
        }
        "ac3" | "eac3" => h.estimated_duration_s = r.ac3_estimate(),
        "dts" => h.estimated_duration_s = r.dts_estimate(),
        "amr-nb-sh" | "amr-wb-sh" => h.estimated_duration_s = r.amr_estimate(),
        "mp3" => r.mpeg_audio(&mut h),
        // Typefinding names a file that starts with an ID3 tag `tagged`.
        // An HLS packed audio segment is ADTS behind its timestamp's tag.
        // WavPack with an APE tag at its end is `tagged` too.
        "tagged" if r.wavpack_length().is_some() => r.wavpack(&mut h),
        "tagged" => {
            h.estimated_duration_s = r
                .ac3_estimate()
                .or_else(|| r.adts_estimate())
                .or_else(|| r.mpeg_audio_estimate())
        }
        "aac" => {
            h.estimated_duration_s = r.adts_estimate();
            h.pictures = r.leading_id3_pictures();
            // LOAS: no length, as ffprobe gives none; aacparse's guess
            // from the bit rate came in some scans and not in others.
            h.length_unknown = h.estimated_duration_s.is_none() && r.loas();
        }
        "wavpack" => r.wavpack(&mut h),
        "ts" => r.transport(&mut h, 188),
        "m2ts" => r.transport(&mut h, 192),
        "mpeg-ps" => h.pts_span = r.pts_span(None, None, &[]),
        "flv" => r.flv(&mut h),
        "ivf" => r.ivf(&mut h),
        "ogg" => {
            h.declared_size = r.ogg_cut_in_headers();
            h.estimated_duration_s = r.ogg_opus_length();
        }
        // What mxfdemux reads is not read again.
        "mxf" if !timed => r.mxf(&mut h),
        "dv" if !timed => r.dv(&mut h),
        // Nothing GStreamer knows: a container it lacks, told by its magic.
        "" => sniffed(&r, &mut h),
        _ => {}
    }
    if let Some(fps) = h.pts_span.and_then(|s| s.stamped_fps()) {
        h.stamped_fps = Some(fps);
    }
    // A declared length beyond any file (a size field of garbage) is a
    // damaged header, not a cut file.
    h.declared_size = h
        .declared_size
        .filter(|&d| d > len && d <= MAX_PLAUSIBLE_SIZE);
    h
}

/// A file GStreamer could not name, told by its bytes: a transport stream
/// too short for typefinding to be sure of it (a few packets) by its sync
/// bytes, raw DTS-HD, DSD files too short for libav's type finders, raw
/// TrueHD and MLP, and DSD in WavPack.
fn sniffed(r: &Reader, h: &mut Headers) {
    if let Some(packet) = r.ts_packet_size() {
        r.transport(h, packet);
        h.sniffed_container = Some(if packet == 192 { "m2ts" } else { "ts" });
        return;
    }
    r.dtshd(h);
    for (read, name) in [
        (Reader::dsf as fn(&Reader, &mut Headers), "dsf"),
        (Reader::dsdiff, "iff"),
        (Reader::mlp, "truehd"),
        (Reader::wavpack_dsd, "wv"),
    ] {
        if h.sniffed_container.is_none() && h.header_audio.is_none() {
            read(r, h);
            if h.header_audio.is_some() {
                h.sniffed_container.get_or_insert(name);
            }
        }
    }
}

/// ffprobe's spelling of a fourcc: printable characters as they are, others as
/// `[N]`.
pub fn fourcc_string(b: [u8; 4]) -> String {
    b.iter()
        .map(|&c| {
            if c.is_ascii_alphanumeric() || b" .-_".contains(&c) {
                (c as char).to_string()
            } else {
                format!("[{c}]")
            }
        })
        .collect()
}

fn brand(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::asf::guid;
    use super::mpeg::pes_timestamps;
    use super::*;

    #[test]
    fn a_rate_the_timestamps_contradict_gives_way_to_theirs() {
        assert_eq!(contradicted_rate(1e6, 30.0), Some((30, 1)));
        assert_eq!(contradicted_rate(600.0, 59.99), Some((60, 1)));
        assert_eq!(contradicted_rate(30000.0 / 1001.0, 29.97), None);
        // Fields stamped apart in a 25 fps stream: within twice, kept.
        assert_eq!(contradicted_rate(25.0, 50.0), None);
        assert_eq!(contradicted_rate(20.0, 10.0), Some((10, 1)));
        assert_eq!(contradicted_rate(25.0, 0.0), None);
    }

    #[test]
    fn fourccs_as_ffprobe_spells_them() {
        assert_eq!(fourcc_string(*b"avc1"), "avc1");
        assert_eq!(fourcc_string([0x55, 0, 0, 0]), "U[0][0][0]");
    }

    #[test]
    fn pes_timestamps_of_mpeg2_and_mpeg1_headers() {
        // 90,000 ticks = 1 s: '0010' marker, 33 bits in 3/15/15 with marker bits.
        let pts = |v: u64, prefix: u8| {
            [
                prefix | (((v >> 30) as u8 & 7) << 1) | 1,
                (v >> 22) as u8,
                (((v >> 15) as u8) << 1) | 1,
                (v >> 7) as u8,
                ((v as u8) << 1) | 1,
            ]
        };
        let mut b = vec![0, 0, 1, 0xE0, 0, 0, 0x80, 0x80, 5];
        b.extend(pts(90_000, 0x20));
        b.extend([0, 0, 1, 0xC0, 0, 0, 0xFF, 0xFF]);
        b.extend(pts(180_000, 0x20));
        b.extend([0u8; 8]);
        assert_eq!(pes_timestamps(&b), vec![(0xE0, 90_000), (0xC0, 180_000)]);
    }

    #[test]
    fn asf_guids_are_stored_little_endian() {
        let g = guid("75B22630-668E-11CF-A6D9-00AA0062CE6C");
        assert_eq!(&g[..8], &[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11]);
        assert_eq!(&g[8..], &[0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C]);
    }

    #[test]
    fn a_cut_matroska_file_declares_more_than_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.mkv");
        // EBML header (empty), Segment of 1000 bytes, of which 10 are present.
        let mut b = vec![0x1A, 0x45, 0xDF, 0xA3, 0x80];
        b.extend([0x18, 0x53, 0x80, 0x67, 0x40 | 0x03, 0xE8]);
        b.extend([0u8; 10]);
        std::fs::write(&p, &b).unwrap();
        let h = read(&p, "mkv", true);
        assert_eq!(h.declared_size, Some(11 + 1000));
    }
}
