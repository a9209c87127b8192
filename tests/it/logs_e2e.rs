//! The application log stream in a real terminal: `run --logs CMD` with a
//! real bash command printing error lines and a secret; the strip, the
//! zoom and the filter; the log criterion firing; the masked log file; a
//! command that exits and is restarted; and the read-only mirror showing
//! the same lines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::harness::tmux::{self, Cockpit, Tmux};

const SECRET: &str = "hunter2secret";

/// Two lines a tick, every other one an error; ~10 error lines a second.
const NOISY: &str = "i=0; while true; do i=$((i+1)); echo \"INFO request $i auth=$DB_PASSWORD\"; \
     [ $((i % 2)) = 0 ] && echo \"ERROR payment failed for order $i\"; sleep 0.05; done";

/// The hold is 10 s by default: firing needs that much after the breach.
const FIRE: Duration = Duration::from_secs(45);

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn a_log_stream_fires_its_criterion_and_keeps_secrets_out() {
    let args = format!(
        "run --no-health --operator e2e --log-errors-above 20 --logs '{}'",
        NOISY.replace('\'', "'\\''")
    );
    let c = Cockpit::start_with_env("rc-logs", 120, 40, &args, &[("DB_PASSWORD", SECRET)]);
    let tmux = &c.tmux;
    let screen = tmux.wait_for("the log strip with lines", |s| {
        s.contains("App log ▶") && s.contains("ERROR payment failed")
    });
    assert!(!screen.contains(SECRET), "{screen}");
    assert!(screen.contains("auth=••••"), "{screen}");
    let fired = tmux.wait_for_within("the log criterion firing", FIRE, |s| {
        s.contains("ROLLBACK CRITERIA MET") && s.contains("Log errors > 20/min")
    });
    assert!(fired.contains("FIRING"), "{fired}");

    // L: the whole body; / filters live; esc clears, then unzooms.
    tmux.keys(&["L"]);
    tmux.wait_for("the zoomed log", |s| {
        s.contains("App log") && !s.contains("Checklist")
    });
    tmux.keys(&["/"]);
    tmux.text("payment");
    let filtered = tmux.wait_for("the filter", |s| s.contains("filter \"payment\""));
    let body: Vec<&str> = filtered
        .lines()
        .filter(|l| l.starts_with('│') && l.contains("request"))
        .collect();
    assert!(body.is_empty(), "only matching lines: {body:?}");
    tmux.keys(&["Enter"]);
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter gone", |s| {
        !s.contains("filter \"") && s.contains("INFO request")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the panes again", |s| s.contains("Checklist 0/65"));

    let journal = c.journal();
    assert!(
        journal.contains("\"type\":\"log_stream_configured\""),
        "{journal}"
    );
    assert!(journal.contains("\"type\":\"log_counts\""), "{journal}");
    assert!(!journal.contains(SECRET), "the journal holds no secret");
    assert_eq!(c.quit(), "EXIT=0");
    let session = std::fs::read_dir(&c.sessions)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let log = std::fs::read_to_string(session.join("logs/app.log")).unwrap();
    assert!(log.contains("ERROR payment failed"), "{log}");
    assert!(
        log.contains("auth=••••") && !log.contains(SECRET),
        "masked on disk"
    );
}

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn an_ended_log_command_restarts_and_the_mirror_shows_its_lines() {
    let tmux = Tmux::server("logs-watch");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sessions");
    let root_s = root.display().to_string();
    let cmd = "echo \"stream up at $(date +%s%N)\"; exit 3";
    tmux.session(
        "run",
        120,
        40,
        &format!(
            "'{}' run --no-health --session-dir '{root_s}' --operator alice --logs '{cmd}'; sleep 60",
            env!("CARGO_BIN_EXE_rollout-cockpit")
        ),
    );
    let down = tmux.wait_in("run", "the exit in the pane", |s| {
        s.contains("✗ exited 3, restart") && s.contains("stream up at")
    });
    assert!(down.contains("App log"), "{down}");
    let session = tmux::live_session(&root);
    // The back-off: 1 s, then 2 s, ... each restart marked in the file.
    let log = session.join("logs/app.log");
    let start = std::time::Instant::now();
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        // The marker is written before the restarted command's own line:
        // wait for both, then no fourth start (the next is 4 s away).
        if text.contains("--- log stream restarted (attempt 3) ---")
            && text.matches("stream up at").count() >= 3
        {
            assert_eq!(text.matches("stream up at").count(), 3, "{text}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{text}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let journal = std::fs::read_to_string(session.join("journal.jsonl")).unwrap();
    let delays: Vec<&str> = journal
        .lines()
        .filter(|l| l.contains("\"type\":\"log_stream_exited\""))
        .map(|l| l.split("\"restart_in_ms\":").nth(1).unwrap_or(""))
        .collect();
    assert!(delays[0].starts_with("1000"), "{delays:?}");
    assert!(delays[1].starts_with("2000"), "{delays:?}");

    tmux.session(
        "watch",
        120,
        40,
        &format!(
            "'{}' watch '{root_s}'; sleep 60",
            env!("CARGO_BIN_EXE_rollout-cockpit")
        ),
    );
    tmux.wait_in("watch", "the mirror's log strip", |s| {
        s.contains("READ-ONLY MIRROR") && s.contains("stream up at") && s.contains("App log")
    });
}
