//! The command line's names for core's enums: clap's `ValueEnum` lives here,
//! so that mediadex-core does not depend on clap. Each enum converts into
//! core's, variant for variant; the doc comments are the `--help` text.

use mediadex_core::audio::WavFormat;
use mediadex_core::output::Format;

/// Output formats of `query` and `report`; each accepts the other's word for
/// the aligned table (`table`, `text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Aligned columns for people (`report` adds a title and human units)
    #[value(alias = "text")]
    Table,
    /// One JSON array of objects
    Json,
    /// JSON Lines: one object per line
    #[value(alias = "nl", alias = "jsonl")]
    Ndjson,
    /// Comma-separated values with a header row
    Csv,
    /// Tab-separated values with a header row; a tab, newline, carriage
    /// return or backslash inside a field is written as \t, \n, \r, \\ (the text
    /// format of PostgreSQL's COPY), never quoted
    Tsv,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Ndjson => Format::Ndjson,
            FormatArg::Csv => Format::Csv,
            FormatArg::Tsv => Format::Tsv,
        }
    }
}

/// The sample formats a recording can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WavFormatArg {
    /// 16-bit signed integer PCM
    S16,
    /// 24-bit signed integer PCM
    S24,
    /// 32-bit IEEE float
    F32,
}

impl From<WavFormatArg> for WavFormat {
    fn from(f: WavFormatArg) -> WavFormat {
        match f {
            WavFormatArg::S16 => WavFormat::S16,
            WavFormatArg::S24 => WavFormat::S24,
            WavFormatArg::F32 => WavFormat::F32,
        }
    }
}
