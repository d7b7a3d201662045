//! The ring, its loss markers and the writer, without a device.

use super::*;
use crate::record::writer::*;
use mediadex_core::audio::WavFormat;
use mediadex_core::audio::wav::{self, PartFile};

#[test]
fn full_ring_keeps_whole_frames_and_marks_the_gap() {
    let shared = CaptureState::new(2);
    let Rings {
        capture: mut cap,
        mut drain,
        ..
    } = rings(2, 4, None, shared.clone());
    cap.on_data::<i16>(&[1, 2, 3, 4, 5, 6], 0); // 3 frames in
    cap.on_data::<i16>(&[7, 8, 9, 10, 11, 12], 0); // 1 fits, 2 lost
    assert_eq!(shared.lost_frames.load(Ordering::Relaxed), 2);
    assert_eq!(shared.overruns.load(Ordering::Relaxed), 1);
    // Drain everything, then more audio arrives: the marker goes in first.
    let c = drain.samples.read_chunk(8).unwrap();
    c.commit_all();
    cap.on_data::<i16>(&[13, 14], 0);
    assert_eq!(
        drain.gaps.pop().unwrap(),
        Gap {
            at: 4,
            frames: 2,
            cause: Cause::RingFull
        }
    );
    assert_eq!(drain.samples.slots(), 2);
    assert_eq!(shared.position.load(Ordering::Relaxed), 7);
    assert_eq!(shared.overruns.load(Ordering::Relaxed), 1);
}

#[test]
fn device_gaps_are_marked_apart_from_a_full_ring() {
    let shared = CaptureState::new(1);
    let Rings {
        capture: mut cap,
        mut drain,
        ..
    } = rings(1, 4, Some(10), shared.clone());
    cap.on_data::<i16>(&[1, 2], 0);
    cap.on_data::<i16>(&[3, 4, 5], 3); // 3 skipped by the device, then 2 fit
    assert_eq!(
        drain.gaps.pop().unwrap(),
        Gap {
            at: 2,
            frames: 3,
            cause: Cause::DeviceGap
        }
    );
    assert_eq!(shared.device_lost_frames.load(Ordering::Relaxed), 3);
    assert_eq!(shared.device_gaps.load(Ordering::Relaxed), 1);
    assert_eq!(shared.lost_frames.load(Ordering::Relaxed), 4);
    assert_eq!(shared.overruns.load(Ordering::Relaxed), 1);
    // Skipped frames count towards the duration.
    assert_eq!(shared.position.load(Ordering::Relaxed), 8);
    cap.on_data::<i16>(&[6], 5);
    assert!(shared.limit_reached.load(Ordering::Relaxed));
    assert_eq!(shared.position.load(Ordering::Relaxed), 10);
    let c = drain.samples.read_chunk(4).unwrap();
    c.commit_all();
}

#[test]
fn limit_is_exact_in_frames() {
    let shared = CaptureState::new(1);
    let Rings {
        capture: mut cap,
        drain,
        ..
    } = rings(1, 100, Some(5), shared.clone());
    cap.on_data::<f32>(&[0.1, 0.2, 0.3], 0);
    assert!(!shared.limit_reached.load(Ordering::Relaxed));
    cap.on_data::<f32>(&[0.4, 0.5, 0.6], 0);
    cap.on_data::<f32>(&[0.7], 0);
    assert!(shared.limit_reached.load(Ordering::Relaxed));
    assert_eq!(drain.samples.slots(), 5);
    assert_eq!(shared.lost_frames.load(Ordering::Relaxed), 0);
}

#[test]
fn writer_fills_gaps_and_rolls_over() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("t.wav");
    let shared = CaptureState::new(1);
    let Rings {
        capture: mut cap,
        drain,
        ..
    } = rings(1, 4, Some(12), shared.clone());
    let (tx, rx) = crossbeam_channel::unbounded();
    let part = PartFile::create(&first, WavFormat::S16, 1, 8000, false).unwrap();
    cap.on_data::<i16>(&[100, 200, 300, 400, 500, 600], 0); // 4 kept, 2 lost
    let writer = PartWriter {
        drain,
        sink: Sink {
            part,
            first_path: first.clone(),
            format: WavFormat::S16,
            channels: 1,
            rate: 8000,
            silence_db: -60.0,
            frames_per_part: 5,
            overwrite: false,
            limit: Some(12),
            shared: shared.clone(),
        },
        events: tx,
    };
    let feeder = std::thread::spawn(move || {
        // Let the writer empty the ring, then send the rest.
        while cap.samples.slots() < 4 {
            std::thread::sleep(Duration::from_millis(1));
        }
        cap.on_data::<i16>(&[700, 800, 900], 0);
        while cap.samples.slots() < 4 {
            std::thread::sleep(Duration::from_millis(1));
        }
        cap.on_data::<i16>(&[1000, 1100, 1200, 1300], 0); // only 3 fit the limit
    });
    let out = writer.run();
    feeder.join().unwrap();
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.total_frames, 12);
    let mut all: Vec<i16> = Vec::new();
    for i in 1..=3 {
        let p = wav::part_path(&first, i);
        let r = hound::WavReader::open(&p).unwrap();
        all.extend(r.into_samples::<i16>().map(|s| s.unwrap()));
    }
    assert_eq!(
        all,
        vec![100, 200, 300, 400, 0, 0, 700, 800, 900, 1000, 1100, 1200]
    );
    let events: Vec<WriterEvent> = rx.try_iter().collect();
    let done: Vec<&PartProgress> = events
        .iter()
        .filter_map(|e| match e {
            WriterEvent::PartDone(p) => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(done.len(), 2);
    assert_eq!(done[0].frames, 5);
    assert_eq!(
        done[0].dropouts,
        vec![Dropout {
            at_frame: 4,
            frames: 1,
            cause: Cause::RingFull
        }]
    );
    assert_eq!(
        done[1].dropouts,
        vec![Dropout {
            at_frame: 0,
            frames: 1,
            cause: Cause::RingFull
        }]
    );
    assert_eq!(out.last.index, 3);
    assert_eq!(out.last.frames, 2);
}
