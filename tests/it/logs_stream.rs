//! The log stream with real `bash`: exact counts at a steady rate and under
//! a flood, restarts with a back-off, masking, and a stop that leaves no
//! process behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::harness::procs;

use rollout_cockpit::domain::exec::{KillPolicy, Line, Masker, SecretNames};
use rollout_cockpit::domain::logs::{self, Backoff, LogCount, LogHandle, LogMsg, LogSpec};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

const DEADLINE: Duration = Duration::from_secs(20);

fn spec(dir: &Path, command: &str) -> LogSpec {
    let mut s = LogSpec::new(
        command,
        dir.join("logs/stream.log"),
        Arc::new(Masker::default()),
    );
    s.run.workdir = dir.to_path_buf();
    s.run.kill = KillPolicy {
        term_after: Duration::from_millis(300),
        kill_after: Duration::from_millis(700),
        drain_grace: Duration::from_millis(500),
    };
    // No restart within a test unless it asks for one.
    s.backoff.first = Duration::from_secs(600);
    s
}

fn log_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("logs/stream.log")).unwrap_or_default()
}

async fn recv(rx: &mut mpsc::Receiver<LogMsg>) -> LogMsg {
    timeout(DEADLINE, rx.recv())
        .await
        .expect("a message in time")
        .expect("the stream is still open")
}

/// What one run of the command sent, summed up.
#[derive(Debug, Default)]
struct Run {
    started: Vec<u32>,
    lines: Vec<Line>,
    skipped: u64,
    counts: Vec<LogCount>,
    exit: Option<LogMsg>,
}

impl Run {
    fn texts(&self) -> Vec<&str> {
        self.lines.iter().map(|l| l.text.as_str()).collect()
    }

    fn totals(&self) -> (u64, u64) {
        self.counts.iter().fold((0, 0), |(l, e), c| {
            (l + u64::from(c.lines), e + u64::from(c.errors))
        })
    }
}

/// Every message up to the command's exit, and then the count of the
/// second it exited in (the last one that can hold its lines).
async fn until_exit(rx: &mut mpsc::Receiver<LogMsg>) -> Run {
    let mut run = Run::default();
    loop {
        let msg = recv(rx).await;
        match msg {
            LogMsg::Started { attempt, .. } => run.started.push(attempt),
            LogMsg::Lines { lines, skipped } => {
                run.skipped += skipped;
                run.lines.extend(lines);
            }
            LogMsg::Count(c) => {
                run.counts.push(c);
                if run.exit.is_some() {
                    return run;
                }
            }
            exit @ LogMsg::Exited { .. } => run.exit = Some(exit),
        }
    }
}

fn assert_whole_consecutive_seconds(counts: &[LogCount]) {
    for c in counts {
        assert_eq!(c.at.timestamp_subsec_nanos(), 0, "{c:?}");
    }
    for pair in counts.windows(2) {
        assert_eq!(
            (pair[1].at - pair[0].at).num_seconds(),
            1,
            "a second missing or repeated: {counts:?}"
        );
    }
}

#[tokio::test]
async fn counts_at_a_steady_rate_sum_to_what_was_printed() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let started = chrono::Utc::now();
    // 120 lines over about three seconds, every fourth an error; a pause
    // that holds at least one whole quiet second; then 30 access-log 5xx.
    let command = r#"
        for i in $(seq 1 120); do
          if (( i % 4 == 0 )); then echo "ERROR failed $i"; else echo "INFO ok $i"; fi
          sleep 0.02
        done
        sleep 2.2
        for i in $(seq 1 30); do echo "10.0.0.$i - - \"GET /api/orders HTTP/1.1\" 503 12"; done
    "#;
    let _handle = logs::spawn(spec(dir.path(), command), tx);
    let run = until_exit(&mut rx).await;

    assert_eq!(run.started, [1]);
    assert_eq!(run.totals(), (150, 60));
    assert_eq!(run.lines.len(), 150);
    assert_eq!(run.skipped, 0);
    assert_whole_consecutive_seconds(&run.counts);
    // The first second is reported even before its first line (the start
    // may fall just past the turn of the second `started` was taken in).
    let first = run.counts[0].at.timestamp() - started.timestamp();
    assert!((0..=1).contains(&first), "{first}");
    assert!(
        run.counts.iter().filter(|c| c.lines > 0).count() >= 3,
        "spread over seconds: {:?}",
        run.counts
    );
    let first_busy = run.counts.iter().position(|c| c.lines > 0).unwrap();
    let last_busy = run.counts.iter().rposition(|c| c.lines > 0).unwrap();
    assert!(
        run.counts[first_busy..last_busy]
            .iter()
            .any(|c| (c.lines, c.errors) == (0, 0)),
        "a quiet second is reported as 0/0: {:?}",
        run.counts
    );
    assert!(matches!(
        run.exit,
        Some(LogMsg::Exited {
            code: Some(0),
            error: None,
            ..
        })
    ));
    assert_eq!(log_text(dir.path()).lines().count(), 150);
}

