//! A file name holding terminal escape sequences is shown, never sent: on a
//! pseudo-terminal `query`, `report` and `show` write its control
//! characters out (`\x1b`), while JSON keeps the exact name.

use serde_json::Value;

use crate::suite::terminal::on_terminal;
use crate::testenv::TestEnv;

#[test]
fn escape_sequences_in_names_reach_no_terminal() {
    let env = TestEnv::new();
    let name = "esc\u{1b}[31mred\u{1b}[0m\u{7}.mkv";
    let media = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/media");
    std::fs::copy(media.join("asl-again.mkv"), env.lib.join(name)).unwrap();
    env.scan(&[], 0);
    let path = env.lib.join(name);
    let shown = "esc\\x1b[31mred\\x1b[0m\\x07.mkv";
    for args in [
        vec!["query", "SELECT path FROM media"],
        vec!["report", "largest"],
        vec!["show", path.to_str().unwrap()],
    ] {
        let out = on_terminal(&env, 200, &args);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{args:?}: {out:?}"
        );
        assert!(out.contains(shown), "{args:?}: {out}");
    }
    let out = env.run(&["query", "SELECT path FROM media", "-f", "json"]);
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        rows[0]["path"].as_str(),
        path.to_str(),
        "JSON keeps the name"
    );
}
