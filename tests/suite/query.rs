//! `query`: every output format parsed back; writes refused with the catalog unchanged.

use crate::testenv::fixtures::copy_into;
use crate::testenv::{TestEnv, stderr, stdout};

fn scanned() -> TestEnv {
    let env = TestEnv::new();
    copy_into(&env.lib, &["h264-aac.mp4", "vp8.webm", "two-languages.mkv"]);
    env.scan(&[], 0);
    env
}

const SQL: &str = "SELECT path, width, duration_s, doc FROM media WHERE width >= :w ORDER BY path";

#[test]
fn formats_parse_back() {
    let env = scanned();
    let args = |f: &str| env.run(&["query", SQL, "-p", "w=300", "-f", f]);

    let json: Vec<serde_json::Value> = serde_json::from_slice(&args("json").stdout).unwrap();
    assert_eq!(json.len(), 3);
    // Documents come out nested, not as escaped strings.
    assert!(json[0]["doc"]["streams"].is_array());
    assert_eq!(json[0]["width"], 320);

    let nd = stdout(&args("ndjson"));
    let lines: Vec<serde_json::Value> = nd
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, json);

    let csv_out = args("csv").stdout;
    let mut rdr = csv::Reader::from_reader(csv_out.as_slice());
    assert_eq!(
        rdr.headers().unwrap(),
        vec!["path", "width", "duration_s", "doc"]
    );
    let recs: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 3);
    let doc: serde_json::Value = serde_json::from_str(&recs[0][3]).unwrap();
    assert_eq!(doc, json[0]["doc"]);

    let table = stdout(&args("table"));
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("path") && lines[0].contains("width"));
    assert!(lines[1].starts_with("----"));
    assert_eq!(lines.len(), 5);
    // Columns line up: "width" values end where the header ends.
    let end = lines[0].find("width").unwrap() + "width".len();
    for l in &lines[2..] {
        assert_eq!(&l[end - 3..end], "320");
    }
    // A parameter bound as a number filters numerically.
    let few: Vec<serde_json::Value> =
        serde_json::from_slice(&env.run(&["query", SQL, "-p", "w=321", "-f", "json"]).stdout)
            .unwrap();
    assert_eq!(few.len(), 0);
}

#[test]
fn writes_are_refused_and_catalog_unchanged() {
    let env = scanned();
    let before = std::fs::read(&env.db).unwrap();
    for sql in [
        "DELETE FROM files",
        "UPDATE files SET status = 'x'",
        "DROP TABLE files",
        "INSERT INTO scans (host, started_at) VALUES ('a', 'b')",
        "CREATE TABLE t (x)",
    ] {
        let out = env.run(&["query", sql]);
        assert_eq!(out.status.code(), Some(1), "{sql} must fail");
        assert!(
            stderr(&out).contains("read-only"),
            "{sql}: {}",
            stderr(&out)
        );
    }
    assert_eq!(std::fs::read(&env.db).unwrap(), before);
    assert_eq!(env.query("SELECT count(*) AS n FROM files")[0]["n"], 3);
    // Missing parameter: a clear message naming it.
    let out = env.run(&["query", SQL]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("-p w=VALUE"), "{}", stderr(&out));
}

