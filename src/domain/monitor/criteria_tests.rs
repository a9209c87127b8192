//! Table tests of the criteria engine: timelines of window numbers against a
//! baseline, and the states a deployer would see at each step.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::baseline::Baseline;
use super::criteria::*;
use super::window::Stats;
use crate::domain::runbook::{Criterion, CriterionKind, Rule, Unit};

fn t(secs: f64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T03:00:00Z")
        .unwrap()
        .to_utc()
        + TimeDelta::milliseconds((secs * 1000.0) as i64)
}

/// A minute at 1 Hz; the failures are what the error rate says, since the
/// relative rules weigh them against the baseline.
fn stats(err: Option<f64>, p95: Option<f64>) -> Stats {
    Stats {
        samples: if err.is_some() { 60 } else { 0 },
        failures: err.map_or(0, |e| (e * 60.0 / 100.0).round() as usize),
        ok: if p95.is_some() { 60 } else { 0 },
        error_rate: err,
        p50: p95,
        p95,
        p99: p95,
        ..Stats::default()
    }
}

fn base(err: f64, latency: f64) -> Baseline {
    Baseline::given(err, latency, t(0.0))
}

fn settings(hold_s: u64) -> Settings {
    Settings {
        hold: Duration::from_secs(hold_s),
        ..Settings::default()
    }
}

fn err_check(limit: Limit) -> Check {
    Check {
        kind: Kind::ErrorRate,
        limit: Some(limit),
        text: "err".into(),
        line: None,
        hold: None,
        percentile: None,
    }
}

fn lat_check(limit: Limit) -> Check {
    Check {
        kind: Kind::Latency,
        limit: Some(limit),
        text: "latency".into(),
        line: None,
        hold: None,
        percentile: None,
    }
}

/// Runs a timeline of `(seconds, error rate, p95)` and returns every verdict.
fn run(
    check: &Check,
    settings: &Settings,
    baseline: Option<&Baseline>,
    steps: &[(f64, Option<f64>, Option<f64>)],
) -> Vec<Verdict> {
    let mut v = Verdict::initial(check);
    steps
        .iter()
        .map(|&(secs, err, p95)| {
            v = evaluate(check, &v, &stats(err, p95), baseline, settings, t(secs));
            v.clone()
        })
        .collect()
}

fn states(vs: &[Verdict]) -> Vec<State> {
    vs.iter().map(|v| v.state).collect()
}

use State::{Collecting, Firing, NoData, NoSource, Ok, Pending};

#[test]
fn texts_state_numbers_and_rule_in_the_documented_style() {
    let e = run(
        &err_check(Limit::IncreasePoints(5.0)),
        &settings(10),
        Some(&base(0.4, 180.0)),
        &[(0.0, Some(7.2), None)],
    );
    assert_eq!(
        e[0].text,
        "err 7.2% vs 0.4% base (+6.8 pp > +5 pp, p<0.001)"
    );
    assert_eq!((e[0].value, e[0].limit), (Some(7.2), Some(5.4)));
    let l = run(
        &lat_check(Limit::IncreasePercent(50.0)),
        &settings(10),
        Some(&base(0.4, 180.0)),
        &[(0.0, Some(0.0), Some(412.0)), (1.0, Some(0.0), Some(190.0))],
    );
    assert_eq!(l[0].text, "p95 412 ms vs 180 ms base (+129% > +50%)");
    assert_eq!((l[0].value, l[0].limit), (Some(412.0), Some(270.0)));
    assert_eq!(l[1].text, "p95 190 ms vs 180 ms base (+6% ≤ +50%)");
}

/// A baseline pinned from `samples` probes, `failures` of them failed.
fn pinned(failures: usize, samples: usize) -> Baseline {
    Baseline {
        samples,
        source: super::baseline::BaselineSource::Auto,
        ..base(100.0 * failures as f64 / samples as f64, 40.0)
    }
}

fn window(failures: usize, samples: usize) -> Stats {
    Stats {
        samples,
        failures,
        ok: samples - failures,
        error_rate: Some(100.0 * failures as f64 / samples as f64),
        p95: Some(40.0),
        ..Stats::default()
    }
}

#[test]
fn over_the_limit_but_likely_at_the_baseline_is_no_breach() {
    // 2 of 60 failed at the pin (3.3%); 6 of 60 now is +6.7 pp, but that
    // many happen at 3.3% once in 65 windows: too often to cry wolf at.
    let check = err_check(Limit::IncreasePoints(5.0));
    let b = pinned(2, 60);
    let v = evaluate(
        &check,
        &Verdict::initial(&check),
        &window(6, 60),
        Some(&b),
        &settings(0),
        t(0.0),
    );
    assert_eq!(v.state, Ok, "{}", v.text);
    assert_eq!(
        v.text,
        "err 10.0% vs 3.3% base (+6.7 pp > +5 pp, p=0.015: not significant)"
    );
    assert!(v.p_value.is_some_and(|p| (0.014..0.016).contains(&p)));
    // 10 of 60 is: it fires (no hold here).
    let v = evaluate(&check, &v, &window(10, 60), Some(&b), &settings(0), t(1.0));
    assert_eq!(v.state, Firing, "{}", v.text);
    assert_eq!(v.text, "err 16.7% vs 3.3% base (+13.3 pp > +5 pp, p<0.001)");
}

