//! The mirror's workers: the journal tail (every record appended to a
//! session's journal, read by a thread that wakes when the file system says
//! the journal changed, `notify`: inotify on Linux, and once a second
//! anyway in case an event was missed) and the followers of a command's log
//! and of the application log. The loop is never blocked.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;
use std::time::Duration;

use ::notify::event::ModifyKind;
use ::notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use tokio::sync::mpsc::UnboundedSender;

use crate::core::event::{Event, Record};
use crate::domain::exec::{ExecEvent, Line, RunId, Stream};
use crate::journal;
use crate::journal::lock;
use crate::shell::msg::Msg;

/// How often the journal and the logs are looked at where the file system
/// cannot say when they change (no inotify, or no watch to be had): a tick
/// in `run` shows within this (plus a frame). Also the wait for `run`'s
/// first record.
pub const POLL: Duration = Duration::from_millis(100);

/// With a file-system watch, the look taken anyway when no event came: an
/// event missed (a watch that came too late, a file system that does not
/// report) costs at most this.
pub const RECHECK: Duration = Duration::from_secs(1);

/// Wakes a tail when its file may have changed. The watch is on the file's
/// directory, not the file: the file may not exist yet (a command's log is
/// created just after its record), and may be replaced or truncated; every
/// read opens it afresh, as before. While the directory itself is missing
/// (`logs/` before the first command) its parent is watched, and the
/// directory is watched as soon as it appears. Dropped with the tail: the
/// watch (and notify's thread) ends with it.
struct Wake {
    path: PathBuf,
    tx: SyncSender<()>,
    rx: Receiver<()>,
    watcher: Option<RecommendedWatcher>,
    /// The directory watched, if any.
    armed: Option<PathBuf>,
}

impl Wake {
    fn new(path: &Path) -> Wake {
        // One pending wake is enough: events while a read runs leave one,
        // and the read after it sees them all.
        let (tx, rx) = sync_channel(1);
        let file = path.to_path_buf();
        let parent = path.parent().map(Path::to_path_buf);
        let wake = tx.clone();
        let handler = move |ev: ::notify::Result<::notify::Event>| {
            let ours = match &ev {
                // Opens and closes (this tail's own reads among them) and
                // times (atime) change nothing to read: waking on them
                // would make every read wake the next.
                Ok(e)
                    if matches!(
                        e.kind,
                        EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_))
                    ) =>
                {
                    false
                }
                Ok(e) => {
                    e.paths.is_empty()
                        || e.paths
                            .iter()
                            .any(|p| *p == file || Some(p) == parent.as_ref())
                }
                // An overflowed queue or the like: look, to be sure.
                Err(_) => true,
            };
            if ours {
                let _ = wake.try_send(());
            }
        };
        let watcher = match ::notify::recommended_watcher(handler) {
            Ok(w) => Some(w),
            Err(e) => {
                log::warn!(
                    "{}: no file-system watch ({e}): looking every {} ms",
                    path.display(),
                    POLL.as_millis()
                );
                None
            }
        };
        let mut w = Wake {
            path: path.to_path_buf(),
            tx,
            rx,
            watcher,
            armed: None,
        };
        w.arm();
        w
    }

    /// Watches the file's directory, else (missing) the one above it.
    fn arm(&mut self) {
        let Some(watcher) = &mut self.watcher else {
            return;
        };
        let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) else {
            return;
        };
        if self.armed.as_deref() == Some(dir) {
            return;
        }
        match watcher.watch(dir, RecursiveMode::NonRecursive) {
            Ok(()) => {
                if let Some(old) = self.armed.replace(dir.to_path_buf()) {
                    let _ = watcher.unwatch(&old);
                }
                // The file may have been written before the watch began.
                let _ = self.tx.try_send(());
            }
            Err(e) => {
                log::debug!("{}: cannot watch yet: {e}", dir.display());
                if self.armed.is_none()
                    && let Some(up) = dir.parent().filter(|d| !d.as_os_str().is_empty())
                    && watcher.watch(up, RecursiveMode::NonRecursive).is_ok()
                {
                    self.armed = Some(up.to_path_buf());
                }
            }
        }
    }

    /// A handle that wakes this tail (to see a flag just set).
    fn waker(&self) -> SyncSender<()> {
        self.tx.clone()
    }

    /// Until the file may have changed, or the re-check is due.
    fn wait(&mut self) {
        let armed = self.watcher.is_some() && self.armed.is_some();
        let _ = self.rx.recv_timeout(if armed { RECHECK } else { POLL });
        if self.armed.as_deref() != self.path.parent() {
            self.arm();
        }
    }
}

