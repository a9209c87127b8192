//! `rollout-cockpit monitor`: the criteria engine without a screen. Probers
//! send samples (and the log stream its counts), an evaluation runs every
//! interval and prints a line, and the first firing criterion ends the run
//! with exit code 3.

use std::io::Write;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use crate::cli::MonitorArgs;
use crate::domain::logs::rate::LogRate;
use crate::domain::logs::{LogMsg, LogSpec};
use crate::domain::monitor::baseline::{self, Baseline, BaselineSource, Pin};
use crate::domain::monitor::clock::Clock;
use crate::domain::monitor::criteria::{self, Engine, Kind, Limit, State};
use crate::domain::monitor::evaluation::Evaluation;
use crate::domain::monitor::probe::{self, ProbeSettings, Prober};
use crate::domain::monitor::prometheus::{self, Client, Queries, Series};
use crate::domain::monitor::setup;
use crate::domain::monitor::window::{RollingWindow, Stats};

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
    /// The log stream (`--logs`, `[logs] command`) and its command, masked,
    /// as the messages name it.
    logs: Option<(LogSpec, String)>,
}

/// The log stream's counts so far, and whether it is running: the
/// figures of a stream that exited are unknown until it starts again.
#[derive(Default)]
struct Logs {
    on: bool,
    rate: LogRate,
    stopped: bool,
}

