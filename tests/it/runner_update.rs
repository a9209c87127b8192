//! `update` alone (no process): the confirm's spawn effect, one command at a
//! time, the auto-rollback countdown on a test clock, announcements, and
//! snapshots of the runner's screens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::harness::cockpit::{self, Session, degraded, now, terp};
use chrono::Duration;
use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::effect::Effect;
use rollout_cockpit::core::event::Event;
use rollout_cockpit::core::modal::Modal;
use rollout_cockpit::core::update::announce;

fn spawns(s: &Session) -> Vec<&rollout_cockpit::core::effect::Spawn> {
    s.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Spawn(sp) => Some(sp),
            _ => None,
        })
        .collect()
}

#[test]
fn y_on_the_confirm_journals_the_masked_start_and_asks_for_a_spawn() {
    let mut s = Session::new(terp());
    s.go("Step 4: Deploy Application");
    s.cmd(Cmd::Open);
    let Some(Modal::Run(plan)) = s.state.ui.modal.clone() else {
        panic!("{:?}", s.state.ui.modal)
    };
    assert!(plan.display.contains("railway"), "{}", plan.display);
    assert!(!plan.second);
    s.cmd(Cmd::Confirm);
    let sp = spawns(&s);
    assert_eq!(sp.len(), 1);
    assert!(sp[0].code.contains("railway"));
    assert!(s.records.iter().any(|r| matches!(&r.event,
        Event::CommandStarted { command_masked, .. } if command_masked == &plan.display)));
    // A second command needs the operator's say-so.
    s.go("Step 4: Deploy Application");
    s.cmd(Cmd::Open);
    let Some(Modal::Run(plan)) = s.state.ui.modal.clone() else {
        panic!()
    };
    assert!(plan.second, "the confirm warns about the running command");
    // ctrl-c kills the running command instead of asking to quit.
    s.cmd(Cmd::Cancel);
    s.cmd(Cmd::Interrupt);
    assert!(matches!(s.effects.last(), Some(Effect::Kill(1))));
}

#[test]
fn the_auto_rollback_counts_down_on_the_test_clock_and_esc_cancels_it() {
    let mut s = degraded();
    s.state.settings.exec.auto_rollback_after = Some(std::time::Duration::from_secs(5));
    let screen = cockpit::screen_text(&s.state, 120, 40);
    assert!(screen.contains("AUTO-ROLLBACK ARMED (5s)"), "{screen}");
    s.act(Action::Clock(now()));
    let (ends, criterion) = s.state.auto.countdown.clone().expect("countdown started");
    assert_eq!(ends, now() + Duration::seconds(10));
    assert!(criterion.contains("Error rate"), "{criterion}");
    let screen = cockpit::screen_text(&s.state, 120, 40);
    assert!(screen.contains("AUTO-ROLLBACK in 10s"), "{screen}");
    insta::assert_snapshot!(
        "auto_rollback_banner_80x24",
        cockpit::screen_text(&s.state, 80, 24)
    );
    s.cmd(Cmd::Cancel);
    assert!(s.state.auto.countdown.is_none());
    assert!(matches!(
        s.records.last().unwrap().event,
        Event::AutoRollbackCancelled { .. }
    ));
    s.act(Action::Clock(now() + Duration::seconds(30)));
    assert!(
        s.state.auto.countdown.is_none(),
        "a cancelled firing stays cancelled"
    );
    assert!(s.state.session.rollback.is_none());

    let mut s = degraded();
    s.state.settings.exec.auto_rollback_after = Some(std::time::Duration::from_secs(5));
    s.act(Action::Clock(now()));
    s.act(Action::Clock(now() + Duration::seconds(9)));
    assert!(s.state.session.rollback.is_none());
    s.act(Action::Clock(now() + Duration::seconds(10)));
    let rb = s.state.session.rollback.clone().expect("fired");
    assert!(rb.trigger.contains("Error rate"), "{}", rb.trigger);
    assert!(rb.metrics.error_rate.is_some());
    assert_eq!(spawns(&s).len(), 1, "the first rollback step runs");
    // Journaled as the auto-rollback's, with how long the criterion fired
    // (the 5 s it had to, then the 10 s countdown, at least).
    let after = rb.automatic_after_s.expect("journaled as automatic");
    assert!(after >= 15, "{after}");
    let report = rollout_cockpit::report::render(&s.state.plan, &s.records, &[]);
    assert!(
        report.contains("- Fired by: the auto-rollback (armed in alice's cockpit), after the criterion fired for"),
        "{report}"
    );
    assert!(
        report.contains("ROLLBACK started automatically after"),
        "{report}"
    );
}

