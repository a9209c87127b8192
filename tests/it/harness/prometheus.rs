//! A real Prometheus (`prometheus` on `PATH`, Debian's package) on
//! 127.0.0.1, scraping a test exporter every second, for the tests that
//! check the cockpit reads the fleet's numbers as Prometheus computes them.
//!
//! The exporter serves `http_requests_total{code}` counters and an
//! `http_request_duration_seconds` histogram that grow at the rates the
//! test sets, so the rates Prometheus reports are known in advance.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rollout_cockpit::domain::monitor::prometheus::Client;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::http::{read_request, response};

/// Histogram bucket bounds (seconds) and the share of requests that fall
/// at or under each: 50% ≤ 50 ms, 90% ≤ 100 ms, all ≤ 250 ms. Prometheus's
/// p95 is then 100 + (95 - 90) / (100 - 90) × 150 = 175 ms.
pub const BUCKETS: [(&str, f64); 6] = [
    ("0.05", 0.5),
    ("0.1", 0.9),
    ("0.25", 1.0),
    ("0.5", 1.0),
    ("1", 1.0),
    ("+Inf", 1.0),
];
pub const P95_MS: f64 = 175.0;

/// How long Prometheus may take to start and scrape.
const DEADLINE: Duration = Duration::from_secs(60);

#[derive(Debug)]
struct Traffic {
    /// Requests per second, and how many of them answer 500.
    rate: f64,
    errors: f64,
    total: f64,
    failed: f64,
    last: Instant,
}

impl Traffic {
    /// The counters now: they grow continuously, so a change of rate
    /// never makes them jump.
    fn advance(&mut self) {
        let now = Instant::now();
        let dt = (now - self.last).as_secs_f64();
        self.total += self.rate * dt;
        self.failed += self.errors * dt;
        self.last = now;
    }

    fn exposition(&self) -> String {
        let mut out = String::from(
            "# HELP http_requests_total Requests by status.\n# TYPE http_requests_total counter\n",
        );
        out += &format!(
            "http_requests_total{{code=\"200\"}} {}\nhttp_requests_total{{code=\"500\"}} {}\n",
            (self.total - self.failed).floor(),
            self.failed.floor()
        );
        out += "# HELP http_request_duration_seconds Request latency.\n# TYPE http_request_duration_seconds histogram\n";
        let n = self.total.floor();
        for (le, share) in BUCKETS {
            out += &format!(
                "http_request_duration_seconds_bucket{{le=\"{le}\"}} {}\n",
                (n * share).floor()
            );
        }
        out += &format!(
            "http_request_duration_seconds_sum {}\nhttp_request_duration_seconds_count {n}\n",
            n * 0.06
        );
        out
    }
}

/// The test exporter: `/metrics` on 127.0.0.1.
pub struct Exporter {
    pub addr: SocketAddr,
    traffic: Arc<Mutex<Traffic>>,
    task: JoinHandle<()>,
}

impl Exporter {
    /// `rate` requests a second, `errors` of them failing.
    pub async fn start(rate: f64, errors: f64) -> Exporter {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let traffic = Arc::new(Mutex::new(Traffic {
            rate,
            errors,
            // Not from zero: a counter's first scrape is no rate yet.
            total: 10_000.0,
            failed: 100.0,
            last: Instant::now(),
        }));
        let shared = traffic.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let traffic = shared.clone();
                tokio::spawn(async move {
                    read_request(&mut stream).await;
                    let body = {
                        let mut t = traffic.lock().unwrap();
                        t.advance();
                        t.exposition()
                    };
                    let answer = response("200 OK", "text/plain; version=0.0.4", &body);
                    let _ = stream.write_all(answer.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Exporter {
            addr,
            traffic,
            task,
        }
    }

    /// From now on, `rate` requests a second, `errors` of them failing.
    pub fn set(&self, rate: f64, errors: f64) {
        let mut t = self.traffic.lock().unwrap();
        t.advance();
        t.rate = rate;
        t.errors = errors;
    }

    /// Closes the port: Prometheus's next scrape fails.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A Prometheus server with its own data directory, killed on drop.
pub struct Prometheus {
    pub url: String,
    child: Child,
    dir: tempfile::TempDir,
}

impl Prometheus {
    /// Starts one scraping `target` every second and waits until it is
    /// ready and has scraped the target twice (a rate needs two samples).
    pub async fn start(target: SocketAddr) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
                 scrape_configs:\n  - job_name: exporter\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus is not on PATH (Debian: apt-get install prometheus)");
        let p = Prometheus {
            url: format!("http://127.0.0.1:{port}"),
            child,
            dir,
        };
        p.wait_ready().await;
        p.wait_scrapes(2).await;
        p
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    pub fn client(&self) -> Client {
        Client::new(&self.url, None, Duration::from_secs(2)).unwrap()
    }

    async fn wait_ready(&self) {
        let http = reqwest::Client::new();
        let until = Instant::now() + DEADLINE;
        let ready = format!("{}/-/ready", self.url);
        loop {
            if http
                .get(&ready)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            assert!(
                Instant::now() < until,
                "prometheus not ready within {DEADLINE:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls the API until `n` successful scrapes of the exporter are stored.
    pub async fn wait_scrapes(&self, n: usize) {
        let client = self.client();
        let until = Instant::now() + DEADLINE;
        loop {
            let scrapes = client
                .query(r#"sum_over_time(up{job="exporter"}[1m])"#)
                .await
                .ok()
                .and_then(|a| a.max())
                .unwrap_or(0.0);
            if scrapes >= n as f64 {
                return;
            }
            assert!(
                Instant::now() < until,
                "prometheus did not scrape {n} times within {DEADLINE:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
