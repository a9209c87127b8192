//! Settings from a TOML file (`--config FILE`). Read strictly at every
//! level: an unknown key or table is an error (a typo such as `[helth]`
//! must not silently leave the default in place during a rollout), numbers
//! are range-checked, and every error names the file and the key.

pub mod keys;
pub mod logs;
pub mod probe;
pub mod prometheus;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::config::keys::Keymap;
use crate::domain::profile::Profile;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// Environment profiles for `run --env NAME` (see [`crate::domain::profile`]).
    #[serde(default)]
    pub env: BTreeMap<String, EnvSection>,
    pub exec: Option<ExecTable>,
    pub rollback: Option<RollbackTable>,
    pub notify: Option<NotifyTable>,
    pub secrets: Option<SecretsTable>,
    pub logs: Option<LogsTable>,
    pub health: Option<HealthTable>,
    pub criteria: Option<CriteriaTable>,
    /// `[prometheus]`: the criteria's numbers from a Prometheus server.
    pub prometheus: Option<prometheus::PrometheusTable>,
    /// `[team]`: who may `join` a session as its co-pilot.
    pub team: Option<TeamTable>,
    /// `[rules]`: rows that need a second person, beside the runbook's
    /// approvals.
    pub rules: Option<RulesTable>,
}

/// `[rules] two_person = ["Deployment window approved"]`: checklist rows
/// (by their whole text) only someone other than the deployer may tick.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesTable {
    #[serde(default)]
    pub two_person: Vec<String>,
}

impl RulesTable {
    fn check(&self) -> Result<(), String> {
        match self.two_person.iter().position(|t| t.trim().is_empty()) {
            Some(i) => Err(format!(
                "rules.two_person[{i}]: empty: name a checklist row by its text"
            )),
            None => Ok(()),
        }
    }
}

/// `[team] members = ["alice", "bob"]`: the users `join` lets in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamTable {
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub copilot_may_roll_back: bool,
    pub group: Option<String>,
}

/// What a Unix user or group name may hold (POSIX's portable set): a
/// name with a space or a slash would never match the kernel's.
fn valid_unix_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

impl TeamTable {
    fn check(&self) -> Result<(), String> {
        for (i, m) in self.members.iter().enumerate() {
            if !valid_unix_name(m) {
                return Err(format!(
                    "team.members[{i}]: {m:?} is not a user name (letters, digits, _ - .)"
                ));
            }
        }
        if let Some(g) = &self.group
            && !valid_unix_name(g)
        {
            return Err(format!(
                "team.group: {g:?} is not a group name (letters, digits, _ - .)"
            ));
        }
        Ok(())
    }
}

/// `[criteria]`: how strictly the judge weighs the numbers; `--significance`
/// and `--baseline-max-error` win over it.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriteriaTable {
    /// The p-value under which a relative error-rate breach counts (0.01).
    pub significance: Option<f64>,
    /// The error rate (percent) above which a window is never pinned as
    /// the baseline (20).
    pub baseline_max_error: Option<f64>,
}

impl CriteriaTable {
    fn check(&self) -> Result<(), String> {
        use crate::domain::monitor::criteria::{check_baseline_max_error, check_significance};
        if let Some(p) = self.significance {
            check_significance(p).map_err(|e| format!("criteria.significance: {e}"))?;
        }
        if let Some(pct) = self.baseline_max_error {
            check_baseline_max_error(pct)
                .map_err(|e| format!("criteria.baseline_max_error: {e}"))?;
        }
        Ok(())
    }
}

/// `[health] accept_status = [200, 204]`: the final statuses that count as
/// healthy (`--accept-status` wins); any 2xx when absent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthTable {
    pub accept_status: Option<Vec<u16>>,
}

impl HealthTable {
    pub fn accept(&self) -> Result<Option<crate::domain::monitor::probe::AcceptStatus>, String> {
        self.accept_status
            .as_ref()
            .map(|codes| {
                crate::domain::monitor::probe::AcceptStatus::of(codes.iter().copied())
                    .map_err(|e| format!("health.accept_status: {e}"))
            })
            .transpose()
    }
}

/// `[logs]`: the application's log stream and the log_errors criterion;
/// `run --logs`, `--log-pattern` and `--log-errors-above` win over it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsTable {
    pub command: Option<String>,
    /// Regexes that mark a line as an error; replace the defaults.
    pub error_patterns: Option<Vec<String>>,
    /// Error lines per minute.
    pub errors_above: Option<f64>,
}

