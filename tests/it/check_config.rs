//! `check --config`: the variables `run` will mask are the ones `check`
//! calls secret, and a bad file is a usage error naming the key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;

const PLAN: &str = "# Plan\n\n## Steps\n\n- [ ] Deploy\n  ```bash\n  deploy --sig \"$RELEASE_SIGNATURE\" --host \"$DB_HOST\"\n  ```\n";

fn check(dir: &std::path::Path, config: Option<&str>) -> assert_cmd::assert::Assert {
    let plan = dir.join("plan.md");
    std::fs::write(&plan, PLAN).unwrap();
    let mut cmd = Command::cargo_bin("rollout-cockpit").unwrap();
    cmd.arg("check").arg(&plan).arg("--json");
    if let Some(text) = config {
        let path = dir.join("cockpit.toml");
        std::fs::write(&path, text).unwrap();
        cmd.arg("--config").arg(&path);
    }
    cmd.env_remove("RELEASE_SIGNATURE")
        .env_remove("DB_HOST")
        .assert()
}

fn secret_of(out: &[u8], name: &str) -> bool {
    let v: serde_json::Value = serde_json::from_slice(out).unwrap();
    v["env_vars"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {v}"))["secret"]
        .as_bool()
        .unwrap()
}

#[test]
fn the_configs_secret_names_decide_what_check_calls_secret() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(dir.path(), None)
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(
        !secret_of(&out, "RELEASE_SIGNATURE"),
        "not secret by default"
    );
    let out = check(
        dir.path(),
        Some("[secrets]\nnames = \"(?i)SIGNATURE|PASSWORD\"\n"),
    )
    .success()
    .get_output()
    .stdout
    .clone();
    assert!(secret_of(&out, "RELEASE_SIGNATURE"), "secret by the config");
    assert!(!secret_of(&out, "DB_HOST"));
}

#[test]
fn a_bad_config_is_a_usage_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(dir.path(), Some("[secrets]\nnames = \"(unclosed\"\n")).code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("cockpit.toml") && err.contains("secrets.names"),
        "{err}"
    );
}

fn sources(out: &[u8]) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(out).unwrap();
    v["metric_sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["metric"].as_str().unwrap().to_string(),
                m["source"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The error rate is the access log's only when a log stream is configured,
/// and whether its lines are access lines is known only at run time.
#[test]
fn check_says_where_each_criterion_reads_its_metric() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(dir.path(), None)
        .success()
        .get_output()
        .stdout
        .clone();
    let got = sources(&out);
    assert_eq!(got.len(), 2, "the default rules: {got:?}");
    assert_eq!(got[0].0, "error_rate");
    assert!(got[0].1.starts_with("probe"), "{got:?}");
    assert_eq!(got[1], ("latency".into(), "probe".into()));
    let out = check(
        dir.path(),
        Some("[logs]\ncommand = \"tail -F access.log\"\n"),
    )
    .success()
    .get_output()
    .stdout
    .clone();
    assert_eq!(
        sources(&out)[0],
        (
            "error_rate".into(),
            "access log when its lines are access lines, else the probe".into()
        )
    );
    // A Prometheus in the config is where `run` reads all three.
    let out = check(
        dir.path(),
        Some("[prometheus]\nurl = \"http://prom:9090\"\n"),
    )
    .success()
    .get_output()
    .stdout
    .clone();
    assert_eq!(
        sources(&out),
        [
            ("error_rate".into(), "prometheus".into()),
            ("latency".into(), "prometheus".into())
        ]
    );
    check(
        dir.path(),
        Some("[logs]\ncommand = \"tail -F access.log\"\n"),
    )
    .success();
    // The summary says it too.
    let plan = dir.path().join("plan.md");
    let human = Command::cargo_bin("rollout-cockpit")
        .unwrap()
        .arg("check")
        .arg(&plan)
        .arg("--config")
        .arg(dir.path().join("cockpit.toml"))
        .env_remove("RELEASE_SIGNATURE")
        .env_remove("DB_HOST")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let human = String::from_utf8(human).unwrap();
    assert!(
        human.contains(
            "  source       error_rate (default): access log when its lines are access lines, else the probe"
        ),
        "{human}"
    );
}
