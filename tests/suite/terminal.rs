//! The terminal experience: tables that keep whole paths, format shortcuts,
//! `report --list`, one-line errors, exit codes, typed report parameters, JSON
//! nesting, `show`, completions and the man page. Text outputs are insta
//! snapshots (paths under the test's temp dir written as `[TMP]`); a terminal
//! is a real pseudo-terminal from `script(1)`.

use std::process::Command;

use crate::testenv::fixtures::copy_into;
use crate::testenv::{TestEnv, stderr, stdout};

const LONG: &str = "/srv/media/Television/Some Long Series Name (2009)/Season 01/Some Long Series Name - S01E01 - Pilot.mkv";

/// A catalog that exists and is empty.
fn empty() -> TestEnv {
    let env = TestEnv::new();
    mediadex_core::catalog::Catalog::open(&env.db).expect("an empty catalog");
    env
}

fn scanned() -> TestEnv {
    let env = TestEnv::new();
    copy_into(&env.lib, &["h264-aac.mp4"]);
    env.scan(&[], 0);
    env
}

fn redact(env: &TestEnv, s: &str) -> String {
    s.replace(env.path().to_str().unwrap(), "[TMP]")
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Run `mediadex ARGS` on a pseudo-terminal `cols` wide; stdout and stderr
/// as the terminal shows them, with `\r\n` turned into `\n`.
pub(crate) fn on_terminal(env: &TestEnv, cols: usize, args: &[&str]) -> String {
    let inner = env.std_cmd();
    let mut line = format!("stty cols {cols} rows 50; exec");
    line.push(' ');
    line.push_str(&quote(inner.get_program().to_str().unwrap()));
    for a in inner.get_args() {
        line.push(' ');
        line.push_str(&quote(a.to_str().unwrap()));
    }
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    let mut c = Command::new("script");
    c.args(["-qec", &line, "/dev/null"]);
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    let out = c
        .output()
        .expect("script(1) from bsdutils is needed (make deps-test)");
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}

const WIDE: &str = "SELECT 'x' AS kind, ?1 AS path, 1920 AS width";

fn wide_sql() -> String {
    WIDE.replace("?1", &format!("'{LONG}'"))
}

#[test]
fn tables_print_whole_cells_off_a_terminal_and_fit_one() {
    let env = empty();
    let sql = wide_sql();
    // Off a terminal: whole cells, even a single long column.
    let piped = stdout(&env.run(&["query", &sql]));
    assert!(piped.contains(LONG), "{piped}");
    insta::assert_snapshot!("query_table_piped", piped);
    let alone = stdout(&env.run(&["query", &format!("SELECT '{LONG}' AS path")]));
    assert!(alone.contains(LONG), "{alone}");

    // On an 80-column terminal: fitted, the file name kept, said once.
    let tty = on_terminal(&env, 80, &["query", &sql]);
    let (table, note): (Vec<&str>, Vec<&str>) =
        tty.lines().partition(|l| !l.starts_with("mediadex: note:"));
    assert!(table.iter().all(|l| l.chars().count() <= 80), "{tty}");
    assert!(
        tty.contains("Some Long Series Name - S01E01 - Pilot.mkv"),
        "{tty}"
    );
    assert_eq!(note.len(), 1, "{tty}");
    assert!(note[0].contains("--no-trunc"));
    insta::assert_snapshot!("query_table_80", tty);

    // --no-trunc: whole cells on the terminal too, and no note.
    let whole = on_terminal(&env, 80, &["query", &sql, "--no-trunc"]);
    assert!(whole.contains(LONG) && !whole.contains("note:"), "{whole}");
    // -q: fitted all the same, without the note.
    let quiet = on_terminal(&env, 80, &["-q", "query", &sql]);
    assert!(!quiet.contains(LONG) && !quiet.contains("note:"), "{quiet}");
    // A table that fits is left alone.
    let small = on_terminal(&env, 80, &["query", "SELECT 1 AS n"]);
    assert_eq!(small, "n\n-\n1\n");
}

#[test]
fn report_text_keeps_paths_and_fits_the_terminal() {
    let env = TestEnv::new();
    let deep = env
        .lib
        .join("Some Long Series Name (2009)/Season 01/Extras and Featurettes");
    std::fs::create_dir_all(&deep).unwrap();
    copy_into(&deep, &["h264-aac.mp4"]);
    env.scan(&[], 0);
    let piped = stdout(&env.run(&["report", "largest"]));
    let path = deep.join("h264-aac.mp4");
    assert!(piped.contains(path.to_str().unwrap()), "{piped}");
    // Human headers: no unit suffixes, no underscores.
    assert!(
        piped.contains("duration") && !piped.contains("duration_s"),
        "{piped}"
    );
    assert!(piped.contains("video codec"), "{piped}");
    // The other columns take 77 characters: 100 leave 23 for the path.
    let tty = on_terminal(&env, 100, &["report", "largest"]);
    assert!(
        tty.lines()
            .filter(|l| !l.starts_with("mediadex: note"))
            .all(|l| l.chars().count() <= 100),
        "{tty}"
    );
    assert!(
        tty.contains("…") && tty.contains("/h264-aac.mp4  "),
        "{tty}"
    );
    // Narrower than the other columns need: the file name is still kept whole.
    let tty = on_terminal(&env, 80, &["report", "largest"]);
    assert!(tty.contains("/h264-aac.mp4"), "{tty}");
    assert_eq!(tty.matches("mediadex: note:").count(), 1, "{tty}");
}

#[test]
fn format_shortcuts_and_no_headers() {
    let env = empty();
    let sql = "SELECT 1 AS n, 'a,b' AS s";
    let f = |args: &[&str]| {
        let mut a = vec!["query", sql];
        a.extend_from_slice(args);
        let out = env.run(&a);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(f(&["--csv"]), f(&["-f", "csv"]));
    assert_eq!(f(&["--csv"]), "n,s\n1,\"a,b\"\n");
    assert_eq!(f(&["--tsv"]), "n\ts\n1\ta,b\n");
    assert_eq!(f(&["--nl"]), "{\"n\":1,\"s\":\"a,b\"}\n");
    assert_eq!(f(&["--nl"]), f(&["-f", "nl"]));
    assert_eq!(f(&["--json"]), f(&["-f", "json"]));
    assert_eq!(f(&["--csv", "--no-headers"]), "1,\"a,b\"\n");
    assert_eq!(f(&["--no-headers"]), "1  a,b\n");
    assert_eq!(f(&["-f", "text"]), f(&["-f", "table"]));
    // report accepts query's words and the shortcuts.
    let r = |args: &[&str]| {
        let mut a = vec!["report", "scans"];
        a.extend_from_slice(args);
        let out = env.run(&a);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(r(&["-f", "table"]), r(&["-f", "text"]));
    assert_eq!(r(&["--json"]), r(&["-f", "json"]));
    assert_eq!(r(&["--tsv"]).lines().count(), 1, "header only");
    // Contradictions are usage errors.
    for bad in [
        vec!["query", sql, "--csv", "--json"],
        vec!["query", sql, "-f", "csv", "--tsv"],
        vec!["query", sql, "--json", "--no-headers"],
        vec!["report", "scans", "--nl", "--no-headers"],
    ] {
        assert_eq!(env.run(&bad).status.code(), Some(2), "{bad:?}");
    }
}

#[test]
fn report_list_fits_and_explains_parameters() {
    let env = empty();
    let list = stdout(&env.run(&["report", "--list"]));
    assert!(list.lines().all(|l| l.chars().count() <= 80), "{list}");
    assert!(
        list.contains("limit: integer = 20 — how many files"),
        "{list}"
    );
    insta::assert_snapshot!("report_list", list);
    let narrow = on_terminal(&env, 60, &["report", "--list"]);
    assert!(narrow.lines().all(|l| l.chars().count() <= 60), "{narrow}");
    let json: serde_json::Value =
        serde_json::from_slice(&env.run(&["report", "--list", "--json"]).stdout).unwrap();
    let largest = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "largest")
        .unwrap();
    assert_eq!(largest["params"]["limit"]["type"], "integer");
    assert_eq!(largest["params"]["limit"]["help"], "how many files");
}

/// The one line a failing command prints, with exit code.
fn error_line(env: &TestEnv, args: &[&str]) -> (i32, String) {
    let out = env.run(args);
    let err = redact(env, &stderr(&out));
    assert_eq!(err.lines().count(), 1, "{args:?}: one line, got:\n{err}");
    (out.status.code().unwrap(), err)
}

#[test]
fn errors_are_one_line_naming_the_file() {
    let env = empty();
    let mut lines = Vec::new();
    let mut check = |args: &[&str], code: i32, needles: &[&str]| {
        let (c, line) = error_line(&env, args);
        assert_eq!(c, code, "{args:?}: {line}");
        for n in needles {
            assert!(line.contains(n), "{args:?}: {n:?} not in {line}");
        }
        lines.push(line);
    };
    check(
        &["query", "SELEC * FROM media"],
        1,
        &["catalog.db", "syntax error", "line 1, column 1"],
    );
    check(
        &["query", "SELECT path\nFROM mediaa"],
        1,
        &["no such table: mediaa"],
    );
    let sql = env.path().join("sql");
    std::fs::create_dir_all(&sql).unwrap();
    std::fs::write(
        sql.join("broken.sql"),
        "-- name: broken\n-- description: a typo on line 4\n\nSELEC path FROM media ORDER BY 1;\n",
    )
    .unwrap();
    check(
        &["report", "broken", "--sql-dir", sql.to_str().unwrap()],
        1,
        &["broken.sql", "line 4, column 1", "syntax error"],
    );
    check(
        &["report", "largest", "-p", "limit=abc"],
        2,
        &["parameter limit is an integer", "\"abc\""],
    );
    check(
        &["report", "recent", "-p", "days=x"],
        2,
        &["parameter days"],
    );
    check(
        &["report", "largest", "-p", "lmit=3"],
        2,
        &["its parameters: limit: integer = 20"],
    );
    for verb in [
        vec!["scan", "--timeout", "0", "."],
        vec!["query", "SELECT 1", "--timeout", "0"],
        vec!["report", "scans", "--timeout", "-1"],
        vec!["export", "--out", "x", "--timeout", "0"],
        vec!["scan", "-j", "0", "."],
    ] {
        let out = env.run(&verb);
        assert_eq!(out.status.code(), Some(2), "{verb:?}: {}", stderr(&out));
    }
    let notes = env.path().join("notes.txt");
    std::fs::write(&notes, "just some notes, not a catalog\n").unwrap();
    for verb in [
        &["query", "SELECT 1"][..],
        &["scan", "."],
        &["report", "scans"],
    ] {
        let out = env.std_cmd_db(&notes).args(verb).output().unwrap();
        let line = redact(&env, &stderr(&out));
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(line.lines().count(), 1, "{line}");
        assert!(
            line.contains("notes.txt") && line.contains("not a database"),
            "{verb:?}: {line}"
        );
        lines.push(line);
    }
    insta::assert_snapshot!("error_lines", lines.join(""));
}

#[test]
fn an_unreadable_catalog_says_permission_denied() {
    let env = empty();
    let locked = env.path().join("locked.db");
    std::fs::copy(&env.db, &locked).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let mut c = env.std_cmd_db(&locked);
    c.args(["query", "SELECT 1"]);
    if nix::unistd::geteuid().is_root() {
        // root reads any file: run as nobody, who cannot.
        use std::os::unix::process::CommandExt;
        c.uid(65534).gid(65534);
    }
    let out = c.output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("locked.db") && err.contains("Permission denied"),
        "{err}"
    );
}

#[test]
fn typed_parameters_bind_as_declared() {
    let env = empty();
    let sql = env.path().join("sql");
    std::fs::create_dir_all(&sql).unwrap();
    std::fs::write(
        sql.join("types.sql"),
        "-- name: types\n-- description: the types parameters bind as\n-- param: t: text = x -- a title\n-- param: n: integer = 3\n-- param: r: real = 0.5\n-- param: old = 7\n\
         SELECT typeof(:t) AS t, typeof(:n) AS n, typeof(:r) AS r, typeof(:old) AS old ORDER BY 1;\n",
    )
    .unwrap();
    let d = sql.to_str().unwrap();
    let out = env.run(&[
        "report",
        "types",
        "--sql-dir",
        d,
        "-p",
        "t=1984",
        "-p",
        "r=2",
        "--json",
    ]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([{"t": "text", "n": "integer", "r": "real", "old": "text"}]),
        "{}",
        stderr(&out)
    );
    let (code, line) = error_line(&env, &["report", "types", "--sql-dir", d, "-p", "r=lots"]);
    assert_eq!(code, 2);
    assert!(line.contains("parameter r is a number"), "{line}");
}

#[test]
fn json_nests_only_json_and_keys_are_unique() {
    let env = scanned();
    let rows = env.query(
        "SELECT '[1]' AS text, json('[2]') AS made, doc, path, path FROM media ORDER BY path",
    );
    let r = &rows[0];
    assert_eq!(r["text"], "[1]", "text that looks like JSON stays text");
    assert_eq!(r["made"], serde_json::json!([2]));
    assert!(r["doc"]["streams"].is_array(), "catalog documents nest");
    assert!(r["path"].is_string() && r["path_2"] == r["path"], "{r}");
    let raw = stdout(&env.run(&["query", "SELECT 1 AS a, 2 AS a", "--nl"]));
    assert_eq!(raw, "{\"a\":1,\"a_2\":2}\n");
}

#[test]
fn show_summarises_on_a_terminal_and_tells_missing_from_uncatalogued() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["h264-aac.mp4"]);
    let odd = env
        .lib
        .join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"odd\xFFname.mp4"));
    std::fs::copy(env.lib.join("h264-aac.mp4"), &odd).unwrap();
    env.scan(&[], 0);
    let a = env.lib.join("h264-aac.mp4");
    let a = a.to_str().unwrap();
    let escaped = format!("{}/odd\\xFFname.mp4", env.lib.display());
    let tty = on_terminal(&env, 80, &["show", a, &escaped]);
    assert!(tty.contains("stream 0    video  h264  320x240"), "{tty}");
    assert!(tty.contains("odd\\xFFname.mp4\n  status      ok"), "{tty}");
    assert!(tty.contains("  last seen   20"), "{tty}");
    // The dates of the run, not of the file: left out of the snapshot.
    let undated: Vec<String> = redact(&env, &tty)
        .lines()
        .map(|l| match l.find(" seen ").and(l.find(" 20")) {
            Some(i) => format!("{}[DATE]", &l[..i + 1]),
            None => l.to_string(),
        })
        .collect();
    insta::assert_snapshot!("show_summary", undated.join("\n"));

    // Off a terminal, and with --json: the documents, one after another.
    let piped = env.run(&["show", a, &escaped]);
    assert!(piped.status.success(), "{}", stderr(&piped));
    let docs: Vec<serde_json::Value> = serde_json::Deserializer::from_slice(&piped.stdout)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["doc"]["container"], "mp4");
    let forced = on_terminal(&env, 80, &["show", "--json", a]);
    assert!(forced.trim_start().starts_with('{'), "{forced}");

    std::fs::write(env.lib.join("new.mp4"), b"x").unwrap();
    let new = env.lib.join("new.mp4");
    let (code, line) = error_line(&env, &["show", new.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        line.contains("not in the catalog") && line.contains("scan it first"),
        "{line}"
    );
    let gone = env.lib.join("gone.mp4");
    let (code, line) = error_line(&env, &["show", gone.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(line.contains("no such file"), "{line}");
    let some = env.run(&["show", a, gone.to_str().unwrap()]);
    assert_eq!(some.status.code(), Some(3), "some paths failed");
}

#[test]
fn completions_and_man_page() {
    let env = empty();
    for shell in ["bash", "zsh", "fish"] {
        let out = env.run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let s = stdout(&out);
        assert!(s.contains("mediadex") && s.contains("report"), "{shell}");
    }
    let bash = env.path().join("mediadex.bash");
    std::fs::write(&bash, env.run(&["completions", "bash"]).stdout).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&bash).status().unwrap();
    assert!(syntax.success(), "the bash script parses");
    assert_eq!(env.run(&["completions", "tcsh"]).status.code(), Some(2));
    let man = stdout(&env.run(&["__man"]));
    assert!(
        man.starts_with(".ie") || man.contains(".TH mediadex"),
        "{}",
        &man[..200.min(man.len())]
    );
}

#[test]
fn dump_out_dash_is_stdout() {
    let env = scanned();
    let out = env
        .cmd()
        .current_dir(env.path())
        .args(["dump", "--out", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!env.path().join("-").exists(), "no file named -");
    let plain = env.run(&["dump"]);
    let strip = |b: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(b)
            .lines()
            .filter(|l| !l.contains("generated_at") && !l.contains("dumped_at"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(strip(&out.stdout), strip(&plain.stdout));
    assert!(strip(&out.stdout).len() > 1);
}

#[test]
fn help_of_every_verb() {
    let env = TestEnv::new();
    let mut all = String::new();
    for verb in [
        "scan",
        "show",
        "query",
        "report",
        "export",
        "dump",
        "load",
        "repair",
        "record",
        "completions",
    ] {
        let out = env.run(&[verb, "--help"]);
        assert!(out.status.success(), "{verb}");
        all.push_str(&format!("===== mediadex {verb} --help\n{}", stdout(&out)));
    }
    insta::assert_snapshot!("help", all);
}

#[test]
fn scan_summary_is_written_whole() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["h264-aac.mp4"]);
    let trace = env.path().join("trace");
    let mut c = env.std_cmd();
    let program = c.get_program().to_owned();
    let args: Vec<_> = c.get_args().map(|a| a.to_owned()).collect();
    let mut s = Command::new("strace");
    s.args([
        "-f",
        "-qq",
        "-e",
        "trace=write",
        "-e",
        "signal=none",
        "-s",
        "1000",
        "-o",
    ])
    .arg(&trace)
    .arg(program)
    .args(args)
    .args(["scan", "--json"])
    .arg(&env.lib);
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            s.env(k, v);
        }
    }
    let _ = &mut c;
    let Ok(out) = s.output() else {
        panic!("strace is needed for this test (make deps-test)");
    };
    assert!(out.status.success(), "{}", stderr(&out));
    let t = std::fs::read_to_string(&trace).unwrap();
    let writes: Vec<&str> = t
        .lines()
        .filter(|l| l.contains("write(2, \"scan: "))
        .collect();
    assert_eq!(writes.len(), 1, "{t}");
    assert!(
        writes[0].contains("files/s probed)\\n\""),
        "one write holds the whole line: {}",
        writes[0]
    );
}

