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
