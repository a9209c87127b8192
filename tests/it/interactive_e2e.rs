//! In a real terminal: a step whose command prompts (`read -p`) is confirmed
//! for the terminal without `t`, `y` hands it the terminal, the answer typed
//! there reaches it, and a key brings the cockpit back with the exit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::harness::tmux::Cockpit;

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn a_prompting_step_gets_the_terminal_on_y() {
    let runbook = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/interactive-steps.md"
    );
    let args = format!("run '{runbook}' --no-health --operator e2e");
    let c = Cockpit::start("rc-interactive", 110, 32, &args);
    let tmux = &c.tmux;
    tmux.wait_for("the cockpit", |s| s.contains("Step 2: Name the Release"));
    tmux.keys(&["/"]);
    tmux.text("Name the Release");
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the confirm naming the terminal", |s| {
        s.contains("Run this?") && s.contains("runs on the terminal: read -p prompts for input")
    });
    tmux.keys(&["y"]);
    let prompt = tmux.wait_for("the command's own prompt", |s| {
        s.contains("Type the release name:")
    });
    assert!(
        !prompt.contains("Rollback criteria"),
        "the screen is suspended:\n{prompt}"
    );
    tmux.text("v2.4.1");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the command's end", |s| {
        s.contains("exited 0") && s.contains("press any key to return")
    });
    assert_eq!(
        std::fs::read_to_string(c.work.join("marker.txt")).unwrap(),
        "got v2.4.1\n"
    );
    tmux.keys(&["Space"]);
    let back = tmux.wait_for("the cockpit again", |s| {
        s.contains("Rollback criteria") && s.contains("exit 0")
    });
    assert!(back.contains("output not captured"), "{back}");
    let journal = c.journal();
    assert!(
        journal.contains("\"terminal\":true"),
        "the start says where it ran:\n{journal}"
    );
    assert!(
        journal.contains("\"type\":\"command_exited\",\"run\":1,\"code\":0"),
        "{journal}"
    );
    assert_eq!(c.quit(), "EXIT=0");
}
