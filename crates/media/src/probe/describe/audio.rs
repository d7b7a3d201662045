//! An audio stream's facts from its caps and first frame: channels, rate,
//! layout and depth, and what the bitstream says better than the container
//! (AAC's configuration, TrueHD's major sync, DTS-HD's extension substream,
//! AC-3's and MPEG audio's frame headers, disc LPCM's payload header).

use gstreamer as gst;

use crate::probe::bitstream;
use mediadex_core::scan::document::Stream;

use super::Heard;
use super::stream::config_bytes;

/// Blu-ray and DVD LPCM, which their demuxers pass on undescribed: the
/// channels, rate (and DVD's sample size) of the first payload's header.
fn lpcm(heard: &Heard, out: &mut Stream) {
    let Some(map) = heard.first.as_ref().and_then(|b| b.map_readable().ok()) else {
        return;
    };
    let found = match out.codec.as_str() {
        "pcm_bluray" => bitstream::bluray_lpcm(&map).map(|(c, r)| (c, r, None)),
        "pcm_dvd" => bitstream::dvd_lpcm(&map).map(|(c, r, b)| (c, r, Some(b))),
        _ => None,
    };
    if let Some((channels, rate, bits)) = found {
        out.channels = Some(channels);
        out.sample_rate = Some(rate);
        out.channel_layout = channel_layout(channels, None).map(str::to_string);
        out.bit_depth = bits.or(out.bit_depth);
    }
}

/// TrueHD: the major sync's channels and rate, not an MP4 sample entry's
/// (which says 2 channels and no rate); 8 for a 7.1 presentation. DTS-HD:
/// the extension substream's, not the core's (a 7.1 Master Audio over a
/// 5.1 core), else the core frame's rate. LATM: its stream mux config's,
/// as ffmpeg's decoder reads it.
fn full_presentation(heard: &Heard, out: &mut Stream) {
    let read = match out.codec.as_str() {
        "truehd" => bitstream::truehd_major_sync,
        "dts" => bitstream::dts_hd_asset,
        "aac_latm" => bitstream::latm_config,
        _ => return,
    };
    if let Some(first) = &heard.first
        && let Ok(map) = first.map_readable()
        && let Some((channels, rate)) = read(&map)
    {
        out.channels = Some(channels);
        out.sample_rate = Some(rate);
        out.channel_layout = channel_layout(channels, None).map(str::to_string);
        out.bit_depth = match out.codec.as_str() {
            // TrueHD codes 24-bit samples (ffmpeg's bits_per_raw_sample).
            "truehd" => Some(24),
            "dts" => bitstream::dts_hd_lossless_depth(&map).or(out.bit_depth),
            _ => out.bit_depth,
        };
    } else if out.codec == "dts"
        && let Some(first) = &heard.first
        && let Ok(map) = first.map_readable()
        && let Some(rate) = bitstream::dts_core(&map).and_then(|c| c.rate)
    {
        // DTS without an extension substream: its core frame's rate, not
        // the container's (an MP4 sample entry may say twice it).
        out.sample_rate = Some(rate);
    }
}

/// DTS-HD in a transport stream whose extension substream GStreamer's
/// first buffer lacks (Blu-ray carries it in a PES packet of its own): the
/// channels, rate and lossless bit depth the program's first payloads say.
pub(super) fn ts_dts_extension(s: &mut Stream, payload: &[u8]) {
    if let Some((channels, rate)) = bitstream::dts_hd_asset(payload) {
        s.channels = Some(channels);
        s.sample_rate = Some(rate);
        s.channel_layout = channel_layout(channels, None).map(str::to_string);
    }
    if let Some(bits) = bitstream::dts_hd_lossless_depth(payload) {
        s.bit_depth = Some(bits);
    }
}

