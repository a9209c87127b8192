//! The simulated service's own log, what `railway logs` follows: an access
//! line per simulated request, and the application's INFO and WARN lines
//! beside them. A request fails as often as `/health` does at the same
//! moment, and a failure shows twice, as a 5xx access line and an `ERROR`
//! line, so a log-based error count rises and falls with the probe's.
//! [`Traffic::count`] makes the same requests without their lines, for
//! `/metrics`.

use std::fmt::Write;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use super::metrics::RequestMetrics;
use super::service::Rng;

/// Simulated requests per second. Real time, like the probe's jitter: the
/// demo's speed compresses the story, not the traffic.
pub const REQUESTS_PER_SEC: f64 = 20.0;

/// What the service is like at the moment the lines are made.
#[derive(Debug, Clone, Copy)]
pub struct Moment<'a> {
    pub now: DateTime<Utc>,
    pub version: &'a str,
    /// 0 healthy .. 1 the bad version's full effect.
    pub level: f64,
    /// Share of requests that fail.
    pub error_rate: f64,
    pub latency_factor: f64,
}

/// One follower's traffic: its own random numbers, so that streaming the
/// log never changes the answers `/health` gives.
#[derive(Debug)]
pub struct Traffic {
    rng: Rng,
    /// Requests due but not yet made (the fraction carries over).
    due: f64,
    next_order: u64,
    /// The version whose start was last announced.
    announced: Option<String>,
}

struct Route {
    method: &'static str,
    /// Which kind of path.
    area: &'static str,
    /// The application module that logs about it.
    module: &'static str,
    /// Share of requests, in percent.
    weight: u32,
}

const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        area: "orders",
        module: "orders",
        weight: 30,
    },
    Route {
        method: "GET",
        area: "order",
        module: "orders",
        weight: 20,
    },
    Route {
        method: "POST",
        area: "orders",
        module: "orders",
        weight: 10,
    },
    Route {
        method: "GET",
        area: "products",
        module: "products",
        weight: 15,
    },
    Route {
        method: "GET",
        area: "inventory",
        module: "inventory",
        weight: 10,
    },
    Route {
        method: "PATCH",
        area: "fulfillment",
        module: "orders",
        weight: 8,
    },
    Route {
        method: "GET",
        area: "customers",
        module: "customers",
        weight: 7,
    },
];

const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "terp-mobile/3.8.1 (Android 14)",
];

const CATEGORIES: &[&str] = &["display", "packaging", "labels", "scales"];

impl Traffic {
    pub fn new(seed: u64) -> Traffic {
        Traffic {
            rng: Rng(seed),
            due: 0.0,
            next_order: 10_231,
            announced: None,
        }
    }

    /// The lines for `elapsed` of traffic at `rate` requests per second,
    /// each ending in a newline. The first call, and the first after a
    /// version switch, also announce the version starting.
    pub fn advance(&mut self, elapsed: Duration, rate: f64, m: &Moment, out: &mut String) {
        if self.announced.as_deref() != Some(m.version) {
            self.announce(m, out);
        }
        self.arrive(elapsed, rate);
        while self.take_one() {
            self.request(m, out);
        }
    }

    /// The requests of `elapsed` at `rate`, as the log would make them but
    /// only counted: what `/metrics` exposes. No line, no allocation.
    pub fn count(&mut self, elapsed: Duration, rate: f64, m: &Moment, into: &mut RequestMetrics) {
        self.arrive(elapsed, rate);
        while self.take_one() {
            let route = self.route();
            let (ms, status) = self.outcome(route, m);
            into.record(status, ms as f64 / 1000.0);
        }
    }

    fn arrive(&mut self, elapsed: Duration, rate: f64) {
        // Bursty rather than a metronome: +-40% per slice.
        self.due += rate * elapsed.as_secs_f64() * self.rng.range(0.6, 1.4);
    }

    /// Whether another request is due (the fraction carries over).
    fn take_one(&mut self) -> bool {
        let due = self.due >= 1.0;
        if due {
            self.due -= 1.0;
        }
        due
    }

