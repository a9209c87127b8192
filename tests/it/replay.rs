//! `replay`: the screen at each decision of a scripted session, stepped to
//! with `]`, is the live cockpit's screen at that moment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use rollout_cockpit::config::keys::Keymap;
use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::event::Event;
use rollout_cockpit::core::outline::Row;
use rollout_cockpit::core::state::State;
use rollout_cockpit::core::timeline::{Log, Timeline};
use rollout_cockpit::core::update::update;
use rollout_cockpit::domain::monitor::Outcome;

use crate::harness::cockpit::{
    Session, monitor_config, now, plan, render_with, sample, settings, terminal_text, terp,
    terp_details, terp_started,
};

/// The panes of a screen: without the header (the mirror's banner, the
/// clock) and the two bottom lines (this machine, or the replay's bar,
/// and the key hints).
fn panes(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    lines[2..lines.len() - 2].join("\n")
}

/// A live screen as the deployer saw it the moment the last record was
/// written: the cockpit's clock is the record's time. Drawn as a mirror
/// draws it: a replay, like `watch`, offers no `R` in the criteria's
/// "ROLLBACK CRITERIA MET" (the only pane `read_only` changes).
fn live(s: &Session, w: u16, h: u16) -> String {
    let mut state = s.state.clone();
    state.now = s.records.last().unwrap().ts;
    state.read_only = true;
    terminal_text(&render_with(&state, &Keymap::default(), w, h))
}

/// Each record index after which the script stopped, with the live screen
/// and the deployer's cursor then.
type Seen = BTreeMap<usize, (String, Option<Row>)>;

fn look(s: &Session, seen: &mut Seen, w: u16, h: u16) {
    seen.insert(s.records.len() - 1, (live(s, w, h), s.state.ui.cursor));
}

/// Probing, a baseline, two ticks, a command that ends, errors that fire
/// the error-rate criterion, the deployer's rollback confirm... looked at
/// after every step.
fn scripted(w: u16, h: u16) -> (Session, Seen) {
    let mut s = Session::new(terp());
    let mut seen = Seen::new();
    s.record(terp_started(&plan()));
    s.record(Event::MonitorConfigured(monitor_config()));
    s.healthy(0, 40);
    look(&s, &mut seen, w, h);
    s.cmd(Cmd::PinBaseline);
    look(&s, &mut seen, w, h);
    s.go("Business stakeholder notification");
    s.cmd(Cmd::Tick);
    look(&s, &mut seen, w, h);
    s.go("Step 4: Deploy Application");
    s.cmd(Cmd::Open);
    s.cmd(Cmd::Confirm);
    look(&s, &mut seen, w, h);
    s.exited(1, 0);
    look(&s, &mut seen, w, h);
    for k in 40..60 {
        let mut p = if k % 2 == 0 {
            sample(k, 3.0, Outcome::HttpStatus(503))
        } else {
            sample(k, 120.0, Outcome::Ok)
        };
        if p.details.is_some() {
            p.details = Some(terp_details("degraded", 1, 3));
        }
        s.samples(vec![p]);
        look(&s, &mut seen, w, h);
    }
    s.go("Staging smoke tests passed");
    s.cmd(Cmd::Tick);
    look(&s, &mut seen, w, h);
    (s, seen)
}

/// The replay's state at the timeline's cursor, the viewer's cursor on
/// `row` (the screen's own state is the viewer's, never replayed).
fn replayed(t: &mut Timeline, row: Option<Row>) -> State {
    let mut state = State::new(plan(), settings(), now());
    state.read_only = true;
    let shown = t.shown(state.exec.shown, false);
    update(&mut state, shown);
    state.ui.cursor = row;
    state
}

fn first_tick(s: &Session) -> usize {
    s.records
        .iter()
        .position(|r| matches!(r.event, Event::Ticked { .. }))
        .unwrap()
}

fn replay_screen(state: &State, w: u16, h: u16) -> String {
    terminal_text(&render_with(state, &Keymap::default().replay(), w, h))
}

#[test]
fn each_decision_replays_as_the_deployer_saw_it() {
    for (w, h) in [(120, 40), (80, 24)] {
        let (s, seen) = scripted(w, h);
        let mut t = Timeline::new(&plan().runbook, s.records.clone());
        t.seek(0);
        let mut compared = 0;
        loop {
            let at = t.cursor();
            t.decision(true);
            if t.cursor() == at {
                break;
            }
            let Some((screen, row)) = seen.get(&t.cursor()) else {
                continue;
            };
            let got = replay_screen(&replayed(&mut t, *row), w, h);
            assert_eq!(
                panes(&got),
                panes(screen),
                "{w}x{h}, decision at record {}:\n{got}\n--- live ---\n{screen}",
                t.cursor()
            );
            compared += 1;
        }
        // The tick, the command's start and exit, a criterion pending then
        // firing, the second tick.
        assert!(compared >= 5, "{w}x{h}: only {compared} decisions compared");
        let criteria = t
            .decisions()
            .iter()
            .filter(|&&d| matches!(s.records[d].event, Event::Samples { .. }))
            .count();
        assert!(criteria >= 1, "no criterion change among the decisions");
    }
}

