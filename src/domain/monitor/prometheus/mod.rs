//! Prometheus as a metric source: instant queries through `/api/v1/query`,
//! read into the same numbers the probe gives (error rate in percent,
//! latency in ms, throughput in requests per second). An empty result or
//! `NaN` is "no data", never zero: a service with no traffic has no error
//! rate, and calling it 0% would pass a gate it never faced.

pub mod queries;
pub mod series;

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::clock::Clock;
use super::probe::{mask_url, validate_url};
use super::ticks::Ticks;
pub use queries::{Overrides, Queries};
pub use series::Series;

/// The answer of `/api/v1/query`, success and error alike.
#[derive(Debug, Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Vector(Vec<Series1>),
    /// `[ts, "value"]`.
    Scalar((f64, String)),
    Matrix(serde::de::IgnoredAny),
    String(serde::de::IgnoredAny),
}

/// One series of a vector: its labels are not needed, only the value.
#[derive(Debug, Deserialize)]
struct Series1 {
    value: (f64, String),
}

/// What an instant query found: one value per series (`NaN` ones left
/// out), and Prometheus's warnings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answer {
    pub values: Vec<f64>,
    pub warnings: Vec<String>,
}

impl Answer {
    /// The worst series: an override that returns one per route is judged
    /// on its worst route.
    pub fn max(&self) -> Option<f64> {
        self.values.iter().copied().reduce(f64::max)
    }

    /// Every series together, for a rate split by label.
    pub fn sum(&self) -> Option<f64> {
        self.values.iter().copied().reduce(|a, b| a + b)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// Prometheus's own words: `HTTP 400 bad_data: 1:5: parse error: ...`.
    #[error("HTTP {status} {error_type}: {error}")]
    Api {
        status: u16,
        error_type: String,
        error: String,
    },
    /// Something else answered (a proxy's error page, a wrong URL).
    #[error("HTTP {status}: not a Prometheus answer: {body}")]
    NotPrometheus { status: u16, body: String },
    #[error("no answer within {}", humantime::format_duration(*.0))]
    Timeout(Duration),
    #[error("cannot reach Prometheus: {0}")]
    Transport(String),
    #[error("unexpected answer: {0}")]
    Invalid(String),
}

/// Prometheus writes sample values as strings: `"0.25"`, `"NaN"`, `"+Inf"`.
pub fn parse_value(s: &str) -> Result<f64, QueryError> {
    s.trim()
        .parse::<f64>()
        .map_err(|_| QueryError::Invalid(format!("{s:?} is not a number")))
}

/// Reads a response body (any status) into an answer or Prometheus's error.
pub fn read_envelope(status: u16, body: &[u8]) -> Result<Answer, QueryError> {
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(e) => {
            let text = String::from_utf8_lossy(body);
            let first: String = text.trim().chars().take(120).collect();
            return Err(if status == 200 {
                QueryError::Invalid(format!("not JSON ({e})"))
            } else {
                QueryError::NotPrometheus {
                    status,
                    body: first,
                }
            });
        }
    };
    if envelope.status != "success" {
        return Err(QueryError::Api {
            status,
            error_type: envelope.error_type.unwrap_or_else(|| "error".into()),
            error: envelope.error.unwrap_or_default(),
        });
    }
    let values = match envelope.data {
        Some(Data::Vector(series)) => series
            .iter()
            .map(|s| parse_value(&s.value.1))
            .collect::<Result<Vec<_>, _>>()?,
        Some(Data::Scalar((_, v))) => vec![parse_value(&v)?],
        Some(Data::Matrix(_)) => {
            return Err(QueryError::Invalid(
                "a range vector: an instant query must give a vector or a scalar \
                 (wrap it in rate(...) or similar)"
                    .into(),
            ));
        }
        Some(Data::String(_)) => {
            return Err(QueryError::Invalid("a string, not a number".into()));
        }
        None => return Err(QueryError::Invalid("no data field".into())),
    };
    Ok(Answer {
        values: values.into_iter().filter(|v| !v.is_nan()).collect(),
        warnings: envelope.warnings,
    })
}

/// `[prometheus]` as resolved from flags and config: journaled, so it
/// holds the URL masked and the token's variable name, never its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrometheusConfig {
    pub url: String,
    /// `NAME` of `token = "env:NAME"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    #[serde(default, skip_serializing_if = "Overrides::is_empty")]
    pub queries: Overrides,
}

/// `token = "env:NAME"`: a token written into the file would be read by
/// everyone who can read the file, so only a variable's name is accepted.
pub fn token_env(raw: &str) -> Result<String, String> {
    match raw.strip_prefix("env:").map(str::trim) {
        Some(name) if !name.is_empty() => Ok(name.to_string()),
        _ => Err(
            "only env:NAME is accepted (the token itself does not belong in a file)".to_string(),
        ),
    }
}

/// One Prometheus server's HTTP client.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    endpoint: Url,
    shown: String,
    token: Option<HeaderValue>,
    timeout: Duration,
}

