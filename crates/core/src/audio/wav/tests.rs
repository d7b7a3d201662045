use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use super::part::*;
use super::repair::*;
use super::*;
use crate::audio::WavFormat;

fn header_sizes(path: &Path) -> (u32, u32, u64) {
    let b = std::fs::read(path).unwrap();
    (le32(&b[4..8]), le32(&b[40..44]), b.len() as u64)
}

#[test]
fn part_names() {
    let p = Path::new("/r/take.wav");
    assert_eq!(part_path(p, 1), PathBuf::from("/r/take.wav"));
    assert_eq!(part_path(p, 2), PathBuf::from("/r/take.part2.wav"));
    assert_eq!(frames_per_part(u64::MAX, 4), MAX_PART_DATA_BYTES / 4);
    assert!(frames_per_part(u64::MAX, 6) * 6 + 68 < u32::MAX as u64);
    assert_eq!(frames_per_part(1000, 6), 166);
}

#[test]
fn checkpoint_then_crash_then_repair() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.wav");
    let mut p = PartFile::create(&path, WavFormat::S16, 2, 8000, false).unwrap();
    assert_eq!(header_sizes(&path), (36, 0, 44));
    let samples: Vec<f32> = (0..2000).map(|i| (i % 100) as f32 / 200.0).collect();
    p.write(&samples).unwrap();
    p.checkpoint().unwrap();
    assert_eq!(header_sizes(&path).1, 4000);
    p.write(&samples).unwrap();
    // Dropping brings the header up to date; put back what the checkpoint
    // wrote, as a crash between checkpoints would have left it, and add the
    // first bytes of a frame that never finished.
    drop(p);
    let mut f = OpenOptions::new().write(true).open(&path).unwrap();
    f.seek(SeekFrom::Start(4)).unwrap();
    f.write_all(&(36u32 + 4000).to_le_bytes()).unwrap();
    f.seek(SeekFrom::Start(40)).unwrap();
    f.write_all(&4000u32.to_le_bytes()).unwrap();
    f.seek(SeekFrom::End(0)).unwrap();
    f.write_all(&[9, 9, 9]).unwrap();
    drop(f);
    let r = repair(&path, RepairMode::DataIsLast).unwrap();
    assert!(r.changed);
    assert_eq!(r.dropped_bytes, 3);
    assert_eq!(r.header_frames, 1000);
    assert_eq!(r.frames, 2000);
    let rd = hound::WavReader::open(&path).unwrap();
    assert_eq!(rd.duration(), 2000);
    // A second repair finds nothing to do.
    assert!(!repair(&path, RepairMode::Detect).unwrap().changed);
}

#[test]
fn detect_keeps_trailing_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.wav");
    {
        let mut w = hound::WavWriter::create(&path, spec(WavFormat::S16, 1, 8000)).unwrap();
        for i in 0..100 {
            w.write_sample(i as i16).unwrap();
        }
        w.finalize().unwrap();
    }
    // A LIST chunk after the data, with the RIFF size updated: a sound file.
    let mut b = std::fs::read(&path).unwrap();
    b.extend_from_slice(b"LIST\x04\x00\x00\x00INFO");
    let riff = (b.len() - 8) as u32;
    b[4..8].copy_from_slice(&riff.to_le_bytes());
    std::fs::write(&path, &b).unwrap();
    let r = repair(&path, RepairMode::Detect).unwrap();
    assert!(!r.changed);
    assert_eq!(r.frames, 100);
    // Zero data size (a writer that never came back): every byte is audio again.
    b[40..44].copy_from_slice(&0u32.to_le_bytes());
    b.truncate(44 + 200);
    std::fs::write(&path, &b).unwrap();
    let r = repair(&path, RepairMode::Detect).unwrap();
    assert!(r.changed);
    assert_eq!(r.frames, 100);
}

#[test]
fn refuses_locked_and_non_wav() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.wav");
    let _live = PartFile::create(&path, WavFormat::F32, 1, 8000, false).unwrap();
    assert!(matches!(
        repair(&path, RepairMode::Detect),
        Err(WavError::Busy { .. })
    ));
    assert!(matches!(
        PartFile::create(&path, WavFormat::F32, 1, 8000, false),
        Err(WavError::Exists { .. })
    ));
    let junk = dir.path().join("junk.wav");
    std::fs::write(&junk, b"hello").unwrap();
    assert!(matches!(
        repair(&junk, RepairMode::Detect),
        Err(WavError::NotWav { .. })
    ));
}

#[test]
fn formats_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    for (fmt, name) in [
        (WavFormat::S16, "s16"),
        (WavFormat::S24, "s24"),
        (WavFormat::F32, "f32"),
    ] {
        let path = dir.path().join(format!("{name}.wav"));
        let mut p = PartFile::create(&path, fmt, 3, 48000, false).unwrap();
        p.write(&[0.5, -0.5, 1.0, -1.0, 0.25, 0.0]).unwrap();
        p.write_silence(10).unwrap();
        assert_eq!(p.finish().unwrap(), 12);
        let r = hound::WavReader::open(&path).unwrap();
        assert_eq!(r.duration(), 12);
        let lv = read_levels(&path, -60.0).unwrap();
        // Frames (0.5, -0.5, 1.0) and (-1.0, 0.25, 0.0).
        assert!(lv.channels[0].peak_dbfs.unwrap().abs() < 0.01);
        assert!((lv.channels[1].peak_dbfs.unwrap() + 6.0206).abs() < 0.01);
        assert_eq!(lv.channels[2].clipped, 1);
    }
}