impl Logs {
    /// `stats` with the stream's figures in.
    fn onto(&self, mut stats: Stats) -> Stats {
        if self.on {
            stats.set_log_figures(true, &self.rate, self.stopped);
        }
        stats
    }
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
    // As `run` resolves it: the flags, else the config's [logs] table.
    let logs = crate::core::settings::LogSetup::resolve(&args.logs, &config)?;
    let log_stream = logs.command.is_some();
    if setup.sources.is_empty() && prometheus.is_none() && !log_stream {
        return Err(match &loaded {
            Some(l) => format!(
                "{} names no health URL; give one with --health URL or [[probe]] in --config \
                 (or judge an access log with --logs CMD)",
                l.name
            ),
            None => "no health URL: give --health URL (repeatable), --config FILE with [[probe]], --runbook FILE, --prometheus URL or --logs CMD".to_string(),
        });
    }
    let probe = setup.probe;
    let probers = setup::probers(&setup.sources, &probe)?;
    let settings = logs.criteria_settings(args.probe.criteria_settings(&config));
    let criteria = loaded.as_ref().map_or(&[][..], |l| &l.runbook.criteria[..]);
    // Manual criteria need an operator at a cockpit, log criteria a log
    // stream: left in, they would hold the verdict at "collecting" for
    // good and a gate waiting for "ok" would never pass.
    let (checks, unmeasured): (Vec<_>, Vec<_>) = criteria::checks(criteria, &settings)
        .into_iter()
        .filter(|c| c.kind != Kind::Manual)
        .partition(|c| {
            // Prometheus counts requests: its throughput needs no log stream.
            criteria::missing_source(c.kind, log_stream).is_none()
                || (prometheus.is_some() && c.kind == Kind::Throughput)
        });
    let (log_rules, throughput): (Vec<_>, Vec<_>) = unmeasured
        .into_iter()
        .partition(|c| c.kind == Kind::LogErrors);
    if !log_rules.is_empty() {
        eprintln!(
            "rollout-cockpit monitor: {} log criteria not judged (they need a log stream: \
             add --logs CMD)",
            log_rules.len()
        );
    }
    if !throughput.is_empty() {
        eprintln!(
            "rollout-cockpit monitor: throughput: no source, not judged (it needs an access \
             log: add --logs CMD)"
        );
    }
    // An access log counts requests, not how long they took: with nothing
    // probed, a latency rule would read "no data" for good.
    let (checks, latency): (Vec<_>, Vec<_>) = checks.into_iter().partition(|c| {
        c.kind != Kind::Latency || !setup.sources.is_empty() || prometheus.is_some()
    });
    if !latency.is_empty() {
        eprintln!(
            "rollout-cockpit monitor: {} latency criteria not judged (the access log gives \
             no latency: add --health URL or --prometheus URL)",
            latency.len()
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
    let logs = match logs.command {
        Some(command) => {
            let masker =
                std::sync::Arc::new(config.masker().map_err(|e| format!("{config_name}: {e}"))?);
            let shown = masker.mask(&command).into_owned();
            // The lines are only counted here: no session directory keeps them.
            let mut spec = LogSpec::new(command, "/dev/null", masker);
            spec.patterns = logs.patterns;
            spec.run.kill.term_after = Duration::from_secs(1);
            spec.run.kill.kill_after = Duration::from_secs(2);
            Some((spec, shown))
        }
        None => None,
    };
    Ok(Plan {
        logs,
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
    if let Some((_, shown)) = &plan.logs {
        urls.push(format!("the log stream `{shown}`"));
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
    // They are about probes: an access log alone loads nothing.
    let probed = !plan.probers.is_empty() || plan.prometheus.is_some();
    for w in setting_warnings(interval, plan.window)
        .into_iter()
        .filter(|_| probed)
    {
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
    let (ltx, mut lrx) = mpsc::channel(crate::domain::exec::CHANNEL_CAPACITY);
    let mut logs = Logs {
        on: plan.logs.is_some(),
        ..Logs::default()
    };
    let log_shown = plan
        .logs
        .as_ref()
        .map(|(_, s)| s.clone())
        .unwrap_or_default();
    let stream = plan
        .logs
        .take()
        .map(|(spec, _)| crate::domain::logs::spawn(spec, ltx));
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
                    pin.poll(now, &logs.onto(window.stats(now)));
                }
            }
            Some(msg) = lrx.recv() => match msg {
                LogMsg::Count(c) => {
                    logs.rate.push(c);
                    if pin.requested.is_some() && !by_prometheus {
                        let now = clock.now();
                        pin.poll(now, &logs.onto(window.stats(now)));
                    }
                }
                LogMsg::Started { attempt, .. } => {
                    if logs.stopped {
                        eprintln!("rollout-cockpit monitor: log stream: started again (attempt {attempt})");
                    }
                    logs.stopped = false;
                }
                LogMsg::Exited { code, signal, error, restart_in } => {
                    // Its last minute says nothing about now: "no data"
                    // until it runs again, never its old figures as "ok".
                    logs.stopped = true;
                    let how = match (error, code, signal) {
                        (Some(e), _, _) => format!("could not start: {e}"),
                        (None, Some(c), _) => format!("exited with code {c}"),
                        (None, None, Some(s)) => format!("was killed by signal {s}"),
                        (None, None, None) => "ended".to_string(),
                    };
                    eprintln!(
                        "rollout-cockpit monitor: log stream `{log_shown}` {how}; its figures are no data until it restarts in {}",
                        humantime::format_duration(restart_in)
                    );
                }
                LogMsg::Lines { .. } => {}
            },
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
                    let s = logs.onto(window.stats(now));
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
    // Its process group is killed and waited for: no stray writer stays
    // behind a gate that has answered.
    if let Some(s) = stream {
        s.stop().await;
    }
    if code == EXIT_OK && logs.on && logs.rate.total_requests == 0 {
        // Throughput only an access log counts (Prometheus aside); with
        // nothing probed the error rate is the access log's too.
        let needs: Vec<&str> = plan
            .engine
            .checks
            .iter()
            .filter_map(|c| match c.kind {
                Kind::Throughput if !by_prometheus => Some("throughput"),
                Kind::ErrorRate if !by_prometheus && !probed => Some("error rate"),
                _ => None,
            })
            .collect();
        if let Some(first) = needs.first() {
            let why = format!(
                "the log stream showed no access line ({} counted), and the {first} criterion needs requests to judge",
                crate::domain::words::count(logs.rate.total_lines, "line")
            );
            return inconclusive(&why, plan.json, clock, out);
        }
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
        let (stats, (n, what)) = if by_prometheus {
            let s = series.means(clock.now());
            (s, (s.samples, "readings with data"))
        } else {
            let s = logs.onto(window.stats(clock.now()));
            (s, baseline::pin_basis(&s))
        };
        let why = Baseline::unhealthy(&stats, pin.max_error_rate).map_or_else(
            || format!("{n} {what}: too few to pin a baseline"),
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
