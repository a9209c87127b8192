//! Settings from a TOML file (`--config FILE`). Unknown top-level tables are
//! left for the issues that own them; `[keys]` is checked strictly, and every
//! error names the file and the key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::keys::Keymap;
use crate::profile::Profile;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Config {
    /// Shown in the header ("production"); else guessed from the runbook.
    pub environment: Option<String>,
    #[serde(default)]
    pub keys: BTreeMap<String, KeyList>,
    /// `[[probe]]`: health URLs with headers; values may be `env:NAME`.
    #[serde(default)]
    pub probe: Vec<ProbeTable>,
    /// `[baseline]`: a given baseline instead of pinning one.
    pub baseline: Option<GivenBaseline>,
    /// Environment profiles for `run --env NAME` (see [`crate::profile`]).
    #[serde(default)]
    pub env: BTreeMap<String, EnvSection>,
    pub exec: Option<ExecTable>,
    pub rollback: Option<RollbackTable>,
    pub notify: Option<NotifyTable>,
    pub secrets: Option<SecretsTable>,
}

/// `[exec]`: how the runbook's commands run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecTable {
    pub shell: Option<String>,
    pub flags: Option<Vec<String>>,
    pub tick_on_success: Option<bool>,
}

/// `[rollback] auto_after = "60s"`: the opt-in auto-rollback.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackTable {
    pub auto_after: Option<String>,
}

/// `[notify] webhook_url = "env:SLACK_WEBHOOK_URL"` (or the URL itself).
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyTable {
    pub webhook_url: Option<String>,
}

/// A webhook URL is a credential: never printed.
impl std::fmt::Debug for NotifyTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyTable").finish_non_exhaustive()
    }
}

/// `[secrets] names = "(?i)PASSWORD|TOKEN"`: which variable names are secret.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsTable {
    pub names: Option<String>,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeTable {
    pub url: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// Header values are credentials: never printed, not even by `{:?}`.
impl std::fmt::Debug for ProbeTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProbeTable")
            .field("url", &crate::monitor::probe::mask_url(&self.url))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ProbeTable {
    pub fn to_probe(&self) -> crate::monitor::ProbeConfig {
        crate::monitor::ProbeConfig {
            url: self.url.clone(),
            headers: self
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), crate::monitor::probe::HeaderSource::parse(v)))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GivenBaseline {
    /// Percent.
    pub error_rate: f64,
    pub latency_ms: f64,
}

/// `[env.NAME]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvSection {
    /// Host name -> host, `host:port` or `http(s)://host[:port]` URL prefix.
    #[serde(default)]
    pub rewrite: BTreeMap<String, String>,
}

/// `tick = "space"` or `down = ["j", "down"]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    fn to_vec(&self) -> Vec<String> {
        match self {
            KeyList::One(k) => vec![k.clone()],
            KeyList::Many(ks) => ks.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let err = |message: String| ConfigError {
            path: name.clone(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        Config::parse(&text).map_err(err)
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| {
            // toml's message already names the key and line; keep it on one line.
            e.to_string().trim().replace('\n', " ")
        })?;
        config.keymap()?;
        for name in config.env.keys() {
            config.profile(name)?;
        }
        Ok(config)
    }

    /// The profile `--env NAME` selects; an unknown name is an error that
    /// lists the known ones.
    pub fn profile(&self, name: &str) -> Result<Profile, String> {
        match self.env.get(name) {
            Some(section) => Profile::new(name, &section.rewrite),
            None if self.env.is_empty() => Err(format!(
                "--env {name}: no [env.{name}] profile (the config defines no [env.*] profiles)"
            )),
            None => Err(format!(
                "--env {name}: no [env.{name}] profile in the config (known: {})",
                self.env.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
        }
    }

    /// The webhook's URL, `env:NAME` resolved; `None` when unset or empty.
    pub fn webhook_url(&self) -> Option<String> {
        let raw = self.notify.as_ref()?.webhook_url.as_deref()?;
        let url = match raw.strip_prefix("env:") {
            Some(name) => std::env::var(name).ok()?,
            None => raw.to_string(),
        };
        (!url.trim().is_empty()).then_some(url)
    }

    pub fn keymap(&self) -> Result<Keymap, String> {
        let overrides = self
            .keys
            .iter()
            .map(|(k, v)| (k.clone(), v.to_vec()))
            .collect();
        Keymap::with_overrides(&overrides)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_table_rebinds() {
        let c = Config::parse(
            "environment = \"staging\"\n[keys]\ntick = \"x\"\ndown = [\"j\", \"ctrl-n\"]\n",
        )
        .unwrap();
        assert_eq!(c.environment.as_deref(), Some("staging"));
        assert!(c.keymap().is_ok());
    }

    #[test]
    fn probe_tables_and_a_given_baseline() {
        let c = Config::parse(
            "[[probe]]\nurl = \"https://x.test/health\"\nheaders = { Authorization = \"env:TOKEN\" }\n\n[baseline]\nerror_rate = 0.5\nlatency_ms = 120\n",
        )
        .unwrap();
        assert_eq!(c.probe.len(), 1);
        let p = c.probe[0].to_probe();
        assert_eq!(p.headers[0].0, "Authorization");
        assert!(!format!("{:?}", c.probe[0]).contains("TOKEN"));
        let b = c.baseline.unwrap();
        assert_eq!((b.error_rate, b.latency_ms), (0.5, 120.0));
        let e = Config::parse("[[probe]]\nurl = \"x\"\nheader = {}\n").unwrap_err();
        assert!(e.contains("header"), "{e}");
    }

    #[test]
    fn env_profiles_load_and_check() {
        let c = Config::parse(
            "[env.staging]\nrewrite = { \"api.production.terp-app.local\" = \"api.staging.terp-app.local\" }\n",
        )
        .unwrap();
        let p = c.profile("staging").unwrap();
        assert_eq!(
            crate::profile::rewrite_url(&p, "https://api.production.terp-app.local/health"),
            "https://api.staging.terp-app.local/health"
        );
        let e = c.profile("nope").unwrap_err();
        assert!(
            e.contains("--env nope") && e.contains("known: staging"),
            "{e}"
        );
        let e = Config::default().profile("nope").unwrap_err();
        assert!(e.contains("[env.nope]"), "{e}");
        let e = Config::parse("[env.x]\nrewrite = { \"a.local\" = \"ftp://b\" }\n").unwrap_err();
        assert!(e.contains("[env.x] rewrite \"a.local\""), "{e}");
        let e = Config::parse("[env.x]\nrewrites = {}\n").unwrap_err();
        assert!(e.contains("rewrites"), "{e}");
    }

    #[test]
    fn errors_name_the_key() {
        let e = Config::parse("[keys]\ntick = \"spcae\"\n").unwrap_err();
        assert!(e.contains("[keys] tick"), "{e}");
        let e = Config::parse("[keys]\ntick = 3\n").unwrap_err();
        assert!(e.contains("tick"), "{e}");
    }
}
