//! `update` for every action, on the real TERP plan, and the journal promise:
//! replaying what was written gives the state the screen showed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::harness::cockpit::{self, Session, now, plan, settings, terp};
use chrono::Duration;
use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::effect::Effect;
use rollout_cockpit::core::event::{Event, Machine, Target};
use rollout_cockpit::core::modal::Confirm;
use rollout_cockpit::core::modal::Field;
use rollout_cockpit::core::modal::Modal;
use rollout_cockpit::core::outline::Row;
use rollout_cockpit::core::screen::Mode;
use rollout_cockpit::core::session::Mark;
use rollout_cockpit::core::session::Status;
use rollout_cockpit::core::state::State;
use rollout_cockpit::core::update::update;
use rollout_cockpit::journal::{self, Journal};

fn cursor_text(s: &Session) -> String {
    s.state.row_text(s.state.ui.cursor.unwrap()).to_string()
}

#[test]
fn moving_stays_inside_the_checklist() {
    let mut s = Session::new(terp());
    let rows = s.state.rows();
    assert_eq!(s.state.ui.cursor, Some(rows[0]));
    s.cmd(Cmd::Up);
    assert_eq!(s.state.ui.cursor, Some(rows[0]), "up at the top stays");
    s.cmd(Cmd::Down);
    assert_eq!(s.state.ui.cursor, Some(rows[1]));
    s.cmd(Cmd::Bottom);
    assert_eq!(s.state.ui.cursor, rows.last().copied());
    s.cmd(Cmd::Down);
    assert_eq!(
        s.state.ui.cursor,
        rows.last().copied(),
        "down at the end stays"
    );
    s.cmd(Cmd::Top);
    assert_eq!(s.state.ui.cursor, Some(rows[0]));
    s.state.ui.page = 5;
    s.cmd(Cmd::PageDown);
    assert_eq!(s.state.ui.cursor, Some(rows[5]));
    s.cmd(Cmd::PageUp);
    assert_eq!(s.state.ui.cursor, Some(rows[0]));
}

#[test]
fn braces_jump_between_sections() {
    let mut s = Session::new(terp());
    s.go("Staging smoke tests passed");
    s.cmd(Cmd::NextSection);
    assert_eq!(cursor_text(&s), "2. Approval Requirements");
    s.cmd(Cmd::PrevSection);
    assert_eq!(cursor_text(&s), "1. Staging Verification");
}

#[test]
fn collapse_hides_a_section_and_expand_shows_it() {
    let mut s = Session::new(terp());
    let before = s.state.rows().len();
    s.go("Staging smoke tests passed");
    s.cmd(Cmd::Collapse);
    assert_eq!(
        cursor_text(&s),
        "1. Staging Verification",
        "cursor moves to the header"
    );
    assert_eq!(s.state.rows().len(), before - 4);
    s.cmd(Cmd::Expand);
    assert_eq!(s.state.rows().len(), before);
    // Space on a plain heading folds too.
    s.cmd(Cmd::Tick);
    assert_eq!(s.state.rows().len(), before - 4);
    assert!(s.records.is_empty(), "folding is not a journaled fact");
}

#[test]
fn search_jumps_to_matches_and_unfolds_them() {
    let mut s = Session::new(terp());
    s.go("Logout");
    s.cmd(Cmd::Top);
    s.go("Critical Path Testing");
    s.cmd(Cmd::Collapse);
    s.cmd(Cmd::Top);
    s.cmd(Cmd::Search);
    assert_eq!(s.state.mode(), Mode::Input);
    s.type_text("logoutx");
    s.cmd(Cmd::DeleteChar);
    s.cmd(Cmd::Submit);
    assert_eq!(
        cursor_text(&s),
        "Logout works",
        "found inside a collapsed section"
    );
    assert!(
        s.state.rows().contains(&s.state.ui.cursor.unwrap()),
        "and shown"
    );
    s.cmd(Cmd::Search);
    s.type_text("works");
    s.cmd(Cmd::Submit);
    let first = cursor_text(&s);
    s.cmd(Cmd::SearchNext);
    let second = cursor_text(&s);
    assert_ne!(first, second);
    assert!(second.contains("works"));
    s.cmd(Cmd::SearchPrev);
    assert_eq!(cursor_text(&s), first);
    s.cmd(Cmd::Search);
    s.type_text("no such thing");
    s.cmd(Cmd::Submit);
    assert_eq!(cursor_text(&s), first, "no match: the cursor stays");
    assert!(s.state.ui.flash.as_deref().unwrap().contains("no match"));
}

