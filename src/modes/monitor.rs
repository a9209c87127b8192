//! `rollout-cockpit monitor`: the criteria engine without a screen. Probers
//! send samples, an evaluation runs every interval and prints a line, and
//! the first firing criterion ends the run with exit code 3.

use std::io::Write;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use crate::cli::MonitorArgs;
use crate::domain::monitor::baseline::{Baseline, BaselineSource, Pin};
use crate::domain::monitor::clock::Clock;
use crate::domain::monitor::criteria::{self, Engine, Kind, Limit, State};
use crate::domain::monitor::evaluation::Evaluation;
use crate::domain::monitor::probe::{self, ProbeSettings, Prober};
use crate::domain::monitor::prometheus::{self, Client, Queries, Series};
use crate::domain::monitor::setup;
use crate::domain::monitor::window::RollingWindow;

pub const EXIT_OK: u8 = 0;
pub const EXIT_RUNTIME: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_FIRED: u8 = 3;
/// No healthy baseline (or no data) to judge the relative rules against:
/// neither a pass nor a fail.
pub const EXIT_INCONCLUSIVE: u8 = 4;

/// Everything the run needs, checked before anything starts.
struct Plan {
    probers: Vec<Prober>,
    probe: ProbeSettings,
    window: Duration,
    baseline_for: Duration,
    given: Option<(f64, f64)>,
    engine: Engine,
    duration: Option<Duration>,
    json: bool,
    /// The criteria's numbers come from here when given (the probes then
    /// only report).
    prometheus: Option<(Client, Queries)>,
}

pub fn main(args: &MonitorArgs) -> u8 {
    let plan = match plan(args) {
        Ok(plan) => plan,
        Err(message) => {
            eprintln!("rollout-cockpit monitor: {message}");
            return EXIT_USAGE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rollout-cockpit monitor: cannot start the runtime: {e}");
            return EXIT_RUNTIME;
        }
    };
    let code = runtime.block_on(run(plan, &mut std::io::stdout()));
    // A DNS lookup on the blocking pool must not hold the exit.
    runtime.shutdown_background();
    code
}

fn plan(args: &MonitorArgs) -> Result<Plan, String> {
    let loaded = match &args.runbook {
        Some(path) => {
            Some(crate::domain::runbook::load(Some(path)).map_err(|e| format!("--runbook {e}"))?)
        }
        None => None,
    };
    let (runbook_urls, runbook_name) = match &loaded {
        Some(l) => (&l.runbook.health_urls[..], l.name.as_str()),
        None => (&[][..], ""),
    };
    // The same file `run` reads: its [[probe]] tables (headers, tokens from
    // env:NAME), [health] accept_status and [baseline].
    let config = match &args.config {
        Some(p) => crate::config::Config::load(p).map_err(|e| e.to_string())?,
        None => crate::config::Config::default(),
    };
    let config_name = args
        .config
        .as_deref()
        .map_or_else(|| "config".to_string(), |p| p.display().to_string());
    let setup = crate::core::settings::MonitorSetup::resolve(
        &args.probe,
        &config,
        &config_name,
        &crate::domain::profile::Profile::default(),
        runbook_urls,
        runbook_name,
    )?;
    let prometheus =
        crate::config::prometheus::resolve(args.prometheus.as_deref(), config.prometheus.as_ref())
            .map_err(|e| format!("{config_name}: {e}"))?;
    if setup.sources.is_empty() && prometheus.is_none() {
        return Err(match &loaded {
            Some(l) => format!(
                "{} names no health URL; give one with --health URL or [[probe]] in --config",
                l.name
            ),
            None => "no health URL: give --health URL (repeatable), --config FILE with [[probe]], --runbook FILE or --prometheus URL".to_string(),
        });
    }
    let probe = setup.probe;
    let probers = setup::probers(&setup.sources, &probe)?;
    let settings = args.probe.criteria_settings(&config);
    let criteria = loaded.as_ref().map_or(&[][..], |l| &l.runbook.criteria[..]);
    // Manual criteria need an operator at a cockpit, log criteria the
    // cockpit's log stream: left in, they would hold the verdict at
    // "collecting" for good and a gate waiting for "ok" would never pass.
    let (checks, logs): (Vec<_>, Vec<_>) = criteria::checks(criteria, &settings)
        .into_iter()
        .filter(|c| c.kind != Kind::Manual)
        .partition(|c| {
            // Prometheus counts requests: its throughput needs no log stream.
            criteria::missing_source(c.kind, false).is_none()
                || (prometheus.is_some() && c.kind == Kind::Throughput)
        });
    let (logs, throughput): (Vec<_>, Vec<_>) =
        logs.into_iter().partition(|c| c.kind == Kind::LogErrors);
    if !logs.is_empty() {
        eprintln!(
            "rollout-cockpit monitor: {} log criteria not judged (they need a log stream: \
             rollout-cockpit run --logs CMD)",
            logs.len()
        );
    }
    if !throughput.is_empty() {
        eprintln!(
            "rollout-cockpit monitor: throughput: no source, not judged (monitor reads no \
             access log: rollout-cockpit run --logs CMD does)"
        );
    }
    let percentiles: Vec<u8> = checks
        .iter()
        .filter(|c| c.kind == Kind::Latency)
        .filter_map(|c| c.percentile)
        .collect();
    let prometheus = prometheus
        .map(|p| crate::config::prometheus::client(&p, probe.timeout, &percentiles))
        .transpose()?;
    Ok(Plan {
        prometheus,
        probers,
        probe,
        window: args.probe.window,
        baseline_for: args.baseline_for,
        given: setup.given,
        engine: Engine::new(checks, settings),
        duration: args.duration,
        json: args.json,
    })
}