    /// How long a request to `route` takes (ms) and how it is answered: it
    /// fails (5xx) at the moment's error rate.
    fn outcome(&mut self, route: &Route, m: &Moment) -> (u64, u16) {
        let ms = (self.rng.range(25.0, 60.0) * m.latency_factor).round() as u64;
        let failed = self.rng.unit() < m.error_rate;
        let status: u16 = if failed {
            match self.rng.next_u64() % 10 {
                0..=4 => 503,
                5..=7 => 500,
                _ => 504,
            }
        } else if route.area == "order" && self.rng.unit() < 0.02 {
            404
        } else if self.rng.unit() < 0.005 {
            401
        } else if route.method == "POST" {
            201
        } else {
            200
        };
        (ms, status)
    }

    fn announce(&mut self, m: &Moment, out: &mut String) {
        let ts = stamp(m.now);
        let version = m.version.trim_start_matches('v');
        let _ = writeln!(out, "{ts} INFO  [server] > terp@{version} start");
        let _ = writeln!(
            out,
            "{ts} INFO  [server] terp-api {} listening on 0.0.0.0:8080 (replica {}/3)",
            m.version,
            1 + self.rng.next_u64() % 3
        );
        let _ = writeln!(
            out,
            "{ts} INFO  [db] pool ready: 10 connections to 10.20.0.14:3306"
        );
        self.announced = Some(m.version.to_string());
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = (self.rng.next_u64() % items.len() as u64) as usize;
        &items[i]
    }

    fn route(&mut self) -> &'static Route {
        let total: u32 = ROUTES.iter().map(|r| r.weight).sum();
        let mut x = (self.rng.next_u64() % u64::from(total)) as u32;
        for r in ROUTES {
            if x < r.weight {
                return r;
            }
            x -= r.weight;
        }
        &ROUTES[0]
    }

    fn request(&mut self, m: &Moment, out: &mut String) {
        let ts = stamp(m.now);
        let route = self.route();
        let order = 10_000 + self.rng.next_u64() % 231;
        let customer = 1 + self.rng.next_u64() % 40;
        let path = match route.area {
            "orders" if route.method == "POST" => "/api/orders".to_string(),
            "orders" => format!("/api/orders?page={}", 1 + self.rng.next_u64() % 5),
            "order" => format!("/api/orders/{order}"),
            "products" => format!("/api/products?category={}", self.pick(CATEGORIES)),
            "inventory" => "/api/inventory/movements?since=24h".to_string(),
            "fulfillment" => format!("/api/orders/{order}/fulfillment"),
            _ => format!("/api/customers/{customer}"),
        };
        let (ms, status) = self.outcome(route, m);
        let failed = status >= 500;

        if failed {
            let why = match status {
                503 => "connect ETIMEDOUT 10.20.0.14:3306".to_string(),
                500 => {
                    "ER_LOCK_WAIT_TIMEOUT: Lock wait timeout exceeded; try restarting transaction"
                        .to_string()
                }
                _ => format!("upstream timed out after {}ms", 5000 + ms),
            };
            let _ = writeln!(
                out,
                "{ts} ERROR [{}] {} {path} failed: {why}",
                route.module, route.method
            );
        } else if status < 300 {
            let r = Request {
                route,
                path: &path,
                order,
                customer,
                ms,
            };
            self.info(&r, m, out);
        }
        // The bad version holds connections longer: the pool runs short.
        let pressure = 0.005 + 0.06 * m.level;
        if self.rng.unit() < pressure {
            let busy = (7.0 + 3.0 * m.level).round().min(10.0) as u64;
            let queued = (self.rng.range(0.0, 6.0) * m.level).round() as u64;
            let _ = writeln!(
                out,
                "{ts} WARN  [db] connection pool busy: {busy}/10 in use, {queued} queued"
            );
        }

        let size = match status {
            200 if route.area == "orders" => 4_000 + self.rng.next_u64() % 5_000,
            200 | 201 => 300 + self.rng.next_u64() % 1_400,
            401 | 404 => 40 + self.rng.next_u64() % 60,
            _ => 20 + self.rng.next_u64() % 80,
        };
        let ip = 2 + self.rng.next_u64() % 250;
        let date = m.now.format("%d/%b/%Y:%H:%M:%S %z");
        let agent = self.pick(AGENTS);
        let _ = writeln!(
            out,
            "10.0.0.{ip} - - [{date}] \"{} {path} HTTP/1.1\" {status} {size} \"-\" \"{agent}\"",
            route.method
        );
    }

    /// What a request that went well logs, if anything.
    fn info(&mut self, r: &Request, m: &Moment, out: &mut String) {
        let Request {
            route,
            path,
            order,
            customer,
            ms,
        } = r;
        let ts = stamp(m.now);
        // Only the bad version is this slow (at most 60 ms on a good day).
        if *ms >= 100 && self.rng.unit() < 0.5 {
            let _ = writeln!(
                out,
                "{ts} WARN  [db] slow query ({ms}ms) for {} {path}",
                route.method
            );
            return;
        }
        // Most requests log nothing of their own.
        if self.rng.unit() >= 0.3 {
            return;
        }
        let _ = match (route.method, route.area) {
            ("POST", _) => {
                self.next_order += 1;
                let cents = 1_200 + self.rng.next_u64() % 40_000;
                writeln!(
                    out,
                    "{ts} INFO  [orders] order {} created for customer {customer}, total ${}.{:02}",
                    self.next_order,
                    cents / 100,
                    cents % 100
                )
            }
            (_, "fulfillment") => writeln!(
                out,
                "{ts} INFO  [orders] order {order} fulfillment_status -> shipped"
            ),
            (_, "inventory") => writeln!(
                out,
                "{ts} INFO  [inventory] {} movements since 24h in {ms}ms",
                20 + self.rng.next_u64() % 60
            ),
            _ => writeln!(out, "{ts} INFO  [{}] {path} served in {ms}ms", route.module),
        };
    }
}

