//! `watch` shows the running command's output: a live `run` in one tmux
//! session runs a step that prints slowly, a `watch` of its session in
//! another shows every line as it comes and the exit; a `watch` opened after
//! the command ended shows its log's last lines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::harness::tmux::{self, Tmux};

const BIN: &str = env!("CARGO_BIN_EXE_rollout-cockpit");

const RUNBOOK: &str = "# Watch Output Fixture

## Deployment Steps

### Step 1: Tick Slowly

```bash
for i in 1 2 3 4 5; do echo tick-$i; sleep 0.3; done
```
";

fn all_ticks(s: &str) -> bool {
    (1..=5).all(|i| s.contains(&format!("tick-{i}")))
}

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn watch_shows_the_running_commands_output_from_its_log() {
    let tmux = Tmux::server("watchlog");
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let runbook = dir.path().join("ticks.md");
    std::fs::write(&runbook, RUNBOOK).unwrap();
    let root = dir.path().join("sessions");
    tmux.session(
        "run",
        120,
        40,
        &format!(
            "cd '{}' && '{BIN}' run '{}' --no-health --session-dir '{}' --operator alice; sleep 60",
            work.display(),
            runbook.display(),
            root.display()
        ),
    );
    tmux.wait_in("run", "the cockpit", |s| s.contains("Tick Slowly"));
    let session = tmux::live_session(&root);
    let watch = format!(
        "'{BIN}' watch '{}'; echo WATCH-EXIT=$?; sleep 60",
        session.display()
    );
    tmux.session("watch", 120, 40, &watch);
    tmux.wait_in("watch", "the mirror", |s| {
        s.contains("READ-ONLY MIRROR — alice's session") && s.contains("Tick Slowly")
    });

    tmux.keys_in("run", &["/"]);
    tmux.ok(&["send-keys", "-t", "run", "-l", "Tick Slowly"]);
    tmux.keys_in("run", &["Enter", "Enter"]);
    tmux.wait_in("run", "the run confirm", |s| {
        s.contains("Run this?") && s.contains("tick-$i")
    });
    tmux.keys_in("run", &["y"]);
    // Lines arrive while the command still runs (▶ is the running status),
    // not only once it has ended.
    tmux.wait_in("watch", "live output in the mirror", |s| {
        s.contains("tick-1") && s.contains("▶")
    });
    let screen = tmux.wait_in("watch", "every line and the exit in the mirror", |s| {
        all_ticks(s) && s.contains("exit 0")
    });
    assert!(screen.contains("Output #1"), "{screen}");
    tmux.wait_in("run", "the exit in run", |s| {
        all_ticks(s) && s.contains("exit 0")
    });

    // A mirror opened afterwards shows the ended command's log.
    tmux.session("late", 120, 40, &watch);
    tmux.wait_in("late", "the ended command's lines", |s| {
        s.contains("READ-ONLY MIRROR") && all_ticks(s) && s.contains("exit 0")
    });
    // Nothing in the session was written by a mirror: one log, as `run` left it.
    let logs: Vec<_> = std::fs::read_dir(session.join("logs")).unwrap().collect();
    assert_eq!(logs.len(), 1);
}
