//! The escalation path: its clock starts in the fold at the first firing,
//! due texts follow the state's clock, `space` journals "contacted" once,
//! a mirror may look but not mark, and the report tells the story.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::harness::cockpit::{Session, degraded, now, plan, render, screen_text, settings, terp};
use chrono::{DateTime, Duration, Utc};
use ratatui::style::Color;
use rollout_cockpit::config::keys::{Key, Keymap};
use rollout_cockpit::core::action::allowed_in_mirror;
use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::effect::Effect;
use rollout_cockpit::core::event::{Event, Record};
use rollout_cockpit::core::modal::Modal;
use rollout_cockpit::core::screen::Mode;
use rollout_cockpit::core::state::State;
use rollout_cockpit::core::update::escalation;
use rollout_cockpit::core::update::update;
use rollout_cockpit::domain::monitor::criteria::State as C;
use rollout_cockpit::journal::{self, Journal};
use rollout_cockpit::report;

/// When the degraded fixture's first criterion fired, per the health fold.
fn first_firing(s: &Session) -> DateTime<Utc> {
    s.state
        .session
        .health
        .transitions
        .iter()
        .find(|t| t.to == C::Firing)
        .expect("the degraded fixture fires")
        .at
}

fn due_text(state: &State, step: usize) -> Option<String> {
    let step = &state.runbook().escalation[step];
    escalation::due(state, step).map(|d| d.text())
}

/// Journals an event at `ts`, as the loop does with the wall clock.
fn record_at(s: &mut Session, ts: DateTime<Utc>, event: Event) {
    let r = Record {
        seq: s.records.len() as u64 + 1,
        ts,
        by: "alice".into(),
        event,
    };
    s.state.session.apply(&r);
    s.records.push(r);
}

/// The degraded session, overlay open on the Technical Lead, the on-call
/// engineer contacted a minute after the firing, the clock 4 min in.
fn contacted_session() -> (Session, DateTime<Utc>) {
    let mut s = degraded();
    let start = first_firing(&s);
    s.cmd(Cmd::Escalation);
    let effects = update(&mut s.state, Action::Cmd(Cmd::Contacted));
    let Some(Effect::Journal(ev)) = effects.into_iter().next() else {
        panic!("space journals")
    };
    record_at(&mut s, start + Duration::minutes(1), ev);
    s.cmd(Cmd::Down);
    s.act(Action::Clock(start + Duration::minutes(4)));
    (s, start)
}

#[test]
fn the_clock_starts_at_the_first_firing_not_before() {
    let s = Session::new(terp());
    assert_eq!(s.state.session.escalation.started, None);
    assert_eq!(due_text(&s.state, 1), None, "no clock yet");
    let s = degraded();
    let started = s.state.session.escalation.started.clone().unwrap();
    assert_eq!(
        started.at,
        first_firing(&s),
        "the sample's time, not the batch's"
    );
    assert_eq!(
        started.reason,
        "criterion fired: Error rate > 5% above baseline"
    );
}

#[test]
fn a_rollback_starts_the_clock_too() {
    let mut s = Session::new(terp());
    s.record(Event::RollbackStarted {
        procedure: 0,
        trigger: "manual".into(),
        metrics: Default::default(),
        automatic_after_s: None,
    });
    let r = s.records.last().unwrap().ts;
    let started = s.state.session.escalation.started.clone().unwrap();
    assert_eq!(
        (started.at, started.reason.as_str()),
        (r, "rollback started")
    );
}

#[test]
fn due_texts_follow_the_clock() {
    let mut s = degraded();
    let start = first_firing(&s);
    let at = |s: &mut Session, mins: i64, secs: i64| {
        s.act(Action::Clock(
            start + Duration::minutes(mins) + Duration::seconds(secs),
        ));
    };
    at(&mut s, 4, 0);
    assert_eq!(due_text(&s.state, 1).as_deref(), Some("due in 11 min"));
    assert_eq!(due_text(&s.state, 0).as_deref(), Some("overdue 4 min"));
    assert_eq!(due_text(&s.state, 2), None, "for data issues: no time");
    at(&mut s, 14, 1);
    assert_eq!(due_text(&s.state, 1).as_deref(), Some("due in 1 min"));
    at(&mut s, 15, 0);
    assert_eq!(due_text(&s.state, 1).as_deref(), Some("due now"));
    at(&mut s, 15, 59);
    assert_eq!(due_text(&s.state, 1).as_deref(), Some("due now"));
    at(&mut s, 18, 0);
    assert_eq!(due_text(&s.state, 1).as_deref(), Some("overdue 3 min"));
    s.cmd(Cmd::Escalation);
    let text = screen_text(&s.state, 120, 40);
    assert!(
        text.contains("Technical Lead · [Phone/Slack] · overdue 3 min"),
        "{text}"
    );
    assert_eq!(style_of(&s.state, "overdue 3 min").fg, Some(Color::Yellow));
    at(&mut s, 4, 0);
    assert_ne!(
        style_of(&s.state, "due in 11 min").fg,
        Some(Color::Yellow),
        "not yet amber"
    );
}