#[test]
fn a_clean_baseline_is_floored_so_one_failure_is_no_wolf() {
    // 0 of 20 at the pin: read as 0%, a single failure would be
    // infinitely unlikely; floored at 2.4%, 2 of 20 (+10 pp) is p=0.081.
    let check = err_check(Limit::IncreasePoints(5.0));
    let b = pinned(0, 20);
    let v = evaluate(
        &check,
        &Verdict::initial(&check),
        &window(2, 20),
        Some(&b),
        &settings(0),
        t(0.0),
    );
    assert_eq!(v.state, Ok, "{}", v.text);
    assert!(v.text.ends_with("p=0.081: not significant)"), "{}", v.text);
}

#[test]
fn a_firing_rule_resolves_on_evidence_of_recovery_not_on_a_quiet_minute() {
    let check = err_check(Limit::IncreasePoints(5.0));
    let b = pinned(0, 240);
    let fire = evaluate(
        &check,
        &Verdict::initial(&check),
        &window(8, 60),
        Some(&b),
        &settings(0),
        t(0.0),
    );
    assert_eq!(fire.state, Firing, "{}", fire.text);
    // 3 of 60 is under the 5.4% limit, but as likely at the limit as not:
    // still firing, and the panel says why the evidence stands.
    let quiet = evaluate(
        &check,
        &fire,
        &window(3, 60),
        Some(&b),
        &settings(0),
        t(1.0),
    );
    assert_eq!(
        (quiet.state, quiet.clear_since),
        (Firing, None),
        "{}",
        quiet.text
    );
    assert_eq!(
        quiet.text,
        "err 5.0% vs 0.0% base (+5.0 pp ≤ +5 pp, p<0.001)"
    );
    // None of 60: unlikely at 5.4%, so it is back under.
    let back = evaluate(
        &check,
        &quiet,
        &window(0, 60),
        Some(&b),
        &settings(0),
        t(2.0),
    );
    assert_eq!(back.state, Ok, "{}", back.text);
}

#[test]
fn zero_baseline() {
    // 0% errors before the deploy: +5 pp means anything over 5%.
    let v = run(
        &err_check(Limit::IncreasePoints(5.0)),
        &settings(10),
        Some(&base(0.0, 3.0)),
        &[
            (0.0, Some(0.0), Some(3.0)),
            (1.0, Some(5.0), Some(3.0)),
            (2.0, Some(5.1), Some(3.0)),
            (11.0, Some(6.0), Some(3.0)),
            (12.0, Some(6.0), Some(3.0)),
        ],
    );
    assert_eq!(states(&v), [Ok, Ok, Pending, Pending, Firing]);
    assert_eq!(v[1].text, "err 5.0% vs 0.0% base (+5.0 pp ≤ +5 pp)");
    assert_eq!(v[2].since, Some(t(2.0)), "pending since the breach began");
    assert_eq!(v[4].fired_at, Some(t(12.0)));
}

#[test]
fn baseline_with_errors_is_the_reference() {
    let v = run(
        &err_check(Limit::IncreasePoints(5.0)),
        &settings(0),
        Some(&base(2.0, 3.0)),
        &[(0.0, Some(6.5), None), (1.0, Some(7.5), None)],
    );
    assert_eq!(states(&v), [Ok, Firing], "a zero hold fires at once");
    assert_eq!(v[0].text, "err 6.5% vs 2.0% base (+4.5 pp ≤ +5 pp)");
    // A service better than its baseline says so with a minus.
    let better = run(
        &err_check(Limit::IncreasePoints(5.0)),
        &settings(10),
        Some(&base(2.0, 3.0)),
        &[(0.0, Some(0.5), None)],
    );
    assert_eq!(better[0].text, "err 0.5% vs 2.0% base (-1.5 pp ≤ +5 pp)");
}

#[test]
fn flapping_around_the_limit_never_fires() {
    let mut steps = vec![];
    for i in 0..30 {
        // 4 s over, 4 s under, for two minutes.
        let err = if (i / 4) % 2 == 0 { 6.0 } else { 4.0 };
        steps.push((i as f64, Some(err), None));
    }
    let v = run(
        &err_check(Limit::IncreasePoints(5.0)),
        &settings(10),
        Some(&base(0.0, 1.0)),
        &steps,
    );
    assert!(!states(&v).contains(&Firing));
    assert!(states(&v).contains(&Pending));
    assert_eq!(v[4].state, Ok, "a dip resets the hold");
}

