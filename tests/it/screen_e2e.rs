//! The cockpit in a real terminal (tmux): search, tick, read the tick back,
//! resize down to "too small" and back, quit with q y, exit status 0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use crate::harness::tmux::{Cockpit, Tmux, wait_file};

const BIN: &str = env!("CARGO_BIN_EXE_rollout-cockpit");

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn tick_resize_and_quit_in_a_real_terminal() {
    let c = Cockpit::start("rc-e2e", 120, 40, "run --no-health --operator e2e");
    let tmux = &c.tmux;
    tmux.wait_for("the cockpit", |s| {
        s.contains("Checklist 0/65") && s.contains("Rollback criteria")
    });
    tmux.keys(&["/"]);
    tmux.text("backup integrity");
    tmux.wait_for("the search text", |s| s.contains("/backup integrity"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the jump", |s| {
        s.contains("Verify backup integrity") && s.contains("space tick")
    });
    tmux.keys(&["Space"]);
    let screen = tmux.wait_for("the tick", |s| s.contains("☑ Verify backup integrity"));
    assert!(screen.contains("Checklist 1/65"), "{screen}");
    assert!(
        screen.contains("ticked by e2e"),
        "who ticked it is shown:\n{screen}"
    );

    // On disk before it was on screen.
    let journal = c.journal();
    assert!(journal.contains("\"type\":\"ticked\""), "{journal}");
    assert!(journal.contains("\"by\":\"e2e\""), "{journal}");

    tmux.resize(80, 24);
    let small = tmux.wait_for("80x24", |s| {
        s.lines().count() <= 24
            && s.lines().all(|l| l.chars().count() <= 80)
            && s.contains("Rollback criteria")
            && s.contains("Checklist 1/65")
            && s.contains("Security vulnerability discovered")
    });
    assert!(small.contains("Verify backup integrity"), "{small}");
    tmux.resize(30, 8);
    tmux.wait_for("too small", |s| s.contains("too small"));
    tmux.resize(120, 40);
    tmux.wait_for("the full screen again", |s| {
        s.contains("Checklist 1/65") && s.contains("Metrics") && !s.contains("too small")
    });

    // The log pane shows the cockpit's own events, on demand.
    tmux.keys(&["l"]);
    let logged = tmux.wait_for("the log pane", |s| s.contains(" Log "));
    assert!(logged.contains("session started by e2e"), "{logged}");
    tmux.keys(&["l"]);
    tmux.wait_for("the log pane gone", |s| !s.contains(" Log "));

    // Ctrl-C asks, never kills.
    tmux.keys(&["C-c"]);
    tmux.wait_for("the quit question", |s| s.contains("Quit the cockpit?"));
    tmux.keys(&["n"]);
    tmux.wait_for("the question gone", |s| !s.contains("Quit the cockpit?"));
    assert_eq!(c.quit(), "EXIT=0");
}

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn sigterm_and_sighup_restore_the_terminal() {
    for signal in ["TERM", "HUP"] {
        let dir = tempfile::tempdir().unwrap();
        let exit_file = dir.path().join("exit");
        // The shell stays, so the pane can be inspected after the cockpit ends.
        let shell = format!(
            "'{BIN}' run --no-health --session-dir '{}'; echo EXIT=$? > '{}'; sleep 30",
            dir.path().display(),
            exit_file.display()
        );
        let tmux = Tmux::start(&format!("rc-sig-{signal}"), 100, 30, &shell);
        tmux.wait_for("the cockpit", |s| s.contains("Rollback criteria"));
        let pane = String::from_utf8_lossy(
            &tmux
                .run(&["display", "-p", "-t", "rc", "#{pane_pid}"])
                .stdout,
        )
        .trim()
        .to_string();
        let children =
            std::fs::read_to_string(format!("/proc/{pane}/task/{pane}/children")).unwrap();
        let pid = children.split_whitespace().next().unwrap().to_string();
        assert!(
            Command::new("kill")
                .args(["-s", signal, &pid])
                .status()
                .unwrap()
                .success()
        );
        assert_eq!(wait_file(&exit_file).trim(), "EXIT=0", "SIG{signal}");
        let alt = String::from_utf8_lossy(
            &tmux
                .run(&["display", "-p", "-t", "rc", "#{alternate_on}"])
                .stdout,
        )
        .trim()
        .to_string();
        assert_eq!(alt, "0", "SIG{signal} left the alternate screen");
        let screen = tmux.capture();
        assert!(
            !screen.contains("Rollback criteria"),
            "SIG{signal}: {screen}"
        );
    }
}

#[test]
fn a_bad_runbook_or_config_exits_2_before_the_screen_opens() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["run", "/no/such/runbook.md"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/runbook.md: no such file"));
    let cfg = dir.path().join("cockpit.toml");
    std::fs::write(&cfg, "[keys]\ntick = \"spcae\"\n").unwrap();
    let out = Command::new(BIN)
        .args(["run", "--session-dir"])
        .arg(dir.path())
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cockpit.toml") && err.contains("[keys] tick: unknown key \"spcae\""),
        "{err}"
    );
    let out = Command::new(BIN)
        .args(["run", "--interval", "soon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "bad --interval");
}
