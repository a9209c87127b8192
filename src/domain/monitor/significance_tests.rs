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

/// The sequential test the issue asked to measure against the window test:
/// a Bernoulli CUSUM of the baseline's failure rate against the limit's
/// (baseline + 5 pp), folded probe by probe from the pin, so a replay would
/// give the same statistic. Kept here, as a measurement, because it does
/// not beat the window test at a threshold that never cries wolf.
struct Cusum {
    up: f64,
    down: f64,
    s: f64,
}

impl Cusum {
    fn new(p0: f64, p1: f64) -> Cusum {
        Cusum {
            up: (p1 / p0).ln(),
            down: ((1.0 - p1) / (1.0 - p0)).ln(),
            s: 0.0,
        }
    }

    fn push(&mut self, failed: bool) -> f64 {
        self.s = (self.s + if failed { self.up } else { self.down }).max(0.0);
        self.s
    }
}

/// Seconds from the step to the first firing of "window significant OR
/// CUSUM over `h`" (each held for the hold), and how many times it fired
/// before the step; the same seeded stream as [`stream`].
fn combined(
    seed: u64,
    seconds: u32,
    rate: impl Fn(u32) -> f64,
    step_at: u32,
    h: f64,
) -> (usize, Option<f64>) {
    let check = Check::default_error_rate(&Settings::default());
    let settings = Settings::default();
    let hold = DEFAULT_HOLD.as_secs_f64();
    let mut rng = Rng(seed);
    let mut window = RollingWindow::new(DEFAULT_WINDOW);
    let mut baseline: Option<Baseline> = None;
    let mut cusum: Option<Cusum> = None;
    let mut verdict = Verdict::initial(&check);
    let mut over_since: Option<u32> = None;
    let (mut false_fires, mut firing) = (0, false);
    for s in 0..seconds {
        let now = t0() + TimeDelta::seconds(i64::from(s));
        let failed = rng.unit() < rate(s);
        window.push(&probe(now, failed));
        let stats = window.stats(now);
        if baseline.is_none() && s >= 60 {
            baseline = Baseline::from_stats(
                &stats,
                BaselineSource::Auto,
                now,
                super::baseline::MAX_ERROR_RATE,
            );
            if let Some(b) = &baseline {
                let p0 = baseline_rate(b);
                cusum = Some(Cusum::new(p0, p0 + DEFAULT_ERROR_RATE_INCREASE / 100.0));
            }
        }
        verdict = evaluate(&check, &verdict, &stats, baseline.as_ref(), &settings, now);
        let stat = cusum.as_mut().map_or(0.0, |c| c.push(failed));
        // Over h starts the hold; it lasts while the statistic stays up.
        over_since = match over_since {
            Some(t) if stat > 0.0 => Some(t),
            _ if stat > h => Some(s),
            _ => None,
        };
        let sequential = over_since.is_some_and(|t| f64::from(s - t) >= hold);
        let fires = verdict.state == State::Firing || sequential;
        if fires && !firing {
            if s >= step_at {
                return (false_fires, Some(f64::from(s - step_at)));
            }
            false_fires += 1;
        }
        firing = fires;
    }
    (false_fires, None)
}

#[test]
fn a_cusum_beside_the_window_test_is_no_faster_without_crying_wolf() {
    let background = |h: f64| {
        (0..SEEDS)
            .filter(|&seed| combined(seed, 30 * 60, |_| 0.005, u32::MAX, h).0 > 0)
            .count()
    };
    let median = |step_rate: f64, h: f64| {
        let mut d: Vec<f64> = (0..SEEDS)
            .map(|seed| {
                let rate = |s: u32| if s >= 600 { step_rate } else { 0.005 };
                combined(seed, 1200, rate, 600, h)
                    .1
                    .unwrap_or(f64::INFINITY)
            })
            .collect();
        d.sort_by(f64::total_cmp);
        d[d.len() / 2]
    };
    // Measured over the 50 seeds (h: streams firing at 0.5% in 30 min;
    // median seconds to fire after a step to 30% / to 9%):
    //   h=3: 15, 15 s, 28 s   h=4: 6, 19 s, 40 s   h=5: 2, 19 s, 44 s
    //   h=6..8: 0, 22 s, 51 s   the window test alone: 0, 22 s, 51 s
    // At the first threshold that never cries wolf the CUSUM adds nothing
    // the window test does not see first; below it, it cries wolf. Neither
    // meets "2 x interval + hold" (12 s) for the 30% step: at 1 Hz, the
    // evidence that 0.5% background never gives takes 3-4 failures, ~12
    // probes of a 30% stream, before the 10 s hold even starts.
    assert!(background(5.0) > 0, "h=5 cries wolf");
    assert_eq!(background(6.0), 0);
    let window30 = median(0.30, f64::INFINITY);
    assert_eq!(median(0.30, 6.0), window30, "no faster at a safe h");
    assert_eq!(median(0.09, 6.0), median(0.09, f64::INFINITY));
    assert!(window30 > 2.0 + DEFAULT_HOLD.as_secs_f64(), "{window30}");
}