#[test]
fn recovery_needs_the_same_hold_below_the_limit() {
    let check = err_check(Limit::IncreasePoints(5.0));
    let v = run(
        &check,
        &settings(10),
        Some(&base(0.0, 1.0)),
        &[
            (0.0, Some(20.0), None),  // pending
            (10.0, Some(20.0), None), // firing
            (12.0, Some(1.0), None),  // below, still firing
            (18.0, Some(9.0), None),  // breach again: the recovery clock restarts
            (20.0, Some(1.0), None),
            (29.0, Some(1.0), None), // 9 s below: still firing
            (30.0, Some(1.0), None), // 10 s below: resolved
            (31.0, Some(1.0), None),
        ],
    );
    assert_eq!(
        states(&v),
        [Pending, Firing, Firing, Firing, Firing, Firing, Ok, Ok]
    );
    assert_eq!(v[2].clear_since, Some(t(12.0)));
    assert_eq!(v[3].clear_since, None);
    assert_eq!(v[6].resolved_at, Some(t(30.0)));
    assert_eq!(v[6].fired_at, Some(t(10.0)), "history is kept");
}

#[test]
fn absolute_rules_need_no_baseline() {
    let v = run(
        &err_check(Limit::Above(5.0)),
        &settings(0),
        None,
        &[(0.0, Some(2.0), None), (1.0, Some(7.2), None)],
    );
    assert_eq!(states(&v), [Ok, Firing]);
    assert_eq!(v[1].text, "err 7.2% (> 5.0% limit)");
    let l = run(
        &lat_check(Limit::Above(300.0)),
        &settings(0),
        None,
        &[(0.0, Some(0.0), Some(120.0)), (1.0, Some(0.0), Some(412.0))],
    );
    assert_eq!(states(&l), [Ok, Firing]);
    assert_eq!(l[0].text, "p95 120 ms (≤ 300 ms limit)");
    assert_eq!(l[1].limit, Some(300.0));
}

#[test]
fn relative_rules_collect_until_a_baseline_exists() {
    let check = err_check(Limit::IncreasePoints(5.0));
    let v = run(&check, &settings(0), None, &[(0.0, Some(50.0), None)]);
    assert_eq!(states(&v), [Collecting]);
    assert_eq!(v[0].text, "err 50.0%, collecting baseline (rule +5 pp)");
    assert_eq!((v[0].value, v[0].limit), (Some(50.0), None));
    let none = run(
        &check,
        &settings(0),
        Some(&base(0.0, 1.0)),
        &[(0.0, None, None)],
    );
    assert_eq!(states(&none), [NoData]);
    assert_eq!(none[0].text, "err —, no samples yet (rule +5 pp)");
}

/// A window with a probe or two says nothing about a rate: "no data",
/// grey, never "ok"; a firing criterion stays firing while the numbers are
/// missing, and a pending breach starts its hold again once they are back.
#[test]
fn too_few_samples_are_no_data_never_ok() {
    let check = err_check(Limit::IncreasePoints(5.0));
    let few = |n: usize, err: f64| Stats {
        samples: n,
        ok: n,
        error_rate: Some(err),
        p95: Some(40.0),
        ..Stats::default()
    };
    let b = base(0.0, 40.0);
    let judge = |v: &Verdict, st: &Stats, secs: f64| {
        evaluate(&check, v, st, Some(&b), &settings(10), t(secs))
    };
    let v = judge(&Verdict::initial(&check), &few(1, 0.0), 0.0);
    assert_eq!(v.state, NoData);
    assert_eq!(v.state.as_str(), "no_data");
    assert_eq!(v.text, "err —, only 1 probe in the window (rule +5 pp)");
    assert_eq!(v.value, None, "no figure to compare");
    let v = judge(&v, &few(MIN_JUDGED_SAMPLES, 0.0), 1.0);
    assert_eq!(v.state, Ok);
    // A breach goes pending; the numbers vanish; it must hold again.
    let v = judge(&v, &few(60, 20.0), 2.0);
    assert_eq!(v.state, Pending);
    let v = judge(&v, &few(2, 20.0), 3.0);
    assert_eq!(v.state, NoData);
    let v = judge(&v, &few(60, 20.0), 20.0);
    assert_eq!((v.state, v.since), (Pending, Some(t(20.0))));
    let v = judge(&v, &few(60, 20.0), 30.0);
    assert_eq!(v.state, Firing);
    let v = judge(&v, &few(0, 0.0), 31.0);
    assert_eq!(v.state, Firing, "losing the numbers is no recovery");
    // No data outranks ok and collecting, not pending or firing.
    let mk = |state| Verdict {
        state,
        ..Verdict::initial(&check)
    };
    assert_eq!(overall(&[mk(Ok), mk(NoData), mk(Collecting)]), NoData);
    assert_eq!(overall(&[mk(NoData), mk(Pending)]), Pending);
}

