//! One writer per session. `run` holds `lock` in the session directory while
//! it journals; a second `run` on the same session is refused (and told about
//! `watch`). The file names the holder's pid and the pid's start time, so a
//! lock left by a killed process is recognised as stale (the pid is gone, or
//! now belongs to another process) and never blocks `--resume`. `watch` and
//! `report` only read it. Linux: liveness comes from `/proc`.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

pub const FILE_NAME: &str = "lock";

/// Who holds a live lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    pub operator: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("in use by {} (pid {}) since {}", .0.operator, .0.pid, .0.since.format("%Y-%m-%d %H:%M UTC"))]
    Held(Holder),
    #[error("{path}: cannot lock: {source}")]
    Io { path: String, source: io::Error },
}

/// Removes the lock file when the session closes normally.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Field 22 of `/proc/PID/stat`: when the process started, in clock ticks
/// since boot. Together with the pid it names one process, even after the
/// pid is reused.
fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count
    // fields from the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // A killed process its parent has not reaped yet (a zombie) holds
    // nothing: `--resume` right after a kill -9 must not find it alive.
    if matches!(fields.next(), Some("Z" | "X" | "x")) {
        return None;
    }
    fields.nth(18).map(str::to_string)
}

impl Lock {
    pub fn acquire(dir: &Path, operator: &str) -> Result<Lock, LockError> {
        let path = dir.join(FILE_NAME);
        let io_err = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        let pid = std::process::id();
        let body = format!(
            "{pid} {} {} {}\n",
            start_time(pid).unwrap_or_else(|| "-".into()),
            Utc::now().to_rfc3339(),
            operator.replace(char::is_whitespace, "_"),
        );
        // Two tries: the second after clearing a stale lock.
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    f.write_all(body.as_bytes()).map_err(io_err)?;
                    f.sync_all().map_err(io_err)?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if let Some(h) = holder(dir) {
                        return Err(LockError::Held(h));
                    }
                    log::warn!("{}: stale lock removed", path.display());
                    match std::fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(e) => return Err(io_err(e)),
                    }
                }
                Err(e) => return Err(io_err(e)),
            }
        }
        match holder(dir) {
            Some(h) => Err(LockError::Held(h)),
            None => Err(io_err(io::Error::other("the lock keeps changing hands"))),
        }
    }
}

/// The live holder of a session's lock; `None` if unlocked or stale.
pub fn holder(dir: &Path) -> Option<Holder> {
    let text = std::fs::read_to_string(dir.join(FILE_NAME)).ok()?;
    let mut f = text.split_whitespace();
    let pid: u32 = f.next()?.parse().ok()?;
    let started = f.next()?;
    let since = DateTime::parse_from_rfc3339(f.next()?)
        .ok()?
        .with_timezone(&Utc);
    let operator = f.next().unwrap_or("?").to_string();
    let alive = match start_time(pid) {
        // No start time recorded: the pid alone has to do.
        Some(now) => started == "-" || now == started,
        None => false,
    };
    alive.then_some(Holder {
        pid,
        operator,
        since,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_killed_process_not_yet_reaped_holds_no_lock() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        // Not waited for: once it exits it is a zombie, its /proc entry kept.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| !s.contains(") Z "))
        {
            assert!(
                std::time::Instant::now() < deadline,
                "never became a zombie"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::fs::write(
            dir.path().join(FILE_NAME),
            format!("{pid} - 2025-01-15T04:41:00Z killed\n"),
        )
        .unwrap();
        assert!(holder(dir.path()).is_none(), "a zombie is no holder");
        child.wait().unwrap();
    }

    #[test]
    fn a_live_lock_refuses_and_a_stale_one_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::acquire(dir.path(), "alice").unwrap();
        let h = holder(dir.path()).unwrap();
        assert_eq!((h.pid, h.operator.as_str()), (std::process::id(), "alice"));
        let err = Lock::acquire(dir.path(), "bob").unwrap_err().to_string();
        assert!(err.starts_with("in use by alice (pid "), "{err}");
        drop(lock);
        assert!(!dir.path().join(FILE_NAME).exists(), "released on drop");

        // A lock whose process is gone (or whose pid was reused: another
        // start time) is stale.
        let me = std::process::id();
        for body in [
            format!("{} 1 2025-01-15T04:41:00Z killed\n", u32::MAX - 1),
            format!("{me} 1 2025-01-15T04:41:00Z reused\n"),
        ] {
            std::fs::write(dir.path().join(FILE_NAME), body).unwrap();
            assert!(holder(dir.path()).is_none());
            let _l = Lock::acquire(dir.path(), "bob").unwrap();
            assert_eq!(holder(dir.path()).unwrap().operator, "bob");
        }
    }
}
