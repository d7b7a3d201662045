//! The one interface every renderer implements, so that the table renderer
//! and the machine formats can be chosen at run time and need not know each
//! other (the format sinks in `output` use the table; the table uses only this).

use std::io;

use serde_json::Value;

/// A renderer fed one row at a time.
pub trait RowSink {
    fn begin(&mut self, columns: &[String]) -> io::Result<()>;
    fn row(&mut self, values: &[Value]) -> io::Result<()>;
    fn end(&mut self) -> io::Result<()>;
}