/// Shows neither a password in the URL nor the token.
impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.shown)
            .field("token", &self.token.as_ref().map(|_| super::probe::MASK))
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Client {
    /// `url` is the server's base (`http://prom:9090`, or under a path
    /// prefix); `token_env` the variable holding a bearer token.
    pub fn new(url: &str, token_env: Option<&str>, timeout: Duration) -> Result<Client, String> {
        let base = validate_url(url).map_err(|e| e.to_string())?;
        let mut endpoint = base.clone();
        let path = format!("{}/api/v1/query", base.path().trim_end_matches('/'));
        endpoint.set_path(&path);
        endpoint.set_query(None);
        let token = match token_env {
            None => None,
            Some(name) => {
                let value = std::env::var(name)
                    .map_err(|_| format!("token: environment variable {name} is not set"))?;
                let mut header = HeaderValue::from_str(&format!("Bearer {}", value.trim()))
                    .map_err(|_| format!("token: {name} holds characters a header cannot carry"))?;
                header.set_sensitive(true);
                Some(header)
            }
        };
        let http = reqwest::Client::builder()
            .user_agent(concat!("rollout-cockpit/", env!("CARGO_PKG_VERSION")))
            // A round's queries run at once: each keeps its connection for
            // the next round rather than connecting anew every second.
            .pool_max_idle_per_host(8)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Client {
            http,
            shown: mask_url(base.as_str()),
            endpoint,
            token,
            timeout,
        })
    }

    /// The server's URL with any password masked.
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// One instant query; the timeout covers the whole exchange.
    pub async fn query(&self, promql: &str) -> Result<Answer, QueryError> {
        let mut url = self.endpoint.clone();
        url.query_pairs_mut().append_pair("query", promql);
        let mut request = self.http.get(url);
        if let Some(token) = &self.token {
            request = request.header(AUTHORIZATION, token.clone());
        }
        let exchange = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, body))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Err(_) => Err(QueryError::Timeout(self.timeout)),
            // Without the URL: it may carry a password.
            Ok(Err(e)) => Err(QueryError::Transport(transport(&e.without_url()))),
            Ok(Ok((status, body))) => read_envelope(status, &body),
        }
    }

    /// One round: every query of `queries` at once, read into a [`Reading`].
    pub async fn read(&self, queries: &Queries, clock: &Clock) -> Reading {
        self.read_at(queries, clock.now()).await
    }

    /// One round, stamped `ts`: the cockpit's workers stamp their grid's
    /// time, a script's included.
    pub async fn read_at(&self, queries: &Queries, ts: DateTime<Utc>) -> Reading {
        let latency = futures::future::join_all(
            queries
                .latency
                .iter()
                .map(|(p, q)| async move { (*p, self.query(q).await) }),
        );
        let (error_rate, throughput, latency) = tokio::join!(
            self.query(&queries.error_rate),
            self.query(&queries.throughput),
            latency
        );
        let mut reading = Reading::empty(ts);
        reading.error_rate = reading.take("error rate", error_rate, Answer::max, 100.0);
        reading.throughput = reading.take("throughput", throughput, Answer::sum, 1.0);
        for (p, answer) in latency {
            let value = reading.take(&format!("p{p}"), answer, Answer::max, 1000.0);
            match p {
                50 => reading.p50 = value,
                90 => reading.p90 = value,
                99 => reading.p99 = value,
                _ => reading.p95 = value,
            }
        }
        reading
    }
}

/// The innermost cause: "connection refused", not reqwest's "error sending
/// request".
fn transport(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// One round of queries as journaled. A metric absent is "no data" (empty
/// result, `NaN`, or a failed query, said in `problems`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub ts: DateTime<Utc>,
    /// Percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<f64>,
    /// Milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p90: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99: Option<f64>,
    /// Requests per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput: Option<f64>,
    /// Failed queries and Prometheus's warnings, one line each, naming the
    /// metric: `error rate: HTTP 422 execution: ...`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl Reading {
    pub fn empty(ts: DateTime<Utc>) -> Reading {
        Reading {
            ts,
            error_rate: None,
            p50: None,
            p90: None,
            p95: None,
            p99: None,
            throughput: None,
            problems: Vec::new(),
        }
    }

    /// Whether any metric had a value.
    pub fn has_data(&self) -> bool {
        [
            self.error_rate,
            self.p50,
            self.p90,
            self.p95,
            self.p99,
            self.throughput,
        ]
        .iter()
        .any(Option::is_some)
    }

    /// `answer`'s value in the cockpit's unit, noting what went wrong.
    fn take(
        &mut self,
        metric: &str,
        answer: Result<Answer, QueryError>,
        pick: fn(&Answer) -> Option<f64>,
        scale: f64,
    ) -> Option<f64> {
        match answer {
            Err(e) => {
                self.problems.push(format!("{metric}: {e}"));
                None
            }
            Ok(a) => {
                for w in &a.warnings {
                    self.problems.push(format!("{metric}: warning: {w}"));
                }
                match pick(&a) {
                    // +Inf: a quantile past the last bucket, or a rate over
                    // nothing; no number to compare with a baseline.
                    Some(v) if !v.is_finite() => {
                        self.problems
                            .push(format!("{metric}: {v} (no finite value)"));
                        None
                    }
                    v => v.map(|v| v * scale),
                }
            }
        }
    }
}

/// The worker: a round of queries per tick of a fixed grid, one round in
/// flight. A round slower than the interval skips the ticks it overran,
/// as the probe worker does, so a slow Prometheus is not asked twice as
/// often once it recovers. Ends when the receiver is dropped.
pub fn spawn(
    client: Client,
    queries: Queries,
    interval: Duration,
    clock: Clock,
    tx: mpsc::Sender<Reading>,
) -> JoinHandle<()> {
    follow(client, queries, Ticks::wall(clock, interval), tx)
}

/// The worker on any schedule: the wall clock's grid, or a script's time
/// (the cockpit's tests), as the probe workers follow theirs.
pub fn follow(
    client: Client,
    queries: Queries,
    mut ticks: Ticks,
    tx: mpsc::Sender<Reading>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(at) = ticks.next().await {
            let reading = client.read_at(&queries, at).await;
            if tx.send(reading).await.is_err() {
                break;
            }
        }
    })
}

#[cfg(test)]
mod tests;