#[test]
fn small_libraries_read_in_human_units() {
    let env = scanned();
    let summary = stdout(&env.run(&["report"]));
    assert!(summary.contains("· 2 seconds"), "{summary}");
    assert!(!summary.contains("0.0 hours"), "{summary}");
    let rates = stdout(&env.run(&["report", "frame-rates"]));
    assert!(rates.contains("<0.1"), "{rates}");
    insta::assert_snapshot!("frame_rates", rates);
}

#[test]
fn junk_directories_are_skipped_and_fifos_reported_at_once() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["h264-aac.mp4"]);
    let junk = [
        "@eaDir",
        "#recycle",
        "#snapshot",
        ".@__thumb",
        ".Trash-1000",
        "$RECYCLE.BIN",
        "System Volume Information",
        "lost+found",
        ".hidden",
    ];
    for d in junk {
        let dir = env.lib.join(d);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(env.lib.join("h264-aac.mp4"), dir.join("copy.mp4")).unwrap();
    }
    let fifo = env.lib.join("pipe.mkv");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    let started = std::time::Instant::now();
    let s = env.scan(&["--timeout", "20"], 3);
    assert!(
        started.elapsed().as_secs() < 15,
        "the FIFO did not wait out --timeout"
    );
    assert_eq!(s["new"], 2, "{s}");
    assert_eq!(s["failed"], 1, "{s}");
    let row = env.query(&format!(
        "SELECT status, error FROM media WHERE path = '{}'",
        fifo.display()
    ));
    assert_eq!(row[0]["status"], "error");
    assert!(
        row[0]["error"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{row:?}"
    );
    // The FIFO is remembered as failed and not tried again while unchanged.
    let s = env.scan(&["--hidden"], 0);
    assert_eq!(s["new"], junk.len(), "{s}");
}
