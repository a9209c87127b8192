//! The log_errors criterion from the outside: a runbook's log line as
//! `check` and `monitor` read it, and the flags and config that set it up.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly by design

use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/log-criteria.md";

fn cockpit() -> Command {
    let mut cmd = Command::cargo_bin("rollout-cockpit").expect("binary");
    cmd.timeout(Duration::from_secs(20));
    cmd
}

#[test]
fn check_json_lists_the_log_criteria() {
    let out = cockpit()
        .args(["check", "--json", FIXTURE])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let criteria: Vec<(String, Value, Option<f64>, Value, u64)> = v["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["rule"].clone(),
                c["threshold"].as_f64(),
                c["unit"].clone(),
                c["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = |kind: &str, rule: Value, threshold: Option<f64>, unit: Value, line| {
        (kind.to_string(), rule, threshold, unit, line)
    };
    assert_eq!(
        criteria,
        [
            want(
                "error_rate",
                "increase_points".into(),
                Some(2.0),
                "%".into(),
                13
            ),
            want("log_errors", "above".into(), Some(10.0), "/min".into(), 14),
            want(
                "log_errors",
                "increase_percent".into(),
                Some(100.0),
                "%".into(),
                15
            ),
            want("manual", Value::Null, None, Value::Null, 16),
            want("manual", Value::Null, None, Value::Null, 17),
        ]
    );
}

#[test]
fn check_says_a_log_criterion_needs_a_stream() {
    cockpit()
        .args(["check", FIXTURE])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "More than 10 errors per minute in logs  ->  log errors above 10/min (needs --logs CMD or [logs] command)",
        ))
        .stdout(predicate::str::contains(
            "Error lines per minute doubled over baseline  ->  log errors more than +100% over baseline",
        ));
}

#[test]
fn monitor_leaves_log_criteria_out_and_says_so() {
    let out = cockpit()
        .args([
            "monitor",
            "--runbook",
            FIXTURE,
            // Nothing listens on the discard port: the probes fail fast.
            "--health",
            "http://127.0.0.1:9/health",
            "--interval",
            "200ms",
            "--duration",
            "1s",
            "--json",
        ])
        .output()
        .expect("runs");
    // A service down throughout judges nothing: inconclusive, not ok.
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("2 log criteria not judged (they need a log stream: add --logs CMD)"),
        "{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The run ends on its verdict (inconclusive: a dead port gave no
    // baseline); the evaluation before it lists the criteria judged.
    assert_eq!(lines.last().expect("a line")["verdict"], "inconclusive");
    let last = lines
        .iter()
        .rev()
        .find(|v| v.get("criteria").is_some())
        .expect("an evaluation");
    let kinds: Vec<&str> = last["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["error_rate"], "{last}");
}

/// `run` with flags that must be refused before anything starts.
fn run_refused(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = cockpit()
        .arg("run")
        .args(args)
        .args(["--no-health", "--session-dir"])
        .arg(dir.path())
        .arg(FIXTURE)
        .write_stdin("")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no session was started"
    );
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn log_flags_are_checked_at_parse_time() {
    let e = run_refused(&["--log-errors-above", "-3"]);
    assert!(
        e.contains("'--log-errors-above <N>'") && e.contains("at least 0"),
        "{e}"
    );
    let e = run_refused(&["--log-errors-above", "ten"]);
    assert!(
        e.contains("'--log-errors-above <N>'") && e.contains("\"ten\" is not a number"),
        "{e}"
    );
    let e = run_refused(&["--log-pattern", "ERROR", "--log-pattern", "(unclosed"]);
    assert!(
        e.contains("invalid value '(unclosed' for '--log-pattern <REGEX>'")
            && e.contains("not a valid regular expression (unclosed group)"),
        "{e}"
    );
    let e = run_refused(&["--logs", " "]);
    assert!(
        e.contains("'--logs <CMD>'") && e.contains("the command is empty"),
        "{e}"
    );
}

#[test]
fn a_bad_logs_table_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cockpit.toml");
    for (toml, want) in [
        (
            "[logs]\nerror_patterns = [\"ERROR\", \"[unclosed\"]\n",
            "logs.error_patterns: \"[unclosed\" is not a valid regular expression",
        ),
        (
            "[logs]\nerrors_above = -5\n",
            "logs.errors_above: -5 must be a number of at least 0",
        ),
        (
            "[logs]\npatterns = [\"ERROR\"]\n",
            "unknown field `patterns`",
        ),
    ] {
        std::fs::write(&config, toml).unwrap();
        let e = run_refused(&["--config", config.to_str().unwrap()]);
        assert!(
            e.contains("cockpit.toml") && e.contains(want),
            "{toml}: {e}"
        );
    }
}

#[test]
fn run_help_explains_the_log_flags() {
    let out = cockpit().args(["run", "--help"]).output().expect("runs");
    assert!(out.status.success());
    // Words wrap wherever the terminal's width puts them.
    let help = String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "Log stream:",
        "--logs <CMD>",
        "--log-errors-above <N>",
        "--log-pattern <REGEX>",
        "[config: [logs] command]",
        "[config: [logs] errors_above]",
        "[config: [logs] error_patterns]",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}
