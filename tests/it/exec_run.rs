//! The runner with real `bash`: what a deployer sees in the pane and finds in
//! the log file when a step runs, fails, prints secrets or must be killed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::harness::procs;

use rollout_cockpit::domain::exec::{
    self, ExecEvent, Exit, KillPolicy, Line, Masker, OutputBuffer, RunId, RunSpec, SecretNames,
    Stream,
};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

const DEADLINE: Duration = Duration::from_secs(20);

struct Run {
    events: Vec<ExecEvent>,
    exit: Exit,
}

impl Run {
    fn lines(&self) -> Vec<Line> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ExecEvent::Output { lines, .. } => Some(lines.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    fn texts(&self) -> Vec<String> {
        self.lines().into_iter().map(|l| l.text).collect()
    }
}

fn spec(dir: &Path, id: u64, code: &str) -> RunSpec {
    let mut s = RunSpec::new(RunId(id), code, dir.join(format!("run-{id}.log")));
    s.workdir = dir.to_path_buf();
    s
}

fn masker() -> Arc<Masker> {
    Arc::new(Masker::default())
}

/// Every message of one run, up to and including `Exited`.
async fn collect(rx: &mut mpsc::Receiver<ExecEvent>) -> Run {
    let mut events = Vec::new();
    loop {
        let e = timeout(DEADLINE, rx.recv())
            .await
            .expect("the run ends in time")
            .expect("the channel stays open");
        if let ExecEvent::Exited(exit) = &e {
            let exit = exit.clone();
            events.push(e);
            return Run { events, exit };
        }
        events.push(e);
    }
}

async fn run(dir: &Path, code: &str) -> Run {
    let (tx, mut rx) = mpsc::channel(exec::CHANNEL_CAPACITY);
    exec::spawn(spec(dir, 1, code), masker(), tx).unwrap();
    collect(&mut rx).await
}

#[tokio::test]
async fn a_slow_printer_shows_each_line_before_it_exits() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(exec::CHANNEL_CAPACITY);
    exec::spawn(
        spec(dir.path(), 7, "for i in 1 2 3; do echo $i; sleep 0.2; done"),
        masker(),
        tx,
    )
    .unwrap();
    let first = timeout(DEADLINE, rx.recv()).await.unwrap().unwrap();
    assert!(matches!(first, ExecEvent::Started { id: RunId(7), pid, .. } if pid > 0));
    let mut seen = Vec::new();
    let mut arrivals = Vec::new();
    let exit = loop {
        match timeout(DEADLINE, rx.recv()).await.unwrap().unwrap() {
            ExecEvent::Output { lines, skipped, .. } => {
                assert_eq!(skipped, 0);
                arrivals.push(Instant::now());
                seen.extend(lines.into_iter().map(|l| l.text));
            }
            ExecEvent::Exited(e) => break e,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(seen, ["1", "2", "3"]);
    // One message per line: each was on screen while the next was pending.
    assert_eq!(arrivals.len(), 3);
    assert!(arrivals[2] - arrivals[0] >= Duration::from_millis(300));
    assert!(exit.success() && exit.duration >= Duration::from_millis(600));
    assert_eq!(exit.lines, 3);
}

#[tokio::test]
async fn exit_codes_and_fail_fast() {
    let dir = tempfile::tempdir().unwrap();
    let ok = run(dir.path(), "echo fine").await;
    assert_eq!((ok.exit.code, ok.exit.signal), (Some(0), None));
    assert_eq!(run(dir.path(), "exit 3").await.exit.code, Some(3));
    let e = run(dir.path(), "echo before; false; echo never").await;
    assert_eq!(e.exit.code, Some(1));
    assert_eq!(e.texts(), ["before"]);
    let p = run(dir.path(), "false | true; echo never").await;
    assert_eq!(p.exit.code, Some(1));
    assert!(p.texts().is_empty());
}

#[tokio::test]
async fn stderr_is_tagged_and_nothing_is_lost_at_exit() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), "echo out; echo err >&2; printf 'no newline'").await;
    let mut lines = r.lines();
    lines.sort_by(|a, b| a.text.cmp(&b.text));
    assert_eq!(
        lines,
        [
            Line::new(Stream::Stderr, "err"),
            Line::new(Stream::Stdout, "no newline"),
            Line::new(Stream::Stdout, "out"),
        ]
    );
    let log = std::fs::read_to_string(dir.path().join("run-1.log")).unwrap();
    assert!(log.contains("out\n") && log.contains("err\n") && log.contains("no newline\n"));
}

