//! The relative error-rate rule over scripted probe streams: a healthy
//! service's stray failures never fire it, a real step does, and how fast.
//! Each stream is seeded, so a failure here replays exactly.

use chrono::{DateTime, TimeDelta, Utc};

use super::baseline::{Baseline, BaselineSource};
use super::criteria::*;
use super::sample::{Outcome, Sample};
use super::window::{DEFAULT_WINDOW, RollingWindow};

use super::seeded::Rng;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T03:00:00Z")
        .unwrap()
        .to_utc()
}

/// What a deployer saw over one stream.
#[derive(Debug, Default)]
struct Outcomes {
    /// Times the rule went to firing.
    fires: usize,
    /// Seconds from the step to the first firing.
    first_fire_after_step: Option<f64>,
    /// Seconds from the step to each failure after it.
    failures_after_step: Vec<f64>,
    /// Times it went from firing back to ok.
    resolves: usize,
}

/// Probes at 1 Hz (the default interval) into the default 60 s window: the
/// baseline is pinned from the first minute, as the cockpit pins it, then
/// `rate(second)` decides each probe's chance of failing.
/// One probe of the scripted service: a 503 when it failed.
fn probe(ts: DateTime<Utc>, failed: bool) -> Sample {
    Sample {
        ts,
        url: "u".into(),
        latency_ms: 40.0,
        outcome: if failed {
            Outcome::HttpStatus(503)
        } else {
            Outcome::Ok
        },
    }
}

fn stream(seed: u64, seconds: u32, rate: impl Fn(u32) -> f64, step_at: u32) -> Outcomes {
    let check = Check::default_error_rate(&Settings::default());
    let settings = Settings::default();
    let mut rng = Rng(seed);
    let mut window = RollingWindow::new(DEFAULT_WINDOW);
    let mut baseline: Option<Baseline> = None;
    let mut verdict = Verdict::initial(&check);
    let mut out = Outcomes::default();
    for s in 0..seconds {
        let now = t0() + TimeDelta::seconds(i64::from(s));
        let failed = rng.unit() < rate(s);
        if failed && s >= step_at {
            out.failures_after_step.push(f64::from(s - step_at));
        }
        window.push(&probe(now, failed));
        let stats = window.stats(now);
        if baseline.is_none() && s >= 60 {
            baseline = Baseline::from_stats(
                &stats,
                BaselineSource::Auto,
                now,
                super::baseline::MAX_ERROR_RATE,
            );
        }
        let next = evaluate(&check, &verdict, &stats, baseline.as_ref(), &settings, now);
        if next.state == State::Firing && verdict.state != State::Firing {
            out.fires += 1;
            if s >= step_at && out.first_fire_after_step.is_none() {
                out.first_fire_after_step = Some(f64::from(s - step_at));
            }
        }
        if next.state == State::Ok && verdict.state == State::Firing {
            out.resolves += 1;
        }
        verdict = next;
    }
    out
}

const SEEDS: u64 = 50;

#[test]
fn half_a_percent_background_never_fires_in_thirty_minutes() {
    let fired: Vec<(u64, usize)> = (0..SEEDS)
        .map(|seed| (seed, stream(seed, 30 * 60, |_| 0.005, u32::MAX).fires))
        .filter(|(_, fires)| *fires > 0)
        .collect();
    assert_eq!(fired, [], "(seed, fires) over 30 min at 0.5%");
}

#[test]
fn three_stray_failures_in_a_row_do_not_fire() {
    // 3 in 60 is +4.5 pp over a clean baseline: under the limit, however
    // unlikely it is at 0.5%.
    let burst = |s: u32| if (200..203).contains(&s) { 1.0 } else { 0.0 };
    let o = stream(1, 600, burst, u32::MAX);
    assert_eq!(o.fires, 0);
}

/// Seconds from a step at 10 min (the baseline a healthy 0.5%) to firing,
/// per seed, sorted.
fn delays(step_rate: f64) -> Vec<f64> {
    let step = 600;
    let mut d: Vec<f64> = (0..SEEDS)
        .map(|seed| {
            let rate = |s: u32| if s >= step { step_rate } else { 0.005 };
            let o = stream(seed, step + 600, rate, step);
            o.first_fire_after_step.unwrap_or(f64::INFINITY)
        })
        .collect();
    d.sort_by(f64::total_cmp);
    d
}

