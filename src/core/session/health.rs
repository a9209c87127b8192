//! The service's health as the journal tells it: the rolling window, the
//! baseline and the criteria state machines. Folded from `Samples`,
//! `BaselinePinned`, `BaselineRequested` and `CriterionToggled` records,
//! always at the samples' (or the record's) own timestamps and never the
//! wall clock, so a replay of the journal reaches exactly the same verdicts.
//! Criterion transitions ("fired at") are derived here, not journaled: the
//! samples are the one source of truth.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use crate::core::event::{Event, Record};
use crate::core::session::Stamp;
use crate::domain::logs::rate::LogRate;
use crate::domain::monitor::criteria::{self, Engine, Kind, Settings};
use crate::domain::monitor::prometheus::{Reading, Series};
use crate::domain::monitor::{
    Baseline, BaselineSource, MonitorConfig, Pin, ProbeSample, RollingWindow, Stats,
};
use crate::domain::runbook::Criterion;

/// Enough history for the report; a flapping criterion cannot grow it forever.
const MAX_TRANSITIONS: usize = 1000;

/// A criterion changing state, for the log and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub criterion: usize,
    pub from: criteria::State,
    pub to: criteria::State,
    pub at: DateTime<Utc>,
    /// The verdict at that moment (`err 7.2% vs 0.4% base ...`).
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    /// `None` until `MonitorConfigured`: nothing is probed.
    pub config: Option<MonitorConfig>,
    criteria: Vec<Criterion>,
    pub window: RollingWindow,
    pub pin: Pin,
    pub engine: Engine,
    /// What the criteria read at the newest sample or reading: the probe's
    /// window, or Prometheus's figures when it is the source.
    pub stats: Stats,
    /// The probe's window at the newest sample, whatever the source: the
    /// service-down check and the pane's probe line read it.
    pub probe: Stats,
    /// Prometheus's readings over the window, when it is a source.
    pub series: Option<Series>,
    /// The newest sample's time: the view's "now" for sparklines.
    pub last: Option<DateTime<Utc>>,
    /// Where the sparklines' columns start: half an interval before the
    /// first probe since the monitor was (re)configured. The probes run on
    /// a fixed grid too, so each one lands mid-column and a few ms of timer
    /// jitter never moves it into a neighbour. Whole seconds would not do:
    /// a probe phase just under a whole second straddles every edge.
    pub grid: Option<DateTime<Utc>>,
    /// The latest probe of each URL, with the details its body carried.
    pub latest: BTreeMap<String, ProbeSample>,
    /// Who last toggled each manual criterion, and when.
    pub toggles: BTreeMap<usize, Stamp>,
    pub transitions: Vec<Transition>,
    /// Every baseline that took effect, in order: the report draws each
    /// from its pinning to the next.
    pub pins: Vec<Baseline>,
    /// Error lines per minute in the application's log stream.
    pub log_rate: LogRate,
    /// When the stream exited, while it has not counted since: its figures
    /// are unknown.
    log_stopped: Option<DateTime<Utc>>,
    /// A log stream runs (`LogStreamConfigured`), with this limit from
    /// `--log-errors-above` or the config, if any.
    log_stream: Option<Option<f64>>,
    /// The sample time of the last evaluation: a batch holds one probe per
    /// URL per interval, and judging once per interval (not per sample)
    /// keeps a 4-hour replay within its budget.
    evaluated_at: Option<DateTime<Utc>>,
}

impl Health {
    pub fn new(criteria: &[Criterion]) -> Health {
        let settings = Settings::default();
        Health {
            config: None,
            criteria: criteria.to_vec(),
            window: RollingWindow::new(crate::domain::monitor::window::DEFAULT_WINDOW),
            pin: Pin::default(),
            engine: Engine::new(
                criteria::with_service_down(criteria::checks(criteria, &settings)),
                settings,
            ),
            stats: Stats::default(),
            probe: Stats::default(),
            series: None,
            last: None,
            grid: None,
            latest: BTreeMap::new(),
            toggles: BTreeMap::new(),
            transitions: Vec::new(),
            pins: Vec::new(),
            log_rate: LogRate::default(),
            log_stopped: None,
            log_stream: None,
            evaluated_at: None,
        }
    }

    pub fn baseline(&self) -> Option<&Baseline> {
        self.pin.baseline.as_ref()
    }

    pub fn overall(&self) -> criteria::State {
        self.engine.overall()
    }

    pub fn firing(&self) -> bool {
        self.overall() == criteria::State::Firing
    }

    /// Folds one of the monitor's records in; other records are ignored.
    pub fn apply(&mut self, r: &Record) {
        self.fold(r);
        // A pin takes effect by its record, or at the 10th sample after a
        // request: noted wherever it happened.
        if let Some(b) = &self.pin.baseline
            && self.pins.last() != Some(b)
        {
            self.pins.push(b.clone());
        }
    }

