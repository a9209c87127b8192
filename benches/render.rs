//! Full-frame render of the TERP plan (budget: under 2 ms at 200x50), and
//! with the application log's ring full (10,000 lines): strip, zoomed, and
//! zoomed with a filter that scans every line (issue 9: no frame over 50 ms).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rollout_cockpit::config::keys::Keymap;
use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::event::{Event, Machine, Record, Target};
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::settings::Settings;
use rollout_cockpit::core::state::State;
use rollout_cockpit::core::update::update;
use rollout_cockpit::domain::runbook;
use rollout_cockpit::ui::{self, ViewState};

fn state() -> State {
    let loaded = runbook::load(None).unwrap();
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2025-01-15T04:41:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let settings = Settings::replay(
        "alice".into(),
        "production".into(),
        runbook::BUNDLED_NAME.into(),
    );
    let mut s = State::new(Plan::new(loaded.runbook, &loaded.text), settings, now);
    update(
        &mut s,
        Action::Machine(Machine {
            cpu_percent: 12.0,
            mem_used: 3 << 30,
            mem_total: 8 << 30,
        }),
    );
    for i in 0..20 {
        s.session.apply(&Record {
            seq: i + 1,
            ts: now,
            by: "alice".into(),
            event: Event::Ticked {
                target: Target::Item(i as usize),
            },
        });
    }
    for _ in 0..30 {
        update(&mut s, Action::Cmd(Cmd::Down));
    }
    s
}

/// The same screen with a minute of 1 s probes, a baseline and a degradation.
fn probed() -> State {
    use rollout_cockpit::domain::monitor::{MonitorConfig, Outcome, ProbeSample, Sample};
    let mut s = state();
    let t0 = s.now - chrono::Duration::seconds(60);
    let body = r#"{"status":"degraded","checks":{"database":{"status":"ok","latency":4},"memory":{"percentage":60.5},"connectionPool":{"total":10,"free":1,"queued":3}}}"#;
    let details = rollout_cockpit::domain::monitor::HealthDetails::from_json(
        &serde_json::from_str(body).unwrap(),
    );
    let apply = |s: &mut State, event: Event| record(s, t0, event);
    apply(
        &mut s,
        Event::MonitorConfigured(MonitorConfig::for_urls(vec![
            "http://127.0.0.1:8080/health".into(),
        ])),
    );
    let samples = (0..60)
        .map(|k| ProbeSample {
            sample: Sample {
                ts: t0 + chrono::Duration::seconds(k),
                url: "http://127.0.0.1:8080/health".into(),
                latency_ms: 40.0 + (k % 7) as f64 * 20.0,
                outcome: if k > 40 && k % 3 == 0 {
                    Outcome::HttpStatus(503)
                } else {
                    Outcome::Ok
                },
            },
            details: details.clone(),
        })
        .collect::<Vec<_>>();
    apply(
        &mut s,
        Event::Samples {
            samples: samples[..30].to_vec(),
        },
    );
    for e in update(&mut s, Action::Cmd(Cmd::PinBaseline)) {
        if let rollout_cockpit::core::effect::Effect::Journal(ev) = e {
            apply(&mut s, ev);
        }
    }
    apply(
        &mut s,
        Event::Samples {
            samples: samples[30..].to_vec(),
        },
    );
    s
}

/// The probed screen with a log stream: 10,000 lines in the pane, a minute
/// of counts with errors.
fn logged() -> State {
    use rollout_cockpit::domain::exec::{Line, Stream};
    use rollout_cockpit::domain::logs::{ErrorPatterns, LogCount, LogMsg};
    let mut s = probed();
    let t0 = s.now - chrono::Duration::seconds(60);
    let apply = |s: &mut State, event: Event| record(s, t0, event);
    apply(
        &mut s,
        Event::LogStreamConfigured {
            command_masked: "railway logs".into(),
            patterns: ErrorPatterns::default().sources().to_vec(),
            errors_above: Some(10.0),
        },
    );
    let counts = (0..60)
        .map(|k| LogCount {
            at: t0 + chrono::Duration::seconds(k),
            lines: 10_000,
            errors: 100,
            ..LogCount::default()
        })
        .collect();
    apply(&mut s, Event::LogCounts { counts });
    let lines = (0..10_000)
        .map(|n| {
            let text = if n % 100 == 0 {
                format!("2026-11-24T23:00:00Z ERROR order {n} failed: gateway timeout")
            } else {
                format!(
                    r#"10.0.0.{} - - "GET /api/orders/{n} HTTP/1.1" 200 512 "-" "bench""#,
                    n % 250
                )
            };
            Line::new(Stream::Stdout, text)
        })
        .collect();
    update(&mut s, Action::Log(LogMsg::Lines { lines, skipped: 0 }));
    s
}

/// Folds `event` in as the journal's next record, at `ts`.
fn record(s: &mut State, ts: DateTime<Utc>, event: Event) {
    let seq = s.session.last_seq + 1;
    s.session.apply(&Record {
        seq,
        ts,
        by: "alice".into(),
        event,
    });
}

fn bench(c: &mut Criterion) {
    let mut l = logged();
    for (name, zoom, filter) in [
        ("strip", false, None),
        ("zoomed", true, None),
        ("zoomed, filtered", true, Some("ERROR")),
    ] {
        l.logs.zoom = zoom;
        l.logs.filter = filter.map(str::to_string);
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
        let mut view = ViewState::new(Keymap::default());
        c.bench_function(&format!("render 200x50 log {name}"), |b| {
            b.iter(|| {
                terminal
                    .draw(|f| ui::render(f, black_box(&l), &mut view))
                    .unwrap();
            })
        });
    }
    let p = probed();
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut view = ViewState::new(Keymap::default());
    c.bench_function("render 200x50 probed", |b| {
        b.iter(|| {
            terminal
                .draw(|f| ui::render(f, black_box(&p), &mut view))
                .unwrap();
        })
    });
    let s = state();
    for (w, h) in [(200, 50), (120, 40), (80, 24)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        let mut view = ViewState::new(Keymap::default());
        c.bench_function(&format!("render {w}x{h}"), |b| {
            b.iter(|| {
                terminal
                    .draw(|f| ui::render(f, black_box(&s), &mut view))
                    .unwrap();
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
