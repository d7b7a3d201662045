//! What `show` prints on a terminal: a title, labelled lines and one line per
//! stream, from the row and document `show --json` prints whole. Files get
//! their container, duration, size, bitrate, streams (with the display size
//! when pixels are not square or the picture is turned, bit depth, HDR and
//! colour), chapters, attachments and when they were first and last seen;
//! recordings get their WAV sample format, audio and levels.
//!
//! Invariant: only what the row holds is shown; a field it lacks is left out,
//! never guessed. File names and tags may hold control characters: they are
//! shown written out, never sent to the terminal.

use serde_json::Value;

use mediadex_core::output::human::{group_digits, human_bitrate};
use mediadex_core::output::table::visible;
use mediadex_core::util::{hms, human_bytes};

/// How many chapters and attachments are named before `…`.
const LISTED: usize = 6;

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Labelled lines, in order; a `None` value adds nothing.
#[derive(Default)]
struct Lines(Vec<(String, String)>);

impl Lines {
    fn add(&mut self, k: &str, v: Option<String>) {
        if let Some(v) = v {
            self.0.push((k.to_string(), v));
        }
    }
}

/// The readable view of a row: a title, labelled lines, one line per stream.
pub fn summary_text(row: &Value) -> String {
    let recording = row.get("frames").is_some() && row.get("rate").is_some();
    let mut lines = Lines::default();
    let mut status = text(&row["status"]).unwrap_or_default();
    if let Some(e) = text(&row["error"]) {
        status.push_str(&format!(" ({e})"));
    }
    lines.add("status", Some(status));
    if recording {
        recording_lines(row, &mut lines);
    } else {
        file_lines(row, &mut lines);
    }
    lines.add("label", text(&row["label"]));
    lines.add("host", text(&row["host"]));
    lines.add("first seen", text(&row["first_seen"]).map(|t| when(&t)));
    lines.add("last seen", text(&row["last_seen"]).map(|t| when(&t)));
    let width = lines.0.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = format!("{}\n", visible(&text(&row["path"]).unwrap_or_default()));
    for (k, v) in lines.0 {
        out.push_str(&format!("  {k:width$}  {}\n", visible(&v)));
    }
    out
}

/// A catalog timestamp (`2026-12-07T05:30:42.046Z`) to the minute, in UTC.
fn when(t: &str) -> String {
    match (t.get(..10), t.get(11..16)) {
        (Some(day), Some(hm)) if t.as_bytes().get(10) == Some(&b'T') => {
            format!("{day} {hm} UTC")
        }
        _ => t.to_string(),
    }
}

fn file_lines(row: &Value, lines: &mut Lines) {
    let doc = &row["doc"];
    let container = text(&doc["container"]).map(|c| match text(&doc["container_description"]) {
        Some(d) => format!("{c} ({d})"),
        None => c,
    });
    lines.add("container", container.or_else(|| text(&doc["mime_type"])));
    lines.add("duration", num(&doc["duration_s"]).map(hms));
    lines.add(
        "size",
        num(&row["size"]).or_else(|| num(&doc["size"])).map(bytes),
    );
    lines.add("bitrate", num(&doc["bitrate"]).map(human_bitrate));
    let streams = doc["streams"].as_array().cloned().unwrap_or_default();
    for (i, s) in streams.iter().enumerate() {
        lines.add(&format!("stream {i}"), Some(stream_line(s)));
        lines.add(&format!("stream {i} hdr"), hdr_line(s));
    }
    lines.add("chapters", chapters(&doc["chapters"]));
    lines.add("attachments", attachments(&doc["attachments"]));
}

fn bytes(b: f64) -> String {
    format!(
        "{} ({} bytes)",
        human_bytes(b),
        group_digits(&format!("{b:.0}"))
    )
}