/// An audio stream's layout, and what its bitstream says better than the
/// container: lossless bit depth, (E-)AC-3 channels, MPEG audio's header.
pub(super) fn audio_details(s: &gst::StructureRef, heard: &Heard, out: &mut Stream) {
    {
        audio(s, out);
        if let Some(c) = config_bytes(s)
            && let Some(bits) = bitstream::lossless_bit_depth(&out.codec, &c)
        {
            out.bit_depth = Some(bits);
        }
        // G.711 codes each sample in 8 bits, these ADPCM formats in 4.
        match out.codec.as_str() {
            "pcm_alaw" | "pcm_mulaw" => out.bit_depth = Some(8),
            "adpcm_ima_wav" | "adpcm_ms" | "adpcm_ima_qt" | "adpcm_swf" => {
                out.bit_depth = out.bit_depth.or(Some(4))
            }
            _ => {}
        }
        // FLAC without its STREAMINFO (in AVI): the first frame's header.
        if out.codec == "flac"
            && out.bit_depth.is_none()
            && let Some(first) = &heard.first
            && let Ok(map) = first.map_readable()
        {
            out.bit_depth = bitstream::flac_frame_depth(&map);
        }
        // Lossless codecs whose parser states the depth of the samples.
        if out.bit_depth.is_none() && matches!(out.codec.as_str(), "ape" | "wavpack" | "tta") {
            let depth = s
                .get::<i32>("depth")
                .or_else(|_| s.get::<i32>("width"))
                .or_else(|_| s.get::<i32>("samplesize"));
            out.bit_depth = depth.ok().and_then(|d| u32::try_from(d).ok());
        }
        // MPEG-4 ALS rides as AAC in GStreamer's caps.
        if out.codec == "aac"
            && let Some(c) = config_bytes(s)
            && let Some((channels, rate, bits)) = bitstream::als_config(&c)
        {
            out.codec = "mp4als".into();
            out.channels = Some(channels);
            out.sample_rate = Some(rate);
            out.bit_depth = Some(bits);
            out.channel_layout = channel_layout(channels, None).map(str::to_string);
        }
        if matches!(out.codec.as_str(), "ac3" | "eac3")
            && let Some(first) = &heard.first
            && let Ok(map) = first.map_readable()
            && let Some(ch) = bitstream::ac3_channels(&map)
        {
            // The sync frame, not the sample entry (which says 2 for E-AC-3 in MP4).
            out.channels = Some(ch);
            out.channel_layout = channel_layout(ch, None).map(str::to_string);
        }
        full_presentation(heard, out);
        lpcm(heard, out);
        super::aac_output::implicit_sbr(heard, out);
        if matches!(out.codec.as_str(), "mp1" | "mp2" | "mp3")
            && let Some(first) = &heard.first
            && let Ok(map) = first.map_readable()
            && let Some(h) = bitstream::mpeg_audio_header(&map)
        {
            // The frame header is the truth: FLV can only say 5.5/11/22/44 kHz.
            out.sample_rate = Some(h.rate);
            out.channels = Some(h.channels);
            out.channel_layout = channel_layout(h.channels, None).map(str::to_string);
            if h.bitrate > 0 {
                out.bitrate = Some(h.bitrate);
            }
        }
    }
}

pub(super) fn audio(s: &gst::StructureRef, out: &mut Stream) {
    let get_int = |f: &str| s.get::<i32>(f).ok();
    out.channels = get_int("channels").filter(|&c| c > 0);
    out.sample_rate = get_int("rate").filter(|&r| r > 0);
    // Opus always decodes at 48 kHz; its header's rate is only the
    // source's, which a player may resample back to.
    if out.codec == "opus" && out.sample_rate.is_some() {
        out.sample_rate = Some(48_000);
    }
    let mask = s.get::<gst::Bitmask>("channel-mask").ok().map(|b| b.0);
    // AAC: the AudioSpecificConfig is the truth; containers' channel counts and
    // rates are often the muxer's defaults (2 channels, or twice the rate).
    let mut from_config = false;
    if out.codec == "aac"
        && let Ok(buf) = s.get::<gst::Buffer>("codec_data")
        && let Ok(map) = buf.map_readable()
        && let Some(asc) = bitstream::audio_specific_config(&map)
    {
        if let Some(ch) = asc.channels {
            out.channels = Some(ch);
            from_config = true;
        }
        out.sample_rate = Some(asc.rate);
    }
    if let Some(ch) = out.channels {
        let mask = if from_config { None } else { mask };
        out.channel_layout = channel_layout(ch, mask).map(str::to_string);
    }
    if let Ok(fmt) = s.get::<&str>("format")
        && let Some(bits) = fmt.get(1..).and_then(|d| {
            d.split('_')
                .next()
                .unwrap_or(d)
                .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                .parse::<u32>()
                .ok()
        })
    {
        out.bit_depth = Some(bits);
    }
}

pub(super) fn channel_layout(channels: i32, mask: Option<u64>) -> Option<&'static str> {
    // GStreamer channel positions: FL=0x1 FR=0x2 FC=0x4 LFE1=0x8 RL=0x10 RR=0x20
    // SL=0x400... (GstAudioChannelPosition bits). Without a mask, the layouts
    // the AAC and AC-3 standards define for that many channels.
    match (channels, mask) {
        (1, None | Some(0) | Some(0x4)) => Some("mono"),
        (2, None | Some(0) | Some(0x3)) => Some("stereo"),
        (3, Some(0x7)) => Some("3.0"),
        (3, Some(0xb)) => Some("2.1"),
        (4, Some(0x33)) => Some("quad"),
        (6, None | Some(0x3f)) => Some("5.1"),
        (6, Some(m)) if m & 0xf == 0xf && m.count_ones() == 6 => Some("5.1(side)"),
        (8, None) => Some("7.1"),
        (8, Some(m)) if m & 0xf == 0xf && m.count_ones() == 8 => Some("7.1"),
        _ => None,
    }
}
