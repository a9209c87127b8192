//! One clock for everyone: the demo's compressed window clock is a journaled
//! fact, so `watch` and `report` show the window, checkpoints and overdue
//! times the deployer's cockpit shows. And a mirror says how fresh its
//! picture is, when the deployer's cockpit is gone, and that an ended
//! session has nothing to roll back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, DurationRound, Utc};
use chrono_tz::America::New_York;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use rollout_cockpit::config::keys::Keymap;
use rollout_cockpit::core::action::Action;
use rollout_cockpit::core::event::{DemoClock, Event, Outcome};
use rollout_cockpit::core::state::State;
use rollout_cockpit::core::update::update;
use rollout_cockpit::core::window;
use rollout_cockpit::domain::runbook;
use rollout_cockpit::journal::lock::Lock;
use rollout_cockpit::journal::{self, Journal, sessions};
use rollout_cockpit::modes::watch;
use rollout_cockpit::shell::cockpit::{Cockpit, Feed};
use rollout_cockpit::shell::front::Script;
use rollout_cockpit::ui::{self, ViewState};

use crate::harness::cockpit::{self as h, Session, degraded, wait_for};

fn key(c: char) -> TermEvent {
    TermEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// The frame's line holding `needle` (the first), for comparing panes.
fn line_with<'a>(frame: &'a str, needle: &str) -> &'a str {
    frame
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{frame}"))
}

/// `t` as the TERP window's zone shows it: "15:00", "Mon 13:00 EST".
fn ny(t: DateTime<Utc>, fmt: &str) -> String {
    t.with_timezone(&New_York).format(fmt).to_string()
}

/// A checklist row's text, without the mirror's and the deployer's other
/// panes (the output pane differs: the deployer's cursor is its own).
fn checklist_cell(line: &str) -> String {
    line.split("││").next().unwrap_or(line).to_string()
}

