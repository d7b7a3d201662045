//! User SQL as the user wrote it, for messages: its statements split at the
//! semicolons that end them (not those inside quotes or comments), and the one
//! a refusal is about, shortened to a line. SQLite's authorizer sees a `DROP
//! TABLE` as a write to `sqlite_master`; people should read back their own words.

/// The statements of `sql`, trimmed, empty ones left out.
pub fn statements(sql: &str) -> Vec<&str> {
    let b = sql.as_bytes();
    let (mut out, mut start, mut i) = (Vec::new(), 0, 0);
    while i < b.len() {
        i = match b[i] {
            q @ (b'\'' | b'"' | b'`') => close(b, i + 1, &[q]),
            b'[' => close(b, i + 1, b"]"),
            b'-' if b.get(i + 1) == Some(&b'-') => close(b, i + 2, b"\n"),
            b'/' if b.get(i + 1) == Some(&b'*') => close(b, i + 2, b"*/"),
            b';' => {
                out.push(sql[start..i].trim());
                start = i + 1;
                i + 1
            }
            _ => i + 1,
        };
    }
    out.push(sql[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

/// The index just past the first `end` at or after `from` (the end of the text if none).
fn close(b: &[u8], from: usize, end: &[u8]) -> usize {
    b[from.min(b.len())..]
        .windows(end.len())
        .position(|w| w == end)
        .map_or(b.len(), |p| from + p + end.len())
}

/// Leading words of statements that change something.
const CHANGING: &[&str] = &[
    "ALTER",
    "ANALYZE",
    "ATTACH",
    "BEGIN",
    "COMMIT",
    "CREATE",
    "DELETE",
    "DETACH",
    "DROP",
    "END",
    "INSERT",
    "PRAGMA",
    "REINDEX",
    "RELEASE",
    "REPLACE",
    "ROLLBACK",
    "SAVEPOINT",
    "UPDATE",
    "VACUUM",
];

/// A statement without the comments before its first word.
fn without_leading_comments(mut s: &str) -> &str {
    loop {
        s = s.trim_start();
        let b = s.as_bytes();
        let end = match b {
            [b'-', b'-', ..] => close(b, 2, b"\n"),
            [b'/', b'*', ..] => close(b, 2, b"*/"),
            _ => return s,
        };
        s = &s[end..];
    }
}

/// The statement of `sql` a refusal is about, in the user's words: the first
/// one that starts with a changing keyword (else the first), on one line and
/// cut after 60 characters.
pub fn refused_statement(sql: &str) -> String {
    let all: Vec<&str> = statements(sql)
        .into_iter()
        .map(without_leading_comments)
        .filter(|s| !s.is_empty())
        .collect();
    let starts_changing = |s: &&&str| {
        let word = s
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or("");
        CHANGING.iter().any(|w| w.eq_ignore_ascii_case(word))
    };
    let chosen = all
        .iter()
        .find(starts_changing)
        .or(all.first())
        .copied()
        .unwrap_or("");
    let words: Vec<&str> = chosen.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_end_at_semicolons_outside_quotes_and_comments() {
        assert_eq!(
            statements("SELECT ';' -- a;b\n, \"x;y\"; /* ; */ DROP TABLE [a;b];;"),
            ["SELECT ';' -- a;b\n, \"x;y\"", "/* ; */ DROP TABLE [a;b]"]
        );
        assert_eq!(statements("SELECT 'unclosed;"), ["SELECT 'unclosed;"]);
    }

    #[test]
    fn the_refused_statement_is_the_changing_one_on_one_line() {
        assert_eq!(
            refused_statement("-- evil\n/* a */ PRAGMA query_only=0; DELETE FROM files"),
            "PRAGMA query_only=0"
        );
        assert_eq!(refused_statement("DROP TABLE files"), "DROP TABLE files");
        assert_eq!(
            refused_statement("SELECT 1;\n  delete   FROM\n files WHERE id = 1;"),
            "delete FROM files WHERE id = 1"
        );
        let long = format!("UPDATE files SET path = '{}'", "x".repeat(80));
        assert_eq!(refused_statement(&long).chars().count(), 61);
        assert_eq!(
            refused_statement("SELECT load_extension('x')"),
            "SELECT load_extension('x')"
        );
    }
}
