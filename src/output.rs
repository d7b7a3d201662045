//! Rendering rows for people and machines: aligned tables, JSON arrays, JSON
//! Lines and CSV, all written to a locked, buffered stdout.
//!
//! Invariants: JSON output keeps column order and nests JSON documents; a closed
//! pipe (`| head`) ends output quietly and counts as success.

use std::io::{self, Write};

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Ndjson,
    Csv,
}

/// A renderer fed one row at a time.
pub trait RowSink {
    fn begin(&mut self, columns: &[String]) -> io::Result<()>;
    fn row(&mut self, values: &[Value]) -> io::Result<()>;
    fn end(&mut self) -> io::Result<()>;
}

pub fn sink<'w>(format: Format, out: Box<dyn Write + 'w>) -> Box<dyn RowSink + 'w> {
    match format {
        Format::Table => Box::new(TableSink {
            out,
            columns: Vec::new(),
            rows: Vec::new(),
        }),
        Format::Json => Box::new(JsonSink {
            out,
            keys: Vec::new(),
            first: true,
        }),
        Format::Ndjson => Box::new(NdjsonSink {
            out,
            keys: Vec::new(),
        }),
        Format::Csv => Box::new(CsvSink {
            out: csv::Writer::from_writer(out),
        }),
    }
}

/// A cell as plain text: strings bare, JSON compact, null empty.
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                // Six significant decimals at most, without trailing zeros.
                let s = format!("{f:.6}");
                let s = s.trim_end_matches('0').trim_end_matches('.');
                s.to_string()
            } else {
                n.to_string()
            }
        }
        other => other.to_string(),
    }
}

/// Each column name as a JSON object key, `"name":`, serialized once.
fn object_keys(columns: &[String]) -> Vec<Vec<u8>> {
    columns
        .iter()
        .map(|c| {
            let mut k = serde_json::to_vec(c).expect("a string serializes");
            k.push(b':');
            k
        })
        .collect()
}

/// One row as a JSON object, keys in column order: the bytes serde_json
/// writes for a map, without building one for every row.
fn write_object(out: &mut dyn Write, keys: &[Vec<u8>], values: &[Value]) -> io::Result<()> {
    out.write_all(b"{")?;
    for (i, (k, v)) in keys.iter().zip(values).enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(k)?;
        serde_json::to_writer(&mut *out, v)?;
    }
    out.write_all(b"}")
}

struct JsonSink<'w> {
    out: Box<dyn Write + 'w>,
    keys: Vec<Vec<u8>>,
    first: bool,
}