#[tokio::test]
async fn the_environment_and_workdir_reach_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(exec::CHANNEL_CAPACITY);
    let mut s = spec(dir.path(), 1, "echo \"$APP_ID in $(pwd)\"");
    s.env.push(("APP_ID".into(), "terp-42".into()));
    exec::spawn(s, masker(), tx).unwrap();
    let r = collect(&mut rx).await;
    let here = dir.path().canonicalize().unwrap();
    assert_eq!(r.texts(), [format!("terp-42 in {}", here.display())]);
    let mut bad = spec(dir.path(), 2, "true");
    bad.workdir = dir.path().join("missing");
    let (tx, _rx) = mpsc::channel(1);
    let err = exec::spawn(bad, masker(), tx).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
}

fn quick_kill() -> KillPolicy {
    KillPolicy {
        term_after: Duration::from_millis(300),
        kill_after: Duration::from_millis(700),
        drain_grace: Duration::from_millis(500),
    }
}

/// Starts `code`, waits for its first line, kills it, returns the first
/// line and the exit.
async fn kill_after_first_line(dir: &Path, code: &str) -> (String, Exit) {
    let (tx, mut rx) = mpsc::channel(exec::CHANNEL_CAPACITY);
    let mut s = spec(dir, 1, code);
    s.kill = quick_kill();
    let handle = exec::spawn(s, masker(), tx).unwrap();
    let first = loop {
        if let ExecEvent::Output { lines, .. } =
            timeout(DEADLINE, rx.recv()).await.unwrap().unwrap()
            && let Some(l) = lines.into_iter().next()
        {
            break l.text;
        }
    };
    assert!(handle.kill());
    let r = collect(&mut rx).await;
    (first, r.exit)
}

#[tokio::test]
async fn kill_leaves_no_grandchild_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (first, exit) = kill_after_first_line(dir.path(), "sleep 1000 & echo $!; wait").await;
    let grandchild: i32 = first.parse().unwrap();
    assert!(
        procs::eventually_gone(grandchild, Duration::from_secs(3)).await,
        "grandchild {grandchild} survived"
    );
    assert!(!exit.success());
    assert!(exit.sent.is_some());
    assert!(exit.duration < Duration::from_secs(5));
}

#[tokio::test]
async fn a_command_ignoring_sigint_gets_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (_, exit) = kill_after_first_line(
        dir.path(),
        "trap '' INT; echo ready; while :; do sleep 0.05; done",
    )
    .await;
    assert_eq!(exit.signal, Some(libc_sig::TERM));
    assert_eq!(exit.sent, Some(libc_sig::TERM));
}

#[tokio::test]
async fn a_command_ignoring_sigint_and_sigterm_gets_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let (first, exit) = kill_after_first_line(
        dir.path(),
        "trap '' INT TERM; sleep 1000 & echo $!; while :; do sleep 0.05; done",
    )
    .await;
    assert_eq!(exit.signal, Some(libc_sig::KILL));
    assert_eq!(exit.sent, Some(libc_sig::KILL));
    assert!(procs::eventually_gone(first.parse().unwrap(), Duration::from_secs(3)).await);
}

mod libc_sig {
    pub const TERM: i32 = 15;
    pub const KILL: i32 = 9;
}

#[tokio::test]
async fn placeholder_values_cannot_inject() {
    let dir = tempfile::tempdir().unwrap();
    let value = r#"it's "a b" $(touch pwned) `touch pwned2` ;rm -rf x; $HOME \ "#;
    std::fs::create_dir(dir.path().join("x")).unwrap();
    let code = "echo <V>\necho '<V>'\necho \"<V>\"\necho \"$(echo <V>)\"\ncat <<EOF\n<V>\nEOF";
    let values = HashMap::from([("<V>".to_string(), value.to_string())]);
    let cmd = exec::substitute(code, &["<V>"], &values, &Masker::default()).unwrap();
    let r = run(dir.path(), &cmd.text).await;
    assert!(r.exit.success(), "{:?} {:?}", r.exit, r.texts());
    assert_eq!(r.texts(), [value; 5], "{}", cmd.text);
    assert!(!dir.path().join("pwned").exists());
    assert!(!dir.path().join("pwned2").exists());
    assert!(dir.path().join("x").exists());
}

