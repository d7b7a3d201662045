//! Still-picture codecs coded frame by frame (Motion JPEG, PNG): the pixel
//! format FFmpeg's decoders give, from a frame's own header.

/// Baseline/progressive JPEG: the frame header's sampling factors.
pub(super) fn jpeg_pixel_format(b: &[u8]) -> Option<String> {
    let mut i = 2;
    while i + 4 < b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if matches!(marker, 0xC0..=0xC2) {
            let f = b.get(i + 4..i + 2 + len)?;
            let components = *f.get(5)? as usize;
            if components == 1 {
                return Some("gray".into());
            }
            let y = *f.get(7)?;
            let c = *f.get(10)?;
            let (yh, yv, ch, cv) = (y >> 4, y & 0xF, c >> 4, c & 0xF);
            return Some(
                match (yh / ch.max(1), yv / cv.max(1)) {
                    (2, 2) => "yuvj420p",
                    (2, 1) => "yuvj422p",
                    (1, 1) => "yuvj444p",
                    (4, 1) => "yuvj411p",
                    _ => return None,
                }
                .into(),
            );
        }
        i += 2 + len;
    }
    None
}

/// PNG: the `IHDR` chunk after the signature (length, type, width and
/// height, then bit depth and colour type), as FFmpeg's decoder names it.
pub(super) fn png_pixel_format(b: &[u8]) -> Option<String> {
    if b.get(..8)? != b"\x89PNG\r\n\x1a\n" || b.get(12..16)? != b"IHDR" {
        return None;
    }
    let name = match (*b.get(24)?, *b.get(25)?) {
        (1, 0) => "monob",
        (8, 0) => "gray",
        (16, 0) => "gray16be",
        (8, 2) => "rgb24",
        (16, 2) => "rgb48be",
        (1 | 2 | 4 | 8, 3) => "pal8",
        (8, 4) => "ya8",
        (16, 4) => "ya16be",
        (8, 6) => "rgba",
        (16, 6) => "rgba64be",
        _ => return None,
    };
    Some(name.into())
}

#[cfg(test)]
mod tests {
    use super::png_pixel_format;

    fn png(depth: u8, colour: u8) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend([0, 0, 0, 2, 0, 0, 0, 2, depth, colour, 0, 0, 0]);
        b
    }

    #[test]
    fn a_png_frame_names_its_pixel_format_by_depth_and_colour_type() {
        assert_eq!(png_pixel_format(&png(8, 2)).as_deref(), Some("rgb24"));
        assert_eq!(png_pixel_format(&png(16, 6)).as_deref(), Some("rgba64be"));
        assert_eq!(png_pixel_format(&png(4, 3)).as_deref(), Some("pal8"));
        assert_eq!(png_pixel_format(&png(3, 2)), None);
        assert_eq!(png_pixel_format(b"\xff\xd8"), None);
    }
}
