//! The output pane at every size: a command's output, exit code and
//! duration are reachable at 80x24 (`z`), a finished command's row says how
//! it ended, and when nothing runs the pane follows the selection.

use std::time::Duration as StdDuration;

use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::outline::Row;
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::state::State;
use rollout_cockpit::core::update::pane;
use rollout_cockpit::core::update::pane::Shows;
use rollout_cockpit::domain::exec::{ExecEvent, Exit, Line, RunId, Stream};

use crate::harness::cockpit::{self, Session, now, settings, terp};

const PLAN: &str = "# Story\n\n## Deploy\n\n- [ ] Announce the window\n- [ ] Build\n  ```bash\n  echo built\n  ```\n- [ ] Deploy the release to every production region and wait for the health checks\n  ```bash\n  echo deployed-v2\n  ```\n";

fn story() -> Session {
    let plan = Plan::new(rollout_cockpit::domain::runbook::parse(PLAN), PLAN);
    Session::new(State::new(plan, settings(), now()))
}

fn lines(s: &mut Session, run: u64, text: &[(Stream, &str)]) {
    s.act(Action::Exec(ExecEvent::Output {
        id: RunId(run),
        lines: text.iter().map(|(st, t)| Line::new(*st, *t)).collect(),
        skipped: 0,
    }));
}

fn exit(s: &mut Session, run: u64, code: i32, ms: u64) {
    s.act(Action::Exec(ExecEvent::Exited(Exit {
        id: RunId(run),
        code: Some(code),
        signal: None,
        duration: StdDuration::from_millis(ms),
        sent: None,
        lines: 0,
        log_error: None,
    })));
}

/// `enter` `y` on the row holding `needle`: the run's id.
fn run(s: &mut Session, needle: &str) -> u64 {
    s.go(needle);
    s.cmd(Cmd::Open);
    s.cmd(Cmd::Confirm);
    s.state.exec.shown.unwrap()
}

fn shown_text(s: &Session, run: u64) -> Vec<String> {
    pane::buffer(&s.state, run)
        .unwrap()
        .visible(1000)
        .map(|(_, l)| l.text.clone())
        .collect()
}

/// A failed deploy on the TERP plan: two lines, exit 2 after 3.1 s.
fn failed_deploy() -> Session {
    let mut s = Session::new(terp());
    let id = run(&mut s, "Step 4: Deploy Application");
    lines(
        &mut s,
        id,
        &[
            (Stream::Stdout, "Deploying terp-app..."),
            (Stream::Stderr, "error: upload rejected (quota)"),
        ],
    );
    exit(&mut s, id, 2, 3100);
    s
}

#[test]
fn output_after_a_run_at_80x24() {
    let mut s = failed_deploy();
    let screen = cockpit::screen_text(&s.state, 80, 24);
    assert!(screen.contains("Output #1 ✗ exit 2 · 3.1s"), "{screen}");
    insta::assert_snapshot!("output_after_run_80x24", screen);
    insta::assert_snapshot!(
        "output_after_run_120x40",
        cockpit::screen_text(&s.state, 120, 40)
    );
    // The log strip leaves the pane no room: the row says how it ended, a
    // line under the criteria too, naming the key that shows the output.
    s.cmd(Cmd::ToggleLog);
    let squeezed = cockpit::screen_text(&s.state, 80, 24);
    assert!(squeezed.contains("✗ exit 2 · 3.1s"), "{squeezed}");
    assert!(
        squeezed.contains(" z output #1 ✗ exit 2 · 3.1s"),
        "{squeezed}"
    );
    assert!(!squeezed.contains("upload rejected"), "{squeezed}");
    insta::assert_snapshot!("output_after_run_log_open_80x24", squeezed);
    s.cmd(Cmd::ToggleLog);
    s.cmd(Cmd::ZoomOutput);
    let zoomed = cockpit::screen_text(&s.state, 80, 24);
    for want in [
        "Output #1 ✗ exit 2 · 3.1s",
        "$ railway deploy --environment production",
        "Deploying terp-app...",
        "error: upload rejected (quota)",
    ] {
        assert!(zoomed.contains(want), "{want}:\n{zoomed}");
    }
    insta::assert_snapshot!("output_after_run_zoomed_80x24", zoomed);
    s.cmd(Cmd::Cancel);
    assert!(!s.state.exec.zoom);
}