    fn fold(&mut self, r: &Record) {
        match &r.event {
            Event::MonitorConfigured(config) => self.configure(config),
            Event::Samples { samples } => {
                let step = self.step();
                for (i, s) in samples.iter().enumerate() {
                    self.sample(s);
                    let due = self.evaluated_at.is_none_or(|t| s.sample.ts - t >= step);
                    if due || i + 1 == samples.len() {
                        self.judge();
                    }
                }
            }
            Event::PrometheusReading { reading } => self.reading(reading),
            Event::BaselinePinned {
                error_rate,
                latency_ms,
                samples,
                source,
                log_errors_per_min,
                requests,
                throughput,
            } => {
                if *source == BaselineSource::Auto && self.pin.baseline.is_some() {
                    return;
                }
                // p50/p99 come from the window the pin was taken from (a
                // given baseline has none): the record keeps its p95 only.
                let from_window = *source != BaselineSource::Given;
                let at_pin = self.pin_stats();
                self.pin.baseline = Some(Baseline {
                    error_rate: *error_rate,
                    latency_ms: *latency_ms,
                    p50_ms: at_pin.p50.filter(|_| from_window),
                    p99_ms: at_pin.p99.filter(|_| from_window),
                    p90_ms: at_pin.p90.filter(|_| from_window),
                    log_errors_per_min: *log_errors_per_min,
                    requests: *requests,
                    throughput: *throughput,
                    samples: *samples,
                    pinned_at: r.ts,
                    source: *source,
                });
                self.pin.requested = None;
                // Pinned from the window as it was when asked.
                self.pin.asked_at = None;
                self.reevaluate();
            }
            Event::BaselineRequested { source }
                if self.pin.request(*source, r.ts, &self.pin_stats()).is_some() =>
            {
                self.reevaluate();
            }
            Event::LogStreamConfigured { errors_above, .. } => {
                self.log_stream = Some(*errors_above);
                self.rebuild();
                self.note_logs();
            }
            Event::LogCounts { counts } => {
                for c in counts {
                    self.log_rate.push(*c);
                }
                // The second the stream ended in is counted after its exit:
                // only a later second says it runs again.
                if self
                    .log_stopped
                    .is_some_and(|exited| counts.iter().any(|c| c.at > exited))
                {
                    self.log_stopped = None;
                }
                self.note_logs();
                // The access log's error rate and throughput are judged
                // when its counts arrive, probe or no probe.
                let access = self.stats.requests.is_some();
                if let Some(now) = self.log_rate.last() {
                    // With nothing probed, a pin waits for the requests.
                    if access && self.config.is_none() && self.pin.requested.is_some() {
                        let at_pin = self.pin_stats();
                        if self.pin.poll(now, &at_pin).is_some() {
                            self.evaluate(now);
                        }
                    }
                    self.evaluate_where(now, |k| {
                        k == Kind::LogErrors
                            || k == Kind::Throughput
                            || (access && k == Kind::ErrorRate)
                    });
                }
            }
            Event::CriterionToggled { criterion } => {
                let before = self.engine.verdicts.get(*criterion).map(|v| v.state);
                if self.engine.toggle_manual(*criterion, r.ts) {
                    self.toggles.insert(*criterion, Stamp::of(r));
                    if let Some(from) = before {
                        self.note_transition(*criterion, from, r.ts);
                    }
                }
            }
            Event::LogStreamExited { .. } => self.log_stream_stopped(r.ts),
            _ => {}
        }
    }

    /// The stream stopped: the minute it last counted says nothing about
    /// now, so its figures are unknown (never the old ones shown as "ok")
    /// until its next counts, and the criteria that read them say so.
    fn log_stream_stopped(&mut self, at: DateTime<Utc>) {
        let access = self.stats.requests.is_some();
        self.log_stopped = Some(at);
        self.note_logs();
        self.evaluate_where(at, |k| {
            matches!(k, Kind::LogErrors | Kind::Throughput) || (access && k == Kind::ErrorRate)
        });
    }

    /// The probe interval (1 s before the monitor is configured).
    pub fn step(&self) -> TimeDelta {
        self.config.as_ref().map_or(TimeDelta::seconds(1), |c| {
            TimeDelta::from_std(c.interval()).unwrap_or(TimeDelta::seconds(1))
        })
    }

    /// A new configuration keeps the samples, the baseline and the manual
    /// criteria's states (a resumed session may change its flags).
    fn configure(&mut self, config: &MonitorConfig) {
        self.window.set_span(config.window());
        self.series = match (config.prometheus.is_some(), self.series.take()) {
            (false, _) => None,
            (true, Some(mut s)) => {
                s.set_span(config.window());
                Some(s)
            }
            (true, None) => Some(Series::new(config.window())),
        };
        self.config = Some(config.clone());
        self.pin.max_error_rate = config.settings().baseline_max_error;
        // A resumed session's probers start on a grid of their own.
        self.grid = None;
        self.rebuild();
    }

    /// The probe's settings (or the defaults), with the log stream's limit.
    fn settings(&self) -> Settings {
        let mut settings = self
            .config
            .as_ref()
            .map_or_else(Settings::default, MonitorConfig::settings);
        if let Some(Some(above)) = self.log_stream {
            settings.log_errors_above = Some(above);
        }
        settings
    }