#[test]
fn space_ticks_and_unticks_with_who_and_when() {
    let mut s = Session::new(terp());
    let row = s.go("Business stakeholder notification");
    let Row::Item(i) = row else { panic!() };
    s.cmd(Cmd::Tick);
    assert_eq!(
        s.records.last().unwrap().event,
        Event::Ticked {
            target: Target::Item(i)
        }
    );
    match s.state.session.marks.get(&Target::Item(i)) {
        Some(Mark::Done(stamp)) => {
            assert_eq!(stamp.by, "alice");
            assert_eq!(stamp.at, s.records.last().unwrap().ts);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.state.session.first_step, Some(s.records[0].ts));
    s.cmd(Cmd::Tick);
    assert_eq!(s.state.row_status(row), Status::Open);
    assert_eq!(s.records.len(), 2);
}

/// The plan's "Technical lead approval" is an approval: the deployer's
/// own space is refused, saying why and how, and nothing is journaled;
/// n/a with a reason stays theirs (no schema change, no DBA needed).
#[test]
fn the_deployers_tick_on_an_approval_is_refused_with_the_reason() {
    let mut s = Session::new(terp());
    let row = s.go("Technical lead approval");
    s.cmd(Cmd::Tick);
    assert!(s.records.is_empty(), "{:?}", s.records);
    assert_eq!(s.state.row_status(row), Status::Open);
    let flash = s.state.ui.flash.clone().unwrap_or_default();
    assert!(
        flash.contains("an approval needs a second person")
            && flash.contains("rollout-cockpit join")
            && flash.contains("s: n/a with a reason"),
        "{flash}"
    );
    let row = s.go("Database admin approval");
    s.cmd(Cmd::NotApplicable);
    s.type_text("no schema change");
    s.cmd(Cmd::Submit);
    assert_eq!(s.state.row_status(row), Status::NotApplicable);
    assert!(matches!(
        s.records.last().map(|r| &r.event),
        Some(Event::NotApplicable { .. })
    ));
}

#[test]
fn update_never_changes_journaled_state_by_itself() {
    let mut state = terp();
    let effects = update(&mut state, Action::Cmd(Cmd::Tick));
    // The first row is a plain heading: nothing to journal.
    assert!(effects.is_empty());
    let mut s = Session::new(terp());
    s.go("Business stakeholder notification");
    let mut state = s.state.clone();
    let effects = update(&mut state, Action::Cmd(Cmd::Tick));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Journal(Event::Ticked { .. })]
    ));
    assert_eq!(state.session, s.state.session, "ticked only once journaled");
}

#[test]
fn steps_can_be_ticked() {
    let mut s = Session::new(terp());
    let row = s.go("Step 4: Deploy Application");
    s.cmd(Cmd::Tick);
    assert_eq!(s.state.row_status(row), Status::Done);
    let Row::Section(id) = row else { panic!() };
    assert_eq!(
        s.records[0].event,
        Event::Ticked {
            target: Target::Step(id)
        }
    );
}

#[test]
fn not_applicable_needs_a_reason() {
    let mut s = Session::new(terp());
    let row = s.go("Business stakeholder notification");
    s.cmd(Cmd::NotApplicable);
    assert!(matches!(
        s.state.ui.modal,
        Some(Modal::Input {
            field: Field::Reason(_),
            ..
        })
    ));
    s.cmd(Cmd::Submit);
    assert!(s.records.is_empty(), "empty reason refused");
    assert!(s.state.ui.modal.is_some(), "field stays open");
    s.type_text("internal release");
    s.cmd(Cmd::Submit);
    assert_eq!(s.state.row_status(row), Status::NotApplicable);
    assert!(s.state.ui.modal.is_none());
    // Space on a not-applicable item reopens it.
    s.cmd(Cmd::Tick);
    assert_eq!(s.state.row_status(row), Status::Open);
}

#[test]
fn notes_are_journaled_with_their_row() {
    let mut s = Session::new(terp());
    let row = s.go("Verify backup integrity");
    s.cmd(Cmd::Note);
    s.type_text("sha256 matches");
    s.cmd(Cmd::Submit);
    let note = s.state.session.notes.last().unwrap();
    assert_eq!(note.text, "sha256 matches");
    assert_eq!(note.target, row.target(s.state.runbook()));
    s.cmd(Cmd::Note);
    s.cmd(Cmd::Submit);
    assert_eq!(s.state.session.notes.len(), 1, "an empty note is dropped");
}

#[test]
fn enter_shows_a_command_or_says_there_is_none() {
    let mut s = Session::new(terp());
    s.go("Step 3: Apply Database Migrations");
    s.cmd(Cmd::Open);
    // Unset $VARS: the form asks for them before the confirm.
    assert!(
        matches!(s.state.ui.modal, Some(Modal::Form(_))),
        "{:?}",
        s.state.ui.modal
    );
    assert_eq!(s.state.mode(), Mode::Input);
    s.cmd(Cmd::Cancel);
    assert_eq!(s.state.ui.modal, None);
    s.go("Logout works");
    s.cmd(Cmd::Open);
    assert_eq!(s.state.ui.modal, None);
    assert_eq!(
        s.state.ui.flash.as_deref(),
        Some("no command for this item")
    );
}

#[test]
fn help_and_log_toggle() {
    let mut s = Session::new(terp());
    s.cmd(Cmd::Help);
    assert_eq!(s.state.ui.modal, Some(Modal::Help));
    s.cmd(Cmd::Help);
    assert_eq!(s.state.ui.modal, None);
    s.cmd(Cmd::ToggleLog);
    assert!(s.state.ui.show_log);
    s.cmd(Cmd::ToggleLog);
    assert!(!s.state.ui.show_log);
}

