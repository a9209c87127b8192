//! Where probes come from (flags, the config, the runbook) and the probers
//! they make: shared by `monitor` and the cockpit's `run`, so both judge a
//! service alike.

use super::probe::{ProbeConfig, ProbeSettings, Prober};

/// A probe and where it was named, for error messages (`--health`, the
/// config file, the runbook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub config: ProbeConfig,
    pub from: String,
}

/// `--health` first, then the config's `[[probe]]` tables, then the
/// runbook's health URLs: the first source that names any wins.
pub fn sources(
    flags: &[String],
    config: &[ProbeConfig],
    config_name: &str,
    runbook: &[String],
    runbook_name: &str,
) -> Vec<Source> {
    if !flags.is_empty() {
        return flags
            .iter()
            .map(|u| Source {
                config: ProbeConfig::new(u.clone()),
                from: "--health".into(),
            })
            .collect();
    }
    if !config.is_empty() {
        return config
            .iter()
            .map(|c| Source {
                config: c.clone(),
                from: format!("{config_name} [[probe]]"),
            })
            .collect();
    }
    runbook
        .iter()
        .map(|u| Source {
            config: ProbeConfig::new(u.clone()),
            from: runbook_name.to_string(),
        })
        .collect()
}

/// Builds one prober per source; the error names the source and the URL
/// (masked), never a header value.
pub fn probers(sources: &[Source], settings: &ProbeSettings) -> Result<Vec<Prober>, String> {
    sources
        .iter()
        .map(|s| Prober::new(&s.config, settings).map_err(|e| format!("{} {e}", s.from)))
        .collect()
}
