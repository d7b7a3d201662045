//! Shell completion of what the scripts cannot hold: report names and
//! report parameters, through the script `completions bash` prints.

use std::process::Command;

use crate::testenv::{TestEnv, stderr, stdout};

/// Bash completes `report <TAB>` with the report names (bundled and
/// `--sql-dir`) and `-p <TAB>` with the parameters of the report named,
/// through the script `completions bash` prints.
#[test]
fn bash_completes_report_names_and_parameters() {
    let env = TestEnv::new();
    let sql = env.path().join("sql");
    std::fs::create_dir_all(&sql).unwrap();
    std::fs::write(
        sql.join("mine.sql"),
        "-- name: my-own\n-- description: mine\n-- param: codec: text in (hevc, av1) = hevc -- which\nSELECT :codec AS c\n",
    )
    .unwrap();
    let script = env.path().join("mediadex.bash");
    std::fs::write(&script, env.run(&["completions", "bash"]).stdout).unwrap();
    let exe = crate::testenv::exe("mediadex");
    let complete = |line: &str| {
        // The line's words, the last one being completed.
        let program = format!(
            "source {script:?}\nCOMP_WORDS=({line})\nCOMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n\
             _mediadex_reports mediadex \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let path = format!(
            "{}:{}",
            exe.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(program)
            .env("PATH", path)
            .env("HOME", env.path())
            .env_remove("MEDIADEX_SQL_DIR")
            .output()
            .unwrap();
        assert!(out.status.success(), "{line}: {}", stderr(&out));
        stdout(&out).lines().map(String::from).collect::<Vec<_>>()
    };
    let names = complete("mediadex report ''");
    for n in ["largest", "quality-tiers", "recent", "summary"] {
        assert!(names.contains(&n.to_string()), "{names:?}");
    }
    assert_eq!(complete("mediadex report quality-t"), ["quality-tiers"]);
    assert_eq!(
        complete("mediadex report recent -p ''"),
        ["days=", "limit="]
    );
    let dir = sql.to_str().unwrap();
    assert!(complete(&format!("mediadex report --sql-dir {dir} ''")).contains(&"my-own".into()));
    assert_eq!(
        complete(&format!(
            "mediadex --db x.db report -f csv --sql-dir {dir} my-own -p ''"
        )),
        ["codec=hevc", "codec=av1"]
    );
    // Elsewhere, clap's completion as before.
    assert!(complete("mediadex rep").contains(&"report".into()));
}
