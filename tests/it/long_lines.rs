//! A line with no blank far longer than the cut limit (a minified bundle, a
//! base64 blob) through the real runner and the real log stream: it is cut,
//! logged whole, the command exits on its own (no SIGPIPE from a reader
//! that died), and what follows it still arrives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rollout_cockpit::domain::exec::{self, ExecEvent, KillPolicy, Masker, RunId, RunSpec};
use rollout_cockpit::domain::logs::{self, LogMsg, LogSpec};
use tokio::sync::mpsc;
use tokio::time::timeout;

const DEADLINE: Duration = Duration::from_secs(20);

/// 64 KiB of `x` with no newline, its first 16 KiB read alone (the pause),
/// then one more line: the shapes that panicked the reader (a cut exactly
/// at the carry's end).
const PRINT: &str = "head -c 16384 /dev/zero | tr '\\0' x; sleep 0.3; \
                     head -c 49152 /dev/zero | tr '\\0' x; echo; \
                     head -c 49152 /dev/zero | tr '\\0' y; echo; echo after";

fn joined(log: &str) -> String {
    log.replace('\n', "")
}

fn expected() -> String {
    format!("{}{}after", "x".repeat(65536), "y".repeat(49152))
}

#[tokio::test]
async fn a_64k_line_with_no_blank_through_the_runner() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log");
    let mut spec = RunSpec::new(RunId(1), PRINT, &log);
    spec.workdir = dir.path().to_path_buf();
    let (tx, mut rx) = mpsc::channel(exec::CHANNEL_CAPACITY);
    exec::spawn(spec, Arc::new(Masker::default()), tx).unwrap();
    let mut shown = Vec::new();
    let exit = loop {
        match timeout(DEADLINE, rx.recv()).await.unwrap().unwrap() {
            ExecEvent::Output { lines, .. } => shown.extend(lines.into_iter().map(|l| l.text)),
            ExecEvent::Exited(e) => break e,
            ExecEvent::Started { .. } => {}
        }
    };
    assert!(exit.success(), "{exit:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(joined(&text), expected());
    assert_eq!(shown.last().map(String::as_str), Some("after"));
    assert!(shown.iter().all(|l| l.len() <= exec::ingest::MAX_LINE));
}

fn log_spec(dir: &Path) -> LogSpec {
    let mut s = LogSpec::new(
        PRINT,
        dir.join("logs/stream.log"),
        Arc::new(Masker::default()),
    );
    s.run.workdir = dir.to_path_buf();
    s.run.kill = KillPolicy {
        term_after: Duration::from_millis(300),
        kill_after: Duration::from_millis(700),
        drain_grace: Duration::from_millis(500),
    };
    s.backoff.first = Duration::from_secs(600);
    s
}

#[tokio::test]
async fn a_64k_line_with_no_blank_through_the_log_stream() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let _handle = logs::spawn(log_spec(dir.path()), tx);
    let mut last = String::new();
    loop {
        match timeout(DEADLINE, rx.recv()).await.unwrap().unwrap() {
            LogMsg::Lines { lines, .. } => {
                if let Some(l) = lines.last() {
                    last = l.text.clone();
                }
            }
            LogMsg::Exited {
                code,
                signal,
                error,
                ..
            } => {
                assert_eq!((code, signal, error), (Some(0), None, None));
                break;
            }
            _ => {}
        }
    }
    assert_eq!(last, "after");
    let text = std::fs::read_to_string(dir.path().join("logs/stream.log")).unwrap();
    assert_eq!(joined(&text), expected());
}
