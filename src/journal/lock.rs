//! One writer per session. `run` holds an OS lock (`flock`, through
//! [`File::try_lock`]) on `lock` in the session directory for as long as it
//! journals; a second `run` on the same session is refused (and told about
//! `watch`). The kernel releases the lock when the process ends, however it
//! ends (kill -9 included), so a lock file left behind by a killed process
//! never blocks `--resume`: no pid has to be judged alive. The file's
//! contents only say who holds it (pid, since, operator), for the refusal.
//! `watch` and `report` only read: they look whether the lock is held (a
//! shared lock taken and dropped at once) and read the holder's line.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// The held lock: the open file is the lock. Dropping it removes the file
/// (while still holding it), then closes it, which releases the lock.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    _file: File,
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed before the descriptor closes (fields drop after this):
        // whoever takes the lock next checks that the file they locked is
        // still the one at `path`, so nobody locks an unlinked file.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A `WouldBlock` may be a `watch` looking (its shared lock lasts a few
/// system calls): tries this many times before refusing.
const TRIES: u32 = 10;
const RETRY: Duration = Duration::from_millis(10);

impl Lock {
    pub fn acquire(dir: &Path, operator: &str) -> Result<Lock, LockError> {
        let path = dir.join(FILE_NAME);
        let io_err = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        for _ in 0..TRIES {
            // Not truncated on open: a live holder's line must survive the
            // attempt. The descriptor is close-on-exec (std's default), so
            // commands `run` starts never inherit the lock.
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io_err)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    std::thread::sleep(RETRY);
                    continue;
                }
                Err(TryLockError::Error(e)) => return Err(io_err(e)),
            }
            // The previous holder removed the file as it let go: this lock
            // is on a file nobody else will open. Start over.
            if !still_at(&file, &path) {
                continue;
            }
            let body = format!(
                "{} {} {}\n",
                std::process::id(),
                Utc::now().to_rfc3339(),
                operator.replace(char::is_whitespace, "_"),
            );
            file.set_len(0).map_err(io_err)?;
            file.write_all(body.as_bytes()).map_err(io_err)?;
            file.sync_all().map_err(io_err)?;
            return Ok(Lock { path, _file: file });
        }
        match holder(dir) {
            Some(h) => Err(LockError::Held(h)),
            None => Err(io_err(io::Error::other("the lock keeps changing hands"))),
        }
    }
}

/// Whether `path` still names the file `file` has open.
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_at(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Whether a live process holds a session's lock: a shared lock tried
/// without waiting and dropped at once, so it never keeps it, and the file
/// is only opened, never created. No file: nobody holds it (a holder
/// removes it as it lets go).
pub fn held(dir: &Path) -> io::Result<bool> {
    let file = match File::open(dir.join(FILE_NAME)) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    match file.try_lock_shared() {
        // Nobody holds it; closing the file drops this shared lock.
        Ok(()) => Ok(false),
        Err(TryLockError::WouldBlock) => Ok(true),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// The holder of a session's lock; `None` if nobody holds it (a file left
/// by a killed process included).
pub fn holder(dir: &Path) -> Option<Holder> {
    let path = dir.join(FILE_NAME);
    match held(dir) {
        Ok(true) => {}
        Ok(false) => return None,
        Err(e) => {
            log::warn!("{}: {e}", path.display());
            return None;
        }
    }
    // A holder writes its line just after locking: give it a moment.
    for _ in 0..TRIES {
        if let Some(h) = std::fs::read_to_string(&path)
            .ok()
            .as_deref()
            .and_then(parse)
        {
            return Some(h);
        }
        std::thread::sleep(RETRY);
    }
    Some(Holder {
        pid: 0,
        operator: "another process".into(),
        since: std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .map_or_else(|_| Utc::now(), DateTime::<Utc>::from),
    })
}

/// `PID SINCE OPERATOR`.
fn parse(text: &str) -> Option<Holder> {
    let mut f = text.split_whitespace();
    let pid = f.next()?.parse().ok()?;
    let since = DateTime::parse_from_rfc3339(f.next()?)
        .ok()?
        .with_timezone(&Utc);
    let operator = f.next().unwrap_or("?").to_string();
    Some(Holder {
        pid,
        operator,
        since,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// Set to a directory: the test below runs as the lock-holding child.
    const CHILD: &str = "ROLLOUT_COCKPIT_LOCK_HOLDER";

    /// Not a test on its own: the child process of the next one, which
    /// takes the lock and keeps it until it is killed.
    #[test]
    fn lock_holding_child() {
        let Some(dir) = std::env::var_os(CHILD) else {
            return;
        };
        let _lock = Lock::acquire(Path::new(&dir), "carol").unwrap();
        std::thread::sleep(Duration::from_secs(120));
    }

    #[test]
    fn a_live_process_holds_the_lock_and_a_killed_one_holds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                // The test's name wherever this module lives.
                &format!(
                    "{}::lock_holding_child",
                    module_path!().split_once("::").map_or("", |p| p.1)
                ),
                "--test-threads=1",
            ])
            .env(CHILD, dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        let deadline = Instant::now() + Duration::from_secs(20);
        let h = loop {
            if let Some(h) = holder(dir.path()) {
                break h;
            }
            assert!(Instant::now() < deadline, "the child never locked");
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!((h.pid, h.operator.as_str()), (pid, "carol"));
        let err = Lock::acquire(dir.path(), "bob").unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("in use by carol (pid {pid}) since ")),
            "{err}"
        );

        assert!(held(dir.path()).unwrap());
        // kill -9, not reaped yet (a zombie): the kernel has let go.
        child.kill().unwrap();
        let lock = loop {
            match Lock::acquire(dir.path(), "bob") {
                Ok(l) => break l,
                Err(LockError::Held(_)) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("the killed holder still blocks: {e}"),
            }
        };
        let h = holder(dir.path()).unwrap();
        assert_eq!((h.pid, h.operator.as_str()), (std::process::id(), "bob"));
        drop(lock);
        child.wait().unwrap();
    }

    #[test]
    fn a_live_lock_refuses_and_a_left_file_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        assert!(holder(dir.path()).is_none(), "no file, no holder");
        assert!(!held(dir.path()).unwrap());
        assert!(
            !dir.path().join(FILE_NAME).exists(),
            "looking creates nothing"
        );
        let lock = Lock::acquire(dir.path(), "alice smith").unwrap();
        assert!(held(dir.path()).unwrap());
        let h = holder(dir.path()).unwrap();
        assert_eq!(
            (h.pid, h.operator.as_str()),
            (std::process::id(), "alice_smith")
        );
        // Another open of the file is another lock, even in this process.
        let err = Lock::acquire(dir.path(), "bob").unwrap_err().to_string();
        assert!(err.starts_with("in use by alice_smith (pid "), "{err}");
        drop(lock);
        assert!(!dir.path().join(FILE_NAME).exists(), "released on drop");

        // A file nobody holds (its process was killed) names nobody,
        // whatever it says, and is taken over.
        std::fs::write(
            dir.path().join(FILE_NAME),
            format!("{} 2025-01-15T04:41:00Z killed\n", std::process::id()),
        )
        .unwrap();
        assert!(holder(dir.path()).is_none());
        assert!(!held(dir.path()).unwrap(), "a left file is not held");
        let _l = Lock::acquire(dir.path(), "bob").unwrap();
        assert!(held(dir.path()).unwrap(), "a look never keeps the lock");
        assert_eq!(holder(dir.path()).unwrap().operator, "bob");
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
    }
}
