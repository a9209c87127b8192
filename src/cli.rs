//! The command line. Subcommands and flags are a stable contract (DESIGN.md).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "rollout-cockpit",
    version,
    about = "A full-screen terminal cockpit for running a production rollout from a Markdown runbook",
    long_about = "Turns a Markdown runbook into a live cockpit: checklist, command output, \
                  health metrics against a baseline and the rollback criteria, with a \
                  one-key rollback. Without a RUNBOOK argument the bundled TERP production \
                  rollout plan is used.\n\nExit codes: 0 success, 1 runtime error, \
                  2 usage or input error, 3 rollback criteria fired (monitor)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The whole story on this machine, no network: the bundled TERP plan
    /// against a simulated TERP service on 127.0.0.1, with stand-ins for
    /// railway, pnpm, mysqldump and mysql first on PATH.
    Demo(DemoArgs),
    /// Lint a runbook before the window: what the cockpit found in it and what
    /// is still unresolved (placeholders, unset variables, missing rollback).
    Check(CheckArgs),
    /// Open the cockpit: the checklist, each step's command, the rollback
    /// criteria and the window clock, full screen. Every decision is
    /// journaled under the session directory.
    Run(RunArgs),
    /// Probe health endpoints and apply the rollback criteria without a
    /// screen: a canary gate for CI. Exits 3 as soon as a criterion fires.
    #[command(
        long_about = "Probe health endpoints and apply the rollback criteria without a screen: \
                      a canary gate for CI or a script.\n\n\
                      Every interval each URL gets a GET; a final status outside 2xx (after \
                      at most 5 redirects; --accept-status to change), a redirect loop, a \
                      timeout, a connection error, a JSON body whose status is unhealthy/error/down/fail, or invalid JSON \
                      under a JSON content type counts as an error. The error rate and the \
                      latency (p95 of successful probes) over the rolling window are compared \
                      with a baseline, pinned from the window after --baseline-for or given \
                      with --baseline-error-rate and --baseline-latency-ms. The criteria are \
                      the runbook's (with --runbook), else error rate +5 percentage points and \
                      latency +50% above baseline. A breach must hold for --for before it \
                      fires. With --logs CMD the command's access lines give the request \
                      error rate and throughput and its error lines the log criteria; the \
                      access log alone (no --health) is enough.\n\n\
                      Exit codes: 0 --duration ended (or Ctrl-C) without a criterion firing, \
                      1 runtime error, 2 bad flag or URL, 3 a criterion fired, 4 inconclusive \
                      (no baseline, no data, or no access line for a rule that needs one)."
    )]
    Monitor(MonitorArgs),
    /// Follow a session read-only: the same screen, fed by its journal.
    /// Moving, searching and help work; nothing that changes the session can.
    Watch(WatchArgs),
    /// Join a live session as its co-pilot: the `watch` screen, plus space
    /// (tick, and approve: an approval or sign-off needs someone other
    /// than the deployer), s (n/a), o (note), tab then space (a manual
    /// criterion), A (approve an emergency deployment) and R (ask for the
    /// rollback; run it when the deployer's [team] copilot_may_roll_back
    /// is set), sent to the deployer's cockpit over the session's Unix
    /// socket and journaled with your user name (from the kernel). No
    /// deployment command runs from a co-pilot. Only users in the
    /// deployer's [team] members are let in.
    Join(WatchArgs),
    /// Write the deployment record (Markdown) of a session: timeline, who
    /// ticked what and when, criteria, outcome. Without -o it goes to stdout
    /// and to report.md in the session directory.
    Report(ReportArgs),
    /// Replay a session as it happened: the cockpit, read-only, at any
    /// moment of its journal. ←/→ one event, [/] the previous/next decision,
    /// g/G start/end, space plays (+/- 1x, 10x, 60x), q quits.
    Replay(ReplayArgs),
}

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// A session directory, its journal, or a directory of sessions (the
    /// newest live one in it) [default: the newest live session under
    /// $XDG_STATE_HOME/rollout-cockpit]
    pub path: Option<PathBuf>,
    /// Let the mouse wheel move the checklist
    #[arg(long)]
    pub mouse: bool,
    /// Your own settings (TOML): only `[keys]` is used here, so your keys
    /// are the ones you are used to (the deployer's config is theirs)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A session directory, its journal, or a directory of sessions (the
    /// newest in it) [default: the newest session under
    /// $XDG_STATE_HOME/rollout-cockpit]
    pub path: Option<PathBuf>,
    /// Let the mouse wheel move the checklist
    #[arg(long)]
    pub mouse: bool,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A session directory, its journal, or a directory of sessions (the
    /// newest in it) [default: the newest session under
    /// $XDG_STATE_HOME/rollout-cockpit]
    pub path: Option<PathBuf>,
    /// Write the report here instead of stdout and the session's report.md
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the record as one self-contained HTML page (the charts
    /// inline, no external asset, no script); the Markdown is then not
    /// printed
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Compress time: the service's ramps and the stand-ins' pauses run N
    /// times faster
    #[arg(long, value_name = "N", default_value = "1", value_parser = speed, allow_negative_numbers = true)]
    pub speed: f64,
    /// What the deploy does to the simulated service
    #[arg(long, value_enum, default_value_t = crate::demo::Scenario::Degrade)]
    pub scenario: crate::demo::Scenario,
    /// Where the session directory goes [default: a new temporary directory,
    /// kept after exit]
    #[arg(long, value_name = "DIR")]
    pub session_dir: Option<PathBuf>,
    /// Let the mouse wheel move the checklist
    #[arg(long)]
    pub mouse: bool,
    /// The criteria's rolling window: a shorter one fires and recovers
    /// sooner (with fewer probes to judge by)
    #[arg(long, value_name = "D", default_value = "20s", value_parser = crate::domain::duration::parse, allow_hyphen_values = true)]
    pub window: std::time::Duration,
    /// How long a breach must hold before it fires (and a recovery before
    /// it resolves)
    #[arg(long = "for", value_name = "D", default_value = "5s", value_parser = crate::domain::duration::parse, allow_hyphen_values = true)]
    pub hold: std::time::Duration,
    /// As for `run`: how unlikely at the baseline's rate a relative
    /// error-rate breach must be [default: 0.01]
    #[arg(long, value_name = "P", value_parser = significance, allow_negative_numbers = true)]
    pub significance: Option<f64>,
    /// As for `run`: never pin a baseline failing more than PCT percent of
    /// its probes [default: 20]
    #[arg(long, value_name = "PCT", value_parser = baseline_max_error, allow_negative_numbers = true)]
    pub baseline_max_error: Option<f64>,
    /// Judge the simulated service on a Prometheus that scrapes its
    /// `/metrics`, as `run --prometheus URL` does
    #[arg(long, value_name = "URL", value_parser = prometheus_url)]
    pub prometheus: Option<String>,
    /// The simulated service's port on 127.0.0.1 (`/health`, `/metrics`),
    /// for a Prometheus's scrape config [default: a free port]
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub port: u16,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The Markdown runbook [default: the bundled TERP production rollout plan]
    pub runbook: Option<PathBuf>,
    /// Print one JSON object (a stable contract for scripts) instead of the summary
    #[arg(long)]
    pub json: bool,
    /// The settings `run` will use; `check` applies its `[secrets] names`
    /// (which variables are secret) and reports a bad file as `run` would
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The Markdown runbook [default: the bundled TERP production rollout plan]
    pub runbook: Option<PathBuf>,
    /// Settings (TOML): `environment`, `[keys]` to rebind keys
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Who is at the keys; recorded with every decision [default: $USER]
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    #[command(flatten)]
    pub probe: ProbeArgs,
    /// Probe nothing: ignore --health, [[probe]] and the runbook's health
    /// URLs (a rehearsal, or a service not reachable from here yet)
    #[arg(long, conflicts_with = "health")]
    pub no_health: bool,
    /// Let the mouse wheel move the checklist
    #[arg(long)]
    pub mouse: bool,
    /// Where session directories go [default: $XDG_STATE_HOME/rollout-cockpit,
    /// else ~/.local/state/rollout-cockpit]
    #[arg(long, value_name = "DIR")]
    pub session_dir: Option<PathBuf>,
    /// Resume the newest unfinished session of this runbook without asking
    #[arg(long, conflicts_with = "new")]
    pub resume: bool,
    /// Start a new session without asking, even if one is unfinished
    #[arg(long)]
    pub new: bool,
    /// Start even when the runbook has nothing to tick or run (no task
    /// items, no numbered steps, no step with a command): the cockpit then
    /// only watches health and the rollback criteria
    #[arg(long)]
    pub force: bool,
    /// An emergency deployment (the plan's "Emergency Deployments"): no
    /// command runs until a co-pilot approves it from `rollout-cockpit
    /// join` (A); the rollback never waits. Needs [team] members
    #[arg(long)]
    pub emergency: bool,
    /// Rehearse against another environment: rewrite hosts in the commands
    /// and health URLs as the config's `[env.NAME] rewrite` table says
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Where the runbook's commands run [default: the current directory]
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// Opt-in: once an automatic criterion has fired this long, count 10 s
    /// down (esc cancels), then run the rollback [config: [rollback] auto_after]
    #[arg(long, value_name = "D", value_parser = crate::domain::duration::parse, allow_hyphen_values = true)]
    pub auto_rollback_after: Option<Duration>,
    /// Judge error rate, latency and throughput on a Prometheus server's
    /// numbers (the fleet's requests, not a probe's), by instant queries
    /// every --interval; the probes still tell whether the service is down
    /// [config: [prometheus] url, token = "env:NAME", selector,
    /// [prometheus.queries]]
    #[arg(long, value_name = "URL", value_parser = prometheus_url)]
    pub prometheus: Option<String>,
    // Last: its help heading applies to every argument after it.
    #[command(flatten)]
    pub logs: LogArgs,
}

#[derive(Debug, clap::Args)]
pub struct MonitorArgs {
    /// Markdown runbook whose rollback criteria (and health URLs) to use
    #[arg(long, value_name = "FILE")]
    pub runbook: Option<PathBuf>,
    /// Settings (TOML), as for `run`: `[[probe]]` URLs and headers,
    /// `[health] accept_status`, `[baseline]`
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub probe: ProbeArgs,
    /// Pin the baseline from the window after this long (it needs at least 10
    /// samples, so it may take effect later)
    #[arg(long, value_name = "D", default_value = "30s", value_parser = crate::domain::duration::parse, allow_hyphen_values = true)]
    pub baseline_for: Duration,
    /// Stop after this long; exit 0 if nothing fired [default: run until Ctrl-C]
    #[arg(long, value_name = "D", value_parser = crate::domain::duration::parse, allow_hyphen_values = true)]
    pub duration: Option<Duration>,
    /// Print one JSON object per evaluation (a stable contract for scripts)
    #[arg(long)]
    pub json: bool,
    /// Judge the criteria on a Prometheus server's numbers (the fleet's
    /// requests, not a probe's): error rate, latency at the criterion's
    /// percentile and throughput, by instant queries every --interval; no
    /// --health needed. Exit 4 when it never had data [config: [prometheus]
    /// url, token = "env:NAME", selector, [prometheus.queries]]
    #[arg(long, value_name = "URL", value_parser = prometheus_url)]
    pub prometheus: Option<String>,
    // Last: its help heading applies to every argument after it.
    #[command(flatten)]
    pub logs: LogArgs,
}

/// The health probes and the criteria rules: the same flags for `monitor`
/// and `run`, so the cockpit and the CI gate judge alike.
#[derive(Debug, Clone, clap::Args)]
pub struct ProbeArgs {
    /// Health endpoint to probe (http or https); repeat for several. Default:
    /// the config's [[probe]] tables, else the runbook's health URLs
    #[arg(long = "health", value_name = "URL")]
    pub health: Vec<String>,
    /// Time between probes of each URL, and between evaluations
    #[arg(long, value_name = "D", default_value = "1s", value_parser = crate::domain::duration::parse, allow_hyphen_values = true)]
    pub interval: Duration,
    /// How long a probe may take, body included, before it counts as a timeout
    #[arg(long, value_name = "D", default_value = "2s", value_parser = crate::domain::duration::parse, allow_hyphen_values = true)]
    pub timeout: Duration,
    /// Rolling window over which error rate and latency percentiles are computed
    #[arg(long, value_name = "D", default_value = "60s", value_parser = crate::domain::duration::parse, allow_hyphen_values = true)]
    pub window: Duration,
    /// Baseline error rate in percent, instead of pinning one (needs --baseline-latency-ms)
    #[arg(long, value_name = "PCT", requires = "baseline_latency_ms", value_parser = percent, allow_negative_numbers = true)]
    pub baseline_error_rate: Option<f64>,
    /// Baseline p95 latency in ms, instead of pinning one (needs --baseline-error-rate)
    #[arg(long, value_name = "MS", requires = "baseline_error_rate", value_parser = milliseconds, allow_negative_numbers = true)]
    pub baseline_latency_ms: Option<f64>,
    /// Fire when the error rate exceeds the baseline by more than POINTS
    /// percentage points [default: the runbook's value, else 5]
    #[arg(long, value_name = "POINTS", value_parser = percent, allow_negative_numbers = true)]
    pub error_rate_increase: Option<f64>,
    /// Fire when p95 latency exceeds the baseline by more than PERCENT
    /// [default: the runbook's value, else 50]
    #[arg(long, value_name = "PERCENT", value_parser = increase, allow_negative_numbers = true)]
    pub latency_increase: Option<f64>,
    /// A relative latency breach also needs at least this absolute increase
    /// in ms, so a 1 ms loopback baseline does not flap
    #[arg(long, value_name = "MS", default_value = "20", value_parser = milliseconds, allow_negative_numbers = true)]
    pub latency_floor_ms: f64,
    /// How long a breach must hold before it fires (and a recovery before it resolves)
    #[arg(long = "for", value_name = "D", default_value = "10s", value_parser = crate::domain::duration::parse, allow_hyphen_values = true)]
    pub hold: Duration,
    /// Do not verify TLS certificates (self-signed staging endpoints)
    #[arg(long)]
    pub insecure: bool,
    /// Final statuses (after at most 5 redirects) that count as healthy, e.g.
    /// 200,204 or 200-299; any other fails the probe [default: 200-299]
    /// [config: [health] accept_status]
    #[arg(long, value_name = "LIST", value_parser = crate::domain::monitor::probe::AcceptStatus::parse)]
    pub accept_status: Option<crate::domain::monitor::probe::AcceptStatus>,
    /// A relative error-rate rule fires only when the window's failures, or
    /// the failures since a step began, are this unlikely at the baseline's
    /// rate (a one-sided binomial p-value): lower cries wolf less and sees a
    /// step later. Above 0, at most 0.5
    /// [default: 0.01] [config: [criteria] significance]
    #[arg(long, value_name = "P", value_parser = significance, allow_negative_numbers = true)]
    pub significance: Option<f64>,
    /// Never pin a baseline from a window failing more than PCT percent of
    /// its probes: that window is an outage, not "normal", and a relative
    /// rule against it would never fire. Above 0, at most 100 [default: 20]
    /// [config: [criteria] baseline_max_error]
    #[arg(long, value_name = "PCT", value_parser = baseline_max_error, allow_negative_numbers = true)]
    pub baseline_max_error: Option<f64>,
}

fn number(s: &str) -> Result<f64, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number"))
}

