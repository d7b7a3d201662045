//! The review of duplicate groups for people: each group's copies side by
//! side (picture, path, resolution, codec, bitrate, size, duration, which
//! copy is kept and why) with the bytes the group frees. The export's page
//! shows it in its "Duplicates" section ([`groups_markup`]); a dedupe plan
//! can be reviewed as a page of its own ([`review_page`]).
//!
//! Invariants: the markup asks the network for nothing (pictures are
//! `data:image/jpeg;base64,` URIs of the thumbnails given, and only those);
//! every text is escaped by the template; a copy without a picture keeps its
//! place with a box that says so; the same groups give the same bytes.

use std::collections::HashMap;

use askama::Template;
use serde_json::Value;

use crate::output::human::{human_bitrate, human_duration};
use crate::report::Rows;
use crate::util::{base64, human_bytes};

/// One copy of a group, as the review shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewCopy {
    pub path: String,
    /// The suggested copy to keep.
    pub keep: bool,
    /// Why it is kept, or why not (`higher resolution`, `shorter`, …).
    pub why: String,
    /// How it relates to the kept copy (`kept`, `duplicate`, `contained-in`, …).
    pub relation: String,
    /// `1920x1080`.
    pub resolution: Option<String>,
    pub video_codec: Option<String>,
    /// Bits per second.
    pub bitrate: Option<i64>,
    /// Bytes.
    pub size: Option<i64>,
    pub duration_s: Option<f64>,
    /// The file's thumbnail (JPEG bytes), if it has one.
    pub thumbnail: Option<Vec<u8>>,
}

/// One group of copies of the same video.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewGroup {
    /// The group's id (`report similar`'s `group`).
    pub group: i64,
    /// What deleting every copy but the kept one frees.
    pub frees_bytes: i64,
    /// The kept copy first, as the report orders them.
    pub copies: Vec<ReviewCopy>,
}

/// A copy as the template writes it: every field already text.
struct CopyView {
    path: String,
    keep: bool,
    verdict: String,
    facts: Vec<(&'static str, String)>,
    /// `data:` URI, or empty.
    picture: String,
}

struct GroupView {
    id: String,
    heading: String,
    copies: Vec<CopyView>,
}

#[derive(Template)]
#[template(path = "review_groups.html")]
struct Groups<'a> {
    groups: &'a [GroupView],
}

#[derive(Template)]
#[template(path = "review.html")]
struct Standalone<'a> {
    title: &'a str,
    summary: String,
    style: &'a str,
    body: String,
}

/// The styles the review's markup needs (the page and the standalone review
/// both include them).
pub const STYLE: &str = include_str!("../../../templates/review.css");

/// A `data:` URI of a JPEG, for an `<img src>` that stays inside the page.
pub fn data_uri(jpeg: &[u8]) -> String {
    format!("data:image/jpeg;base64,{}", base64(jpeg))
}

fn copy_view(c: &ReviewCopy) -> CopyView {
    let mut facts = Vec::new();
    let mut fact = |name, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            facts.push((name, v));
        }
    };
    fact("resolution", c.resolution.clone());
    fact("codec", c.video_codec.clone());
    fact("bitrate", c.bitrate.map(|b| human_bitrate(b as f64)));
    fact("size", c.size.map(|b| human_bytes(b as f64)));
    fact("duration", c.duration_s.map(human_duration));
    let verdict = match (c.keep, c.relation.as_str()) {
        (true, _) => format!("Keep: {}", c.why),
        (false, "" | "kept") => format!("Not kept: {}", c.why),
        (false, rel) => format!("Not kept: {} ({rel})", c.why),
    };
    CopyView {
        path: c.path.clone(),
        keep: c.keep,
        verdict,
        facts,
        picture: c.thumbnail.as_deref().map(data_uri).unwrap_or_default(),
    }
}

fn group_view(g: &ReviewGroup) -> GroupView {
    let n = g.copies.len();
    GroupView {
        id: format!("g-{}", g.group),
        heading: format!(
            "{n} {}, {} to free",
            if n == 1 { "copy" } else { "copies" },
            human_bytes(g.frees_bytes as f64)
        ),
        copies: g.copies.iter().map(copy_view).collect(),
    }
}

/// The markup of `groups` (one `<section>` each), for a page that includes
/// [`STYLE`].
pub fn groups_markup(groups: &[ReviewGroup]) -> String {
    let views: Vec<GroupView> = groups.iter().map(group_view).collect();
    Groups { groups: &views }
        .render()
        .expect("the review template renders")
}

/// A whole offline page reviewing `groups`, titled `title`.
pub fn review_page(title: &str, groups: &[ReviewGroup]) -> String {
    let frees: i64 = groups.iter().map(|g| g.frees_bytes).sum();
    let copies: usize = groups.iter().map(|g| g.copies.len()).sum();
    let summary = format!(
        "{} {}, {} copies, {} to free",
        groups.len(),
        if groups.len() == 1 { "group" } else { "groups" },
        copies,
        human_bytes(frees as f64)
    );
    Standalone {
        title,
        summary,
        style: STYLE,
        body: groups_markup(groups),
    }
    .render()
    .expect("the review template renders")
}

/// The rows of `report similar` that belong to its first `max` groups.
fn first_groups(rows: &Rows, max: usize) -> usize {
    let mut seen = 0;
    for i in 0..rows.rows.len() {
        if i == 0 || rows.get(i, "group") != rows.get(i - 1, "group") {
            if seen == max {
                return i;
            }
            seen += 1;
        }
    }
    rows.rows.len()
}