#[test]
fn latency_floor_keeps_a_loopback_baseline_quiet() {
    let check = lat_check(Limit::IncreasePercent(50.0));
    let v = run(
        &check,
        &settings(0),
        Some(&base(0.0, 1.0)),
        &[
            (0.0, Some(0.0), Some(15.0)),
            (1.0, Some(0.0), Some(20.5)),
            (2.0, Some(0.0), Some(21.0)),
        ],
    );
    assert_eq!(states(&v), [Ok, Ok, Firing]);
    assert_eq!(
        v[0].text,
        "p95 15 ms vs 1.0 ms base (+1400% > +50%, but +14 ms < 20 ms floor)"
    );
    assert_eq!(
        v[0].limit,
        Some(21.0),
        "the limit shown is the effective one"
    );
    // Custom floor.
    let s = Settings {
        latency_floor_ms: 5.0,
        ..settings(0)
    };
    let v = run(
        &check,
        &s,
        Some(&base(0.0, 1.0)),
        &[(0.0, Some(0.0), Some(7.0))],
    );
    assert_eq!(states(&v), [Firing]);
}

#[test]
fn firing_survives_missing_data_and_latency_without_ok_probes() {
    let check = lat_check(Limit::IncreasePercent(50.0));
    let v = run(
        &check,
        &settings(0),
        Some(&base(0.0, 100.0)),
        &[
            (0.0, Some(0.0), Some(400.0)),
            // Every probe failed: no latency, but the alarm must not clear.
            (1.0, Some(100.0), None),
        ],
    );
    assert_eq!(states(&v), [Firing, Firing]);
    assert_eq!(
        v[1].text,
        "p95 —, no successful probe in the window (rule +50%)"
    );
}

#[test]
fn manual_criteria_fire_at_once_when_toggled() {
    let mut engine = Engine::new(
        vec![
            Check::default_error_rate(&Settings::default()),
            Check {
                kind: Kind::Manual,
                limit: None,
                text: "Critical functionality broken".into(),
                line: Some(12),
                hold: None,
                percentile: None,
            },
        ],
        Settings::default(),
    );
    assert!(!engine.toggle_manual(0, t(0.0)), "not a manual criterion");
    assert_eq!(
        engine.evaluate(&stats(Some(0.0), Some(1.0)), None, t(0.0)),
        Collecting
    );
    assert!(engine.toggle_manual(1, t(1.0)));
    assert_eq!(engine.verdicts[1].state, Firing);
    assert_eq!(engine.verdicts[1].fired_at, Some(t(1.0)));
    // Evaluating the automatic ones leaves the operator's judgement alone.
    assert_eq!(
        engine.evaluate(&stats(Some(0.0), Some(1.0)), None, t(2.0)),
        Firing
    );
    assert!(engine.toggle_manual(1, t(3.0)));
    assert_eq!(engine.verdicts[1].state, Ok);
    assert_eq!(engine.verdicts[1].resolved_at, Some(t(3.0)));
}

fn criterion(
    kind: CriterionKind,
    rule: Option<Rule>,
    threshold: Option<f64>,
    unit: Option<Unit>,
) -> Criterion {
    Criterion {
        text: "from the runbook".into(),
        kind,
        rule,
        threshold,
        unit,
        line: 7,
        for_s: None,
        percentile: None,
        reason: None,
        action: None,
    }
}

#[test]
fn checks_from_the_runbook_with_overrides() {
    let limits = |cs: &[Check]| cs.iter().map(|c| (c.kind, c.limit)).collect::<Vec<_>>();
    // No automatic criteria: the defaults.
    let manual = [criterion(CriterionKind::Manual, None, None, None)];
    assert_eq!(
        limits(&checks(&manual, &Settings::default())),
        [
            (Kind::Manual, None),
            (Kind::ErrorRate, Some(Limit::IncreasePoints(5.0))),
            (Kind::Latency, Some(Limit::IncreasePercent(50.0))),
        ]
    );
    // TERP's two rules, with the runbook's values...
    let terp = [
        criterion(
            CriterionKind::ErrorRate,
            Some(Rule::IncreasePoints),
            Some(3.0),
            Some(Unit::Percent),
        ),
        criterion(
            CriterionKind::Latency,
            Some(Rule::IncreasePercent),
            Some(40.0),
            Some(Unit::Percent),
        ),
    ];
    assert_eq!(
        limits(&checks(&terp, &Settings::default())),
        [
            (Kind::ErrorRate, Some(Limit::IncreasePoints(3.0))),
            (Kind::Latency, Some(Limit::IncreasePercent(40.0))),
        ]
    );
    // ...and overridden from the command line.
    let s = Settings {
        error_rate_increase: Some(2.0),
        latency_increase: Some(100.0),
        ..Settings::default()
    };
    assert_eq!(
        limits(&checks(&terp, &s)),
        [
            (Kind::ErrorRate, Some(Limit::IncreasePoints(2.0))),
            (Kind::Latency, Some(Limit::IncreasePercent(100.0))),
        ]
    );
    // An absolute rule stays; an override adds the relative rule it names.
    let above = [criterion(
        CriterionKind::Latency,
        Some(Rule::Above),
        Some(800.0),
        Some(Unit::Millis),
    )];
    let s = Settings {
        error_rate_increase: Some(2.0),
        ..Settings::default()
    };
    assert_eq!(
        limits(&checks(&above, &s)),
        [
            (Kind::Latency, Some(Limit::Above(800.0))),
            (Kind::ErrorRate, Some(Limit::IncreasePoints(2.0))),
        ]
    );
}

