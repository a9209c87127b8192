//! The log stream's worker: the log command run by the ordinary runner
//! ([`crate::domain::exec::spawn`]) for the whole session, restarted with a back-off
//! whenever it ends, its lines counted once a second.
//!
//! Counting happens in the runner's reader threads, through a
//! [`LineObserver`] that sees every line the log file gets, so the count is
//! exact however many display lines the loop is too slow to take. The worker
//! itself is a small task: it forwards the runner's messages, closes each
//! second's count and decides when to restart. It never waits on the loop for
//! display lines (they are merged and the oldest dropped, counted in
//! `skipped`); `Started`, `Count` and `Exited` are queued until the loop has
//! room, never dropped.
//!
//! The back-off: after an exit (or a failed start) the command starts again
//! after [`Backoff::first`], doubling with each further exit up to
//! [`Backoff::max`] (1 s, 2 s, 4 s, 8 s, 16 s, 30 s, 30 s, ... by default).
//! A run that stayed up for [`Backoff::reset_after`] (60 s) or more counts as
//! a success: the delay after it starts from `first` again.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{ErrorPatterns, LogCount, LogMsg, access};
use crate::domain::exec::{
    self, CHANNEL_CAPACITY, ExecEvent, Exit, Line, LineObserver, Masker, PENDING_BYTES,
    PENDING_LINES, RunHandle, RunId, RunSpec, Stream,
};

/// Quiet seconds reported at most after a gap (a suspended laptop, a clock
/// stepped forward): more would only push real counts out of the loop's
/// window. Seconds that had lines are always reported.
const MAX_FILL: i64 = 600;
/// How long after the turn of a second its count is closed: past the timer's
/// granularity, so the wake-up is never early.
const TICK_LATE: Duration = Duration::from_millis(2);

/// When a command that ended is started again; see the module's doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    /// A run at least this long resets the delay to `first`.
    pub reset_after: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_secs(1),
            max: Duration::from_secs(30),
            reset_after: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// The delay after `failures` earlier exits in a row (0: the first).
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 1u32.checked_shl(failures).unwrap_or(u32::MAX);
        self.first.saturating_mul(factor).min(self.max)
    }
}

/// The stream's masked log, in the session directory.
pub const FILE_NAME: &str = "logs/app.log";

/// What to stream. `run` says how (shell, flags, workdir, environment, kill
/// times) and where the log goes; its `id`, `append`, `log_header`,
/// `observer` and `end_leftovers` are the stream's to set.
#[derive(Debug, Clone)]
pub struct LogSpec {
    pub run: RunSpec,
    pub masker: Arc<Masker>,
    pub patterns: ErrorPatterns,
    pub backoff: Backoff,
}

impl LogSpec {
    /// `command` with the runner's defaults, the default error patterns and
    /// back-off.
    pub fn new(
        command: impl Into<String>,
        log_path: impl Into<PathBuf>,
        masker: Arc<Masker>,
    ) -> LogSpec {
        LogSpec {
            run: RunSpec::new(RunId(0), command, log_path),
            masker,
            patterns: ErrorPatterns::default(),
            backoff: Backoff::default(),
        }
    }
}

/// The loop's hold on the stream. Dropping it stops the stream like
/// [`LogHandle::stop`], without waiting: the worker sees its stop channel
/// close, kills the command's process group and starts nothing more.
#[derive(Debug)]
pub struct LogHandle {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl LogHandle {
    /// Kills the command's whole process group (the runner's escalation,
    /// SIGINT to SIGKILL) and returns once it is gone. Nothing is sent on
    /// the channel after this is called.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }

    /// The worker ended: stopped, or the loop's receiver was dropped.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

/// Starts streaming; must be called inside a Tokio runtime. A command that
/// cannot start is reported as `Exited` with an `error` and retried like one
/// that ended.
pub fn spawn(spec: LogSpec, tx: mpsc::Sender<LogMsg>) -> LogHandle {
    let (stop, stopped) = oneshot::channel();
    let counter = Arc::new(Counter::new(spec.patterns.clone(), Utc::now().timestamp()));
    let worker = Worker {
        spec,
        counter,
        outbox: Outbox::default(),
        attempt: 0,
        failures: 0,
    };
    LogHandle {
        stop,
        task: tokio::spawn(worker.run(tx, stopped)),
    }
}

/// Lines, errors and requests per second of wall time, filled by the
/// reader threads.
#[derive(Debug)]
struct Counter {
    patterns: ErrorPatterns,
    buckets: Mutex<Buckets>,
}

#[derive(Debug, Default)]
struct Buckets {
    /// The first second not yet reported; later lines never land before it.
    floor: i64,
    /// By Unix second.
    counts: BTreeMap<i64, Tally>,
}

/// One second's counts, before it is closed into a [`LogCount`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    lines: u32,
    errors: u32,
    requests: u32,
    server_errors: u32,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.lines = self.lines.saturating_add(other.lines);
        self.errors = self.errors.saturating_add(other.errors);
        self.requests = self.requests.saturating_add(other.requests);
        self.server_errors = self.server_errors.saturating_add(other.server_errors);
    }
}

impl LineObserver for Counter {
    fn observe(&self, _stream: Stream, lines: &str) {
        // The time the read returned, not the time the count is done.
        let second = Utc::now().timestamp();
        let mut t = Tally::default();
        for line in lines.split_terminator('\n') {
            t.lines = t.lines.saturating_add(1);
            if self.patterns.is_error(line) {
                t.errors = t.errors.saturating_add(1);
            }
            if let Some(a) = access::parse(line) {
                t.requests = t.requests.saturating_add(1);
                if a.is_server_error() {
                    t.server_errors = t.server_errors.saturating_add(1);
                }
            }
        }
        self.add(second, t);
    }
}

impl Counter {
    fn new(patterns: ErrorPatterns, now: i64) -> Counter {
        Counter {
            patterns,
            buckets: Mutex::new(Buckets {
                floor: now,
                counts: BTreeMap::new(),
            }),
        }
    }

    fn buckets(&self) -> MutexGuard<'_, Buckets> {
        // Counts are plain numbers: a panic elsewhere leaves them usable.
        self.buckets.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add(&self, second: i64, tally: Tally) {
        let mut b = self.buckets();
        // A second already reported (the clock stepped back, or the read
        // straddled the tick) goes into the first open one.
        let second = second.max(b.floor);
        b.counts.entry(second).or_default().add(tally);
    }

    /// The command ran during `second`: it is reported even if quiet.
    fn touch(&self, second: i64) {
        self.add(second, Tally::default());
    }

    /// Every second before `now` not yet reported, oldest first: those that
    /// had lines or were touched and, with `fill` (the command is running),
    /// the quiet ones as well.
    fn take(&self, now: i64, fill: bool) -> Vec<LogCount> {
        let mut b = self.buckets();
        if now <= b.floor {
            return Vec::new();
        }
        let later = b.counts.split_off(&now);
        let mut done = std::mem::replace(&mut b.counts, later);
        if fill {
            for s in b.floor.max(now - MAX_FILL)..now {
                done.entry(s).or_default();
            }
        }
        b.floor = now;
        drop(b);
        done.into_iter()
            .filter_map(|(s, t)| {
                Some(LogCount {
                    at: DateTime::from_timestamp(s, 0)?,
                    lines: t.lines,
                    errors: t.errors,
                    requests: t.requests,
                    server_errors: t.server_errors,
                })
            })
            .collect()
    }
}

/// Messages waiting for room in the loop's channel. Display lines are
/// merged into one message and the oldest dropped beyond the runner's
/// limits (counted in `skipped`); every other message waits its turn.
#[derive(Debug, Default)]
struct Outbox {
    queue: VecDeque<LogMsg>,
    lines: usize,
    bytes: usize,
}

impl Outbox {
    fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    fn push(&mut self, msg: LogMsg) {
        match msg {
            LogMsg::Lines { lines, skipped } => self.push_lines(lines, skipped),
            other => self.queue.push_back(other),
        }
    }

