//! In a real terminal: run a step (enter, y), see its output and exit 0,
//! press R, y, see the rollback steps run, quit, and `report` says so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use crate::harness::tmux::Cockpit;

const BIN: &str = env!("CARGO_BIN_EXE_rollout-cockpit");

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn run_a_step_then_roll_back_in_a_real_terminal() {
    let runbook = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/rollback-steps.md"
    );
    let args = format!("run '{runbook}' --no-health --operator e2e");
    let c = Cockpit::start("rc-runner", 120, 40, &args);
    let (tmux, work, sessions) = (&c.tmux, &c.work, &c.sessions);
    // The flaky step passes here.
    std::fs::write(work.join("allow-three"), "").unwrap();
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
    assert_eq!(c.exit(), "EXIT=0");
    let out = Command::new(BIN)
        .arg("report")
        .arg(sessions)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("rolled back"), "{report}");
    assert!(
        report.contains("## Commands") && report.contains("## Rollback"),
        "{report}"
    );
}

/// `t` in the run confirm: the screen steps aside, the command gets the
/// terminal (a prompt that reads the keyboard), and a key brings the
/// cockpit back with the run's exit on the step.
#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn a_command_that_needs_the_terminal_runs_with_the_screen_suspended() {
    let runbook = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/terminal-step.md"
    );
    let args = format!("run '{runbook}' --no-health --operator e2e");
    let c = Cockpit::start("rc-tty", 100, 30, &args);
    let tmux = &c.tmux;
    tmux.wait_for("the cockpit", |s| {
        s.contains("Step 1: Log in interactively")
    });
    tmux.keys(&["/"]);
    tmux.text("Log in");
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the run confirm", |s| {
        s.contains("Run this?") && s.contains("run in the terminal")
    });
    tmux.keys(&["t"]);
    let prompt = tmux.wait_for("the command's own prompt", |s| s.contains("name?"));
    assert!(
        prompt.contains("on-a-tty"),
        "stdin and stdout are the terminal:\n{prompt}"
    );
    assert!(
        !prompt.contains("Rollback criteria"),
        "the screen is suspended:\n{prompt}"
    );
    // Typed text goes to the command, not to the cockpit's keys.
    tmux.text("world");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the command's end", |s| {
        s.contains("hello world") && s.contains("press any key to return")
    });
    assert_eq!(
        std::fs::read_to_string(c.work.join("greeted.txt")).unwrap(),
        "hello world\n"
    );
    tmux.keys(&["Space"]);
    let back = tmux.wait_for("the cockpit again", |s| {
        s.contains("Rollback criteria") && s.contains("exit 0")
    });
    assert!(back.contains("output not captured"), "{back}");
    let journal = c.journal();
    assert!(journal.contains("\"terminal\":true"), "{journal}");
    assert!(
        journal.contains("\"type\":\"command_exited\",\"run\":1,\"code\":0"),
        "{journal}"
    );
    assert_eq!(c.quit(), "EXIT=0");
}
