//! `[prometheus]` and `--prometheus URL`: where the criteria's numbers come
//! from when a Prometheus is named. Checked before anything starts, so a
//! bad URL, selector or token is a usage error naming the key or flag.

use serde::Deserialize;

use crate::domain::monitor::probe::validate_url;
use crate::domain::monitor::prometheus::{
    Client, Overrides, PrometheusConfig, Queries, queries, token_env,
};

/// `[prometheus] url = "http://prom:9090"`, `token = "env:PROM_TOKEN"`,
/// `selector = '{job="api"}'`, `[prometheus.queries] error_rate = "..."`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusTable {
    pub url: Option<String>,
    pub token: Option<String>,
    pub selector: Option<String>,
    pub queries: Option<Overrides>,
}

impl PrometheusTable {
    /// What TOML's types let through but a query cannot use.
    pub(super) fn check(&self) -> Result<(), String> {
        if let Some(url) = &self.url {
            validate_url(url).map_err(|e| format!("prometheus.url: {e}"))?;
        }
        if let Some(token) = &self.token {
            token_env(token).map_err(|e| format!("prometheus.token: {e}"))?;
        }
        if let Some(selector) = &self.selector {
            queries::matchers(selector).map_err(|e| format!("prometheus.selector: {e}"))?;
        }
        if let Some(q) = &self.queries {
            for (key, value) in [
                ("error_rate", &q.error_rate),
                ("latency", &q.latency),
                ("throughput", &q.throughput),
            ] {
                if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
                    return Err(format!(
                        "prometheus.queries.{key}: empty (leave the key out for the default)"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// `--prometheus` wins over `[prometheus] url`; without either, no
/// Prometheus (the other keys alone do nothing, and say so).
pub fn resolve(
    flag: Option<&str>,
    table: Option<&PrometheusTable>,
) -> Result<Option<PrometheusConfig>, String> {
    let from_table = table.and_then(|t| t.url.as_deref());
    let Some(url) = flag.or(from_table) else {
        if table.is_some_and(|t| t.token.is_some() || t.selector.is_some() || t.queries.is_some()) {
            return Err(
                "prometheus: no url (give --prometheus URL or [prometheus] url)".to_string(),
            );
        }
        return Ok(None);
    };
    let token_env = table
        .and_then(|t| t.token.as_deref())
        .map(|t| token_env(t).map_err(|e| format!("prometheus.token: {e}")))
        .transpose()?;
    if let Some(name) = &token_env
        && std::env::var(name).is_err()
    {
        return Err(format!(
            "prometheus.token: environment variable {name} is not set"
        ));
    }
    Ok(Some(PrometheusConfig {
        url: url.trim().to_string(),
        token_env,
        selector: table.and_then(|t| t.selector.clone()),
        queries: table.and_then(|t| t.queries.clone()).unwrap_or_default(),
    }))
}

/// The client and the round of queries for `config`; `percentiles` are the
/// latency criteria's.
pub fn client(
    config: &PrometheusConfig,
    timeout: std::time::Duration,
    percentiles: &[u8],
) -> Result<(Client, Queries), String> {
    let client = Client::new(&config.url, config.token_env.as_deref(), timeout)
        .map_err(|e| format!("prometheus: {e}"))?;
    let matchers = config
        .selector
        .as_deref()
        .map(queries::matchers)
        .transpose()
        .map_err(|e| format!("prometheus.selector: {e}"))?;
    Ok((
        client,
        Queries::new(matchers.as_deref(), &config.queries, percentiles),
    ))
}

impl crate::core::settings::MonitorSetup {
    /// `run --prometheus URL` or `[prometheus]`: queried beside the probes
    /// (or alone), checked now as `monitor` checks it. `percentiles` are the
    /// latency criteria's; `window` and `settings` judge as the probes do.
    pub fn with_prometheus(
        mut self,
        flag: Option<&str>,
        table: Option<&PrometheusTable>,
        config_name: &str,
        percentiles: &[u8],
        window: std::time::Duration,
        settings: &crate::domain::monitor::Settings,
    ) -> Result<Self, String> {
        let Some(p) = resolve(flag, table).map_err(|e| format!("{config_name}: {e}"))? else {
            return Ok(self);
        };
        let (client, queries) = client(&p, self.probe.timeout, percentiles)?;
        let config = self.config.get_or_insert_with(|| {
            crate::domain::monitor::MonitorConfig::new(Vec::new(), &self.probe, window, settings)
        });
        config.prometheus = Some(Box::new(crate::domain::monitor::record::PrometheusSource {
            url: client.url().to_string(),
            queries,
        }));
        self.prometheus = Some(p);
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn every_bad_key_is_named() {
        for (toml, key) in [
            ("[prometheus]\nurl = \"ftp://prom\"", "prometheus.url"),
            (
                "[prometheus]\nurl = \"http://p\"\ntoken = \"abc\"",
                "prometheus.token",
            ),
            (
                "[prometheus]\nurl = \"http://p\"\nselector = \"{}\"",
                "prometheus.selector",
            ),
            (
                "[prometheus]\nurl = \"http://p\"\n[prometheus.queries]\nlatency = \" \"",
                "prometheus.queries.latency",
            ),
            (
                "[prometheus]\nurl = \"http://p\"\n[prometheus.queries]\nerrors = \"x\"",
                "errors",
            ),
        ] {
            let e = Config::parse(toml).unwrap_err();
            assert!(e.contains(key), "{toml}: {e}");
            assert!(!e.contains("abc"), "a literal token is never echoed: {e}");
        }
    }

    #[test]
    fn the_flag_wins_and_the_table_scopes() {
        let config =
            Config::parse("[prometheus]\nurl = \"http://file:9090\"\nselector = '{job=\"api\"}'\n")
                .unwrap();
        let table = config.prometheus.as_ref();
        let p = resolve(Some("http://flag:9090"), table).unwrap().unwrap();
        assert_eq!(p.url, "http://flag:9090");
        assert_eq!(p.selector.as_deref(), Some("{job=\"api\"}"));
        let (_, q) = client(&p, std::time::Duration::from_secs(1), &[]).unwrap();
        assert!(q.throughput.contains("{job=\"api\"}"), "{}", q.throughput);
        assert_eq!(resolve(None, None).unwrap(), None);
        let orphan = Config::parse("[prometheus]\nselector = 'job=\"x\"'\n").unwrap();
        assert!(
            resolve(None, orphan.prometheus.as_ref())
                .unwrap_err()
                .contains("no url")
        );
        let unset = Config::parse(
            "[prometheus]\nurl = \"http://p\"\ntoken = \"env:ROLLOUT_COCKPIT_TEST_UNSET_PROM\"\n",
        )
        .unwrap();
        let e = resolve(None, unset.prometheus.as_ref()).unwrap_err();
        assert_eq!(
            e,
            "prometheus.token: environment variable ROLLOUT_COCKPIT_TEST_UNSET_PROM is not set"
        );
    }
}
