//! The table as rows arrive: [`TableSink`] lays out its columns from a first
//! batch of rows, prints that batch, then prints every later row as it comes,
//! so a ten-million-row result starts at once and is never held in memory.
//!
//! Invariants: a result of at most [`BATCH`] rows is laid out from all of
//! them, exactly as a whole table. A later cell wider than its column is
//! printed whole off a terminal (the line is longer, the cell intact) and
//! shortened in the middle, never below its file name, on one; a later text
//! value in a column of numbers is right-aligned with them.

use std::io::{self, Write};

use serde_json::Value;

use super::table::{TableOptions, fitted_note, flat_cell, widths, write_header, write_line};

/// Rows that decide the column widths before the first line is printed.
pub const BATCH: usize = 1000;

/// A row sink that prints an aligned table. `cell` writes one value of a
/// column as text and `header` a column name, so `query` (raw values) and
/// `report` (human units) share the layout.
pub struct TableSink<'w> {
    out: Box<dyn Write + 'w>,
    opts: TableOptions,
    title: Option<String>,
    cell: fn(&str, &Value) -> String,
    header: fn(&str) -> String,
    columns: Vec<String>,
    /// The first batch, until the widths are known.
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
    /// Set once the first batch is printed: every later row goes straight out.
    widths: Option<Vec<usize>>,
    shortened: usize,
}

impl<'w> TableSink<'w> {
    pub fn new(
        out: Box<dyn Write + 'w>,
        opts: TableOptions,
        cell: fn(&str, &Value) -> String,
        header: fn(&str) -> String,
    ) -> TableSink<'w> {
        TableSink {
            out,
            opts,
            title: None,
            cell,
            header,
            columns: Vec::new(),
            rows: Vec::new(),
            right: Vec::new(),
            widths: None,
            shortened: 0,
        }
    }

    /// A title line and a blank line above the table, and "(no rows)" for an
    /// empty result.
    pub fn titled(mut self, title: String) -> Self {
        self.title = Some(title);
        self
    }

    /// Lay out the columns from the rows held, and print the title, the
    /// header and those rows.
    fn print_batch(&mut self) -> io::Result<()> {
        if let Some(t) = &self.title {
            writeln!(self.out, "{t}")?;
            writeln!(self.out)?;
            if self.rows.is_empty() {
                return writeln!(self.out, "(no rows)");
            }
        }
        let header = self.header;
        let columns: Vec<String> = self.columns.iter().map(|c| flat_cell(&header(c))).collect();
        let widths = widths(&columns, &self.rows, self.opts);
        if self.opts.headers {
            write_header(&mut self.out, &columns, &widths)?;
        }
        for r in std::mem::take(&mut self.rows) {
            self.line(&r, &widths)?;
        }
        self.widths = Some(widths);
        Ok(())
    }

    fn line(&mut self, cells: &[String], widths: &[usize]) -> io::Result<()> {
        let fitted = self.opts.width.is_some();
        self.shortened += write_line(&mut self.out, cells, widths, &self.right, fitted, false)?;
        Ok(())
    }
}

impl super::sink::RowSink for TableSink<'_> {
    fn begin(&mut self, columns: &[String]) -> io::Result<()> {
        self.columns = columns.to_vec();
        // Numbers right-aligned: decided by the values, not by the rendered text.
        self.right = vec![true; columns.len()];
        Ok(())
    }
    fn row(&mut self, values: &[Value]) -> io::Result<()> {
        let cell = self.cell;
        let cells: Vec<String> = values
            .iter()
            .zip(&self.columns)
            .map(|(v, c)| flat_cell(&cell(c, v)))
            .collect();
        if let Some(widths) = self.widths.take() {
            let out = self.line(&cells, &widths);
            self.widths = Some(widths);
            return out;
        }
        for (i, v) in values.iter().enumerate() {
            if !(v.is_number() || v.is_null()) {
                self.right[i] = false;
            }
        }
        self.rows.push(cells);
        if self.rows.len() >= BATCH {
            self.print_batch()?;
        }
        Ok(())
    }
    fn end(&mut self) -> io::Result<()> {
        if self.widths.is_none() {
            self.print_batch()?;
        }
        self.out.flush()?;
        if self.shortened > 0
            && !self.opts.quiet
            && let Some(w) = self.opts.width
        {
            crate::util::say(&fitted_note(w));
        }
        Ok(())
    }
}