#[test]
fn quit_asks_first() {
    let mut s = Session::new(terp());
    s.cmd(Cmd::Quit);
    assert_eq!(s.state.ui.modal, Some(Modal::Confirm(Confirm::Quit)));
    assert!(!s.quit);
    s.cmd(Cmd::Cancel);
    assert!(!s.quit && s.state.ui.modal.is_none());
    s.cmd(Cmd::Confirm);
    assert!(!s.quit, "y without a question does nothing");
    s.cmd(Cmd::Quit);
    s.cmd(Cmd::Quit);
    assert_eq!(s.state.ui.modal, Some(Modal::Confirm(Confirm::Quit)));
    s.cmd(Cmd::Confirm);
    assert!(s.quit);
}

#[test]
fn clock_and_machine_only_change_what_they_say() {
    let mut s = Session::new(terp());
    let later = now() + Duration::minutes(5);
    s.act(Action::Clock(later));
    assert_eq!(s.state.now, later);
    let m = Machine {
        cpu_percent: 50.0,
        mem_used: 1,
        mem_total: 2,
    };
    s.act(Action::Machine(m));
    assert_eq!(s.state.machine, Some(m));
    assert!(s.records.is_empty());
    // Typing outside a text field is ignored.
    s.act(Action::Input('x'));
    assert_eq!(s.state.ui.modal, None);
}

#[test]
fn a_manual_toggle_sets_its_state() {
    use rollout_cockpit::domain::monitor::criteria::State as C;
    let mut s = Session::new(terp());
    let verdicts = cockpit::verdict_states;
    assert_eq!(verdicts(&s)[2], C::Collecting);
    assert_eq!(verdicts(&s)[0], C::Ok, "manual");
    s.record(Event::CriterionToggled { criterion: 0 });
    assert!(s.state.session.firing());
    // An unknown or measured criterion (a changed runbook) is ignored, never a panic.
    s.record(Event::CriterionToggled { criterion: 99 });
    s.record(Event::CriterionToggled { criterion: 2 });
    assert_eq!(verdicts(&s)[2], C::Collecting);
}

#[test]
fn replaying_the_journal_gives_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::create(dir.path()).unwrap();
    let mut live = terp();
    let script: Vec<Action> = [
        Cmd::Down,
        Cmd::Down,
        Cmd::Tick,
        Cmd::Down,
        Cmd::Tick,
        Cmd::Down,
        Cmd::NotApplicable,
    ]
    .into_iter()
    .map(Action::Cmd)
    .chain("not needed".chars().map(Action::Input))
    .chain([Cmd::Submit, Cmd::Down, Cmd::Note].map(Action::Cmd))
    .chain("ok ✓".chars().map(Action::Input))
    .chain([Cmd::Submit, Cmd::Up, Cmd::Up, Cmd::Tick, Cmd::Tick].map(Action::Cmd))
    .collect();
    let mut t = now();
    for action in script {
        for effect in update(&mut live, action) {
            if let Effect::Journal(ev) = effect {
                t += Duration::seconds(7);
                let r = journal.append("alice", t, ev).unwrap();
                live.session.apply(&r);
            }
        }
    }
    let r = journal
        .append("monitor", t, Event::CriterionToggled { criterion: 1 })
        .unwrap();
    live.session.apply(&r);
    let records = journal::read(journal.path()).unwrap();
    assert_eq!(records.len(), 7);
    let replayed = State::replay(plan(), settings(), now(), &records);
    assert_eq!(replayed.session, live.session);
    assert!(!live.session.marks.is_empty());
    // The whole state matches too once the screen-only parts agree.
    let mut whole = replayed.clone();
    whole.ui = live.ui.clone();
    whole.machine = live.machine;
    assert_eq!(whole, live);
}

/// After a search, every match in the visible rows is drawn reversed, and
/// nothing else is.
#[test]
fn search_matches_are_highlighted_in_the_checklist() {
    let mut s = cockpit::Session::new(cockpit::terp());
    s.go("backup");
    let t = cockpit::render(&s.state, 120, 40);
    let buf = t.backend().buffer();
    let mut marked_rows = Vec::new();
    for y in 0..buf.area.height {
        let mut word = String::new();
        for x in 0..60 {
            let cell = &buf[(x, y)];
            if cell.modifier.contains(ratatui::style::Modifier::REVERSED) {
                word.push_str(cell.symbol());
            }
        }
        if !word.is_empty() {
            marked_rows.push(word);
        }
    }
    assert!(!marked_rows.is_empty());
    for w in &marked_rows {
        // The selected row is reversed whole; others show only the match.
        assert!(
            w.to_lowercase().contains("backup"),
            "reversed text without the match: {w:?}"
        );
    }
    assert!(
        marked_rows.iter().any(|w| w.eq_ignore_ascii_case("backup")),
        "a row other than the cursor's shows just the match: {marked_rows:?}"
    );
}
