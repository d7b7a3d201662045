//! The reference: `ffprobe -show_format -show_streams -show_chapters` as facts.

use super::*;

pub fn ffprobe_json(path: &Path) -> Result<Value, String> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_format",
            "-show_streams",
            "-show_chapters",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run ffprobe: {e}"))?;
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    if !out.status.success() || v.get("format").is_none() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(v)
}

fn is_attachment_ffprobe(st: &Value) -> bool {
    st["codec_type"] == "attachment" || i(&st["disposition"]["attached_pic"]) == Some(1)
}

pub fn from_ffprobe(v: &Value) -> Facts {
    let mut facts = Facts {
        ok: v.get("format").is_some(),
        duration: f(&v["format"]["duration"]),
        ..Facts::default()
    };
    // ffprobe's format name for the whole ISO BMFF / QuickTime family
    let mp4_family = v["format"]["format_name"]
        .as_str()
        .is_some_and(|n| n.starts_with("mov,mp4"));
    if mp4_family {
        let tags = &v["format"]["tags"];
        facts.major_brand = s(&tags["major_brand"]).map(|b| b.trim().to_string());
        // ffprobe runs the four-character codes together: "isomiso2avc1mp41"
        facts.compatible_brands = tags["compatible_brands"].as_str().map(|all| {
            all.as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).trim().to_string())
                .collect()
        });
    }
    let mut attachments = 0;
    for st in v["streams"].as_array().into_iter().flatten() {
        if is_attachment_ffprobe(st) {
            attachments += 1;
            continue;
        }
        let Some(k) = KINDS
            .iter()
            .position(|k| st["codec_type"].as_str() == Some(k))
        else {
            continue;
        };
        let tags = &st["tags"];
        let pix_fmt = s(&st["pix_fmt"]);
        let bit_depth = match k {
            0 => i(&st["bits_per_raw_sample"])
                .filter(|&d| d > 0)
                .or_else(|| pix_fmt.as_deref().and_then(pix_fmt_depth)),
            1 => i(&st["bits_per_raw_sample"])
                .filter(|&d| d > 0)
                .or_else(|| i(&st["bits_per_sample"]).filter(|&d| d > 0)),
            _ => None,
        };
        let field_order = s(&st["field_order"])
            .filter(|o| ["progressive", "tt", "bb", "tb", "bt"].contains(&o.as_str()));
        let rotation = st["side_data_list"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|sd| f(&sd["rotation"]))
            .map(|ccw| clockwise(-ccw))
            .or_else(|| f(&tags["rotate"]).map(clockwise));
        let fps = if k == 0 {
            ratio(&st["r_frame_rate"]).or_else(|| ratio(&st["avg_frame_rate"]))
        } else {
            None
        };
        let disposition = &st["disposition"];
        facts.streams[k].push(Stream {
            codec: s(&st["codec_name"]),
            codec_tag: s(&st["codec_tag_string"]).and_then(|t| fourcc(&t)),
            width: i(&st["width"]).filter(|_| k == 0),
            height: i(&st["height"]).filter(|_| k == 0),
            fps,
            channels: i(&st["channels"]).filter(|_| k == 1),
            sample_rate: i(&st["sample_rate"]).filter(|_| k == 1),
            language: s(&tags["language"]).and_then(|l| fold_language(&l)),
            title: s(&tags["title"]),
            interlaced: field_order.as_ref().map(|o| o != "progressive"),
            field_order,
            bit_depth,
            pix_fmt: pix_fmt.filter(|_| k == 0),
            rotation,
            hdr: if k == 0 { ffprobe_hdr(st) } else { None },
            frames: i(&st["nb_frames"]).filter(|&n| k == 0 && n > 0),
            duration: f(&st["duration"]).filter(|_| mp4_family),
            default: b(&disposition["default"]),
            forced: b(&disposition["forced"]),
        });
    }
    facts.attachments = Some(attachments);
    for ch in v["chapters"].as_array().into_iter().flatten() {
        facts.chapters.push(Chapter {
            start: f(&ch["start_time"]),
            end: f(&ch["end_time"]),
            title: s(&ch["tags"]["title"]),
        });
    }
    facts
}

// ---------------------------------------------------------------------------
// mediadex: the `media` row (status, error) and its document
// ---------------------------------------------------------------------------

/// The HDR kind of an ffprobe video stream: Dolby Vision when it has a
/// DOVI configuration record, else by its transfer function.
fn ffprobe_hdr(st: &Value) -> Option<String> {
    let dovi = st["side_data_list"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|sd| sd["side_data_type"] == "DOVI configuration record");
    match (dovi, st["color_transfer"].as_str()) {
        (true, _) => Some("Dolby Vision".into()),
        (_, Some("smpte2084")) => Some("HDR10".into()),
        (_, Some("arib-std-b67")) => Some("HLG".into()),
        _ => None,
    }
}
