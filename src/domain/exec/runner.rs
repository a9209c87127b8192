//! One command: `bash -e -o pipefail -c CODE` in its own process group. Two
//! threads read stdout and stderr in large blocks (a blocking read per 64 KiB
//! costs less than the async machinery per line), turn them into masked
//! lines and write the log file; a supervisor task owns the child, forwards
//! lines to the loop's channel without ever waiting on it, carries out kills
//! and reports the exit.
//!
//! Messages for one run arrive in order: `Started`, any `Output`s, `Exited`.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::buffer::{DEFAULT_CAPACITY, Line, Stream};
use super::ingest::{Chunk, Ingest, split_display};
use crate::domain::mask::Masker;

/// Which run a message is about; the loop picks the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct RunId(pub u64);

/// A capacity for the loop's channel: with [`PENDING_BYTES`] per message at
/// most, a slow screen holds a few MB of output, never more.
pub const CHANNEL_CAPACITY: usize = 16;
/// Display lines held back while the loop is busy; older ones are dropped
/// (and counted) first. The log file always gets everything.
pub const PENDING_LINES: usize = DEFAULT_CAPACITY;
pub const PENDING_BYTES: usize = 512 * 1024;
const READ_SIZE: usize = 64 * 1024;
const LOG_FLUSH: Duration = Duration::from_millis(250);
/// How often a reader sends display lines while output keeps coming; the
/// first line after a pause goes at once.
const DISPLAY_EVERY: Duration = Duration::from_millis(10);

/// How a kill escalates; both times count from the kill request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KillPolicy {
    pub term_after: Duration,
    pub kill_after: Duration,
    /// After the shell exits, how long to wait for its output to end. A
    /// background process that keeps the pipe open (`daemon &`) would
    /// otherwise hold the exit report back for as long as it lives.
    pub drain_grace: Duration,
}