/// A recording: a WAV file in the sample format it was written in, with
/// the levels measured while it was captured.
fn recording_lines(row: &Value, lines: &mut Lines) {
    let doc = &row["doc"];
    let format = text(&row["format"]).map(|f| {
        let what = match f.as_str() {
            "s16" => Some("16-bit integer PCM"),
            "s24" => Some("24-bit integer PCM"),
            "f32" => Some("32-bit float PCM"),
            _ => None,
        };
        match what {
            Some(w) => format!("wav, {f} ({w})"),
            None => format!("wav, {f}"),
        }
    });
    lines.add("container", format);
    lines.add("duration", num(&row["seconds"]).map(hms));
    lines.add("size", num(&doc["size"]).map(bytes));
    if let (Some(r), Some(c)) = (num(&row["rate"]), num(&row["channels"])) {
        lines.add("audio", Some(format!("{c} ch, {r} Hz")));
    }
    lines.add("device", text(&row["device"]));
    lines.add("levels", levels(&doc["levels"]));
    lines.add("started", text(&row["started_at"]).map(|t| when(&t)));
}

fn dbfs(v: &Value) -> String {
    match num(v) {
        Some(d) => format!("{d:.1}"),
        None => "-inf".to_string(),
    }
}

/// `peak -3.0 dBFS, RMS -20.1 / -19.8 dBFS, clipped 0, silent 1.2 s (5%)`.
fn levels(l: &Value) -> Option<String> {
    let channels = l["channels"].as_array()?;
    let rms: Vec<String> = channels.iter().map(|c| dbfs(&c["rms_dbfs"])).collect();
    let mut parts = vec![
        format!("peak {} dBFS", dbfs(&l["peak_dbfs"])),
        format!("RMS {} dBFS", rms.join(" / ")),
    ];
    parts.extend(num(&l["clipped"]).map(|c| format!("clipped {c}")));
    if let (Some(s), Some(share)) = (num(&l["silent_seconds"]), num(&l["silent_share"])) {
        parts.push(format!("silent {s:.1} s ({:.0}%)", share * 100.0));
    }
    Some(parts.join(", "))
}

/// `3: 0:00 Intro · 0:30 Middle · 1:00`.
fn chapters(v: &Value) -> Option<String> {
    listed(v, |c| {
        let at = num(&c["start_s"]).map(hms).unwrap_or_default();
        match text(&c["title"]) {
            Some(t) => format!("{at} {t}"),
            None => at,
        }
    })
}

/// `2: cover.jpg (image/jpeg, 1.2 KiB, cover) · font.ttf (font/ttf, 30 KiB)`.
fn attachments(v: &Value) -> Option<String> {
    listed(v, |a| {
        let mut about: Vec<String> = text(&a["mime_type"]).into_iter().collect();
        about.extend(num(&a["size"]).map(human_bytes));
        if a["cover"] == Value::Bool(true) {
            about.push("cover".into());
        }
        let name = text(&a["file_name"]).unwrap_or_else(|| "(unnamed)".into());
        format!("{name} ({})", about.join(", "))
    })
}

/// How many items an array holds and the first [`LISTED`] of them, each
/// told by `each`; `None` for none.
fn listed(v: &Value, each: impl Fn(&Value) -> String) -> Option<String> {
    let all = v.as_array().filter(|a| !a.is_empty())?;
    let named: Vec<String> = all.iter().take(LISTED).map(each).collect();
    let more = if all.len() > LISTED { " · …" } else { "" };
    Some(format!("{}: {}{more}", all.len(), named.join(" · ")))
}

