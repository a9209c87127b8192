//! The relative error-rate rule over scripted probe streams: a healthy
//! service's stray failures never fire it, a real step does, and how fast.
//! Each stream is seeded, so a failure here replays exactly.

use chrono::{DateTime, TimeDelta, Utc};

use super::baseline::{Baseline, BaselineSource};
use super::criteria::*;
use super::sample::{Outcome, Sample};
use super::window::{DEFAULT_WINDOW, RollingWindow};

/// splitmix64: enough randomness for a probe stream, no dependency.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

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
    /// Times it went from firing back to ok.
    resolves: usize,
}

/// Probes at 1 Hz (the default interval) into the default 60 s window: the
/// baseline is pinned from the first minute, as the cockpit pins it, then
/// `rate(second)` decides each probe's chance of failing.
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
        window.push(&Sample {
            ts: now,
            url: "u".into(),
            latency_ms: 40.0,
            outcome: if failed {
                Outcome::HttpStatus(503)
            } else {
                Outcome::Ok
            },
        });
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
    // Measured over 50 seeds: median 51 s, 90th percentile 106 s, worst
    // 167 s. A minute's window reads a 9% stream as 5.5 +- 3.7% in its
    // first minute, so it is over +5 pp only about half the time.
    let d = delays(0.09);
    let window = DEFAULT_WINDOW.as_secs_f64();
    assert!(d[d.len() / 2] <= window, "delays {d:?}");
    assert!(d[d.len() - 1] <= 3.0 * window, "delays {d:?}");
}

#[test]
fn a_step_to_thirty_percent_fires_within_a_window() {
    // Measured: median 22 s, worst 43 s; 4 failures make +5 pp in 60
    // probes, then the 10 s hold.
    let d = delays(0.30);
    let hold = DEFAULT_HOLD.as_secs_f64();
    assert!(d[d.len() / 2] <= 2.0 * hold + 5.0, "delays {d:?}");
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
