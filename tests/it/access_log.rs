//! The request error rate and throughput from an access log: the real loop
//! over a `TestBackend`, following a real `bash` that prints combined-format
//! lines with a known share of 5xx. The cockpit's figures must equal what
//! the script printed, and a step in the 5xx share must fire the runbook's
//! error-rate criterion, with no health probe at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration as StdDuration;

use chrono::{DateTime, TimeDelta, Utc};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;

use rollout_cockpit::config::keys::Keymap;
use rollout_cockpit::core::event::Event;
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::settings::Settings;
use rollout_cockpit::core::state::State;
use rollout_cockpit::domain::logs::LogCount;
use rollout_cockpit::domain::monitor::criteria;
use rollout_cockpit::journal::{self, Journal};
use rollout_cockpit::shell::cockpit::Cockpit;
use rollout_cockpit::shell::front::Script;
use rollout_cockpit::ui::ViewState;

use crate::harness::cockpit::wait_for;

const PLAN: &str = "# Canary\n\n## Deploy\n\n- [ ] Shift traffic\n\n## Rollback\n\n1. **Shift it back**\n   ```bash\n   echo back\n   ```\n\n### Decision Criteria for Rollback\n\n- Error rate above 5% for 1 second\n";

/// Prints `$1` combined-format requests, the first `$2` of them 503s; the
/// path is `/500` so that a status read from the URL would show.
const EMIT: &str = r#"emit() { for i in $(seq 1 "$1"); do s=200; [ "$i" -le "$2" ] && s=503; printf '10.0.0.%s - - [30/Nov/2026:02:00:01 +0000] "GET /500?n=%s HTTP/1.1" %s 512 "-" "load/1.0"\n' "$((i % 250))" "$i" "$s"; done; }"#;