impl LogsTable {
    /// Values TOML's types let through but the stream cannot use.
    fn check(&self) -> Result<(), String> {
        if self.command.as_ref().is_some_and(|c| c.trim().is_empty()) {
            return Err("logs.command: the command is empty".into());
        }
        if let Some(patterns) = &self.error_patterns {
            if patterns.is_empty() {
                return Err(
                    "logs.error_patterns: no patterns, so no line would count as an \
                            error (leave the key out for the defaults)"
                        .into(),
                );
            }
            crate::domain::logs::ErrorPatterns::new(patterns).map_err(|(pattern, e)| {
                format!(
                    "logs.error_patterns: {pattern:?} is {}",
                    crate::domain::logs::patterns::invalid_pattern(&e)
                )
            })?;
        }
        match self.errors_above {
            Some(n) if !n.is_finite() || n < 0.0 => Err(format!(
                "logs.errors_above: {n} must be a number of at least 0"
            )),
            Some(n) if n > 1e9 => Err(format!(
                "logs.errors_above: {n} is more than 1000000000 lines a minute"
            )),
            _ => Ok(()),
        }
    }
}

/// `[exec]`: how the runbook's commands run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecTable {
    pub shell: Option<String>,
    pub flags: Option<Vec<String>>,
    pub tick_on_success: Option<bool>,
    /// Keep what a step starts in the background (`daemon &`) running after
    /// its shell exits; by default it is ended with the step.
    pub keep_background: Option<bool>,
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

/// `[secrets] names = "(?i)PASSWORD|TOKEN"`: which variable names are secret;
/// `patterns = ["\\bACME-[0-9a-f]{32}\\b"]`: more secret shapes (group 1 is
/// hidden if there is one, else the whole match).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsTable {
    pub names: Option<String>,
    pub patterns: Option<Vec<String>>,
}

impl RollbackTable {
    fn check(&self) -> Result<(), String> {
        match &self.auto_after {
            Some(text) => crate::domain::duration::parse(text)
                .map(|_| ())
                .map_err(|e| format!("rollback.auto_after: {e}")),
            None => Ok(()),
        }
    }
}

impl NotifyTable {
    /// `env:NAME` with NAME unset would leave `w` with nowhere to post,
    /// found out only when the announcement matters.
    fn check(&self) -> Result<(), String> {
        let Some(raw) = self.webhook_url.as_deref() else {
            return Ok(());
        };
        match raw.strip_prefix("env:") {
            Some(name) if std::env::var(name.trim()).is_ok_and(|v| !v.trim().is_empty()) => Ok(()),
            Some(name) => Err(format!(
                "notify.webhook_url: environment variable {} is not set",
                name.trim()
            )),
            None if raw.trim().is_empty() => {
                Err("notify.webhook_url: empty (leave the key out for no webhook)".into())
            }
            None => Ok(()),
        }
    }
}

impl GivenBaseline {
    fn check(&self) -> Result<(), String> {
        if !self.error_rate.is_finite() || !(0.0..=100.0).contains(&self.error_rate) {
            return Err(format!(
                "baseline.error_rate: {} must be a percentage from 0 to 100",
                self.error_rate
            ));
        }
        if !self.latency_ms.is_finite() || !(0.0..=3_600_000.0).contains(&self.latency_ms) {
            return Err(format!(
                "baseline.latency_ms: {} must be from 0 to 3600000 ms",
                self.latency_ms
            ));
        }
        Ok(())
    }
}

impl Config {
    /// `[secrets] names`, else the built-in names: what `run` masks and
    /// what `check` calls secret are the same.
    pub fn secret_names(&self) -> Result<crate::domain::mask::SecretNames, String> {
        match self.secrets.as_ref().and_then(|s| s.names.as_deref()) {
            Some(p) => {
                crate::domain::mask::SecretNames::new(p).map_err(|e| format!("secrets.names: {e}"))
            }
            None => Ok(crate::domain::mask::SecretNames::default()),
        }
    }

    /// The masker for what commands print: `[secrets] names` over this
    /// process's environment, and `[secrets] patterns`. Errors name the key.
    pub fn masker(&self) -> Result<crate::domain::mask::Masker, String> {
        let mut masker = crate::domain::mask::Masker::from_env(self.secret_names()?);
        if let Some(patterns) = self.secrets.as_ref().and_then(|s| s.patterns.as_ref()) {
            masker
                .add_patterns(patterns)
                .map_err(|e| format!("secrets.patterns: {e}"))?;
        }
        Ok(masker)
    }
}