#[test]
fn a_step_to_nine_percent_fires_within_a_window_for_most_streams() {
    // Measured over 50 seeds: median 46 s, 90th percentile 98 s, worst
    // 165 s (the window test alone: 51, 106, 167 s). At 1 Hz a 9% stream
    // fails once in 11 probes: four failures, the least the sequential
    // test fires on, take 44 probes on average, and a minute's window reads
    // it as 5.5 +- 3.7%, over +5 pp only about half the time.
    let d = delays(0.09);
    let window = DEFAULT_WINDOW.as_secs_f64();
    assert!(d[d.len() / 2] <= window, "delays {d:?}");
    assert!(d[d.len() - 1] <= 3.0 * window, "delays {d:?}");
}

#[test]
fn a_step_to_thirty_percent_fires_about_a_hold_after_it() {
    // Measured over 50 seeds: median 13 s, 90th percentile 24 s, worst
    // 43 s (the window test alone: 22, 34, 43 s). The goal, 2 x
    // interval + hold, is 12 s: the fourth failure of a 30% stream comes
    // at a median 12 probes, so 13 s is a second over what the evidence
    // allows without firing on three stray failures.
    let d = delays(0.30);
    let hold = DEFAULT_HOLD.as_secs_f64();
    assert!(d[d.len() / 2] <= hold + 3.0, "delays {d:?}");
    assert!(d[d.len() * 9 / 10] <= 2.5 * hold, "delays {d:?}");
    assert!(
        d[d.len() - 1] <= DEFAULT_WINDOW.as_secs_f64(),
        "delays {d:?}"
    );
}

#[test]
fn a_real_step_stays_firing_while_it_lasts() {
    // 20 minutes of a 9% version in a minute's window, a hair over the
    // +5 pp limit (5.5%). Judged on the limit alone, seed 0 fired 5 times;
    // resolving only on evidence of recovery, 4 of the 50 streams fire
    // twice (46 stay firing throughout).
    let flapped: Vec<(u64, usize)> = (0..SEEDS)
        .map(|seed| {
            let o = stream(seed, 1800, |s| if s >= 600 { 0.09 } else { 0.005 }, 600);
            (seed, o.fires)
        })
        .filter(|(_, fires)| *fires != 1)
        .collect();
    assert!(flapped.len() <= 4, "(seed, fires): {flapped:?}");
}

#[test]
fn the_tail_is_the_binomial_one() {
    // P(X >= 3 | 60, 0.005) = 1 - P(0) - P(1) - P(2).
    let (n, p) = (60.0f64, 0.005f64);
    let p0 = (1.0 - p).powf(n);
    let p1 = n * p * (1.0 - p).powf(n - 1.0);
    let p2 = n * (n - 1.0) / 2.0 * p * p * (1.0 - p).powf(n - 2.0);
    let exact = 1.0 - p0 - p1 - p2;
    let got = binomial_upper_tail(3, 60, p);
    assert!(
        (got - exact).abs() < 1e-9 * exact.max(1e-12),
        "{got} vs {exact}"
    );
    assert_eq!(binomial_upper_tail(0, 60, p), 1.0);
    assert_eq!(binomial_upper_tail(61, 60, p), 0.0);
    // Far below and far above the mean of a big window: no NaN, no 0 for
    // a likely count, monotone in k.
    let n = 36_000;
    let mut last = 1.0;
    for k in [1, 100, 170, 180, 190, 250, 1000, 36_000] {
        let tail = binomial_upper_tail(k, n, 0.005);
        assert!(tail.is_finite() && tail <= last, "k={k}: {tail}");
        last = tail;
    }
    assert!(binomial_upper_tail(170, n, 0.005) > 0.5);
    assert!(binomial_upper_tail(250, n, 0.005) < 1e-5);
}

#[test]
fn no_failure_in_the_baseline_is_floored_not_zero() {
    let clean = |samples| Baseline {
        samples,
        source: BaselineSource::Auto,
        ..Baseline::given(0.0, 40.0, t0())
    };
    // 0 in 60: one failure now is not impossible.
    let floor = baseline_rate(&clean(60));
    assert!((0.0081..0.0083).contains(&floor), "{floor}");
    assert!(baseline_rate(&clean(600)) < floor);
    // A given baseline has no probes behind it: taken at its word.
    assert_eq!(baseline_rate(&Baseline::given(0.0, 40.0, t0())), 0.0);
    assert!((baseline_rate(&Baseline::given(2.0, 40.0, t0())) - 0.02).abs() < 1e-12);
}

