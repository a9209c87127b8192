//! In a real terminal, on a real team's rollback runbook (labels_lab's, with
//! stand-ins for kubectl, curl, git, gh and watch that only write down how
//! they were called): `R` `y` runs step 1, stops at step 2 and asks which of
//! Options A, B and C; `2` runs Option B alone, never Option C's
//! `git push origin main`; the journal records the choice and who made it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;

use crate::harness::corpus;
use crate::harness::tmux::Cockpit;

fn stub(dir: &std::path::Path, name: &str) {
    let path = dir.join(name);
    std::fs::write(
        &path,
        "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \"$CALLS\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
#[cfg_attr(
    all(no_corpus, not(no_tmux)),
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn the_rollback_asks_which_option_and_runs_option_b_alone() {
    let runbook = corpus::file("real/03-labels-lab-rollback.md");
    let tools = tempfile::tempdir().unwrap();
    for name in ["kubectl", "curl", "git", "gh", "watch"] {
        stub(tools.path(), name);
    }
    let calls = tools.path().join("calls.log");
    let path = format!(
        "{}:{}",
        tools.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let calls_s = calls.display().to_string();
    let args = format!("run '{}' --no-health --operator e2e", runbook.display());
    let c = Cockpit::start_with_env(
        "rc-choice",
        120,
        40,
        &args,
        &[
            ("PATH", &path),
            ("CALLS", &calls_s),
            ("SLACK_WEBHOOK", "http://127.0.0.1:9/hook"),
            ("INCIDENT_ID", "42"),
            ("STATUS_TOKEN", "st-secret-token"),
        ],
    );
    let tmux = &c.tmux;
    // Step 3 runs ./scripts/health-check.sh from the work directory.
    std::fs::create_dir_all(c.work.join("scripts")).unwrap();
    stub(&c.work.join("scripts"), "health-check.sh");
    tmux.wait_for("the cockpit", |s| s.contains("Prerequisites"));
    tmux.keys(&["R"]);
    tmux.wait_for("the rollback confirm with every option's commands", |s| {
        s.contains("ROLL BACK") && s.contains("asks which one")
    });
    tmux.keys(&["y"]);
    let ask = tmux.wait_for("the choice", |s| {
        s.contains("Which one?") && s.contains("Option B: Specific Version Rollback")
    });
    assert!(ask.contains("git push origin main"), "{ask}");
    let before = std::fs::read_to_string(&calls).unwrap();
    assert!(
        before.contains("kubectl get pods -n production"),
        "{before}"
    );
    assert!(
        !before.contains("rollout"),
        "nothing of step 2 yet:\n{before}"
    );
    tmux.keys(&["2"]);
    tmux.wait_for("the rollback's end", |s| s.contains("rollback finished"));
    let calls = std::fs::read_to_string(&calls).unwrap();
    assert!(
        calls.contains("kubectl rollout history deployment/app -n production")
            && calls.contains("kubectl rollout undo deployment/app -n production --to-revision=42"),
        "{calls}"
    );
    // Options A and C never ran.
    assert!(!calls.contains("rollout status"), "{calls}");
    assert!(!calls.contains("git "), "{calls}");
    // The steps after the choice ran in order.
    assert!(
        calls.contains("scripts/health-check.sh production")
            || calls.contains("health-check.sh production"),
        "{calls}"
    );
    assert!(calls.contains("gh issue comment 42"), "{calls}");
    let journal = c.journal();
    let choice = journal
        .lines()
        .find(|l| l.contains("\"type\":\"rollback_choice\""))
        .expect("the choice is journaled");
    assert!(
        choice.contains("\"by\":\"e2e\"")
            && choice.contains("\"option\":1")
            && choice.contains("Option B: Specific Version Rollback"),
        "{choice}"
    );
    assert!(
        !journal.contains("st-secret-token"),
        "a secret reached the journal"
    );
    assert_eq!(c.quit(), "EXIT=0");
}
