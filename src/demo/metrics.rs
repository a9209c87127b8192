//! The simulated service's `/metrics`, in Prometheus's text format (0.0.4):
//! `http_requests_total{code}` and the `http_request_duration_seconds`
//! histogram, the names the cockpit's default queries read. Counting is a
//! few array slots per request; text is made only when scraped.

use std::fmt::Write;

/// `Content-Type` of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every status the simulator answers with. Each series is exposed from the
/// first scrape, zeros included: a 5xx series born at the first failure
/// would leave the error-rate query with no data until then, and its first
/// increment would be lost to `rate()`.
pub const CODES: [u16; 7] = [200, 201, 401, 404, 500, 503, 504];

/// Upper bounds (seconds) of the latency buckets, `+Inf` aside: the client
/// libraries' defaults, with more between 50 and 150 ms, where the demo's
/// requests land (25–60 ms healthy, up to 2.2x that on the bad version), so
/// that `histogram_quantile`'s interpolation stays within 25 ms of the truth.
pub const BUCKETS: [f64; 16] = [
    0.005, 0.01, 0.025, 0.05, 0.06, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The counters since the service started.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestMetrics {
    /// By [`CODES`] index.
    by_code: [u64; CODES.len()],
    /// Per bucket, not cumulative (the text cumulates); the last is `+Inf`.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

impl RequestMetrics {
    /// One request answered with `code` after `seconds`.
    pub fn record(&mut self, code: u16, seconds: f64) {
        let Some(i) = CODES.iter().position(|c| *c == code) else {
            // Counted nowhere rather than in the histogram alone: the
            // counters and `_count` must agree.
            debug_assert!(false, "status {code} missing from CODES");
            return;
        };
        self.by_code[i] += 1;
        let b = BUCKETS
            .iter()
            .position(|le| seconds <= *le)
            .unwrap_or(BUCKETS.len());
        self.buckets[b] += 1;
        self.sum += seconds.max(0.0);
        self.count += 1;
    }

    pub fn requests(&self) -> u64 {
        self.count
    }

    /// Requests answered 5xx.
    pub fn failed(&self) -> u64 {
        CODES
            .iter()
            .zip(self.by_code)
            .filter(|(c, _)| (500..600).contains(*c))
            .map(|(_, n)| n)
            .sum()
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(2048);
        out.push_str("# HELP http_requests_total HTTP requests served, by status code.\n");
        out.push_str("# TYPE http_requests_total counter\n");
        for (code, n) in CODES.iter().zip(self.by_code) {
            let _ = writeln!(out, "http_requests_total{{code=\"{code}\"}} {n}");
        }
        out.push_str(
            "# HELP http_request_duration_seconds Time to answer an HTTP request, in seconds.\n",
        );
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        let mut cumulative = 0;
        for (le, n) in BUCKETS.iter().zip(self.buckets) {
            cumulative += n;
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{le=\"{le}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            self.count
        );
        let _ = writeln!(out, "http_request_duration_seconds_sum {}", self.sum);
        let _ = writeln!(out, "http_request_duration_seconds_count {}", self.count);
        out
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// One sample line: name, labels, value.
    #[derive(Debug, Clone, PartialEq)]
    pub(in crate::demo) struct Line {
        pub name: String,
        pub labels: BTreeMap<String, String>,
        pub value: f64,
    }

    /// A strict reading of the text format as the simulator writes it:
    /// every line is a `# HELP`/`# TYPE` comment or `name{k="v",...} value`,
    /// and every sample's family was typed before it.
    pub(in crate::demo) fn parse(text: &str) -> Vec<Line> {
        let ident = regex::Regex::new(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$").unwrap();
        let mut typed = BTreeMap::new();
        let mut lines = Vec::new();
        assert!(text.ends_with('\n'), "{text:?}");
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# ") {
                let mut parts = rest.splitn(3, ' ');
                let (kind, name, what) = (parts.next(), parts.next(), parts.next());
                let (Some(kind), Some(name), Some(what)) = (kind, name, what) else {
                    panic!("comment {line:?}");
                };
                assert!(ident.is_match(name), "{line:?}");
                match kind {
                    "HELP" => assert!(!what.is_empty(), "{line:?}"),
                    "TYPE" => {
                        assert!(["counter", "histogram"].contains(&what), "{line:?}");
                        assert!(typed.insert(name.to_string(), what).is_none(), "{line:?}");
                    }
                    _ => panic!("comment {line:?}"),
                }
                continue;
            }
            let (series, value) = line.rsplit_once(' ').unwrap();
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("{line:?}"));
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => {
                    let inner = rest.strip_suffix('}').unwrap_or_else(|| panic!("{line:?}"));
                    let labels = inner
                        .split(',')
                        .map(|kv| {
                            let (k, v) = kv.split_once('=').unwrap();
                            assert!(ident.is_match(k), "{line:?}");
                            let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
                            (k.to_string(), v.unwrap().to_string())
                        })
                        .collect();
                    (name, labels)
                }
                None => (series, BTreeMap::new()),
            };
            assert!(ident.is_match(name), "{line:?}");
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .filter(|f| typed.get(*f) == Some(&"histogram"))
                .unwrap_or(name);
            assert!(typed.contains_key(family), "untyped {line:?}");
            lines.push(Line {
                name: name.to_string(),
                labels,
                value,
            });
        }
        lines
    }

    /// The value of the one sample named `name` with `label` = `value`.
    pub(in crate::demo) fn value(lines: &[Line], name: &str, label: Option<(&str, &str)>) -> f64 {
        let found: Vec<f64> = lines
            .iter()
            .filter(|l| {
                l.name == name
                    && label.is_none_or(|(k, v)| l.labels.get(k).map(String::as_str) == Some(v))
            })
            .map(|l| l.value)
            .collect();
        assert_eq!(found.len(), 1, "{name} {label:?}");
        found[0]
    }

    /// (5xx, all) from the counters.
    pub(in crate::demo) fn shares(lines: &[Line]) -> (f64, f64) {
        let counters = lines.iter().filter(|l| l.name == "http_requests_total");
        let (mut failed, mut all) = (0.0, 0.0);
        for l in counters {
            all += l.value;
            if l.labels["code"].starts_with('5') {
                failed += l.value;
            }
        }
        (failed, all)
    }

    /// The histogram's buckets as (le, cumulative count), checked to be
    /// cumulative and to end in `+Inf` == `_count`.
    pub(in crate::demo) fn histogram(lines: &[Line]) -> Vec<(f64, f64)> {
        let buckets: Vec<(f64, f64)> = lines
            .iter()
            .filter(|l| l.name == "http_request_duration_seconds_bucket")
            .map(|l| {
                let le = &l.labels["le"];
                let le = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().unwrap()
                };
                (le, l.value)
            })
            .collect();
        for w in buckets.windows(2) {
            assert!(w[0].0 < w[1].0 && w[0].1 <= w[1].1, "{buckets:?}");
        }
        let (le, last) = *buckets.last().unwrap();
        assert_eq!(le, f64::INFINITY);
        assert_eq!(
            last,
            value(lines, "http_request_duration_seconds_count", None)
        );
        buckets
    }

    #[test]
    fn the_text_parses_and_the_histogram_is_cumulative() {
        let mut m = RequestMetrics::default();
        let empty = parse(&m.render());
        // Every series from the start, at zero.
        assert_eq!(shares(&empty), (0.0, 0.0));
        assert_eq!(
            empty
                .iter()
                .filter(|l| l.name == "http_requests_total")
                .count(),
            CODES.len()
        );
        assert_eq!(histogram(&empty).len(), BUCKETS.len() + 1);

        for (code, s) in [
            (200, 0.04),
            (200, 0.05),
            (503, 0.12),
            (201, 30.0),
            (404, 0.0),
        ] {
            m.record(code, s);
        }
        let text = m.render();
        let lines = parse(&text);
        assert!(
            text.contains("# TYPE http_requests_total counter\n"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE http_request_duration_seconds histogram\n"),
            "{text}"
        );
        assert_eq!(
            value(&lines, "http_requests_total", Some(("code", "200"))),
            2.0
        );
        assert_eq!(
            value(&lines, "http_requests_total", Some(("code", "503"))),
            1.0
        );
        assert_eq!(shares(&lines), (1.0, 5.0));
        let le = |bound: &str| {
            value(
                &lines,
                "http_request_duration_seconds_bucket",
                Some(("le", bound)),
            )
        };
        // 0.05 is in the 0.05 bucket: `le` is "less than or equal".
        assert_eq!(
            (le("0.005"), le("0.05"), le("0.125"), le("10"), le("+Inf")),
            (1.0, 3.0, 4.0, 4.0, 5.0)
        );
        histogram(&lines);
        let sum = value(&lines, "http_request_duration_seconds_sum", None);
        assert!((sum - 30.21).abs() < 1e-9, "{sum}");
        assert_eq!((m.requests(), m.failed()), (5, 1));
    }
}