struct Request<'a> {
    route: &'a Route,
    path: &'a str,
    order: u64,
    customer: u64,
    ms: u64,
}

fn stamp(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::logs::ErrorPatterns;

    fn moment(error_rate: f64, level: f64) -> Moment<'static> {
        Moment {
            now: Utc::now(),
            version: "v2.4.0",
            level,
            error_rate,
            latency_factor: 1.0 + 1.2 * level,
        }
    }

    /// (lines, error lines, 5xx access lines, requests) for `secs` of traffic.
    fn run(error_rate: f64, level: f64, secs: u64) -> (usize, usize, usize, usize) {
        let mut t = Traffic::new(7);
        let mut out = String::new();
        let m = moment(error_rate, level);
        for _ in 0..secs * 10 {
            t.advance(Duration::from_millis(100), REQUESTS_PER_SEC, &m, &mut out);
        }
        let p = ErrorPatterns::default();
        let errors = out.lines().filter(|l| p.is_error(l)).count();
        let access: Vec<&str> = out.lines().filter(|l| l.starts_with("10.0.0.")).collect();
        let failed = access.iter().filter(|l| l.contains("HTTP/1.1\" 5")).count();
        (out.lines().count(), errors, failed, access.len())
    }

    #[test]
    fn a_healthy_service_logs_no_errors() {
        let (lines, errors, failed, requests) = run(0.0, 0.0, 60);
        assert_eq!((errors, failed), (0, 0));
        // About 20 requests a second, with some application lines.
        assert!((1_000..1_400).contains(&requests), "{requests}");
        assert!(lines > requests + 100, "{lines}");
    }

    #[test]
    fn errors_follow_the_error_rate() {
        let (_, errors, failed, requests) = run(0.09, 1.0, 100);
        let rate = failed as f64 / requests as f64;
        assert!((0.06..0.12).contains(&rate), "{rate}");
        // Each failure: the 5xx access line and its ERROR line.
        assert_eq!(errors, 2 * failed);
    }

    #[test]
    fn lines_look_like_an_access_log_and_an_application_log() {
        let mut t = Traffic::new(1);
        let mut out = String::new();
        t.advance(
            Duration::from_secs(5),
            REQUESTS_PER_SEC,
            &moment(0.5, 1.0),
            &mut out,
        );
        let first = out.lines().next().unwrap();
        assert!(
            first.ends_with("Z INFO  [server] > terp@2.4.0 start"),
            "{first}"
        );
        let access = regex::Regex::new(
            r#"^10\.0\.0\.\d+ - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\] "(GET|POST|PATCH) /api/\S+ HTTP/1\.1" \d{3} \d+ "-" "[^"]+"$"#,
        )
        .unwrap();
        let app = regex::Regex::new(
            r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO |WARN |ERROR) \[[a-z]+\] ",
        )
        .unwrap();
        for line in out.lines() {
            assert!(access.is_match(line) || app.is_match(line), "{line}");
        }
        assert!(out.contains(" ERROR [") && out.contains(" WARN  [") && out.contains(" INFO  ["));
    }
}
