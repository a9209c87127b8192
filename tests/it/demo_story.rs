//! The demo's story at test speed: the real loop over a `TestBackend`, the
//! real simulated TERP service and stand-in tools, commands in a real bash,
//! the real probe worker; only the clock is scripted. The loop, the probes
//! and the service all follow it, so the criteria's 20 s window fills and
//! drains in a few milliseconds of wall time per second of the script.
//!
//! Whatever the moment of the deploy, the error criterion fires once after
//! it and stays firing (never flaps) until `R` `y` rolls back, then
//! recovers; the report names the rollback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;

use rollout_cockpit::config::Config;
use rollout_cockpit::config::keys::Keymap;
use rollout_cockpit::core::event::{DemoClock, Event};
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::settings::{MonitorSetup, Settings, SharedMasker};
use rollout_cockpit::core::state::State;
use rollout_cockpit::demo::tools::Tools;
use rollout_cockpit::demo::{PROBE_INTERVAL, Scenario, ScenarioConfig, Service, env};
use rollout_cockpit::domain::mask::{Masker, SecretNames};
use rollout_cockpit::domain::monitor::criteria::State as Verdict;
use rollout_cockpit::domain::monitor::{Kind, ScriptClock};
use rollout_cockpit::domain::runbook;
use rollout_cockpit::journal::{self, Journal};
use rollout_cockpit::shell::cockpit::Cockpit;
use rollout_cockpit::shell::front::{Driver, Script};
use rollout_cockpit::ui::ViewState;

use crate::harness::cockpit::wait_for;

/// As `demo_e2e` runs it: the stand-ins' pauses and the service's ramps
/// 20 times faster.
const SPEED: f64 = 20.0;
const MET: &str = "ROLLBACK CRITERIA MET";

