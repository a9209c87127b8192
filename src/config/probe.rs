//! From the probe flags and the config file to the monitor's settings:
//! what to probe, how, and how to judge it. Resolved before the screen
//! opens, so a bad URL or a missing header variable is a usage error.

use crate::cli::ProbeArgs;
use crate::config::Config;
use crate::core::settings::MonitorSetup;
use crate::domain::monitor::MonitorConfig;
use crate::domain::monitor::criteria::Settings;
use crate::domain::monitor::probe::{ProbeSettings, mask_url};
use crate::domain::monitor::setup;
use crate::domain::profile::{Profile, rewrite_url};

impl ProbeArgs {
    pub fn probe_settings(&self) -> ProbeSettings {
        ProbeSettings {
            interval: self.interval,
            timeout: self.timeout,
            insecure: self.insecure,
            accept: self.accept_status.unwrap_or_default(),
        }
    }

    /// The flags, then the config's `[criteria]`, then the defaults.
    pub fn criteria_settings(&self, config: &Config) -> Settings {
        let table = config.criteria.unwrap_or_default();
        let defaults = Settings::default();
        Settings {
            error_rate_increase: self.error_rate_increase,
            latency_increase: self.latency_increase,
            latency_floor_ms: self.latency_floor_ms,
            hold: self.hold,
            // A `run` flag (`LogArgs`), not a probe's: see `LogSetup`.
            log_errors_above: None,
            significance: self
                .significance
                .or(table.significance)
                .unwrap_or(defaults.significance),
            baseline_max_error: self
                .baseline_max_error
                .or(table.baseline_max_error)
                .unwrap_or(defaults.baseline_max_error),
        }
    }

    /// `(error rate %, p95 ms)` when both were given.
    pub fn given_baseline(&self) -> Option<(f64, f64)> {
        self.baseline_error_rate.zip(self.baseline_latency_ms)
    }
}

impl MonitorSetup {
    /// URLs from `--health`, else the config's `[[probe]]`, else the
    /// runbook's. Builds each prober once to check URL and headers now.
    pub fn resolve(
        args: &ProbeArgs,
        config: &Config,
        config_name: &str,
        profile: &Profile,
        runbook_urls: &[String],
        runbook_name: &str,
    ) -> Result<MonitorSetup, String> {
        let tables: Vec<_> = config.probe.iter().map(|p| p.to_probe()).collect();
        let mut sources = setup::sources(
            &args.health,
            &tables,
            config_name,
            runbook_urls,
            runbook_name,
        );
        // `--env staging`: probe staging whichever list the URL came from.
        for s in &mut sources {
            s.config.url = rewrite_url(profile, &s.config.url);
        }
        let mut probe = args.probe_settings();
        if args.accept_status.is_none()
            && let Some(accept) = config
                .health
                .as_ref()
                .map(|h| h.accept())
                .transpose()?
                .flatten()
        {
            probe.accept = accept;
        }
        setup::probers(&sources, &probe)?;
        let given = args
            .given_baseline()
            .or_else(|| config.baseline.map(|b| (b.error_rate, b.latency_ms)));
        let config = (!sources.is_empty()).then(|| {
            MonitorConfig::new(
                sources.iter().map(|s| mask_url(&s.config.url)).collect(),
                &probe,
                args.window,
                &args.criteria_settings(config),
            )
        });
        Ok(MonitorSetup {
            sources,
            probe,
            config,
            given,
            prometheus: None,
        })
    }
}
