//! Facts that live in the journal alone: a resumed session rebuilt from the
//! records goes on with an unfinished rollback (never a second one, never a
//! command twice), and an auto-rollback the operator cancelled stays
//! cancelled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::harness::cockpit::{self as common, Session, degraded, now};
use chrono::Duration;
use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::effect::Effect;
use rollout_cockpit::core::event::Event;
use rollout_cockpit::core::modal::Ask;
use rollout_cockpit::core::modal::Modal;
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::state::State;

const PLAN: &str = "# Plan\n\n## Deploy\n\n- [ ] Deploy\n\n## Rollback\n\n1. **Revert**\n   ```bash\n   echo revert-one\n   ```\n   ```bash\n   echo revert-two\n   ```\n2. **Restart**\n   ```bash\n   echo restart\n   ```\n";

fn plan() -> Plan {
    Plan::new(rollout_cockpit::domain::runbook::parse(PLAN), PLAN)
}

fn fresh() -> Session {
    Session::new(State::new(plan(), common::settings(), now()))
}

/// What `--resume` does: a new state, the journal folded in, then `Resumed`.
fn resume(old: &Session) -> Session {
    let mut s = Session::new(State::new(
        old.state.plan.clone(),
        old.state.settings.clone(),
        now(),
    ));
    for r in &old.records {
        s.state.session.apply(r);
    }
    s.records = old.records.clone();
    s.act(Action::Resumed);
    s
}

fn spawned(s: &mut Session) -> Vec<(u64, String)> {
    s.effects
        .drain(..)
        .filter_map(|e| match e {
            Effect::Spawn(sp) => Some((sp.run, sp.code.trim().to_string())),
            _ => None,
        })
        .collect()
}

/// The journal as a cockpit that died right after the last command's exit
/// left it (before the next command's start).
fn up_to_last_exit(s: &Session) -> Vec<rollout_cockpit::core::event::Record> {
    let cut = s
        .records
        .iter()
        .rposition(|r| matches!(r.event, Event::CommandExited { .. }))
        .unwrap();
    s.records[..=cut].to_vec()
}

fn starts(s: &Session) -> usize {
    s.records
        .iter()
        .filter(|r| matches!(r.event, Event::RollbackStarted { .. }))
        .count()
}

#[test]
fn a_resume_mid_rollback_goes_on_where_it_stopped_and_never_starts_a_second() {
    let mut s = fresh();
    s.cmd(Cmd::Rollback);
    s.cmd(Cmd::Confirm);
    let first = spawned(&mut s);
    assert_eq!(first.len(), 1);
    assert!(first[0].1.contains("revert-one"), "{first:?}");
    s.exited(first[0].0, 0);
    let second = spawned(&mut s);
    assert!(second[0].1.contains("revert-two"), "{second:?}");
    // The cockpit dies here, revert-two finished: the exit is journaled.
    s.exited(second[0].0, 0);
    let third = spawned(&mut s);
    assert!(third[0].1.contains("restart"), "{third:?}");
    // ... and restart's start is journaled, its exit never was.
    let mut r = resume(&s);
    assert!(r.state.rollback.is_some(), "the rollback is back");
    assert_eq!(
        r.state.ui.modal,
        Some(Modal::Ask(Ask::Failed(1))),
        "restart's outcome is unknown: asked, not re-run"
    );
    assert!(
        spawned(&mut r).is_empty(),
        "nothing runs before the operator says"
    );
    let screen = common::screen_text(&r.state, 120, 40);
    assert!(
        screen.contains("whether it finished is unknown"),
        "{screen}"
    );
    assert!(
        screen.contains("echo restart"),
        "what r runs again is shown: {screen}"
    );
    assert!(
        !screen.contains("echo revert-two"),
        "not what already ran: {screen}"
    );
    // `R` never starts a second rollback: it asks about this one again.
    r.cmd(Cmd::Cancel);
    assert_eq!(r.state.ui.modal, None);
    r.cmd(Cmd::Rollback);
    assert_eq!(r.state.ui.modal, Some(Modal::Ask(Ask::Failed(1))));
    r.cmd(Cmd::Confirm);
    assert_eq!(starts(&r), 1);
    // `r` runs restart again, and the rollback finishes.
    r.cmd(Cmd::Retry);
    let again = spawned(&mut r);
    assert_eq!(again.len(), 1);
    assert!(again[0].1.contains("restart"), "{again:?}");
    r.exited(again[0].0, 0);
    assert!(matches!(
        r.records.last().map(|x| &x.event),
        Some(Event::RollbackFinished { .. })
    ));
    assert_eq!(starts(&r), 1);
}

#[test]
fn a_resume_between_commands_asks_then_runs_only_what_is_left() {
    let mut s = fresh();
    s.cmd(Cmd::Rollback);
    s.cmd(Cmd::Confirm);
    let first = spawned(&mut s);
    s.exited(first[0].0, 0);
    // The cockpit dies after revert-one's exit, before revert-two started.
    s.records = up_to_last_exit(&s);
    let mut r = resume(&s);
    assert_eq!(r.state.ui.modal, Some(Modal::Ask(Ask::Resume(0))));
    let screen = common::screen_text(&r.state, 80, 24);
    assert!(
        screen.contains("stopped in step 1: Revert, after 1 of its commands"),
        "{screen}"
    );
    // What `y` runs is on the question, as on the rollback's confirm: the
    // rest of the step and the later steps, not what already ran.
    let screen = common::screen_text(&r.state, 120, 40);
    assert!(
        screen.contains("echo revert-two") && screen.contains("echo restart"),
        "{screen}"
    );
    assert!(!screen.contains("echo revert-one"), "{screen}");
    r.cmd(Cmd::Confirm);
    let next = spawned(&mut r);
    assert_eq!(next.len(), 1);
    assert!(
        next[0].1.contains("revert-two"),
        "revert-one is not run twice: {next:?}"
    );
    assert_eq!(starts(&r), 1);
}

