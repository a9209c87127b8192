//! A config file is read strictly: every error is exit 2 and names the
//! file and the key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use predicates::prelude::*;

fn cockpit() -> Command {
    Command::cargo_bin("rollout-cockpit").expect("binary")
}

/// `run --config` with `toml`: exit 2, stderr naming the file and `key`.
fn refused(toml: &str, key: &str) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cockpit.toml");
    std::fs::write(&config, toml).unwrap();
    cockpit()
        .args(["run", "--no-health", "--config"])
        .arg(&config)
        .arg("--session-dir")
        .arg(dir.path().join("sessions"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cockpit.toml").and(predicate::str::contains(key)));
}

#[test]
fn secret_patterns_must_compile_and_match_something() {
    refused(
        "[secrets]\npatterns = [\"(unclosed\"]\n",
        "secrets.patterns",
    );
    refused("[secrets]\npatterns = [\"x*\"]\n", "secrets.patterns");
    refused("[secrets]\nnames = \"[\"\n", "secrets.names");
}
