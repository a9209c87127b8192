//! `rollout-cockpit check` as scripts and deployers call it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly by design

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn cockpit() -> Command {
    let mut cmd = Command::cargo_bin("rollout-cockpit").expect("binary");
    for var in [
        "PROD_DB_HOST",
        "DB_USER",
        "DB_PASSWORD",
        "ADMIN_TOKEN",
        "PRODUCTION_DATABASE_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn bundled_plan_summary() {
    cockpit()
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"Production Rollout Plan\""))
        .stdout(predicate::str::contains("65 items (0 checked)"))
        .stdout(predicate::str::contains(
            "\"Rollback Procedure\" (line 146): 5 steps, 2 commands",
        ))
        .stdout(predicate::str::contains(
            "22:00-02:00 America/New_York, at most 4 h, Tue/Wed/Thu",
        ))
        .stdout(predicate::str::contains(
            "terp-production-rollout.md (bundled):71: warning: unresolved placeholder [X]",
        ));
}

#[test]
fn json_contract_for_the_bundled_plan() {
    let out = cockpit()
        .args(["check", "--json"])
        .env("PROD_DB_HOST", "db.internal")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["title"], "Production Rollout Plan");
    assert_eq!(v["checklist_items"], 65);
    assert_eq!(v["checked_items"], 0);
    assert_eq!(v["commands"], 7);
    assert_eq!(v["manual_blocks"], 0);
    assert_eq!(v["templates"], 2);
    let rb = &v["rollback"];
    assert_eq!(
        (&rb["found"], &rb["steps"], &rb["commands"]),
        (&Value::from(true), &Value::from(5), &Value::from(2))
    );
    assert_eq!(
        (&rb["heading"], &rb["line"]),
        (&Value::from("Rollback Procedure"), &Value::from(146))
    );
    let kinds: Vec<&str> = rb["outline"]
        .as_array()
        .expect("outline")
        .iter()
        .map(|s| s["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["run", "optional", "manual", "manual", "manual"]);
    assert_eq!(rb["others"], serde_json::json!([]));
    assert_eq!(v["reference_blocks"], 0);
    let criteria = v["criteria"].as_array().expect("criteria");
    assert_eq!(criteria.len(), 5);
    assert_eq!(
        criteria[2],
        serde_json::json!({"text": "Error rate > 5% above baseline", "kind": "error_rate", "rule": "increase_points", "threshold": 5.0, "unit": "%", "line": 152, "for_s": null, "percentile": null})
    );
    assert_eq!(criteria[3]["kind"], "latency");
    assert_eq!(
        criteria[3]["percentile"], 95,
        "p95 when a latency rule names none"
    );
    assert_eq!(criteria[3]["rule"], "increase_percent");
    assert_eq!(criteria[3]["threshold"], 50.0);
    assert_eq!(criteria[0]["kind"], "manual");
    assert_eq!(criteria[0]["rule"], Value::Null);
    assert_eq!(criteria[0]["threshold"], Value::Null);
    let w = &v["window"];
    assert_eq!(
        (w["start"].as_str(), w["end"].as_str()),
        (Some("22:00"), Some("02:00"))
    );
    assert_eq!(w["tz"], "America/New_York");
    assert_eq!(w["max_hours"], 4);
    assert_eq!(
        w["preferred_days"],
        serde_json::json!(["Tue", "Wed", "Thu"])
    );
    let minutes: Vec<_> = v["checkpoints"]
        .as_array()
        .expect("checkpoints")
        .iter()
        .map(|c| c["before_start_minutes"].as_u64())
        .collect();
    assert_eq!(minutes, [Some(1440), Some(120), Some(30)]);
    assert!(v["checkpoints"][0]["title"].is_string() && v["checkpoints"][0]["line"] == 39);
    assert_eq!(
        v["health_urls"],
        serde_json::json!(["https://api.production.terp-app.local/health"])
    );
    assert_eq!(
        v["placeholders"][0],
        serde_json::json!({"text": "[X]", "line": 71})
    );
    let vars = v["env_vars"].as_array().expect("env_vars");
    assert_eq!(
        vars[0],
        serde_json::json!({"name": "PROD_DB_HOST", "set": true, "secret": false})
    );
    assert_eq!(
        vars[2],
        serde_json::json!({"name": "DB_PASSWORD", "set": false, "secret": true})
    );
    let warnings = v["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .all(|w| (w["line"].is_u64() || w["line"].is_null()) && w["message"].is_string())
    );
    assert!(
        warnings
            .iter()
            .any(|w| w["message"] == "$DB_PASSWORD is not set in this environment (secret)")
    );
    assert!(
        !warnings.iter().any(|w| w["message"]
            .as_str()
            .is_some_and(|m| m.contains("PROD_DB_HOST"))),
        "a set variable is no warning"
    );
}

#[test]
fn secret_values_never_reach_the_output() {
    for args in [vec!["check"], vec!["check", "--json"]] {
        cockpit()
            .args(&args)
            .env("DB_PASSWORD", "hunter2-very-secret")
            .env("ADMIN_TOKEN", "tok-abc-123")
            .assert()
            .success()
            .stdout(predicate::str::contains("hunter2").not())
            .stdout(predicate::str::contains("tok-abc-123").not());
    }
}

#[test]
fn missing_path_is_exit_2_naming_it() {
    cockpit()
        .args(["check", "no/such/runbook.md"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/runbook.md: no such file"));
}

#[test]
fn directory_is_exit_2_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    cockpit()
        .arg("check")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{}: is a directory",
            dir.path().display()
        )));
}

