//! Health monitor: probes (reqwest), the rolling window, the baseline and the
//! rollback-criteria verdicts. Everything but `probe` and `cli` is pure, so
//! the cockpit's event-sourced `State` can hold and replay it.

pub mod baseline;
pub mod clock;
pub mod criteria;
pub mod details;
pub mod evaluation;
pub mod log_figures;
pub mod probe;
pub mod prometheus;
pub mod record;
pub mod sample;
pub mod setup;
pub mod source;
pub mod ticks;
pub mod tiers;
pub mod window;

#[cfg(test)]
mod access_source_tests;
#[cfg(test)]
mod criteria_tests;
#[cfg(test)]
mod seeded;
#[cfg(test)]
mod significance_tests;

pub use baseline::{Baseline, BaselineSource, Pin};
pub use clock::Clock;
pub use criteria::{Check, Engine, Kind, Limit, Settings, State, Verdict};
pub use details::HealthDetails;
pub use probe::{Probe, ProbeConfig, ProbeSettings, Prober};
pub use record::{MonitorConfig, ProbeSample};
pub use sample::{Outcome, Sample};
pub use source::Source;
pub use ticks::{ScriptClock, Ticks};
pub use window::{Bucket, Requests, RollingWindow, Stats};
