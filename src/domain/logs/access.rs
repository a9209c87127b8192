//! Access lines in the log stream: one request each, with its HTTP status
//! (and its duration where the line carries one). Three shapes are read:
//!
//! - the common log format, `host ident user [time] "request" status bytes`,
//!   with any prefix a log shipper puts before it (`web-1 | ...`);
//! - the combined log format: the same, then `"referer" "user-agent"` and
//!   whatever a server appends (nginx's `$request_time`, ...);
//! - JSON lines with a `status` (or `status_code`, `statusCode`,
//!   `http_status`) field, a number or a numeric string.
//!
//! Anything else (an application's own log line, a stack trace, a line cut
//! short) is not an access line: its requests are not counted, so an app
//! log never reads as a 0% error rate.
//!
//! The status is taken after the request's closing quote, never from inside
//! it: `"GET /500 HTTP/1.1" 200` is a 200. Every line of the stream passes
//! here, in the runner's reader threads: no allocation, a few `memchr`s.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// One request, as its access line tells it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Access {
    /// 100..=599.
    pub status: u16,
    /// How long the request took, in ms, when the line says (JSON lines
    /// with `duration_ms`, `latency_ms`, `response_time` or nginx's
    /// `request_time` in seconds); the log formats carry none by default.
    pub duration_ms: Option<f64>,
}

impl Access {
    /// A 5xx: the server failed the request (a 4xx is the client's doing).
    pub fn is_server_error(&self) -> bool {
        (500..600).contains(&self.status)
    }
}

/// The request the line records, if it is an access line.
pub fn parse(line: &str) -> Option<Access> {
    let trimmed = line.trim_ascii();
    if trimmed.starts_with('{') {
        json(trimmed)
    } else {
        log_format(trimmed.as_bytes())
    }
}

/// Common and combined log format: `[time] "request" status bytes`.
fn log_format(b: &[u8]) -> Option<Access> {
    // The time field's end, right before the request's opening quote. The
    // first such pair: a referer or user agent comes after the status.
    let open = memchr::memmem::find(b, b"] \"")?;
    // `host ident user [`: a time field opened after at least one field.
    let bracket = memchr::memrchr(b'[', &b[..open])?;
    if bracket == 0 || b[bracket - 1] != b' ' {
        return None;
    }
    let request = &b[open + 3..];
    let close = closing_quote(request)?;
    let rest = request.get(close + 1..)?;
    let rest = rest.strip_prefix(b" ")?;
    let status = three_digits(rest)?;
    // The byte count (a number, or `-` for none) must follow: a status
    // alone could be anything that happens to follow a quote.
    let bytes = rest.get(3..)?.strip_prefix(b" ")?;
    let end = bytes.iter().position(|&c| c == b' ').unwrap_or(bytes.len());
    let size = &bytes[..end];
    let is_size = size == b"-" || (!size.is_empty() && size.iter().all(u8::is_ascii_digit));
    is_size.then_some(Access {
        status,
        duration_ms: None,
    })
}

/// The index of the quote that ends a quoted field; `\"` and `\\` inside
/// it are escapes (Apache writes a quote in a URL so).
fn closing_quote(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(at) = memchr::memchr2(b'"', b'\\', &b[i..]) {
        let at = i + at;
        if b[at] == b'"' {
            return Some(at);
        }
        i = at + 2;
        if i > b.len() {
            return None;
        }
    }
    None
}

/// A status: three digits, 100..=599, then the end or a space.
fn three_digits(b: &[u8]) -> Option<u16> {
    let d = b.get(..3)?;
    if !d.iter().all(u8::is_ascii_digit) || b.get(3).is_some_and(|&c| c != b' ') {
        return None;
    }
    let n = d.iter().fold(0u16, |n, &c| n * 10 + u16::from(c - b'0'));
    (100..=599).contains(&n).then_some(n)
}

/// The fields an access line in JSON may carry; every other field is
/// skipped without being kept. Aliases are separate fields: a line with
/// both `status` and `status_code` is still read, not refused as a
/// duplicate.
#[derive(Deserialize)]
struct JsonLine {
    status: Option<Status>,
    status_code: Option<Status>,
    #[serde(rename = "statusCode")]
    status_code_camel: Option<Status>,
    http_status: Option<Status>,
    duration_ms: Option<f64>,
    latency_ms: Option<f64>,
    /// morgan's `response-time` and most Node loggers: ms.
    #[serde(alias = "response-time")]
    response_time: Option<f64>,
    /// nginx's `$request_time`: seconds, to the ms.
    request_time: Option<f64>,
}

fn json(line: &str) -> Option<Access> {
    let j: JsonLine = serde_json::from_str(line).ok()?;
    let Status(status) = j
        .status
        .or(j.status_code)
        .or(j.status_code_camel)
        .or(j.http_status)?;
    let duration_ms = j
        .duration_ms
        .or(j.latency_ms)
        .or(j.response_time)
        .or(j.request_time.map(|s| s * 1000.0))
        .filter(|d| d.is_finite() && *d >= 0.0);
    Some(Access {
        status,
        duration_ms,
    })
}

/// An HTTP status in JSON: `200` or `"200"`. Anything else (`"ok"`, `true`,
/// `42`) is not one, and makes the line no access line.
struct Status(u16);

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
        d.deserialize_any(StatusVisitor)
    }
}

struct StatusVisitor;

impl StatusVisitor {
    fn check<E: de::Error>(n: u64) -> Result<Status, E> {
        match u16::try_from(n) {
            Ok(s) if (100..=599).contains(&s) => Ok(Status(s)),
            _ => Err(E::custom("not an HTTP status")),
        }
    }
}