#[tokio::test(flavor = "current_thread")]
async fn watch_and_report_show_the_demos_window_checkpoints_and_overdue_times() {
    let dir = tempfile::tempdir().unwrap();
    let plan = h::plan();
    sessions::save_runbook(dir.path(), &plan.hash, runbook::BUNDLED).unwrap();
    // The deployer's process holds the lock, as `run` does.
    let lock = Lock::acquire(dir.path(), "alice").unwrap();
    // The demo's clock, 60x: a real second is a window minute. From a
    // whole minute, so the figures below are whole.
    let t0 = Utc::now().duration_trunc(Duration::minutes(1)).unwrap();
    let mut settings = h::settings();
    settings.demo = Some(DemoClock {
        speed: 60.0,
        origin: t0,
    });
    let state = State::new(plan, settings, t0);
    let (front, mut d) = Script::new(TestBackend::new(120, 40)).unwrap();
    let deployer = Cockpit::new(
        front,
        state,
        ViewState::new(Keymap::default()),
        Journal::create(dir.path()).unwrap(),
    );
    let running = tokio::spawn(deployer.run());

    // 90 real seconds in: 90 minutes on the window clock.
    let at = t0 + Duration::seconds(90);
    d.clock.send(at).unwrap();
    let window = format!(
        "{}-{} {}, 2h30m left",
        ny(t0, "%H:%M"),
        ny(t0 + Duration::hours(4), "%H:%M"),
        ny(t0, "%Z")
    );
    let clock_shown = ny(t0 + Duration::minutes(90), "%H:%M %Z");
    let cockpit = wait_for(&mut d, "the window 90 minutes in", |f| f.contains(&window)).await;
    assert!(cockpit.contains(&clock_shown), "{cockpit}");
    // Due 2 h and 30 min before a window that opened 90 minutes ago.
    for (row, late) in [
        ("2 Hours Before", "overdue 3h30m"),
        ("30 Minutes Before", "overdue 2h00m"),
        ("24 Hours Before", "overdue 1d1h"),
    ] {
        assert!(line_with(&cockpit, row).contains(late), "{row}:\n{cockpit}");
    }

    // The mirror, from the journal: the clock's record is there once the
    // deployer's writer has it on disk.
    let path = dir.path().join(journal::FILE_NAME);
    let deadline = std::time::Instant::now() + StdDuration::from_secs(10);
    while !std::fs::read_to_string(&path)
        .unwrap_or_default()
        .contains("\"type\":\"demo_clock\"")
    {
        assert!(std::time::Instant::now() < deadline, "no demo_clock record");
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    let (mstate, tail, _) = watch::prepare(dir.path()).unwrap();
    let (mfront, mut md) = Script::new(TestBackend::new(120, 40)).unwrap();
    let mirror = Cockpit::new(
        mfront,
        mstate,
        ViewState::new(Keymap::default().read_only()),
        Feed::Tail(tail),
    );
    let mirroring = tokio::spawn(mirror.run());
    md.clock.send(at).unwrap();
    let mirrored = wait_for(&mut md, "the mirror's window", |f| {
        f.contains(&window) && f.contains("last update")
    })
    .await;
    assert!(mirrored.contains("READ-ONLY MIRROR"), "{mirrored}");
    assert!(mirrored.contains(&clock_shown), "{mirrored}");
    assert!(!mirrored.contains("not responding"), "{mirrored}");
    // The window line and every checkpoint, character for character.
    assert_eq!(line_with(&mirrored, &window), line_with(&cockpit, &window));
    for row in ["2 Hours Before", "30 Minutes Before", "24 Hours Before"] {
        assert_eq!(
            checklist_cell(line_with(&mirrored, row)),
            checklist_cell(line_with(&cockpit, row)),
        );
    }

    // The deployer quits; its lock goes with its process.
    d.keys.send(key('q')).unwrap();
    wait_for(&mut d, "the quit question", |f| {
        f.contains("Quit the cockpit?")
    })
    .await;
    d.keys.send(key('y')).unwrap();
    let code = tokio::time::timeout(StdDuration::from_secs(15), running)
        .await
        .expect("the deployer's loop ended")
        .unwrap()
        .unwrap();
    assert_eq!(code, 0);
    drop(lock);
    let ended = wait_for(&mut md, "the end in the mirror", |f| {
        f.contains("session ended: abandoned")
    })
    .await;
    assert!(
        !ended.contains("not responding") && !ended.contains("press"),
        "{ended}"
    );
    md.keys.send(key('q')).unwrap();
    let code = tokio::time::timeout(StdDuration::from_secs(15), mirroring)
        .await
        .expect("the mirror's loop ended")
        .unwrap()
        .unwrap();
    assert_eq!(code, 0);

    // The report: the demo's window and clock, and the checkpoints as the
    // window clock stood at the session's last record.
    let report = rollout_cockpit::report::for_session(dir.path()).unwrap();
    let records = journal::load(&path).unwrap().records;
    let last = records.last().unwrap().ts;
    let window_clock_end = t0 + (last - t0) * 60;
    assert!(
        report.contains(&format!(
            "| Window | {}–{} America/New_York |",
            ny(t0, "%H:%M"),
            ny(t0 + Duration::hours(4), "%H:%M")
        )),
        "{report}"
    );
    assert!(
        report.contains("| Clock | demo: the window clock ran 60× real time from "),
        "{report}"
    );
    let start = t0.with_timezone(&New_York);
    for (row, minutes) in [("2 Hours Before", 120), ("30 Minutes Before", 30)] {
        // The window opens at the demo's start, to the minute.
        let due = start.to_utc() - Duration::minutes(minutes);
        let line = format!(
            "- {row}: due {} — overdue {} when the session stopped (0/",
            ny(due, "%a %H:%M %Z"),
            window::human(window_clock_end - due)
        );
        assert!(report.contains(&line), "{line}\n{report}");
    }
}

/// The mirror's state on the TERP plan: one tick journaled, the clock
/// `secs` seconds after it.
fn mirror_after(secs: i64) -> Session {
    let mut s = Session::new(h::terp());
    s.state.read_only = true;
    s.record(Event::Ticked {
        target: rollout_cockpit::core::event::Target::Item(0),
    });
    let last = s.state.session.last_at.unwrap();
    update(&mut s.state, Action::Clock(last + Duration::seconds(secs)));
    s
}

fn mirror_screen(state: &State, w: u16, hgt: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, hgt)).unwrap();
    let mut view = ViewState::new(Keymap::default().read_only());
    t.draw(|f| ui::render(f, state, &mut view)).unwrap();
    t
}

