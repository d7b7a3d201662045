//! The MP4 reader on small synthetic movies.

use super::*;

fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((8 + body.len()) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

/// A movie of one sound track of two 10-byte samples at `offset`,
/// whose sample table has no sample description, then 20 bytes of
/// media data. `delta`: a media header of no length and a time table
/// giving each sample that duration.
fn movie_without_stsd(offset: u32, delta: Option<u8>) -> Vec<u8> {
    let mut mvhd = vec![0u8; 100];
    mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes());
    mvhd[16..20].copy_from_slice(&500u32.to_be_bytes());
    let mut tkhd = vec![0u8; 84];
    tkhd[3] = 3;
    tkhd[12..16].copy_from_slice(&2u32.to_be_bytes());
    let mut hdlr = vec![0u8; 25];
    hdlr[8..12].copy_from_slice(b"soun");
    let stsz = [0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 2];
    let stsc = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1];
    let mut stco = vec![0, 0, 0, 0, 0, 0, 0, 1];
    stco.extend(offset.to_be_bytes());
    let mut stbl = [bx(b"stsz", &stsz), bx(b"stsc", &stsc), bx(b"stco", &stco)].concat();
    let mut mdia = bx(b"hdlr", &hdlr);
    if let Some(d) = delta {
        stbl.extend(bx(
            b"stts",
            &[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, d],
        ));
        mdia.extend(bx(
            b"mdhd",
            &[
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0xE8, 0, 0, 0, 0, 0x55, 0xC4, 0, 0,
            ],
        ));
    }
    mdia.extend(bx(b"minf", &bx(b"stbl", &stbl)));
    let trak = [bx(b"tkhd", &tkhd), bx(b"mdia", &mdia)].concat();
    let moov = [bx(b"mvhd", &mvhd), bx(b"trak", &trak)].concat();
    [
        bx(b"ftyp", b"isom\0\0\0\0isom"),
        bx(b"moov", &moov),
        bx(b"mdat", &[0; 20]),
    ]
    .concat()
}

#[test]
fn a_track_without_a_sample_description_is_told_and_its_samples_placed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.mp4");
    let len = movie_without_stsd(0, None).len() as u32;
    // The samples in the `mdat` at the end, then 8 bytes past the end.
    for (offset, inside) in [(len - 20, true), (len - 12, false)] {
        std::fs::write(&p, movie_without_stsd(offset, None)).unwrap();
        let h = read(&p, "mp4", false);
        assert_eq!(h.tracks.len(), 1);
        let t = &h.tracks[0];
        assert!(t.no_sample_description && t.codec_tag.is_none());
        assert_eq!((t.handler.as_str(), t.frames), ("soun", Some(2)));
        assert_eq!(h.samples_inside, inside, "samples at {offset}");
        assert_eq!(h.declared_size, None);
    }
}
#[test]
fn samples_that_last_no_time_in_media_of_no_length_last_zero_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.mp4");
    let len = movie_without_stsd(0, Some(0)).len() as u32;
    for (delta, duration) in [(0, Some(0.0)), (5, None)] {
        std::fs::write(&p, movie_without_stsd(len - 20, Some(delta))).unwrap();
        let h = read(&p, "mp4", false);
        assert_eq!(h.tracks[0].timescale, Some(1000));
        assert_eq!(h.tracks[0].duration_s, duration, "samples of {delta} ticks");
    }
    // No time table: nothing is told.
    std::fs::write(&p, movie_without_stsd(len - 20, None)).unwrap();
    assert_eq!(read(&p, "mp4", false).tracks[0].duration_s, None);
}

#[test]
fn a_track_lasts_what_its_edits_present_after_an_empty_one() {
    // elst (version 0): an empty edit of 4,218, then 5,798 of media
    // from 0; the track header says 5,798 (some muxers leave the empty
    // edit out of it): the track lasts 5,798, not 1,580.
    let mut elst = vec![0, 0, 0, 0, 0, 0, 0, 2];
    elst.extend(4218u32.to_be_bytes());
    elst.extend((-1i32).to_be_bytes());
    elst.extend([0, 1, 0, 0]);
    elst.extend(5798u32.to_be_bytes());
    elst.extend(0u32.to_be_bytes());
    elst.extend([0, 1, 0, 0]);
    let trak = bx(b"edts", &bx(b"elst", &elst));
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), &trak).unwrap();
    let r = Reader::new(File::open(f.path()).unwrap(), trak.len() as u64);
    assert_eq!(r.edits(0, trak.len() as u64), (4218, Some(5798)));
}
