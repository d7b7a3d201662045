//! mediadex without the media libraries: everything the `mediadex` executable
//! runs. See ARCHITECTURE.md at the top of the repository for the whole map.
//!
//! - [`scan`] walks libraries, decides what to probe, and supervises the probe
//!   workers (`mediadex-media` processes, see [`companion`]) over the line
//!   protocol of [`scan::protocol`];
//! - [`catalog`] is the only module that speaks SQL: schema, migrations, the
//!   single writer, dumps;
//! - [`report`] runs the SQL files of `sql/` and renders them ([`output`],
//!   [`table`], the HTML page);
//! - [`commands`] is one file per verb on top of all of them; [`cli`] is the
//!   command-line definition both executables parse.

pub mod atomic_file;
pub mod audio;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod companion;
pub mod fingerprint;
pub mod output;
pub mod progress;
pub mod report;
pub mod scan;
pub mod table;
pub mod util;