fn key(code: KeyCode) -> TermEvent {
    TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(d: &Driver, keys: &str) {
    for c in keys.chars() {
        d.keys.send(key(KeyCode::Char(c))).unwrap();
    }
}

/// Puts the cursor on the row with `text`.
fn search(d: &Driver, text: &str) {
    press(d, "/");
    press(d, text);
    d.keys.send(key(KeyCode::Enter)).unwrap();
}

/// The demo's commands see its variables and stand-ins through this
/// wrapper: a test must not change its own process's environment.
fn demo_shell(dir: &Path, vars: &[(String, String)]) -> PathBuf {
    let mut text = String::from("#!/usr/bin/env bash\n");
    for (k, v) in vars {
        text.push_str(&format!(
            "export {k}={}\n",
            rollout_cockpit::domain::exec::shell_quote(v)
        ));
    }
    text.push_str("exec bash \"$@\"\n");
    let path = dir.join("demo-bash");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

struct Story {
    d: Driver,
    clock: ScriptClock,
    dir: tempfile::TempDir,
    journal: PathBuf,
}

impl Story {
    /// Moves the script's time on by `span`, a probe step at a time.
    async fn advance(&self, span: StdDuration) {
        let step = Duration::from_std(PROBE_INTERVAL).unwrap();
        let end = self.clock.now() + Duration::from_std(span).unwrap();
        while self.clock.now() < end {
            self.clock.advance(self.clock.now() + step).await.unwrap();
        }
    }

    /// Runs the row with `text` through its confirm, typing the `values`
    /// it asks for first; its output's `n`th pane ends in exit 0.
    async fn run(&mut self, text: &str, values: &[&str], command: &str, n: usize) -> String {
        search(&self.d, text);
        self.d.keys.send(key(KeyCode::Enter)).unwrap();
        if !values.is_empty() {
            wait_for(&mut self.d, "the values form", |f| {
                f.contains("Values needed")
            })
            .await;
        }
        for v in values {
            press(&self.d, v);
            self.d.keys.send(key(KeyCode::Enter)).unwrap();
        }
        wait_for(&mut self.d, "the confirm", |f| {
            f.contains("Run this?") && f.contains(command)
        })
        .await;
        press(&self.d, "y");
        let done = format!("Output #{n} ✓ exit 0");
        wait_for(&mut self.d, &done, |f| f.contains(&done)).await
    }
}

async fn start(t0: DateTime<Utc>) -> (Story, tokio::task::JoinHandle<anyhow::Result<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let clock = ScriptClock::new(t0);
    let mut scenario = ScenarioConfig::new(Scenario::Degrade, SPEED, env::ADMIN_TOKEN);
    scenario.clock = Some(clock.clone());
    let (_, service) = Service::spawn(scenario).unwrap();
    let tools = Tools::install().unwrap();
    let path = std::env::var("PATH").ok();
    let vars = env::vars(&service.url(), &tools, SPEED, path.as_deref());

    // Judged as `demo` judges: its own `run` command line, its defaults.
    let demo =
        match <rollout_cockpit::cli::Cli as clap::Parser>::parse_from(["rollout-cockpit", "demo"])
            .command
        {
            rollout_cockpit::cli::Command::Demo(args) => args,
            other => panic!("{other:?}"),
        };
    let run = rollout_cockpit::modes::demo::run_args(&demo, dir.path()).unwrap();
    let profile = rollout_cockpit::demo::profile(&service.url()).unwrap();
    let loaded = runbook::load(None).unwrap();
    let monitor = MonitorSetup::resolve(
        &run.probe,
        &Config::default(),
        "config",
        &profile,
        &loaded.runbook.health_urls,
        &loaded.name,
    )
    .unwrap();
    let mut settings = Settings::replay("erin".into(), "production".into(), loaded.name.clone());
    settings.monitor = monitor;
    settings.profile = profile;
    settings.demo = Some(DemoClock {
        speed: SPEED,
        origin: t0,
    });
    settings.exec.shell = demo_shell(dir.path(), &vars).display().to_string();
    settings.exec.workdir = work;
    settings.exec.masker = SharedMasker(Arc::new(Masker::with_vars(
        SecretNames::default(),
        vars.clone(),
    )));
    let plan = Plan::new(loaded.runbook, &loaded.text);
    // As `run` keeps it: `report` reads the runbook from the session.
    journal::sessions::save_runbook(dir.path(), &plan.hash, &loaded.text).unwrap();
    let journal = Journal::create(dir.path()).unwrap();
    let journal_path = journal.path().to_path_buf();
    // Where the commands' output logs go: beside it, not in the cwd.
    settings.journal = Some(journal_path.display().to_string());
    let (front, d) = Script::with_clock(TestBackend::new(120, 40), clock.clone()).unwrap();
    let cockpit = Cockpit::new(
        front,
        State::new(plan, settings, t0),
        ViewState::new(Keymap::default()),
        journal,
    );
    let running = tokio::spawn(async move {
        let code = cockpit.run().await;
        // The service and the stand-ins live as long as the cockpit.
        drop((service, tools));
        code
    });
    let story = Story {
        d,
        clock,
        dir,
        journal: journal_path,
    };
    (story, running)
}

/// The error criterion's state after each journal record, with the record.
fn error_states(journal: &Path) -> Vec<(Event, Verdict)> {
    let loaded = journal::load(journal).unwrap();
    let plan = {
        let l = runbook::load(None).unwrap();
        Plan::new(l.runbook, &l.text)
    };
    let settings = Settings::replay("erin".into(), "production".into(), "terp".into());
    let mut state = State::new(plan, settings, Utc::now());
    let mut out = Vec::new();
    for r in &loaded.records {
        state.session.apply(r);
        let error = state
            .session
            .health
            .engine
            .verdicts
            .iter()
            .find(|v| v.kind == Kind::ErrorRate)
            .map_or(Verdict::NoData, |v| v.state);
        out.push((r.event.clone(), error));
    }
    out
}

async fn the_story_with_the_deploy_after(wait: StdDuration) {
    let begun = std::time::Instant::now();
    // The demo's window opens when it starts, on the journal's clock.
    let t0 = Utc::now();
    let (mut s, running) = start(t0).await;
    wait_for(&mut s.d, "the checklist", |f| f.contains("Checklist 0/65")).await;
    search(&s.d, "Changes deployed to staging successfully");
    press(&s.d, " ");
    wait_for(&mut s.d, "one tick", |f| f.contains("Checklist 1/65")).await;

    // The backup pins the baseline from the window the wait filled.
    s.advance(wait).await;
    let values = [env::PROD_DB_HOST, env::DB_USER, env::DB_PASSWORD];
    let screen = s
        .run("Create fresh database backup", &values, "mysqldump", 1)
        .await;
    let dumped = std::fs::read_dir(s.dir.path().join("work"))
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with("prod_backup_"));
    assert!(dumped, "no prod_backup_*.sql");
    assert!(!screen.contains(MET), "{screen}");

    // The deploy degrades the service: the criterion fires within the
    // window and holds while the bad version runs.
    s.run("Step 4: Deploy Application", &[], "railway deploy", 2)
        .await;
    s.advance(StdDuration::from_secs(60)).await;
    wait_for(&mut s.d, "the criteria firing", |f| f.contains(MET)).await;
    s.advance(StdDuration::from_secs(60)).await;
    wait_for(&mut s.d, "the criteria still firing", |f| f.contains(MET)).await;

    // Two keys roll back; the optional database restore is skipped.
    press(&s.d, "R");
    wait_for(&mut s.d, "the rollback confirm", |f| {
        f.contains("ROLL BACK")
    })
    .await;
    press(&s.d, "y");
    wait_for(&mut s.d, "the optional step's question", |f| {
        f.contains("Database Rollback") && f.contains("is optional")
    })
    .await;
    press(&s.d, "n");
    wait_for(&mut s.d, "the stand-in railway's rollback", |f| {
        f.contains("Rollback complete")
    })
    .await;
    s.advance(StdDuration::from_secs(60)).await;
    wait_for(&mut s.d, "the criteria recovered", |f| {
        !f.contains(MET) && f.contains("ok · err")
    })
    .await;

    // Quit with the report.
    press(&s.d, "q");
    wait_for(&mut s.d, "the quit confirm", |f| f.contains("rolled back")).await;
    press(&s.d, "r");
    assert_eq!(running.await.unwrap().unwrap(), 0);
    let report = std::fs::read_to_string(s.dir.path().join("report.md")).unwrap();
    assert!(report.contains("rolled back"), "{report}");
    assert!(report.contains("criterion FIRED"), "{report}");

    // The journal: healthy until the deploy, one firing after it that
    // lasts until the rollback, then recovery and no second firing.
    let states = error_states(&s.journal);
    let at = |what: &dyn Fn(&Event) -> bool| {
        states
            .iter()
            .position(|(e, _)| what(e))
            .unwrap_or_else(|| panic!("no such record"))
    };
    let deployed = at(
        &|e| matches!(e, Event::CommandStarted { command_masked, .. } if command_masked.contains("railway deploy")),
    );
    let rollback = at(&|e| matches!(e, Event::RollbackStarted { .. }));
    let firing: Vec<usize> = (1..states.len())
        .filter(|&i| states[i].1 == Verdict::Firing && states[i - 1].1 != Verdict::Firing)
        .collect();
    assert_eq!(firing.len(), 1, "fired at records {firing:?}");
    assert!(
        deployed < firing[0] && firing[0] < rollback,
        "deployed at {deployed}, fired at {}, rolled back at {rollback}",
        firing[0]
    );
    assert!(
        states[..deployed]
            .iter()
            .all(|(_, v)| *v != Verdict::Firing),
        "firing before the deploy"
    );
    assert_eq!(states.last().map(|(_, v)| *v), Some(Verdict::Ok));
    eprintln!(
        "deploy after {wait:?}: the story took {:?} of wall time",
        begun.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_story_with_an_early_deploy() {
    the_story_with_the_deploy_after(StdDuration::from_secs(30)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_story_with_a_late_deploy() {
    the_story_with_the_deploy_after(StdDuration::from_secs(180)).await;
}
