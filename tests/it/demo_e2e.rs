//! The whole demo story in a real terminal, at speed 20: the tour, tick the
//! first items, a mirror beside it, run the backup (a real dump appears),
//! deploy, roll back with R y, quit, and read the report.
//!
//! The criteria's window runs on the real clock (`--speed` compresses the
//! runbook's, not the window), so watching them fire and recover here would
//! wait 40 s on it: `demo_story` proves that at test speed, on the scripted
//! clock the loop, the probes and the simulated service share. This test
//! keeps what needs a real terminal: keys, screen, mirror, exit, report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::Instant;

use crate::harness::tmux::{Cockpit, Tmux, live_session};

const BIN: &str = env!("CARGO_BIN_EXE_rollout-cockpit");

fn search(tmux: &Tmux, text: &str) {
    tmux.keys(&["/"]);
    tmux.text(text);
    tmux.keys(&["Enter"]);
}

/// The header's window, "15:00-19:00 EST": the figure before its ", ".
fn window_span(screen: &str) -> String {
    let line = screen.lines().nth(1).unwrap_or_default();
    let start = line
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or_else(|| panic!("no window in {line:?}"));
    let rest = &line[start..];
    rest[..rest.find(',').unwrap_or(rest.len())].to_string()
}

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn the_demo_story_in_a_real_terminal() {
    let begun = Instant::now();
    let c = Cockpit::start("rc-demo", 140, 45, "demo --speed 20");
    let (tmux, work, sessions) = (&c.tmux, &c.work, &c.sessions);
    tmux.wait_for("the first-run tour", |s| {
        s.contains("Try this") && s.contains("Checklist 0/65")
    });
    tmux.keys(&["Escape"]);
    let screen = tmux.wait_for("the tour to close", |s| !s.contains("Try this"));
    // The demo's window opens now, whatever the day and hour.
    assert!(!screen.contains('⚠'), "{screen}");

    // Tick the first two items.
    search(tmux, "Changes deployed to staging successfully");
    tmux.keys(&["Space"]);
    tmux.wait_for("one tick", |s| s.contains("Checklist 1/65"));
    tmux.keys(&["j", "Space"]);
    let screen = tmux.wait_for("two ticks", |s| s.contains("Checklist 2/65"));

    // A mirror keeps the demo's clock: its window, not the runbook's
    // 22:00-02:00 with "outside the window" warnings.
    let window = window_span(&screen);
    tmux.session(
        "mirror",
        140,
        45,
        &format!("'{BIN}' watch '{}'; sleep 60", sessions.display()),
    );
    let mirror = tmux.wait_in("mirror", "the mirror", |s| {
        s.contains("READ-ONLY MIRROR") && s.contains("Checklist 2/65")
    });
    assert_eq!(window_span(&mirror), window, "{mirror}");
    assert!(!mirror.contains('⚠'), "{mirror}");

    // The backup is the first command.
    search(tmux, "Create fresh database backup");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the backup's confirm", |s| {
        s.contains("Run this?") && s.contains("mysqldump")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the backup's exit 0", |s| {
        s.contains("Output #1 ✓ exit 0") && s.contains("Checklist 3/65")
    });
    // The demo's commands run in the session's own workdir: the directory
    // the demo was started from stays as it was.
    let session_work = live_session(sessions).join("work");
    let dump = std::fs::read_dir(&session_work)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("prod_backup_") && n.ends_with(".sql"))
        })
        .expect("the dump file prod_backup_*.sql");
    assert!(std::fs::metadata(&dump).unwrap().len() > 0, "empty dump");

    // The deploy switches the simulated service to the new version.
    search(tmux, "Step 4: Deploy Application");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the deploy's confirm", |s| {
        s.contains("Run this?") && s.contains("railway deploy")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the deploy's exit 0", |s| s.contains("Output #2 ✓ exit 0"));

    // Two keys roll back; the optional database restore is skipped.
    tmux.keys(&["R"]);
    tmux.wait_for("the rollback confirm", |s| s.contains("ROLL BACK"));
    tmux.keys(&["y"]);
    tmux.wait_for("the optional step's question", |s| {
        s.contains("Database Rollback") && s.contains("is optional")
    });
    tmux.keys(&["n"]);
    tmux.wait_for("the stand-in railway's rollback", |s| {
        s.contains("Rollback complete")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the quit confirm", |s| s.contains("rolled back"));
    tmux.keys(&["y"]);
    assert_eq!(c.exit(), "EXIT=0");
    let left: Vec<_> = std::fs::read_dir(work).unwrap().collect();
    assert!(left.is_empty(), "the demo wrote into its cwd: {left:?}");
    // On exit the demo writes the deployment record beside the journal.
    let written: Vec<_> = std::fs::read_dir(sessions)
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path().join("report.md")).ok())
        .collect();
    assert_eq!(
        written.len(),
        1,
        "one report.md under {}",
        sessions.display()
    );
    assert!(written[0].contains("rolled back"), "{}", written[0]);
    let out = Command::new(BIN)
        .arg("report")
        .arg(sessions)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("rolled back"), "{report}");
    let took = begun.elapsed();
    eprintln!("the demo story took {took:?}");
}
