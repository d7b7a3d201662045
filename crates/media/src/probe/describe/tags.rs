//! GStreamer tags → the document: languages, titles, flags and container tags
//! as JSON, attachments and cover art, dates in UTC.

use gstreamer as gst;
use gstreamer::glib;
use serde_json::{Map, Value, json};

use crate::probe::names;
use mediadex_core::scan::document::{Attachment, Stream};

/// Tags GStreamer keeps on the stream that the document has fields for.
pub(super) fn apply_tags(s: &mut Stream, tags: Map<String, Value>, container: Option<&str>) {
    let text = |k: &str| tags.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some((three, two)) = text("language_code")
        .as_deref()
        .and_then(|c| names::language(c, container))
    {
        s.language = Some(three);
        s.language_iso639_1 = two;
    }
    s.title = text("title");
    s.bitrate = tags
        .get("bitrate")
        .or_else(|| tags.get("nominal_bitrate"))
        .and_then(Value::as_u64)
        .filter(|&b| b > 0);
    if let Some(o) = text("image_orientation")
        && let Ok(deg) = o
            .trim_start_matches("flip-")
            .trim_start_matches("rotate-")
            .parse::<u32>()
    {
        s.rotation = Some(deg);
    }
    s.tags = tags;
}

/// Tags as a JSON object with `snake_case` keys; dates in UTC ISO-8601; binary
/// values (cover art, attachments) taken out as [`Attachment`]s.
pub(super) fn tags_json(
    tags: &gst::TagList,
    container: bool,
) -> (Map<String, Value>, Vec<Attachment>) {
    let mut out = Map::new();
    let mut attachments = Vec::new();
    for (name, values) in tags.iter_generic() {
        let mut key = name.as_str().replace(['-', ' '], "_");
        if container && key == "datetime" {
            key = "creation_time".into();
        }
        let mut vals = Vec::new();
        for v in values {
            if let Ok(sample) = v.get::<gst::Sample>() {
                if matches!(key.as_str(), "attachment" | "image" | "preview_image") {
                    attachments.push(attachment(&sample, &key));
                } else {
                    // Private data (unknown atoms and the like): described by size.
                    let kind = sample
                        .caps()
                        .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
                        .unwrap_or_default();
                    let bytes = sample.buffer().map(|b| b.size()).unwrap_or(0);
                    vals.push(json!({ "binary": kind, "bytes": bytes }));
                }
            } else if let Some(j) = value_json(v) {
                vals.push(j);
            }
        }
        match vals.len() {
            0 => {}
            1 => {
                out.insert(key, vals.into_iter().next().unwrap());
            }
            _ => {
                out.insert(key, Value::Array(vals));
            }
        }
    }
    (out, attachments)
}

pub(super) fn attachment(sample: &gst::Sample, tag: &str) -> Attachment {
    let info = sample.info();
    let field = |f: &str| info.and_then(|i| i.get::<String>(f).ok());
    // The container's stated type first: the caps may come from type-finding
    // the payload, which mistakes fonts for video.
    let mime = field("mimetype").or_else(|| {
        sample
            .caps()
            .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
    });
    let file_name = field("filename");
    let cover = matches!(tag, "image" | "preview_image")
        || file_name
            .as_deref()
            .is_some_and(|f| f.to_ascii_lowercase().starts_with("cover"));
    Attachment {
        file_name,
        mime_type: mime,
        size: sample.buffer().map(|b| b.size() as u64).unwrap_or(0),
        cover,
    }
}

pub(super) fn value_json(v: &glib::SendValue) -> Option<Value> {
    if let Ok(s) = v.get::<String>() {
        return Some(json!(s));
    }
    if let Ok(x) = v.get::<u32>() {
        return Some(json!(x));
    }
    if let Ok(x) = v.get::<i32>() {
        return Some(json!(x));
    }
    if let Ok(x) = v.get::<u64>() {
        return Some(json!(x));
    }
    if let Ok(x) = v.get::<i64>() {
        return Some(json!(x));
    }
    if let Ok(x) = v.get::<f64>() {
        return serde_json::Number::from_f64(x).map(Value::Number);
    }
    if let Ok(x) = v.get::<bool>() {
        return Some(json!(x));
    }
    if let Ok(dt) = v.get::<gst::DateTime>() {
        return datetime_json(&dt);
    }
    if let Ok(d) = v.get::<glib::Date>() {
        return Some(json!(format!(
            "{:04}-{:02}-{:02}",
            d.year(),
            glib::translate::IntoGlib::into_glib(d.month()),
            d.day()
        )));
    }
    None
}

pub(crate) fn datetime_json(dt: &gst::DateTime) -> Option<Value> {
    // A date with a time of day becomes UTC; a bare date or year stays as written.
    if dt.has_time()
        && let Ok(g) = dt
            .to_g_date_time()
            .and_then(|g| g.to_utc().map_err(|_| glib::bool_error!("utc")))
        && let Ok(s) = g.format("%Y-%m-%dT%H:%M:%SZ")
    {
        return Some(json!(s.as_str()));
    }
    dt.to_iso8601_string().ok().map(|s| json!(s.as_str()))
}
