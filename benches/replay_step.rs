//! Issue 18's budget for `replay`: one step (`→`, and `←`, which folds from
//! the kept fold before it) redrawn in under 16 ms anywhere in a 4-hour
//! session (45,000 journal lines).
//!
//! The session is `benches/replay.rs`'s: 4 hours of 1 Hz probes of 3 URLs
//! with their TERP health details (here one `samples` record a probe), and 500
//! human decisions, here spread over the 4 hours (ticks, notes, commands
//! started and ended) so the middle of the session has them too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/probes.rs"]
mod probes;

use std::hint::black_box;

use chrono::{DateTime, Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rollout_cockpit::config::keys::Keymap;
use rollout_cockpit::core::event::{Event, Record, Target};
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::settings::Settings;
use rollout_cockpit::core::state::State;
use rollout_cockpit::core::timeline::{EVERY, Timeline};
use rollout_cockpit::core::update::update;
use rollout_cockpit::domain::monitor::{HealthDetails, MonitorConfig};
use rollout_cockpit::domain::runbook;
use rollout_cockpit::ui::{self, ViewState};

const URLS: [&str; 3] = [
    "https://api.example/health",
    "https://web.example/healthz",
    "https://db.example/ready",
];

fn session(plan: &Plan, t0: DateTime<Utc>) -> Vec<Record> {
    let body = serde_json::json!({"status": "healthy", "checks": {
        "database": {"status": "ok", "latency": 4},
        "memory": {"status": "ok", "percentage": 60.52},
        "connectionPool": {"status": "ok", "total": 10, "free": 7, "queued": 0}}});
    let details = HealthDetails::from_json(&body);
    let mut events = vec![
        (
            t0,
            Event::SessionStarted {
                runbook: "bench".into(),
                runbook_hash: plan.hash.clone(),
                environment: "production".into(),
            },
        ),
        (
            t0,
            Event::MonitorConfigured(MonitorConfig::for_urls(
                URLS.iter().map(|u| u.to_string()).collect(),
            )),
        ),
    ];
    let items = plan.runbook.items.len();
    let mut run = 0u64;
    for second in 0..4 * 3600i64 {
        let ts = t0 + Duration::seconds(second);
        // One record a probe: 43,200 of them, the 45,000 lines
        // with the decisions (the loop batches a second's probes into one,
        // so a real 4-hour session has fewer lines).
        for (k, url) in URLS.iter().enumerate() {
            let sample = probes::probe(second, k, url, ts, &details);
            events.push((
                ts,
                Event::Samples {
                    samples: vec![sample],
                },
            ));
        }
        // 500 decisions, one every ~29 s.
        if second % 29 == 0 && second / 29 < 500 {
            let i = (second / 29) as usize;
            let target = Target::Item(i % items);
            events.push((
                ts,
                match i % 4 {
                    0 => Event::Ticked { target },
                    1 => Event::Noted {
                        target: Some(target),
                        text: format!("note {i}"),
                    },
                    2 => {
                        run += 1;
                        Event::CommandStarted {
                            run,
                            target: Some(target),
                            block: 0,
                            command_masked: "kubectl rollout status deploy/api".into(),
                            log: format!("logs/run-{run:03}.log"),
                            rollback_step: None,
                            terminal: false,
                        }
                    }
                    _ => Event::CommandExited {
                        run,
                        code: Some(0),
                        signal: None,
                        duration_ms: 29_000,
                        error: None,
                    },
                },
            ));
        }
    }
    events
        .into_iter()
        .enumerate()
        .map(|(i, (ts, event))| Record {
            seq: i as u64 + 1,
            ts,
            by: "alice".into(),
            event,
        })
        .collect()
}

/// What the loop does after a step: the moment, through `update`.
fn show(t: &mut Timeline, state: &mut State) {
    let shown = t.shown(state.exec.shown, true);
    update(state, shown);
}

fn bench(c: &mut Criterion) {
    let loaded = runbook::load(None).unwrap();
    let plan = Plan::new(loaded.runbook, &loaded.text);
    let t0: DateTime<Utc> = DateTime::parse_from_rfc3339("2025-01-15T03:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let records = session(&plan, t0);
    let n = records.len();
    let start = std::time::Instant::now();
    let mut t = Timeline::new(&plan.runbook, records);
    eprintln!(
        "replay: {n} records, {} decisions, opened (folded, a fold kept every {EVERY}) in {:.0} ms",
        t.decisions().len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    let settings = Settings::replay("alice".into(), "production".into(), "bench".into());
    let mut state = State::new(plan.clone(), settings, t0);
    state.read_only = true;
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut view = ViewState::new(Keymap::default().replay());
    let mut g = c.benchmark_group("replay step");
    g.sample_size(50);
    // The worst `←`: the record just before a kept fold's end, folded from it.
    for (name, at) in [
        ("middle", n / 2 / EVERY * EVERY + EVERY - 1),
        ("end", n - 1),
    ] {
        t.seek(at);
        show(&mut t, &mut state);
        g.bench_function(
            format!("→ then ← at the {name}, redrawn (120x40)"),
            |b| {
                b.iter(|| {
                    for forward in [true, false] {
                        t.step(forward);
                        show(&mut t, &mut state);
                        term.draw(|f| ui::render(f, &state, &mut view)).unwrap();
                    }
                    black_box(t.cursor())
                })
            },
        );
        g.bench_function(
            format!("← alone at the {name} (fold from the kept one)"),
            |b| {
                b.iter(|| {
                    t.seek(at);
                    t.step(false);
                    show(&mut t, &mut state);
                    term.draw(|f| ui::render(f, &state, &mut view)).unwrap();
                    black_box(t.cursor())
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
