//! `replay` end to end: a `run` in tmux runs a step that prints, pauses,
//! prints, ends; a `replay` of its session opens at the end, `g` goes to
//! the start, `]` stops at the command's start (nothing printed yet), `→`
//! to where the journal marked its first line, `]` at its exit (all of
//! it), `G` back to the end, `q` quits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::harness::tmux::{self, Cockpit};

const BIN: &str = env!("CARGO_BIN_EXE_rollout-cockpit");

const RUNBOOK: &str = "# Replay Fixture

## Deployment Steps

### Step 1: Print Three

```bash
echo line-1; sleep 2; echo line-2; echo line-3
```
";

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn replay_steps_through_a_finished_session() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = dir.path().join("replay.md");
    std::fs::write(&runbook, RUNBOOK).unwrap();
    let c = Cockpit::start(
        "replay",
        120,
        40,
        &format!("run '{}' --no-health --operator alice", runbook.display()),
    );
    c.tmux
        .wait_for("the cockpit", |s| s.contains("Print Three"));
    let session = tmux::live_session(&c.sessions);
    c.tmux.keys(&["/"]);
    c.tmux.text("Print Three");
    c.tmux.keys(&["Enter", "Enter"]);
    c.tmux
        .wait_for("the run confirm", |s| s.contains("Run this?"));
    c.tmux.keys(&["y"]);
    c.tmux
        .wait_for("the exit", |s| s.contains("line-3") && s.contains("exit 0"));
    assert_eq!(c.quit(), "EXIT=0");

    c.tmux.session(
        "replay",
        120,
        40,
        &format!(
            "'{BIN}' replay '{}'; echo REPLAY-EXIT=$?; sleep 60",
            session.display()
        ),
    );
    c.tmux.wait_in("replay", "the replay at the end", |s| {
        s.contains("REPLAY — alice's session") && s.contains("session ended: abandoned")
    });
    c.tmux.keys_in("replay", &["g"]);
    let start = c
        .tmux
        .wait_in("replay", "the first event", |s| s.contains("event 1/"));
    assert!(!start.contains("line-1"), "{start}");
    c.tmux.keys_in("replay", &["]"]);
    let started = c.tmux.wait_in("replay", "the command's start", |s| {
        s.contains("command #1 started")
    });
    // Nothing printed yet at its start: the journal marks the log's lines
    // as it prints, so nothing later is shown here.
    assert!(
        !started.contains("││line-1") && !started.contains("output as of the end"),
        "{started}"
    );
    // Step on to the mark of its first line, journaled during the pause
    // (after the `command spawned` record).
    c.tmux.keys_in("replay", &["Right"]);
    c.tmux
        .wait_in("replay", "the spawn", |s| s.contains("command spawned"));
    c.tmux.keys_in("replay", &["Right"]);
    let marked = c.tmux.wait_in("replay", "the first line's mark", |s| {
        s.contains("output so far: #1 1 line")
    });
    assert!(marked.contains("││line-1"), "{marked}");
    assert!(!marked.contains("││line-3"), "{marked}");
    c.tmux.keys_in("replay", &["]"]);
    let exited = c.tmux.wait_in("replay", "the command's exit", |s| {
        s.contains("command #1 exited 0")
    });
    assert!(
        exited.contains("line-3") && !exited.contains("output as of the end"),
        "{exited}"
    );
    // The cursor followed the command to its row: at the end the pane
    // still shows its output.
    c.tmux.keys_in("replay", &["G"]);
    let end = c.tmux.wait_in("replay", "the end again", |s| {
        s.contains("session ended: abandoned")
    });
    assert!(end.contains("line-3"), "{end}");
    c.tmux.keys_in("replay", &["q"]);
    c.tmux
        .wait_in("replay", "replay's exit", |s| s.contains("REPLAY-EXIT=0"));
}