#[test]
fn the_bar_names_the_event_its_time_in_the_window_zone_and_utc() {
    let (s, _) = scripted(120, 40);
    let mut t = Timeline::new(&plan().runbook, s.records.clone());
    let tick = first_tick(&s);
    t.seek(tick);
    let state = replayed(&mut t, None);
    let screen = replay_screen(&state, 120, 40);
    let bar = screen.lines().nth(38).unwrap();
    let ts = s.records[t.cursor()].ts;
    let ny = ts.with_timezone(&chrono_tz::America::New_York);
    assert!(
        bar.contains(&format!("event {}/{}", t.cursor() + 1, s.records.len())),
        "{bar}"
    );
    assert!(bar.contains(&ny.format("%H:%M:%S %Z").to_string()), "{bar}");
    assert!(
        bar.contains(&format!("({} UTC)", ts.format("%H:%M:%S"))),
        "{bar}"
    );
    assert!(bar.contains("1x ⏸"), "{bar}");
    assert!(
        bar.contains("ticked Business stakeholder notification"),
        "{bar}"
    );
    assert!(screen.contains("REPLAY — alice's session"), "{screen}");
}

#[test]
fn the_output_pane_shows_an_ended_command_whole_and_a_running_one_as_of_the_end() {
    let (s, _) = scripted(120, 40);
    let started = s
        .records
        .iter()
        .position(|r| matches!(r.event, Event::CommandStarted { .. }))
        .unwrap();
    let logs = BTreeMap::from([(
        1,
        Log {
            skipped: 0,
            lines: vec!["deploying v2.4.1".into(), "deployed".into()],
        },
    )]);
    let mut t = Timeline::new(&plan().runbook, s.records.clone()).with_logs(logs);
    t.seek(started);
    let row = s.state.exec.anchor;
    let running = replay_screen(&replayed(&mut t, row), 120, 40);
    assert!(running.contains("output as of the end"), "{running}");
    t.step(true);
    let ended = replay_screen(&replayed(&mut t, row), 120, 40);
    assert!(ended.contains("deployed"), "{ended}");
    assert!(!ended.contains("output as of the end"), "{ended}");
    t.step(false);
    t.step(false);
    let before = replay_screen(&replayed(&mut t, row), 120, 40);
    assert!(!before.contains("deploying v2.4.1"), "{before}");
}

#[test]
fn replay_screens() {
    let (s, _) = scripted(120, 40);
    let mut t = Timeline::new(&plan().runbook, s.records.clone());
    let tick = first_tick(&s);
    for (name, k) in [("tick", tick), ("end", s.records.len() - 1)] {
        t.seek(k);
        let state = replayed(&mut t, s.state.ui.cursor);
        for (w, h) in [(120, 40), (80, 24)] {
            insta::assert_snapshot!(
                format!("replay_{name}_{w}x{h}"),
                replay_screen(&state, w, h)
            );
        }
        // Far too small: said, never a panic.
        let tiny = replay_screen(&state, 20, 5);
        assert!(tiny.contains("too small"), "{tiny}");
    }
}

#[test]
fn help_lists_the_timeline_keys_and_no_key_that_changes_the_session() {
    let (s, _) = scripted(120, 40);
    let mut t = Timeline::new(&plan().runbook, s.records.clone());
    let mut state = replayed(&mut t, None);
    update(&mut state, Action::Cmd(Cmd::Help));
    let help = replay_screen(&state, 120, 60);
    for (keys, what) in [
        ("←", "replay: one event back"),
        ("→", "replay: one event on"),
        ("[", "replay: previous decision"),
        ("]", "replay: next decision"),
        ("g", "replay: the session's start"),
        ("G", "replay: the session's end"),
        ("space", "replay: play / pause"),
        ("+ =", "replay: play faster (1x, 10x, 60x)"),
        ("-", "replay: play slower"),
    ] {
        let line = help
            .lines()
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("{what:?} not in help:\n{help}"));
        assert!(line.contains(&format!(" {keys}  {what}")), "{line}");
    }
    assert!(!help.contains("tick / untick"), "{help}");
    assert!(!help.contains("collapse section"), "{help}");
}

/// A journal that marks how far a running command's log had got: the
/// replay shows its output up to there, nothing later, and no "as of the
/// end"; before the first mark, nothing.
#[test]
fn a_running_commands_output_is_cut_at_its_mark() {
    use rollout_cockpit::core::event::{OutputMark, Record};
    let (s, _) = scripted(120, 40);
    let mut records = s.records.clone();
    let started = records
        .iter()
        .position(|r| matches!(r.event, Event::CommandStarted { .. }))
        .unwrap();
    let at = records[started].ts + chrono::Duration::milliseconds(900);
    records.insert(
        started + 1,
        Record {
            seq: records[started].seq,
            ts: at,
            by: records[started].by.clone(),
            event: Event::OutputMarks {
                marks: vec![OutputMark { run: 1, lines: 1 }],
            },
        },
    );
    let logs = BTreeMap::from([(
        1,
        Log {
            skipped: 0,
            lines: vec!["deploying v2.4.1".into(), "deployed".into()],
        },
    )]);
    let mut t = Timeline::new(&plan().runbook, records).with_logs(logs);
    let row = s.state.exec.anchor;
    t.seek(started);
    let at_start = replay_screen(&replayed(&mut t, row), 120, 40);
    assert!(!at_start.contains("deploying v2.4.1"), "{at_start}");
    assert!(!at_start.contains("output as of the end"), "{at_start}");
    t.step(true);
    let marked = replay_screen(&replayed(&mut t, row), 120, 40);
    assert!(marked.contains("deploying v2.4.1"), "{marked}");
    assert!(
        !marked.contains("deployed\n") && !marked.contains("│deployed "),
        "{marked}"
    );
    t.step(true);
    let ended = replay_screen(&replayed(&mut t, row), 120, 40);
    assert!(ended.contains("deployed"), "{ended}");
}