#[test]
fn overall_is_the_worst_state() {
    let mk = |state| Verdict {
        state,
        ..Verdict::initial(&err_check(Limit::Above(1.0)))
    };
    assert_eq!(overall(&[mk(Ok), mk(Collecting)]), Collecting);
    assert_eq!(overall(&[mk(Pending), mk(Collecting)]), Pending);
    assert_eq!(overall(&[mk(Ok), mk(Firing), mk(Pending)]), Firing);
    assert_eq!(overall(&[mk(Ok)]), Ok);
}

fn log_check(limit: Limit) -> Check {
    Check {
        kind: Kind::LogErrors,
        limit: Some(limit),
        text: "log errors".into(),
        line: None,
        hold: None,
        percentile: None,
    }
}

/// The window's numbers with a log stream that has counted `per_min`
/// (`None`: no count yet).
fn log_stats(per_min: Option<f64>) -> Stats {
    Stats {
        log_errors_per_min: per_min,
        log_stream: true,
        ..stats(Some(0.0), Some(10.0))
    }
}

fn log_base(per_min: Option<f64>) -> Baseline {
    Baseline {
        log_errors_per_min: per_min,
        ..base(0.0, 10.0)
    }
}

/// Runs a timeline of `(seconds, stats)` and returns every verdict.
fn run_stats(
    check: &Check,
    settings: &Settings,
    baseline: Option<&Baseline>,
    steps: &[(f64, Stats)],
) -> Vec<Verdict> {
    let mut v = Verdict::initial(check);
    steps
        .iter()
        .map(|(secs, s)| {
            v = evaluate(check, &v, s, baseline, settings, t(*secs));
            v.clone()
        })
        .collect()
}

#[test]
fn log_errors_collect_without_a_stream_and_until_its_first_count() {
    let check = log_check(Limit::Above(10.0));
    let v = run_stats(
        &check,
        &settings(10),
        None,
        &[
            // The probe's numbers alone: no stream was configured.
            (0.0, stats(Some(0.0), Some(10.0))),
            (1.0, log_stats(None)),
            (2.0, log_stats(Some(3.0))),
        ],
    );
    assert_eq!(states(&v), [NoSource, NoData, Ok]);
    assert_eq!(v[0].text, "log errors: no source, add --logs");
    assert_eq!(v[1].text, "log —, no count yet (rule > 10/min)");
    assert_eq!(v[2].text, "log 3/min (≤ 10/min limit)");
    assert_eq!((v[2].value, v[2].limit), (Some(3.0), Some(10.0)));
}

#[test]
fn log_errors_above_a_limit_pend_fire_after_the_hold_and_resolve() {
    let check = log_check(Limit::Above(10.0));
    let v = run_stats(
        &check,
        &settings(10),
        // An absolute rule needs no baseline.
        None,
        &[
            (0.0, log_stats(Some(2.0))),
            (1.0, log_stats(Some(14.0))),  // pending
            (10.0, log_stats(Some(15.0))), // 9 s: still pending
            (11.0, log_stats(Some(14.0))), // 10 s: firing
            (12.0, log_stats(None)),       // the stream restarts: stays firing
            (13.0, log_stats(Some(4.0))),  // below: recovery clock starts
            (22.0, log_stats(Some(4.0))),
            (23.0, log_stats(Some(4.0))), // 10 s below: resolved
        ],
    );
    assert_eq!(
        states(&v),
        [Ok, Pending, Pending, Firing, Firing, Firing, Firing, Ok]
    );
    assert_eq!(v[1].text, "log 14/min (> 10/min limit)");
    assert_eq!(v[1].since, Some(t(1.0)), "pending since the breach began");
    assert_eq!(v[3].fired_at, Some(t(11.0)));
    assert_eq!(v[5].clear_since, Some(t(13.0)));
    assert_eq!(v[7].resolved_at, Some(t(23.0)));
    // Exactly at the limit is not above it; a fraction is shown as such.
    let edge = run_stats(
        &log_check(Limit::Above(2.5)),
        &settings(0),
        None,
        &[(0.0, log_stats(Some(2.5))), (1.0, log_stats(Some(2.6)))],
    );
    assert_eq!(states(&edge), [Ok, Firing]);
    assert_eq!(edge[0].text, "log 2.5/min (≤ 2.5/min limit)");
}

