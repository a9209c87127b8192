//! `run --prometheus URL`: the real loop over a `TestBackend`, its own
//! Prometheus worker querying a real Prometheus that scrapes a test
//! exporter. The criteria judge the fleet's numbers, the panel says they
//! are Prometheus's, and the journal holds the source, the queries and
//! every reading, so a replay judges alike.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;

use rollout_cockpit::config::Config;
use rollout_cockpit::config::keys::Keymap;
use rollout_cockpit::core::event::Event;
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::settings::{MonitorSetup, Settings};
use rollout_cockpit::core::state::State;
use rollout_cockpit::domain::monitor::criteria::State as Verdict;
use rollout_cockpit::domain::monitor::{Kind, ProbeSettings, ScriptClock, Settings as Criteria};
use rollout_cockpit::journal::{self, Journal};
use rollout_cockpit::shell::cockpit::Cockpit;
use rollout_cockpit::shell::front::{Driver, Script};
use rollout_cockpit::ui::ViewState;

use crate::harness::prometheus::{Exporter, Prometheus};

const PLAN: &str = "# Fleet\n\n## Deploy\n\n- [ ] Deploy the release\n\n## Rollback Criteria\n\n- Error rate > 5% above baseline\n";

/// Rates over 3 s, so a step shows within seconds, not a minute.
const SHORT: &str = r#"[prometheus.queries]
error_rate = 'sum(rate(http_requests_total{code=~"5.."}[3s])) / sum(rate(http_requests_total[3s]))'
latency = 'histogram_quantile($quantile, sum by (le) (rate(http_request_duration_seconds_bucket[3s])))'
throughput = 'sum(rate(http_requests_total[3s]))'
"#;

