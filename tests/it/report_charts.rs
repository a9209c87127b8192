//! The record's charts and its HTML page, from a scripted session: one
//! point per journaled sample with the lost ones as gaps, markers at the
//! journaled times, spans where the criterion was pending and firing; the
//! page self-contained.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::harness::cockpit::{self, monitor_config, now, plan, probe_batch, terp_started};
use chrono::{DateTime, Duration, Utc};
use plotters::style::RGBColor;
use rollout_cockpit::core::event::{Event, Outcome, RollbackMetrics, Target};
use rollout_cockpit::core::state::State;
use rollout_cockpit::domain::logs::LogCount;
use rollout_cockpit::domain::monitor::{BaselineSource, Kind, State as Verdict};
use rollout_cockpit::journal::sessions as session;
use rollout_cockpit::journal::{self, Journal};
use rollout_cockpit::report::{self, svg};

const SECRET: &str = "AKIAIOSFODNN7EXAMPLE";

fn at(minutes: i64) -> DateTime<Utc> {
    now() - Duration::minutes(96) + Duration::minutes(minutes)
}

/// Healthy from minute 11 (baseline pinned), one failed probe in three
/// from minute 12 just after the deploy command (the error-rate criterion
/// goes pending, then fires), the probe lost from 13 to 21 (a gap), healthy
/// again from 21 (it resolves); a rollback by bob at 14; a log stream
/// counting from 11, with errors from 12; a note typed as markup.
fn scripted(dir: &std::path::Path) {
    let loaded = rollout_cockpit::domain::runbook::load(None).unwrap();
    let p = plan();
    session::save_runbook(dir, &p.hash, &loaded.text).unwrap();
    let mut j = Journal::create(dir).unwrap();
    let deploy = p
        .runbook
        .sections
        .iter()
        .position(|s| s.title.contains("Deploy Application"))
        .map(Target::Step)
        .unwrap();
    let probes = |from: i64, secs: i64, fail_every: i64| probe_batch(at(from), secs, fail_every);
    let counts = |from: i64, errors: u32| -> Event {
        Event::LogCounts {
            counts: (0..60)
                .map(|k| LogCount {
                    at: at(from) + Duration::seconds(k),
                    lines: 10,
                    errors,
                    requests: 0,
                    server_errors: 0,
                })
                .collect(),
        }
    };
    let events = [
        (0, "alice", terp_started(&p)),
        (
            5,
            "alice",
            Event::Noted {
                target: None,
                text: "<script>alert(1)</script> checked".into(),
            },
        ),
        (11, "bob", Event::MonitorConfigured(monitor_config())),
        (
            11,
            "bob",
            Event::LogStreamConfigured {
                command_masked: "kubectl logs -f deploy/api".into(),
                patterns: vec!["ERROR".into()],
                errors_above: Some(30.0),
            },
        ),
        (11, "bob", probes(11, 30, 0)),
        (11, "bob", counts(11, 0)),
        (
            11,
            "bob",
            Event::BaselinePinned {
                error_rate: 0.0,
                latency_ms: Some(60.0),
                samples: 30,
                source: BaselineSource::Operator,
                log_errors_per_min: Some(0.0),
                requests: None,
                throughput: None,
            },
        ),
        (
            12,
            "bob",
            Event::CommandStarted {
                run: 1,
                target: Some(deploy),
                block: 0,
                command_masked: format!("# Deploy\nrailway up --key {SECRET} --env production"),
                log: "runs/1.log".into(),
                rollback_step: None,
                terminal: false,
            },
        ),
        (12, "bob", probes(12, 60, 3)),
        (12, "bob", counts(12, 1)),
        (
            14,
            "bob",
            Event::RollbackStarted {
                trigger: "Error rate > 5% above baseline".into(),
                metrics: RollbackMetrics::default(),
                procedure: 0,
                automatic_after_s: None,
            },
        ),
        (21, "bob", probes(21, 90, 0)),
        (
            25,
            "bob",
            Event::SessionEnded {
                outcome: Outcome::RolledBack,
            },
        ),
    ];
    for (m, by, ev) in events {
        j.append(by, at(m), ev).unwrap();
    }
}

