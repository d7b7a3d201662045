//! The one table renderer of `query` and `report`: aligned columns, numbers
//! right-aligned, for people.
//!
//! Invariants: a cell is never cut at its end, so a path keeps its file name.
//! Off a terminal (a pipe, a file) every cell is printed whole. On a terminal a
//! table wider than the screen is fitted by shortening the middle of its widest
//! cells (`/mnt/nas/…/Season 1/e01.mkv`), headers stay whole, and the caller
//! says once on stderr that it happened; `--no-trunc` prints whole cells there
//! too. Rendering never changes which rows or columns are shown.

use std::io::{self, IsTerminal, Write};

/// How a table is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableOptions {
    /// Print the header line and its rule.
    pub headers: bool,
    /// Fit into this many columns by shortening cells in the middle; `None`
    /// prints every cell whole.
    pub width: Option<usize>,
    /// `-q`: no note on stderr that cells were shortened.
    pub quiet: bool,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            headers: true,
            width: None,
            quiet: false,
        }
    }
}

impl TableOptions {
    /// The layout for standard output: fitted to the terminal's width when
    /// stdout is one (unless `no_trunc`), whole cells otherwise.
    pub fn for_stdout(headers: bool, no_trunc: bool) -> TableOptions {
        TableOptions {
            headers,
            width: if no_trunc { None } else { stdout_width() },
            quiet: false,
        }
    }
}

/// The width of the terminal on stdout, or `None` when stdout is not one.
/// A terminal that reports no size counts as `$COLUMNS` wide, else 80.
pub fn stdout_width() -> Option<usize> {
    if !io::stdout().is_terminal() {
        return None;
    }
    let reported = terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .filter(|w| *w > 0);
    Some(reported.unwrap_or_else(|| {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .filter(|w| *w > 0)
            .unwrap_or(80)
    }))
}

/// Narrowest a shortened column gets: room for a few characters either side of `…`.
const MIN_SHORTENED: usize = 12;

/// The note printed once on stderr after a table was fitted to the terminal.
pub fn fitted_note(width: usize) -> String {
    crate::ui::prefixed(
        "note",
        format!(
            "long cells were shortened in the middle to fit the {width}-column terminal; --no-trunc prints them whole"
        ),
    )
}

/// A cell on one line: line breaks and tabs become spaces, and every other
/// control character is written out (see [`visible`]).
pub fn flat_cell(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => " ".to_string(),
            c if c.is_control() => escaped(c),
            c => c.to_string(),
        })
        .collect()
}

/// Text as a terminal should show it: a control character (an escape
/// sequence in a file name, a bell, a line break) is written out as `\x1b`,
/// `\x07`, `\x0a` (`\u{85}` above 0x7f) instead of acting on the terminal.
/// JSON, CSV and TSV keep the exact text; only what is shown to a person
/// goes through this.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() {
                    escaped(c)
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

fn escaped(c: char) -> String {
    if (c as u32) < 0x80 {
        format!("\\x{:02x}", c as u32)
    } else {
        format!("\\u{{{:x}}}", c as u32)
    }
}

fn len(s: &str) -> usize {
    s.chars().count()
}

/// `s` shortened to `max` characters by replacing its middle with `…`. The end
/// gets two thirds of the room, and a path's last component all it needs, so a
/// file name survives.
pub fn shorten_middle(s: &str, max: usize) -> String {
    let n = len(s);
    if n <= max {
        return s.to_string();
    }
    if max <= 1 {
        return "…".repeat(max);
    }
    let room = max - 1;
    let name = s.rsplit_once('/').map_or(0, |(_, n)| len(n));
    let tail = ((room * 2).div_ceil(3)).max((name + 1).min(room));
    let tail = tail.min(room);
    let head = room - tail;
    let chars: Vec<char> = s.chars().collect();
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[n - tail..]);
    out
}

/// `text` broken into lines of at most `width` characters at spaces (a word
/// longer than that gets a line of its own, whole).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && len(&cur) + 1 + len(word) > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Column widths that fit `width`: the widest column gives up a character at a
/// time until the table fits or no column can give more.
fn fit_widths(natural: &[usize], floor: &[usize], width: usize) -> Vec<usize> {
    let mut w = natural.to_vec();
    let gaps = 2 * w.len().saturating_sub(1);
    while w.iter().sum::<usize>() + gaps > width {
        let Some((i, _)) = w
            .iter()
            .enumerate()
            .filter(|(i, c)| **c > floor[*i])
            .max_by_key(|(i, c)| (**c, usize::MAX - *i))
        else {
            break;
        };
        w[i] -= 1;
    }
    w
}

/// Column widths for `rows` under `columns` (the headers counted when they
/// are printed), fitted to `opts.width` when there is one.
pub fn widths(columns: &[String], rows: &[Vec<String>], opts: TableOptions) -> Vec<usize> {
    let n = columns.len();
    let mut natural: Vec<usize> = if opts.headers {
        columns.iter().map(|c| len(c)).collect()
    } else {
        vec![0; n]
    };
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            natural[i] = natural[i].max(len(c));
        }
    }
    let Some(total) = opts.width else {
        return natural;
    };
    // A column never gets narrower than its header, a dozen characters,
    // or its longest file name and the `…/` before it: a table that
    // cannot fit then stays wider than the terminal rather than lose them.
    let mut names = vec![0; n];
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            names[i] = names[i].max(name_room(c));
        }
    }
    let floor: Vec<usize> = (0..n)
        .map(|i| {
            let head = if opts.headers { len(&columns[i]) } else { 1 };
            natural[i].min(head.max(MIN_SHORTENED).max(names[i]))
        })
        .collect();
    fit_widths(&natural, &floor, total)
}

