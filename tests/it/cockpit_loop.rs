//! The real loop (`shell::cockpit::Cockpit`) over a `TestBackend`: scripted
//! keys, a scripted clock and scripted probes stand in for the terminal, the
//! wall clock and the probe workers; the journal writer, `update` and the
//! command runner (a real `bash`) are the ones `run` uses. The demo's story
//! at test speed: tick, deploy, watch the criteria fire, roll back with
//! `R` `y`, watch them recover, quit, and read the journal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;

use rollout_cockpit::config::keys::Keymap;
use rollout_cockpit::core::event::Event;
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::settings::Settings;
use rollout_cockpit::core::state::State;
use rollout_cockpit::domain::monitor::{MonitorConfig, Outcome, Probe, Sample};
use rollout_cockpit::journal::{self, Journal};
use rollout_cockpit::shell::cockpit::{Cockpit, Msg};
use rollout_cockpit::shell::front::{Driver, Script};
use rollout_cockpit::ui::ViewState;

use crate::harness::cockpit::wait_for;

const PLAN: &str = "# Story\n\n## Deploy\n\n- [ ] Announce the window\n- [ ] Deploy the release\n  ```bash\n  echo deployed-v2\n  ```\n\n## Rollback\n\n1. **Revert**\n   ```bash\n   echo reverted-v1\n   ```\n";
const URL: &str = "http://127.0.0.1:9/health";