fn color(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

fn points(n: &roxmltree::Node) -> Vec<(f64, f64)> {
    n.attribute("points")
        .unwrap_or("")
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

fn stroked<'a>(doc: &'a roxmltree::Document, c: RGBColor) -> Vec<roxmltree::Node<'a, 'a>> {
    let want = color(c);
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter(|n| {
            n.attribute("stroke")
                .is_some_and(|s| s.eq_ignore_ascii_case(&want))
        })
        .collect()
}

fn filled(doc: &roxmltree::Document, c: RGBColor) -> Vec<(f64, f64)> {
    let want = color(c);
    doc.descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter(|n| {
            n.attribute("fill")
                .is_some_and(|s| s.eq_ignore_ascii_case(&want))
        })
        .map(|n| {
            let x: f64 = n.attribute("x").unwrap().parse().unwrap();
            let w: f64 = n.attribute("width").unwrap().parse().unwrap();
            (x, x + w)
        })
        .collect()
}

fn state_of(dir: &std::path::Path) -> (State, Vec<rollout_cockpit::core::event::Record>) {
    let replayed = session::open(dir).unwrap();
    let records = replayed.records.clone();
    (
        State::replay(replayed.plan, cockpit::settings(), now(), &records),
        records,
    )
}

#[test]
fn the_error_rate_chart_has_each_sample_the_markers_and_the_spans() {
    let dir = tempfile::tempdir().unwrap();
    scripted(dir.path());
    let built = report::record(dir.path()).unwrap();
    let files: Vec<&str> = built.charts.iter().map(|c| c.0).collect();
    assert_eq!(files, ["error-rate.svg", "latency.svg", "log-errors.svg"]);
    let svg_text = &built.charts[0].1;
    let doc = roxmltree::Document::parse(svg_text).unwrap();

    // One point per journaled sample, in three runs: the 30 s before the
    // deploy's probes and the 8 minutes lost are gaps, not lines.
    let loaded = journal::load(&dir.path().join(journal::FILE_NAME)).unwrap();
    let sample_times: Vec<DateTime<Utc>> = loaded
        .records
        .iter()
        .flat_map(|r| match &r.event {
            Event::Samples { samples } => samples.iter().map(|s| s.sample.ts).collect(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(sample_times.len(), 180);
    let runs = stroked(&doc, svg::DATA[0]);
    let counted: usize = runs.iter().map(|n| points(n).len()).sum();
    assert_eq!(counted, sample_times.len());
    assert_eq!(
        runs.iter().map(|n| points(n).len()).collect::<Vec<_>>(),
        [30, 60, 90]
    );

    // The time axis, from the first and the last sample's x.
    let first = points(&runs[0])[0].0;
    let last = *points(runs.last().unwrap()).last().unwrap();
    let (t0, t1) = (sample_times[0], *sample_times.last().unwrap());
    let x_of = |t: DateTime<Utc>| {
        first
            + (last.0 - first) * (t - t0).num_milliseconds() as f64
                / (t1 - t0).num_milliseconds() as f64
    };
    let close = |a: f64, b: f64| (a - b).abs() <= 1.5;

    // The markers at the journaled times, in order.
    let (state, _) = state_of(dir.path());
    let health = &state.session.health;
    let recovered: Vec<DateTime<Utc>> = health
        .transitions
        .iter()
        .filter(|t| t.from == Verdict::Firing && t.to != Verdict::Firing)
        .map(|t| t.at)
        .collect();
    assert_eq!(recovered.len(), 1, "{:?}", health.transitions);
    let marker_x = |c: RGBColor| -> Vec<f64> {
        stroked(&doc, c)
            .iter()
            .map(|n| {
                let p = points(n);
                assert_eq!(p.len(), 2);
                assert_eq!(p[0].0, p[1].0, "vertical");
                p[0].0
            })
            .collect()
    };
    let deploy = marker_x(svg::COMMAND);
    let rollback = marker_x(svg::ROLLBACK);
    let recovery = marker_x(svg::RECOVERY);
    assert_eq!((deploy.len(), rollback.len(), recovery.len()), (1, 1, 1));
    assert!(close(deploy[0], x_of(at(12))), "{deploy:?}");
    assert!(close(rollback[0], x_of(at(14))), "{rollback:?}");
    assert!(close(recovery[0], x_of(recovered[0])), "{recovery:?}");
    assert!(deploy[0] < rollback[0] && rollback[0] < recovery[0]);

    // Labels: the command's first line, masked as report.md masks it; who
    // rolled back; what recovered.
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(
        texts.iter().any(|t| t.starts_with("railway up --key")),
        "{texts:?}"
    );
    assert!(!svg_text.contains(SECRET));
    assert!(!built.markdown.contains(SECRET));
    assert!(texts.contains(&"rollback (bob)"), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("recovered: Error rate")));

    // The spans: pending (light), then firing (strong), as the fold's
    // transitions of the error-rate criterion say.
    let rule = health
        .engine
        .checks
        .iter()
        .position(|c| c.kind == Kind::ErrorRate && c.line.is_some())
        .unwrap();
    let changes: Vec<_> = health
        .transitions
        .iter()
        .filter(|t| t.criterion == rule)
        .collect();
    let span = |state: Verdict| -> Vec<(f64, f64)> {
        changes
            .iter()
            .enumerate()
            .filter(|(_, t)| t.to == state)
            .map(|(i, t)| (x_of(t.at), x_of(changes[i + 1].at)))
            .collect()
    };
    for (fill, want) in [
        (svg::PENDING, span(Verdict::Pending)),
        (svg::FIRING, span(Verdict::Firing)),
    ] {
        let got = filled(&doc, fill);
        assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
        assert!(!got.is_empty());
        for (g, w) in got.iter().zip(&want) {
            assert!(close(g.0, w.0) && close(g.1, w.1), "{got:?} vs {want:?}");
        }
    }

    // The baseline line and the criterion's dashed limit.
    assert_eq!(stroked(&doc, svg::BASELINE).len(), 1);
    assert!(stroked(&doc, svg::THRESHOLD).len() > 5, "dashes");
    assert!(texts.contains(&"limit 5.0%"), "{texts:?}");

    insta::assert_snapshot!(svg_text.as_str());
}

#[test]
fn the_log_chart_counts_each_second_and_report_md_embeds_the_charts() {
    let dir = tempfile::tempdir().unwrap();
    scripted(dir.path());
    report::save(dir.path()).unwrap();
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    for (title, file) in [
        ("Error rate", "error-rate.svg"),
        ("Latency", "latency.svg"),
        ("Log errors", "log-errors.svg"),
    ] {
        assert!(md.contains(&format!("![{title}](charts/{file})")), "{md}");
        let text = std::fs::read_to_string(dir.path().join("charts").join(file)).unwrap();
        roxmltree::Document::parse(&text).unwrap();
    }
    let text = std::fs::read_to_string(dir.path().join("charts/log-errors.svg")).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let line = stroked(&doc, svg::DATA[0]);
    assert_eq!(line.len(), 1);
    let p = points(&line[0]);
    assert_eq!(p.len(), 120, "one point per counted second");
    // Errors per minute climb over the second minute: the line rises (SVG
    // y grows downwards).
    assert!(p[119].1 < p[60].1, "{:?}", (p[60], p[119]));
}

#[test]
fn report_html_is_one_self_contained_page() {
    let dir = tempfile::tempdir().unwrap();
    scripted(dir.path());
    let page = dir.path().join("record.html");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-cockpit"))
        .arg("report")
        .arg(dir.path())
        .arg("--html")
        .arg(&page)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "the page, not the Markdown");
    assert!(dir.path().join("report.md").exists());
    let html = std::fs::read_to_string(&page).unwrap();
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();
    let h2: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("h2"))
        .map(|n| {
            n.descendants()
                .filter(|t| t.is_text())
                .filter_map(|t| t.text())
                .collect()
        })
        .collect();
    for want in ["Charts", "Timeline", "Rollback", "Application log"] {
        assert!(h2.iter().any(|h| h == want), "{want} in {h2:?}");
    }
    let svgs = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "svg")
        .count();
    assert_eq!(svgs, 3);
    assert!(doc.descendants().all(|n| !n.has_tag_name("script")));
    assert!(doc.descendants().all(|n| !n.has_tag_name("img")));
    for n in doc.descendants() {
        for a in n.attributes() {
            if matches!(a.name(), "src" | "href") {
                assert!(!a.value().starts_with("http"), "{}={}", a.name(), a.value());
            }
        }
    }
    assert!(!html.contains(SECRET));
    // A note typed as markup is shown as text.
    assert!(
        doc.descendants().any(|n| n.is_text()
            && n.text()
                .is_some_and(|t| t.contains("<script>alert(1)</script> checked"))),
        "the note, as text"
    );
    assert!(html.contains("<style>"));
}

