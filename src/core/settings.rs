//! How this session was started: plain data resolved from the flags, the
//! config file and the runbook before the loop starts (`config` builds it),
//! read by `update` and the panes, never changed by them.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::core::event::{DemoClock, Event};
use crate::domain::exec::Masker;
use crate::domain::logs::ErrorPatterns;
use crate::domain::monitor::setup::Source;
use crate::domain::monitor::{BaselineSource, MonitorConfig, ProbeSettings, Settings as Criteria};

/// How this run was started (flags), kept for the panes and later issues.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub operator: String,
    pub environment: String,
    pub runbook_name: String,
    /// Where this session is journaled, for the quit confirm.
    pub journal: Option<String>,
    /// What to probe and how to judge it (journaled when the loop starts).
    pub monitor: MonitorSetup,
    /// `--env`: host rewrites. The monitor's URLs are rewritten already;
    /// commands go through
    /// [`crate::domain::profile::rewrite_command`] where they are started.
    pub profile: crate::domain::profile::Profile,
    /// How commands run; the auto-rollback.
    pub exec: ExecSettings,
    /// Set by `rollout-cockpit demo` only; journaled as
    /// [`Event::DemoClock`], which is what the panes read.
    pub demo: Option<DemoClock>,
    /// The application's log stream (`--logs`, `[logs]`).
    pub logs: LogSetup,
    /// `[team]`: who may join as a co-pilot.
    pub team: Team,
}

/// `[team]`: the user names (from the kernel, never from the client) that
/// `join` accepts, and the group the co-pilot socket is given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Team {
    pub members: Vec<String>,
    /// A co-pilot's `R` `y` runs the rollback, as the deployer's does;
    /// otherwise it is a request the deployer answers.
    pub copilot_may_roll_back: bool,
    pub group: Option<String>,
    /// The rows only someone other than the deployer may tick (the
    /// runbook's approvals, `[rules] two_person`).
    pub two_person: std::collections::BTreeSet<crate::core::event::Target>,
    /// `run --emergency`: a co-pilot approves before the first command.
    pub emergency: bool,
}

impl Settings {
    /// A session that probes nothing, runs commands the default way and is
    /// not journaled: what a replay (`watch`, `report`), a test or a bench
    /// starts from. `run` fills in the rest from its flags.
    pub fn replay(operator: String, environment: String, runbook_name: String) -> Settings {
        Settings {
            operator,
            environment,
            runbook_name,
            journal: None,
            monitor: Default::default(),
            profile: Default::default(),
            exec: Default::default(),
            demo: None,
            logs: Default::default(),
            team: Team::default(),
        }
    }
}

/// How commands run (`[exec]` in the config, `--workdir`, `--auto-rollback-after`).
#[derive(Debug, Clone, PartialEq)]
pub struct ExecSettings {
    pub shell: String,
    pub flags: Vec<String>,
    pub workdir: PathBuf,
    /// A command that exits 0 ticks its row.
    pub tick_on_success: bool,
    /// `[exec] keep_background`: a step's background processes outlive its
    /// shell (for a runbook whose step starts a daemon). Off: they end with
    /// the step, so nothing a finished step left outlives the cockpit.
    pub keep_background: bool,
    /// Opt-in: an automatic criterion firing this long starts the countdown.
    pub auto_rollback_after: Option<Duration>,
    pub masker: SharedMasker,
    /// `[notify] webhook_url` resolved: announcements can be posted.
    pub webhook: Option<WebhookUrl>,
}

/// A webhook URL is a credential: `{:?}` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl(pub String);

impl std::fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookUrl(••••)")
    }
}

impl ExecSettings {
    /// A child command as this session runs its commands: the shell, its
    /// flags and the working directory (a step and the log stream alike).
    pub fn shape(&self, spec: &mut crate::domain::exec::RunSpec) {
        spec.shell = self.shell.clone();
        spec.shell_flags = self.flags.clone();
        spec.workdir = self.workdir.clone();
    }
}

impl Default for ExecSettings {
    fn default() -> Self {
        ExecSettings {
            shell: "bash".into(),
            flags: vec!["-e".into(), "-o".into(), "pipefail".into()],
            workdir: PathBuf::from("."),
            tick_on_success: true,
            keep_background: false,
            auto_rollback_after: None,
            masker: SharedMasker::default(),
            webhook: None,
        }
    }
}

/// The masker, shared with the runners. Equal when it is the same one: a
/// state comparison is about the session, not about compiled regexes.
#[derive(Debug, Clone, Default)]
pub struct SharedMasker(pub Arc<Masker>);

impl PartialEq for SharedMasker {
    fn eq(&self, _: &Self) -> bool {
        // Configuration derived from the environment, not session state:
        // two states agree whatever masker each was given.
        true
    }
}

/// What to probe and how to judge it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MonitorSetup {
    pub sources: Vec<Source>,
    pub probe: ProbeSettings,
    /// `None`: no health URL anywhere, nothing is probed.
    pub config: Option<MonitorConfig>,
    /// `(error rate %, p95 ms)` from flags, else from the config.
    pub given: Option<(f64, f64)>,
    /// `--prometheus URL` or `[prometheus]`: queried beside the probes, the
    /// source of the error rate, latency and throughput the criteria judge.
    pub prometheus: Option<crate::domain::monitor::prometheus::PrometheusConfig>,
}

impl MonitorSetup {
    /// Journaled when the loop starts, right after `SessionStarted`.
    pub fn startup_events(&self) -> Vec<Event> {
        let Some(config) = &self.config else {
            return Vec::new();
        };
        let mut out = vec![Event::MonitorConfigured(config.clone())];
        if let Some((error_rate, latency_ms)) = self.given {
            out.push(Event::BaselinePinned {
                error_rate,
                latency_ms: Some(latency_ms),
                samples: 0,
                source: BaselineSource::Given,
                log_errors_per_min: None,
                requests: None,
                throughput: None,
            });
        }
        out
    }
}

/// The application's log stream.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogSetup {
    /// `None`: no log stream; a log criterion stays "collecting".
    pub command: Option<String>,
    pub patterns: ErrorPatterns,
    /// Error lines per minute (`--log-errors-above`, `[logs] errors_above`).
    pub errors_above: Option<f64>,
}

impl LogSetup {
    /// The criteria settings with this setup's limit.
    pub fn criteria_settings(&self, settings: Criteria) -> Criteria {
        Criteria {
            log_errors_above: self.errors_above,
            ..settings
        }
    }
}