    fn push_lines(&mut self, lines: Vec<Line>, skipped: u64) {
        if lines.is_empty() && skipped == 0 {
            return;
        }
        self.lines += lines.len();
        self.bytes += lines.iter().map(|l| l.text.len()).sum::<usize>();
        match self.queue.back_mut() {
            Some(LogMsg::Lines {
                lines: held,
                skipped: held_skipped,
            }) => {
                if skipped == 0 {
                    held.extend(lines);
                } else {
                    // Lines were lost between the held ones and these: one
                    // message cannot say so, and under such a flood the held
                    // ones would soon be pushed out anyway.
                    self.lines -= held.len();
                    self.bytes -= held.iter().map(|l| l.text.len()).sum::<usize>();
                    *held_skipped += held.len() as u64 + skipped;
                    *held = lines;
                }
            }
            _ => self.queue.push_back(LogMsg::Lines { lines, skipped }),
        }
        self.trim();
    }

    fn trim(&mut self) {
        for msg in &mut self.queue {
            if self.lines <= PENDING_LINES && self.bytes <= PENDING_BYTES {
                return;
            }
            let LogMsg::Lines { lines, skipped } = msg else {
                continue;
            };
            let mut cut = 0;
            for line in lines.iter() {
                if self.lines <= PENDING_LINES && self.bytes <= PENDING_BYTES {
                    break;
                }
                self.lines -= 1;
                self.bytes -= line.text.len();
                cut += 1;
            }
            lines.drain(..cut);
            *skipped += cut as u64;
        }
    }

    fn pop(&mut self) -> Option<LogMsg> {
        let msg = self.queue.pop_front()?;
        if let LogMsg::Lines { lines, .. } = &msg {
            self.lines -= lines.len();
            self.bytes -= lines.iter().map(|l| l.text.len()).sum::<usize>();
        }
        Some(msg)
    }
}

enum Phase {
    Running {
        handle: RunHandle,
        events: mpsc::Receiver<ExecEvent>,
    },
    /// Until the restart.
    Waiting(Instant),
}

enum Step {
    Event(Option<ExecEvent>),
    Restart,
}

impl Phase {
    async fn next(&mut self) -> Step {
        match self {
            Phase::Running { events, .. } => Step::Event(events.recv().await),
            Phase::Waiting(at) => {
                tokio::time::sleep_until(*at).await;
                Step::Restart
            }
        }
    }

    fn is_running(&self) -> bool {
        matches!(self, Phase::Running { .. })
    }
}

struct Worker {
    spec: LogSpec,
    counter: Arc<Counter>,
    outbox: Outbox,
    /// Starts tried so far.
    attempt: u32,
    /// Exits in a row since the last run that stayed up.
    failures: u32,
}

impl Worker {
    async fn run(mut self, tx: mpsc::Sender<LogMsg>, mut stop: oneshot::Receiver<()>) {
        let mut phase = self.start();
        let tick = tokio::time::sleep_until(next_second());
        tokio::pin!(tick);
        loop {
            tokio::select! {
                biased;
                // A send or a drop of the handle: stop either way.
                _ = &mut stop => break,
                () = tx.closed() => break,
                permit = tx.reserve(), if !self.outbox.is_empty() => match (permit, self.outbox.pop()) {
                    (Ok(permit), Some(msg)) => permit.send(msg),
                    (Err(_), _) => break,
                    (Ok(_), None) => {}
                },
                () = &mut tick => {
                    let now = Utc::now().timestamp();
                    for count in self.counter.take(now, phase.is_running()) {
                        self.outbox.push(LogMsg::Count(count));
                    }
                    tick.as_mut().reset(next_second());
                }
                step = phase.next() => match step {
                    Step::Event(Some(ExecEvent::Started { pid, at, .. })) => {
                        self.outbox.push(LogMsg::Started { attempt: self.attempt, pid, at });
                    }
                    Step::Event(Some(ExecEvent::Output { lines, skipped, .. })) => {
                        self.outbox.push(LogMsg::Lines { lines, skipped });
                    }
                    Step::Event(Some(ExecEvent::Exited(exit))) => phase = self.exited(Some(&exit)),
                    // The runner always reports an exit; should its task be
                    // gone without one, the command is as good as ended.
                    Step::Event(None) => phase = self.exited(None),
                    Step::Restart => phase = self.start(),
                },
            }
        }
        if let Phase::Running { handle, mut events } = phase {
            handle.kill();
            while let Some(e) = events.recv().await {
                if matches!(e, ExecEvent::Exited(_)) {
                    break;
                }
            }
        }
    }