fn key(c: char) -> TermEvent {
    TermEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn enter() -> TermEvent {
    TermEvent::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

fn probe(at: DateTime<Utc>, ok: bool) -> Msg {
    Msg::Probe(Probe {
        sample: Sample {
            ts: at,
            url: URL.into(),
            latency_ms: 40.0,
            outcome: if ok {
                Outcome::Ok
            } else {
                Outcome::HttpStatus(503)
            },
        },
        details: None,
        body_bytes: 0,
    })
}

/// `n` probes a second from `from`, every `bad`-th one failing (0: none),
/// then a clock tick that flushes them into one journal record.
async fn probes(
    tx: &tokio::sync::mpsc::UnboundedSender<Msg>,
    d: &Driver,
    from: DateTime<Utc>,
    n: i64,
    bad: i64,
) -> DateTime<Utc> {
    for k in 0..n {
        let ok = bad == 0 || k % bad != 0;
        tx.send(probe(from + Duration::seconds(k), ok)).unwrap();
    }
    // The loop shares this thread: while the test waits, the probes are
    // all it has to take, so the tick after them flushes every one.
    tokio::time::sleep(StdDuration::from_millis(50)).await;
    let end = from + Duration::seconds(n);
    d.clock.send(end).unwrap();
    end
}

#[tokio::test(flavor = "current_thread")]
async fn the_real_loop_runs_the_demo_story_over_a_test_backend() {
    let dir = tempfile::tempdir().unwrap();
    let plan = Plan::new(rollout_cockpit::domain::runbook::parse(PLAN), PLAN);
    let mut settings = Settings::replay("erin".into(), "production".into(), "story.md".into());
    // Judged as `run` judges, probed by this test instead of a worker.
    settings.monitor.config = Some(MonitorConfig::for_urls(vec![URL.into()]));
    settings.exec.workdir = dir.path().to_path_buf();
    // Command logs go beside the journal, never into the repository.
    settings.journal = Some(dir.path().join(journal::FILE_NAME).display().to_string());
    let t0: DateTime<Utc> = "2026-11-30T02:00:00Z".parse().unwrap();
    let state = State::new(plan, settings, t0);
    let journal = Journal::create(dir.path()).unwrap();
    let (front, mut d) = Script::new(TestBackend::new(120, 40)).unwrap();
    let cockpit = Cockpit::new(front, state, ViewState::new(Keymap::default()), journal);
    let tx = cockpit.sender();
    let running = tokio::spawn(cockpit.run());

    wait_for(&mut d, "the checklist", |f| f.contains("Checklist 0/3")).await;
    // Tick the first item: journaled, then shown.
    d.keys.send(key('j')).unwrap();
    d.keys.send(key(' ')).unwrap();
    wait_for(&mut d, "one tick", |f| f.contains("Checklist 1/3")).await;

    // A healthy minute, pinned as the baseline.
    let t = probes(&tx, &d, t0, 60, 0).await;
    wait_for(&mut d, "the samples", |f| !f.contains("0/10 samples")).await;
    d.keys.send(key('b')).unwrap();
    wait_for(&mut d, "the baseline", |f| {
        f.contains("baseline") && !f.contains("collecting")
    })
    .await;

    // Deploy: the confirm, then a real bash.
    d.keys.send(key('j')).unwrap();
    d.keys.send(enter()).unwrap();
    wait_for(&mut d, "the confirm", |f| {
        f.contains("echo deployed-v2") && f.contains("Run this?")
    })
    .await;
    d.keys.send(key('y')).unwrap();
    wait_for(&mut d, "the deploy's exit", |f| {
        f.contains("deployed-v2") && f.contains("exit 0")
    })
    .await;

    // One probe in three fails, for longer than the hold: the criteria fire.
    let t = probes(&tx, &d, t, 60, 3).await;
    wait_for(&mut d, "the criteria firing", |f| {
        f.contains("ROLLBACK CRITERIA MET")
    })
    .await;

    // R y: the runbook's rollback runs.
    d.keys.send(key('R')).unwrap();
    wait_for(&mut d, "the rollback confirm", |f| {
        f.contains("echo reverted-v1")
    })
    .await;
    d.keys.send(key('y')).unwrap();
    // The cursor moves to the rollback's checklist; the pane keeps the
    // rollback's output until it moves on.
    wait_for(&mut d, "the rollback's end", |f| {
        f.contains("rollback finished") && f.contains("Output #2 ✓ exit 0")
    })
    .await;

    // Healthy again for two windows: the criteria recover.
    probes(&tx, &d, t, 180, 0).await;
    wait_for(&mut d, "the recovery", |f| {
        !f.contains("ROLLBACK CRITERIA MET") && f.contains("ok · err") && f.contains("ok · p95")
    })
    .await;

    // q y: the session ends, the loop returns 0.
    quit(&mut d, running, "rolled back").await;

    let records = journal::load(&dir.path().join(journal::FILE_NAME))
        .unwrap()
        .records;
    let kinds: Vec<&Event> = records.iter().map(|r| &r.event).collect();
    assert!(kinds.iter().any(|e| matches!(e, Event::Ticked { .. })));
    assert!(
        kinds
            .iter()
            .any(|e| matches!(e, Event::BaselinePinned { .. }))
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|e| matches!(e, Event::RollbackStarted { .. }))
            .count(),
        1
    );
    assert!(
        kinds
            .iter()
            .any(|e| matches!(e, Event::RollbackFinished { .. }))
    );
    assert!(
        matches!(kinds.last(), Some(Event::SessionEnded { .. })),
        "{kinds:?}"
    );
    assert!(records.iter().all(|r| r.by == "erin"));
}

type Loop = tokio::task::JoinHandle<anyhow::Result<u8>>;

/// The real loop on `text` over a `w`x`h` TestBackend, journaling into a
/// temp dir (command logs beside the journal, never in the repository).
fn story(text: &str, w: u16, h: u16) -> (tempfile::TempDir, Driver, Loop) {
    let dir = tempfile::tempdir().unwrap();
    let plan = Plan::new(rollout_cockpit::domain::runbook::parse(text), text);
    let mut settings = Settings::replay("erin".into(), "production".into(), "story.md".into());
    settings.exec.workdir = dir.path().to_path_buf();
    settings.journal = Some(dir.path().join(journal::FILE_NAME).display().to_string());
    let t0: DateTime<Utc> = "2026-11-30T02:00:00Z".parse().unwrap();
    let state = State::new(plan, settings, t0);
    let journal = Journal::create(dir.path()).unwrap();
    let (front, d) = Script::new(TestBackend::new(w, h)).unwrap();
    let cockpit = Cockpit::new(front, state, ViewState::new(Keymap::default()), journal);
    (dir, d, tokio::spawn(cockpit.run()))
}

/// `q` `y` on a confirm that says `outcome`; the loop exits 0.
async fn quit(d: &mut Driver, running: Loop, outcome: &str) {
    d.keys.send(key('q')).unwrap();
    wait_for(d, "the quit confirm", |f| f.contains(outcome)).await;
    d.keys.send(key('y')).unwrap();
    let code = tokio::time::timeout(StdDuration::from_secs(15), running)
        .await
        .expect("the loop ended")
        .unwrap()
        .unwrap();
    assert_eq!(code, 0);
}

const FAILING: &str = "# Story\n\n## Deploy\n\n- [ ] Migrate the schema\n  ```bash\n  echo step-out; echo step-err >&2; exit 3\n  ```\n\n## Rollback\n\n### Decision Criteria for Rollback\n\n- Critical functionality broken\n- Data integrity issues\n- Error rate > 5% above baseline\n- Performance degradation > 50%\n- Security vulnerability discovered\n";

/// At 80x24 with the log open the output pane has no room: the row and a
/// line under the criteria say how the command ended, and `z` shows its
/// output (a real bash, the real loop).
#[tokio::test(flavor = "current_thread")]
async fn at_80x24_z_shows_the_output_of_a_failed_command() {
    let (_dir, mut d, running) = story(FAILING, 80, 24);

    wait_for(&mut d, "the checklist", |f| f.contains("Checklist 0/1")).await;
    d.keys.send(key('l')).unwrap();
    d.keys.send(key('j')).unwrap();
    d.keys.send(enter()).unwrap();
    wait_for(&mut d, "the confirm", |f| f.contains("Run this?")).await;
    d.keys.send(key('y')).unwrap();
    let ended = wait_for(&mut d, "the exit on the row and the strip", |f| {
        f.contains("✗ exit 3 ·") && f.contains(" z output #1 ✗ exit 3")
    })
    .await;
    assert!(!ended.contains("step-err"), "{ended}");

    d.keys.send(key('z')).unwrap();
    let zoomed = wait_for(&mut d, "the output zoomed", |f| {
        f.contains("step-err") && f.contains("step-out")
    })
    .await;
    assert!(zoomed.contains("Output #1 ✗ exit 3 ·"), "{zoomed}");
    d.keys.send(key('z')).unwrap();
    wait_for(&mut d, "the checklist again", |f| {
        f.contains("Checklist 0/1")
    })
    .await;

    quit(&mut d, running, "abandoned").await;
}

const PRINTING: &str = "# Story\n\n## Deploy\n\n- [ ] Migrate the schema\n  ```bash\n  echo line-1; echo line-2; echo line-3; sleep 2\n  ```\n";

/// A decision made while a command prints is journaled right after how far
/// its output had got, so `replay` shows that moment's output exactly, not
/// as of the next once-a-second mark (the test's clock never ticks).
#[tokio::test(flavor = "current_thread")]
async fn a_decision_while_a_command_prints_follows_its_output_mark() {
    use rollout_cockpit::core::event::OutputMark;
    let (dir, mut d, running) = story(PRINTING, 120, 40);
    wait_for(&mut d, "the checklist", |f| f.contains("Checklist 0/1")).await;
    d.keys.send(key('j')).unwrap();
    d.keys.send(enter()).unwrap();
    wait_for(&mut d, "the confirm", |f| f.contains("Run this?")).await;
    d.keys.send(key('y')).unwrap();
    wait_for(&mut d, "the output", |f| f.contains("line-3")).await;
    d.keys.send(key('o')).unwrap();
    for c in "saw three".chars() {
        d.keys.send(key(c)).unwrap();
    }
    d.keys.send(enter()).unwrap();
    wait_for(&mut d, "the command's end", |f| f.contains("Checklist 1/1")).await;
    quit(&mut d, running, "completed").await;
    let records = journal::load(&dir.path().join(journal::FILE_NAME))
        .unwrap()
        .records;
    let noted = records
        .iter()
        .position(|r| matches!(&r.event, Event::Noted { text, .. } if text == "saw three"))
        .expect("the note");
    let mark = records[..noted].iter().rev().find_map(|r| match &r.event {
        Event::OutputMarks { marks } => Some(marks.clone()),
        _ => None,
    });
    assert_eq!(
        mark,
        Some(vec![OutputMark { run: 1, lines: 3 }]),
        "{records:#?}"
    );
}
