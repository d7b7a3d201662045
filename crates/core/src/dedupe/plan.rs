//! Making a dedupe plan from `report similar`: per group, the copy the
//! report keeps and this host's copies that are the same video
//! (`duplicate`; with `include_contained` also clips and trims of it,
//! `contained-in`), each as it is on disk now.
//!
//! Invariants: only `duplicate` (and on request `contained-in`) files are
//! ever removed — never a file that overlaps the kept copy, contains it, or
//! is only similar to another member; only files of this host, and only
//! when the kept copy is on this host and readable; a file that is already
//! a hard link of the kept copy frees nothing and is left out.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rusqlite::Connection;
use serde_json::Value;

use super::{Entry, Group, LeftAlone, PLAN_FORMAT, PLAN_VERSION, Plan};
use crate::catalog::dedupe as journal;
use crate::catalog::files::FileStat;
use crate::catalog::guard::Guarded;
use crate::fingerprint::run::content_hash;
use crate::report::{self, ReportError, Rows};
use crate::{sampled, util};

/// What the plan is asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub prefer: Vec<String>,
    pub include_contained: bool,
}

/// The rows of `report similar` with `prefer`, every group.
pub fn similar_rows(g: &Guarded, prefer: &[String]) -> Result<Rows, ReportError> {
    let r = report::bundled_one("similar");
    let mut given = vec![("groups".to_string(), i32::MAX.to_string())];
    if !prefer.is_empty() {
        given.push(("prefer".to_string(), prefer.join("\n")));
    }
    let bound = r.bind(&given)?;
    r.collect(g, &bound)
}

/// One row of the report, as the plan needs it.
struct Row {
    group: i64,
    keep: bool,
    why: String,
    relation: String,
    host: String,
    path: String,
    resolution: Option<String>,
    video_codec: Option<String>,
    bitrate: Option<i64>,
    duration_s: Option<f64>,
}

fn rows_of(rows: &Rows) -> Vec<Row> {
    let text = |i: usize, c: &str| rows.get(i, c).as_str().map(str::to_string);
    (0..rows.rows.len())
        .map(|i| Row {
            group: rows.get(i, "group").as_i64().unwrap_or(0),
            keep: rows.get(i, "keep").as_str() == Some("yes"),
            why: text(i, "why").unwrap_or_default(),
            relation: text(i, "relation").unwrap_or_default(),
            host: text(i, "host").unwrap_or_default(),
            path: text(i, "path").unwrap_or_default(),
            resolution: text(i, "resolution"),
            video_codec: text(i, "video_codec"),
            bitrate: rows.get(i, "bitrate").as_i64(),
            duration_s: rows.get(i, "duration_s").as_f64(),
        })
        .collect()
}

/// The plan for this `host` from the report's `rows`.
pub fn make(
    conn: &Connection,
    host: &str,
    rows: &Rows,
    opts: &Options,
) -> crate::catalog::Result<Plan> {
    let mut by_group: BTreeMap<i64, Vec<Row>> = BTreeMap::new();
    for r in rows_of(rows) {
        by_group.entry(r.group).or_default().push(r);
    }
    let wanted =
        |rel: &str| rel == "duplicate" || (opts.include_contained && rel == "contained-in");
    let mut groups = Vec::new();
    let mut left_alone = Vec::new();
    for (group, members) in by_group {
        let Some(keep) = members.iter().find(|r| r.keep) else {
            continue;
        };
        let leave = |reason: String| LeftAlone {
            group,
            keep: keep.path.clone(),
            reason,
        };
        if keep.host != host {
            left_alone.push(leave(format!("the copy to keep is on host {}", keep.host)));
            continue;
        }
        let removable: Vec<&Row> = members
            .iter()
            .filter(|r| !r.keep && r.host == host && wanted(&r.relation))
            .collect();
        if removable.is_empty() {
            continue;
        }
        match group_plan(conn, host, group, keep, &removable, &mut left_alone)? {
            Ok(g) if !g.remove.is_empty() => groups.push(g),
            Ok(_) => left_alone.push(leave("its other copies are already links of it".into())),
            Err(reason) => left_alone.push(leave(reason)),
        }
    }
    let files_to_remove = groups.iter().map(|g| g.remove.len() as u64).sum();
    let bytes_freed = groups.iter().map(|g| g.bytes_freed).sum();
    Ok(Plan {
        format: PLAN_FORMAT.into(),
        version: PLAN_VERSION,
        id: super::plan_id(&groups),
        host: host.into(),
        created_at: util::now_utc(),
        prefer: opts.prefer.clone(),
        include_contained: opts.include_contained,
        files_to_remove,
        bytes_freed,
        groups,
        left_alone,
    })
}