#[test]
fn the_output_pane_following_the_selection() {
    let mut s = failed_deploy();
    let row = s.go("Create fresh database backup");
    s.cmd(Cmd::Tick);
    s.cmd(Cmd::Note);
    s.type_text("dump 4.2 GB ok");
    s.cmd(Cmd::Submit);
    assert_eq!(pane::shows(&s.state), Shows::Row(row));
    let screen = cockpit::screen_text(&s.state, 120, 40);
    for want in [
        "☑ ticked by alice at",
        "dump 4.2 GB ok",
        "mysqldump -h $PROD_DB_HOST",
    ] {
        assert!(screen.contains(want), "{want}:\n{screen}");
    }
    // The failed deploy's output is no longer what the pane shows.
    assert!(!screen.contains("upload rejected"), "{screen}");
    insta::assert_snapshot!("following_selection_120x40", screen);
    s.cmd(Cmd::ZoomOutput);
    insta::assert_snapshot!(
        "following_selection_80x24",
        cockpit::screen_text(&s.state, 80, 24)
    );
    // Back on the deploy's row, its output again.
    s.go("Step 4: Deploy Application");
    assert_eq!(pane::shows(&s.state), Shows::Run(1));
    assert!(cockpit::screen_text(&s.state, 80, 24).contains("upload rejected"));
}

#[test]
fn while_a_command_runs_the_pane_shows_it_wherever_the_cursor_goes() {
    let mut s = story();
    let id = run(&mut s, "Build");
    lines(&mut s, id, &[(Stream::Stdout, "built")]);
    s.cmd(Cmd::Up);
    assert_eq!(pane::shows(&s.state), Shows::Run(id));
    exit(&mut s, id, 0, 400);
    // Nothing runs: the selected row, which never ran, shows its details.
    assert_eq!(pane::shows(&s.state), Shows::Row(Row::Item(0)));
    s.cmd(Cmd::Down);
    assert_eq!(pane::shows(&s.state), Shows::Run(id));
}

#[test]
fn an_earlier_command_keeps_its_output_with_its_row() {
    let mut s = story();
    let build = run(&mut s, "Build");
    lines(&mut s, build, &[(Stream::Stdout, "built")]);
    exit(&mut s, build, 0, 400);
    let deploy = run(&mut s, "Deploy the release");
    lines(&mut s, deploy, &[(Stream::Stdout, "deployed-v2")]);
    exit(&mut s, deploy, 1, 2000);
    s.go("Build");
    assert_eq!(pane::shows(&s.state), Shows::Run(build));
    assert_eq!(shown_text(&s, build), ["built"]);
    let screen = cockpit::screen_text(&s.state, 120, 40);
    assert!(screen.contains("Output #1 ✓ exit 0 · 0.4s"), "{screen}");
    assert!(!screen.contains("deployed-v2"), "{screen}");
    s.go("Deploy the release");
    assert_eq!(pane::shows(&s.state), Shows::Run(deploy));
}