#[test]
fn log_errors_relative_to_the_baseline() {
    let doubled = log_check(Limit::IncreasePercent(100.0));
    let v = run_stats(
        &doubled,
        &settings(10),
        Some(&log_base(Some(1.0))),
        &[
            (0.0, log_stats(Some(2.0))),
            (1.0, log_stats(Some(3.0))),
            (11.0, log_stats(Some(3.0))),
        ],
    );
    assert_eq!(states(&v), [Ok, Pending, Firing]);
    assert_eq!(v[0].text, "log 2/min vs 1/min base (+100% ≤ +100%)");
    assert_eq!(v[1].text, "log 3/min vs 1/min base (+200% > +100%)");
    assert_eq!((v[1].value, v[1].limit), (Some(3.0), Some(2.0)));
    // Points: errors per minute over the baseline's.
    let plus5 = log_check(Limit::IncreasePoints(5.0));
    let p = run_stats(
        &plus5,
        &settings(0),
        Some(&log_base(Some(2.0))),
        &[(0.0, log_stats(Some(7.0))), (1.0, log_stats(Some(8.0)))],
    );
    assert_eq!(states(&p), [Ok, Firing]);
    assert_eq!(p[0].text, "log 7/min vs 2/min base (+5/min ≤ +5/min)");
    assert_eq!(p[1].text, "log 8/min vs 2/min base (+6/min > +5/min)");
    assert_eq!(p[1].limit, Some(7.0));
}

#[test]
fn relative_log_rules_need_a_baseline_with_a_log_count() {
    let check = log_check(Limit::IncreasePercent(100.0));
    let none = run_stats(&check, &settings(0), None, &[(0.0, log_stats(Some(30.0)))]);
    assert_eq!(states(&none), [Collecting]);
    assert_eq!(none[0].text, "log 30/min, collecting baseline (rule +100%)");
    // Pinned before the stream had counted anything.
    let blind = run_stats(
        &check,
        &settings(0),
        Some(&log_base(None)),
        &[(0.0, log_stats(Some(30.0)))],
    );
    assert_eq!(states(&blind), [Collecting]);
    assert_eq!(
        blind[0].text,
        "log 30/min, baseline has no log count (rule +100%)"
    );
}

#[test]
fn the_engine_pins_the_log_rate_with_the_baseline() {
    use super::baseline::BaselineSource;
    let mut engine = Engine::new(vec![log_check(Limit::IncreasePercent(100.0))], settings(0));
    let before = log_stats(Some(4.0));
    let b = Baseline::from_stats(
        &before,
        BaselineSource::Auto,
        t(0.0),
        super::baseline::MAX_ERROR_RATE,
    )
    .unwrap();
    assert_eq!(b.log_errors_per_min, Some(4.0));
    assert_eq!(engine.evaluate(&log_stats(Some(8.0)), Some(&b), t(1.0)), Ok);
    assert_eq!(
        engine.evaluate(&log_stats(Some(9.0)), Some(&b), t(2.0)),
        Firing
    );
    assert_eq!(
        engine.verdicts[0].text,
        "log 9/min vs 4/min base (+125% > +100%)"
    );
}

#[test]
fn log_rule_texts() {
    assert_eq!(
        rule_text(Kind::LogErrors, Limit::Above(10.0)),
        "rule > 10/min"
    );
    assert_eq!(
        rule_text(Kind::LogErrors, Limit::IncreasePercent(100.0)),
        "rule +100%"
    );
    assert_eq!(
        rule_text(Kind::LogErrors, Limit::IncreasePoints(2.5)),
        "rule +2.5/min"
    );
    // The others keep their units.
    assert_eq!(
        rule_text(Kind::ErrorRate, Limit::IncreasePoints(5.0)),
        "rule +5 pp"
    );
    assert_eq!(
        rule_text(Kind::Latency, Limit::IncreasePoints(50.0)),
        "rule +50 ms"
    );
    assert_eq!(
        rule_text(Kind::Latency, Limit::Above(800.0)),
        "rule > 800 ms"
    );
    assert_eq!(rule_text(Kind::ErrorRate, Limit::Above(1.0)), "rule > 1.0%");
}

#[test]
fn latency_points_name_their_unit_once() {
    let v = run(
        &lat_check(Limit::IncreasePoints(50.0)),
        &settings(0),
        Some(&base(0.0, 180.0)),
        &[(0.0, Some(0.0), Some(200.0))],
    );
    assert_eq!(v[0].text, "p95 200 ms vs 180 ms base (+20 ms ≤ +50 ms)");
}