/// A session judged on Prometheus: its readings are a line of their own on
/// the error-rate and latency charts, and a throughput chart; a reading
/// without a figure breaks the line.
#[test]
fn prometheus_readings_are_charted_with_their_gaps() {
    use rollout_cockpit::domain::monitor::prometheus::{Queries, Reading};
    use rollout_cockpit::domain::monitor::record::PrometheusSource;
    let dir = tempfile::tempdir().unwrap();
    let loaded = rollout_cockpit::domain::runbook::load(None).unwrap();
    let p = plan();
    session::save_runbook(dir.path(), &p.hash, &loaded.text).unwrap();
    let mut j = Journal::create(dir.path()).unwrap();
    j.append("alice", at(0), terp_started(&p)).unwrap();
    let mut config = monitor_config();
    config.prometheus = Some(Box::new(PrometheusSource {
        url: "http://prom:9090/".into(),
        queries: Queries::new(None, &Default::default(), &[]),
    }));
    j.append("alice", at(0), Event::MonitorConfigured(config))
        .unwrap();
    // 40 readings, the 21st to the 25th without data.
    for k in 0..40 {
        let ts = at(1) + Duration::seconds(k);
        let lost = (20..25).contains(&k);
        let reading = Reading {
            error_rate: (!lost).then_some(if k < 30 { 0.4 } else { 7.2 }),
            p95: (!lost).then_some(110.0),
            throughput: (!lost).then_some(99.5),
            ..Reading::empty(ts)
        };
        j.append(
            "alice",
            ts,
            Event::PrometheusReading {
                reading: Box::new(reading),
            },
        )
        .unwrap();
    }
    drop(j);
    let built = report::record(dir.path()).unwrap();
    let files: Vec<&str> = built.charts.iter().map(|c| c.0).collect();
    assert_eq!(files, ["error-rate.svg", "latency.svg", "throughput.svg"]);
    for (file, svg_text) in &built.charts {
        let doc = roxmltree::Document::parse(svg_text).unwrap();
        let runs = stroked(&doc, svg::DATA[0]);
        let counts: Vec<usize> = runs.iter().map(|r| points(r).len()).collect();
        assert_eq!(
            counts,
            [20, 15],
            "{file}: two runs around the 5 lost readings"
        );
        assert!(
            svg_text.contains("(prometheus)"),
            "{file}: the line is named"
        );
    }
}

