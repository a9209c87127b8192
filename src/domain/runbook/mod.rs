//! Markdown runbook -> [`Runbook`]. `parse` is pure and total: any text gives
//! a runbook (possibly empty, with warnings); only `load` can fail, and only
//! for paths that give no text at all.

mod alternatives;
pub mod approvals;
mod classify;
mod derive;
mod model;
mod procedure;
mod reference;
pub(crate) mod scan;
mod steps;
mod text;
mod walk;
mod window;

use std::path::{Path, PathBuf};

pub use classify::unusable_number;
pub use model::*;
pub use procedure::expand as alternatives;

/// The TERP production rollout plan, used whenever no runbook is given.
pub const BUNDLED: &str = include_str!("../../../assets/runbooks/terp-production-rollout.md");
/// How the bundled plan is named in messages and journals.
pub const BUNDLED_NAME: &str = "terp-production-rollout.md (bundled)";

/// A runbook and the name to use for it in messages (`FILE:LINE: ...`).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub name: String,
    pub path: Option<PathBuf>,
    pub text: String,
    pub runbook: Runbook,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: no such file")]
    Missing { path: String },
    #[error("{path}: is a directory, not a Markdown runbook")]
    Directory { path: String },
    #[error("{path}: is empty")]
    Empty { path: String },
    #[error("{path}: not a Markdown file (binary content: a NUL byte at offset {offset})")]
    Binary { path: String, offset: usize },
    #[error("{path}: cannot read: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
}

/// How much of a file is looked at for binary content.
const BINARY_PROBE: usize = 64 * 1024;

/// Reads and parses a runbook; `None` means the bundled plan.
pub fn load(path: Option<&Path>) -> Result<Loaded, LoadError> {
    let Some(path) = path else {
        return Ok(Loaded {
            name: BUNDLED_NAME.to_string(),
            path: None,
            text: BUNDLED.to_string(),
            runbook: parse(BUNDLED),
        });
    };
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(LoadError::Directory { path: name });
    }
    let bytes = std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => LoadError::Missing { path: name.clone() },
        _ => LoadError::Unreadable {
            path: name.clone(),
            source,
        },
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(LoadError::Empty { path: name });
    }
    // Text in any encoding has no NUL bytes; an executable, an image or an
    // archive does (the test git and grep use). Latin-1 text passes, with
    // its decoding warning.
    if let Some(offset) = memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]) {
        return Err(LoadError::Binary { path: name, offset });
    }
    let (text, runbook) = parse_bytes(&bytes);
    Ok(Loaded {
        name,
        path: Some(path.to_path_buf()),
        text,
        runbook,
    })
}

/// Parses raw bytes, decoding invalid UTF-8 lossily (with a warning).
pub fn parse_bytes(bytes: &[u8]) -> (String, Runbook) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let mut runbook = parse(&text);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        runbook.warnings.insert(
            0,
            Warning {
                line: Some(line),
                message: "not valid UTF-8: undecodable bytes are shown as \u{FFFD}".into(),
            },
        );
    }
    (text, runbook)
}

/// Parses Markdown text into a runbook.
pub fn parse(text: &str) -> Runbook {
    let (repaired, repaired_at) = text::repair_mojibake(text);
    let mut runbook = derive::build(walk::walk(&repaired));
    if let Some(at) = repaired_at {
        runbook.warnings.insert(
            0,
            Warning {
                line: Some(text::LineIndex::new(&repaired).line(at)),
                message: "double-encoded text (UTF-8 read as Windows-1252) repaired".into(),
            },
        );
    }
    runbook
}