#[test]
fn checks_with_log_criteria_and_the_log_override() {
    let limits = |cs: &[Check]| cs.iter().map(|c| (c.kind, c.limit)).collect::<Vec<_>>();
    let log_above = criterion(
        CriterionKind::LogErrors,
        Some(Rule::Above),
        Some(10.0),
        Some(Unit::PerMinute),
    );
    let log_doubled = criterion(
        CriterionKind::LogErrors,
        Some(Rule::IncreasePercent),
        Some(100.0),
        Some(Unit::Percent),
    );
    let defaults = [
        (Kind::ErrorRate, Some(Limit::IncreasePoints(5.0))),
        (Kind::Latency, Some(Limit::IncreasePercent(50.0))),
    ];
    // A log rule alone does not replace the probe's default rules.
    let cs = checks(std::slice::from_ref(&log_above), &Settings::default());
    assert_eq!(
        limits(&cs),
        [
            (Kind::LogErrors, Some(Limit::Above(10.0))),
            defaults[0],
            defaults[1]
        ]
    );
    assert_eq!(
        (cs[0].text.as_str(), cs[0].line),
        ("from the runbook", Some(7))
    );
    // The flag replaces the runbook's absolute limit instead of adding one.
    let s = Settings {
        log_errors_above: Some(25.0),
        ..Settings::default()
    };
    assert_eq!(
        limits(&checks(std::slice::from_ref(&log_above), &s)),
        [
            (Kind::LogErrors, Some(Limit::Above(25.0))),
            defaults[0],
            defaults[1]
        ]
    );
    // Without an absolute log rule it adds one, after the others...
    let manual = [criterion(CriterionKind::Manual, None, None, None)];
    let cs = checks(&manual, &s);
    assert_eq!(
        limits(&cs),
        [
            (Kind::Manual, None),
            defaults[0],
            defaults[1],
            (Kind::LogErrors, Some(Limit::Above(25.0))),
        ]
    );
    assert_eq!(
        (cs[3].text.as_str(), cs[3].line),
        ("Log errors > 25/min", None)
    );
    // ...and beside a relative one, which it leaves alone.
    assert_eq!(
        limits(&checks(std::slice::from_ref(&log_doubled), &s)),
        [
            (Kind::LogErrors, Some(Limit::IncreasePercent(100.0))),
            defaults[0],
            defaults[1],
            (Kind::LogErrors, Some(Limit::Above(25.0))),
        ]
    );
    // The runbook's own error rule still switches the defaults off.
    let terp_and_log = [
        criterion(
            CriterionKind::ErrorRate,
            Some(Rule::IncreasePoints),
            Some(3.0),
            Some(Unit::Percent),
        ),
        log_above,
    ];
    assert_eq!(
        limits(&checks(&terp_and_log, &Settings::default())),
        [
            (Kind::ErrorRate, Some(Limit::IncreasePoints(3.0))),
            (Kind::LogErrors, Some(Limit::Above(10.0))),
        ]
    );
    // Without the flag nothing about logs is added.
    assert!(
        checks(&manual, &Settings::default())
            .iter()
            .all(|c| c.kind != Kind::LogErrors)
    );
}

/// A service down from the start never gets a baseline, so the relative
/// rules wait for ever: the service-down check needs none and fires after
/// the hold. A runbook's own absolute error limit makes it redundant.
#[test]
fn a_dead_service_fires_service_down_without_a_baseline() {
    let manual = [criterion(CriterionKind::Manual, None, None, None)];
    let cs = with_service_down(checks(&manual, &Settings::default()));
    assert_eq!(cs.last(), Some(&Check::service_down()));
    assert!(!checks(&manual, &Settings::default()).contains(&Check::service_down()));
    let absolute = [criterion(
        CriterionKind::ErrorRate,
        Some(Rule::Above),
        Some(10.0),
        Some(Unit::Percent),
    )];
    assert!(
        !with_service_down(checks(&absolute, &Settings::default()))
            .contains(&Check::service_down())
    );
    let down = Check::service_down();
    let v = run(
        &down,
        &settings(10),
        None,
        &[
            (0.0, Some(100.0), None),
            (5.0, Some(100.0), None),
            (10.0, Some(100.0), None),
        ],
    );
    assert_eq!(states(&v), [Pending, Pending, Firing]);
    assert_eq!(v[2].text, "err 100.0% (> 99.0% limit)");
    // One answer in the window is not "down".
    let v = run(&down, &settings(0), None, &[(0.0, Some(98.3), None)]);
    assert_eq!(states(&v), [Ok]);
}

#[test]
fn a_criterion_keeps_its_own_hold() {
    // "Error rate > 1% for 5 minutes": 10 s (the global --for) is not enough.
    let check = Check {
        hold: Some(Duration::from_secs(300)),
        ..err_check(Limit::Above(1.0))
    };
    let v = run(
        &check,
        &settings(10),
        None,
        &[
            (0.0, Some(3.0), None),
            (60.0, Some(3.0), None),
            (299.0, Some(3.0), None),
            (300.0, Some(3.0), None),
        ],
    );
    assert_eq!(states(&v), [Pending, Pending, Pending, Firing]);
}