/// A baseline pinned again mid-session: each is drawn over its own
/// stretch, and a relative limit with it (+5 pp of 0.0%, then of 3.0%),
/// never the last one over the whole session.
#[test]
fn a_baseline_pinned_again_is_drawn_over_its_own_stretch() {
    use rollout_cockpit::core::event::Record;
    let p = plan();
    let pin = cockpit::operator_pin;
    let events = [
        (0, terp_started(&p)),
        (1, Event::MonitorConfigured(monitor_config())),
        (10, probe_batch(at(10), 60, 0)),
        (11, pin(0.0)),
        (29, probe_batch(at(29), 60, 0)),
        (30, pin(3.0)),
        (40, probe_batch(at(40), 60, 0)),
    ];
    let records: Vec<Record> = events
        .into_iter()
        .enumerate()
        .map(|(i, (m, event))| Record {
            seq: i as u64 + 1,
            ts: at(m),
            by: "alice".into(),
            event,
        })
        .collect();
    let state = State::replay(p, cockpit::settings(), now(), &records);
    let plots = report::charts::plots(&state, &records, &|s| s.to_string());
    let errors = plots
        .iter()
        .find(|x| x.metric == report::charts::Metric::ErrorRate)
        .unwrap();
    let minute = |m: f64| m * 60.0;
    let stretch = |l: &report::charts::Level| (l.value, l.from, l.to);
    assert_eq!(
        errors.baselines.iter().map(stretch).collect::<Vec<_>>(),
        [
            (0.0, minute(11.0), minute(30.0)),
            (3.0, minute(30.0), errors.end)
        ]
    );
    let limits: Vec<(f64, f64, f64)> = errors
        .thresholds
        .iter()
        .filter(|l| l.label.starts_with("limit "))
        .map(stretch)
        .collect();
    assert_eq!(
        limits,
        [
            (5.0, minute(11.0), minute(30.0)),
            (8.0, minute(30.0), errors.end)
        ]
    );
    // Drawn as two baseline lines, each ending where the next begins.
    let text = svg::draw(errors, chrono_tz::Tz::UTC).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(stroked(&doc, svg::BASELINE).len(), 2, "{text}");
}