/// Settings that work but mislead: probes so frequent they load the
/// service, or a window too short to hold enough probes to judge a rate.
pub fn setting_warnings(interval: Duration, window: Duration) -> Vec<String> {
    let mut out = Vec::new();
    if interval < Duration::from_millis(100) {
        out.push(format!(
            "--interval {} is below 100ms: the probes themselves load the service",
            humantime::format_duration(interval)
        ));
    }
    // The engine's own floor: below it every criterion reads "no data".
    let min = criteria::MIN_JUDGED_SAMPLES;
    if window < interval * u32::try_from(min).unwrap_or(u32::MAX) {
        out.push(format!(
            "--window {} holds fewer than {min} probes at --interval {}: the criteria have no data to judge",
            humantime::format_duration(window),
            humantime::format_duration(interval)
        ));
    }
    out
}

async fn run(mut plan: Plan, out: &mut impl Write) -> u8 {
    let clock = Clock::start();
    let start = Instant::now();
    let interval = plan.probe.interval;
    let mut urls: Vec<String> = plan.probers.iter().map(|p| p.url().to_string()).collect();
    if let Some((client, _)) = &plan.prometheus {
        urls.push(format!("prometheus {}", client.url()));
    }
    eprintln!(
        "rollout-cockpit monitor: probing {} every {} (timeout {}, window {}, {})",
        urls.join(", "),
        humantime::format_duration(interval),
        humantime::format_duration(plan.probe.timeout),
        humantime::format_duration(plan.window),
        match plan.given {
            Some((e, l)) => format!("baseline given: err {e}% p95 {l} ms"),
            None => format!(
                "baseline pinned after {}",
                humantime::format_duration(plan.baseline_for)
            ),
        }
    );
    if plan.probe.insecure {
        eprintln!(
            "rollout-cockpit monitor: WARNING: TLS certificates are NOT verified (--insecure)"
        );
    }
    for w in setting_warnings(interval, plan.window) {
        eprintln!("rollout-cockpit monitor: warning: {w}");
    }

    let (tx, mut rx) = mpsc::channel(64);
    let workers: Vec<_> = plan
        .probers
        .drain(..)
        .map(|p| probe::spawn(p, interval, clock, tx.clone()))
        .collect();
    drop(tx);
    let (ptx, mut prx) = mpsc::channel(8);
    let by_prometheus = plan.prometheus.is_some();
    let querier = plan
        .prometheus
        .take()
        .map(|(client, queries)| prometheus::spawn(client, queries, interval, clock, ptx));
    let mut series = Series::new(plan.window);
    // A failing query is said once, not every interval.
    let mut problems: Vec<String> = Vec::new();

    let mut window = RollingWindow::new(plan.window);
    let mut pin = match plan.given {
        Some((e, l)) => Pin::with_given(Baseline::given(e, l, clock.now())),
        None => Pin::default(),
    };
    pin.max_error_rate = plan.engine.settings.baseline_max_error;
    let mut auto_requested = false;
    // Evaluations sit half an interval after the probes start, so each one
    // sees the samples of the probes just sent (loopback and most networks
    // answer well within half an interval). That keeps detection inside
    // 2 × interval + for.
    let mut ticks = tokio::time::interval_at(start + interval / 2, interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let deadline = plan.duration.map(|d| start + d);
    let stop = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(stop);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);

    let code = loop {
        tokio::select! {
            Some(probe) = rx.recv() => {
                window.push(&probe.sample);
                if pin.requested.is_some() && !by_prometheus {
                    let now = clock.now();
                    pin.poll(now, &window.stats(now));
                }
            }
            Some(reading) = prx.recv() => {
                if reading.problems != problems {
                    for p in &reading.problems {
                        eprintln!("rollout-cockpit monitor: prometheus: {p}");
                    }
                    problems.clone_from(&reading.problems);
                }
                series.push(reading);
                if pin.requested.is_some() {
                    let now = clock.now();
                    pin.poll(now, &series.means(now));
                }
            }
            tick = ticks.tick() => {
                let now = clock.at(tick);
                window.prune(now);
                series.prune(now);
                // Prometheus's figures when it is the source; its baseline
                // is the mean of the window's readings.
                let (stats, pinned_from) = if by_prometheus {
                    (series.stats(now), series.means(now))
                } else {
                    let s = window.stats(now);
                    (s, s)
                };
                if !auto_requested && tick >= start + plan.baseline_for {
                    auto_requested = true;
                    pin.request(BaselineSource::Auto, now, &pinned_from);
                }
                let verdict = plan.engine.evaluate(&stats, pin.baseline.as_ref(), now);
                let evaluation = Evaluation::new(
                    now,
                    &stats,
                    pin.baseline.as_ref(),
                    &plan.engine,
                    window.last_failure(now),
                );
                let line = if plan.json {
                    serde_json::to_string(&evaluation).unwrap_or_default()
                } else {
                    evaluation.human()
                };
                if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                    // Nobody reads us any more (a closed pipe).
                    break EXIT_RUNTIME;
                }
                if verdict == State::Firing {
                    for (_, v) in plan.engine.firing() {
                        eprintln!("rollout-cockpit monitor: rollback criterion fired: {}", v.text);
                    }
                    break EXIT_FIRED;
                }
            }
            () = &mut stop => break EXIT_OK,
            _ = &mut ctrl_c => break EXIT_OK,
        }
    };
    for w in workers.into_iter().chain(querier) {
        w.abort();
    }
    if code == EXIT_OK && by_prometheus && !series.ever_had_data() {
        let why = match problems.first() {
            Some(p) => format!("prometheus had no data throughout (last: {p})"),
            None => "prometheus had no data throughout (empty results or NaN)".to_string(),
        };
        return inconclusive(&why, plan.json, clock, out);
    }
    // "ok" is only for what was measured: a relative rule with no healthy
    // baseline judged nothing.
    let relative = plan.engine.checks.iter().any(|c| {
        matches!(
            c.limit,
            Some(Limit::IncreasePoints(_) | Limit::IncreasePercent(_))
        )
    });
    if code == EXIT_OK && relative && pin.baseline.is_none() {
        let (stats, what) = if by_prometheus {
            (series.means(clock.now()), "readings with data")
        } else {
            (window.stats(clock.now()), "probes")
        };
        let why = Baseline::unhealthy(&stats, pin.max_error_rate).map_or_else(
            || format!("{} {what}: too few to pin a baseline", stats.samples),
            |w| format!("the service was never healthy ({w})"),
        );
        return inconclusive(
            &format!("no baseline to judge against: {why}"),
            plan.json,
            clock,
            out,
        );
    }
    code
}

fn inconclusive(why: &str, json: bool, clock: Clock, out: &mut impl Write) -> u8 {
    eprintln!("rollout-cockpit monitor: inconclusive: {why}");
    if json {
        // The last line says it too, for a script that reads only stdout.
        let line = serde_json::json!({
            "ts": clock.now(),
            "verdict": "inconclusive",
            "reason": why,
        });
        let _ = writeln!(out, "{line}").and_then(|()| out.flush());
    }
    EXIT_INCONCLUSIVE
}
