//! Where a criterion's number comes from: the health probe, the access log
//! or Prometheus. Precedence (most to least specific): Prometheus when one
//! is configured, else the access log when the log stream carries access
//! lines, else the probe. The probe always feeds the service-down check.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    #[default]
    Probe,
    AccessLog,
    Prometheus,
}

impl Source {
    /// As the panel and `monitor` write it: `err 7.2% (prometheus)`.
    pub fn label(self) -> &'static str {
        match self {
            Source::Probe => "probe",
            Source::AccessLog => "access log",
            Source::Prometheus => "prometheus",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_snake_case() {
        for (s, json) in [
            (Source::Probe, "\"probe\""),
            (Source::AccessLog, "\"access_log\""),
            (Source::Prometheus, "\"prometheus\""),
        ] {
            assert_eq!(serde_json::to_string(&s).unwrap(), json);
            assert_eq!(serde_json::from_str::<Source>(json).unwrap(), s);
        }
        assert_eq!(Source::AccessLog.label(), "access log");
    }
}