/// Room a cell's file name and the `…/` before it need (0 without a `/`).
fn name_room(c: &str) -> usize {
    c.rsplit_once('/').map_or(0, |(_, name)| len(name) + 2)
}

/// One line of a table laid out in `widths`. A cell wider than its column is
/// shortened in the middle when the table is fitted to a terminal (never
/// below its file name), and printed whole otherwise. Returns whether a
/// cell was shortened.
pub fn write_line(
    out: &mut dyn Write,
    cells: &[String],
    widths: &[usize],
    right: &[bool],
    fitted: bool,
    header: bool,
) -> io::Result<usize> {
    let n = widths.len();
    let mut shortened = 0;
    let mut s = String::new();
    for (i, c) in cells.iter().enumerate().take(n) {
        if i > 0 {
            s.push_str("  ");
        }
        let c = if fitted && len(c) > widths[i] {
            shortened += 1;
            shorten_middle(c, widths[i].max(name_room(c)))
        } else {
            c.clone()
        };
        let pad = widths[i].saturating_sub(len(&c));
        if right.get(i).copied().unwrap_or(false) && !header {
            s.push_str(&" ".repeat(pad));
            s.push_str(&c);
        } else {
            s.push_str(&c);
            if i + 1 < n {
                s.push_str(&" ".repeat(pad));
            }
        }
    }
    writeln!(out, "{}", s.trim_end())?;
    Ok(shortened)
}

/// The header line and its rule.
pub fn write_header(out: &mut dyn Write, columns: &[String], widths: &[usize]) -> io::Result<()> {
    write_line(out, columns, widths, &[], false, true)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    write_line(out, &rule, widths, &[], false, true)?;
    Ok(())
}

/// Write `rows` under `columns` as an aligned table; the columns flagged in
/// `right` are right-aligned. Returns how many cells were shortened to fit.
pub fn write_table(
    out: &mut dyn Write,
    columns: &[String],
    rows: &[Vec<String>],
    right: &[bool],
    opts: TableOptions,
) -> io::Result<usize> {
    let columns: Vec<String> = columns.iter().map(|c| flat_cell(c)).collect();
    let widths = widths(&columns, rows, opts);
    if opts.headers {
        write_header(out, &columns, &widths)?;
    }
    let mut shortened = 0;
    for r in rows {
        shortened += write_line(out, r, &widths, right, opts.width.is_some(), false)?;
    }
    Ok(shortened)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/srv/media/Television/Some Long Series Name (2009)/Season 01/Some Long Series Name - S01E01 - Pilot.mkv";

    fn table(width: Option<usize>) -> (String, usize) {
        let columns = ["path", "width", "duration"].map(String::from);
        let rows = vec![
            vec![PATH.to_string(), "1920".into(), "0:42:10".into()],
            vec!["/srv/media/a.mp4".into(), "640".into(), "1:02".into()],
        ];
        let mut buf = Vec::new();
        let n = write_table(
            &mut buf,
            &columns,
            &rows,
            &[false, true, false],
            TableOptions {
                headers: true,
                width,
                ..TableOptions::default()
            },
        )
        .unwrap();
        (String::from_utf8(buf).unwrap(), n)
    }

    #[test]
    fn whole_cells_off_a_terminal() {
        let (t, n) = table(None);
        assert_eq!(n, 0);
        assert!(t.contains(PATH));
        insta::assert_snapshot!("table_whole", t);
    }

    #[test]
    fn fitted_to_80_columns_keeps_the_file_name() {
        let (t, n) = table(Some(80));
        assert_eq!(n, 1);
        for l in t.lines() {
            assert!(len(l) <= 80, "{l}");
        }
        assert!(
            t.contains("Some Long Series Name - S01E01 - Pilot.mkv"),
            "{t}"
        );
        assert!(t.contains("/srv/media/a.mp4"));
        insta::assert_snapshot!("table_80", t);
    }

    #[test]
    fn middle_shortening() {
        assert_eq!(shorten_middle("abcdefghij", 10), "abcdefghij");
        assert_eq!(shorten_middle("abcdefghijk", 7), "ab…hijk");
        assert_eq!(len(&shorten_middle(PATH, 30)), 30);
        assert!(shorten_middle(PATH, 30).ends_with("Pilot.mkv"));
        assert_eq!(flat_cell("a\nb\tc"), "a b c");
        assert_eq!(
            flat_cell("esc\u{1b}[31mred\u{1b}[0m.mkv"),
            "esc\\x1b[31mred\\x1b[0m.mkv"
        );
        assert_eq!(visible("a\u{7}b\u{85}c\nd"), "a\\x07b\\u{85}c\\x0ad");
        assert_eq!(visible("plain é"), "plain é");
    }
}