#[test]
fn empty_file_is_exit_2_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.md");
    std::fs::write(&path, " \n\n").expect("write");
    cockpit()
        .arg("check")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{}: is empty",
            path.display()
        )));
}

#[test]
fn a_binary_file_is_not_a_markdown_file_for_check_and_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("deploy.md");
    // An executable's header: ELF magic, then NUL padding.
    std::fs::write(&path, b"\x7fELF\x02\x01\x01\x00\x00\x00# not really\n").expect("write");
    for mode in ["check", "run"] {
        cockpit()
            .arg(mode)
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{}: not a Markdown file (binary content: a NUL byte at offset 7)",
                path.display()
            )));
    }
}

#[test]
fn unclosed_fence_and_bad_bytes_load_with_warnings() {
    let path = fixture("unclosed-fence.md");
    cockpit()
        .args(["check", &path])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "{path}:7: warning: code block is never closed"
        )));
    let path = fixture("latin1.md");
    cockpit()
        .args(["check", &path])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "{path}:1: warning: not valid UTF-8"
        )));
}

#[test]
fn bad_flag_is_a_usage_error() {
    cockpit()
        .args(["check", "--jsn"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--jsn"));
}

#[test]
fn help_explains_the_command() {
    cockpit()
        .args(["check", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("placeholders"))
        .stdout(predicate::str::contains("--json"))
        .stdout(predicate::str::contains(
            "bundled TERP production rollout plan",
        ));
}

/// Commands that wait for the operator are listed with the line of the
/// command itself (a console transcript counts its prompt lines), and what
/// only looks like one (a comment, an echo, `sudo -n`, `-p"$PW"`) is not.
#[test]
fn interactive_commands_are_listed_with_their_lines() {
    let path = fixture("interactive-steps.md");
    let out = cockpit()
        .args(["check", "--json", &path])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(
        v["interactive"],
        serde_json::json!([
            {"line": 17, "reason": "read -p prompts for input"},
            {"line": 32, "reason": "ssh -t opens a terminal"},
            {"line": 42, "reason": "read -p prompts for input"},
        ])
    );
    // The fields scripts already read are still there.
    assert_eq!(v["commands"], 5);
    cockpit()
        .args(["check", &path])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "interactive  3 commands run on the terminal: line 17 (read -p prompts for input), \
             line 32 (ssh -t opens a terminal), line 42 (read -p prompts for input)",
        ));
}

#[test]
fn a_plan_without_interactive_commands_lists_none() {
    let out = cockpit().args(["check", "--json"]).output().expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["interactive"], serde_json::json!([]));
    cockpit()
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("interactive").not());
}

/// A procedure written as a numbered list: its steps are rows, inline
/// commands and a one-line fence with no language are commands, an
/// announcement with no language stays a template, "Choose one:" is a
/// choice and "Roll back if ..." a criterion.
#[test]
fn numbered_steps_and_inline_commands_in_check_json() {
    let out = cockpit()
        .args(["check", "--json", &fixture("numbered-procedure.md")])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["checklist_items"], 10);
    assert_eq!(v["step_items"], 10);
    // 2 in step 5, 1 in step 2, 1 in each rollback option; `#billing-deploy`
    // is a channel, not a command.
    assert_eq!(v["inline_commands"], 5);
    assert_eq!(v["commands"], 6, "the inline ones and ./bin/migrate");
    assert_eq!(v["templates"], 1, "the announcement");
    let items = v["items"].as_array().expect("items");
    assert!(items.iter().all(|i| i["kind"] == "step"));
    assert_eq!(
        items[0]["text"],
        "Announce the release in `#billing-deploy`"
    );
    assert_eq!(
        (&items[6]["text"], &items[6]["depth"]),
        (&Value::from("Error rate"), &Value::from(1))
    );
    assert!(
        !items.iter().any(|i| i["text"]
            .as_str()
            .is_some_and(|t| t.contains("release app lists"))),
        "the Introduction's bullets are text"
    );
    let outline = &v["rollback"]["outline"];
    assert_eq!(outline[0]["kind"], "choice");
    assert_eq!(outline[0]["options"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["criteria"][0]["kind"], "error_rate");
    assert_eq!(v["criteria"][0]["threshold"], 2.0);
}