#[test]
fn pgdn_scrolls_what_the_pane_shows_never_stale_output() {
    let mut s = story();
    let build = run(&mut s, "Build");
    let many: Vec<String> = (1..=100).map(|n| format!("line {n}")).collect();
    let many: Vec<(Stream, &str)> = many.iter().map(|t| (Stream::Stdout, t.as_str())).collect();
    lines(&mut s, build, &many);
    exit(&mut s, build, 0, 400);
    // On a row that never ran, PgDn pages the checklist; the build's
    // output, not shown, stays as it was.
    s.go("Announce");
    s.cmd(Cmd::PageDown);
    assert_ne!(s.state.ui.cursor, Some(Row::Item(0)));
    assert!(pane::buffer(&s.state, build).unwrap().is_following());
    // On the build's row, PgUp scrolls its output back, End follows again.
    s.go("Build");
    s.cmd(Cmd::PageUp);
    assert!(!pane::buffer(&s.state, build).unwrap().is_following());
    let back = cockpit::screen_text(&s.state, 120, 40);
    assert!(back.contains("line 91"), "{back}");
    assert!(!back.contains("line 100"), "{back}");
    s.cmd(Cmd::Follow);
    assert!(pane::buffer(&s.state, build).unwrap().is_following());
}

#[test]
fn z_zooms_the_output_and_z_or_esc_leave() {
    let mut s = story();
    s.cmd(Cmd::ZoomOutput);
    assert!(s.state.exec.zoom);
    let screen = cockpit::screen_text(&s.state, 80, 24);
    assert!(screen.contains("Output · z back"), "{screen}");
    assert!(!screen.contains("Checklist"), "{screen}");
    s.cmd(Cmd::ZoomOutput);
    assert!(!s.state.exec.zoom);
    s.cmd(Cmd::ZoomOutput);
    s.cmd(Cmd::Cancel);
    assert!(!s.state.exec.zoom);
}

#[test]
fn a_long_row_keeps_its_badge_whole_and_is_cut_at_a_word() {
    let mut s = story();
    let id = run(&mut s, "Deploy the release");
    exit(&mut s, id, 2, 3100);
    let screen = cockpit::screen_text(&s.state, 80, 24);
    let row = screen
        .lines()
        .find(|l| l.contains("Deploy the"))
        .unwrap()
        .to_string();
    assert!(row.contains("✗ exit 2 · 3.1s"), "{row}");
    // Cut after a whole word of the item's text, never inside one (the
    // first `✗` is the row's glyph).
    let text = "Deploy the release to every production region and wait for the health checks";
    let kept = row
        .split('…')
        .next()
        .and_then(|l| l.split("✗ ").nth(1))
        .map(str::trim_end)
        .unwrap_or_default();
    assert!(!kept.is_empty(), "{row}");
    assert!(
        text.starts_with(kept) && text[kept.len()..].starts_with(' '),
        "{kept:?} in {row}"
    );
}

#[test]
fn with_no_line_to_spare_the_checklist_title_names_the_key() {
    let mut s = failed_deploy();
    s.cmd(Cmd::ToggleLog);
    // 80x20 with the log open: the criteria take the whole right column.
    let screen = cockpit::screen_text(&s.state, 80, 20);
    assert!(screen.contains("Checklist 0/65 z output"), "{screen}");
    assert!(!screen.contains("upload rejected"), "{screen}");
    s.cmd(Cmd::ZoomOutput);
    let zoomed = cockpit::screen_text(&s.state, 80, 20);
    assert!(zoomed.contains("upload rejected"), "{zoomed}");
}

#[test]
fn a_row_whose_output_is_gone_says_how_it_ended_and_where_its_log_is() {
    use rollout_cockpit::core::event::{Event, Target};
    // As after `--resume`: the journal knows the run, the memory does not.
    let mut s = story();
    s.record(Event::CommandStarted {
        run: 1,
        target: Some(Target::Item(1)),
        block: 0,
        command_masked: "echo built".into(),
        log: "runs/1.log".into(),
        rollback_step: None,
        terminal: false,
    });
    s.record(Event::CommandExited {
        run: 1,
        code: Some(2),
        signal: None,
        duration_ms: 3100,
        error: None,
    });
    let row = s.go("Build");
    assert_eq!(pane::shows(&s.state), Shows::Row(row));
    let screen = cockpit::screen_text(&s.state, 120, 40);
    for want in ["#1 ✗ exit 2 · 3.1s", "output in runs/1.log", "echo built"] {
        assert!(screen.contains(want), "{want}:\n{screen}");
    }
}