impl RowSink for JsonSink<'_> {
    fn begin(&mut self, columns: &[String]) -> io::Result<()> {
        self.keys = object_keys(columns);
        self.out.write_all(b"[")
    }
    fn row(&mut self, values: &[Value]) -> io::Result<()> {
        self.out
            .write_all(if self.first { b"\n" } else { b",\n" })?;
        self.first = false;
        write_object(&mut self.out, &self.keys, values)
    }
    fn end(&mut self) -> io::Result<()> {
        self.out
            .write_all(if self.first { b"]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

struct NdjsonSink<'w> {
    out: Box<dyn Write + 'w>,
    keys: Vec<Vec<u8>>,
}

impl RowSink for NdjsonSink<'_> {
    fn begin(&mut self, columns: &[String]) -> io::Result<()> {
        self.keys = object_keys(columns);
        Ok(())
    }
    fn row(&mut self, values: &[Value]) -> io::Result<()> {
        write_object(&mut self.out, &self.keys, values)?;
        self.out.write_all(b"\n")
    }
    fn end(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

struct CsvSink<'w> {
    out: csv::Writer<Box<dyn Write + 'w>>,
}

fn csv_err(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

impl RowSink for CsvSink<'_> {
    fn begin(&mut self, columns: &[String]) -> io::Result<()> {
        self.out.write_record(columns).map_err(csv_err)
    }
    fn row(&mut self, values: &[Value]) -> io::Result<()> {
        self.out
            .write_record(values.iter().map(cell_text))
            .map_err(csv_err)
    }
    fn end(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

struct TableSink<'w> {
    out: Box<dyn Write + 'w>,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// Widest a table cell may be before it is cut with `…`.
const MAX_CELL: usize = 60;

fn clip(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .collect();
    if one_line.chars().count() > MAX_CELL {
        let mut t: String = one_line.chars().take(MAX_CELL - 1).collect();
        t.push('…');
        t
    } else {
        one_line
    }
}

impl RowSink for TableSink<'_> {
    fn begin(&mut self, columns: &[String]) -> io::Result<()> {
        self.columns = columns.to_vec();
        Ok(())
    }
    fn row(&mut self, values: &[Value]) -> io::Result<()> {
        self.rows
            .push(values.iter().map(|v| clip(&cell_text(v))).collect());
        Ok(())
    }
    fn end(&mut self) -> io::Result<()> {
        write_table(&mut self.out, &self.columns, &self.rows)?;
        self.out.flush()
    }
}

/// Write an aligned table: numbers right-aligned, text left-aligned.
pub fn write_table(
    out: &mut dyn Write,
    columns: &[String],
    rows: &[Vec<String>],
) -> io::Result<()> {
    let mut numeric = vec![true; columns.len()];
    for r in rows {
        for (i, c) in r.iter().enumerate().take(columns.len()) {
            if !c.is_empty() && c.parse::<f64>().is_err() {
                numeric[i] = false;
            }
        }
    }
    write_table_aligned(out, columns, rows, &numeric)
}

/// Write an aligned table, right-aligning the columns flagged in `right`
/// (for cells like "1.5 GiB" that are numbers to the eye but not to `parse`).
pub fn write_table_aligned(
    out: &mut dyn Write,
    columns: &[String],
    rows: &[Vec<String>],
    right: &[bool],
) -> io::Result<()> {
    let n = columns.len();
    let mut width: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let numeric: Vec<bool> = (0..n)
        .map(|i| right.get(i).copied().unwrap_or(false))
        .collect();
    let line = |cells: &[String], out: &mut dyn Write, header: bool| -> io::Result<()> {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate().take(n) {
            if i > 0 {
                s.push_str("  ");
            }
            let pad = width[i].saturating_sub(c.chars().count());
            let last = i + 1 == n;
            if numeric[i] && !header {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                if !last {
                    s.push_str(&" ".repeat(pad));
                }
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(columns, out, true)?;
    let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
    line(&rule, out, true)?;
    for r in rows {
        line(r, out, false)?;
    }
    Ok(())
}

/// Is this error a closed pipe (the reader went away)?
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || c.to_string().contains("Broken pipe")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(format: Format) -> String {
        let mut buf = Vec::new();
        {
            let mut s = sink(format, Box::new(&mut buf));
            s.begin(&["n".into(), "name".into(), "doc".into()]).unwrap();
            s.row(&[json!(1), json!("a,b"), json!({"k": [1]})]).unwrap();
            s.row(&[json!(22.5), json!("x"), Value::Null]).unwrap();
            s.end().unwrap();
        }
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn formats() {
        let j: Value = serde_json::from_str(&render(Format::Json)).unwrap();
        assert_eq!(j[0]["doc"]["k"][0], 1);
        assert_eq!(
            render(Format::Json),
            "[\n{\"n\":1,\"name\":\"a,b\",\"doc\":{\"k\":[1]}},\n{\"n\":22.5,\"name\":\"x\",\"doc\":null}\n]\n"
        );
        let nd = render(Format::Ndjson);
        assert_eq!(nd.lines().count(), 2);
        let csv = render(Format::Csv);
        assert!(csv.starts_with("n,name,doc\n1,\"a,b\",\"{\"\"k\"\":[1]}\"\n"));
        let t = render(Format::Table);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "n     name  doc");
        assert_eq!(lines[2], "   1  a,b   {\"k\":[1]}");
        assert_eq!(lines[3], "22.5  x");
    }
}
