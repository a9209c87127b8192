//! In a real terminal, a runbook with no checkboxes: a numbered step is a
//! row that `space` ticks, a step's inline command runs through the confirm
//! with its output on screen, and the report records both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::harness::tmux::Cockpit;

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn tick_a_step_and_run_its_inline_command() {
    let runbook = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/numbered-procedure.md"
    );
    let args = format!("run '{runbook}' --no-health --operator e2e");
    let c = Cockpit::start("rc-steps", 110, 34, &args);
    let tmux = &c.tmux;
    let bin = c.work.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("maintenance");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"maintenance is $1\"\necho \"$1\" > maintenance.flag\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();

    tmux.wait_for("the steps as rows", |s| {
        s.contains("Deploy Procedure") && s.contains("Announce the release")
    });
    tmux.keys(&["/"]);
    tmux.text("Announce the release");
    tmux.keys(&["Enter", "Space"]);
    tmux.wait_for("the tick", |s| s.contains("☑ Announce the release"));

    tmux.keys(&["/"]);
    tmux.text("Put the site");
    tmux.keys(&["Enter", "Enter"]);
    tmux.wait_for("the confirm showing the inline command", |s| {
        s.contains("Run this?") && s.contains("./bin/maintenance on")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("its output and exit", |s| {
        s.contains("maintenance is on") && s.contains("exit 0")
    });
    assert_eq!(
        std::fs::read_to_string(c.work.join("maintenance.flag")).unwrap(),
        "on\n"
    );
    assert_eq!(c.quit(), "EXIT=0");

    let out = Command::new(env!("CARGO_BIN_EXE_rollout-cockpit"))
        .arg("report")
        .arg(&c.sessions)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("- [x] Announce the release"),
        "the tick is in the report:\n{report}"
    );
    assert!(
        report.contains("./bin/maintenance on"),
        "the command is in the report:\n{report}"
    );
}