    /// New checks from the settings, keeping the manual criteria's states.
    fn rebuild(&mut self) {
        let settings = self.settings();
        let mut engine = Engine::new(
            criteria::with_service_down(criteria::checks(&self.criteria, &settings)),
            settings,
        );
        for (new, old) in engine.verdicts.iter_mut().zip(&self.engine.verdicts) {
            if new.kind == Kind::Manual && old.kind == Kind::Manual {
                *new = old.clone();
            }
        }
        self.engine = engine;
    }

    /// The log stream's figures in the stats the criteria read.
    fn note_logs(&mut self) {
        // Prometheus counts the fleet's requests: the access log's
        // throughput does not replace its figure.
        let prometheus = self.series.as_ref().map(|_| self.stats.throughput);
        self.stats.set_log_figures(
            self.log_stream.is_some(),
            &self.log_rate,
            self.log_stopped.is_some(),
        );
        if let Some(throughput) = prometheus {
            self.stats.throughput = throughput;
        }
    }

    /// A round of Prometheus queries: judged at its own time, as a batch
    /// of probes is.
    fn reading(&mut self, reading: &Reading) {
        let Some(series) = &mut self.series else {
            return;
        };
        series.push(reading.clone());
        let now = self.last.map_or(reading.ts, |l| l.max(reading.ts));
        self.last = Some(now);
        self.judge_at(now);
    }

    /// What a pin now would hold: the window's numbers, or the mean of
    /// Prometheus's readings over it (each is already a rate over a
    /// minute), with the log stream's figures.
    pub fn pin_stats(&self) -> Stats {
        match (&self.series, self.last) {
            (Some(series), Some(now)) => Stats {
                log_errors_per_min: self.stats.log_errors_per_min,
                log_stream: self.stats.log_stream,
                requests: self.stats.requests,
                ..series.means(now)
            },
            _ => self.stats,
        }
    }

    fn sample(&mut self, s: &ProbeSample) {
        self.window.push(&s.sample);
        if self.grid.is_none() {
            self.grid = Some(s.sample.ts - self.step() / 2);
        }
        let now = self.last.map_or(s.sample.ts, |l| l.max(s.sample.ts));
        self.last = Some(now);
        // Reuse the entry's strings: this runs for every sample of a replay.
        match self.latest.get_mut(&s.sample.url) {
            Some(latest) => latest.clone_from(s),
            None => {
                self.latest.insert(s.sample.url.clone(), s.clone());
            }
        }
    }

    /// The window's numbers, the baseline and the verdicts at the newest
    /// sample.
    fn judge(&mut self) {
        let Some(now) = self.last else {
            return;
        };
        self.evaluated_at = Some(now);
        self.probe = self.window.stats(now);
        self.judge_at(now);
    }

    /// The verdicts at `now` on the probe's window as last computed: a
    /// Prometheus reading changes Prometheus's figures, not the probe's.
    fn judge_at(&mut self, now: DateTime<Utc>) {
        self.stats = match &self.series {
            Some(series) => series.stats(now),
            None => self.probe,
        };
        self.note_logs();
        if self.pin.requested.is_some() {
            let at_pin = self.pin_stats();
            self.pin.poll(now, &at_pin);
        }
        self.evaluate_where(now, |k| k != Kind::LogErrors);
    }

    fn reevaluate(&mut self) {
        if let Some(now) = self.last {
            self.evaluate(now);
        }
    }

    fn evaluate(&mut self, now: DateTime<Utc>) {
        self.evaluate_where(now, |_| true);
    }

    fn evaluate_where(&mut self, now: DateTime<Utc>, which: impl Fn(Kind) -> bool) {
        let before: Vec<criteria::State> = self.engine.verdicts.iter().map(|v| v.state).collect();
        // With Prometheus the source, "down" still counts the probes, when
        // there are any.
        let probe = self
            .series
            .as_ref()
            .filter(|_| self.config.as_ref().is_some_and(|c| !c.urls.is_empty()))
            .map(|_| &self.probe);
        self.engine
            .evaluate_sources(&self.stats, probe, self.pin.baseline.as_ref(), now, which);
        for (i, from) in before.into_iter().enumerate() {
            self.note_transition(i, from, now);
        }
    }

    fn note_transition(&mut self, criterion: usize, from: criteria::State, at: DateTime<Utc>) {
        let Some(v) = self.engine.verdicts.get(criterion) else {
            return;
        };
        if v.state == from {
            return;
        }
        if self.transitions.len() >= MAX_TRANSITIONS {
            self.transitions.remove(0);
        }
        self.transitions.push(Transition {
            criterion,
            from,
            to: v.state,
            at,
            text: v.text.clone(),
        });
    }

    /// `(samples in the window, needed)` while no baseline exists.
    pub fn collecting(&self) -> Option<(usize, usize)> {
        self.pin.is_collecting().then_some((
            self.stats.samples,
            crate::domain::monitor::baseline::MIN_SAMPLES,
        ))
    }
}