fn key(c: char) -> TermEvent {
    TermEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

#[tokio::test(flavor = "current_thread")]
async fn the_error_rate_and_throughput_are_the_access_logs_counted_truth() {
    let dir = tempfile::tempdir().unwrap();
    let plan = Plan::new(rollout_cockpit::domain::runbook::parse(PLAN), PLAN);
    let mut settings = Settings::replay("erin".into(), "production".into(), "canary.md".into());
    settings.exec.workdir = dir.path().to_path_buf();
    // Command logs go beside the journal, never into the repository.
    settings.journal = Some(
        dir.path()
            .join(rollout_cockpit::journal::FILE_NAME)
            .display()
            .to_string(),
    );
    // 2 of 200 fail (1%), then, once the test says go, 30 of 100 more:
    // 32 of 300 (10.7%) in the minute.
    settings.logs.command = Some(format!(
        "{EMIT}; emit 200 2; while [ ! -e go ]; do sleep 0.05; done; emit 100 30; exec sleep 600"
    ));
    let t0: DateTime<Utc> = "2026-11-30T02:00:00Z".parse().unwrap();
    let state = State::new(plan.clone(), settings.clone(), t0);
    let journal = Journal::create(dir.path()).unwrap();
    let (front, mut d) = Script::new(TestBackend::new(120, 40)).unwrap();
    let cockpit = Cockpit::new(front, state, ViewState::new(Keymap::default()), journal);
    let running = tokio::spawn(cockpit.run());
    // The loop journals the stream's counts on its clock's ticks: a clock
    // that runs, as `run`'s does.
    let clock = d.clock.clone();
    let ticker = tokio::spawn(async move {
        let mut every = tokio::time::interval(StdDuration::from_millis(200));
        let mut t = t0;
        loop {
            every.tick().await;
            t += TimeDelta::milliseconds(200);
            if clock.send(t).is_err() {
                break;
            }
        }
    });

    // No probe: the number is the access log's, and the panel says so.
    let f = wait_for(&mut d, "1% from the access log", |f| {
        f.contains("ok · err 1.0% (access log)")
    })
    .await;
    assert!(f.contains("req/s, 5xx 1.0%"), "{f}");
    assert!(!f.contains("ROLLBACK CRITERIA MET"), "{f}");

    std::fs::write(dir.path().join("go"), "").unwrap();
    wait_for(&mut d, "the step to 10.7%", |f| {
        f.contains("err 10.7% (access log)")
    })
    .await;
    wait_for(&mut d, "the criterion firing", |f| {
        f.contains("ROLLBACK CRITERIA MET") && f.contains("5xx 10.7%")
    })
    .await;

    d.keys.send(key('q')).unwrap();
    wait_for(&mut d, "the quit confirm", |f| f.contains("Quit?")).await;
    d.keys.send(key('y')).unwrap();
    tokio::time::timeout(StdDuration::from_secs(15), running)
        .await
        .expect("the loop ended")
        .unwrap()
        .unwrap();
    ticker.abort();

    // The journal holds every request the script printed, and no more.
    let records = journal::load(&dir.path().join(journal::FILE_NAME))
        .unwrap()
        .records;
    let counts: Vec<LogCount> = records
        .iter()
        .filter_map(|r| match &r.event {
            Event::LogCounts { counts } => Some(counts.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let requests: u32 = counts.iter().map(|c| c.requests).sum();
    let failed: u32 = counts.iter().map(|c| c.server_errors).sum();
    assert_eq!((requests, failed), (300, 32));

    // Replayed, the figures are the truth: 32 of 300, over the seconds the
    // stream has counted (well under the minute).
    let replayed = State::replay(plan, settings, t0, &records);
    let stats = replayed.session.health.stats;
    let r = stats.requests.expect("access lines seen");
    assert_eq!((r.total, r.server_errors), (300, 32));
    assert!((r.error_rate().unwrap() - 3200.0 / 300.0).abs() < 1e-9);
    let first = counts.first().unwrap().at;
    let end = counts.last().unwrap().at + TimeDelta::seconds(1);
    let seconds = (end - first).num_seconds();
    assert!((1..60).contains(&seconds), "{seconds}");
    assert_eq!(stats.throughput, Some(300.0 / seconds as f64));
    let error_rule = replayed
        .session
        .health
        .engine
        .judged()
        .find(|(c, _)| c.text.starts_with("Error rate above 5%"))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(error_rule.state, criteria::State::Firing);
}

/// A second of access lines, `requests` of them and none failing.
fn second(k: i64, requests: u32) -> LogCount {
    LogCount {
        at: crate::harness::cockpit::now() - TimeDelta::seconds(120) + TimeDelta::seconds(k),
        lines: requests,
        errors: 0,
        requests,
        server_errors: 0,
    }
}

/// "Throughput < 50% of baseline" over a scripted access-log stream: a
/// baseline of 20 req/s, then the traffic falls to 5 req/s. The rule fires
/// once the minute's rate is under 10 req/s and the hold has passed, and
/// the panel says the number is the access log's.
#[test]
fn a_fall_in_the_access_logs_throughput_fires_the_decrease_rule() {
    use crate::harness::cockpit::{Session, monitor_config, now, sample, screen_text, settings};
    use rollout_cockpit::core::action::Cmd;
    use rollout_cockpit::domain::monitor::Outcome;
    use rollout_cockpit::domain::monitor::criteria::Kind;

    let path = format!(
        "{}/tests/fixtures/throughput-criteria.md",
        env!("CARGO_MANIFEST_DIR")
    );
    let loaded = rollout_cockpit::domain::runbook::load(Some(std::path::Path::new(&path))).unwrap();
    let mut s = Session::new(State::new(
        Plan::new(loaded.runbook, &loaded.text),
        settings(),
        now(),
    ));
    s.record(Event::MonitorConfigured(monitor_config()));
    let throughput = |s: &Session| {
        s.state
            .session
            .health
            .engine
            .judged()
            .find(|(c, _)| c.kind == Kind::Throughput)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let step = |s: &mut Session, k: i64, requests: u32| {
        s.samples(vec![sample(k, 40.0, Outcome::Ok)]);
        s.record(Event::LogCounts {
            counts: vec![second(k, requests)],
        });
    };
    for k in 0..40 {
        step(&mut s, k, 20);
    }
    s.cmd(Cmd::PinBaseline);
    let base = s.state.session.health.baseline().unwrap().throughput;
    assert_eq!(base, Some(20.0));
    assert_eq!(throughput(&s).state, criteria::State::Ok);

    // Half the minute at 5 req/s: 12.5 req/s, above the 10 req/s limit.
    for k in 40..70 {
        step(&mut s, k, 5);
    }
    assert_eq!(
        throughput(&s).state,
        criteria::State::Ok,
        "{:?}",
        throughput(&s)
    );
    // The whole minute at 5 req/s: a breach, then the hold, then firing.
    let mut fired_at = None;
    for k in 70..140 {
        step(&mut s, k, 5);
        if fired_at.is_none() && throughput(&s).state == criteria::State::Firing {
            fired_at = Some(k);
        }
    }
    let fired_at = fired_at.expect("the throughput rule fired");
    // Under 10 req/s once more than 40 of the minute's 60 s are at 5 req/s
    // (second 80), plus the 10 s hold.
    assert!((80..=95).contains(&fired_at), "fired at second {fired_at}");
    let text = screen_text(&s.state, 240, 50);
    assert!(text.contains("(access log)"), "{text}");
    assert!(text.contains("ROLLBACK CRITERIA MET"), "{text}");
}

/// A log stream that stops leaves no figure behind: its last minute of
/// 20 req/s is no measure of now, so the throughput rule has no data
/// (never an "ok" it could not measure) until the stream counts again.
#[test]
fn a_stopped_log_stream_leaves_its_throughput_unmeasured_not_ok() {
    use crate::harness::cockpit::{Session, monitor_config, now, sample, screen_text, settings};
    use rollout_cockpit::core::action::Cmd;
    use rollout_cockpit::domain::monitor::Outcome;
    use rollout_cockpit::domain::monitor::criteria::Kind;

    let path = format!(
        "{}/tests/fixtures/throughput-criteria.md",
        env!("CARGO_MANIFEST_DIR")
    );
    let loaded = rollout_cockpit::domain::runbook::load(Some(std::path::Path::new(&path))).unwrap();
    let mut s = Session::new(State::new(
        Plan::new(loaded.runbook, &loaded.text),
        settings(),
        now(),
    ));
    s.record(Event::MonitorConfigured(monitor_config()));
    s.record(Event::LogStreamConfigured {
        command_masked: "tail -F access.log".into(),
        patterns: Vec::new(),
        errors_above: None,
    });
    for k in 0..40 {
        s.samples(vec![sample(k, 40.0, Outcome::Ok)]);
        s.record(Event::LogCounts {
            counts: vec![second(k, 20)],
        });
    }
    s.cmd(Cmd::PinBaseline);
    let throughput = |s: &Session| {
        s.state
            .session
            .health
            .engine
            .judged()
            .find(|(c, _)| c.kind == Kind::Throughput)
            .map(|(_, v)| v.state)
            .unwrap()
    };
    assert_eq!(throughput(&s), criteria::State::Ok);
    // It exits 400 ms into second 40 (the sample's clock).
    let exited = sample(40, 40.0, Outcome::Ok).sample.ts + chrono::Duration::milliseconds(400);
    s.record_at(
        exited,
        Event::LogStreamExited {
            code: Some(1),
            signal: None,
            error: None,
            restart_in_ms: 1000,
        },
    );
    s.samples(vec![sample(41, 40.0, Outcome::Ok)]);
    assert_eq!(throughput(&s), criteria::State::NoData);
    // The second it ended in is counted after the exit: no sign of life.
    s.record(Event::LogCounts {
        counts: vec![second(40, 3)],
    });
    assert_eq!(throughput(&s), criteria::State::NoData);
    let text = screen_text(&s.state, 320, 50);
    assert!(!text.contains("throughput 20 req/s"), "{text}");
    let text = screen_text(&s.state, 320, 50);
    assert!(!text.contains("throughput 20 req/s"), "{text}");
    // Counting again, it is measured again.
    s.record(Event::LogCounts {
        counts: vec![second(42, 20)],
    });
    assert_eq!(throughput(&s), criteria::State::Ok);
}

/// The metrics pane draws the access log's requests, a second a column:
/// green while none fails, red as high as the 5xx share, then the minute's.
#[test]
fn the_access_logs_requests_have_their_own_sparkline() {
    use crate::harness::cockpit::{Session, monitor_config, sample, screen_text, terp};
    use rollout_cockpit::domain::monitor::Outcome;

    let mut s = Session::new(terp());
    s.record(Event::MonitorConfigured(monitor_config()));
    s.record(Event::LogStreamConfigured {
        command_masked: "tail -F access.log".into(),
        patterns: Vec::new(),
        errors_above: None,
    });
    for k in 0..30 {
        s.samples(vec![sample(k, 40.0, Outcome::Ok)]);
        let mut count = second(k, 20);
        // The last 5 seconds: a quarter of the requests fail.
        if k >= 25 {
            count.server_errors = 5;
        }
        s.record(Event::LogCounts {
            counts: vec![count],
        });
    }
    let text = screen_text(&s.state, 120, 40);
    let line = text
        .lines()
        .find(|l| l.contains("│req "))
        .unwrap_or_else(|| panic!("no req sparkline:\n{text}"));
    // 25 of 600 requests in the minute: 4.2%.
    assert!(line.contains("▁▁▁▁▃▃▃▃▃ 4.2%"), "{line}");
}

/// `run --no-health --logs CMD`: nothing probed, the access log alone. `b`
/// pins its requests, and a 5xx step fires the error-rate rule on them.
#[test]
fn an_access_log_alone_is_pinned_and_judged() {
    use crate::harness::cockpit::{Session, screen_text, terp};
    use rollout_cockpit::core::action::Cmd;
    use rollout_cockpit::domain::monitor::criteria::Kind;

    let mut s = Session::new(terp());
    s.record(Event::LogStreamConfigured {
        command_masked: "tail -F access.log".into(),
        patterns: Vec::new(),
        errors_above: None,
    });
    // Asked before a request was counted: nothing to pin yet.
    s.cmd(Cmd::PinBaseline);
    assert!(s.state.session.health.baseline().is_none());
    assert!(
        s.state
            .ui
            .flash
            .as_deref()
            .is_some_and(|f| f.contains("nothing to pin")),
        "{:?}",
        s.state.ui.flash
    );
    for k in 0..30 {
        s.record(Event::LogCounts {
            counts: vec![second(k, 20)],
        });
    }
    s.cmd(Cmd::PinBaseline);
    let base = s.state.session.health.baseline().cloned().expect("pinned");
    assert_eq!(base.request_error_rate(), Some(0.0));
    let error_rate = |s: &Session| {
        s.state
            .session
            .health
            .engine
            .judged()
            .find(|(c, v)| c.kind == Kind::ErrorRate && v.text.contains("access log"))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{:?}", s.state.session.health.engine.verdicts))
    };
    for k in 30..60 {
        let mut count = second(k, 20);
        count.server_errors = 6;
        s.record(Event::LogCounts {
            counts: vec![count],
        });
    }
    let v = error_rate(&s);
    assert_eq!(v.state, criteria::State::Firing, "{}", v.text);
    let text = screen_text(&s.state, 120, 40);
    assert!(text.contains("ROLLBACK CRITERIA MET"), "{text}");
}
