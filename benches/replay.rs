//! Budgets of issue 6: replaying a 4-hour session (43,200 samples + 500 decisions)
//! under 200 ms, and one fsync'd decision under 5 ms on this disk; of issue
//! 18: the record's charts and its HTML page for that session under 300 ms.
//!
//! The session: 4 hours of 1 Hz probes of 3 URLs (43,200 samples with their
//! TERP health details, journaled as the loop does, one `samples` record a
//! second) plus 500 human decisions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/probes.rs"]
mod probes;

use chrono::{DateTime, Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use rollout_cockpit::core::event::{Event, Record, Target};
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::settings::Settings;
use rollout_cockpit::core::state::State;
use rollout_cockpit::domain::logs::LogCount;
use rollout_cockpit::domain::monitor::{HealthDetails, MonitorConfig};
use rollout_cockpit::domain::runbook;
use rollout_cockpit::journal::{self, Journal};

fn settings() -> Settings {
    Settings::replay("alice".into(), "production".into(), "bench".into())
}

const URLS: [&str; 3] = [
    "https://api.example/health",
    "https://web.example/healthz",
    "https://db.example/ready",
];

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
        j.append(
            "alice",
            t0,
            Event::MonitorConfigured(MonitorConfig::for_urls(
                URLS.iter().map(|u| u.to_string()).collect(),
            )),
        )
        .unwrap();
        let body = serde_json::json!({"status": "healthy", "checks": {
            "database": {"status": "ok", "latency": 4},
            "memory": {"status": "ok", "percentage": 60.52},
            "connectionPool": {"status": "ok", "total": 10, "free": 7, "queued": 0}}});
        let details = HealthDetails::from_json(&body);
        for second in 0..4 * 3600i64 {
            let ts = t0 + Duration::seconds(second);
            let samples = URLS
                .iter()
                .enumerate()
                .map(|(k, url)| probes::probe(second, k, url, ts, &details))
                .collect();
            j.append("alice", ts, Event::Samples { samples }).unwrap();
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
    g.bench_function("load + fold a 4-hour session", |b| {
        b.iter(|| {
            let l = journal::load(&path).unwrap();
            State::replay(plan.clone(), settings(), t0, &l.records)
        })
    });
    // The two halves, to see where the time goes.
    g.bench_function("load (read + JSON)", |b| {
        b.iter(|| journal::load(&path).unwrap())
    });
    let records = journal::load(&path).unwrap().records;
    g.bench_function("fold", |b| {
        b.iter(|| State::replay(plan.clone(), settings(), t0, &records))
    });
    g.finish();
    // Issue 18: the fold, the Markdown, the three SVGs (one point per
    // sample) and the self-contained page, masked as `report` masks them.
    // The session gains a log stream counting every second and a
    // Prometheus read every second (another 28,800 records, in memory: the
    // journal above stays the replay's), about 45,000 lines in all.
    let mut records = records;
    let mut seq = records.len() as u64;
    let mut with_logs = Vec::with_capacity(records.len() * 2);
    for mut r in records.drain(..) {
        let ts = r.ts;
        let samples = matches!(r.event, Event::Samples { .. });
        if let Event::MonitorConfigured(config) = &mut r.event {
            config.prometheus = Some(Box::new(
                rollout_cockpit::domain::monitor::record::PrometheusSource {
                    url: "http://prometheus:9090/".into(),
                    queries: rollout_cockpit::domain::monitor::prometheus::Queries::new(
                        None,
                        &Default::default(),
                        &[],
                    ),
                },
            ));
            seq += 1;
            with_logs.push(Record {
                seq,
                ts,
                by: "alice".into(),
                event: Event::LogStreamConfigured {
                    command_masked: "kubectl logs -f deploy/api".into(),
                    patterns: vec!["ERROR".into()],
                    errors_above: Some(30.0),
                },
            });
        }
        with_logs.push(r);
        if samples {
            seq += 1;
            let second = (ts - t0).num_seconds();
            with_logs.push(Record {
                seq,
                ts,
                by: "alice".into(),
                event: Event::LogCounts {
                    counts: vec![LogCount {
                        at: ts,
                        lines: 40,
                        errors: u32::from(second % 7 == 0),
                        requests: 0,
                        server_errors: 0,
                    }],
                },
            });
            seq += 1;
            with_logs.push(Record {
                seq,
                ts,
                by: "alice".into(),
                event: Event::PrometheusReading {
                    reading: Box::new(rollout_cockpit::domain::monitor::prometheus::Reading {
                        error_rate: Some(0.4 + (second % 11) as f64 / 10.0),
                        p95: Some(110.0 + (second % 13) as f64),
                        throughput: Some(95.0 + (second % 9) as f64),
                        ..rollout_cockpit::domain::monitor::prometheus::Reading::empty(ts)
                    }),
                },
            });
        }
    }
    let records = with_logs;
    let masker = rollout_cockpit::domain::mask::Masker::from_env(
        rollout_cockpit::domain::mask::SecretNames::default(),
    );
    let mask = |s: &str| rollout_cockpit::report::mask_lines(&masker, s);
    let built = rollout_cockpit::report::build(&plan, &records, &[], &mask).unwrap();
    eprintln!(
        "record: {} records, {} charts, {} KiB of SVG, page {} KiB",
        records.len(),
        built.charts.len(),
        built.charts.iter().map(|c| c.1.len()).sum::<usize>() / 1024,
        rollout_cockpit::report::html_page(&built).len() / 1024
    );
    let mut g = c.benchmark_group("record");
    g.sample_size(10);
    g.bench_function("charts + HTML of a 4-hour session", |b| {
        b.iter(|| {
            let built = rollout_cockpit::report::build(&plan, &records, &[], &mask).unwrap();
            rollout_cockpit::report::html_page(&built)
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