    fn start(&mut self) -> Phase {
        self.attempt = self.attempt.saturating_add(1);
        let now = Utc::now().timestamp();
        // The seconds of the pause before this start were not running.
        for count in self.counter.take(now, false) {
            self.outbox.push(LogMsg::Count(count));
        }
        let mut run = self.spec.run.clone();
        run.id = RunId(u64::from(self.attempt));
        run.append = true;
        run.end_leftovers = true;
        run.log_header = (self.attempt > 1)
            .then(|| format!("--- log stream restarted (attempt {}) ---", self.attempt));
        let observer: Arc<dyn LineObserver> = self.counter.clone();
        run.observer = Some(observer);
        let (events_tx, events) = mpsc::channel(CHANNEL_CAPACITY);
        match exec::spawn(run, self.spec.masker.clone(), events_tx) {
            Ok(handle) => {
                self.counter.touch(now);
                Phase::Running { handle, events }
            }
            Err(e) => {
                let restart_in = self.next_delay(None);
                self.outbox.push(LogMsg::Exited {
                    code: None,
                    signal: None,
                    error: Some(e.to_string()),
                    restart_in,
                });
                Phase::Waiting(Instant::now() + restart_in)
            }
        }
    }

    fn exited(&mut self, exit: Option<&Exit>) -> Phase {
        let now = Utc::now().timestamp();
        for count in self.counter.take(now, true) {
            self.outbox.push(LogMsg::Count(count));
        }
        // The second it ended in is reported at its end, with any lines a
        // background process still prints into the pipe.
        self.counter.touch(now);
        if let Some(e) = exit.and_then(|e| e.log_error.as_ref()) {
            log::warn!("log stream: writing the log: {e}");
        }
        let restart_in = self.next_delay(exit.map(|e| e.duration));
        self.outbox.push(LogMsg::Exited {
            code: exit.and_then(|e| e.code),
            signal: exit.and_then(|e| e.signal),
            error: None,
            restart_in,
        });
        Phase::Waiting(Instant::now() + restart_in)
    }

    fn next_delay(&mut self, ran_for: Option<Duration>) -> Duration {
        if ran_for.is_some_and(|d| d >= self.spec.backoff.reset_after) {
            self.failures = 0;
        }
        let delay = self.spec.backoff.delay(self.failures);
        self.failures = self.failures.saturating_add(1);
        delay
    }
}