/// The style of the first cell of `needle` on the 120x40 screen.
fn style_of(state: &State, needle: &str) -> ratatui::style::Style {
    let t = render(state, 120, 40);
    let buf = t.backend().buffer();
    for y in 0..buf.area.height {
        let row: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        let line = row.concat();
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count() as u16;
            return buf[(x, y)].style();
        }
    }
    panic!("{needle:?} not on screen")
}

#[test]
fn steps_are_matched_to_contacts_by_role() {
    let st = terp();
    let rb = st.runbook();
    let roles: Vec<Option<&str>> = rb
        .escalation
        .iter()
        .map(|e| escalation::contact_for(rb, e).map(|c| c.role.as_str()))
        .collect();
    assert_eq!(
        roles,
        [
            Some("On-Call Engineer"),
            Some("Technical Lead"),
            Some("Database Admin"),
            None
        ]
    );
}

#[test]
fn space_journals_contacted_once() {
    let mut s = degraded();
    s.cmd(Cmd::Escalation);
    assert_eq!(s.state.mode(), Mode::Escalation);
    s.cmd(Cmd::Down);
    assert_eq!(s.state.ui.modal, Some(Modal::Escalation { step: 1 }));
    let effects = update(&mut s.state, Action::Cmd(Cmd::Contacted));
    let want = Event::EscalationContacted { step: 1 };
    assert_eq!(effects, vec![Effect::Journal(want.clone())]);
    assert!(want.is_human(), "fsync'd before the screen shows it");
    assert_eq!(
        serde_json::to_value(&want).unwrap(),
        serde_json::json!({"type": "escalation_contacted", "step": 1})
    );
    s.record(want);
    let by = &s.state.session.escalation.contacted[&1];
    assert_eq!(by.by, "alice");
    assert!(update(&mut s.state, Action::Cmd(Cmd::Contacted)).is_empty());
    // `C` again closes the overlay.
    s.cmd(Cmd::Escalation);
    assert_eq!(s.state.ui.modal, None);
}

#[test]
fn replaying_the_journal_gives_the_live_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::create(dir.path()).unwrap();
    let (s, _) = contacted_session();
    let mut live = State::new(plan(), settings(), now());
    for r in &s.records {
        let r = journal.append(&r.by, r.ts, r.event.clone()).unwrap();
        live.session.apply(&r);
    }
    let records = journal::read(journal.path()).unwrap();
    let replayed = State::replay(plan(), settings(), now(), &records);
    assert_eq!(replayed.session, live.session);
    assert_eq!(replayed.session.escalation, s.state.session.escalation);
    assert!(replayed.session.escalation.contacted.contains_key(&0));
}

#[test]
fn a_mirror_opens_the_overlay_but_refuses_space() {
    assert!(allowed_in_mirror(Cmd::Escalation));
    assert!(!allowed_in_mirror(Cmd::Contacted));
    let keys = Keymap::default().read_only();
    assert_eq!(
        keys.lookup(Mode::Escalation, Key::parse("space").unwrap()),
        Some(Cmd::Contacted),
        "still recognised, so the refusal is said out loud"
    );
    assert!(
        !keys
            .footer(Mode::Escalation)
            .iter()
            .any(|(_, h)| *h == "contacted")
    );
    let mut s = degraded();
    s.state.read_only = true;
    s.cmd(Cmd::Escalation);
    assert_eq!(s.state.ui.modal, Some(Modal::Escalation { step: 0 }));
    assert!(update(&mut s.state, Action::Cmd(Cmd::Contacted)).is_empty());
    assert_eq!(
        s.state.ui.flash.as_deref(),
        Some("read-only mirror: contacted is not available")
    );
}

#[test]
fn keys_and_footer_come_from_the_keymap() {
    let k = Keymap::default();
    assert_eq!(
        k.lookup(Mode::Normal, Key::parse("C").unwrap()),
        Some(Cmd::Escalation)
    );
    let footer = k.footer(Mode::Escalation);
    assert!(
        footer.contains(&("space".to_string(), "contacted")),
        "{footer:?}"
    );
    assert!(
        k.footer(Mode::Normal)
            .contains(&("C".to_string(), "escalation"))
    );
}

