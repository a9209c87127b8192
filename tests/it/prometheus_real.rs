//! The cockpit's Prometheus source against a real Prometheus scraping a
//! test exporter every second: the figures are Prometheus's own, a step in
//! the 5xx counter fires a criterion, and a stopped exporter is "no data".
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::harness::prometheus::{Exporter, P95_MS, Prometheus};
use rollout_cockpit::domain::monitor::criteria::{Check, Engine, Kind, Limit, Settings, State};
use rollout_cockpit::domain::monitor::prometheus::{Overrides, Queries, Series};
use rollout_cockpit::domain::monitor::{Clock, Source};
use tokio::time::Instant;

const DEADLINE: Duration = Duration::from_secs(40);

/// Queries over 3 s instead of a minute, so a change shows within seconds.
fn short() -> Queries {
    let own = Overrides {
        error_rate: Some(
            r#"sum(rate(http_requests_total{code=~"5.."}[3s])) / sum(rate(http_requests_total[3s]))"#
                .into(),
        ),
        latency: Some(
            "histogram_quantile($quantile, sum by (le) (rate(http_request_duration_seconds_bucket[3s])))"
                .into(),
        ),
        throughput: Some("sum(rate(http_requests_total[3s]))".into()),
    };
    Queries::new(None, &own, &[])
}

fn close(got: Option<f64>, want: f64, within: f64) -> bool {
    got.is_some_and(|g| (g - want).abs() <= within)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    no_prometheus,
    ignore = "prometheus is not installed: apt-get install prometheus to run the Prometheus tests"
)]
async fn the_figures_are_what_the_exporter_served() {
    let exporter = Exporter::start(100.0, 2.0).await;
    let prom = Prometheus::start(exporter.addr).await;
    let client = prom.client();
    let queries = Queries::new(Some(r#"job="exporter""#), &Overrides::default(), &[]);
    let clock = Clock::start();
    let r = client.read(&queries, &clock).await;
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    // Both counters come from the same scrapes: their ratio is exact but
    // for the whole requests the exporter rounds down to.
    assert!(close(r.error_rate, 2.0, 0.1), "{r:?}");
    assert!(close(r.p95, P95_MS, 2.0), "{r:?}");
    // rate() divides by its whole range: until a minute of scrapes is
    // stored, a [1m] rate reads low. Over 3 s it is the exporter's rate.
    prom.wait_scrapes(4).await;
    let quick = client.read(&short(), &clock).await;
    assert!(close(quick.throughput, 100.0, 10.0), "{quick:?}");
    let mut series = Series::new(Duration::from_secs(60));
    series.push(r.clone());
    let stats = series.stats(r.ts);
    assert_eq!(stats.source, Source::Prometheus);
    assert_eq!((stats.error_rate, stats.p95), (r.error_rate, r.p95));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    no_prometheus,
    ignore = "prometheus is not installed: apt-get install prometheus to run the Prometheus tests"
)]
async fn a_step_in_the_5xx_counter_fires_the_criterion() {
    let exporter = Exporter::start(100.0, 1.0).await;
    let prom = Prometheus::start(exporter.addr).await;
    let client = prom.client();
    let queries = short();
    let clock = Clock::start();
    let check = Check {
        kind: Kind::ErrorRate,
        limit: Some(Limit::Above(10.0)),
        text: "Error rate > 10%".into(),
        line: None,
        hold: Some(Duration::from_secs(1)),
        percentile: None,
    };
    let mut engine = Engine::new(vec![check], Settings::default());
    let mut series = Series::new(Duration::from_secs(60));
    let judge = async |series: &mut Series, engine: &mut Engine| {
        let r = client.read(&queries, &clock).await;
        series.push(r);
        let now = clock.now();
        let state = engine.evaluate(&series.stats(now), None, now);
        tokio::time::sleep(Duration::from_millis(200)).await;
        state
    };
    let until = Instant::now() + DEADLINE;
    while judge(&mut series, &mut engine).await != State::Ok {
        assert!(Instant::now() < until, "{:?}", engine.verdicts);
    }
    assert!(
        engine.verdicts[0].text.contains("(prometheus)"),
        "{}",
        engine.verdicts[0].text
    );

    exporter.set(100.0, 30.0);
    while judge(&mut series, &mut engine).await != State::Firing {
        assert!(Instant::now() < until, "{:?}", engine.verdicts);
    }
    let v = &engine.verdicts[0];
    assert!(v.value.is_some_and(|e| e > 10.0), "{v:?}");
    assert!(
        v.text.starts_with("err ") && v.text.contains("% (prometheus)"),
        "{}",
        v.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    no_prometheus,
    ignore = "prometheus is not installed: apt-get install prometheus to run the Prometheus tests"
)]
async fn a_stopped_exporter_is_no_data_never_zero() {
    let exporter = Exporter::start(50.0, 0.0).await;
    let prom = Prometheus::start(exporter.addr).await;
    let client = prom.client();
    let queries = short();
    let clock = Clock::start();
    prom.wait_scrapes(4).await;
    let first = client.read(&queries, &clock).await;
    assert!(close(first.error_rate, 0.0, 1e-9), "{first:?}");
    assert!(close(first.throughput, 50.0, 10.0), "{first:?}");

    exporter.stop();
    let until = Instant::now() + DEADLINE;
    let gone = loop {
        let r = client.read(&queries, &clock).await;
        if !r.has_data() {
            break r;
        }
        let up = client.query("up").await;
        assert!(Instant::now() < until, "still {r:?}, up {up:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(
        (gone.error_rate, gone.p95, gone.throughput),
        (None, None, None)
    );
    let mut series = Series::new(Duration::from_secs(60));
    series.push(first);
    series.push(gone.clone());
    let mut engine = Engine::new(
        vec![Check {
            kind: Kind::ErrorRate,
            limit: Some(Limit::Above(5.0)),
            text: "Error rate > 5%".into(),
            line: None,
            hold: None,
            percentile: None,
        }],
        Settings::default(),
    );
    assert_eq!(
        engine.evaluate(&series.stats(gone.ts), None, gone.ts),
        State::NoData
    );
    assert!(
        engine.verdicts[0].text.contains("no data"),
        "{}",
        engine.verdicts[0].text
    );
}