/// Reads what was appended to a journal since the last look. Only whole
/// lines are parsed; a line still being written waits for its newline.
#[derive(Debug)]
pub struct Tail {
    path: PathBuf,
    offset: u64,
    line: usize,
    seq: u64,
    pending: Vec<u8>,
    /// The runbook this mirror shows; a resume under another one is said.
    hash: String,
    /// Where relative log paths are found.
    dir: PathBuf,
    /// The newest command when the mirror opened: (run, log, still running).
    pub first: Option<(u64, String, bool)>,
}

impl Tail {
    /// Starts after what `loaded` already holds (the replayed part).
    pub fn after(path: &Path, loaded: &journal::Loaded, hash: &str) -> Tail {
        Tail {
            path: path.to_path_buf(),
            offset: loaded.valid_len,
            line: loaded.records.len(),
            seq: loaded.records.last().map_or(0, |r| r.seq),
            pending: Vec::new(),
            hash: hash.to_string(),
            dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
            first: None,
        }
    }

    /// The records appended since the last call.
    pub fn poll(&mut self) -> Result<Vec<Record>, String> {
        let name = self.path.display().to_string();
        let mut f = File::open(&self.path).map_err(|e| format!("{name}: {e}"))?;
        let len = f.metadata().map_err(|e| format!("{name}: {e}"))?.len();
        if len < self.offset {
            return Err(format!("{name}: the journal got shorter: not following it"));
        }
        if len == self.offset {
            return Ok(Vec::new());
        }
        f.seek(SeekFrom::Start(self.offset))
            .map_err(|e| format!("{name}: {e}"))?;
        let mut buf = Vec::new();
        f.take(len - self.offset)
            .read_to_end(&mut buf)
            .map_err(|e| format!("{name}: {e}"))?;
        self.offset += buf.len() as u64;
        self.pending.extend_from_slice(&buf);
        let Some(end) = self.pending.iter().rposition(|&b| b == b'\n') else {
            return Ok(Vec::new());
        };
        let whole: Vec<u8> = self.pending.drain(..=end).collect();
        let lines = whole.iter().filter(|&&b| b == b'\n').count();
        let loaded =
            journal::parse(&name, &whole, self.line, self.seq).map_err(|e| e.to_string())?;
        self.line += lines;
        for f in &loaded.fragments {
            log::warn!("{}", f.notice(Path::new(&name)));
        }
        if let Some(r) = loaded.records.last() {
            self.seq = r.seq;
        }
        for r in &loaded.records {
            if let Event::Resumed { runbook_hash } = &r.event
                && *runbook_hash != self.hash
            {
                return Err(format!(
                    "{name}: resumed with a changed runbook: restart watch to follow it"
                ));
            }
        }
        Ok(loaded.records)
    }
}