impl SecretsTable {
    fn check(&self) -> Result<(), String> {
        if let Some(names) = &self.names {
            crate::domain::mask::SecretNames::new(names)
                .map_err(|e| format!("secrets.names: {e}"))?;
        }
        if let Some(patterns) = &self.patterns {
            crate::domain::mask::Masker::default()
                .add_patterns(patterns)
                .map_err(|e| format!("secrets.patterns: {e}"))?;
        }
        Ok(())
    }
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
            .field("url", &crate::domain::monitor::probe::mask_url(&self.url))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ProbeTable {
    pub fn to_probe(&self) -> crate::domain::monitor::ProbeConfig {
        crate::domain::monitor::ProbeConfig {
            url: self.url.clone(),
            headers: self
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        crate::domain::monitor::probe::HeaderSource::parse(v),
                    )
                })
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
#[derive(Debug, Clone)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

// By hand: an untagged enum's error ("did not match any variant") names
// neither the table nor what is wanted.
impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<KeyList, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = KeyList;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "[keys]: a command's key or list of keys, as in down = [\"j\", \"down\"]",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<KeyList, E> {
                Ok(KeyList::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element::<String>()? {
                    keys.push(k);
                }
                Ok(KeyList::Many(keys))
            }
        }
        d.deserialize_any(Keys)
    }
}

impl KeyList {
    fn to_vec(&self) -> Vec<String> {
        match self {
            KeyList::One(k) => vec![k.clone()],
            KeyList::Many(ks) => ks.clone(),
        }
    }
}