#[test]
fn a_rollback_by_key_is_the_operators() {
    let mut s = degraded();
    s.cmd(Cmd::Rollback);
    s.cmd(Cmd::Confirm);
    let rb = s.state.session.rollback.clone().expect("fired");
    assert_eq!(rb.automatic_after_s, None);
    let report = rollout_cockpit::report::render(&s.state.plan, &s.records, &[]);
    assert!(report.contains("- Fired by: alice at"), "{report}");
}

#[test]
fn announcements_are_filled_from_the_session() {
    let mut s = Session::new(terp());
    s.go("Step 1: Announce Maintenance");
    s.cmd(Cmd::Announce);
    let Some(Modal::Announcement(b)) = s.state.ui.modal else {
        panic!("{:?}", s.state.ui.modal)
    };
    let text = announce::fill(&s.state, b);
    assert!(text.contains("Contact: alice"), "{text}");
    // The window as the runbook writes it ("EST"), not the IANA name.
    assert!(text.contains("22:00 EST"), "{text}");
    assert!(!text.contains("America/"), "{text}");
    assert!(
        !text.contains("[START TIME]") && !text.contains("[X]"),
        "{text}"
    );
    s.cmd(Cmd::Copy);
    assert!(
        s.effects
            .iter()
            .any(|e| matches!(e, Effect::Clipboard(t) if t == &text))
    );
    assert!(
        s.effects.iter().any(
            |e| matches!(e, Effect::SaveFile { name, .. } if name.starts_with("announcements/"))
        )
    );
}

#[test]
fn snapshots_of_the_runner_screens() {
    let mut s = Session::new(terp());
    s.go("Step 4: Deploy Application");
    s.cmd(Cmd::Open);
    insta::assert_snapshot!("run_confirm_80x24", cockpit::screen_text(&s.state, 80, 24));
    insta::assert_snapshot!(
        "run_confirm_120x40",
        cockpit::screen_text(&s.state, 120, 40)
    );
    s.cmd(Cmd::Confirm);
    s.act(Action::Exec(
        rollout_cockpit::domain::exec::ExecEvent::Output {
            id: rollout_cockpit::domain::exec::RunId(1),
            lines: vec![
                rollout_cockpit::domain::exec::Line::new(
                    rollout_cockpit::domain::exec::Stream::Stdout,
                    "Deploying terp-app...",
                ),
                rollout_cockpit::domain::exec::Line::new(
                    rollout_cockpit::domain::exec::Stream::Stderr,
                    "warning: slow upload",
                ),
            ],
            skipped: 0,
        },
    ));
    s.act(Action::Clock(now() + Duration::seconds(3)));
    insta::assert_snapshot!(
        "output_running_120x40",
        cockpit::screen_text(&s.state, 120, 40)
    );
    insta::assert_snapshot!(
        "output_running_80x24",
        cockpit::screen_text(&s.state, 80, 24)
    );

    let mut s = degraded();
    s.cmd(Cmd::Rollback);
    insta::assert_snapshot!(
        "rollback_confirm_120x40",
        cockpit::screen_text(&s.state, 120, 40)
    );
    insta::assert_snapshot!(
        "rollback_confirm_80x24",
        cockpit::screen_text(&s.state, 80, 24)
    );

    let mut s = Session::new(terp());
    s.go("Step 3: Apply Database Migrations");
    s.cmd(Cmd::Open);
    insta::assert_snapshot!(
        "placeholder_form_120x40",
        cockpit::screen_text(&s.state, 120, 40)
    );
    insta::assert_snapshot!(
        "placeholder_form_80x24",
        cockpit::screen_text(&s.state, 80, 24)
    );
}

#[test]
fn a_profile_rewrites_the_host_in_what_runs_and_what_the_confirm_shows() {
    let mut s = Session::new(terp());
    let rewrite = [(
        "api.production.terp-app.local".to_string(),
        "http://127.0.0.1:8080".to_string(),
    )]
    .into_iter()
    .collect();
    s.state.settings.profile =
        rollout_cockpit::domain::profile::Profile::new("local", &rewrite).unwrap();
    s.go("Step 6: Disable Maintenance Mode");
    s.cmd(Cmd::Open);
    // $ADMIN_TOKEN is unset here: the form asks for it first.
    if let Some(Modal::Form(_)) = s.state.ui.modal {
        for c in "t0ken-value".chars() {
            s.act(Action::Input(c));
        }
        s.cmd(Cmd::Submit);
    }
    let Some(Modal::Run(plan)) = s.state.ui.modal.clone() else {
        panic!("{:?}", s.state.ui.modal)
    };
    assert!(
        plan.display
            .contains("http://127.0.0.1:8080/admin/maintenance/disable"),
        "{}",
        plan.display
    );
    assert!(
        !plan.code.contains("api.production.terp-app.local"),
        "{}",
        plan.code
    );
}

