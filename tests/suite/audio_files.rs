//! Audio files shaped the way taggers and fragmenting muxers leave them,
//! made here with ffmpeg and compared with ffprobe: an M4A with two cover
//! pictures (qtdemux passes on the first), a WAVE file whose ID3 chunk
//! holds a cover, G.711 A-law (8 bits a sample), and an M4A whose first
//! samples are in its `moov` and the rest in fragments without a decode
//! time (each follows the one before, from the end of the `moov`'s).

use crate::testenv::{TestEnv, ffmpeg, ffmpeg_piped};

/// Run ffmpeg with the space-separated `args`, then `out`.
fn make(args: &str, out: &std::path::Path) {
    let mut args: Vec<&str> = args.split_whitespace().collect();
    args.push(out.to_str().unwrap());
    ffmpeg(&args);
}

/// The ID3v2 tag an MP3 file starts with.
fn leading_id3(mp3: &[u8]) -> &[u8] {
    assert_eq!(&mp3[..3], b"ID3");
    let size = mp3[6..10]
        .iter()
        .fold(0usize, |n, &b| n << 7 | usize::from(b & 0x7F));
    &mp3[..10 + size]
}

#[test]
fn covers_g711_and_moov_then_fragments_agree_with_ffprobe() {
    let env = TestEnv::new();
    let (lib, work) = (&env.lib, env.lib.parent().unwrap());
    let (png, jpg) = (work.join("red.png"), work.join("blue.jpg"));
    make("-f lavfi -i color=red:s=32x32 -frames:v 1", &png);
    make("-f lavfi -i color=blue:s=48x48 -frames:v 1", &jpg);
    let tone = "-f lavfi -i sine=f=440:d=2";
    let pictures = format!("-i {} -i {}", png.display(), jpg.display());
    make(
        &format!(
            "{tone} {pictures} -map 0 -map 1 -map 2 -c:a aac -c:v copy -disposition:v attached_pic"
        ),
        &lib.join("two_covers.m4a"),
    );
    make(&format!("{tone} -c:a pcm_alaw"), &lib.join("alaw.wav"));
    // A WAVE file with an `id3 ` chunk: an MP3's tag, cover and all.
    let (mp3, wav) = (work.join("cover.mp3"), work.join("plain.wav"));
    make(
        &format!(
            "{tone} -i {} -map 0 -map 1 -c:a libmp3lame -c:v copy -disposition:v attached_pic -id3v2_version 3",
            png.display()
        ),
        &mp3,
    );
    make(&format!("{tone} -c:a pcm_s16le"), &wav);
    let mut bytes = std::fs::read(&wav).unwrap();
    let mp3 = std::fs::read(&mp3).unwrap();
    let tag = leading_id3(&mp3);
    bytes.extend(b"id3 ");
    bytes.extend((tag.len() as u32).to_le_bytes());
    bytes.extend(tag);
    if tag.len() % 2 == 1 {
        bytes.push(0);
    }
    let riff = (bytes.len() as u32 - 8).to_le_bytes();
    bytes[4..8].copy_from_slice(&riff);
    std::fs::write(lib.join("id3_cover.wav"), &bytes).unwrap();
    // Fragments after a `moov` holding the first second, their decode
    // times (`tfdt`) blanked out as `free` boxes of the same size.
    let fragmented = work.join("fragmented.m4a");
    make(
        "-f lavfi -i sine=f=440:d=6 -c:a aac -movflags frag_keyframe -frag_duration 1000000",
        &fragmented,
    );
    let mut bytes = std::fs::read(&fragmented).unwrap();
    let mut blanked = 0;
    for at in 0..bytes.len() - 4 {
        if &bytes[at..at + 4] == b"tfdt" {
            bytes[at..at + 4].copy_from_slice(b"free");
            blanked += 1;
        }
    }
    assert!(blanked >= 4, "{blanked} tfdt boxes");
    std::fs::write(lib.join("no_tfdt.m4a"), &bytes).unwrap();

    env.scan(&["--ext", "m4a,wav"], 0);
    let names: Vec<String> = ["alaw.wav", "id3_cover.wav", "no_tfdt.m4a", "two_covers.m4a"]
        .map(String::from)
        .to_vec();
    let (wrong, compared) = env.ffprobe_disagreements(&names, lib, &[]);
    assert!(compared > 25, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    let doc = |name: &str| env.row(&lib.join(name))["doc"].clone();
    let covers = doc("two_covers.m4a")["attachments"].clone();
    assert_eq!(covers.as_array().map(Vec::len), Some(2), "{covers}");
    assert_eq!(covers[1]["mime_type"], "image/jpeg", "{covers}");
    let wav = doc("id3_cover.wav");
    assert_eq!(wav["attachments"][0]["mime_type"], "image/png", "{wav}");
    assert_eq!(doc("alaw.wav")["streams"][0]["bit_depth"], 8);
    let seconds = doc("no_tfdt.m4a")["duration_s"].as_f64().unwrap();
    assert!(seconds > 5.9, "{seconds}");
}

/// IMA and Microsoft ADPCM in WAVE (as voice recorders write them), one
/// with the file's size where the RIFF header's size after its first
/// 8 bytes belongs: each lasts what its `fact` chunk counts (wavparse's
/// own answer is half of it), codes 4 bits a sample, and the overstated
/// size is not a cut file, as ffprobe says.
#[test]
fn adpcm_wave_lasts_its_fact_chunk_and_an_overstated_riff_size_is_whole() {
    let env = TestEnv::new();
    let lib = &env.lib;
    let tone = "-f lavfi -i sine=f=440:d=3:sample_rate=22050";
    make(&format!("{tone} -c:a adpcm_ima_wav"), &lib.join("ima.wav"));
    make(&format!("{tone} -c:a adpcm_ms"), &lib.join("ms.wav"));
    let mut bytes = std::fs::read(lib.join("ima.wav")).unwrap();
    let whole = (bytes.len() as u32).to_le_bytes();
    bytes[4..8].copy_from_slice(&whole);
    std::fs::write(lib.join("overstated.wav"), &bytes).unwrap();
    env.scan(&["--ext", "wav"], 0);
    let names: Vec<String> = ["ima.wav", "ms.wav", "overstated.wav"]
        .map(String::from)
        .to_vec();
    let (wrong, compared) = env.ffprobe_disagreements(&names, lib, &[]);
    assert!(compared > 15, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    for name in &names {
        let row = env.row(&lib.join(name));
        assert_eq!(row["status"], "ok", "{name}: {row}");
        let seconds = row["doc"]["duration_s"].as_f64().unwrap();
        assert!((seconds - 3.0).abs() < 0.1, "{name}: {seconds}");
        assert_eq!(row["doc"]["streams"][0]["bit_depth"], 4, "{name}");
    }
}

/// A DSDIFF file (tests/media/dsd), on which libav's IFF demuxer spins
/// without end and which no other demuxer here reads: described from its
/// headers at once, every fact as ffprobe says (DSD at 2.8224 MHz is 352,800
/// bytes of eight samples a second to FFmpeg), not a timeout. So is DSD in
/// WavPack, which GStreamer cannot read (from its first block).
#[test]
fn a_dsdiff_file_is_read_from_its_headers_at_once() {
    let env = TestEnv::new();
    let (names, dir) = env.copy_media("dsd");
    assert_eq!(names, ["dsd64.dff", "dsd_wavpack_apetag.wv"]);
    env.scan(&["--ext", "dff,wv", "--timeout", "20"], 0);
    let row = env.row(&env.lib.join("dsd_wavpack_apetag.wv"));
    assert_eq!(row["doc"]["streams"][0]["codec"], "wavpack", "{row}");
    let row = env.row(&env.lib.join("dsd64.dff"));
    assert_eq!(row["status"], "ok", "{row}");
    let audio = &row["doc"]["streams"][0];
    assert_eq!(audio["codec"], "dsd_msbf", "{row}");
    assert_eq!(audio["sample_rate"], 352800, "{row}");
    let (wrong, compared) = env.ffprobe_disagreements(&names, &dir, &[]);
    assert!(compared > 8, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    let ms = env.query("SELECT probe_ms FROM files ORDER BY path")[0]["probe_ms"].as_f64();
    assert!(ms.is_some_and(|ms| ms < 10_000.0), "{ms:?} ms");
}

/// PCM as discs and QuickTime carry it, made with ffmpeg: Blu-ray LPCM in
/// M2TS and DVD LPCM in a VOB (whose demuxers pass them on undescribed:
/// the first payload's header tells channels, rate and DVD's sample size)
/// and little-endian 24-bit integer and 32-bit float PCM in MOV (an `enda`
/// box, which qtdemux overlooks). Every fact as ffprobe says.
#[test]
fn disc_and_quicktime_pcm_agree_with_ffprobe() {
    let env = TestEnv::new();
    let lib = &env.lib;
    let av = "-f lavfi -i testsrc2=s=320x240:r=25:d=2 -f lavfi -i sine=d=2 -ac 2";
    for (name, codecs) in [
        (
            "bluray.m2ts",
            "-c:v libx264 -c:a pcm_bluray -mpegts_m2ts_mode 1",
        ),
        ("dvd.vob", "-c:v mpeg2video -c:a pcm_dvd -f vob"),
        ("in24.mov", "-c:v libx264 -c:a pcm_s24le"),
        ("fl32.mov", "-c:v libx264 -c:a pcm_f32le"),
    ] {
        make(&format!("{av} {codecs}"), &lib.join(name));
    }
    env.scan(&[], 0);
    let names: Vec<String> = ["bluray.m2ts", "dvd.vob", "fl32.mov", "in24.mov"]
        .map(String::from)
        .to_vec();
    let (wrong, compared) = env.ffprobe_disagreements(&names, lib, &[]);
    assert!(compared > 50, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    let audio = |name: &str| {
        let doc = env.row(&lib.join(name))["doc"].clone();
        let streams = doc["streams"].as_array().unwrap().clone();
        streams.into_iter().find(|s| s["kind"] == "audio").unwrap()
    };
    assert_eq!(audio("bluray.m2ts")["codec"], "pcm_bluray");
    assert_eq!(audio("bluray.m2ts")["sample_rate"], 48000);
    assert_eq!(audio("dvd.vob")["channels"], 2);
    assert_eq!(audio("fl32.mov")["codec"], "pcm_f32le");
}

/// Apple's audio containers as ffmpeg writes them: CAF, which no GStreamer
/// demuxer reads (ALAC, whose sample size is in its magic cookie, and
/// linear PCM in both byte orders), and AIFF-C whose compression aiffparse
/// refuses (A-law, µ-law, IMA ADPCM, and GSM from tests/media/aiff) or
/// leaves unnamed (`fl32`): every one described from its headers, every
/// fact as ffprobe says.
#[test]
fn caf_and_aiff_c_are_read_from_their_headers() {
    let env = TestEnv::new();
    let lib = &env.lib;
    let tone = "-f lavfi -i sine=d=2 -ac 2";
    let mut names = Vec::new();
    for (name, codec) in [
        ("alac.caf", "alac"),
        ("s24le.caf", "pcm_s24le"),
        ("f32be.caf", "pcm_f32be"),
        ("alaw.aifc", "pcm_alaw"),
        ("mulaw.aifc", "pcm_mulaw"),
        ("ima4.aifc", "adpcm_ima_qt"),
        ("fl32.aifc", "pcm_f32be"),
    ] {
        make(&format!("{tone} -c:a {codec}"), &lib.join(name));
        names.push(name.to_string());
    }
    let (gsm, _) = env.copy_media("aiff");
    names.extend(gsm);
    names.sort();
    env.scan(&["--ext", "caf,aifc"], 0);
    let (wrong, compared) = env.ffprobe_disagreements(&names, lib, &[]);
    assert!(compared > 60, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    let row = env.row(&lib.join("alac.caf"));
    assert_eq!(row["status"], "ok", "{row}");
    assert_eq!(row["doc"]["streams"][0]["codec"], "alac", "{row}");
    assert_eq!(row["doc"]["streams"][0]["bit_depth"], 16, "{row}");
    let gsm = env.row(&lib.join("gsm.aifc"));
    assert_eq!(gsm["doc"]["streams"][0]["codec"], "gsm", "{gsm}");
}

/// A DSF file of `data` bytes of 2.8224 MHz stereo DSD, then `tail` (an ID3
/// tag the header points to, if any).
fn dsf(data: usize, tail: &[u8]) -> Vec<u8> {
    let mut fmt = b"fmt ".to_vec();
    fmt.extend(52u64.to_le_bytes());
    for v in [1u32, 0, 2, 2, 2_822_400, 1] {
        fmt.extend(v.to_le_bytes());
    }
    fmt.extend((data as u64 * 4).to_le_bytes());
    fmt.extend([4096u32, 0].iter().flat_map(|v| v.to_le_bytes()));
    let mut body = b"data".to_vec();
    body.extend((12 + data as u64).to_le_bytes());
    body.resize(12 + data, 0);
    let at = (28 + fmt.len() + body.len()) as u64;
    let mut b = b"DSD ".to_vec();
    b.extend(28u64.to_le_bytes());
    b.extend((at + tail.len() as u64).to_le_bytes());
    b.extend(if tail.is_empty() { 0 } else { at }.to_le_bytes());
    [b, fmt, body, tail.to_vec()].concat()
}

/// DSF files: one libav's demuxer reads (which it names `dsd`), and one
/// whose data chunk is empty before its ID3 tag, on which the demuxer
/// fails: each has FFmpeg's codec by bit order, rate in bytes of eight
/// samples and length from the bit rate, every fact as ffprobe says.
#[test]
fn dsf_files_are_named_and_timed_as_ffmpeg_reads_them() {
    let env = TestEnv::new();
    let lib = &env.lib;
    std::fs::write(lib.join("tone.dsf"), dsf(16_384, &[])).unwrap();
    let tag = b"ID3\x04\x00\x00\x00\x00\x00\x0cTIT2\x00\x00\x00\x02\x00\x00\x03t";
    std::fs::write(lib.join("tag_only.dsf"), dsf(0, tag)).unwrap();
    env.scan(&["--ext", "dsf"], 0);
    let names: Vec<String> = ["tag_only.dsf", "tone.dsf"].map(String::from).to_vec();
    let (wrong, compared) = env.ffprobe_disagreements(&names, lib, &[]);
    assert!(compared > 15, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    for name in &names {
        let row = env.row(&lib.join(name));
        assert_eq!(row["status"], "ok", "{row}");
        assert_eq!(
            row["doc"]["streams"][0]["codec"], "dsd_lsbf_planar",
            "{row}"
        );
        assert_eq!(row["doc"]["streams"][0]["sample_rate"], 352_800, "{row}");
    }
}

/// What the stream says over what its container leaves out or gets wrong:
/// FLAC in AVI (its WAVE format tag, which avidemux passes on unnamed), DTS
/// in MP4 whose `dtsc` sample entry says 48 kHz over a 24 kHz core (as a
/// real packager's file does), and WAVE written to a pipe, whose RIFF and
/// data sizes are all ones (unknown, not a cut): every fact as ffprobe
/// says, each file `ok`.
#[test]
fn flac_in_avi_dts_under_a_wrong_entry_and_piped_wave_agree_with_ffprobe() {
    let env = TestEnv::new();
    let (lib, work) = (&env.lib, env.lib.parent().unwrap());
    make("-f lavfi -i sine=d=1 -c:a flac", &lib.join("flac.avi"));
    let dts = work.join("dts.mp4");
    make(
        "-f lavfi -i sine=r=24000:d=1 -ac 2 -c:a dca -strict -2 -f mp4",
        &dts,
    );
    let mut b = std::fs::read(&dts).unwrap();
    let at = b
        .windows(4)
        .position(|w| w == b"mp4a")
        .expect("a sample entry");
    b[at..at + 4].copy_from_slice(b"dtsc");
    // The sound entry's rate (16.16) after its 24 bytes of other fields.
    let rate = at + 4 + 24;
    assert_eq!(b[rate..rate + 4], (24_000u32 << 16).to_be_bytes());
    b[rate..rate + 4].copy_from_slice(&(48_000u32 << 16).to_be_bytes());
    std::fs::write(lib.join("dtsc.mp4"), b).unwrap();
    ffmpeg_piped(
        &["-f", "lavfi", "-i", "sine=d=1", "-f", "wav", "-"],
        &lib.join("piped.wav"),
    );
    env.scan(&["--ext", "avi,mp4,wav"], 0);
    let names: Vec<String> = ["flac.avi", "dtsc.mp4", "piped.wav"]
        .map(String::from)
        .to_vec();
    let (wrong, compared) = env.ffprobe_disagreements(&names, lib, &[]);
    assert!(compared > 20, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    let stream = |name: &str| env.row(&lib.join(name))["doc"]["streams"][0].clone();
    assert_eq!(stream("flac.avi")["codec"], "flac");
    assert_eq!(stream("dtsc.mp4")["sample_rate"], 24_000);
    let piped = env.row(&lib.join("piped.wav"));
    assert_eq!(piped["status"], "ok", "{piped}");
}

/// Covers and chapters as FFmpeg finds them in tags: a WMA file's two
/// `WM/Picture` values (tests/media/asf; asfdemux passes one on), and the
/// chapters a Vorbis comment lists (`CHAPTER001=…`, `CHAPTER001NAME=…`) in
/// Opus, Vorbis and FLAC files, the one past the end ending where it
/// starts. Every fact as ffprobe says.
#[test]
fn wma_covers_and_vorbis_comment_chapters_agree_with_ffprobe() {
    let env = TestEnv::new();
    let (mut names, _) = env.copy_media("asf");
    let dir = &env.lib;
    let chapters = "-metadata CHAPTER001=00:00:00.000 -metadata CHAPTER001NAME=One \
        -metadata CHAPTER002=00:00:01.500 -metadata CHAPTER002NAME=Two \
        -metadata CHAPTER003=00:00:09.000";
    for (name, codec) in [
        ("ch.opus", "libopus"),
        ("ch.ogg", "libvorbis"),
        ("ch.flac", "flac"),
    ] {
        make(
            &format!("-f lavfi -i sine=d=3 {chapters} -c:a {codec}"),
            &dir.join(name),
        );
        names.push(name.to_string());
    }
    env.scan(&["--ext", "wma,opus,ogg,flac"], 0);
    let (wrong, compared) = env.ffprobe_disagreements(&names, dir, &[]);
    assert!(compared > 40, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    let covers = &env.row(&dir.join("wm_pictures.wma"))["doc"]["attachments"];
    assert_eq!(covers.as_array().map(Vec::len), Some(2), "{covers}");
    for name in ["ch.opus", "ch.ogg", "ch.flac"] {
        let doc = &env.row(&dir.join(name))["doc"];
        let titles: Vec<&str> = doc["chapters"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no chapters in {doc}"))
            .iter()
            .map(|c| c["title"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(titles, ["One", "Two", ""], "{name}");
        assert_eq!(doc["chapters"][2]["end_s"], 9.0, "{name}");
    }
}

/// Wave64, which no GStreamer demuxer reads (PCM, 24-bit and float in
/// WAVE_FORMAT_EXTENSIBLE, as ffmpeg writes it), described from its chunks,
/// Microsoft's GSM 6.10 in WAVE, named as ffprobe names it (`gsm_ms`), and
/// TTA, whose depth its parser states as a sample size: every fact as
/// ffprobe says.
#[test]
fn wave64_gsm_in_wave_and_tta_agree_with_ffprobe() {
    let env = TestEnv::new();
    let lib = &env.lib;
    let tone = "-f lavfi -i sine=d=2";
    make(
        &format!("{tone} -c:a pcm_s16le -f w64"),
        &lib.join("s16.w64"),
    );
    make(
        &format!("{tone} -c:a pcm_s24le -f w64"),
        &lib.join("s24.w64"),
    );
    make(
        &format!("{tone} -c:a pcm_f32le -f w64"),
        &lib.join("f32.w64"),
    );
    make(
        &format!("{tone} -ar 8000 -c:a libgsm_ms"),
        &lib.join("gsm.wav"),
    );
    make(&format!("{tone} -c:a tta"), &lib.join("lossless.tta"));
    env.scan(&["--ext", "w64,wav,tta"], 0);
    let names: Vec<String> = ["f32.w64", "gsm.wav", "lossless.tta", "s16.w64", "s24.w64"]
        .map(String::from)
        .to_vec();
    let (wrong, compared) = env.ffprobe_disagreements(&names, lib, &[]);
    assert!(compared > 30, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    for name in &names {
        let row = env.row(&lib.join(name));
        assert_eq!(row["status"], "ok", "{row}");
    }
    let codec = |name: &str| env.row(&lib.join(name))["doc"]["streams"][0]["codec"].clone();
    assert_eq!(codec("s24.w64"), "pcm_s24le");
    assert_eq!(codec("gsm.wav"), "gsm_ms");
    let tta = &env.row(&lib.join("lossless.tta"))["doc"]["streams"][0];
    assert_eq!(tta["bit_depth"], 16, "{tta}");
}

/// MPEG audio behind junk that looks like a frame header (tests/media/mp3):
/// the stream is the first frame another of the same stream follows, as
/// FFmpeg finds it, not the layer I frame mpegaudioparse takes the junk
/// for: layer III, its rate and channels, every fact as ffprobe says.
#[test]
fn mpeg_audio_behind_junk_is_the_stream_ffmpeg_finds() {
    let env = TestEnv::new();
    let (names, dir) = env.copy_media("mp3");
    env.scan(&["--ext", "mp3"], 0);
    let (wrong, compared) = env.ffprobe_disagreements(&names, &dir, &[]);
    assert!(compared > 15, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    for (name, rate) in [
        ("headerPatternIsNotHeader.mp3", 44_100),
        ("truncated_frame.mp3", 48_000),
    ] {
        let audio = &env.row(&env.lib.join(name))["doc"]["streams"][0];
        assert_eq!(audio["codec"], "mp3", "{name}: {audio}");
        assert_eq!(audio["sample_rate"], rate, "{name}: {audio}");
    }
}

/// Raw TrueHD and MLP (mono and stereo), as disc extraction tools write
/// them, which no type finder here knows: read from the first major sync
/// (codec, channels, rate and FFmpeg's depth), `ok`, every fact as ffprobe
/// says.
#[test]
fn raw_truehd_and_mlp_are_read_from_their_major_sync() {
    let env = TestEnv::new();
    let lib = &env.lib;
    let tone = "-f lavfi -i sine=d=2 -strict -2";
    make(
        &format!("{tone} -ac 2 -c:a truehd -f truehd"),
        &lib.join("stereo.thd"),
    );
    for (name, channels) in [("mono.mlp", 1), ("stereo.mlp", 2)] {
        make(
            &format!("{tone} -ac {channels} -c:a mlp -f mlp"),
            &lib.join(name),
        );
    }
    env.scan(&["--ext", "thd,mlp"], 0);
    let names: Vec<String> = ["mono.mlp", "stereo.mlp", "stereo.thd"]
        .map(String::from)
        .to_vec();
    let (wrong, compared) = env.ffprobe_disagreements(&names, lib, &[]);
    assert!(compared > 10, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    for (name, codec) in [
        ("mono.mlp", "mlp"),
        ("stereo.mlp", "mlp"),
        ("stereo.thd", "truehd"),
    ] {
        let row = env.row(&lib.join(name));
        assert_eq!(row["status"], "ok", "{row}");
        assert_eq!(row["doc"]["streams"][0]["codec"], codec, "{row}");
    }
}

/// AAC of three channels, as ffmpeg writes it: channel configuration 0 and
/// a program config element (a front pair and an LFE) in the M4A's and the
/// Matroska file's AudioSpecificConfig, where the container says 2: every
/// fact as ffprobe says.
#[test]
fn aac_with_a_program_config_element_has_its_channels() {
    let env = TestEnv::new();
    let lib = &env.lib;
    for name in ["three.m4a", "three.mka"] {
        make("-f lavfi -i sine=d=2 -ac 3 -c:a aac", &lib.join(name));
    }
    env.scan(&["--ext", "m4a,mka"], 0);
    let names: Vec<String> = ["three.m4a", "three.mka"].map(String::from).to_vec();
    let (wrong, compared) = env.ffprobe_disagreements(&names, lib, &[]);
    assert!(compared > 10, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    for name in &names {
        let audio = &env.row(&lib.join(name))["doc"]["streams"][0];
        assert_eq!(audio["channels"], 3, "{name}: {audio}");
    }
}

/// Raw AMR, as phones store voice recordings (`#!AMR`, `#!AMR-WB` and
/// frames of one mode), encoded here by GStreamer's AMR encoders: the tag
/// of AMR's sample entry (`samr`, `sawb`) and a length of 20 ms a frame,
/// which amrparse gave a short file in no scan; every fact as ffprobe says.
#[test]
fn raw_amr_has_its_tag_and_length() {
    let env = TestEnv::new();
    let lib = &env.lib;
    for (name, rate, encoder, magic) in [
        ("voice.amr", 8000, "amrnbenc band-mode=0", &b"#!AMR\n"[..]),
        ("voice-wb.amr", 16000, "voamrwbenc", &b"#!AMR-WB\n"[..]),
    ] {
        let frames = lib.parent().unwrap().join(format!("{name}.frames"));
        let pipeline = format!(
            "audiotestsrc num-buffers=100 samplesperbuffer={} ! audio/x-raw,rate={rate},channels=1 ! {encoder} ! filesink location={}",
            rate / 50,
            frames.display()
        );
        let st = std::process::Command::new("gst-launch-1.0")
            .arg("-q")
            .args(pipeline.split_whitespace())
            .status()
            .expect("run gst-launch-1.0");
        assert!(st.success(), "{pipeline}");
        let body = std::fs::read(&frames).unwrap();
        std::fs::write(lib.join(name), [magic, &body[..]].concat()).unwrap();
    }
    env.scan(&["--ext", "amr"], 0);
    let names: Vec<String> = ["voice-wb.amr", "voice.amr"].map(String::from).to_vec();
    let (wrong, compared) = env.ffprobe_disagreements(&names, lib, &[]);
    assert!(compared > 15, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    for (name, tag) in [("voice.amr", "samr"), ("voice-wb.amr", "sawb")] {
        let doc = &env.row(&lib.join(name))["doc"];
        assert_eq!(doc["streams"][0]["codec_tag"], tag, "{name}: {doc}");
        assert_eq!(doc["duration_s"], 2.0, "{name}: {doc}");
    }
}