/// The files (host, path) of the first `max` groups of `report similar`'s
/// rows: those whose pictures [`groups_from_similar`] shows.
pub fn similar_files(rows: &Rows, max: usize) -> Vec<(String, String)> {
    let text = |i: usize, c: &str| rows.get(i, c).as_str().unwrap_or("").to_string();
    (0..first_groups(rows, max))
        .map(|i| (text(i, "host"), text(i, "path")))
        .collect()
}

/// The groups of `report similar`'s rows, the first `max` of them in the
/// report's order, each copy with its picture from `thumbs` (by host and
/// path) when it has one.
pub fn groups_from_similar(
    rows: &Rows,
    max: usize,
    thumbs: &HashMap<(String, String), Vec<u8>>,
) -> Vec<ReviewGroup> {
    let text = |i: usize, c: &str| rows.get(i, c).as_str().map(str::to_string);
    let int = |i: usize, c: &str| {
        let v: &Value = rows.get(i, c);
        v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
    };
    let mut out: Vec<ReviewGroup> = Vec::new();
    for i in 0..first_groups(rows, max) {
        let group = int(i, "group").unwrap_or(0);
        if out.last().is_none_or(|g| g.group != group) {
            out.push(ReviewGroup {
                group,
                frees_bytes: int(i, "reclaimable_bytes").unwrap_or(0),
                copies: Vec::new(),
            });
        }
        let copy = ReviewCopy {
            path: text(i, "path").unwrap_or_default(),
            keep: rows.get(i, "keep") == "yes",
            why: text(i, "why").unwrap_or_default(),
            relation: text(i, "relation").unwrap_or_default(),
            resolution: text(i, "resolution"),
            video_codec: text(i, "video_codec"),
            bitrate: int(i, "bitrate"),
            size: int(i, "size"),
            duration_s: rows.get(i, "duration_s").as_f64(),
            thumbnail: thumbs
                .get(&(
                    text(i, "host").unwrap_or_default(),
                    text(i, "path").unwrap_or_default(),
                ))
                .cloned(),
        };
        out.last_mut().expect("a group").copies.push(copy);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn copy(path: &str, keep: bool, thumb: Option<Vec<u8>>) -> ReviewCopy {
        ReviewCopy {
            path: path.into(),
            keep,
            why: if keep {
                "higher resolution"
            } else {
                "lower resolution"
            }
            .into(),
            relation: if keep { "kept" } else { "duplicate" }.into(),
            resolution: Some("1920x1080".into()),
            video_codec: Some("h264".into()),
            bitrate: Some(4_000_000),
            size: Some(5 << 20),
            duration_s: Some(61.0),
            thumbnail: thumb,
        }
    }

    #[test]
    fn the_review_shows_each_copy_with_its_verdict_and_picture() {
        let groups = [ReviewGroup {
            group: 7,
            frees_bytes: 5 << 20,
            copies: vec![
                copy("/v/a<b>.mkv", true, Some(vec![0xff, 0xd8, 0xff, 0xd9])),
                copy("/v/b.mp4", false, None),
            ],
        }];
        let page = review_page("Plan & review", &groups);
        assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
        assert!(page.contains("<title>Plan &#38; review</title>"), "{page}");
        assert!(
            page.contains("/v/a&#60;b&#62;.mkv") && !page.contains("a<b>"),
            "{page}"
        );
        assert!(
            page.contains("src=\"data:image/jpeg;base64,/9j/2Q==\""),
            "{page}"
        );
        assert!(page.contains("Keep: higher resolution"), "{page}");
        assert!(
            page.contains("Not kept: lower resolution (duplicate)"),
            "{page}"
        );
        assert!(page.contains("2 copies, 5.0 MiB to free"));
        assert!(page.contains("no picture"));
        assert!(!page.contains("http:") && !page.contains("https:"));
        assert_eq!(page, review_page("Plan & review", &groups));
    }

    #[test]
    fn groups_come_from_the_similar_report_in_its_order() {
        let cols = [
            "group",
            "reclaimable_bytes",
            "keep",
            "why",
            "relation",
            "path",
        ];
        let rows = Rows {
            columns: cols.iter().map(|c| c.to_string()).collect(),
            rows: vec![
                vec![
                    json!(3),
                    json!(900),
                    json!("yes"),
                    json!("longer"),
                    json!("kept"),
                    json!("/a"),
                ],
                vec![
                    json!(3),
                    json!(900),
                    json!("no"),
                    json!("shorter"),
                    json!("contained-in"),
                    json!("/b"),
                ],
                vec![
                    json!(1),
                    json!(10),
                    json!("yes"),
                    json!("older"),
                    json!("kept"),
                    json!("/c"),
                ],
            ],
        };
        let none = HashMap::new();
        let g = groups_from_similar(&rows, 10, &none);
        assert_eq!(g.len(), 2);
        assert_eq!(
            (g[0].group, g[0].frees_bytes, g[0].copies.len()),
            (3, 900, 2)
        );
        assert!(g[0].copies[0].keep && !g[0].copies[1].keep);
        assert_eq!(g[0].copies[1].relation, "contained-in");
        assert_eq!(groups_from_similar(&rows, 1, &none).len(), 1);
        assert_eq!(
            similar_files(&rows, 1).len(),
            2,
            "the first group's files only"
        );
    }
}