/// Columns of the views that hold JSON (`audio_languages`, …) come out nested
/// in JSON, as `doc` does, and as compact JSON text in CSV.
#[test]
fn json_typed_view_columns_nest() {
    let env = scanned();
    let sql = "SELECT audio_languages, subtitle_languages FROM media WHERE path LIKE '%two-languages.mkv'";
    let rows = env.query(sql);
    assert_eq!(
        rows[0]["audio_languages"],
        serde_json::json!(["eng", "fre"])
    );
    assert!(
        rows[0]["subtitle_languages"].is_array() || rows[0]["subtitle_languages"].is_null(),
        "{}",
        rows[0]
    );
    let out = env.run(&["query", sql, "-f", "csv"]);
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    let rec = rdr.records().next().unwrap().unwrap();
    assert_eq!(&rec[0], r#"["eng","fre"]"#);
}

/// The README's query for French audio finds the French track of a file
/// tagged French (stored as ISO 639-2, `fre` or `fra`).
#[test]
fn the_readme_language_example_finds_french_audio() {
    let env = scanned();
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("mediadex query \"SELECT path, language FROM streams"))
        .expect("the README's language example");
    let sql = line.split('"').nth(1).unwrap();
    let rows = env.query(sql);
    assert_eq!(rows.len(), 1, "{sql}: {rows:?}");
    assert!(
        rows[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("two-languages.mkv"),
        "{rows:?}"
    );
    // The other way the README gives: the two-letter form in the document.
    let two = env.query(
        "SELECT path FROM streams WHERE kind = 'audio' AND doc ->> '$.language_iso639_1' = 'fr'",
    );
    assert_eq!(two.len(), 1, "{two:?}");
}

/// `-f tsv` escapes what would break a line-and-tab reader: every line has
/// as many fields as the header, and undoing the escapes gives the text back.
#[test]
fn tsv_escapes_tabs_line_breaks_and_backslashes() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["h264-aac.mp4"]);
    let odd = env.lib.join("tab\there\nnew line \\ \"q\".mp4");
    std::fs::rename(env.lib.join("h264-aac.mp4"), &odd).unwrap();
    env.scan(&[], 0);
    let sql = "SELECT path, 'a' || char(9) || 'b' AS t, NULL AS n, 'c,\"d\"' AS plain FROM media";
    let out = env.run(&["query", sql, "-f", "tsv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text:?}");
    assert_eq!(lines[0], "path\tt\tn\tplain");
    let fields: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(fields.len(), 4, "{:?}", lines[1]);
    let unescape = |f: &str| {
        let mut out = String::new();
        let mut it = f.chars();
        while let Some(c) = it.next() {
            out.push(match (c, c == '\\') {
                (_, true) => match it.next() {
                    Some('t') => '\t',
                    Some('n') => '\n',
                    Some('r') => '\r',
                    Some(other) => other,
                    None => panic!("a lone backslash ends {f:?}"),
                },
                (c, false) => c,
            });
        }
        out
    };
    assert_eq!(unescape(fields[0]), odd.to_str().unwrap());
    assert!(
        fields[0].contains("tab\\there\\nnew line \\\\ \"q\""),
        "{}",
        fields[0]
    );
    assert_eq!(fields[1], "a\\tb");
    assert_eq!(fields[2], "");
    assert_eq!(fields[3], "c,\"d\"", "no CSV quoting");
    let help = stdout(&env.run(&["query", "--help"]));
    assert!(help.contains("\\t, \\n, \\r, \\\\"), "{help}");
}

/// A refusal quotes the statement as the user wrote it (not SQLite's internal
/// write to `sqlite_master`), and SQL that stops too early says where.
#[test]
fn refusals_quote_the_statement_and_incomplete_sql_has_a_place() {
    let env = TestEnv::new();
    env.scan(&[], 0);
    let err = |sql: &str| {
        let out = env.run(&["query", sql]);
        assert_eq!(out.status.code(), Some(1), "{sql} must fail");
        let e = stderr(&out);
        assert_eq!(e.lines().count(), 1, "one line: {e}");
        e
    };
    for (sql, said) in [
        ("DROP TABLE files", "refused: DROP TABLE files — "),
        ("create  table t\n (x)", "refused: create table t (x) — "),
        (
            "SELECT 1; DELETE FROM files",
            "refused: DELETE FROM files — ",
        ),
    ] {
        let e = err(sql);
        assert!(e.contains(said), "{sql}: {e}");
        assert!(!e.contains("sqlite_master"), "{sql}: {e}");
    }
    let e = err("SELECT path\n  FROM media\n WHERE size > (1  \n");
    assert!(e.contains("incomplete input"), "{e}");
    assert!(e.contains("at line 3, column 17"), "{e}");
}

/// The default table prints rows as they come once a first batch has set
/// the column widths: a query stopped by `--timeout` has already printed
/// thousands of lines, and a later value too wide for its column is whole.
#[test]
fn the_table_streams_after_a_first_batch() {
    let env = TestEnv::new();
    env.scan(&[], 0);
    let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)
                   SELECT x, 'name' || x AS n FROM c";
    let out = env.run(&["query", endless, "--timeout", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--timeout"), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.len() > 2000,
        "{} lines before the timeout",
        lines.len()
    );
    assert_eq!(lines[0], "x     n", "widths from the first 1000 rows");
    assert_eq!(lines[2], "   1  name1");

    let wide = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1500)
                SELECT x, CASE WHEN x = 1400 THEN 'a much longer name' ELSE 'n' || x END AS n,
                'end' AS e FROM c";
    let text = stdout(&env.run(&["query", wide]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1502);
    assert_eq!(lines[1 + 1000], "1000  n1000  end");
    assert_eq!(lines[1 + 1400], "1400  a much longer name  end");
    assert_eq!(lines[1 + 1500], "1500  n1500  end");
}