/// The red rollback confirm shows what will run under the profile, the
/// same text the runner gets: never the production host.
#[test]
fn the_rollback_confirm_shows_the_profiles_rewritten_commands() {
    let mut s = Session::new(terp());
    let rewrite = [(
        "api.production.terp-app.local".to_string(),
        "http://127.0.0.1:8080".to_string(),
    )]
    .into_iter()
    .collect();
    s.state.settings.profile =
        rollout_cockpit::domain::profile::Profile::new("local", &rewrite).unwrap();
    s.cmd(Cmd::Rollback);
    let shown: String = rollout_cockpit::core::update::rollback::confirm_lines(&s.state, 0)
        .into_iter()
        .map(|(_, l)| l + "\n")
        .collect();
    assert!(
        shown.contains("http://127.0.0.1:8080/admin/maintenance/enable"),
        "{shown}"
    );
    assert!(!shown.contains("api.production.terp-app.local"), "{shown}");
}

/// The form asks the loop to look for defaults (`update` never reads the
/// disk); what the loop finds is offered, unless the operator typed first.
#[test]
fn the_backup_default_comes_from_the_loop_not_from_update() {
    let text = "# Restore\n\n## Steps\n\n- [ ] Restore the database\n  ```bash\n  mysql terp < prod_backup_YYYYMMDD_HHMMSS.sql\n  ```\n";
    let plan =
        rollout_cockpit::core::plan::Plan::new(rollout_cockpit::domain::runbook::parse(text), text);
    let mut s = Session::new(rollout_cockpit::core::state::State::new(
        plan,
        cockpit::settings(),
        now(),
    ));
    s.go("Restore the database");
    s.cmd(Cmd::Open);
    let Some(Modal::Form(form)) = s.state.ui.modal.clone() else {
        panic!("{:?}", s.state.ui.modal)
    };
    let field = form
        .fields
        .iter()
        .find(|f| f.name.contains("YYYYMMDD"))
        .expect("the backup's placeholder");
    assert_eq!(field.default, None, "nothing read from disk in update");
    let asked = s.effects.iter().find_map(|e| match e {
        Effect::Suggest { code, names } => Some((code.clone(), names.clone())),
        _ => None,
    });
    let (code, names) = asked.expect("a Suggest effect");
    assert!(code.contains("prod_backup_YYYYMMDD_HHMMSS.sql"), "{code}");
    assert!(names.contains(&field.name), "{names:?}");

    // What the loop would find in the working directory.
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "prod_backup_20261123_220000.sql",
        "prod_backup_20261124_220500.sql",
    ] {
        std::fs::write(dir.path().join(f), "").unwrap();
    }
    let found = rollout_cockpit::domain::exec::default_for(&code, &field.name, dir.path()).unwrap();
    s.act(Action::Suggested {
        name: field.name.clone(),
        value: found.value.clone(),
    });
    let Some(Modal::Form(form)) = &s.state.ui.modal else {
        panic!()
    };
    let offered = form.fields.iter().find(|f| f.name == field.name).unwrap();
    assert_eq!(offered.default.as_deref(), Some(found.value.as_str()));
    assert!(
        found.value.contains("20261124_220500"),
        "the newest: {}",
        found.value
    );
    let screen = cockpit::screen_text(&s.state, 120, 40);
    assert!(screen.contains("20261124_220500"), "{screen}");
}

fn interactive_fixture() -> Session {
    let text = include_str!("../fixtures/interactive-steps.md");
    let plan =
        rollout_cockpit::core::plan::Plan::new(rollout_cockpit::domain::runbook::parse(text), text);
    Session::new(rollout_cockpit::core::state::State::new(
        plan,
        cockpit::settings(),
        now(),
    ))
}

