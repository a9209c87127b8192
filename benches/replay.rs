//! Budgets of issue 6: replaying a 4-hour session (~45,000 journal lines)
//! under 200 ms, and one fsync'd decision under 5 ms on this disk.
//!
//! Samples are not journaled yet (the monitor wiring adds them), so the
//! stand-in is 44,500 `criterion_changed` records (worker facts, the size
//! and parse cost of a sample line) plus 500 human decisions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use rollout_cockpit::event::{CriterionState, Event, Target};
use rollout_cockpit::journal::{self, Journal};
use rollout_cockpit::runbook;
use rollout_cockpit::state::{Plan, Settings, State};

fn settings() -> Settings {
    Settings {
        operator: "alice".into(),
        environment: "production".into(),
        runbook_name: "bench".into(),
        health: Vec::new(),
        interval: std::time::Duration::from_secs(1),
        journal: None,
    }
}

fn bench(c: &mut Criterion) {
    let loaded = runbook::load(None).unwrap();
    let plan = Plan::new(loaded.runbook, &loaded.text);
    let dir = tempfile::tempdir().unwrap();
    let t0: DateTime<Utc> = DateTime::parse_from_rfc3339("2025-01-15T03:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    {
        let mut j = Journal::create(dir.path()).unwrap();
        // Non-human events are not fsync'd: writing 45,000 lines is quick.
        j.append(
            "alice",
            t0,
            Event::SessionStarted {
                runbook: "bench".into(),
                runbook_hash: plan.hash.clone(),
                environment: "production".into(),
            },
        )
        .unwrap();
        let states = [CriterionState::Ok, CriterionState::Pending];
        for i in 0..44_500u32 {
            let ts = t0 + Duration::milliseconds(i64::from(i) * 333);
            let ev = Event::CriterionChanged {
                criterion: (i % 2) as usize + 2,
                state: states[(i % 2) as usize],
                detail: Some(format!(
                    "err {:.1}% vs 0.4% base (+{:.1} pp > +5 pp)",
                    0.4 + f64::from(i % 7),
                    f64::from(i % 7)
                )),
            };
            j.append("monitor", ts, ev).unwrap();
        }
    }
    // The 500 human decisions: appended with fsync, and timed one by one.
    let path = dir.path().join(journal::FILE_NAME);
    let loaded_j = journal::load(&path).unwrap();
    let mut j = Journal::resume(&path, &loaded_j).unwrap();
    let mut fsync = Vec::with_capacity(500);
    for i in 0..500usize {
        let target = Target::Item(i % plan.runbook.items.len());
        let ev = if i % 2 == 0 {
            Event::Ticked { target }
        } else {
            Event::Noted {
                target: Some(target),
                text: format!("note {i}"),
            }
        };
        let start = std::time::Instant::now();
        j.append("alice", t0 + Duration::hours(4), ev).unwrap();
        fsync.push(start.elapsed());
    }
    fsync.sort();
    let lines = journal::load(&path).unwrap().records.len();
    eprintln!(
        "journal: {lines} lines; fsync'd decision median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        fsync[250].as_secs_f64() * 1e3,
        fsync[495].as_secs_f64() * 1e3,
        fsync[499].as_secs_f64() * 1e3
    );

    let mut g = c.benchmark_group("replay");
    g.sample_size(20);
    g.bench_function("load + fold 45,001 lines", |b| {
        b.iter(|| {
            let l = journal::load(&path).unwrap();
            State::replay(plan.clone(), settings(), t0, &l.records)
        })
    });
    g.finish();
    c.bench_function("fsync'd decision", |b| {
        b.iter(|| {
            j.append(
                "alice",
                t0,
                Event::Unticked {
                    target: Target::Item(0),
                },
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