#[test]
fn a_p99_rule_judges_p99_against_the_baselines_p99() {
    let check = Check {
        percentile: Some(99),
        ..lat_check(Limit::IncreasePercent(400.0))
    };
    let baseline = Baseline {
        p99_ms: Some(100.0),
        ..base(0.0, 60.0)
    };
    let window = |p95: f64, p99: f64| Stats {
        p95: Some(p95),
        p99: Some(p99),
        ..stats(Some(0.0), Some(p95))
    };
    let s = settings(0);
    let prev = Verdict::initial(&check);
    // p95 far above 5x the p95 baseline, but p99 within 5x the p99 one.
    let v = evaluate(
        &check,
        &prev,
        &window(400.0, 450.0),
        Some(&baseline),
        &s,
        t(0.0),
    );
    assert_eq!(v.state, Ok, "{}", v.text);
    assert!(
        v.text.starts_with("p99 450 ms vs 100 ms base"),
        "{}",
        v.text
    );
    let v = evaluate(
        &check,
        &v,
        &window(400.0, 550.0),
        Some(&baseline),
        &s,
        t(1.0),
    );
    assert_eq!(v.state, Firing, "{}", v.text);
}

fn tput_check(decrease: f64) -> Check {
    Check {
        kind: Kind::Throughput,
        limit: Some(Limit::DecreasePercent(decrease)),
        text: "Throughput < 50% of baseline".into(),
        line: Some(3),
        hold: None,
        percentile: None,
    }
}

#[test]
fn throughput_halved_fires_and_a_dip_above_the_limit_does_not() {
    let check = tput_check(50.0);
    let baseline = Baseline {
        throughput: Some(40.0),
        ..base(0.0, 60.0)
    };
    let window = |rps: Option<f64>| Stats {
        throughput: rps,
        ..stats(Some(0.0), Some(60.0))
    };
    let s = settings(0);
    let at = |rps: f64, prev: &Verdict| {
        evaluate(
            &check,
            prev,
            &window(Some(rps)),
            Some(&baseline),
            &s,
            t(1.0),
        )
    };
    let prev = Verdict::initial(&check);
    // 25 req/s is 37% down: under the 50% rule.
    let v = at(25.0, &prev);
    assert_eq!(v.state, State::Ok);
    assert_eq!(v.limit, Some(20.0));
    assert_eq!(
        v.text,
        "throughput 25 req/s (access log) vs 40 req/s base (-38% ≥ -50%)"
    );
    let v = at(12.0, &prev);
    assert_eq!(v.state, State::Firing);
    assert_eq!(
        v.text,
        "throughput 12 req/s (access log) vs 40 req/s base (-70% < -50%)"
    );
    // A baseline pinned before any access line has no throughput to fall from.
    let v = evaluate(
        &check,
        &prev,
        &window(Some(12.0)),
        Some(&base(0.0, 60.0)),
        &s,
        t(1.0),
    );
    assert_eq!(v.state, State::Collecting);
    assert!(v.text.contains("baseline has no throughput"), "{}", v.text);
}

#[test]
fn a_throughput_rule_from_the_runbook_is_a_decrease() {
    let c = Criterion {
        for_s: Some(120),
        ..criterion(
            CriterionKind::Throughput,
            Some(Rule::DecreasePercent),
            Some(30.0),
            Some(Unit::Percent),
        )
    };
    let got = checks(&[c], &Settings::default());
    assert_eq!(got[0].kind, Kind::Throughput);
    assert_eq!(got[0].limit, Some(Limit::DecreasePercent(30.0)));
    assert_eq!(got[0].hold, Some(Duration::from_secs(120)));
    assert_eq!(got[0].limit.map(Limit::rule_name), Some("decrease_percent"));
    // A throughput rule alone does not replace the probe's defaults.
    assert!(got.iter().any(|c| c.kind == Kind::ErrorRate));
}

#[test]
fn a_p90_rule_judges_the_windows_p90() {
    let check = Check {
        percentile: Some(90),
        ..lat_check(Limit::Above(300.0))
    };
    // p90 over its limit while p95 would be further over and p50 under:
    // only a real p90 reads 320.
    let window = Stats {
        p50: Some(100.0),
        p90: Some(320.0),
        p95: Some(900.0),
        ..stats(Some(0.0), Some(900.0))
    };
    let v = evaluate(
        &check,
        &Verdict::initial(&check),
        &window,
        None,
        &settings(0),
        t(1.0),
    );
    assert_eq!(v.state, State::Firing);
    assert_eq!(v.value, Some(320.0));
    assert!(v.text.starts_with("p90 320 ms"), "{}", v.text);
}

#[test]
fn throughput_without_a_log_stream_says_it_has_no_source() {
    let check = tput_check(50.0);
    let v = run_stats(
        &check,
        &settings(0),
        None,
        &[
            (0.0, stats(Some(0.0), Some(10.0))),
            (
                1.0,
                Stats {
                    log_stream: true,
                    ..stats(Some(0.0), Some(10.0))
                },
            ),
        ],
    );
    assert_eq!(states(&v), [NoSource, NoData]);
    assert_eq!(v[0].text, "throughput: no source, add --logs");
    assert!(
        v[1].text.contains("no access lines counted yet"),
        "{}",
        v[1].text
    );
    // Not a verdict that holds a session at "no data": under "collecting".
    assert!(State::NoSource < State::Collecting && State::NoSource > State::Ok);
}