/// A step that prompts (`read -p`) is run on the terminal without being
/// asked to: captured, it would wait for a keyboard it does not have. The
/// confirm says so, and `y` starts it the way `t` does.
#[test]
fn a_step_that_prompts_is_confirmed_for_the_terminal() {
    let mut s = interactive_fixture();
    s.go("Step 2: Name the Release");
    s.cmd(Cmd::Open);
    let Some(Modal::Run(plan)) = s.state.ui.modal.clone() else {
        panic!("{:?}", s.state.ui.modal)
    };
    assert!(plan.terminal, "{plan:?}");
    assert_eq!(
        plan.interactive.as_deref(),
        Some("read -p prompts for input")
    );
    let screen = cockpit::screen_text(&s.state, 120, 40);
    assert!(
        screen.contains("runs on the terminal: read -p prompts for input"),
        "{screen}"
    );
    s.cmd(Cmd::Confirm);
    let sp = spawns(&s);
    assert_eq!(sp.len(), 1);
    assert!(sp[0].terminal, "y runs it on the terminal");
    assert!(
        s.records
            .iter()
            .any(|r| matches!(&r.event, Event::CommandStarted { terminal: true, .. }))
    );

    // Look-alikes stay captured: a comment, an echo, `sudo -n`, a password
    // attached to its flag, `psql -c`.
    for step in ["Step 1: Check the Release", "Step 3: Query the Database"] {
        s.go(step);
        s.cmd(Cmd::Open);
        if let Some(Modal::Form(_)) = s.state.ui.modal {
            s.type_text("value");
            s.cmd(Cmd::Submit);
            if let Some(Modal::Form(_)) = s.state.ui.modal {
                s.type_text("value");
                s.cmd(Cmd::Submit);
            }
        }
        let Some(Modal::Run(plan)) = s.state.ui.modal.clone() else {
            panic!("{step}: {:?}", s.state.ui.modal)
        };
        assert!(
            !plan.terminal && plan.interactive.is_none(),
            "{step}: {plan:?}"
        );
        let screen = cockpit::screen_text(&s.state, 120, 40);
        assert!(!screen.contains("runs on the terminal"), "{screen}");
        s.cmd(Cmd::Cancel);
    }
}

/// The rollback asks no confirm per step: a step that prompts goes to the
/// terminal by itself.
#[test]
fn a_rollback_step_that_prompts_runs_on_the_terminal() {
    let mut s = interactive_fixture();
    s.cmd(Cmd::Rollback);
    assert!(matches!(s.state.ui.modal, Some(Modal::Rollback)));
    s.cmd(Cmd::Confirm);
    let sp = spawns(&s);
    assert_eq!(sp.len(), 1, "{:?}", s.state.ui.modal);
    assert!(
        sp[0].code.contains("Previous release name"),
        "{}",
        sp[0].code
    );
    assert!(sp[0].terminal);
    assert!(s.records.iter().any(|r| matches!(
        &r.event,
        Event::CommandStarted {
            terminal: true,
            rollback_step: Some(0),
            ..
        }
    )));
}

/// A command of a stopped cockpit: `update` never looks at processes; the
/// loop's findings arrive as an action. Still running: the question, and
/// `k` asks for the group's kill; gone: the row says "interrupted".
#[test]
fn a_command_the_stopped_cockpit_left_running_is_asked_about_and_gone_is_interrupted() {
    use rollout_cockpit::core::effect::Leftover;
    use rollout_cockpit::core::session::Status;
    let mut s = Session::new(terp());
    let row = s.go("Step 4: Deploy Application");
    s.cmd(Cmd::Open);
    s.cmd(Cmd::Confirm);
    s.act(Action::Exec(
        rollout_cockpit::domain::exec::ExecEvent::Started {
            id: rollout_cockpit::domain::exec::RunId(1),
            pid: 4711,
            at: cockpit::now(),
        },
    ));
    assert!(
        s.records
            .iter()
            .any(|r| matches!(r.event, Event::CommandSpawned { run: 1, pgid: 4711 }))
    );
    // The cockpit is killed; a new one resumes.
    s.record(Event::Resumed {
        runbook_hash: s.state.plan.hash.clone(),
    });
    s.act(Action::Leftovers(vec![Leftover {
        run: 1,
        pgid: Some(4711),
        alive: true,
    }]));
    assert_eq!(
        s.state.ui.modal,
        Some(Modal::Leftover { run: 1, pgid: 4711 })
    );
    let screen = cockpit::screen_text(&s.state, 120, 40);
    assert!(
        screen.contains(
            "Step 4: Deploy Application was running when the cockpit stopped: pid 4711, still running"
        ),
        "{screen}"
    );
    assert!(screen.contains("k kill it"), "{screen}");
    // `w`: the question closes; running the step again is warned about.
    s.cmd(Cmd::Wait);
    assert!(s.state.ui.modal.is_none());
    assert!(
        s.state
            .ui
            .flash
            .as_deref()
            .unwrap_or("")
            .contains("waiting for pid 4711")
    );
    s.go("Step 4: Deploy Application");
    s.cmd(Cmd::Open);
    let screen = cockpit::screen_text(&s.state, 160, 50);
    assert!(
        screen.contains("its last run (pid 4711) is still running since the cockpit stopped"),
        "{screen}"
    );
    s.cmd(Cmd::Cancel);
    // Asked again (another resume), `k` asks the loop to end the group.
    s.act(Action::Leftovers(vec![Leftover {
        run: 1,
        pgid: Some(4711),
        alive: true,
    }]));
    s.cmd(Cmd::Kill);
    assert_eq!(s.effects.last(), Some(&Effect::KillGroup(4711)));
    assert!(s.state.ui.modal.is_none());
    let target = row.target(s.state.runbook()).unwrap();
    assert_eq!(s.state.session.status(target), Status::Interrupted);
    // The loop saw the group end.
    s.act(Action::Leftovers(vec![Leftover {
        run: 1,
        pgid: Some(4711),
        alive: false,
    }]));
    assert!(
        s.state
            .ui
            .flash
            .as_deref()
            .unwrap_or("")
            .contains("has ended")
    );
    let screen = cockpit::screen_text(&s.state, 120, 40);
    assert!(
        screen.contains("⚠") && screen.contains("interrupted"),
        "{screen}"
    );
    assert!(!screen.contains("still running"), "{screen}");
}

