//! `rollout-cockpit monitor --logs CMD`: the gate judging an access log that
//! real bash prints at a controlled rate and 5xx share, on the monitor's own
//! wall clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;
use serde_json::Value;

/// Prints 10 combined-format access lines every 100 ms, `$2` of each 10 a
/// 500 once `$1` batches have gone by (0 before): a step in the 5xx share
/// at a known request count. `$3`, when given, is the share before it.
const ACCESS_LOG: &str = r#"
batch=0
while true; do
  batch=$((batch + 1))
  bad=${3:-0}
  if [ "$batch" -gt "$1" ]; then bad=$2; fi
  for i in 0 1 2 3 4 5 6 7 8 9; do
    if [ "$i" -lt "$bad" ]; then status=500; else status=200; fi
    echo "10.1.2.3 - - [30/Nov/2026:23:00:00 +0000] \"GET /api/orders/$i HTTP/1.1\" $status 512 \"-\" \"k6/0.50\""
  done
  sleep 0.1
done
"#;

struct Script {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn script(text: &str) -> Script {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("access-log.sh");
    std::fs::write(&path, text).unwrap();
    Script { _dir: dir, path }
}

struct Run {
    code: Option<i32>,
    lines: Vec<Value>,
    stderr: String,
    took: Duration,
}

fn monitor(args: &[&str]) -> Run {
    let started = Instant::now();
    let out = assert_cmd::Command::new(cargo_bin("rollout-cockpit"))
        .arg("monitor")
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    Run {
        code: out.status.code(),
        lines: stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        took: started.elapsed(),
    }
}

/// The gate on an access log alone, with the default rules, fast: 200 ms
/// evaluations, the baseline after 1.5 s (about 120 requests), a 500 ms hold.
fn gate(logs: &str, duration: &str) -> Run {
    gate_with(&[], logs, duration)
}

/// [`gate`] with more flags (`--runbook`).
fn gate_with(more: &[&str], logs: &str, duration: &str) -> Run {
    let mut args = more.to_vec();
    args.extend([
        "--logs",
        logs,
        "--json",
        "--interval",
        "200ms",
        "--baseline-for",
        "1500ms",
        "--for",
        "500ms",
        "--duration",
        duration,
    ]);
    monitor(&args)
}

fn error_rate_criterion(line: &Value) -> &Value {
    line["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "error_rate")
        .unwrap_or_else(|| panic!("no error_rate criterion: {line}"))
}

/// Clean for 25 batches (about 3 s, 250 requests), then 3 of every 10
/// requests a 500: the default +5 pp rule, judged on the access log with
/// nothing probed, fires within a few seconds of the step and says where
/// its number came from.
#[test]
fn a_5xx_step_in_the_access_log_fires_and_names_it() {
    let s = script(ACCESS_LOG);
    let cmd = format!("bash {} 25 3", s.path.display());
    let run = gate(&cmd, "20s");
    assert_eq!(run.code, Some(3), "{}\n{:?}", run.stderr, run.lines);
    assert!(
        run.stderr
            .contains("rollout-cockpit monitor: rollback criterion fired: err")
            && run.stderr.contains("(access log) vs 0.0% base"),
        "{}",
        run.stderr
    );
    // Nothing probed: the latency rule is said to be dropped, not left to
    // read "no data" for good.
    assert!(
        run.stderr.contains("1 latency criteria not judged"),
        "{}",
        run.stderr
    );
    let last = run.lines.last().unwrap();
    assert_eq!(last["verdict"], "firing", "{last}");
    let c = error_rate_criterion(last);
    assert_eq!(c["source"], "access_log", "{c}");
    assert_eq!(c["state"], "firing", "{c}");
    // Pinned from the clean requests alone.
    assert_eq!(last["baseline"]["request_error_rate"], 0.0, "{last}");
    assert!(
        last["baseline"]["throughput"].as_f64().unwrap() > 10.0,
        "{last}"
    );
    let requests = &last["requests"];
    assert!(requests["server_errors"].as_u64().unwrap() > 0, "{last}");
    // Over +5 pp on the minute's share, or on the requests since the step
    // (the sequential test, which sees it first).
    let text = c["text"].as_str().unwrap();
    assert!(
        requests["error_rate"].as_f64().unwrap() > 5.0 || text.contains("requests failed"),
        "{last}"
    );
    // Never firing while the share was clean: the first breach comes
    // after the pin.
    let first_breach = run
        .lines
        .iter()
        .position(|l| l["verdict"] == "pending" || l["verdict"] == "firing")
        .unwrap();
    let pinned = run
        .lines
        .iter()
        .position(|l| !l["baseline"].is_null())
        .unwrap();
    assert!(pinned < first_breach, "{:?}", run.lines);
    // From the first evaluation that saw a 5xx (the step's first counted
    // second) to the firing one: the step outweighs the clean minute within
    // a second or two of counts, then the 500 ms hold.
    let ts = |l: &Value| chrono::DateTime::parse_from_rfc3339(l["ts"].as_str().unwrap()).unwrap();
    let seen = run
        .lines
        .iter()
        .find(|l| l["requests"]["server_errors"].as_u64().unwrap_or(0) > 0)
        .unwrap();
    let detection = (ts(last) - ts(seen)).to_std().unwrap();
    eprintln!(
        "5xx step: fired {detection:?} after the first 5xx was counted, {:?} after the start",
        run.took
    );
    assert!(detection < Duration::from_secs(4), "{detection:?}");
    assert!(run.took < Duration::from_secs(10), "took {:?}", run.took);
}

/// 1 request in 50 a 500 throughout: the share the baseline was pinned at
/// never fires, and the gate passes when --duration ends.
#[test]
fn a_steady_access_log_passes_at_the_duration() {
    // 2 of 10 in every fifth batch only: `$3` for every batch would be 10%.
    let steady = ACCESS_LOG.replace(
        r#"  bad=${3:-0}"#,
        r#"  bad=0; if [ $((batch % 10)) -eq 0 ]; then bad=2; fi"#,
    );
    let s = script(&steady);
    let cmd = format!("bash {} 1000000 0", s.path.display());
    let run = gate(&cmd, "5s");
    assert_eq!(run.code, Some(0), "{}\n{:?}", run.stderr, run.lines);
    let last = run.lines.last().unwrap();
    assert_eq!(last["verdict"], "ok", "{last}");
    assert!(
        run.lines
            .iter()
            .all(|l| l["verdict"] != "pending" && l["verdict"] != "firing"),
        "{:?}",
        run.lines
    );
    let c = error_rate_criterion(last);
    assert_eq!(c["source"], "access_log", "{c}");
    assert!(last["requests"]["total"].as_u64().unwrap() >= 100, "{last}");
    assert!(last["throughput"].as_f64().unwrap() > 10.0, "{last}");
    assert!(!last["baseline"].is_null(), "{last}");
    assert!(
        run.took >= Duration::from_secs(5) && run.took < Duration::from_secs(9),
        "took {:?}",
        run.took
    );
}

/// An application log without a single access line: the runbook's
/// throughput rule had nothing to count, which is no pass.
#[test]
fn no_access_line_for_a_throughput_rule_is_inconclusive() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/throughput-criteria.md"
    );
    let run = gate_with(
        &["--runbook", fixture],
        "while true; do echo 'INFO worker: job 42 done'; sleep 0.1; done",
        "2500ms",
    );
    assert_eq!(run.code, Some(4), "{}\n{:?}", run.stderr, run.lines);
    assert!(
        run.stderr
            .contains("inconclusive: the log stream showed no access line (")
            && run
                .stderr
                .contains("the throughput criterion needs requests to judge"),
        "{}",
        run.stderr
    );
    let last = run.lines.last().unwrap();
    assert_eq!(last["verdict"], "inconclusive", "{last}");
    assert!(
        last["reason"].as_str().unwrap().contains("no access line"),
        "{last}"
    );
    // While it ran, the rule said where its number would come from.
    let throughput = run.lines[0]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "throughput")
        .unwrap()
        .clone();
    assert_eq!(throughput["source"], "access_log", "{throughput}");
    assert_eq!(throughput["state"], "no_data", "{throughput}");
}

