//! Tab-separated values the way PostgreSQL's `COPY ... TO` (text format) and
//! most TSV readers expect them: one line per row, fields split at tabs, no
//! quoting. A tab, newline, carriage return or backslash inside a field is
//! written as `\t`, `\n`, `\r` or `\\`, so a name with a tab or a line break
//! never splits a field or a row. NULL is an empty field, as in CSV.

use std::io::{self, Write};

use serde_json::Value;

use super::{RowSink, cell_text};

pub struct TsvSink<'w> {
    pub out: Box<dyn Write + 'w>,
    pub headers: bool,
}

/// A field with its tabs, line breaks and backslashes escaped.
pub fn escape(field: &str) -> std::borrow::Cow<'_, str> {
    if !field.contains(['\t', '\n', '\r', '\\']) {
        return field.into();
    }
    let mut out = String::with_capacity(field.len() + 8);
    for c in field.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.into()
}

impl TsvSink<'_> {
    fn line<'a>(
        &mut self,
        fields: impl Iterator<Item = std::borrow::Cow<'a, str>>,
    ) -> io::Result<()> {
        for (i, f) in fields.enumerate() {
            if i > 0 {
                self.out.write_all(b"\t")?;
            }
            self.out.write_all(escape(&f).as_bytes())?;
        }
        self.out.write_all(b"\n")
    }
}

impl RowSink for TsvSink<'_> {
    fn begin(&mut self, columns: &[String]) -> io::Result<()> {
        if !self.headers {
            return Ok(());
        }
        self.line(columns.iter().map(|c| c.as_str().into()))
    }
    fn row(&mut self, values: &[Value]) -> io::Result<()> {
        self.line(values.iter().map(|v| cell_text(v).into()))
    }
    fn end(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_line_breaks_and_backslashes_are_escaped() {
        assert_eq!(escape("plain name.mkv"), "plain name.mkv");
        assert_eq!(escape("a\tb\nc\rd\\e"), "a\\tb\\nc\\rd\\\\e");
        assert_eq!(escape("\"quoted\", comma"), "\"quoted\", comma");
    }
}