/// `2:21: unclosed array, expected `]``: where, as editors and compilers
/// say it (the file name goes in front), then what; one line.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            // A bad value: name its key (`logs.errors_above`), as every
            // other config error does.
            let lines: Vec<&str> = text.lines().collect();
            let key = lines
                .get(line - 1)
                .and_then(|l| l.split_once('='))
                .filter(|(k, _)| col > k.chars().count())
                .map(|(k, _)| k.trim().trim_matches('"'));
            let table = lines[..(line - 1).min(lines.len())]
                .iter()
                .rev()
                .map(|l| l.trim())
                .find(|l| l.starts_with('['))
                .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim());
            match (table, key) {
                (Some(t), Some(k)) => format!("{line}:{col}: {t}.{k}: {message}"),
                (None, Some(k)) => format!("{line}:{col}: {k}: {message}"),
                _ => format!("{line}:{col}: {message}"),
            }
        }
        None => message,
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{path}{}{message}", if message.starts_with(|c: char| c.is_ascii_digit()) { ":" } else { ": " })]
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
        let config: Config = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        config.keymap()?;
        if let Some(logs) = &config.logs {
            logs.check()?;
        }
        if let Some(secrets) = &config.secrets {
            secrets.check()?;
        }
        if let Some(health) = &config.health {
            health.accept()?;
        }
        if let Some(rollback) = &config.rollback {
            rollback.check()?;
        }
        if let Some(notify) = &config.notify {
            notify.check()?;
        }
        if let Some(baseline) = &config.baseline {
            baseline.check()?;
        }
        if let Some(criteria) = &config.criteria {
            criteria.check()?;
        }
        if let Some(prometheus) = &config.prometheus {
            prometheus.check()?;
        }
        if let Some(team) = &config.team {
            team.check()?;
        }
        if let Some(rules) = &config.rules {
            rules.check()?;
        }
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

    /// `[team]` as the session keeps it; no table: nobody may join.
    pub fn team(&self) -> crate::core::settings::Team {
        self.team
            .as_ref()
            .map(|t| crate::core::settings::Team {
                members: t.members.clone(),
                copilot_may_roll_back: t.copilot_may_roll_back,
                group: t.group.clone(),
                ..crate::core::settings::Team::default()
            })
            .unwrap_or_default()
    }

    /// `[rules] two_person`, as written.
    pub fn two_person(&self) -> &[String] {
        self.rules.as_ref().map_or(&[], |r| r.two_person.as_slice())
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
            "environment = \"staging\"\n[keys]\ntick = \"x\"\nkill = \"K\"\ndown = [\"j\", \"ctrl-n\"]\n",
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
            crate::domain::profile::rewrite_url(&p, "https://api.production.terp-app.local/health"),
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
    fn logs_table_loads() {
        let c = Config::parse(
            "[logs]\ncommand = \"railway logs --json\"\nerror_patterns = [\"\\\\bERROR\\\\b\", \"level=error\"]\nerrors_above = 2.5\n",
        )
        .unwrap();
        let logs = c.logs.unwrap();
        assert_eq!(logs.command.as_deref(), Some("railway logs --json"));
        assert_eq!(
            logs.error_patterns.unwrap(),
            [r"\bERROR\b".to_string(), "level=error".to_string()]
        );
        assert_eq!(logs.errors_above, Some(2.5));
        // A whole number is a number too.
        let c = Config::parse("[logs]\nerrors_above = 10\n").unwrap();
        assert_eq!(c.logs.unwrap().errors_above, Some(10.0));
    }

    #[test]
    fn logs_errors_name_the_key() {
        let e = Config::parse("[logs]\nerror_patterns = [\"ok\", \"(unclosed\"]\n").unwrap_err();
        assert_eq!(
            e,
            "logs.error_patterns: \"(unclosed\" is not a valid regular expression (unclosed group)"
        );
        let e = Config::parse("[logs]\nerror_patterns = []\n").unwrap_err();
        assert!(e.starts_with("logs.error_patterns: no patterns"), "{e}");
        let e = Config::parse("[logs]\nerrors_above = -1\n").unwrap_err();
        assert_eq!(e, "logs.errors_above: -1 must be a number of at least 0");
        let e = Config::parse("[logs]\ncommand = \"  \"\n").unwrap_err();
        assert_eq!(e, "logs.command: the command is empty");
        // TOML's own checks name the key and its line.
        let e = Config::parse("[logs]\ncmd = \"railway logs\"\n").unwrap_err();
        assert!(e.contains("cmd") && e.contains("command"), "{e}");
        let e = Config::parse("[logs]\nerrors_above = \"ten\"\n").unwrap_err();
        assert!(e.contains("errors_above"), "{e}");
        let e = Config::parse("[logs]\nerror_patterns = \"ERROR\"\n").unwrap_err();
        assert!(e.contains("error_patterns"), "{e}");
    }

    #[test]
    fn criteria_knobs_load_and_bad_ones_name_the_key() {
        let c =
            Config::parse("[criteria]\nsignificance = 0.001\nbaseline_max_error = 35\n").unwrap();
        let t = c.criteria.unwrap();
        assert_eq!(
            (t.significance, t.baseline_max_error),
            (Some(0.001), Some(35.0))
        );
        for (text, want) in [
            (
                "[criteria]\nsignificance = 0\n",
                "criteria.significance: 0 must be above 0 and at most 0.5 (e.g. 0.01)",
            ),
            (
                "[criteria]\nsignificance = 0.6\n",
                "criteria.significance: 0.6 must be above 0 and at most 0.5 (e.g. 0.01)",
            ),
            (
                "[criteria]\nbaseline_max_error = 0\n",
                "criteria.baseline_max_error: 0 must be a percentage above 0 and at most 100",
            ),
            (
                "[criteria]\nbaseline_max_error = 120\n",
                "criteria.baseline_max_error: 120 must be a percentage above 0 and at most 100",
            ),
        ] {
            assert_eq!(Config::parse(text).unwrap_err(), want, "{text}");
        }
        let e = Config::parse("[criteria]\nsignificant = 0.01\n").unwrap_err();
        assert!(e.contains("significant"), "{e}");
    }

    #[test]
    fn errors_name_the_key() {
        let e = Config::parse("[keys]\ntick = \"spcae\"\n").unwrap_err();
        assert!(e.contains("[keys] tick"), "{e}");
        let e = Config::parse("[keys]\ntick = 3\n").unwrap_err();
        assert!(e.contains("tick"), "{e}");
    }

    #[test]
    fn the_team_table_is_read_and_bad_values_name_the_key() {
        let c = Config::parse(
            "[team]\nmembers = [\"alice\", \"bob\"]\ncopilot_may_roll_back = true\ngroup = \"deploy\"\n",
        )
        .unwrap();
        let t = c.team();
        assert_eq!(t.members, ["alice", "bob"]);
        assert!(t.copilot_may_roll_back);
        assert_eq!(t.group.as_deref(), Some("deploy"));
        assert!(Config::default().team().members.is_empty());
        for (text, want) in [
            (
                "[team]\nmembers = [\"alice\", \"bob smith\"]\n",
                "team.members[1]: \"bob smith\" is not a user name",
            ),
            (
                "[team]\ngroup = \"\"\n",
                "team.group: \"\" is not a group name",
            ),
            ("[team]\nmembers = \"alice\"\n", "members"),
            (
                "[team]\ncopilot_may_roll_back = \"yes\"\n",
                "copilot_may_roll_back",
            ),
            ("[team]\nmembres = []\n", "membres"),
        ] {
            let e = Config::parse(text).unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
