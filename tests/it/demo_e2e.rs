//! The whole demo story in a real terminal, at speed 20: tick the first
//! items, run the backup (a real dump appears), deploy, watch the criteria
//! fire, roll back with R y, watch them recover, quit, and read the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::tmux::{Cockpit, Tmux, live_session};

const BIN: &str = env!("CARGO_BIN_EXE_rollout-cockpit");

/// The criteria react on the real clock (the window and hold are not scaled
/// by `--speed`): this story runs them at the demo's 20 s window (80
/// probes: 24 rarely hold enough of the bad version's 9% to be significant
/// against a baseline pinned from as few) and `--for 2s`, so firing needs
/// the evidence and the hold after the deploy, and recovery the bad samples
/// to leave the 20 s. Generous deadlines for a loaded CI machine.
const FIRE_DEADLINE: Duration = Duration::from_secs(60);
const RECOVER_DEADLINE: Duration = Duration::from_secs(60);

const MET: &str = "ROLLBACK CRITERIA MET";

fn search(tmux: &Tmux, text: &str) {
    tmux.keys(&["/"]);
    tmux.text(text);
    tmux.keys(&["Enter"]);
}

/// The probes in the criteria's window: the metrics pane's `(n=80)`.
fn window_probes(screen: &str) -> usize {
    screen
        .split("(n=")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
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
    let c = Cockpit::start("rc-demo", 140, 45, "demo --speed 20 --for 2s");
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

    // The backup is the first command: it pins the baseline. From a full
    // window, as a deployer would wait for: pinned from the first 10
    // probes, a clean baseline only says "under 4.5%", and the bad
    // version's 9% is then rarely significant.
    tmux.wait_for_within("a full window", FIRE_DEADLINE, |s| window_probes(s) >= 60);
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

    // The deploy degrades the service; the criteria fire.
    search(tmux, "Step 4: Deploy Application");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the deploy's confirm", |s| {
        s.contains("Run this?") && s.contains("railway deploy")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the deploy's exit 0", |s| s.contains("Output #2 ✓ exit 0"));
    tmux.wait_for_within("the criteria to fire", FIRE_DEADLINE, |s| s.contains(MET));

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
    // Full recovery: both monitored criteria back to ok and the panel no
    // longer red.
    tmux.wait_for_within("the criteria to recover", RECOVER_DEADLINE, |s| {
        !s.contains(MET)
            && s.contains("Rollback criteria")
            && s.contains("ok · err")
            && s.contains("ok · p95")
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
    assert!(report.contains("criterion FIRED"), "{report}");
    let took = begun.elapsed();
    eprintln!("the demo story took {took:?}");
}
