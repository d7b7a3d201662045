//! The page's tables: the rows of a report as cells a person reads (units as
//! in the text output) with the raw value kept for sorting.
//!
//! Invariants: a table holds at most [`MAX_ROWS`] rows and says how many it
//! left out and where the rest is; cells are text (the template escapes
//! them); a numeric cell carries its raw number for the sorting script.

use serde_json::Value;

use crate::output::human::human_cell;
use crate::report::Rows;

/// Rows a table on the page shows at most, so the page stays small on a
/// catalog of millions; the report's file has the rest.
pub const MAX_ROWS: usize = 100;

pub struct Cell {
    pub text: String,
    /// The raw number, for sorting; None for text.
    pub num: Option<String>,
    /// A picture shown in the cell (a `data:` URI), if any.
    pub img: Option<String>,
    /// Long text (paths, errors): wraps, so the table fits the page; short
    /// cells never break.
    pub wrap: bool,
}

/// Text longer than this wraps in its cell.
const WRAP_CHARS: usize = 24;

pub struct Table {
    /// The anchor charts link to: `t-REPORT`.
    pub id: String,
    pub title: String,
    /// Where every row is: the export's file, or the command that prints it.
    pub source: String,
    /// "100 of 2,345 rows" when cut, else empty.
    pub note: String,
    pub columns: Vec<String>,
    /// The columns as people read them (`duration_s` → `Duration`).
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A first column of pictures, `picture(row)` each (row numbers of the
    /// report's rows as shown), when at least one row has one.
    pub fn add_pictures(&mut self, picture: impl Fn(usize) -> Option<String>) {
        let pics: Vec<Option<String>> = (0..self.rows.len()).map(picture).collect();
        if pics.iter().all(Option::is_none) {
            return;
        }
        self.columns.insert(0, "picture".into());
        self.headers.insert(0, String::new());
        for (row, img) in self.rows.iter_mut().zip(pics) {
            row.insert(
                0,
                Cell {
                    text: String::new(),
                    num: None,
                    img,
                    wrap: false,
                },
            );
        }
    }
}

/// A column's header for people: its unit suffix dropped (the cells show
/// units), words spaced, the first letter capital.
pub fn header(column: &str) -> String {
    let h = crate::output::human::human_header(column);
    let mut chars = h.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => h,
    }
}

fn cell(column: &str, v: &Value) -> Cell {
    let text = match v {
        Value::Array(_) | Value::Object(_) => v.to_string(),
        _ => human_cell(column, v),
    };
    Cell {
        wrap: text.chars().count() > WRAP_CHARS,
        text,
        num: v.as_f64().map(|f| f.to_string()),
        img: None,
    }
}

/// A table of `report`'s `rows` (only those `keep` accepts), in `columns`
/// (all of them when empty). `json` is the extension of the export's report
/// files, or None when there are none (`report --html`).
pub fn table(
    report: &str,
    title: &str,
    rows: &Rows,
    columns: &[&str],
    keep: &dyn Fn(usize) -> bool,
    json: Option<&str>,
) -> Table {
    let columns: Vec<String> = if columns.is_empty() {
        rows.columns.clone()
    } else {
        columns.iter().map(|c| c.to_string()).collect()
    };
    let kept: Vec<usize> = (0..rows.rows.len()).filter(|i| keep(*i)).collect();
    let shown: Vec<Vec<Cell>> = kept
        .iter()
        .take(MAX_ROWS)
        .map(|&i| columns.iter().map(|c| cell(c, rows.get(i, c))).collect())
        .collect();
    let note = if kept.len() > MAX_ROWS {
        format!(
            "the first {MAX_ROWS} of {} rows",
            crate::output::human::group_digits(&kept.len().to_string())
        )
    } else {
        String::new()
    };
    Table {
        id: format!("t-{report}"),
        title: title.to_string(),
        source: match json {
            Some(ext) => format!("{report}.{ext}"),
            None => format!("mediadex report {report} -f json"),
        },
        note,
        headers: columns.iter().map(|c| header(c)).collect(),
        columns,
        rows: shown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_tables_are_cut_and_say_so() {
        let rows = Rows {
            columns: vec!["path".into(), "size".into()],
            rows: (0..150)
                .map(|i| vec![json!(format!("/f{i}")), json!(i * 1024)])
                .collect(),
        };
        let t = table("largest", "Largest", &rows, &[], &|_| true, Some("json"));
        assert_eq!(t.rows.len(), MAX_ROWS);
        assert_eq!(t.note, "the first 100 of 150 rows");
        assert_eq!(t.source, "largest.json");
        assert_eq!(t.rows[2][1].text, "2.0 KiB");
        assert_eq!(t.rows[2][1].num.as_deref(), Some("2048"));
        let odd = table("largest", "L", &rows, &["path"], &|i| i % 2 == 1, None);
        assert_eq!(odd.rows.len(), 75);
        assert!(odd.note.is_empty());
        assert_eq!(odd.source, "mediadex report largest -f json");
    }

    #[test]
    fn headers_are_for_people_and_pictures_only_when_there_are_some() {
        assert_eq!(header("duration_s"), "Duration");
        assert_eq!(header("reclaimable_bytes"), "Reclaimable");
        assert_eq!(header("video_codec"), "Video codec");
        let rows = Rows {
            columns: vec!["path".into()],
            rows: vec![vec![json!("/a")], vec![json!("/b")]],
        };
        let mut t = table("health", "H", &rows, &[], &|_| true, None);
        t.add_pictures(|_| None);
        assert_eq!(t.columns, ["path"]);
        t.add_pictures(|i| (i == 1).then(|| "data:image/jpeg;base64,/9j/".to_string()));
        assert_eq!(t.columns, ["picture", "path"]);
        assert!(t.rows[0][0].img.is_none() && t.rows[1][0].img.is_some());
        assert_eq!(t.rows[1][1].text, "/b");
    }
}
