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

#[test]
fn unknown_keys_and_tables_are_refused_at_every_level() {
    refused("colour = \"red\"\n", "colour");
    refused("[helth]\naccept_status = [200]\n", "helth");
    refused(
        "[baseline]\nerror_rate = 1\nlatency_ms = 10\nlatency = 3\n",
        "latency",
    );
    refused("[exec]\nshel = \"zsh\"\n", "shel");
    refused("[env.staging]\nrewrit = {}\n", "rewrit");
    refused(
        "[[probe]]\nurl = \"http://127.0.0.1:9/\"\nheader = {}\n",
        "header",
    );
    refused("[rollback]\nauto = \"5m\"\n", "auto");
    refused("[notify]\nwebhook = \"http://127.0.0.1:9/\"\n", "webhook");
    refused("[secrets]\nname = \"TOKEN\"\n", "name");
    refused("[logs]\ncomand = \"tail -f app.log\"\n", "comand");
    refused("[health]\naccept = [200]\n", "accept");
    refused("[keys]\ntock = \"t\"\n", "[keys] tock: unknown command");
    refused("[keys.tick]\nkey = \"t\"\n", "keys");
}

#[test]
fn a_rebinding_that_takes_another_commands_key_names_both() {
    refused(
        "[keys]\nrollback = \"x\"\n",
        "[keys] rollback: \"x\" is already the key of kill (rebind kill too)",
    );
    refused(
        "[keys]\ntick = \"j\"\n",
        "[keys] tick: \"j\" is already the key of down (rebind down too)",
    );
    // Both rebound: the same config passes `check`.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cockpit.toml");
    std::fs::write(&config, "[keys]\nrollback = \"x\"\nkill = \"K\"\n").unwrap();
    let out = cockpit()
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("[keys]"), "{err}");
    assert_ne!(out.status.code(), Some(2), "{err}");
}

#[test]
fn baseline_numbers_are_range_checked() {
    refused(
        "[baseline]\nerror_rate = -1\nlatency_ms = 10\n",
        "baseline.error_rate",
    );
    refused(
        "[baseline]\nerror_rate = 101\nlatency_ms = 10\n",
        "baseline.error_rate",
    );
    refused(
        "[baseline]\nerror_rate = nan\nlatency_ms = 10\n",
        "baseline.error_rate",
    );
    refused(
        "[baseline]\nerror_rate = 1\nlatency_ms = -5\n",
        "baseline.latency_ms",
    );
    refused(
        "[baseline]\nerror_rate = 1\nlatency_ms = inf\n",
        "baseline.latency_ms",
    );
    refused("[logs]\nerrors_above = 1e300\n", "logs.errors_above");
}

#[test]
fn a_webhook_from_an_unset_variable_is_refused() {
    refused(
        "[notify]\nwebhook_url = \"env:ROLLOUT_COCKPIT_TEST_NEVER_SET\"\n",
        "notify.webhook_url: environment variable ROLLOUT_COCKPIT_TEST_NEVER_SET is not set",
    );
}

#[test]
fn config_durations_name_the_file_and_key() {
    refused(
        "[rollback]\nauto_after = \"300000y\"\n",
        "rollback.auto_after",
    );
    refused("[rollback]\nauto_after = \"soon\"\n", "rollback.auto_after");
}

/// Durations and numbers on the command line: exit 2 naming the flag,
/// never a panic (`--window 300000y` was an overflow in the window).
#[test]
fn huge_durations_and_numbers_are_exit_2_naming_the_flag() {
    let huge = ["300000y", "18446744073709551615s", "31d"];
    for flag in [
        "--window",
        "--interval",
        "--timeout",
        "--for",
        "--baseline-for",
        "--duration",
    ] {
        for value in huge {
            cockpit()
                .args(["monitor", "--health", "http://127.0.0.1:9/", flag, value])
                .assert()
                .code(2)
                .stderr(
                    predicate::str::contains(flag).and(predicate::str::contains("panicked").not()),
                );
        }
    }
    for flag in [
        "--window",
        "--interval",
        "--timeout",
        "--for",
        "--auto-rollback-after",
    ] {
        for value in huge {
            let dir = tempfile::tempdir().unwrap();
            cockpit()
                .args(["run", "--no-health", "--session-dir"])
                .arg(dir.path())
                .args([flag, value])
                .assert()
                .code(2)
                .stderr(predicate::str::contains(flag));
        }
    }
    for (flag, value) in [
        ("--latency-floor-ms", "1e300"),
        ("--latency-increase", "1e300"),
        ("--latency-floor-ms", "NaN"),
        ("--latency-increase", "inf"),
    ] {
        cockpit()
            .args(["monitor", "--health", "http://127.0.0.1:9/", flag, value])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(flag));
    }
    cockpit()
        .args(["monitor", "--health", "http://127.0.0.1:9/"])
        .args([
            "--baseline-error-rate",
            "1",
            "--baseline-latency-ms",
            "1e300",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--baseline-latency-ms"));
    let dir = tempfile::tempdir().unwrap();
    cockpit()
        .args(["run", "--no-health", "--session-dir"])
        .arg(dir.path())
        .args(["--log-errors-above", "1e300"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--log-errors-above"));
}

/// A criterion whose number is not a plain number above 0 is no threshold:
/// `check` says so with the line, and `--json` shows no threshold for it.
#[test]
fn criteria_numbers_are_read_strictly() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = dir.path().join("r.md");
    let huge = format!("1{}", "0".repeat(400));
    std::fs::write(
        &runbook,
        format!(
            "# R\n\n## Rollback Procedure\n\n### Decision Criteria for Rollback\n\n\
             - Error rate > 1e400% above baseline\n\
             - Error rate > -5% above baseline\n\
             - Latency more than {huge}% above baseline\n\
             - Error rate > 5% above baseline\n"
        ),
    )
    .unwrap();
    let out = cockpit().arg("check").arg(&runbook).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("r.md:7: warning: criterion \"Error rate > 1e400% above baseline\": 1e400"),
        "{text}"
    );
    assert!(
        text.contains("r.md:8: warning: criterion \"Error rate > -5% above baseline\": -5"),
        "{text}"
    );
    assert!(text.contains("r.md:9: warning"), "{text}");
    let json = cockpit()
        .args(["check", "--json"])
        .arg(&runbook)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let criteria = v["criteria"].as_array().unwrap();
    let thresholds: Vec<&serde_json::Value> = criteria.iter().map(|c| &c["threshold"]).collect();
    assert_eq!(
        thresholds,
        [
            &serde_json::Value::Null,
            &serde_json::Value::Null,
            &serde_json::Value::Null,
            &serde_json::json!(5.0)
        ],
        "{v}"
    );
}

/// TOML errors say where as editors do: `file:line:col: message`.
#[test]
fn toml_errors_name_file_line_and_column() {
    for (toml, said) in [
        (
            "[health]\naccept_status = [200\n",
            "cockpit.toml:2:21: health.accept_status: unclosed array, expected `]`",
        ),
        (
            "environment = \"x\"\n[helth]\nx = 1\n",
            "cockpit.toml:2:2: unknown field `helth`",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("cockpit.toml");
        std::fs::write(&config, toml).unwrap();
        cockpit()
            .args(["check", "--config"])
            .arg(&config)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(said));
    }
}