fn significance(s: &str) -> Result<f64, String> {
    crate::domain::monitor::criteria::check_significance(number(s)?)
}

fn baseline_max_error(s: &str) -> Result<f64, String> {
    crate::domain::monitor::criteria::check_baseline_max_error(number(
        s.trim().trim_end_matches('%'),
    )?)
}

fn prometheus_url(s: &str) -> Result<String, String> {
    crate::domain::monitor::probe::validate_url(s)
        .map(|_| s.trim().to_string())
        .map_err(|e| e.to_string())
}

/// The application's log stream and the log_errors criterion (`run` and
/// `monitor`: the access log's request error rate and throughput too).
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Log stream")]
pub struct LogArgs {
    /// A command that follows the application's logs for the whole session
    /// (e.g. 'railway logs', 'kubectl logs -f deploy/api'); its lines are
    /// counted, and error lines apart, for the errors-per-minute criterion;
    /// access lines (common/combined format, JSON with a status) give the
    /// request error rate and throughput [config: [logs] command]
    #[arg(long = "logs", value_name = "CMD", value_parser = command)]
    pub logs: Option<String>,
    /// Fire when the log stream shows more than N error lines per minute:
    /// replaces the runbook's own limit, or adds the criterion [config: [logs]
    /// errors_above]
    #[arg(long, value_name = "N", value_parser = per_minute, allow_negative_numbers = true)]
    pub log_errors_above: Option<f64>,
    /// A regular expression that marks a log line as an error; repeat for
    /// several. Replaces the defaults (5xx access-log lines, ERROR, FATAL,
    /// Exception, panic, ECONNREFUSED) [config: [logs] error_patterns]
    #[arg(long = "log-pattern", value_name = "REGEX", value_parser = regex_pattern)]
    pub log_patterns: Vec<String>,
}

