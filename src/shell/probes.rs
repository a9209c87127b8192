//! The cockpit's side of the monitor: what to probe and how to judge it
//! (resolved before the screen opens, so a bad URL or a missing header
//! variable is a usage error), the probe workers feeding the loop, and the
//! batch that turns their samples into about one journal record a second.

use crate::core::settings::MonitorSetup;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::core::event::Event;
use crate::domain::monitor::probe;
use crate::domain::monitor::prometheus::{self, Client, Reading};
use crate::domain::monitor::setup;
use crate::domain::monitor::{Probe, ProbeSample};
use crate::shell::front::Clock;
use crate::shell::msg::Msg;

/// Probes in flight per URL are one; this only absorbs a slow loop.
const PROBE_QUEUE: usize = 64;

impl MonitorSetup {
    /// One worker per URL, on the loop's clock; each sends its probes to
    /// the loop as `Msg::Probe`.
    pub fn spawn(&self, tx: &mpsc::UnboundedSender<Msg>, clock: &Clock) -> Vec<JoinHandle<()>> {
        let probers = match setup::probers(&self.sources, &self.probe) {
            Ok(p) => p,
            Err(e) => {
                // Checked before the screen opened; only a vanished
                // environment variable gets here.
                log::error!("health probes not started: {e}");
                return Vec::new();
            }
        };
        let mut handles = Vec::new();
        if let Some(h) = self.spawn_prometheus(tx, clock) {
            handles.push(h);
        }
        for prober in probers {
            let (ptx, mut prx) = mpsc::channel::<Probe>(PROBE_QUEUE);
            let ticks = clock.probe_ticks(self.probe.interval);
            handles.push(probe::follow(prober, ticks, ptx));
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

impl MonitorSetup {
    /// The Prometheus worker, on the probes' clock: a round of queries per
    /// interval, each sent to the loop as `Msg::Prometheus`.
    fn spawn_prometheus(
        &self,
        tx: &mpsc::UnboundedSender<Msg>,
        clock: &Clock,
    ) -> Option<JoinHandle<()>> {
        let config = self.prometheus.as_ref()?;
        let queries = self.config.as_ref()?.prometheus.as_ref()?.queries.clone();
        let client = match Client::new(&config.url, config.token_env.as_deref(), self.probe.timeout)
        {
            Ok(c) => c,
            Err(e) => {
                // Checked before the screen opened; only a vanished
                // environment variable gets here.
                log::error!("prometheus not queried: {e}");
                return None;
            }
        };
        let (ptx, mut prx) = mpsc::channel::<Reading>(PROBE_QUEUE);
        let worker =
            prometheus::follow(client, queries, clock.probe_ticks(self.probe.interval), ptx);
        let tx = tx.clone();
        Some(tokio::spawn(async move {
            let _worker = AbortOnDrop(worker);
            while let Some(r) = prx.recv().await {
                if tx.send(Msg::Prometheus(r)).is_err() {
                    break;
                }
            }
        }))
    }
}

/// Ends the worker with its forwarder.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
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
