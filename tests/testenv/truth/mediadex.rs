//! mediadex's document (and its row's status) as facts.

use super::*;

pub fn from_mediadex(status: &str, error: Option<&str>, doc: &Value) -> Facts {
    let mut facts = Facts {
        ok: status == "ok",
        truncated: b(&doc["truncated"]) == Some(true),
        error: error.map(str::to_string),
        duration: f(&doc["duration_s"]),
        ..Facts::default()
    };
    for (k, kind) in KINDS.iter().enumerate() {
        facts.counts[k] = doc[format!("{kind}_streams")].as_u64().map(|n| n as usize);
    }
    for st in doc["streams"].as_array().into_iter().flatten() {
        let Some(k) = KINDS.iter().position(|k| st["kind"].as_str() == Some(k)) else {
            continue;
        };
        facts.streams[k].push(Stream {
            codec: s(&st["codec"]),
            codec_tag: s(&st["codec_tag"]),
            width: i(&st["width"]),
            height: i(&st["height"]),
            fps: f(&st["frame_rate"]),
            channels: i(&st["channels"]),
            sample_rate: i(&st["sample_rate"]),
            language: s(&st["language"]).map(|l| fold_language(&l).unwrap_or(l)),
            title: s(&st["title"]),
            interlaced: b(&st["interlaced"]),
            field_order: s(&st["field_order"]),
            bit_depth: i(&st["bit_depth"]),
            pix_fmt: s(&st["pix_fmt"]),
            rotation: f(&st["rotation"]).map(clockwise),
            hdr: s(&st["hdr"]),
            frames: i(&st["frames"]),
            duration: f(&st["duration_s"]),
            default: Some(b(&st["default"]).unwrap_or(false)),
            forced: Some(b(&st["forced"]).unwrap_or(false)),
        });
    }
    for ch in doc["chapters"].as_array().into_iter().flatten() {
        facts.chapters.push(Chapter {
            start: f(&ch["start_s"]),
            end: f(&ch["end_s"]),
            title: s(&ch["title"]),
        });
    }
    facts.attachments = doc["attachments"].as_array().map(Vec::len);
    facts.major_brand = s(&doc["major_brand"]).map(|b| b.trim().to_string());
    facts.compatible_brands = brand_list(&doc["compatible_brands"]);
    facts
}

// ---------------------------------------------------------------------------
// MediaInfo: `mediainfo --Output=JSON FILE`
// ---------------------------------------------------------------------------