/// Failed (✗) and running (▶) items are not done: not in the counts, not
/// in the quit dialog's outcome, not in the report.
#[test]
fn counts_mean_done() {
    let text = "# Plan\n\n## Steps\n\n- [ ] Check the queue\n  ```bash\n  check-queue\n  ```\n- [ ] Deploy\n  ```bash\n  deploy\n  ```\n- [ ] Announce\n";
    let plan =
        rollout_cockpit::core::plan::Plan::new(rollout_cockpit::domain::runbook::parse(text), text);
    let mut s = Session::new(rollout_cockpit::core::state::State::new(
        plan,
        crate::harness::cockpit::settings(),
        now(),
    ));
    s.go("Check the queue");
    s.cmd(Cmd::Open);
    s.cmd(Cmd::Confirm);
    let run = spawns(&s)[0].run;
    s.go("Deploy");
    s.cmd(Cmd::Open);
    s.cmd(Cmd::Confirm);
    // One failed, one still running, one ticked.
    s.exited(run, 1);
    s.go("Announce");
    s.cmd(Cmd::Tick);
    assert_eq!(s.state.checklist_done(), (1, 3));
    assert_eq!(s.state.left_undone(), (0, 1, 1));
    let screen = cockpit::screen_text(&s.state, 120, 40);
    assert!(screen.contains("Checklist 1/3"), "{screen}");
    assert!(screen.contains("Steps  1/3"), "{screen}");
    s.cmd(Cmd::Quit);
    let screen = cockpit::screen_text(&s.state, 120, 40);
    // (The line wraps at this width.)
    assert!(
        screen.contains("This ends the session: abandoned with 1 failed, 1"),
        "{screen}"
    );
    assert!(screen.contains("running or cut short"), "{screen}");
    insta::assert_snapshot!("counts_quit_80x24", cockpit::screen_text(&s.state, 80, 24));
    let report = rollout_cockpit::report::render(&s.state.plan, &s.records, &[]);
    assert!(
        report.contains("## Checklist (1/3 done or not applicable)"),
        "{report}"
    );
}

/// The red panel names the key that rolls back in this cockpit, and only
/// where it can: not in a mirror, not once the session ended or the
/// rollback runs.
#[test]
fn the_firing_title_says_what_to_press_only_where_it_works() {
    use rollout_cockpit::config::keys::Keymap;
    use rollout_cockpit::ui::criteria::firing_title;
    let s = degraded();
    assert!(s.state.session.firing());
    assert_eq!(
        firing_title(&s.state, &Keymap::default()),
        " ROLLBACK CRITERIA MET — press R "
    );
    let rebound = Keymap::with_overrides(&std::collections::BTreeMap::from([(
        "rollback".to_string(),
        vec!["X".to_string()],
    )]))
    .unwrap();
    assert_eq!(
        firing_title(&s.state, &rebound),
        " ROLLBACK CRITERIA MET — press X "
    );
    let mut mirror = s.state.clone();
    mirror.read_only = true;
    assert_eq!(
        firing_title(&mirror, &Keymap::default()),
        " ROLLBACK CRITERIA MET "
    );
    let mut s = degraded();
    s.cmd(Cmd::Rollback);
    s.cmd(Cmd::Confirm);
    assert_eq!(
        firing_title(&s.state, &Keymap::default()),
        " ROLLBACK CRITERIA MET — rolling back "
    );
}