#[tokio::test]
async fn a_flood_is_counted_exactly_though_the_screen_skips_lines() {
    let dir = tempfile::tempdir().unwrap();
    // Nobody reads this one-slot channel until the command has finished.
    let (tx, mut rx) = mpsc::channel(1);
    let command = r#"seq 1 200000 | awk '{ if ($1 % 10 == 0) print "ERROR item " $1; else print "INFO item " $1 }'"#;
    let _handle = logs::spawn(spec(dir.path(), command), tx);
    let until = Instant::now() + DEADLINE;
    while !log_text(dir.path()).ends_with("ERROR item 200000\n") {
        assert!(Instant::now() < until, "the log stalled behind the screen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let run = until_exit(&mut rx).await;

    assert_eq!(run.totals(), (200_000, 20_000));
    assert!(run.skipped > 0);
    assert_eq!(run.lines.len() as u64 + run.skipped, 200_000);
    assert!(run.lines.len() <= 20_000);
    assert_eq!(run.texts().last(), Some(&"ERROR item 200000"));
    assert_whole_consecutive_seconds(&run.counts);
    assert_eq!(log_text(dir.path()).lines().count(), 200_000);
}

#[tokio::test]
async fn an_exit_is_followed_by_restarts_with_a_growing_backoff() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let mut s = spec(dir.path(), "echo run; exit 3");
    s.backoff = Backoff {
        first: Duration::from_millis(100),
        max: Duration::from_millis(400),
        reset_after: Duration::from_secs(60),
    };
    let handle = logs::spawn(s, tx);

    let mut starts = Vec::new();
    let mut exits = Vec::new();
    let mut exited_at = None;
    while exits.len() < 5 {
        match recv(&mut rx).await {
            LogMsg::Started { attempt, .. } => {
                if let Some((at, wait)) = exited_at.take() {
                    let waited = Instant::now() - at;
                    assert!(waited >= wait, "restarted after {waited:?}, not {wait:?}");
                }
                starts.push(attempt);
            }
            LogMsg::Exited {
                code,
                signal,
                error,
                restart_in,
            } => {
                assert_eq!((code, signal, error), (Some(3), None, None));
                exited_at = Some((Instant::now(), restart_in));
                exits.push(restart_in.as_millis());
            }
            _ => {}
        }
    }
    handle.stop().await;
    assert_eq!(starts, [1, 2, 3, 4, 5]);
    assert_eq!(exits, [100, 200, 400, 400, 400]);

    let log = log_text(dir.path());
    let expected = "run\n--- log stream restarted (attempt 2) ---\nrun\n\
                    --- log stream restarted (attempt 3) ---\nrun\n\
                    --- log stream restarted (attempt 4) ---\nrun\n\
                    --- log stream restarted (attempt 5) ---\nrun\n";
    assert!(log.starts_with(expected), "{log}");
}

#[tokio::test]
async fn a_run_that_stayed_up_resets_the_backoff_and_a_failed_start_is_retried() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let mut s = spec(dir.path(), "sleep 0.3; exit 1");
    s.run.workdir = dir.path().join("not-yet");
    s.backoff = Backoff {
        first: Duration::from_millis(100),
        max: Duration::from_millis(400),
        reset_after: Duration::from_millis(200),
    };
    let handle = logs::spawn(s, tx);

    // The working directory is missing: the start fails and is retried.
    let LogMsg::Exited {
        error: Some(error),
        restart_in,
        ..
    } = recv(&mut rx).await
    else {
        panic!("a failed start is reported as an exit");
    };
    assert!(error.contains("not-yet"), "{error}");
    std::fs::create_dir(dir.path().join("not-yet")).unwrap();
    assert_eq!(restart_in, Duration::from_millis(100));

    let mut exits = Vec::new();
    let mut starts = Vec::new();
    while exits.len() < 3 {
        match recv(&mut rx).await {
            LogMsg::Started { attempt, .. } => starts.push(attempt),
            LogMsg::Exited {
                code, restart_in, ..
            } => {
                assert_eq!(code, Some(1));
                exits.push(restart_in.as_millis());
            }
            _ => {}
        }
    }
    handle.stop().await;
    // The failed start may have been retried more than once before the
    // directory appeared; every run that lasted resets the delay.
    assert!(starts.len() >= 3 && starts.windows(2).all(|w| w[1] == w[0] + 1));
    assert_eq!(exits, [100, 100, 100]);
}