/// One group's plan, or why it is left alone.
fn group_plan(
    conn: &Connection,
    host: &str,
    group: i64,
    keep: &Row,
    removable: &[&Row],
    left_alone: &mut Vec<LeftAlone>,
) -> crate::catalog::Result<Result<Group, String>> {
    let Some(keep_entry) = entry_of(conn, host, keep)? else {
        return Ok(Err(format!(
            "the copy to keep, {}, cannot be read",
            keep.path
        )));
    };
    let mut found = Vec::new();
    for r in removable {
        match entry_of(conn, host, r)? {
            Some(e) => found.push(e),
            None => left_alone.push(LeftAlone {
                group,
                keep: keep.path.clone(),
                reason: format!("{} cannot be read as a regular file", r.path),
            }),
        }
    }
    let mut remove: Vec<Entry> = found
        .into_par_iter()
        .filter(|e| (e.dev, e.inode) != (keep_entry.dev, keep_entry.inode))
        .map(|mut e| {
            e.identical = e.size == keep_entry.size && same_bytes(&keep_entry, &e);
            e
        })
        .collect();
    remove.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Ok(Group {
        group,
        bytes_freed: remove.iter().map(|e| e.size).sum(),
        keep: keep_entry,
        remove,
    }))
}

fn same_bytes(a: &Entry, b: &Entry) -> bool {
    let (Ok(pa), Ok(pb)) = (a.path_buf(), b.path_buf()) else {
        return false;
    };
    matches!(
        (content_hash(&pa, a.size), content_hash(&pb, b.size)),
        (Ok(x), Ok(y)) if x == y
    )
}

/// The row's file as it is on disk now: None when it is not a readable
/// regular file (or the catalog no longer knows it).
fn entry_of(conn: &Connection, host: &str, r: &Row) -> crate::catalog::Result<Option<Entry>> {
    let Some(known) = journal::lookup(conn, host, &r.path)? else {
        return Ok(None);
    };
    let path = util::path_from_bytes(&known.path_bytes);
    let Ok(md) = std::fs::symlink_metadata(&path) else {
        return Ok(None);
    };
    if !md.file_type().is_file() {
        return Ok(None);
    }
    let Ok(hash) = sampled::sampled_hash(&path) else {
        return Ok(None);
    };
    let st = FileStat::from_metadata(&md);
    let (text, hex) = Entry::path_fields(&known.path_bytes);
    Ok(Some(Entry {
        path: text,
        path_hex: hex,
        size: st.size,
        mtime_ns: st.mtime_ns,
        dev: st.dev,
        inode: st.ino,
        sampled: hash,
        why: r.why.clone(),
        relation: if r.keep {
            "kept".into()
        } else {
            r.relation.clone()
        },
        identical: false,
        resolution: r.resolution.clone(),
        video_codec: r.video_codec.clone(),
        bitrate: r.bitrate,
        duration_s: r.duration_s,
    }))
}

/// The plan as JSON, pretty-printed, ending with a newline.
pub fn to_json(plan: &Plan) -> String {
    let mut s = serde_json::to_string_pretty(plan).unwrap_or_else(|_| Value::Null.to_string());
    s.push('\n');
    s
}

