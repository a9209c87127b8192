//! The cockpit's side of the monitor: what to probe and how to judge it
//! (resolved before the screen opens, so a bad URL or a missing header
//! variable is a usage error), the probe workers feeding the loop, and the
//! batch that turns their samples into about one journal record a second.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::Msg;
use crate::cli::ProbeArgs;
use crate::config::Config;
use crate::event::Event;
use crate::monitor::probe::{self, mask_url};
use crate::monitor::setup::{self, Source};
use crate::monitor::{BaselineSource, Clock, MonitorConfig, Probe, ProbeSample, ProbeSettings};
use crate::profile::{Profile, rewrite_url};

/// Probes in flight per URL are one; this only absorbs a slow loop.
const PROBE_QUEUE: usize = 64;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MonitorSetup {
    pub sources: Vec<Source>,
    pub probe: ProbeSettings,
    /// `None`: no health URL anywhere, nothing is probed.
    pub config: Option<MonitorConfig>,
    /// `(error rate %, p95 ms)` from flags, else from the config.
    pub given: Option<(f64, f64)>,
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
                &args.criteria_settings(),
            )
        });
        Ok(MonitorSetup {
            sources,
            probe,
            config,
            given,
        })
    }

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
            });
        }
        out
    }

    /// One worker per URL; each sends its probes to the loop as `Msg::Probe`.
    pub fn spawn(&self, tx: &mpsc::UnboundedSender<Msg>) -> Vec<JoinHandle<()>> {
        let probers = match setup::probers(&self.sources, &self.probe) {
            Ok(p) => p,
            Err(e) => {
                // Checked before the screen opened; only a vanished
                // environment variable gets here.
                log::error!("health probes not started: {e}");
                return Vec::new();
            }
        };
        let clock = Clock::start();
        let mut handles = Vec::new();
        for prober in probers {
            let (ptx, mut prx) = mpsc::channel::<Probe>(PROBE_QUEUE);
            handles.push(probe::spawn(prober, self.probe.interval, clock, ptx));
            let tx = tx.clone();
            handles.push(tokio::spawn(async move {
                while let Some(p) = prx.recv().await {
                    if tx.send(Msg::Probe(p)).is_err() {
                        break;
                    }
                }
            }));
        }
        handles
    }
}

/// Samples waiting for the next flush: a record per sample would be a
/// journal write per probe per URL.
#[derive(Debug, Default)]
pub struct Batch {
    samples: Vec<ProbeSample>,
}

impl Batch {
    pub fn push(&mut self, probe: Probe) {
        self.samples.push(probe.into());
    }

    /// The `Samples` event to journal, if any arrived since the last flush.
    pub fn take(&mut self) -> Option<Event> {
        (!self.samples.is_empty()).then(|| Event::Samples {
            samples: std::mem::take(&mut self.samples),
        })
    }
}
