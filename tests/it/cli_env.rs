//! `run --env NAME`: environment profiles chosen on the command line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use predicates::prelude::*;

fn cockpit() -> Command {
    Command::cargo_bin("rollout-cockpit").expect("binary")
}

#[test]
fn unknown_env_without_config_is_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    cockpit()
        .args(["run", "--env", "nope", "--session-dir"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--env nope").and(predicate::str::contains("[env.nope]")));
    // Refused before anything was written.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn unknown_env_lists_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cockpit.toml");
    std::fs::write(
        &config,
        "[env.staging]\nrewrite = { \"api.production.terp-app.local\" = \"api.staging.terp-app.local\" }\n",
    )
    .unwrap();
    cockpit()
        .args(["run", "--env", "nope", "--config"])
        .arg(&config)
        .arg("--session-dir")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--env nope").and(predicate::str::contains("known: staging")),
        );
}

#[test]
fn a_bad_rewrite_is_exit_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cockpit.toml");
    std::fs::write(
        &config,
        "[env.staging]\nrewrite = { \"a.local\" = \"ftp://b.local\" }\n",
    )
    .unwrap();
    cockpit()
        .args(["run", "--env", "staging", "--config"])
        .arg(&config)
        .arg("--session-dir")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("cockpit.toml").and(predicate::str::contains(
                "[env.staging] rewrite \"a.local\"",
            )),
        );
}

#[test]
fn demo_flags_are_checked() {
    cockpit()
        .args(["demo", "--speed", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("speed"));
    cockpit()
        .args(["demo", "--scenario", "explode"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("degrade").and(predicate::str::contains("healthy")));
    cockpit()
        .args(["demo", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--speed").and(predicate::str::contains("--session-dir")));
}

/// `demo --port`: the simulated service where a Prometheus's scrape config
/// says; a port taken is said, with the port, before anything starts.
#[test]
fn the_demo_service_listens_on_the_port_asked_for() {
    use rollout_cockpit::demo::{Scenario, ScenarioConfig, Service};
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    cockpit()
        .args(["demo", "--port", &port.to_string()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "cannot listen on 127.0.0.1:{port}"
        )));
    drop(taken);
    let config = ScenarioConfig {
        port,
        ..ScenarioConfig::new(Scenario::Degrade, 1.0, "t")
    };
    let bound = Service::bind(config).unwrap();
    assert_eq!(bound.addr().port(), port);
    cockpit()
        .args(["demo", "--port", "http"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--port"));
}

/// `run` piped or scripted: told why, exit 2, and no session left behind.
#[test]
fn run_without_a_terminal_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sessions");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-cockpit"))
        .args(["run", "--no-health", "--operator", "t", "--session-dir"])
        .arg(&root)
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("run needs a terminal"), "{err}");
    assert!(
        !root.exists() || std::fs::read_dir(&root).unwrap().count() == 0,
        "no session created"
    );
}