#[test]
fn a_finished_rollback_is_not_resumed() {
    let mut s = fresh();
    s.cmd(Cmd::Rollback);
    s.cmd(Cmd::Confirm);
    for _ in 0..3 {
        let sp = spawned(&mut s);
        s.exited(sp[0].0, 0);
    }
    assert!(matches!(
        s.records.last().map(|x| &x.event),
        Some(Event::RollbackFinished { .. })
    ));
    let r = resume(&s);
    assert!(r.state.rollback.is_none());
    assert_eq!(r.state.ui.modal, None);
}

#[test]
fn a_cancelled_auto_rollback_stays_cancelled_after_resume() {
    let after = Some(std::time::Duration::from_secs(5));
    let mut s = degraded();
    s.state.settings.exec.auto_rollback_after = after;
    s.act(Action::Clock(now()));
    assert!(s.state.auto.countdown.is_some());
    let before_cancel = s.records.clone();
    s.cmd(Cmd::Cancel);
    // Resumed from the journal: the countdown does not come back.
    let mut r = resume(&s);
    r.act(Action::Clock(now() + Duration::seconds(30)));
    assert!(
        r.state.auto.countdown.is_none(),
        "cancelled stays cancelled"
    );
    r.act(Action::Clock(now() + Duration::seconds(60)));
    assert!(r.state.session.rollback.is_none());
    // Without the cancel in the journal the same session would count down:
    // the journal, not this screen's memory, is what keeps it cancelled.
    let mut old = degraded();
    old.state.settings.exec.auto_rollback_after = after;
    old.records = before_cancel;
    let mut r = resume(&old);
    r.act(Action::Clock(now() + Duration::seconds(30)));
    assert!(r.state.auto.countdown.is_some());
}

#[test]
fn snapshots_of_the_resume_questions() {
    let mut s = fresh();
    s.cmd(Cmd::Rollback);
    s.cmd(Cmd::Confirm);
    let first = spawned(&mut s);
    s.exited(first[0].0, 0);
    let between = up_to_last_exit(&s);
    let running = spawned(&mut s);
    assert_eq!(running.len(), 1, "revert-two started");
    // Stopped while revert-two ran: its outcome is unknown.
    let r = resume(&s);
    insta::assert_snapshot!(
        "resume_unknown_80x24",
        common::screen_text(&r.state, 80, 24)
    );
    insta::assert_snapshot!(
        "resume_unknown_120x40",
        common::screen_text(&r.state, 120, 40)
    );
    // Stopped between two commands.
    s.records = between;
    let r = resume(&s);
    insta::assert_snapshot!(
        "resume_between_80x24",
        common::screen_text(&r.state, 80, 24)
    );
    insta::assert_snapshot!(
        "resume_between_120x40",
        common::screen_text(&r.state, 120, 40)
    );
    // Too small a screen still does not panic.
    let _ = common::screen_text(&r.state, 20, 6);
}

#[test]
fn a_resume_on_a_failed_command_asks_retry_skip_abort_again() {
    let mut s = fresh();
    s.cmd(Cmd::Rollback);
    s.cmd(Cmd::Confirm);
    let first = spawned(&mut s);
    s.exited(first[0].0, 1);
    assert_eq!(s.state.ui.modal, Some(Modal::Ask(Ask::Failed(0))));
    // The cockpit dies while the failure is asked about.
    let mut r = resume(&s);
    assert_eq!(r.state.ui.modal, Some(Modal::Ask(Ask::Failed(0))));
    // `s` skips revert-one; the step's result says a command failed.
    r.cmd(Cmd::Skip);
    let next = spawned(&mut r);
    assert!(next[0].1.contains("revert-two"), "{next:?}");
    r.exited(next[0].0, 0);
    assert!(r.records.iter().any(|x| matches!(
        x.event,
        Event::RollbackStep {
            step: 0,
            result: rollout_cockpit::core::event::StepResult::FailedSkipped,
            ..
        }
    )));
}

#[test]
fn the_resume_question_names_the_keys_of_this_keymap() {
    let mut s = fresh();
    s.cmd(Cmd::Rollback);
    s.cmd(Cmd::Confirm);
    let first = spawned(&mut s);
    s.exited(first[0].0, 0);
    s.records = up_to_last_exit(&s);
    let r = resume(&s);
    let rebound: std::collections::BTreeMap<String, Vec<String>> =
        [("rollback", "x"), ("kill", "K"), ("confirm", "Y")]
            .into_iter()
            .map(|(c, k)| (c.to_string(), vec![k.to_string()]))
            .collect();
    let keys = rollout_cockpit::config::keys::Keymap::with_overrides(&rebound).unwrap();
    let text = common::terminal_text(&common::render_with(&r.state, &keys, 120, 40));
    assert!(text.contains("nothing runs twice. Y runs:"), "{text}");
    assert!(text.contains("Y go on with the rollback"), "{text}");
    assert!(text.contains("esc later (x)"), "{text}");
    assert!(!text.contains("(R)"), "{text}");
}