/// A count of one reads as one: "1 step, 1 command", "1 section".
#[test]
fn counts_of_one_are_singular() {
    let out = cockpit()
        .args(["check", &fixture("crlf.md")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 step, 1 command"), "{text}");
    let out = cockpit()
        .args(["check", &fixture("bare.md")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("0 items (0 checked) in 1 section\n"),
        "{text}"
    );
    let out = cockpit()
        .args(["check", &fixture("alternatives.md")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\n1 warning:"), "{text}");
}

/// Nothing to tick and nothing to run: `check` warns and `run` refuses
/// (unless `--force`), rather than opening an empty cockpit in the window.
#[test]
fn a_runbook_with_no_rows_is_refused_by_run() {
    cockpit()
        .args(["check", &fixture("bare.md")])
        .assert()
        .success()
        .stdout(predicate::str::contains("no checklist"));
    cockpit()
        .args(["run", &fixture("bare.md"), "--no-health"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to run or tick"))
        .stderr(predicate::str::contains("--force"));
    // --force passes the refusal by: what stops it here is the missing
    // terminal, the next check in line.
    let out = cockpit()
        .args(["run", &fixture("bare.md"), "--no-health", "--force"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("nothing to run or tick"), "{err}");
    assert!(err.contains("run needs a terminal"), "{err}");
}

/// Throughput and p90 are read with their rule, hold and percentile; a
/// manual criterion says why; a metric nothing will count says so.
#[test]
fn throughput_p90_and_manual_reasons_reach_the_json() {
    let out = cockpit()
        .args(["check", "--json", &fixture("throughput-criteria.md")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = v["criteria"].as_array().expect("criteria");
    assert_eq!(
        c[0],
        serde_json::json!({"text": "Throughput < 50% of baseline", "kind": "throughput", "rule": "decrease_percent", "threshold": 50.0, "unit": "%", "line": 11, "for_s": null, "percentile": null, "no_source": "throughput: no source, add --logs"})
    );
    assert_eq!(
        (&c[1]["percentile"], &c[1]["for_s"]),
        (&Value::from(90), &Value::from(120))
    );
    assert_eq!(c[1]["rule"], "above");
    assert_eq!(c[2]["kind"], "manual");
    assert_eq!(
        c[2]["reason"],
        "a host metric (CPU, memory, disk): the probe does not see it"
    );
    assert!(
        c[1].get("no_source").is_none(),
        "the probe measures latency"
    );

    let human = cockpit()
        .args(["check", &fixture("throughput-criteria.md")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("throughput more than -50% under baseline (needs --logs CMD or [logs] command); throughput: no source, add --logs"),
        "{text}"
    );
    assert!(
        text.contains("p90 latency above 800 ms, held 2 min"),
        "{text}"
    );

    // A log command in the config is a source.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cockpit.toml");
    std::fs::write(&config, "[logs]\ncommand = \"tail -F access.log\"\n").unwrap();
    let out = cockpit()
        .args(["check", "--json", "--config"])
        .arg(&config)
        .arg(fixture("throughput-criteria.md"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["criteria"][0].get("no_source").is_none(),
        "{}",
        v["criteria"][0]
    );
}

/// The rows only a second person may tick: the plan's two approvals by
/// their words, a config's `[rules] two_person` beside them; an entry that
/// names no row is a usage error naming it.
#[test]
fn check_lists_the_rows_that_need_a_second_person() {
    cockpit()
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "two-person   2 rows only someone other than the deployer may tick",
        ))
        .stdout(predicate::str::contains(
            "line 18 \"Technical lead approval\" (says \"approval\")",
        ))
        .stdout(predicate::str::contains(
            "line 19 \"Database admin approval (for schema changes)\" (says \"approval\")",
        ));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cockpit.toml");
    std::fs::write(
        &config,
        "[rules]\ntwo_person = [\"deployment window  APPROVED\"]\n",
    )
    .unwrap();
    let out = cockpit()
        .args(["check", "--json", "--config"])
        .arg(&config)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: Value = serde_json::from_slice(&out).unwrap();
    let rows: Vec<(String, String)> = json["two_person"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["text"].as_str().unwrap().to_string(),
                r["because"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Technical lead approval".to_string(), "says".to_string()),
            (
                "Database admin approval (for schema changes)".to_string(),
                "says".to_string()
            ),
            (
                "Deployment window approved".to_string(),
                "listed".to_string()
            ),
        ]
    );
    std::fs::write(&config, "[rules]\ntwo_person = [\"Deploy windw\"]\n").unwrap();
    cockpit()
        .arg("check")
        .arg("--config")
        .arg(&config)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "rules.two_person[0]: \"Deploy windw\" is not the text of any checklist item or step",
        ));
}