fn text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn the_mirror_counts_the_seconds_since_the_journal_moved_and_says_when_the_deployer_is_gone() {
    let mut s = mirror_after(12);
    let live = text(&mirror_screen(&s.state, 120, 40));
    assert!(live.contains("last update 12s ago"), "{live}");
    assert!(!live.contains("not responding"), "{live}");
    let later = s.state.now + Duration::seconds(150);
    update(&mut s.state, Action::Clock(later));
    let later = text(&mirror_screen(&s.state, 120, 40));
    assert!(later.contains("last update 2m ago"), "{later}");

    // The loop found the lock released: said in red, first on its line.
    update(&mut s.state, Action::Deployer { alive: false });
    for (w, hgt) in [(80, 24), (120, 40)] {
        let t = mirror_screen(&s.state, w, hgt);
        let screen = text(&t);
        let second = screen.lines().nth(1).unwrap();
        assert!(
            second.starts_with(" deployer not responding (cockpit process gone)"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("deployer_gone_{w}x{hgt}"), t.backend());
    }
    // A cockpit taking the session up again (`--resume`) holds the lock.
    update(&mut s.state, Action::Deployer { alive: true });
    let back = text(&mirror_screen(&s.state, 120, 40));
    assert!(!back.contains("not responding"), "{back}");
}

#[test]
fn an_ended_sessions_mirror_says_it_ended_and_offers_no_rollback() {
    // Criteria firing when the deployer quit; its cockpit is gone.
    let mut s = degraded();
    s.record(Event::SessionEnded {
        outcome: Outcome::Abandoned,
    });
    s.state.read_only = true;
    update(&mut s.state, Action::Deployer { alive: false });
    assert!(s.state.session.firing(), "the criteria fire");
    for (w, hgt) in [(80, 24), (120, 40)] {
        let t = mirror_screen(&s.state, w, hgt);
        let screen = text(&t);
        assert!(screen.contains("session ended: abandoned at"), "{screen}");
        assert!(screen.contains("ROLLBACK CRITERIA MET"), "{screen}");
        for not in ["press", "not responding", "last update", " R "] {
            assert!(!screen.contains(not), "{not:?} in\n{screen}");
        }
        insta::assert_snapshot!(format!("ended_mirror_{w}x{hgt}"), t.backend());
    }
}

/// A mirror sees the rollback stand still and says on what: a rollback
/// command failed and the deployer's cockpit asks retry, skip or abort. A
/// co-pilot let to roll back is told `R` answers it, and `R` opens it.
#[test]
fn a_mirror_says_what_the_rollback_waits_for() {
    use rollout_cockpit::core::action::Cmd;
    use rollout_cockpit::core::modal::{Ask, Modal};
    let mut s = Session::new(h::terp());
    s.record(h::terp_started(&h::plan()));
    s.record(Event::RollbackStarted {
        trigger: "manual".into(),
        metrics: Default::default(),
        procedure: 0,
        automatic_after_s: None,
    });
    let block = s.state.runbook().rollback.as_ref().unwrap().steps[0].blocks[0];
    s.record(Event::CommandStarted {
        run: 1,
        target: None,
        block,
        command_masked: "kubectl rollout undo".into(),
        log: "logs/1.log".into(),
        rollback_step: Some(0),
        terminal: false,
    });
    let mut mirror = s.state.clone();
    mirror.read_only = true;
    let text = h::screen_text(&mirror, 120, 40);
    assert!(
        !text.contains("the rollback waits"),
        "a command runs: {text}"
    );
    s.record(Event::CommandExited {
        run: 1,
        code: Some(1),
        signal: None,
        duration_ms: 40,
        error: None,
    });
    let mut mirror = s.state.clone();
    mirror.read_only = true;
    let text = h::screen_text(&mirror, 120, 40);
    assert!(
        text.contains("the rollback waits for alice: step 1 failed: retry, skip or abort"),
        "{text}"
    );
    assert!(!text.contains("R to answer"), "{text}");
    mirror.copilot = true;
    mirror.settings.team.copilot_may_roll_back = true;
    let keys = Keymap::default().copilot();
    let t = h::render_with(&mirror, &keys, 120, 40);
    let text = h::terminal_text(&t);
    assert!(
        text.contains("retry, skip or abort — R to answer"),
        "{text}"
    );
    update(&mut mirror, Action::Cmd(Cmd::Rollback));
    assert_eq!(mirror.ui.modal, Some(Modal::Ask(Ask::Failed(0))));
}
