//! Rendering rows for people and machines: aligned tables ([`table`], with
//! the units people read in [`human`]), JSON arrays, JSON Lines, CSV and TSV,
//! all written to a locked, buffered stdout, each a [`RowSink`]. The table
//! and the human units depend only on [`sink`], never on this module.
//!
//! Invariants: JSON output keeps column order, nests JSON documents and never
//! repeats a key (a repeated column name gets `_2`, `_3`, ...); a closed pipe
//! (`| head`) ends output quietly and counts as success.

use std::io::{self, Write};

use serde_json::Value;

pub mod human;
pub mod sink;
pub mod table;
pub mod table_sink;
pub mod tsv;

pub use sink::RowSink;

use table::TableOptions;
use table_sink::TableSink;

/// Output formats of `query` and `report`; each accepts the other's word for
/// the aligned table (`table`, `text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for people (`report` adds a title and human units)
    Table,
    /// One JSON array of objects
    Json,
    /// JSON Lines: one object per line
    Ndjson,
    /// Comma-separated values with a header row
    Csv,
    /// Tab-separated values with a header row; a tab, newline, carriage
    /// return or backslash in a field is written `\t`, `\n`, `\r`, `\\` (see [`tsv`])
    Tsv,
}

impl Format {
    /// The file name extension of a file in this format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
        }
    }

    /// Whether a machine reads it back (every format but the table).
    pub fn is_machine(self) -> bool {
        self != Format::Table
    }
}

/// How rows are written: the format, and for tables and CSV/TSV whether the
/// header row is printed and how wide a table may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub format: Format,
    pub table: TableOptions,
}

/// A sink for the machine formats with headers, and for raw-value tables.
pub fn sink<'w>(format: Format, out: Box<dyn Write + 'w>) -> Box<dyn RowSink + 'w> {
    styled(
        Style {
            format,
            table: TableOptions::default(),
        },
        out,
    )
}

/// A column name as is (the header of raw-value tables).
fn plain_header(c: &str) -> String {
    c.to_string()
}

fn table_cell(_column: &str, v: &Value) -> String {
    cell_text(v)
}

pub fn styled<'w>(style: Style, out: Box<dyn Write + 'w>) -> Box<dyn RowSink + 'w> {
    match style.format {
        Format::Table => Box::new(TableSink::new(out, style.table, table_cell, plain_header)),
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
            headers: style.table.headers,
        }),
        Format::Tsv => Box::new(tsv::TsvSink {
            out,
            headers: style.table.headers,
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

/// Column names made unique for JSON keys: a repeated name gets `_2`, `_3`,
/// ... (skipping any suffix another column already has), so `SELECT a.id, b.id`
/// loses nothing.
pub fn unique_names(columns: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(columns.len());
    for c in columns {
        let mut name = c.clone();
        let mut n = 1;
        while out.contains(&name) || (n > 1 && columns.contains(&name)) {
            n += 1;
            name = format!("{c}_{n}");
        }
        out.push(name);
    }
    out
}

/// Each column name as a JSON object key, `"name":`, serialized once.
fn object_keys(columns: &[String]) -> Vec<Vec<u8>> {
    unique_names(columns)
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
    headers: bool,
}

fn csv_err(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

impl RowSink for CsvSink<'_> {
    fn begin(&mut self, columns: &[String]) -> io::Result<()> {
        if !self.headers {
            return Ok(());
        }
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
        assert!(render(Format::Tsv).starts_with("n\tname\tdoc\n1\ta,b\t"));
    }

    #[test]
    fn repeated_column_names_become_unique_keys() {
        let cols = ["id", "id", "id_2", "x"].map(String::from);
        assert_eq!(unique_names(&cols), ["id", "id_3", "id_2", "x"]);
        let mut buf = Vec::new();
        {
            let mut s = sink(Format::Json, Box::new(&mut buf));
            s.begin(&["id".into(), "id".into()]).unwrap();
            s.row(&[json!(1), json!(2)]).unwrap();
            s.end().unwrap();
        }
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "[\n{\"id\":1,\"id_2\":2}\n]\n"
        );
    }
}
