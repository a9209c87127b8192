//! Where a criterion's number comes from. Precedence, per metric:
//! Prometheus when configured, else the access log when the log stream's
//! lines are access lines, else the health probe.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The health endpoint's probes: the share of failed probes.
    Probe,
    /// The log stream's access lines: the share of 5xx, requests per second.
    AccessLog,
    Prometheus,
}

impl Source {
    /// As the panel and `check` name it.
    pub fn label(self) -> &'static str {
        match self {
            Source::Probe => "probe",
            Source::AccessLog => "access log",
            Source::Prometheus => "prometheus",
        }
    }
}