/// Just after the next turn of a second of wall time.
fn next_second() -> Instant {
    let nanos = u64::from(Utc::now().timestamp_subsec_nanos().min(999_999_999));
    Instant::now() + Duration::from_nanos(1_000_000_000 - nanos) + TICK_LATE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(lines: u32, errors: u32) -> Tally {
        Tally {
            lines,
            errors,
            ..Tally::default()
        }
    }

    fn line(n: usize) -> Line {
        Line::new(Stream::Stdout, n.to_string())
    }

    #[test]
    fn the_backoff_doubles_to_its_cap() {
        let b = Backoff::default();
        let secs: Vec<u64> = (0..8).map(|n| b.delay(n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(30));
    }

    #[test]
    fn counts_cover_every_second_once() {
        let c = Counter::new(ErrorPatterns::default(), 100);
        c.observe(Stream::Stdout, "a\nERROR b\n\n");
        c.add(100, tally(2, 1));
        c.add(102, tally(5, 0));
        // Already past: goes into the first open second.
        c.add(99, tally(1, 1));
        let got: Vec<(i64, u32, u32)> = c
            .take(103, true)
            .iter()
            .map(|x| (x.at.timestamp(), x.lines, x.errors))
            .collect();
        // `observe` used the real clock: its lines are in a later second.
        assert_eq!(got, [(100, 3, 2), (101, 0, 0), (102, 5, 0)]);
        assert!(c.take(103, true).is_empty());
        c.add(50, tally(1, 0));
        c.touch(104);
        let got: Vec<(i64, u32)> = c
            .take(106, false)
            .iter()
            .map(|x| (x.at.timestamp(), x.lines))
            .collect();
        assert_eq!(got, [(103, 1), (104, 0)]);
        let now = Utc::now().timestamp();
        let observed: u32 = c.take(now + 1, false).iter().map(|x| x.lines).sum();
        assert_eq!(observed, 3);
    }

    #[test]
    fn access_lines_are_counted_as_requests_and_5xx() {
        let c = Counter::new(ErrorPatterns::default(), 0);
        let ok =
            r#"10.0.0.1 - - [30/Nov/2026:02:00:01 +0000] "GET /500 HTTP/1.1" 200 12 "-" "curl""#;
        let bad = r#"10.0.0.1 - - [30/Nov/2026:02:00:01 +0000] "GET / HTTP/1.1" 503 0 "-" "curl""#;
        c.observe(
            Stream::Stdout,
            &format!("{ok}\n{bad}\n{{\"status\":500}}\nINFO started\n"),
        );
        let counts = c.take(Utc::now().timestamp() + 1, false);
        let sum = counts.iter().fold((0, 0, 0), |(l, r, e), c| {
            (l + c.lines, r + c.requests, e + c.server_errors)
        });
        assert_eq!(sum, (4, 3, 2));
    }

    #[test]
    fn a_long_gap_is_not_filled_with_zeros() {
        let c = Counter::new(ErrorPatterns::default(), 0);
        c.add(0, tally(1, 0));
        let counts = c.take(10_000, true);
        assert_eq!(counts.len(), 1 + MAX_FILL as usize);
        assert_eq!(counts[0].lines, 1);
        assert_eq!(counts[1].at.timestamp(), 10_000 - MAX_FILL);
    }

    #[test]
    fn the_outbox_keeps_order_and_the_newest_lines() {
        let mut o = Outbox::default();
        o.push(LogMsg::Lines {
            lines: (0..10).map(line).collect(),
            skipped: 0,
        });
        o.push(LogMsg::Lines {
            lines: (10..20).map(line).collect(),
            skipped: 0,
        });
        let count = LogMsg::Count(LogCount {
            at: DateTime::from_timestamp(0, 0).unwrap(),
            lines: 1,
            ..LogCount::default()
        });
        o.push(count.clone());
        o.push(LogMsg::Lines {
            lines: (25..PENDING_LINES + 25).map(line).collect(),
            skipped: 5,
        });
        assert_eq!(o.lines, PENDING_LINES);
        let LogMsg::Lines { lines, skipped } = o.pop().unwrap() else {
            panic!("lines first");
        };
        assert_eq!((lines.len(), skipped), (0, 20));
        assert_eq!(o.pop().unwrap(), count);
        let LogMsg::Lines { lines, skipped } = o.pop().unwrap() else {
            panic!("then lines");
        };
        assert_eq!((lines.len(), skipped), (PENDING_LINES, 5));
        assert!(o.is_empty());
        assert_eq!((o.lines, o.bytes), (0, 0));

        o.push(LogMsg::Lines {
            lines: vec![line(1)],
            skipped: 0,
        });
        o.push(LogMsg::Lines {
            lines: vec![line(9)],
            skipped: 7,
        });
        assert_eq!(
            o.pop().unwrap(),
            LogMsg::Lines {
                lines: vec![line(9)],
                skipped: 8
            }
        );
    }
}