/// A command that ends: said on stderr, and until it runs again its
/// figures are no data, never the minute it last counted.
#[test]
fn an_exited_log_command_is_said_and_its_figures_are_no_data() {
    let run = gate(
        "for i in $(seq 30); do echo '10.1.2.3 - - [30/Nov/2026:23:00:00 +0000] \"GET / HTTP/1.1\" 200 5'; done; sleep 1.2; exit 7",
        // Room for a loaded machine: the exit comes ~1.2 s after bash starts.
        "6s",
    );
    assert_eq!(run.code, Some(0), "{}\n{:?}", run.stderr, run.lines);
    assert!(
        run.stderr
            .contains("exited with code 7; its figures are no data"),
        "{}",
        run.stderr
    );
    let counted = run
        .lines
        .iter()
        .position(|l| l.get("requests").is_some())
        .unwrap();
    let gap = run.lines[counted..]
        .iter()
        .find(|l| l.get("requests").is_none())
        .unwrap_or_else(|| panic!("the figures outlived the stream: {:?}", run.lines));
    assert_eq!(error_rate_criterion(gap)["state"], "no_data", "{gap}");
    assert_eq!(gap["verdict"], "no_data", "{gap}");
}

#[test]
fn a_bad_log_flag_is_a_usage_error_naming_it() {
    for (args, flag) in [
        (
            &["--logs", "true", "--log-errors-above", "lots"][..],
            "--log-errors-above",
        ),
        (
            &["--logs", "true", "--log-pattern", "(unclosed"][..],
            "--log-pattern",
        ),
        (&["--logs", "  "][..], "--logs"),
        (
            &["--health", "http://127.0.0.1:9/", "--log-errors-above", "3"][..],
            "--log-errors-above",
        ),
    ] {
        let run = monitor(args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(flag), "{args:?}: {}", run.stderr);
        assert!(run.lines.is_empty(), "{args:?}");
    }
}