impl Default for KillPolicy {
    fn default() -> Self {
        KillPolicy {
            term_after: Duration::from_secs(3),
            kill_after: Duration::from_secs(10),
            drain_grace: Duration::from_secs(2),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RunSpec {
    pub id: RunId,
    /// The exact text to run, placeholders already substituted.
    pub code: String,
    pub shell: String,
    pub shell_flags: Vec<String>,
    pub workdir: PathBuf,
    /// Added to this process's environment (the session's variables).
    pub env: Vec<(String, String)>,
    /// Masked, escape-free output, one file per command.
    pub log_path: PathBuf,
    /// Add to the log file instead of starting it afresh: a command that is
    /// restarted keeps one file.
    pub append: bool,
    /// A line written (masked) to the log before the command's output, to
    /// mark where this run's part of an appended file begins.
    pub log_header: Option<String>,
    /// Sees every line the log gets, before any is dropped for display.
    pub observer: Option<Arc<dyn LineObserver>>,
    /// When the shell exits, end what it left running in its group (SIGTERM,
    /// then SIGKILL per the [`KillPolicy`]) before reporting the exit. For a
    /// command that is restarted: each start would otherwise add another
    /// copy of whatever the last one left behind.
    pub end_leftovers: bool,
    pub kill: KillPolicy,
}

/// Called by the reader threads with each read's lines exactly as the log
/// file gets them, so that whatever it computes (a count, say) covers every
/// line even when the loop is too slow to be sent them all. It runs on the
/// readers' time, not the loop's, and holds the reader up while it runs:
/// keep it to a pass over the text.
pub trait LineObserver: Send + Sync + std::fmt::Debug {
    /// `lines`: one or more whole lines, masked and escape-free, each
    /// ending in `\n`; never empty.
    fn observe(&self, stream: Stream, lines: &str);
}

impl RunSpec {
    /// `bash -e -o pipefail` in the current directory, default kill times.
    pub fn new(id: RunId, code: impl Into<String>, log_path: impl Into<PathBuf>) -> RunSpec {
        RunSpec {
            id,
            code: code.into(),
            shell: "bash".into(),
            shell_flags: vec!["-e".into(), "-o".into(), "pipefail".into()],
            workdir: PathBuf::from("."),
            env: Vec::new(),
            log_path: log_path.into(),
            append: false,
            log_header: None,
            observer: None,
            end_leftovers: false,
            kill: KillPolicy::default(),
        }
    }
}

/// What a run tells the loop. Owned, so it can cross the channel.
#[derive(Debug, Clone, PartialEq)]
pub enum ExecEvent {
    Started {
        id: RunId,
        pid: u32,
        at: DateTime<Utc>,
    },
    /// Every line that was ready, in one message. `skipped` lines came
    /// before these and were logged but not sent: the loop was behind.
    Output {
        id: RunId,
        lines: Vec<Line>,
        skipped: u64,
    },
    Exited(Exit),
}

impl ExecEvent {
    pub fn id(&self) -> RunId {
        match self {
            ExecEvent::Started { id, .. } | ExecEvent::Output { id, .. } => *id,
            ExecEvent::Exited(e) => e.id,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Exit {
    pub id: RunId,
    /// The shell's exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    /// The signal that ended the shell, if one did.
    pub signal: Option<i32>,
    /// From start to the shell's exit.
    pub duration: Duration,
    /// The strongest signal a kill sent to the group, if one was asked for.
    pub sent: Option<i32>,
    /// Lines written to the log.
    pub lines: u64,
    /// The log file could not be written completely.
    pub log_error: Option<String>,
}

impl Exit {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// Asks a running command to do something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// SIGINT now, SIGTERM and SIGKILL later per the [`KillPolicy`].
    Kill,
    /// One signal to the whole group, no escalation.
    Signal(i32),
}

/// The loop's hold on a running command. Dropping it does not stop the
/// command; [`RunHandle::kill`] does.
#[derive(Debug, Clone)]
pub struct RunHandle {
    id: RunId,
    pid: u32,
    control: mpsc::UnboundedSender<Control>,
}

impl RunHandle {
    pub fn id(&self) -> RunId {
        self.id
    }

    /// Also the process group id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// False when the run has already finished.
    pub fn kill(&self) -> bool {
        self.control.send(Control::Kill).is_ok()
    }

    pub fn send(&self, control: Control) -> bool {
        self.control.send(control).is_ok()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("cannot create the log file {path}: {source}")]
    Log {
        path: String,
        source: std::io::Error,
    },
    #[error("working directory {path}: {source}")]
    Workdir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot start {shell}: {source}")]
    Spawn {
        shell: String,
        source: std::io::Error,
    },
}

/// Starts the command and its reader threads; must be called inside a
/// Tokio runtime. Messages go to `events` in order; see [`ExecEvent`].
pub fn spawn(
    spec: RunSpec,
    masker: Arc<Masker>,
    events: mpsc::Sender<ExecEvent>,
) -> Result<RunHandle, SpawnError> {
    std::fs::metadata(&spec.workdir)
        .and_then(|m| {
            if m.is_dir() {
                Ok(())
            } else {
                Err(std::io::Error::other("not a directory"))
            }
        })
        .map_err(|source| SpawnError::Workdir {
            path: spec.workdir.display().to_string(),
            source,
        })?;
    let log = LogFile::create(&spec.log_path, spec.append).map_err(|source| SpawnError::Log {
        path: spec.log_path.display().to_string(),
        source,
    })?;
    if let Some(header) = &spec.log_header {
        let mut line = masker.mask(header).into_owned();
        line.push('\n');
        log.write(line.as_bytes());
    }
    let spawn_err = |source| SpawnError::Spawn {
        shell: spec.shell.clone(),
        source,
    };
    let mut child = tokio::process::Command::new(&spec.shell)
        .args(&spec.shell_flags)
        .arg("-c")
        .arg(&spec.code)
        .current_dir(&spec.workdir)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group: a kill reaches every process the command started,
        // and Ctrl-C in the cockpit's terminal does not reach the command.
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(spawn_err)?;
    let started = Instant::now();
    let at = Utc::now();
    let pid = child
        .id()
        .ok_or_else(|| spawn_err(std::io::Error::other("exited before it started")))?;
    let pipes = [
        (
            Stream::Stdout,
            child.stdout.take().map(|p| p.into_owned_fd()),
        ),
        (
            Stream::Stderr,
            child.stderr.take().map(|p| p.into_owned_fd()),
        ),
    ];
    let log = Arc::new(log);
    let (batch_tx, batch_rx) = mpsc::channel::<Batch>(4);
    for (stream, pipe) in pipes {
        let Some(Ok(fd)) = pipe else {
            continue;
        };
        let ingest = Ingest::new(stream, masker.clone(), PENDING_LINES);
        let (log, tx, observer) = (log.clone(), batch_tx.clone(), spec.observer.clone());
        // Plain threads, not `spawn_blocking`: a background process that
        // keeps the pipe open must not keep a runtime from shutting down.
        std::thread::Builder::new()
            .name(format!("exec-{}-{stream:?}", spec.id.0))
            .spawn(move || read_pipe(File::from(fd), ingest, &log, observer.as_deref(), &tx))
            .map_err(spawn_err)?;
    }
    drop(batch_tx);
    let (control, control_rx) = mpsc::unbounded_channel();
    let run = Supervisor {
        id: spec.id,
        pgid: Pid::from_raw(pid as i32),
        policy: spec.kill,
        end_leftovers: spec.end_leftovers,
        events,
        log,
        started,
        pending: Pending::default(),
        kill: None,
    };
    tokio::spawn(run.run(child, at, batch_rx, control_rx));
    Ok(RunHandle {
        id: spec.id,
        pid,
        control,
    })
}

struct Batch {
    lines: Vec<Line>,
    skipped: u64,
    logged: u64,
}

fn read_pipe(
    mut pipe: File,
    mut ingest: Ingest,
    log: &LogFile,
    observer: Option<&dyn LineObserver>,
    tx: &mpsc::Sender<Batch>,
) {
    let mut buf = vec![0u8; READ_SIZE];
    let mut chunk = Chunk::default();
    let mut recent = Recent::new(ingest.stream(), PENDING_LINES as u64);
    let mut last_sent: Option<std::time::Instant> = None;
    let mut display = true;
    let mut eof = false;
    while !eof {
        if display && recent.has_news() {
            let wait = last_sent.map_or(Duration::ZERO, |t| {
                DISPLAY_EVERY.saturating_sub(t.elapsed())
            });
            let quiet = wait.is_zero() || {
                let mut fds = [PollFd::new(pipe.as_fd(), PollFlags::POLLIN)];
                poll(
                    &mut fds,
                    PollTimeout::try_from(wait).unwrap_or(PollTimeout::MAX),
                ) == Ok(0)
            };
            if quiet {
                display = recent.send(tx);
                last_sent = Some(std::time::Instant::now());
                continue;
            }
        }
        match pipe.read(&mut buf) {
            Ok(0) => {
                ingest.finish(&mut chunk);
                eof = true;
            }
            Ok(n) => {
                let fed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    ingest.feed(&buf[..n], &mut chunk)
                }));
                // A bug in ingest (the panic hook reports it) must not end
                // this reader: the command would die of SIGPIPE. The line it
                // was on is lost; the rest is still logged.
                if fed.is_err() {
                    ingest.drop_partial();
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                log::warn!("reading command output: {e}");
                ingest.finish(&mut chunk);
                eof = true;
            }
        }
        log.write(&chunk.log);
        if let Some(observer) = observer
            && !chunk.log.is_empty()
        {
            // Always UTF-8 (ingest decodes lossily); checked rather than
            // trusted, since an observer may parse it.
            match std::str::from_utf8(&chunk.log) {
                Ok(text) => observer.observe(ingest.stream(), text),
                Err(_) => observer.observe(ingest.stream(), &String::from_utf8_lossy(&chunk.log)),
            }
        }
        recent.add(&mut chunk);
        chunk.clear();
    }
    if display {
        recent.send(tx);
    }
}

/// A reader's display lines since its last message, the newest kept. Held
/// as the chunks' text and split into lines only when sent, at most every
/// [`DISPLAY_EVERY`]: a screen cannot show more, and at full speed this
/// turns millions of allocations into a few thousand.
struct Recent {
    stream: Stream,
    chunks: VecDeque<(String, u64)>,
    lines: u64,
    skipped: u64,
    logged: u64,
    keep: u64,
}

impl Recent {
    fn new(stream: Stream, keep: u64) -> Recent {
        Recent {
            stream,
            chunks: VecDeque::new(),
            lines: 0,
            skipped: 0,
            logged: 0,
            keep: keep.max(1),
        }
    }

    fn has_news(&self) -> bool {
        self.logged > 0
    }

    fn add(&mut self, chunk: &mut Chunk) {
        self.logged += chunk.logged();
        self.skipped += chunk.skipped;
        if chunk.shown > 0 {
            self.lines += chunk.shown;
            self.chunks
                .push_back((std::mem::take(&mut chunk.display), chunk.shown));
        }
        while let Some(&(_, n)) = self.chunks.front() {
            if self.lines - n < self.keep {
                break;
            }
            self.chunks.pop_front();
            self.lines -= n;
            self.skipped += n;
        }
    }

    /// False once the supervisor stopped listening (the run was reported
    /// finished while a background process kept the pipe open).
    fn send(&mut self, tx: &mpsc::Sender<Batch>) -> bool {
        if !self.has_news() {
            return true;
        }
        let mut excess = self.lines.saturating_sub(self.keep);
        let mut lines = Vec::with_capacity((self.lines - excess) as usize);
        for (text, n) in self.chunks.drain(..) {
            let skip = excess.min(n);
            excess -= skip;
            lines.extend(split_display(self.stream, &text, skip as usize));
        }
        let batch = Batch {
            skipped: self.skipped + self.lines.saturating_sub(self.keep),
            lines,
            logged: self.logged,
        };
        (self.lines, self.skipped, self.logged) = (0, 0, 0);
        // The supervisor never waits on the loop, so this wait is short.
        tx.blocking_send(batch).is_ok()
    }
}

/// The log file, shared by the two reader threads and flushed by the
/// supervisor on a timer so a `tail -f` sees slow output promptly.
struct LogFile {
    inner: Mutex<LogState>,
}

struct LogState {
    out: BufWriter<File>,
    error: Option<String>,
}

impl LogFile {
    fn create(path: &Path, append: bool) -> std::io::Result<LogFile> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .append(append)
            .truncate(!append)
            .open(path)?;
        Ok(LogFile {
            inner: Mutex::new(LogState {
                out: BufWriter::with_capacity(256 * 1024, file),
                error: None,
            }),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, LogState> {
        // A panic while holding the lock leaves a buffer, not broken data.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut s = self.state();
        if s.error.is_none()
            && let Err(e) = s.out.write_all(bytes)
        {
            s.error = Some(e.to_string());
        }
    }

    fn flush(&self) {
        let mut s = self.state();
        if s.error.is_none()
            && let Err(e) = s.out.flush()
        {
            s.error = Some(e.to_string());
        }
    }

    fn error(&self) -> Option<String> {
        self.state().error.clone()
    }
}

/// Lines waiting for room in the loop's channel, the newest kept.
#[derive(Default)]
struct Pending {
    lines: VecDeque<Line>,
    bytes: usize,
    skipped: u64,
}

impl Pending {
    fn add(&mut self, batch: Batch) {
        self.skipped += batch.skipped;
        for line in batch.lines {
            self.bytes += line.text.len();
            self.lines.push_back(line);
        }
        while self.lines.len() > PENDING_LINES || self.bytes > PENDING_BYTES {
            let Some(old) = self.lines.pop_front() else {
                break;
            };
            self.bytes -= old.text.len();
            self.skipped += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.skipped == 0
    }

    fn take(&mut self, id: RunId) -> ExecEvent {
        self.bytes = 0;
        ExecEvent::Output {
            id,
            lines: self.lines.drain(..).collect(),
            skipped: std::mem::take(&mut self.skipped),
        }
    }
}

struct KillState {
    asked: Instant,
    sent: Signal,
    sent_at: Instant,
}

struct Supervisor {
    id: RunId,
    pgid: Pid,
    policy: KillPolicy,
    end_leftovers: bool,
    events: mpsc::Sender<ExecEvent>,
    log: Arc<LogFile>,
    started: Instant,
    pending: Pending,
    kill: Option<KillState>,
}

/// Kills what is left of the group if the supervisor is dropped mid-run
/// (runtime shutdown): `kill_on_drop` alone reaches only the shell.
struct GroupGuard {
    pgid: Pid,
    armed: bool,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = killpg(self.pgid, Signal::SIGKILL);
        }
    }
}

impl Supervisor {
    async fn run(
        mut self,
        mut child: tokio::process::Child,
        at: DateTime<Utc>,
        mut batches: mpsc::Receiver<Batch>,
        mut control: mpsc::UnboundedReceiver<Control>,
    ) {
        let mut guard = GroupGuard {
            pgid: self.pgid,
            armed: true,
        };
        let pid = self.pgid.as_raw() as u32;
        let _ = self
            .events
            .send(ExecEvent::Started {
                id: self.id,
                pid,
                at,
            })
            .await;
        let mut status: Option<(Option<ExitStatus>, Instant)> = None;
        let mut readers_done = false;
        let mut control_open = true;
        let mut lines: u64 = 0;
        let events = self.events.clone();
        let mut flush = tokio::time::interval(LOG_FLUSH);
        flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if status.is_some() && readers_done && self.group_done() {
                break;
            }
            let deadline = self.deadline(status.map(|s| s.1), readers_done);
            tokio::select! {
                c = control.recv(), if control_open => match c {
                    Some(Control::Kill) => self.start_kill(Signal::SIGINT),
                    Some(Control::Signal(n)) => {
                        if let Ok(sig) = Signal::try_from(n) {
                            let _ = killpg(self.pgid, sig);
                        }
                    }
                    None => control_open = false,
                },
                r = child.wait(), if status.is_none() => {
                    status = Some((r.ok(), Instant::now()));
                    let asked = self.end_leftovers || self.kill.is_some();
                    let sent = self.kill.as_ref().map(|k| k.sent);
                    if asked && sent.is_none_or(|s| s == Signal::SIGINT) && self.group_alive() {
                        // The shell is gone; what is left of the group was
                        // started in the background, where bash ignores
                        // SIGINT: go straight to SIGTERM.
                        self.start_kill(Signal::SIGTERM);
                    }
                }
                b = batches.recv(), if !readers_done => match b {
                    Some(b) => {
                        lines += b.logged;
                        self.pending.add(b);
                    }
                    None => readers_done = true,
                },
                permit = events.reserve(), if !self.pending.is_empty() => match permit {
                    Ok(permit) => permit.send(self.pending.take(self.id)),
                    // Nobody listens any more; the log still gets it all.
                    Err(_) => self.pending = Pending::default(),
                },
                () = sleep_until(deadline), if deadline.is_some() => {
                    if self.escalate() {
                        continue;
                    }
                    if status.is_some() {
                        log::warn!(
                            "run {}: output still open {:?} after the shell exited; not waiting for it",
                            self.id.0, self.policy.drain_grace
                        );
                        break;
                    }
                }
                _ = flush.tick() => self.log.flush(),
            }
        }
        // The log is complete before anything waits on the loop.
        self.log.flush();
        if !self.pending.is_empty() {
            let _ = self.events.send(self.pending.take(self.id)).await;
        }
        guard.armed = false;
        let (exit_status, exited_at) = status.unwrap_or((None, Instant::now()));
        let exit = Exit {
            id: self.id,
            code: exit_status.and_then(|s| s.code()),
            signal: exit_status.and_then(|s| s.signal()),
            duration: exited_at - self.started,
            sent: self.kill.as_ref().map(|k| k.sent as i32),
            lines,
            log_error: self.log.error(),
        };
        let _ = self.events.send(ExecEvent::Exited(exit)).await;
    }

    /// Starts the escalation with `first`, or moves one already under way
    /// on to it; the times still count from the first request.
    fn start_kill(&mut self, first: Signal) {
        match &self.kill {
            None => {
                let now = Instant::now();
                self.kill = Some(KillState {
                    asked: now,
                    sent: first,
                    sent_at: now,
                });
                let _ = killpg(self.pgid, first);
            }
            // A second request to kill changes nothing; a stronger first
            // signal moves the escalation on.
            Some(_) if first != Signal::SIGINT => self.signal(first),
            Some(_) => {}
        }
    }

    fn signal(&mut self, sig: Signal) {
        if let Some(k) = &mut self.kill {
            k.sent = sig;
            k.sent_at = Instant::now();
        }
        let _ = killpg(self.pgid, sig);
    }

    /// The next escalation step due now, if any; true when one was taken.
    fn escalate(&mut self) -> bool {
        let Some(k) = &self.kill else {
            return false;
        };
        let now = Instant::now();
        let next = match k.sent {
            Signal::SIGINT if now >= k.asked + self.policy.term_after => Signal::SIGTERM,
            Signal::SIGINT | Signal::SIGTERM if now >= k.asked + self.policy.kill_after => {
                Signal::SIGKILL
            }
            _ => return false,
        };
        self.signal(next);
        true
    }

    /// When the select loop must wake up even if nothing arrives.
    fn deadline(&self, exited: Option<Instant>, readers_done: bool) -> Option<Instant> {
        let mut due: Option<Instant> = None;
        let mut drain_from = exited;
        if let Some(k) = &self.kill {
            match k.sent {
                Signal::SIGINT => due = Some(k.asked + self.policy.term_after),
                Signal::SIGTERM => due = Some(k.asked + self.policy.kill_after),
                _ => {}
            }
            if k.sent != Signal::SIGKILL {
                // A kill in progress is finished, not abandoned.
                drain_from = None;
            } else {
                drain_from = drain_from.map(|t| t.max(k.sent_at));
            }
        }
        if (!readers_done || self.kill.is_some())
            && let Some(t) = drain_from
        {
            let d = t + self.policy.drain_grace;
            due = Some(due.map_or(d, |x| x.min(d)));
        }
        due
    }

    fn group_alive(&self) -> bool {
        group_alive(self.pgid)
    }

    /// After a kill, the run ends only when no process of it is left (or
    /// SIGKILL was sent: nothing more can be done).
    fn group_done(&self) -> bool {
        match &self.kill {
            None => true,
            Some(k) if k.sent == Signal::SIGKILL => true,
            Some(_) => !self.group_alive(),
        }
    }
}

/// Ends a process group this process did not start (what a stopped cockpit
/// left running) with the same escalation as a kill of its own commands:
/// SIGINT, then SIGTERM and SIGKILL per `policy`, until the group is gone.
pub async fn end_group(pgid: u32, policy: KillPolicy) {
    let Ok(raw) = i32::try_from(pgid) else {
        return;
    };
    let pgid = Pid::from_raw(raw);
    let start = Instant::now();
    let mut sent = Signal::SIGINT;
    let _ = killpg(pgid, sent);
    while group_alive(pgid) {
        let next = match sent {
            Signal::SIGINT if start.elapsed() >= policy.term_after => Some(Signal::SIGTERM),
            Signal::SIGINT | Signal::SIGTERM if start.elapsed() >= policy.kill_after => {
                Some(Signal::SIGKILL)
            }
            Signal::SIGKILL if start.elapsed() >= policy.kill_after + policy.drain_grace => {
                return;
            }
            _ => None,
        };
        if let Some(sig) = next {
            sent = sig;
            let _ = killpg(pgid, sig);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether any process of the group `pgid` still runs (see [`group_alive`]).
pub fn group_running(pgid: u32) -> bool {
    i32::try_from(pgid).is_ok_and(|p| p > 1 && group_alive(Pid::from_raw(p)))
}

/// Whether any process of the group still runs. A zombie does not count:
/// it has exited, and where PID 1 does not reap orphans (some containers)
/// it would otherwise look alive forever and every kill would end in
/// SIGKILL.
fn group_alive(pgid: Pid) -> bool {
    if killpg(pgid, None) == Err(Errno::ESRCH) {
        return false;
    }
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return true;
    };
    let want = pgid.as_raw().to_string();
    dir.flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .any(|stat| {
            // pid (comm) state ppid pgrp ...; comm may hold spaces and ')'.
            let Some((_, rest)) = stat.rsplit_once(')') else {
                return false;
            };
            let mut fields = rest.split_whitespace();
            let state = fields.next().unwrap_or("Z");
            let pgrp = fields.nth(1).unwrap_or("");
            pgrp == want && state != "Z" && state != "X"
        })
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
