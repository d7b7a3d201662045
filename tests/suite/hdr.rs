//! HDR10+ (SMPTE ST 2094-40 dynamic metadata) where the stream carries it:
//! a 10-bit PQ HEVC stream made by x265, given an HDR10+ SEI message (ITU-T
//! T.35, Samsung's codes) before each picture, muxed by ffmpeg into MP4,
//! Matroska and MPEG-TS. MediaInfo calls these "SMPTE ST 2094 App 4". The
//! same stream without the messages is HDR10 and nothing more.

use crate::testenv::{TestEnv, ffmpeg};

/// An HEVC prefix SEI NAL unit (with its start code) holding one HDR10+
/// message: version 1, one window, 400 cd/m² targeted, the rest zero.
fn hdr10_plus_sei() -> Vec<u8> {
    // num_windows (2) = 1, targeted luminance (27) = 400, then 86 bits of
    // zero flags and statistics.
    let bits = format!("{:02b}{:027b}{}", 1, 400, "0".repeat(86));
    let mut body = vec![0xB5, 0x00, 0x3C, 0x00, 0x01, 0x04, 0x01];
    body.extend(
        format!("{bits:0<width$}", width = bits.len().div_ceil(8) * 8)
            .as_bytes()
            .chunks(8)
            .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap()),
    );
    let mut sei = vec![0x4E, 0x01, 0x04, body.len() as u8];
    sei.extend(body);
    sei.push(0x80);
    // Emulation prevention: no 00 00 0x (x ≤ 3) inside a NAL unit.
    let mut nal = vec![0, 0, 0, 1];
    let mut zeros = 0;
    for b in sei {
        if zeros >= 2 && b <= 3 {
            nal.push(3);
            zeros = 0;
        }
        nal.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    nal
}

/// `stream` (HEVC in byte-stream form) with `sei` before each picture's
/// slice NAL units.
fn with_sei_before_pictures(stream: &[u8], sei: &[u8]) -> Vec<u8> {
    let starts: Vec<usize> = stream
        .windows(3)
        .enumerate()
        .filter(|(_, w)| *w == [0, 0, 1])
        .map(|(i, _)| i + 3)
        .collect();
    let mut out = Vec::new();
    for (k, &at) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(stream.len(), |&n| n - 3);
        let nal = &stream[at..end];
        // VCL NAL unit types are below 32.
        if (nal[0] >> 1) & 0x3F < 32 {
            out.extend(sei);
        }
        out.extend([0, 0, 0, 1]);
        out.extend(nal);
    }
    out
}

#[test]
fn hdr10_plus_is_told_in_mp4_matroska_and_transport_streams() {
    let env = TestEnv::new();
    let work = env.path().join("hdr10plus");
    std::fs::create_dir_all(&work).unwrap();
    let plain = work.join("pq.hevc");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25:duration=1",
        "-pix_fmt",
        "yuv420p10le",
        "-c:v",
        "libx265",
        "-x265-params",
        "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc",
        "-f",
        "hevc",
        plain.to_str().unwrap(),
    ]);
    let tagged = work.join("pq10plus.hevc");
    let stream = std::fs::read(&plain).unwrap();
    std::fs::write(
        &tagged,
        with_sei_before_pictures(&stream, &hdr10_plus_sei()),
    )
    .unwrap();
    let mp4 = env.lib.join("hdr10plus.mp4");
    ffmpeg(&[
        "-r",
        "25",
        "-i",
        tagged.to_str().unwrap(),
        "-c",
        "copy",
        mp4.to_str().unwrap(),
    ]);
    for out in ["hdr10plus.mkv", "hdr10plus.ts"] {
        let out = env.lib.join(out);
        ffmpeg(&[
            "-i",
            mp4.to_str().unwrap(),
            "-c",
            "copy",
            out.to_str().unwrap(),
        ]);
    }
    let hdr10 = env.lib.join("hdr10.mp4");
    ffmpeg(&[
        "-r",
        "25",
        "-i",
        plain.to_str().unwrap(),
        "-c",
        "copy",
        hdr10.to_str().unwrap(),
    ]);
    env.scan(&[], 0);
    for name in ["hdr10plus.mp4", "hdr10plus.mkv", "hdr10plus.ts"] {
        let doc = &env.row(&env.lib.join(name))["doc"];
        assert_eq!(doc["video"]["hdr"], "HDR10", "{name}: {doc}");
        assert_eq!(doc["video"]["hdr10_plus"], true, "{name}: {doc}");
        assert_eq!(doc["streams"][0]["hdr10_plus"], true, "{name}: {doc}");
    }
    let doc = &env.row(&hdr10)["doc"];
    assert_eq!(doc["video"]["hdr"], "HDR10", "{doc}");
    assert!(doc["video"]["hdr10_plus"].is_null(), "{doc}");
}