fn key(c: char) -> TermEvent {
    TermEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// The script's time, a second a step, while Prometheus scrapes in real
/// time: each step is one round of the cockpit's queries.
async fn until(
    d: &mut Driver,
    clock: &ScriptClock,
    what: &str,
    ok: impl Fn(&str) -> bool,
) -> String {
    let mut last = String::new();
    for _ in 0..120 {
        clock
            .advance(clock.now() + Duration::seconds(1))
            .await
            .unwrap();
        tokio::time::sleep(StdDuration::from_millis(250)).await;
        while let Ok(f) = d.frames.try_recv() {
            last = f;
        }
        if ok(&last) {
            return last;
        }
    }
    panic!("no frame with {what}; the last one:\n{last}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    no_prometheus,
    ignore = "prometheus is not installed: apt-get install prometheus to run the Prometheus tests"
)]
async fn the_cockpit_judges_the_fleet_s_numbers_from_prometheus() {
    let exporter = Exporter::start(100.0, 0.2).await;
    let prom = Prometheus::start(exporter.addr).await;
    prom.wait_scrapes(4).await;

    let dir = tempfile::tempdir().unwrap();
    let config = Config::parse(SHORT).unwrap();
    let probe = ProbeSettings {
        interval: StdDuration::from_secs(1),
        ..ProbeSettings::default()
    };
    let criteria = Criteria {
        hold: StdDuration::from_secs(2),
        ..Criteria::default()
    };
    // As `run --prometheus URL --no-health` resolves it.
    let monitor = MonitorSetup {
        probe,
        ..MonitorSetup::default()
    }
    .with_prometheus(
        Some(&prom.url),
        config.prometheus.as_ref(),
        "cockpit.toml",
        &[],
        StdDuration::from_secs(10),
        &criteria,
    )
    .unwrap();
    let plan = Plan::new(rollout_cockpit::domain::runbook::parse(PLAN), PLAN);
    let mut settings = Settings::replay("erin".into(), "production".into(), "fleet.md".into());
    settings.monitor = monitor;
    settings.journal = Some(dir.path().join(journal::FILE_NAME).display().to_string());
    let t0: DateTime<Utc> = "2026-11-30T02:00:00Z".parse().unwrap();
    let clock = ScriptClock::new(t0);
    let journal = Journal::create(dir.path()).unwrap();
    let journal_path = journal.path().to_path_buf();
    let (front, mut d) = Script::with_clock(TestBackend::new(120, 40), clock.clone()).unwrap();
    let cockpit = Cockpit::new(
        front,
        State::new(plan, settings, t0),
        ViewState::new(Keymap::default()),
        journal,
    );
    let running = tokio::spawn(cockpit.run());

    // The fleet's figures, said to be Prometheus's, then pinned.
    let f = until(&mut d, &clock, "prometheus's figures", |f| {
        f.contains("prom err") && f.contains("req/")
    })
    .await;
    assert!(
        f.contains("querying prometheus") || f.contains("prm "),
        "{f}"
    );
    until(&mut d, &clock, "ten readings", |f| {
        !f.contains("collecting (") && f.contains("baseline: not pinned")
    })
    .await;
    d.keys.send(key('b')).unwrap();
    let pinned = until(&mut d, &clock, "the baseline", |f| f.contains("base err")).await;
    assert!(!pinned.contains("ROLLBACK CRITERIA MET"), "{pinned}");

    // 30% of the fleet's requests fail: the criterion fires on Prometheus's
    // number, and the panel says where it came from.
    exporter.set(100.0, 30.0);
    let fired = until(&mut d, &clock, "the criterion firing", |f| {
        f.contains("ROLLBACK CRITERIA MET")
    })
    .await;
    assert!(fired.contains("(prometheus)"), "{fired}");

    // The exporter stops: no data, never the last figure.
    exporter.stop();
    until(&mut d, &clock, "no data", |f| f.contains("prom no data")).await;

    d.keys.send(key('q')).unwrap();
    let _ = tokio::time::timeout(StdDuration::from_secs(5), running).await;

    // The journal: the source and its queries once, every reading, and a
    // replay that fires as the live cockpit did.
    let loaded = journal::load(&journal_path).unwrap();
    let configured = loaded
        .records
        .iter()
        .find_map(|r| match &r.event {
            Event::MonitorConfigured(c) => c.prometheus.clone(),
            _ => None,
        })
        .expect("the prometheus source journaled");
    assert_eq!(configured.url.trim_end_matches('/'), prom.url);
    assert!(configured.queries.error_rate.contains("[3s]"));
    let readings = loaded
        .records
        .iter()
        .filter(|r| matches!(r.event, Event::PrometheusReading { .. }))
        .count();
    assert!(readings >= 12, "{readings} readings journaled");
    let plan = Plan::new(rollout_cockpit::domain::runbook::parse(PLAN), PLAN);
    let settings = Settings::replay("erin".into(), "production".into(), "fleet.md".into());
    let mut replay = State::new(plan, settings, t0);
    let mut fired_in_replay = false;
    for r in &loaded.records {
        replay.session.apply(r);
        fired_in_replay |= replay
            .session
            .health
            .engine
            .verdicts
            .iter()
            .any(|v| v.kind == Kind::ErrorRate && v.state == Verdict::Firing);
    }
    assert!(fired_in_replay, "the replay fires as the cockpit did");
}

/// The same in a real terminal: `run --no-health --prometheus URL` in tmux
/// shows the fleet's figures and sparkline, `b` pins them, the exporter's
/// 5xx step turns the panel red, and the journal records the readings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    no_prometheus,
    ignore = "prometheus is not installed: apt-get install prometheus to run the Prometheus tests"
)]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
async fn run_prometheus_in_a_real_terminal() {
    use crate::harness::tmux::Cockpit as Tmux;
    let exporter = Exporter::start(100.0, 0.2).await;
    let prom = Prometheus::start(exporter.addr).await;
    prom.wait_scrapes(4).await;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("fleet.md");
    std::fs::write(&plan, PLAN).unwrap();
    let config = dir.path().join("cockpit.toml");
    std::fs::write(&config, SHORT).unwrap();
    let args = format!(
        "run --new --no-health --operator erin --prometheus {} --config '{}' --window 10s --for 2s '{}'",
        prom.url,
        config.display(),
        plan.display()
    );
    let c = Tmux::start("prom", 120, 40, &args);
    let t = &c.tmux;
    t.wait_for("prometheus's figures", |s| {
        s.contains("prom err") && s.contains("req/s")
    });
    t.wait_for("ten readings", |s| s.contains("baseline: not pinned"));
    t.keys(&["b"]);
    t.wait_for("the baseline", |s| s.contains("base err"));
    exporter.set(100.0, 30.0);
    let red = t.wait_for_within("the panel red", std::time::Duration::from_secs(40), |s| {
        s.contains("ROLLBACK CRITERIA MET")
    });
    assert!(red.contains("(prometheus)"), "{red}");
    assert!(red.contains("prm "), "{red}");
    // Read before quitting: the session is live, its journal complete up to
    // the red panel.
    let journal = c.journal();
    assert_eq!(c.quit(), "EXIT=0");
    assert!(
        journal.contains(r#""type":"prometheus_reading""#),
        "{journal}"
    );
    assert!(journal.contains("[3s]"), "the queries are journaled");
}
