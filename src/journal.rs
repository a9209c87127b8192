//! The session journal: one JSON object per line, appended before the state
//! changes. Human decisions are fsync'd, so what the screen shows as ticked
//! survives a crash. Resume, the lock and tailing come with the journal issue.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, Utc};

use crate::event::{Event, Record};

pub const FILE_NAME: &str = "journal.jsonl";

#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    seq: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}:{line}: not a journal record: {message}")]
    Bad {
        path: String,
        line: usize,
        message: String,
    },
}

/// `$XDG_STATE_HOME/rollout-cockpit`, else `~/.local/state/rollout-cockpit`.
pub fn default_root() -> Option<PathBuf> {
    let from = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    from("XDG_STATE_HOME")
        .or_else(|| from("HOME").map(|h| h.join(".local/state")))
        .map(|p| p.join("rollout-cockpit"))
}

/// `<root>/<runbook-stem>-<YYYYMMDD-HHMMSS>`, made unique with `-2`, `-3`...
/// if two sessions start within the same second.
pub fn new_session_dir(root: &Path, stem: &str, now: DateTime<Local>) -> io::Result<PathBuf> {
    std::fs::create_dir_all(root)?;
    let base = format!("{stem}-{}", now.format("%Y%m%d-%H%M%S"));
    for n in 1..1000 {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let dir = root.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "{}: too many sessions named {base}",
        root.display()
    )))
}

impl Journal {
    /// Creates `journal.jsonl` in `dir`; refuses to overwrite one.
    pub fn create(dir: &Path) -> io::Result<Journal> {
        let path = dir.join(FILE_NAME);
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)?;
        Ok(Journal { file, path, seq: 0 })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one record; returns it once it is as durable as it must be.
    pub fn append(&mut self, by: &str, ts: DateTime<Utc>, event: Event) -> io::Result<Record> {
        let record = Record {
            seq: self.seq + 1,
            ts,
            by: by.to_string(),
            event,
        };
        let mut line = serde_json::to_vec(&record).map_err(io::Error::other)?;
        line.push(b'\n');
        // One write per line: a crash leaves at most a torn last line.
        self.file.write_all(&line)?;
        if record.event.is_human() {
            self.file.sync_data()?;
        }
        self.seq = record.seq;
        Ok(record)
    }
}

/// Reads every record of a journal, stopping at the first bad line.
pub fn read(path: &Path) -> Result<Vec<Record>, ReadError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| ReadError::Io {
        path: name.clone(),
        source,
    })?;
    let mut out = Vec::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| ReadError::Io {
            path: name.clone(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&line).map_err(|e| ReadError::Bad {
            path: name.clone(),
            line: n + 1,
            message: e.to_string(),
        })?;
        out.push(record);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Target;

    #[test]
    fn records_round_trip_with_the_documented_fields() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::create(dir.path()).unwrap();
        let ts = DateTime::parse_from_rfc3339("2025-01-15T04:41:00Z")
            .unwrap()
            .with_timezone(&Utc);
        j.append(
            "alice",
            ts,
            Event::Ticked {
                target: Target::Item(3),
            },
        )
        .unwrap();
        let text = std::fs::read_to_string(j.path()).unwrap();
        assert_eq!(
            text,
            "{\"seq\":1,\"ts\":\"2025-01-15T04:41:00Z\",\"by\":\"alice\",\"type\":\"ticked\",\"target\":{\"item\":3}}\n"
        );
        let back = read(j.path()).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].by, "alice");
        assert!(
            Journal::create(dir.path()).is_err(),
            "never overwrite a journal"
        );
    }

    #[test]
    fn a_bad_line_is_reported_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(&p, "{\"seq\":1,\"ts\":\"2025-01-15T04:41:00Z\",\"by\":\"a\",\"type\":\"ticked\",\"target\":{\"item\":0}}\n{oops\n").unwrap();
        let err = read(&p).unwrap_err().to_string();
        assert!(err.contains(":2: not a journal record"), "{err}");
    }

    #[test]
    fn session_dirs_are_named_for_the_runbook_and_never_reused() {
        let root = tempfile::tempdir().unwrap();
        let now = Local::now();
        let a = new_session_dir(root.path(), "terp", now).unwrap();
        let b = new_session_dir(root.path(), "terp", now).unwrap();
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("terp-") && name.len() == "terp-20250115-044100".len());
    }
}
