//! One probe's result: the unit the window, the baseline and the journal share.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// How a probe ended. Serialized as `"ok"`, `{"http_status": 503}`,
/// `"refused"`, `{"connect_error": "not HTTP"}`...
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    /// A final status that is not 2xx (after redirects).
    HttpStatus(u16),
    Timeout,
    /// The host name did not resolve.
    Dns,
    /// Nothing listens on the port: the service is down or restarting.
    Refused,
    /// The connection was reset or closed before the answer was complete.
    Reset,
    /// The TLS handshake failed (a certificate, or no TLS on the port).
    Tls,
    /// No usable answer for another reason, in a few words. Journals
    /// written before the causes were told apart hold a bare
    /// `"connect_error"`, read back with an empty reason.
    ConnectError(String),
    /// A JSON body whose `status` says `unhealthy`, `error`, `down` or `fail`.
    BodyUnhealthy,
    /// A body that claims to be JSON and is not.
    InvalidBody,
    /// A redirect back to a URL already visited.
    RedirectLoop,
}

impl Outcome {
    /// Counts against the error rate: everything but a healthy answer. A
    /// 404 or a redirect loop is a broken health route, and one that could
    /// never fail would hide the very outage it is there to catch.
    pub fn is_failure(&self) -> bool {
        *self != Outcome::Ok
    }

    /// Only successful probes say anything about latency.
    pub fn is_ok(&self) -> bool {
        *self == Outcome::Ok
    }

    /// Short label for human output: why a probe failed, in the words a
    /// deployer acts on (refused: the process is down; DNS: the name is
    /// wrong...).
    pub fn label(&self) -> String {
        match self {
            Outcome::Ok => "ok".into(),
            Outcome::HttpStatus(code) => format!("HTTP {code}"),
            Outcome::Timeout => "timeout".into(),
            Outcome::Dns => "DNS lookup failed".into(),
            Outcome::Refused => "connection refused".into(),
            Outcome::Reset => "connection reset".into(),
            Outcome::Tls => "TLS handshake failed".into(),
            Outcome::ConnectError(why) if why.is_empty() => "connection error".into(),
            Outcome::ConnectError(why) => format!("connection error: {why}"),
            Outcome::BodyUnhealthy => "body says unhealthy".into(),
            Outcome::InvalidBody => "invalid body".into(),
            Outcome::RedirectLoop => "redirect loop".into(),
        }
    }
}

const VARIANTS: &[&str] = &[
    "ok",
    "http_status",
    "timeout",
    "dns",
    "refused",
    "reset",
    "tls",
    "connect_error",
    "body_unhealthy",
    "invalid_body",
    "redirect_loop",
];

/// By hand rather than derived: `connect_error` is a bare string in old
/// journals and carries its reason in new ones, and a derived enum reads
/// only one of the two.
impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OutcomeVisitor)
    }
}

struct OutcomeVisitor;

impl<'de> Visitor<'de> for OutcomeVisitor {
    type Value = Outcome;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a probe outcome such as \"ok\" or {\"http_status\": 503}")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Outcome, E> {
        Ok(match v {
            "ok" => Outcome::Ok,
            "timeout" => Outcome::Timeout,
            "dns" => Outcome::Dns,
            "refused" => Outcome::Refused,
            "reset" => Outcome::Reset,
            "tls" => Outcome::Tls,
            "connect_error" => Outcome::ConnectError(String::new()),
            "body_unhealthy" => Outcome::BodyUnhealthy,
            "invalid_body" => Outcome::InvalidBody,
            "redirect_loop" => Outcome::RedirectLoop,
            other => return Err(E::unknown_variant(other, VARIANTS)),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Outcome, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::invalid_length(0, &self));
        };
        let outcome = match key.as_str() {
            "http_status" => Outcome::HttpStatus(map.next_value()?),
            "connect_error" => Outcome::ConnectError(map.next_value()?),
            other => return Err(de::Error::unknown_variant(other, VARIANTS)),
        };
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(2, &self));
        }
        Ok(outcome)
    }
}

/// `{ts, url, latency_ms, outcome}`; `ts` is when the probe started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub ts: DateTime<Utc>,
    pub url: String,
    pub latency_ms: f64,
    pub outcome: Outcome,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_the_documented_shape() {
        let s = Sample {
            ts: DateTime::parse_from_rfc3339("2026-11-24T03:12:09Z")
                .unwrap()
                .to_utc(),
            url: "http://127.0.0.1:1/health".into(),
            latency_ms: 4.5,
            outcome: Outcome::HttpStatus(503),
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"ts":"2026-11-24T03:12:09Z","url":"http://127.0.0.1:1/health","latency_ms":4.5,"outcome":{"http_status":503}}"#
        );
        assert_eq!(serde_json::from_str::<Sample>(&json).unwrap(), s);
        assert_eq!(
            serde_json::to_string(&Outcome::Timeout).unwrap(),
            r#""timeout""#
        );
    }

    /// Every way a probe can fail, one of each.
    fn failures() -> Vec<Outcome> {
        vec![
            Outcome::HttpStatus(503),
            Outcome::Timeout,
            Outcome::Dns,
            Outcome::Refused,
            Outcome::Reset,
            Outcome::Tls,
            Outcome::ConnectError("not HTTP".into()),
            Outcome::BodyUnhealthy,
            Outcome::InvalidBody,
            Outcome::RedirectLoop,
        ]
    }

    #[test]
    fn every_outcome_reads_back_and_old_journals_still_read() {
        for o in std::iter::once(Outcome::Ok).chain(failures()) {
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(serde_json::from_str::<Outcome>(&json).unwrap(), o, "{json}");
        }
        assert_eq!(
            serde_json::to_string(&Outcome::Refused).unwrap(),
            r#""refused""#
        );
        assert_eq!(
            serde_json::to_string(&Outcome::ConnectError("not HTTP".into())).unwrap(),
            r#"{"connect_error":"not HTTP"}"#
        );
        // Written before the causes were told apart.
        let old: Sample = serde_json::from_str(
            r#"{"ts":"2026-11-24T03:12:09Z","url":"u","latency_ms":1.0,"outcome":"connect_error"}"#,
        )
        .unwrap();
        assert_eq!(old.outcome, Outcome::ConnectError(String::new()));
        assert_eq!(old.outcome.label(), "connection error");
        let e = serde_json::from_str::<Outcome>(r#""exploded""#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("exploded") && e.contains("refused"), "{e}");
        assert!(serde_json::from_str::<Outcome>(r#"{"http_status":503,"x":1}"#).is_err());
    }

    #[test]
    fn everything_but_a_healthy_answer_is_a_failure() {
        assert!(!Outcome::Ok.is_failure());
        let redirects_and_errors = [302, 404, 500].map(Outcome::HttpStatus);
        for o in redirects_and_errors.into_iter().chain(failures()) {
            assert!(o.is_failure(), "{o:?}");
        }
    }
}
