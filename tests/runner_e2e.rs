//! In a real terminal: run a step (enter, y), see its output and exit 0,
//! press R, y, see the rollback steps run, quit, and `report` says so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod tmux;

use std::process::Command;

use tmux::{Tmux, wait_file};

const BIN: &str = env!("CARGO_BIN_EXE_rollout-cockpit");

#[test]
fn run_a_step_then_roll_back_in_a_real_terminal() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("tmux not installed: skipping the end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    // The flaky step passes here.
    std::fs::write(work.join("allow-three"), "").unwrap();
    let sessions = dir.path().join("sessions");
    let exit_file = dir.path().join("exit");
    let runbook = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/rollback-steps.md"
    );
    let shell = format!(
        "cd '{}' && '{BIN}' run '{runbook}' --no-health --session-dir '{}' --operator e2e; echo EXIT=$? > '{}'",
        work.display(),
        sessions.display(),
        exit_file.display()
    );
    let tmux = Tmux::start("rc-runner", 120, 40, &shell);
    tmux.wait_for("the cockpit", |s| s.contains("Step 2: Deploy Application"));
    tmux.keys(&["/"]);
    tmux.text("Deploy Application");
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the run confirm", |s| {
        s.contains("Run this?") && s.contains("echo deploy-start")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the output and exit 0", |s| {
        s.contains("deploy-done") && s.contains("exit 0")
    });
    tmux.keys(&["R"]);
    tmux.wait_for("the rollback confirm", |s| s.contains("ROLL BACK"));
    tmux.keys(&["y"]);
    tmux.wait_for("the optional step's question", |s| {
        s.contains("is optional")
    });
    tmux.keys(&["n"]);
    tmux.wait_for("the rollback's end", |s| s.contains("rollback finished"));
    assert_eq!(
        std::fs::read_to_string(work.join("order.txt")).unwrap(),
        "one\nthree\n"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("the quit confirm", |s| s.contains("rolled back"));
    tmux.keys(&["y"]);
    assert_eq!(wait_file(&exit_file).trim(), "EXIT=0");
    let out = Command::new(BIN)
        .arg("report")
        .arg(&sessions)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("rolled back"), "{report}");
    assert!(
        report.contains("## Commands") && report.contains("## Rollback"),
        "{report}"
    );
}