/// The tail worker: reads what is new each time the journal changes (see
/// [`Wake`]), sends each new record, stops when the loop is gone or the
/// journal is damaged (said once, on screen). It also starts
/// and stops the follower of the newest command's log, after sending the
/// record that announces it, so the loop knows the run before its lines.
pub fn spawn(mut tail: Tail, tx: UnboundedSender<Msg>) -> io::Result<()> {
    thread::Builder::new()
        .name("journal-tail".into())
        .spawn(move || {
            let mut wake = Wake::new(&tail.path);
            let mut follower: Option<(u64, Follower)> = None;
            // The application log is followed for as long as the mirror is
            // open (it appears once `run` starts its stream).
            let app_log = tail.dir.join(crate::domain::logs::stream::FILE_NAME);
            let never = Arc::new(AtomicBool::new(false));
            let wrap =
                |lines, skipped| Msg::Log(crate::domain::logs::LogMsg::Lines { lines, skipped });
            if let Err(e) = follow_lines("app-log-tail".into(), app_log, never, tx.clone(), wrap) {
                log::warn!("following the application log: {e}");
            }
            if let Some((run, log, running)) = tail.first.take() {
                let done = Arc::new(AtomicBool::new(!running));
                if let Ok(f) = follow(run, resolve_log(&tail.dir, &log), done, tx.clone()) {
                    follower = Some((run, f));
                }
            }
            let mut alive = None;
            loop {
                // The lock before the journal: a deployer found gone wrote
                // its last record before it let go, so this poll has it and
                // a mirror never calls a session that ended "not responding".
                let held = lock::held(&tail.dir);
                match tail.poll() {
                    Ok(records) => {
                        for r in records {
                            let event = r.event.clone();
                            if tx.send(Msg::Journaled(r)).is_err() {
                                return;
                            }
                            match event {
                                Event::CommandStarted { run, log, .. } => {
                                    // The pane moves to the new command: the
                                    // old one's lines would not be shown.
                                    if let Some((_, f)) = follower.take() {
                                        f.finish();
                                    }
                                    let done = Arc::new(AtomicBool::new(false));
                                    let path = resolve_log(&tail.dir, &log);
                                    match follow(run, path, done, tx.clone()) {
                                        Ok(f) => follower = Some((run, f)),
                                        Err(e) => log::warn!("following run-{run}'s log: {e}"),
                                    }
                                }
                                Event::CommandExited { run, .. } => {
                                    if let Some((r, f)) = &follower
                                        && *r == run
                                    {
                                        f.finish();
                                    }
                                }
                                // The command went with the process resumed.
                                Event::Resumed { .. } => {
                                    if let Some((_, f)) = follower.take() {
                                        f.finish();
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Msg::JournalFailed(e));
                        return;
                    }
                }
                match held {
                    Ok(now) if alive != Some(now) => {
                        alive = Some(now);
                        if tx.send(Msg::Deployer { alive: now }).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    // Unknown is not gone: say nothing rather than cry wolf.
                    Err(e) => log::debug!("{}: {e}", tail.dir.join(lock::FILE_NAME).display()),
                }
                if tx.is_closed() {
                    return;
                }
                wake.wait();
            }
        })?;
    Ok(())
}

/// A running log follower: its `done` flag, and how to wake it to see it.
struct Follower {
    done: Arc<AtomicBool>,
    wake: SyncSender<()>,
}

impl Follower {
    /// Reads to the end once more and stops.
    fn finish(&self) {
        self.done.store(true, Ordering::Relaxed);
        let _ = self.wake.try_send(());
    }
}

/// A journaled log path: absolute as is; relative ones were relative to
/// `run`'s working directory, which this process may not share, so the
/// session's own `logs/` is the fallback.
pub fn resolve_log(dir: &Path, log: &str) -> PathBuf {
    let p = Path::new(log);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    let joined = dir.join(p);
    match p.file_name() {
        Some(name) if !joined.exists() => dir.join("logs").join(name),
        _ => joined,
    }
}

/// Reads what was appended to a command's log since the last look: whole
/// lines only, a partial last line waits for its newline. A missing file
/// is empty (`run` creates it just after journaling the start).
#[derive(Debug)]
pub struct LogTail {
    path: PathBuf,
    offset: u64,
    pending: Vec<u8>,
    /// Lines kept per poll; older ones are counted as skipped, so a long log
    /// costs bounded memory and the pane's line numbers stay right.
    keep: usize,
}

/// Bytes read at a time: catching up on a big log never holds all of it.
const READ_CHUNK: usize = 64 * 1024;

impl LogTail {
    pub fn new(path: PathBuf, keep: usize) -> LogTail {
        LogTail {
            path,
            offset: 0,
            pending: Vec::new(),
            keep: keep.max(1),
        }
    }

    /// (skipped, lines): the new whole lines, at most `keep` of them, and
    /// how many older ones before those were dropped. `last` also takes a
    /// final line without a newline: the command has ended.
    pub fn poll(&mut self, last: bool) -> io::Result<(u64, Vec<String>)> {
        let mut lines = std::collections::VecDeque::new();
        let mut skipped = 0u64;
        let keep = self.keep;
        let mut push = |bytes: &[u8], lines: &mut std::collections::VecDeque<String>| {
            if lines.len() == keep {
                lines.pop_front();
                skipped += 1;
            }
            let text = String::from_utf8_lossy(bytes);
            lines.push_back(text.strip_suffix('\r').unwrap_or(&text).to_string());
        };
        match File::open(&self.path) {
            Ok(mut f) => {
                f.seek(SeekFrom::Start(self.offset))?;
                let mut buf = vec![0u8; READ_CHUNK];
                loop {
                    let n = f.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    self.offset += n as u64;
                    self.pending.extend_from_slice(&buf[..n]);
                    if let Some(end) = memchr::memrchr(b'\n', &self.pending) {
                        for l in self.pending[..end].split(|&b| b == b'\n') {
                            push(l, &mut lines);
                        }
                        self.pending.drain(..=end);
                    }
                    // A line with no end in sight is cut, as `run` cuts them.
                    if self.pending.len() > crate::domain::exec::ingest::MAX_LINE {
                        let long = std::mem::take(&mut self.pending);
                        push(&long, &mut lines);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if last && !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            push(&rest, &mut lines);
        }
        Ok((skipped, lines.into()))
    }
}

/// The follower of one command's log: reads what is new as the log grows,
/// until `done` is set, then reads to the end once more (the log is
/// complete before `command_exited` is journaled) and stops. Its lines are
/// the runner's `Output` events.
fn follow(
    run: u64,
    path: PathBuf,
    done: Arc<AtomicBool>,
    tx: UnboundedSender<Msg>,
) -> io::Result<Follower> {
    follow_lines(
        format!("log-tail-{run}"),
        path,
        done,
        tx,
        move |lines, skipped| {
            Msg::Exec(ExecEvent::Output {
                id: RunId(run),
                lines,
                skipped,
            })
        },
    )
}

/// Follows a log file's new lines until `done`; `wrap` makes them a message.
/// The follower's [`Wake`] is made here, so the returned handle can wake
/// it; the thread owns it from then on.
fn follow_lines(
    name: String,
    path: PathBuf,
    done: Arc<AtomicBool>,
    tx: UnboundedSender<Msg>,
    wrap: impl Fn(Vec<Line>, u64) -> Msg + Send + 'static,
) -> io::Result<Follower> {
    let mut wake = Wake::new(&path);
    let follower = Follower {
        done: done.clone(),
        wake: wake.waker(),
    };
    thread::Builder::new().name(name).spawn(move || {
        let mut tail = LogTail::new(path, crate::domain::exec::buffer::DEFAULT_CAPACITY);
        loop {
            // Read the flag first: a read after it is seen set is final.
            let last = done.load(Ordering::Relaxed);
            match tail.poll(last) {
                Ok((skipped, lines)) if skipped > 0 || !lines.is_empty() => {
                    let lines = lines
                        .into_iter()
                        .map(|t| Line::new(Stream::Stdout, t))
                        .collect();
                    if tx.send(wrap(lines, skipped)).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    log::warn!("{}: {e}", tail.path.display());
                    return;
                }
            }
            if last || tx.is_closed() {
                return;
            }
            wake.wait();
        }
    })?;
    Ok(follower)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_log_tail_holds_back_a_partial_line_until_it_ends() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("run-001.log");
        let mut tail = LogTail::new(p.clone(), 3);
        // Not created yet: `run` makes it just after the record.
        assert_eq!(tail.poll(false).unwrap(), (0, Vec::<String>::new()));
        let mut f = std::fs::File::create(&p).unwrap();
        f.write_all(b"tick-1\ntick-").unwrap();
        assert_eq!(tail.poll(false).unwrap(), (0, vec!["tick-1".to_string()]));
        assert_eq!(tail.poll(false).unwrap(), (0, Vec::<String>::new()));
        f.write_all(b"2\n").unwrap();
        assert_eq!(tail.poll(false).unwrap(), (0, vec!["tick-2".to_string()]));
        f.write_all(b"a\nb\nc\nd\ne\nno-newline").unwrap();
        // Only the newest `keep` lines; the rest are counted.
        let (skipped, lines) = tail.poll(false).unwrap();
        assert_eq!(
            (skipped, lines),
            (2, vec!["c".into(), "d".into(), "e".into()])
        );
        // The command ended: the unterminated last line is taken too.
        assert_eq!(
            tail.poll(true).unwrap(),
            (0, vec!["no-newline".to_string()])
        );
        assert_eq!(tail.poll(true).unwrap(), (0, Vec::<String>::new()));
    }

    /// Drops the wakes already queued (the watch's own first one).
    fn settle(w: &Wake) {
        std::thread::sleep(Duration::from_millis(100));
        while w.rx.try_recv().is_ok() {}
    }

    #[test]
    fn a_tail_wakes_on_writes_not_on_its_own_reads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(journal::FILE_NAME);
        std::fs::write(&p, "a\n").unwrap();
        let w = Wake::new(&p);
        assert!(w.watcher.is_some() && w.armed.as_deref() == Some(dir.path()));
        settle(&w);
        // A read opens and closes the file: no wake, or a tail would spin.
        assert_eq!(std::fs::read(&p).unwrap(), b"a\n");
        assert!(w.rx.recv_timeout(Duration::from_millis(300)).is_err());
        // Another file in the directory is not this tail's business.
        std::fs::write(dir.path().join("lock"), "x").unwrap();
        assert!(w.rx.recv_timeout(Duration::from_millis(300)).is_err());
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"b\n").unwrap();
        assert!(w.rx.recv_timeout(Duration::from_secs(5)).is_ok(), "a write");
        settle(&w);
        // Replaced (renamed over) and truncated: both wake it.
        std::fs::write(dir.path().join("new"), "c\n").unwrap();
        settle(&w);
        std::fs::rename(dir.path().join("new"), &p).unwrap();
        assert!(
            w.rx.recv_timeout(Duration::from_secs(5)).is_ok(),
            "a rename"
        );
        settle(&w);
        std::fs::File::create(&p).unwrap();
        assert!(
            w.rx.recv_timeout(Duration::from_secs(5)).is_ok(),
            "a truncation"
        );
    }

    #[test]
    fn a_log_in_a_directory_not_made_yet_is_watched_once_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        let p = logs.join("run-001.log");
        let mut w = Wake::new(&p);
        // `logs/` is missing: the session directory is watched meanwhile.
        assert_eq!(w.armed.as_deref(), Some(dir.path()));
        settle(&w);
        std::fs::create_dir(&logs).unwrap();
        let t = std::time::Instant::now();
        w.wait();
        assert!(t.elapsed() < RECHECK, "the directory's creation woke it");
        assert_eq!(w.armed.as_deref(), Some(logs.as_path()));
        settle(&w);
        std::fs::write(&p, "line\n").unwrap();
        assert!(w.rx.recv_timeout(Duration::from_secs(5)).is_ok());
    }

    #[test]
    fn relative_logs_are_found_in_the_session() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            resolve_log(dir.path(), "/x/run-001.log"),
            PathBuf::from("/x/run-001.log")
        );
        assert_eq!(
            resolve_log(dir.path(), "elsewhere/logs/run-002.log"),
            dir.path().join("logs").join("run-002.log")
        );
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        std::fs::write(dir.path().join("logs/run-003.log"), "").unwrap();
        assert_eq!(
            resolve_log(dir.path(), "logs/run-003.log"),
            dir.path().join("logs/run-003.log")
        );
    }

    #[test]
    fn the_tail_waits_for_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(journal::FILE_NAME);
        std::fs::write(&p, "").unwrap();
        let loaded = journal::load(&p).unwrap();
        let mut tail = Tail::after(&p, &loaded, "h");
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        let line = "{\"seq\":1,\"ts\":\"2025-01-15T04:41:00Z\",\"by\":\"a\",\"type\":\"ticked\",\"target\":{\"item\":0}}\n";
        f.write_all(&line.as_bytes()[..20]).unwrap();
        assert!(tail.poll().unwrap().is_empty());
        f.write_all(&line.as_bytes()[20..]).unwrap();
        assert_eq!(tail.poll().unwrap().len(), 1);
        f.write_all(b"{oops\n").unwrap();
        assert!(
            tail.poll()
                .unwrap_err()
                .contains(":2: not a journal record")
        );
    }
}