fn command(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("the command is empty".into());
    }
    Ok(s.to_string())
}

/// Checked at parse time so that a typo is a usage error (exit 2) that
/// names the flag and the pattern, before anything starts.
fn regex_pattern(s: &str) -> Result<String, String> {
    regex::Regex::new(s)
        .map(|_| s.to_string())
        .map_err(|e| crate::domain::logs::patterns::invalid_pattern(&e))
}

fn non_negative(s: &str) -> Result<f64, String> {
    let x: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number"))?;
    if !x.is_finite() || x < 0.0 {
        return Err(format!("{s} must be a number of at least 0"));
    }
    Ok(x)
}

/// A number of at least 0 and at most `max` (`what` names the unit).
fn at_most(s: &str, max: f64, what: &str) -> Result<f64, String> {
    let x = non_negative(s)?;
    if x > max {
        return Err(format!("{s} is more than {max} {what}"));
    }
    Ok(x)
}

/// Latency: an hour is already no answer at all.
fn milliseconds(s: &str) -> Result<f64, String> {
    at_most(s, 3_600_000.0, "ms (an hour)")
}

fn increase(s: &str) -> Result<f64, String> {
    at_most(s, 100_000.0, "percent")
}

fn per_minute(s: &str) -> Result<f64, String> {
    at_most(s, 1_000_000_000.0, "lines a minute")
}

fn speed(s: &str) -> Result<f64, String> {
    let x = non_negative(s)?;
    if !(0.1..=1000.0).contains(&x) {
        return Err(format!("{s}: the speed is between 0.1 and 1000"));
    }
    Ok(x)
}

fn percent(s: &str) -> Result<f64, String> {
    let x = non_negative(s.trim().trim_end_matches('%'))?;
    if x > 100.0 {
        return Err(format!("{s} is more than 100%"));
    }
    Ok(x)
}