/// One scripted stream into a two-minute window: 10 minutes of clean
/// probes pin the baseline, then `failed(second)` decides. Returns the
/// verdict at each second from the pin on.
fn scripted(failed: impl Fn(u32) -> bool, seconds: u32) -> Vec<(u32, Verdict)> {
    let check = Check::default_error_rate(&Settings::default());
    let settings = Settings::default();
    let mut window = RollingWindow::new(std::time::Duration::from_secs(120));
    let mut baseline: Option<Baseline> = None;
    let mut verdict = Verdict::initial(&check);
    let mut out = Vec::new();
    for s in 0..seconds {
        let now = t0() + TimeDelta::seconds(i64::from(s));
        window.push(&probe(now, failed(s)));
        let stats = window.stats(now);
        if s == 600 {
            baseline = Baseline::from_stats(
                &stats,
                BaselineSource::Auto,
                now,
                super::baseline::MAX_ERROR_RATE,
            );
            assert!(baseline.is_some());
        }
        verdict = evaluate(&check, &verdict, &stats, baseline.as_ref(), &settings, now);
        if s >= 600 {
            out.push((s, verdict.clone()));
        }
    }
    out
}

#[test]
fn four_quick_failures_are_a_breach_dated_from_the_first() {
    // 4 failures in 120 probes is 3.3%: under the window's +5 pp. Since the
    // first of them, 4 in 7 is the sequential test's breach, and the hold
    // counts from that first failure.
    let at = |s: u32| [700, 702, 704, 706].contains(&s);
    let v = scripted(at, 760);
    let at_s = |s: u32| &v.iter().find(|(t, _)| *t == s).unwrap().1;
    assert_eq!(at_s(705).state, State::Ok, "{:?}", at_s(705));
    let fourth = at_s(706);
    assert_eq!(fourth.state, State::Pending, "{fourth:?}");
    assert_eq!(fourth.since, Some(t0() + TimeDelta::seconds(700)));
    assert_eq!(
        fourth.text,
        "err 3.3% vs 0.0% base (+3.3 pp ≤ +5 pp, but 4 of the last 7 probes failed (57.1%), p<0.001)"
    );
    assert_eq!(at_s(709).state, State::Pending);
    let fired = at_s(710);
    assert_eq!(fired.state, State::Firing, "{fired:?}");
    assert_eq!(fired.fired_at, Some(t0() + TimeDelta::seconds(710)));
}

#[test]
fn three_stray_failures_spread_over_the_hold_do_not_fire() {
    // Close enough for the sequential test to weigh them, far enough
    // apart for a hold dated from the first to have passed: three are
    // still chance.
    let at = |s: u32| [700, 705, 711].contains(&s);
    let v = scripted(at, 800);
    assert!(
        v.iter().all(|(_, v)| v.state == State::Ok),
        "{:?}",
        v.iter().find(|(_, v)| v.state != State::Ok)
    );
}

#[test]
fn a_step_to_thirty_percent_fires_as_soon_as_the_evidence_allows() {
    // The earliest a rule that ignores three stray failures can fire is
    // the fourth failure after the step, and not before the hold has run
    // from the first. Measured over 50 seeds, firing minus that moment:
    // median 0 s, 90th percentile 5 s, worst 32 s (a noisy baseline makes
    // four failures weigh less). For a step to 9% the same lag is a median
    // 6 s, 90th percentile 36 s: four failures in ~44 probes are closer to
    // what a 1.7% baseline gives by chance.
    let hold = DEFAULT_HOLD.as_secs_f64();
    let mut lags: Vec<f64> = (0..SEEDS)
        .map(|seed| {
            let rate = |s: u32| if s >= 600 { 0.30 } else { 0.005 };
            let o = stream(seed, 1200, rate, 600);
            let f = &o.failures_after_step;
            let fired = o.first_fire_after_step.unwrap_or(f64::INFINITY);
            fired - f[3].max(f[0] + hold)
        })
        .collect();
    lags.sort_by(f64::total_cmp);
    assert!(lags[lags.len() / 2] <= 2.0, "lags {lags:?}");
    assert!(lags[lags.len() * 9 / 10] <= 2.0 * hold, "lags {lags:?}");
}