#[test]
fn snapshots_of_the_overlay() {
    let mut before = Session::new(terp());
    before.cmd(Cmd::Escalation);
    let (after, _) = contacted_session();
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(
            format!("escalation_before_{w}x{h}"),
            render(&before.state, w, h).backend()
        );
        insta::assert_snapshot!(
            format!("escalation_running_{w}x{h}"),
            render(&after.state, w, h).backend()
        );
    }
    let text = screen_text(&after.state, 120, 40);
    assert!(
        text.contains("Technical Lead · [Phone/Slack] · due in 11 min"),
        "{text}"
    );
    assert!(text.contains("contacted by alice at"), "{text}");
}

#[test]
fn the_report_has_the_escalation_section_and_timeline() {
    let (s, _) = contacted_session();
    let text = report::render(&s.state.plan, &s.records, &[]);
    assert!(text.contains("## Escalation"), "{text}");
    assert!(
        text.contains("criterion fired: Error rate > 5% above baseline"),
        "{text}"
    );
    assert!(
        text.contains("| 1. On-Call Engineer (immediate response) |"),
        "{text}"
    );
    assert!(text.contains("| by alice at "), "{text}");
    assert!(
        text.contains("| 2. Technical Lead (within 15 minutes) |")
            && text.contains("not contacted"),
        "{text}"
    );
    assert!(
        text.contains("escalation: contacted On-Call Engineer (immediate response)"),
        "{text}"
    );
    // No firing, no rollback: no section.
    let quiet = Session::new(terp());
    assert!(!report::render(&quiet.state.plan, &quiet.records, &[]).contains("## Escalation"));
}

#[test]
fn a_changed_runbook_maps_contacted_steps_by_their_text() {
    use rollout_cockpit::core::plan::Plan;
    use rollout_cockpit::domain::runbook;
    use rollout_cockpit::journal::sessions as session;
    let path = |steps: &str| {
        format!("# Plan\n\n## Contact and Escalation\n\n### Escalation Path\n\n{steps}")
    };
    let old_text = path(
        "1. On-Call Engineer (immediate response)\n2. Technical Lead (within 15 minutes)\n3. Management (for major incidents)\n",
    );
    let new_text = path(
        "1. Incident Commander (immediate response)\n2. On-Call Engineer (immediate response)\n3. Technical Lead (within 15 minutes)\n",
    );
    let old = Plan::new(runbook::parse(&old_text), &old_text);
    let new = Plan::new(runbook::parse(&new_text), &new_text);
    assert_eq!(old.runbook.escalation.len(), 3, "the fixture parses");
    let dir = tempfile::tempdir().unwrap();
    session::save_runbook(dir.path(), &old.hash, &old_text).unwrap();
    let mut j = Journal::create(dir.path()).unwrap();
    j.append(
        "a",
        now(),
        Event::SessionStarted {
            runbook: "p".into(),
            runbook_hash: old.hash.clone(),
            environment: "staging".into(),
        },
    )
    .unwrap();
    for step in [1, 2] {
        j.append("a", now(), Event::EscalationContacted { step })
            .unwrap();
    }
    let loaded = journal::load(j.path()).unwrap();
    let r = session::finish(dir.path(), loaded, new.clone());
    let s = State::replay(new.clone(), settings(), now(), &r.records);
    let contacted: Vec<&str> = s
        .session
        .escalation
        .contacted
        .keys()
        .map(|&i| new.runbook.escalation[i].text.as_str())
        .collect();
    assert_eq!(contacted, ["Technical Lead (within 15 minutes)"]);
    assert_eq!(r.notices.len(), 1, "Management is gone: {:?}", r.notices);
    assert!(r.notices[0].contains("escalation step not in the changed runbook"));
}

/// In the demo (`--speed 20`) a step due "within 15 minutes" is due after
/// 45 real seconds, as the window clock in the header runs.
#[test]
fn the_demo_runs_the_escalation_clock_at_its_speed() {
    let mut s = degraded();
    let start = first_firing(&s);
    s.state.settings.demo = Some(rollout_cockpit::core::event::DemoClock {
        speed: 20.0,
        origin: start - Duration::seconds(30),
    });
    s.act(Action::Clock(start + Duration::seconds(12)));
    assert_eq!(due_text(&s.state, 1).as_deref(), Some("due in 11 min"));
    s.act(Action::Clock(start + Duration::seconds(45)));
    assert_eq!(due_text(&s.state, 1).as_deref(), Some("due now"));
}