/// The plan as a standalone HTML page: each group's kept copy beside the
/// copies it removes, with their thumbnails.
pub fn review_html(conn: &Connection, plan: &Plan) -> crate::catalog::Result<String> {
    use crate::report::html::review::{ReviewCopy, ReviewGroup, review_page};
    let named: Vec<(String, String)> = plan
        .groups
        .iter()
        .flat_map(|g| std::iter::once(&g.keep).chain(&g.remove))
        .map(|e| (plan.host.clone(), e.path.clone()))
        .collect();
    let mut pictures = crate::catalog::thumbnails::thumbnails_by_path(conn, &named)?;
    let copy = |e: &Entry, keep: bool| ReviewCopy {
        path: e.path.clone(),
        keep,
        why: e.why.clone(),
        relation: e.relation.clone(),
        resolution: e.resolution.clone(),
        video_codec: e.video_codec.clone(),
        bitrate: e.bitrate,
        size: Some(e.size as i64),
        duration_s: e.duration_s,
        thumbnail: None,
    };
    let groups: Vec<ReviewGroup> = plan
        .groups
        .iter()
        .map(|g| ReviewGroup {
            group: g.group,
            frees_bytes: g.bytes_freed as i64,
            copies: std::iter::once(copy(&g.keep, true))
                .chain(g.remove.iter().map(|e| copy(e, false)))
                .map(|mut c| {
                    c.thumbnail = pictures.remove(&(plan.host.clone(), c.path.clone()));
                    c
                })
                .collect(),
        })
        .collect();
    let title = format!("mediadex dedupe plan {}", plan.id);
    Ok(review_page(&title, &groups))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    /// A report row: (group, keep, relation, host, path).
    fn rows(list: &[(i64, bool, &str, &str, &str)]) -> Rows {
        let columns = ["group", "keep", "why", "relation", "host", "path"];
        Rows {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: list
                .iter()
                .map(|(g, keep, rel, host, path)| {
                    vec![
                        Value::from(*g),
                        Value::from(if *keep { "yes" } else { "no" }),
                        Value::from("older"),
                        Value::from(*rel),
                        Value::from(*host),
                        Value::from(*path),
                    ]
                })
                .collect(),
        }
    }

    #[test]
    fn only_duplicates_of_this_host_are_removed_and_a_keeper_elsewhere_leaves_the_group() {
        let dir = tempfile::tempdir().unwrap();
        let cat = Catalog::open(&dir.path().join("c.db")).unwrap();
        let names = [
            "keep", "dup", "overlap", "contains", "related", "clip", "far",
        ];
        let path = |n: &str| dir.path().join(format!("{n}.mkv")).display().to_string();
        for (i, n) in names.iter().enumerate() {
            std::fs::write(path(n), vec![i as u8; 1000 + i]).unwrap();
            cat.conn
                .execute(
                    "INSERT INTO files (host, path, path_bytes, root, status, first_seen)
                     VALUES ('here', ?1, CAST(?1 AS BLOB), '/', 'ok', 'now')",
                    [path(n)],
                )
                .unwrap();
        }
        let p = |n: &str| path(n);
        let (keep, dup, over, cont, rel, clip, far) = (
            p("keep"),
            p("dup"),
            p("overlap"),
            p("contains"),
            p("related"),
            p("clip"),
            p("far"),
        );
        let r = rows(&[
            (1, true, "kept", "here", &keep),
            (1, false, "duplicate", "here", &dup),
            (1, false, "overlap", "here", &over),
            (1, false, "contains", "here", &cont),
            (1, false, "related", "here", &rel),
            (1, false, "contained-in", "here", &clip),
            (1, false, "duplicate", "there", &far),
            (2, true, "kept", "there", &far),
            (2, false, "duplicate", "here", &dup),
        ]);
        let host = "here";
        let plan = make(&cat.conn, host, &r, &Options::default()).unwrap();
        assert_eq!(plan.groups.len(), 1);
        let removed: Vec<&str> = plan.groups[0]
            .remove
            .iter()
            .map(|e| e.path.as_str())
            .collect();
        assert_eq!(removed, [dup.as_str()]);
        assert_eq!(plan.groups[0].keep.path, keep);
        assert_eq!(plan.left_alone.len(), 1);
        assert!(plan.left_alone[0].reason.contains("host there"));
        let opts = Options {
            include_contained: true,
            ..Options::default()
        };
        let plan = make(&cat.conn, host, &r, &opts).unwrap();
        let removed: Vec<&str> = plan.groups[0]
            .remove
            .iter()
            .map(|e| e.path.as_str())
            .collect();
        assert_eq!(removed, [clip.as_str(), dup.as_str()]);
        assert_eq!(plan.bytes_freed, 1001 + 1005);
        // A copy that is gone is said, not planned.
        std::fs::remove_file(&dup).unwrap();
        let plan = make(&cat.conn, host, &r, &Options::default()).unwrap();
        assert!(plan.groups.is_empty());
        assert!(plan.left_alone.iter().any(|l| l.reason.contains("dup.mkv")));
    }
}