#[tokio::test]
async fn secrets_are_masked_on_screen_and_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let masker = Masker::with_vars(SecretNames::default(), [("DB_PASSWORD", "hunter2secret")]);
    let mut s = spec(
        dir.path(),
        r#"echo "login with $DB_PASSWORD"; echo "ERROR connect postgres://u:pw123456@h/db failed" >&2"#,
    );
    s.masker = Arc::new(masker);
    s.run.env = vec![("DB_PASSWORD".into(), "hunter2secret".into())];
    let _handle = logs::spawn(s, tx);
    let run = until_exit(&mut rx).await;

    let mut texts = run.texts();
    texts.sort_unstable();
    assert_eq!(
        texts,
        [
            "ERROR connect postgres://u:••••@h/db failed",
            "login with ••••"
        ]
    );
    assert_eq!(run.totals(), (2, 1));
    let log = log_text(dir.path());
    assert!(log.contains("login with ••••\n"), "{log}");
    assert!(log.contains("postgres://u:••••@h/db"), "{log}");
    for secret in ["hunter2secret", "pw123456"] {
        assert!(!log.contains(secret), "{log}");
    }
}

/// Starts a stream whose command leaves a background grandchild and prints
/// ticks; returns the handle, the channel and the grandchild's pid.
async fn stream_with_grandchild(dir: &Path) -> (LogHandle, mpsc::Receiver<LogMsg>, i32) {
    let (tx, mut rx) = mpsc::channel(16);
    let mut s = spec(
        dir,
        "sleep 300 & echo \"grandchild $!\"; while true; do echo tick; sleep 0.05; done",
    );
    s.backoff.first = Duration::from_millis(10);
    let handle = logs::spawn(s, tx);
    let pid = loop {
        if let LogMsg::Lines { lines, .. } = recv(&mut rx).await
            && let Some(pid) = lines
                .iter()
                .find_map(|l| l.text.strip_prefix("grandchild "))
        {
            break pid.parse().unwrap();
        }
    };
    assert!(!procs::gone(pid));
    (handle, rx, pid)
}

/// After a stop, what is left in the channel is from before it, and then
/// the channel closes: no restart.
async fn assert_no_restart(rx: &mut mpsc::Receiver<LogMsg>) {
    while let Some(msg) = timeout(DEADLINE, rx.recv()).await.unwrap() {
        assert!(
            !matches!(msg, LogMsg::Started { .. } | LogMsg::Exited { .. }),
            "{msg:?}"
        );
    }
}

#[tokio::test]
async fn stop_kills_the_whole_group_and_starts_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let (handle, mut rx, grandchild) = stream_with_grandchild(dir.path()).await;
    timeout(DEADLINE, handle.stop()).await.unwrap();
    assert!(
        procs::eventually_gone(grandchild, Duration::from_secs(5)).await,
        "grandchild {grandchild} survived"
    );
    assert_no_restart(&mut rx).await;
}

#[tokio::test]
async fn dropping_the_handle_stops_the_stream_too() {
    let dir = tempfile::tempdir().unwrap();
    let (handle, mut rx, grandchild) = stream_with_grandchild(dir.path()).await;
    drop(handle);
    assert!(
        procs::eventually_gone(grandchild, Duration::from_secs(5)).await,
        "grandchild {grandchild} survived"
    );
    assert_no_restart(&mut rx).await;
}

#[tokio::test]
async fn what_an_exited_command_left_running_is_ended_before_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let handle = logs::spawn(
        spec(dir.path(), "sleep 300 & echo \"grandchild $!\"; exit 1"),
        tx,
    );
    let run = until_exit(&mut rx).await;
    let pid: i32 = run.texts()[0]
        .strip_prefix("grandchild ")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        procs::eventually_gone(pid, Duration::from_secs(5)).await,
        "grandchild {pid} survived"
    );
    assert!(matches!(
        run.exit,
        Some(LogMsg::Exited { code: Some(1), .. })
    ));
    handle.stop().await;
}