#[tokio::test]
async fn each_secret_form_is_masked_on_screen_and_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let session = [("DB_PASSWORD".to_string(), "hunter2secret".to_string())];
    let masker = Arc::new(Masker::with_vars(SecretNames::default(), session.clone()));
    let (tx, mut rx) = mpsc::channel(exec::CHANNEL_CAPACITY);
    let code = r#"echo "pw is $DB_PASSWORD"
echo "url mysql://admin:urlpass99@db.internal/app"
echo "mysqldump -u root -pDashPass77 app" >&2
echo "Authorization: Bearer abc.def"
printf 'chunked %s' "$DB_PASSWORD"; sleep 0.05; echo ' end'"#;
    let mut s = spec(dir.path(), 1, code);
    s.env = session.to_vec();
    exec::spawn(s, masker, tx).unwrap();
    let r = collect(&mut rx).await;
    let log = std::fs::read_to_string(dir.path().join("run-1.log")).unwrap();
    let mut shown = r.texts();
    shown.sort();
    let mut want = vec![
        "pw is ••••",
        "url mysql://admin:••••@db.internal/app",
        "mysqldump -u root -p•••• app",
        "Authorization: Bearer ••••",
        "chunked •••• end",
    ];
    want.sort();
    assert_eq!(shown, want);
    for secret in ["hunter2secret", "urlpass99", "DashPass77", "abc.def"] {
        assert!(!log.contains(secret), "{secret} in log:\n{log}");
    }
    assert_eq!(log.matches("••••").count(), 5, "{log}");
}

#[tokio::test]
async fn several_runs_at_once_keep_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(exec::CHANNEL_CAPACITY);
    for id in 1..=3 {
        exec::spawn(
            spec(dir.path(), id, &format!("sleep 0.1; echo run{id}")),
            masker(),
            tx.clone(),
        )
        .unwrap();
    }
    drop(tx);
    let mut by_id: HashMap<u64, Vec<String>> = HashMap::new();
    let mut exits = 0;
    while let Some(e) = timeout(DEADLINE, rx.recv()).await.unwrap() {
        match e {
            ExecEvent::Output { id, lines, .. } => by_id
                .entry(id.0)
                .or_default()
                .extend(lines.into_iter().map(|l| l.text)),
            ExecEvent::Exited(_) => exits += 1,
            ExecEvent::Started { .. } => {}
        }
    }
    assert_eq!(exits, 3);
    for id in 1..=3 {
        assert_eq!(by_id[&id], [format!("run{id}")]);
    }
}

#[tokio::test]
async fn a_slow_screen_skips_lines_but_the_log_keeps_them_all() {
    let dir = tempfile::tempdir().unwrap();
    // A one-slot channel that nobody reads until the command has finished.
    let (tx, mut rx) = mpsc::channel(1);
    exec::spawn(spec(dir.path(), 1, "seq 1 200000"), masker(), tx).unwrap();
    let log_path = dir.path().join("run-1.log");
    let until = Instant::now() + DEADLINE;
    while std::fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0) < 1_288_895 {
        assert!(Instant::now() < until, "the log stalled behind the screen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = collect(&mut rx).await;
    let mut pane = OutputBuffer::default();
    for e in &r.events {
        if let ExecEvent::Output { lines, skipped, .. } = e {
            pane.extend(*skipped, lines.iter().cloned());
        }
    }
    assert_eq!(pane.total(), 200_000);
    assert!(pane.skipped() > 0);
    assert_eq!(pane.iter().last().unwrap().1.text, "200000");
    assert_eq!(r.exit.lines, 200_000);
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert_eq!(log.lines().count(), 200_000);
}

#[tokio::test]
async fn twenty_megabytes_drain_with_a_bounded_pane() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        dir.path(),
        // `yes` dies of SIGPIPE when `head` has enough: not a failure here.
        "set +o pipefail; yes 'some line of output from a busy command' | head -c 20000000",
    )
    .await;
    assert!(r.exit.success());
    let len = std::fs::metadata(dir.path().join("run-1.log"))
        .unwrap()
        .len();
    assert_eq!(len, 20_000_000);
    assert_eq!(r.exit.lines, 500_000);
    let mut pane = OutputBuffer::default();
    for e in r.events {
        if let ExecEvent::Output { lines, skipped, .. } = e {
            pane.extend(skipped, lines);
        }
    }
    assert_eq!(pane.total(), r.exit.lines);
    assert!(pane.len() <= 10_000);
}