impl Visitor<'_> for StatusVisitor {
    type Value = Status;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an HTTP status")
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Status, E> {
        Self::check(n)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Status, E> {
        Self::check(u64::try_from(n).map_err(E::custom)?)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Status, E> {
        three_digits(s.as_bytes())
            .filter(|_| s.len() == 3)
            .map(Status)
            .ok_or_else(|| E::custom("not an HTTP status"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn status(line: &str) -> Option<u16> {
        parse(line).map(|a| a.status)
    }

    #[test]
    fn common_and_combined_formats() {
        let common = r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#;
        assert_eq!(status(common), Some(200));
        let combined = r#"203.0.113.9 - - [30/Nov/2026:02:00:01 +0000] "POST /api/orders HTTP/1.1" 502 157 "https://shop.example/cart" "Mozilla/5.0 (X11; Linux x86_64)""#;
        assert_eq!(status(combined), Some(502));
        assert!(parse(combined).is_some_and(|a| a.is_server_error()));
        // nginx with `$request_time` appended, and a shipper's prefix.
        let nginx = r#"web-1  | 10.0.0.7 - - [30/Nov/2026:02:00:01 +0000] "GET /healthz HTTP/1.1" 404 - "-" "curl/8.5.0" 0.004"#;
        assert_eq!(status(nginx), Some(404));
        assert_eq!(parse(nginx).and_then(|a| a.duration_ms), None);
    }

    #[test]
    fn the_status_is_never_taken_from_the_request() {
        let line = r#"10.0.0.1 - - [30/Nov/2026:02:00:01 +0000] "GET /500 HTTP/1.1" 200 12"#;
        assert_eq!(status(line), Some(200));
        let quoted =
            r#"10.0.0.1 - - [30/Nov/2026:02:00:01 +0000] "GET /q?x=\"] \" 503 1 HTTP/1.1" 201 12"#;
        assert_eq!(status(quoted), Some(201));
    }

    #[test]
    fn json_lines_with_a_status_field() {
        assert_eq!(
            parse(
                r#"{"ts":"2026-11-30T02:00:01Z","method":"GET","path":"/500","status":503,"duration_ms":41.5}"#
            ),
            Some(Access {
                status: 503,
                duration_ms: Some(41.5)
            })
        );
        assert_eq!(
            status(r#"{"status_code":"201","msg":"created"}"#),
            Some(201)
        );
        assert_eq!(status(r#"{"statusCode":200,"req":{"url":"/"}}"#), Some(200));
        let nginx = parse(r#"{"http_status":200,"request_time":0.125}"#);
        assert_eq!(nginx.and_then(|a| a.duration_ms), Some(125.0));
        // An app's JSON log line is no request.
        assert_eq!(status(r#"{"level":"error","msg":"db timeout"}"#), None);
        assert_eq!(status(r#"{"level":"info","status":"ok"}"#), None);
        assert_eq!(status(r#"{"status":42}"#), None);
    }

    #[test]
    fn garbage_and_app_lines_are_not_access_lines() {
        for line in [
            "",
            "   ",
            "ERROR payment failed: upstream 503",
            "2026-11-30 02:00:01 [main] INFO started on :8080",
            r#"[30/Nov/2026:02:00:01 +0000] "GET / HTTP/1.1" 200 12"#,
            r#"10.0.0.1 - - [30/Nov/2026:02:00:01 +0000] "GET / HTTP/1.1" 200"#,
            r#"10.0.0.1 - - [30/Nov/2026:02:00:01 +0000] "GET / HTTP/1.1" 2000 12"#,
            r#"10.0.0.1 - - [30/Nov/2026:02:00:01 +0000] "GET / HTTP/1.1" 700 12"#,
            r#"10.0.0.1 - - [30/Nov/2026:02:00:01 +0000] "GET / HTTP/1.1" abc 12"#,
            "{not json",
            "\u{1b}[31m{\"status\":500",
        ] {
            assert_eq!(parse(line), None, "{line:?}");
        }
    }

    #[test]
    fn a_truncated_line_is_not_read() {
        let full = r#"10.0.0.1 - - [30/Nov/2026:02:00:01 +0000] "GET /a HTTP/1.1" 500 12"#;
        assert_eq!(status(full), Some(500));
        // Every cut before the byte count leaves no access line.
        let cut_at = full.rfind(' ').unwrap_or(0);
        for end in 0..=cut_at {
            assert_eq!(status(&full[..end]), None, "{:?}", &full[..end]);
        }
        let json = r#"{"status":500,"duration_ms":3}"#;
        for end in 0..json.len() {
            assert_eq!(status(&json[..end]), None, "{:?}", &json[..end]);
        }
    }

    proptest! {
        #[test]
        fn any_combined_line_gives_its_status(
            code in 100u16..600,
            path in "/[a-z0-9/_.?=%-]{0,40}",
            size in proptest::option::of(0u32..10_000_000),
            agent in "[ -!#-\\[\\]-~]{0,60}",
        ) {
            let size = size.map_or("-".to_string(), |s| s.to_string());
            let line = format!(
                r#"192.0.2.1 - - [30/Nov/2026:02:00:01 +0000] "GET {path} HTTP/1.1" {code} {size} "-" "{agent}""#
            );
            prop_assert_eq!(status(&line), Some(code));
        }

        #[test]
        fn any_line_is_read_without_panicking(line in "\\PC{0,200}") {
            let _ = parse(&line);
        }
    }
}
