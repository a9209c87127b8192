//! Probing one health URL: a GET with a timeout, at most 64 KiB of body read,
//! the answer classified into an [`Outcome`], and a worker that does this
//! every interval and sends owned results on a channel.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Url, redirect};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::clock::Clock;
use super::details::{HealthDetails, Level};
use super::sample::{Outcome, Sample};
use super::ticks::Ticks;

pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// A health answer is small; anything longer is not read further.
pub const BODY_LIMIT: usize = 64 * 1024;
pub const MAX_REDIRECTS: usize = 5;
pub use crate::domain::mask::{MASK, mask_url};

/// A header value as configured: literal, or `env:NAME` read at start-up.
#[derive(Clone, PartialEq, Eq)]
pub enum HeaderSource {
    Literal(String),
    Env(String),
}

impl HeaderSource {
    pub fn parse(s: &str) -> HeaderSource {
        match s.strip_prefix("env:") {
            Some(name) => HeaderSource::Env(name.trim().to_string()),
            None => HeaderSource::Literal(s.to_string()),
        }
    }
}

/// Header values are credentials more often than not: never shown.
impl fmt::Debug for HeaderSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderSource::Literal(_) => f.write_str(MASK),
            HeaderSource::Env(name) => write!(f, "{MASK} (env:{name})"),
        }
    }
}

impl fmt::Display for HeaderSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct ProbeConfig {
    pub url: String,
    pub headers: Vec<(String, HeaderSource)>,
}

impl fmt::Debug for ProbeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbeConfig")
            .field("url", &mask_url(&self.url))
            .field("headers", &self.headers)
            .finish()
    }
}

impl ProbeConfig {
    pub fn new(url: impl Into<String>) -> ProbeConfig {
        ProbeConfig {
            url: url.into(),
            headers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeSettings {
    pub interval: Duration,
    pub timeout: Duration,
    /// Skip TLS certificate verification.
    pub insecure: bool,
    /// Final statuses that count as an answer (2xx unless configured).
    pub accept: AcceptStatus,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            interval: DEFAULT_INTERVAL,
            timeout: DEFAULT_TIMEOUT,
            insecure: false,
            accept: AcceptStatus::default(),
        }
    }
}

/// The statuses (100 to 599) a health answer may end in and count as
/// healthy: any 2xx unless configured (`--accept-status`, `[health]
/// accept_status`). A bit set, so settings stay plain `Copy` data.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AcceptStatus([u64; 8]);

impl AcceptStatus {
    const FIRST: u16 = 100;
    const LAST: u16 = 599;

    /// Exactly these statuses; each must be 100 to 599.
    pub fn of(codes: impl IntoIterator<Item = u16>) -> Result<AcceptStatus, String> {
        let mut set = AcceptStatus([0; 8]);
        for code in codes {
            if !(Self::FIRST..=Self::LAST).contains(&code) {
                return Err(format!("{code} is not an HTTP status (100 to 599)"));
            }
            let bit = usize::from(code - Self::FIRST);
            set.0[bit / 64] |= 1 << (bit % 64);
        }
        if set.0 == [0; 8] {
            return Err("no status given".into());
        }
        Ok(set)
    }

    /// `200,204` or ranges `200-299`, comma-separated.
    pub fn parse(text: &str) -> Result<AcceptStatus, String> {
        let mut codes = Vec::new();
        for part in text.split(',').map(str::trim) {
            let number = |s: &str| {
                s.trim()
                    .parse::<u16>()
                    .map_err(|_| format!("{s:?} is not an HTTP status (100 to 599)"))
            };
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (number(a)?, number(b)?);
                    if a > b {
                        return Err(format!("{part:?}: the range is backwards"));
                    }
                    codes.extend(a..=b);
                }
                None => codes.push(number(part)?),
            }
        }
        AcceptStatus::of(codes)
    }

    pub fn accepts(&self, code: u16) -> bool {
        (Self::FIRST..=Self::LAST).contains(&code) && {
            let bit = usize::from(code - Self::FIRST);
            self.0[bit / 64] & (1 << (bit % 64)) != 0
        }
    }
}

