//! One probe's result: the unit the window, the baseline and the journal share.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a probe ended. Serialized as `"ok"`, `{"http_status": 503}`, `"timeout"`...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    /// A final status that is not 2xx (after redirects).
    HttpStatus(u16),
    Timeout,
    /// Refused, reset, unresolvable host, TLS failure: no usable answer.
    ConnectError,
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
    pub fn is_failure(self) -> bool {
        self != Outcome::Ok
    }

    /// Only successful probes say anything about latency.
    pub fn is_ok(self) -> bool {
        self == Outcome::Ok
    }

    /// Short label for human output.
    pub fn label(self) -> String {
        match self {
            Outcome::Ok => "ok".into(),
            Outcome::HttpStatus(code) => format!("HTTP {code}"),
            Outcome::Timeout => "timeout".into(),
            Outcome::ConnectError => "connection error".into(),
            Outcome::BodyUnhealthy => "body says unhealthy".into(),
            Outcome::InvalidBody => "invalid body".into(),
            Outcome::RedirectLoop => "redirect loop".into(),
        }
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

    #[test]
    fn everything_but_a_healthy_answer_is_a_failure() {
        assert!(!Outcome::Ok.is_failure());
        for o in [
            Outcome::HttpStatus(302),
            Outcome::HttpStatus(404),
            Outcome::HttpStatus(500),
            Outcome::HttpStatus(503),
            Outcome::Timeout,
            Outcome::ConnectError,
            Outcome::BodyUnhealthy,
            Outcome::InvalidBody,
            Outcome::RedirectLoop,
        ] {
            assert!(o.is_failure(), "{o:?}");
        }
    }
}
