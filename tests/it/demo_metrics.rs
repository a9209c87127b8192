//! The simulated service's `/metrics` as a real Prometheus scrapes it every
//! second and the cockpit reads it with its default queries: the figures
//! are the simulation's, and a bad deploy raises the error rate read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::harness::prometheus::Prometheus;
use rollout_cockpit::demo::service::NEW_VERSION;
use rollout_cockpit::demo::{Scenario, ScenarioConfig, Service};
use rollout_cockpit::domain::monitor::Clock;
use rollout_cockpit::domain::monitor::prometheus::{Client, Overrides, Queries};
use tokio::time::Instant;

/// Simulated user requests a second: 50 times the demo's, so that a few
/// seconds of traffic hold thousands of requests and the shares read are
/// the simulation's, not chance.
const RATE: f64 = 1000.0;
/// The degradation's ramp takes 15 s / SPEED.
const SPEED: f64 = 15.0;
const DEADLINE: Duration = Duration::from_secs(40);

async fn scrapes(client: &Client) -> f64 {
    client
        .query(r#"sum_over_time(up{job="exporter"}[1m])"#)
        .await
        .ok()
        .and_then(|a| a.max())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_speak_prometheus_text() {
    let (addr, _service) =
        Service::spawn(ScenarioConfig::new(Scenario::Degrade, 1.0, "t")).unwrap();
    let http = reqwest::Client::new();
    let r = http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let kind = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    let text = r.text().await.unwrap();
    for want in [
        "# TYPE http_requests_total counter\n",
        "http_requests_total{code=\"503\"} ",
        "# TYPE http_request_duration_seconds histogram\n",
        "http_request_duration_seconds_bucket{le=\"+Inf\"} ",
        "http_request_duration_seconds_count ",
    ] {
        assert!(text.contains(want), "{want:?} missing from\n{text}");
    }
    let post = http
        .post(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    no_prometheus,
    ignore = "prometheus is not installed: apt-get install prometheus to run the Prometheus tests"
)]
async fn prometheus_reads_the_demo_as_the_simulation_served_it() {
    let mut config = ScenarioConfig::new(Scenario::Degrade, SPEED, "t");
    config.requests_per_sec = RATE;
    let (addr, service) = Service::spawn(config).unwrap();
    let prom = Prometheus::start(addr).await;
    let client = prom.client();
    let queries = Queries::new(None, &Overrides::default(), &[]);
    let clock = Clock::start();
    prom.wait_scrapes(6).await;

    let before = scrapes(&client).await;
    let base = client.read(&queries, &clock).await;
    let after = scrapes(&client).await;
    assert!(base.problems.is_empty(), "{:?}", base.problems);
    let served = service.snapshot();
    assert_eq!(served.degradation, 0.0);
    // Percent: the share of a few thousand requests failing at 0.3%.
    let err = base.error_rate.unwrap();
    assert!((err - served.error_rate * 100.0).abs() < 0.4, "{base:?}");
    // Healthy requests take 25-60 ms: the true p95 is 58 ms, and
    // Prometheus interpolates within the 50-60 ms bucket.
    let p95 = base.p95.unwrap();
    assert!((50.0..=60.0).contains(&p95), "{base:?}");
    // A [1m] rate divides by the whole minute: with n scrapes a second
    // apart stored, Prometheus extrapolates over n - 0.5 to n + 0.6 s of them.
    let per_minute = base.throughput.unwrap() * 60.0;
    let (low, high) = (RATE * (before - 0.5) * 0.9, RATE * (after + 0.6) * 1.1);
    assert!(
        (low..=high).contains(&per_minute),
        "{base:?}: {per_minute} requests over {before}-{after} scrapes"
    );

    service.switch_version(NEW_VERSION);
    let until = Instant::now() + DEADLINE;
    let bad = loop {
        let r = client.read(&queries, &clock).await;
        if r.error_rate.is_some_and(|e| e > err + 3.0) {
            break r;
        }
        assert!(Instant::now() < until, "still {r:?} after the deploy");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!((service.snapshot().degradation - 1.0).abs() < 1e-9);
    // The minute's window still holds the good version's requests: the
    // read climbs towards the simulation's 9% and never past it.
    assert!(bad.error_rate.unwrap() < 9.0 + 1.0, "{bad:?}");
    assert!(bad.p95.unwrap() > 60.0, "{bad:?}");
}