impl Default for AcceptStatus {
    fn default() -> Self {
        AcceptStatus::of(200..=299).unwrap_or(AcceptStatus([0; 8]))
    }
}

impl fmt::Debug for AcceptStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codes: Vec<u16> = (Self::FIRST..=Self::LAST)
            .filter(|&c| self.accepts(c))
            .collect();
        write!(f, "AcceptStatus({codes:?})")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{url}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("header {name}: environment variable {var} is not set")]
    MissingEnv { name: String, var: String },
    // The value is never part of the message.
    #[error("header {name}: {reason}")]
    BadHeader { name: String, reason: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// Parses a health URL: http or https, with a host.
pub fn validate_url(s: &str) -> Result<Url, ProbeError> {
    let bad = |reason: String| ProbeError::BadUrl {
        url: mask_url(s),
        reason,
    };
    let url = Url::parse(s.trim()).map_err(|e| bad(format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!(
            "unsupported scheme {:?} (expected http or https)",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host".to_string()));
    }
    Ok(url)
}

fn resolve_headers(config: &ProbeConfig) -> Result<HeaderMap, ProbeError> {
    let mut map = HeaderMap::new();
    for (name, source) in &config.headers {
        let bad = |reason: &str| ProbeError::BadHeader {
            name: name.clone(),
            reason: reason.to_string(),
        };
        let header = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| bad("not a valid header name"))?;
        let value = match source {
            HeaderSource::Literal(v) => v.clone(),
            HeaderSource::Env(var) => std::env::var(var).map_err(|_| ProbeError::MissingEnv {
                name: name.clone(),
                var: var.clone(),
            })?,
        };
        let mut value =
            HeaderValue::from_str(&value).map_err(|_| bad("value is not a valid header value"))?;
        // Keeps hyper and any debug output from showing it.
        value.set_sensitive(true);
        map.append(header, value);
    }
    Ok(map)
}

/// What one probe found.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub sample: Sample,
    pub details: Option<HealthDetails>,
    /// Body bytes kept (at most [`BODY_LIMIT`]).
    pub body_bytes: usize,
}

/// One URL's HTTP client and request; cheap to probe repeatedly.
#[derive(Clone)]
pub struct Prober {
    client: Client,
    url: Url,
    /// What samples and messages show: the URL with any password masked.
    shown: String,
    headers: HeaderMap,
    timeout: Duration,
    accept: AcceptStatus,
}

/// A redirect back to a URL already visited: the health route can never
/// answer, and saying so beats "HTTP 302".
#[derive(Debug, thiserror::Error)]
#[error("redirect loop")]
struct RedirectLoop;

/// Shows neither a password in the URL nor header values.
impl fmt::Debug for Prober {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prober")
            .field("url", &self.shown)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Prober {
    pub fn new(config: &ProbeConfig, settings: &ProbeSettings) -> Result<Prober, ProbeError> {
        let url = validate_url(&config.url)?;
        let headers = resolve_headers(config)?;
        let client = Client::builder()
            .redirect(redirect::Policy::custom(|attempt| {
                // Past the limit, the redirect itself is the answer
                // (`http_status(3xx)`), not an opaque error.
                if attempt.previous().contains(attempt.url()) {
                    attempt.error(RedirectLoop)
                } else if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.stop()
                } else {
                    attempt.follow()
                }
            }))
            .danger_accept_invalid_certs(settings.insecure)
            .dns_resolver(Arc::new(Resolver))
            .user_agent(concat!("rollout-cockpit/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(1)
            .build()
            .map_err(|e| ProbeError::Client(e.to_string()))?;
        Ok(Prober {
            client,
            shown: mask_url(url.as_str()),
            url,
            headers,
            timeout: settings.timeout,
            accept: settings.accept,
        })
    }

    /// The URL with any password masked, as samples carry it.
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// One GET. Never fails: every way it can go wrong is an [`Outcome`].
    /// The timeout covers the whole exchange, body included.
    pub async fn probe(&self, clock: &Clock) -> Probe {
        self.probe_at(clock.now()).await
    }

    /// [`Prober::probe`], stamped `ts`: the time of the clock the probes
    /// follow (a script's, in a test at test speed).
    pub async fn probe_at(&self, ts: DateTime<Utc>) -> Probe {
        let start = std::time::Instant::now();
        let result = tokio::time::timeout(self.timeout, self.fetch()).await;
        let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
        let (outcome, details, body_bytes) = match result {
            Err(_) => (Outcome::Timeout, None, 0),
            Ok(Err(e)) => (failure(&e), None, 0),
            Ok(Ok(f)) => {
                let (outcome, details) =
                    classify_with(&self.accept, f.status, f.content_type.as_deref(), &f.body);
                (outcome, details, f.body.len())
            }
        };
        Probe {
            sample: Sample {
                ts,
                url: self.shown.clone(),
                latency_ms,
                outcome,
            },
            details,
            body_bytes,
        }
    }

    async fn fetch(&self) -> Result<Fetched, reqwest::Error> {
        let mut resp = self
            .client
            .get(self.url.clone())
            .headers(self.headers.clone())
            .send()
            .await?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            let room = BODY_LIMIT - body.len();
            if chunk.len() >= room {
                body.extend_from_slice(&chunk[..room]);
                // Dropping the response here closes the connection instead
                // of reading the rest.
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            status,
            content_type,
            body,
        })
    }
}

/// Why a request got no answer, from its error chain: the deployer acts
/// differently on each (refused: the process is down; DNS: the name is
/// wrong; TLS: a certificate or a port without TLS).
fn failure(e: &reqwest::Error) -> Outcome {
    if e.is_timeout() {
        return Outcome::Timeout;
    }
    if e.is_redirect() {
        return Outcome::RedirectLoop;
    }
    let mut innermost: &(dyn std::error::Error + 'static) = e;
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(outcome) = cause(err) {
            return outcome;
        }
        innermost = err;
        // `io::Error::source` skips the error it wraps, and TLS errors
        // come wrapped (twice, by hyper-rustls and tokio-rustls).
        next = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    Outcome::ConnectError(short_reason(e, innermost))
}

/// One link of the chain, if it tells the cause.
fn cause(err: &(dyn std::error::Error + 'static)) -> Option<Outcome> {
    if err.is::<Unresolved>() {
        return Some(Outcome::Dns);
    }
    if err.is::<rustls::Error>() {
        return Some(Outcome::Tls);
    }
    if let Some(h) = err.downcast_ref::<hyper::Error>() {
        if h.is_timeout() {
            return Some(Outcome::Timeout);
        }
        // The server closed the connection mid-answer: to the deployer the
        // same as a reset.
        if h.is_incomplete_message() {
            return Some(Outcome::Reset);
        }
    }
    let io = err.downcast_ref::<std::io::Error>()?;
    use std::io::ErrorKind as K;
    match io.kind() {
        K::ConnectionRefused => Some(Outcome::Refused),
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => Some(Outcome::Reset),
        K::TimedOut => Some(Outcome::Timeout),
        _ => None,
    }
}

/// A few words for a failure no cause matched: the deepest error's text
/// (hyper's "invalid HTTP version parsed"...), never reqwest's own, which
/// names the URL and so could show a password.
fn short_reason(e: &reqwest::Error, innermost: &(dyn std::error::Error + 'static)) -> String {
    const MAX: usize = 60;
    let text = if innermost.is::<reqwest::Error>() {
        if e.is_body() || e.is_decode() {
            "the body could not be read".to_string()
        } else {
            "no answer".to_string()
        }
    } else {
        innermost.to_string()
    };
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

struct Fetched {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// Judges an HTTP answer. Pure, for the tests and the demo service.
///
/// JSON is read whenever the content type says so, and also when an
/// untyped or text body parses as JSON (many health endpoints send JSON as
/// text/plain); only a body that claims JSON and is not is `invalid_body`.
pub fn classify(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> (Outcome, Option<HealthDetails>) {
    classify_with(&AcceptStatus::default(), status, content_type, body)
}

/// [`classify`] with the statuses that count as an answer.
pub fn classify_with(
    accept: &AcceptStatus,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> (Outcome, Option<HealthDetails>) {
    let claims_json = content_type.is_some_and(is_json);
    let parsed = serde_json::from_slice::<Value>(body).ok();
    let details = parsed.as_ref().and_then(HealthDetails::from_json);
    if !accept.accepts(status) {
        return (Outcome::HttpStatus(status), details);
    }
    match (&parsed, claims_json) {
        // Including a JSON body cut off at the limit: not an answer the
        // deployer can trust.
        (None, true) => (Outcome::InvalidBody, None),
        (Some(_), _)
            if details
                .as_ref()
                .is_some_and(|d| d.level == Level::Unhealthy) =>
        {
            (Outcome::BodyUnhealthy, details)
        }
        _ => (Outcome::Ok, details),
    }
}

/// Spawns the worker for one URL on the wall clock's grid
/// (`start + k × interval`); see [`Ticks::wall`].
pub fn spawn(
    prober: Prober,
    interval: Duration,
    clock: Clock,
    tx: mpsc::Sender<Probe>,
) -> JoinHandle<()> {
    follow(prober, Ticks::wall(clock, interval), tx)
}

/// Spawns the worker for one URL: a probe per tick of `ticks`, one in
/// flight at a time. Ends when the receiver is dropped or the clock is gone.
pub fn follow(prober: Prober, mut ticks: Ticks, tx: mpsc::Sender<Probe>) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(at) = ticks.next().await {
            let probe = prober.probe_at(at).await;
            if tx.send(probe).await.is_err() {
                break;
            }
        }
    })
}

/// The first grid point strictly after `now`.
pub fn next_tick(start: Instant, interval: Duration, now: Instant) -> Instant {
    let step = interval.as_nanos().max(1);
    let n = (now.saturating_duration_since(start).as_nanos() / step).saturating_add(1);
    let offset = u64::try_from(n.saturating_mul(step)).unwrap_or(u64::MAX);
    start + Duration::from_nanos(offset)
}

/// The system resolver, except that `.invalid` names (RFC 6761) fail at
/// once instead of asking a DNS server that may be slow or unreachable.
struct Resolver;

/// A name that did not resolve; its own type so that the probe's outcome
/// can say "DNS" (the system resolver's error is a plain `io::Error`).
#[derive(Debug, thiserror::Error)]
#[error("{host}: {why}")]
struct Unresolved {
    host: String,
    why: String,
}

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        Box::pin(async move {
            if host == "invalid" || host.ends_with(".invalid") {
                let why = "reserved name that never resolves".to_string();
                return Err(Unresolved { host, why }.into());
            }
            let looked = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map(Iterator::collect::<Vec<_>>);
            let addrs = match looked {
                Ok(addrs) => addrs,
                Err(e) => {
                    let why = e.to_string();
                    return Err(Unresolved { host, why }.into());
                }
            };
            if addrs.is_empty() {
                let why = "no address".to_string();
                return Err(Unresolved { host, why }.into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_answers() {
        let json = Some("application/json; charset=utf-8");
        let c = |status, ct, body: &str| classify(status, ct, body.as_bytes()).0;
        assert_eq!(c(200, Some("text/plain"), "OK"), Outcome::Ok);
        assert_eq!(c(200, None, ""), Outcome::Ok);
        assert_eq!(c(200, json, r#"{"status":"healthy"}"#), Outcome::Ok);
        assert_eq!(c(200, json, r#"{"status":"degraded"}"#), Outcome::Ok);
        for s in ["unhealthy", "error", "DOWN", "fail"] {
            let body = format!(r#"{{"status":"{s}"}}"#);
            assert_eq!(c(200, json, &body), Outcome::BodyUnhealthy, "{s}");
        }
        assert_eq!(
            c(200, Some("text/plain"), r#"{"status":"down"}"#),
            Outcome::BodyUnhealthy
        );
        assert_eq!(c(200, json, r#"{"status":"#), Outcome::InvalidBody);
        assert_eq!(
            c(200, Some("application/problem+json"), "nope"),
            Outcome::InvalidBody
        );
        assert_eq!(c(200, Some("text/plain"), "{not json"), Outcome::Ok);
        assert_eq!(
            c(503, json, r#"{"status":"unhealthy"}"#),
            Outcome::HttpStatus(503)
        );
        // The details of a 503 are still worth showing.
        let (_, d) = classify(
            503,
            json,
            br#"{"status":"unhealthy","checks":{"memory":{"percentage":95}}}"#,
        );
        assert_eq!(d.unwrap().memory_percent, Some(95.0));
    }

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            mask_url("https://admin:s3cr3t@terp.example.com/health"),
            "https://admin:••••@terp.example.com/health"
        );
        assert_eq!(mask_url("http://token@h/x?a=b@c"), "http://token@h/x?a=b@c");
        assert_eq!(mask_url("http://h:8080/p"), "http://h:8080/p");
        assert_eq!(mask_url("ftp://u:pw@h"), "ftp://u:••••@h");
        let e = validate_url("ftp://u:pw@h/").unwrap_err().to_string();
        assert!(!e.contains("pw@"), "{e}");
        let p = Prober::new(
            &ProbeConfig::new("http://u:pw@127.0.0.1:9/health"),
            &ProbeSettings::default(),
        )
        .unwrap();
        assert_eq!(p.url(), "http://u:••••@127.0.0.1:9/health");
        assert!(!format!("{p:?}").contains("pw@"));
    }

    #[test]
    fn the_grid_skips_missed_ticks() {
        let start = Instant::now();
        let ms = Duration::from_millis;
        assert_eq!(next_tick(start, ms(100), start), start + ms(100));
        assert_eq!(next_tick(start, ms(100), start + ms(5)), start + ms(100));
        assert_eq!(next_tick(start, ms(100), start + ms(250)), start + ms(300));
        assert_eq!(next_tick(start, ms(100), start + ms(300)), start + ms(400));
    }

    #[test]
    fn urls_are_checked_up_front() {
        assert!(validate_url("http://127.0.0.1:8080/health").is_ok());
        assert!(validate_url("https://terp.example.com/api/health").is_ok());
        let e = validate_url("ftp://example.com/health")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("ftp://example.com/health") && e.contains("scheme"),
            "{e}"
        );
        let e = validate_url("localhost:8080").unwrap_err().to_string();
        assert!(e.contains("localhost:8080"), "{e}");
        assert!(validate_url("not a url").is_err());
        assert!(validate_url("http://").is_err());
    }

    #[test]
    fn header_values_are_masked_and_read_from_the_environment() {
        let mut config = ProbeConfig::new("http://127.0.0.1:1/health");
        config
            .headers
            .push(("Authorization".into(), HeaderSource::parse("Bearer s3cr3t")));
        config.headers.push((
            "X-Admin-Token".into(),
            HeaderSource::parse("env:ROLLOUT_COCKPIT_TEST_UNSET_VAR"),
        ));
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains(MASK) && shown.contains("env:ROLLOUT_COCKPIT_TEST_UNSET_VAR"));
        let e = Prober::new(&config, &ProbeSettings::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "header X-Admin-Token: environment variable ROLLOUT_COCKPIT_TEST_UNSET_VAR is not set"
        );
        config.headers.pop();
        let prober = Prober::new(&config, &ProbeSettings::default()).unwrap();
        assert!(!format!("{prober:?}").contains("s3cr3t"));
    }
}