/// Records what the readers hand to an observer.
#[derive(Debug, Default)]
struct Seen {
    text: std::sync::Mutex<Vec<(Stream, String)>>,
}

impl exec::LineObserver for Seen {
    fn observe(&self, stream: Stream, lines: &str) {
        self.text.lock().unwrap().push((stream, lines.to_string()));
    }
}

#[tokio::test]
async fn an_observer_sees_every_masked_line_and_append_keeps_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let seen = Arc::new(Seen::default());
    let mut first = spec(dir.path(), 1, "echo first");
    first.log_path = dir.path().join("shared.log");
    let (tx, mut rx) = mpsc::channel(exec::CHANNEL_CAPACITY);
    exec::spawn(first.clone(), masker(), tx).unwrap();
    collect(&mut rx).await;

    let mut second = first;
    second.code = "seq 1 50000; echo 'db postgres://u:pw123456@h/db' >&2; printf tail".into();
    second.append = true;
    second.log_header = Some("--- again postgres://u:pw123456@h/db ---".into());
    second.observer = Some(seen.clone());
    let (tx, mut rx) = mpsc::channel(1);
    exec::spawn(second, masker(), tx).unwrap();
    // Not reading until the log is complete: display lines are dropped,
    // the observer must still see them all. Complete is both streams' last
    // line: each has its own reader, so stderr's line may land after "tail".
    let log_path = dir.path().join("shared.log");
    let complete = || {
        let log = std::fs::read_to_string(&log_path).unwrap();
        log.contains("\ntail\n") && log.contains("db postgres://u:••••@h/db\n")
    };
    let deadline = Instant::now() + DEADLINE;
    while !complete() {
        assert!(Instant::now() < deadline, "the log is never complete");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = collect(&mut rx).await;
    assert_eq!(r.exit.lines, 50_002);

    let seen = seen.text.lock().unwrap();
    let stdout: String = seen
        .iter()
        .filter(|(s, _)| *s == Stream::Stdout)
        .map(|(_, t)| t.as_str())
        .collect();
    let expected: String = (1..=50_000).map(|i| format!("{i}\n")).collect();
    assert_eq!(stdout, format!("{expected}tail\n"));
    assert!(seen.iter().all(|(_, t)| t.ends_with('\n')));
    assert!(seen.contains(&(Stream::Stderr, "db postgres://u:••••@h/db\n".into())));

    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.starts_with("first\n--- again postgres://u:••••@h/db ---\n1\n2\n"));
    assert!(!log.contains("pw123456"));
}

#[tokio::test]
async fn leftovers_can_be_ended_when_the_shell_exits() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec(dir.path(), 1, "sleep 1000 & echo $!; exit 4");
    s.kill = quick_kill();
    s.end_leftovers = true;
    let (tx, mut rx) = mpsc::channel(exec::CHANNEL_CAPACITY);
    exec::spawn(s, masker(), tx).unwrap();
    let r = collect(&mut rx).await;
    let grandchild: i32 = r.texts()[0].parse().unwrap();
    assert!(
        procs::eventually_gone(grandchild, Duration::from_secs(3)).await,
        "{grandchild} survived"
    );
    assert_eq!(r.exit.code, Some(4));
    // SIGTERM: background processes ignore SIGINT.
    assert_eq!(r.exit.sent, Some(15));
}