/// `video  h264  1920x1080 (shown 2560x1080)  23.976 fps  10-bit  HDR10  [default]`,
/// `audio  aac  2 ch  48000 Hz  eng  "Commentary"`, `audio  dts  (listed from …)`.
fn stream_line(s: &Value) -> String {
    let mut parts: Vec<String> = Vec::new();
    parts.extend(text(&s["kind"]));
    parts.extend(text(&s["codec"]));
    if let (Some(w), Some(h)) = (num(&s["width"]), num(&s["height"])) {
        parts.push(format!("{w}x{h}"));
        parts.extend(display_size(s, w, h).map(|(dw, dh)| format!("(shown {dw}x{dh})")));
    }
    if let Some(r) = num(&s["rotation"]).filter(|r| *r != 0.0) {
        parts.push(format!("rotated {r}°"));
    }
    if let Some(f) = num(&s["frame_rate"]) {
        let f = format!("{f:.3}");
        parts.push(format!(
            "{} fps",
            f.trim_end_matches('0').trim_end_matches('.')
        ));
    }
    parts.extend(num(&s["bit_depth"]).map(|b| format!("{b}-bit")));
    parts.extend(text(&s["hdr"]));
    if s["hdr10_plus"] == true {
        parts.push("HDR10+".into());
    }
    if let Some(c) = num(&s["channels"]) {
        parts.push(match text(&s["channel_layout"]) {
            Some(l) => format!("{c} ch ({l})"),
            None => format!("{c} ch"),
        });
    }
    if let Some(r) = num(&s["sample_rate"]) {
        parts.push(format!("{r} Hz"));
    }
    parts.extend(text(&s["language"]));
    if let Some(t) = text(&s["title"]) {
        parts.push(format!("{t:?}"));
    }
    let flags: Vec<&str> = ["default", "forced", "interlaced", "attached_pic"]
        .into_iter()
        .filter(|f| s[*f] == Value::Bool(true))
        .collect();
    if !flags.is_empty() {
        parts.push(format!("[{}]", flags.join(", ")));
    }
    // A stream described from the container's headers says so.
    parts.extend(text(&s["unread"]).map(|u| format!("({u})")));
    parts.join("  ")
}

/// The size a player shows a `w`×`h` picture at, when it is not that: pixels
/// that are not square (`pixel_aspect_ratio`), a picture turned a quarter.
fn display_size(s: &Value, w: f64, h: f64) -> Option<(i64, i64)> {
    let par = text(&s["pixel_aspect_ratio"])
        .and_then(|p| {
            let (n, d) = p.split_once([':', '/'])?;
            Some(n.parse::<f64>().ok()? / d.parse::<f64>().ok()?)
        })
        .filter(|p| p.is_finite() && *p > 0.0)
        .unwrap_or(1.0);
    let (mut dw, mut dh) = ((w * par).round() as i64, h as i64);
    if matches!(num(&s["rotation"]).map(|r| r as i64), Some(90 | 270)) {
        std::mem::swap(&mut dw, &mut dh);
    }
    ((dw, dh) != (w as i64, h as i64)).then_some((dw, dh))
}

/// HDR metadata and the colour description of a video stream that has some:
/// `mastering display 0.005–1000 cd/m², MaxCLL 1000, MaxFALL 400 cd/m²; bt2020, smpte2084, bt2020nc`.
fn hdr_line(s: &Value) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let m = &s["mastering_display"];
    if let (Some(lo), Some(hi)) = (num(&m["min_luminance"]), num(&m["max_luminance"])) {
        parts.push(format!("mastering display {lo}–{hi} cd/m²"));
    }
    let l = &s["content_light_level"];
    if let (Some(cll), Some(fall)) = (num(&l["max_cll"]), num(&l["max_fall"])) {
        parts.push(format!("MaxCLL {cll}, MaxFALL {fall} cd/m²"));
    }
    let colour: Vec<String> = ["primaries", "transfer", "matrix", "range"]
        .iter()
        .filter_map(|k| text(&s["colorimetry"][*k]).map(|v| format!("{k} {v}")))
        .collect();
    let hdr = text(&s["hdr"]).is_some();
    if parts.is_empty() && !hdr {
        return None;
    }
    if !colour.is_empty() {
        parts.push(colour.join(", "));
    }
    Some(parts.join("; "))
}
