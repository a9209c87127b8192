//! The Prometheus client against a stub on 127.0.0.1 that answers each
//! query as the test scripts: every error form of the API envelope, "no
//! data" answers, warnings, and a slow server (the worker keeps one round
//! in flight and skips ticks rather than piling up requests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::harness::http::{read_request, response, serve, url};
use rollout_cockpit::domain::monitor::Clock;
use rollout_cockpit::domain::monitor::prometheus::{self, Client, Overrides, Queries, QueryError};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

/// A stub that answers every request with `status` and `body`, and hands
/// the request line to the test.
async fn stub(
    status: &'static str,
    body: &'static str,
) -> (String, mpsc::UnboundedReceiver<String>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let addr = serve(move |mut s, _| {
        let tx = tx.clone();
        async move {
            let head = read_request(&mut s).await;
            let _ = tx.send(head);
            let _ = s
                .write_all(response(status, "application/json", body).as_bytes())
                .await;
            let _ = s.shutdown().await;
        }
    })
    .await;
    (url(addr, ""), rx)
}

fn client(base: &str, timeout_ms: u64) -> Client {
    Client::new(base, None, Duration::from_millis(timeout_ms)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_query_goes_to_the_api_url_encoded() {
    let (base, mut heads) = stub(
        "200 OK",
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1.5,"0.072"]}]}}"#,
    )
    .await;
    let a = client(&base, 2_000)
        .query(r#"sum(rate(http_requests_total{code=~"5.."}[1m]))"#)
        .await
        .unwrap();
    assert_eq!(a.max(), Some(0.072));
    let head = heads.recv().await.unwrap();
    let line = head.lines().next().unwrap();
    assert!(
        line.starts_with("GET /api/v1/query?query=sum%28rate%28http_requests_total%7Bcode%3D%7E%225..%22%7D%5B1m%5D%29%29 "),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_are_said_in_prometheus_s_words() {
    let cases = [
        (
            "400 Bad Request",
            r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:1: parse error: unexpected end of input"}"#,
            r#"HTTP 400 bad_data: invalid parameter "query": 1:1: parse error: unexpected end of input"#,
        ),
        (
            "422 Unprocessable Entity",
            r#"{"status":"error","errorType":"execution","error":"vector cannot contain metrics with the same labelset"}"#,
            "HTTP 422 execution: vector cannot contain metrics with the same labelset",
        ),
        (
            "503 Service Unavailable",
            r#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#,
            "HTTP 503 timeout: query timed out in expression evaluation",
        ),
    ];
    for (status, body, said) in cases {
        let (base, _) = stub(status, body).await;
        let e = client(&base, 2_000).query("up").await.unwrap_err();
        assert_eq!(e.to_string(), said);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nan_and_empty_results_are_no_data_and_warnings_are_kept() {
    let (nan, _) = stub(
        "200 OK",
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1.5,"NaN"]}]}}"#,
    )
    .await;
    let (empty, _) = stub(
        "200 OK",
        r#"{"status":"success","data":{"resultType":"vector","result":[]},"warnings":["no series matched"]}"#,
    )
    .await;
    let clock = Clock::start();
    let queries = Queries::new(None, &Overrides::default(), &[]);
    let r = client(&nan, 2_000).read(&queries, &clock).await;
    assert_eq!((r.error_rate, r.p95, r.throughput), (None, None, None));
    assert!(!r.has_data(), "NaN is no data, never 0");
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    let r = client(&empty, 2_000).read(&queries, &clock).await;
    assert!(!r.has_data());
    assert!(
        r.problems
            .contains(&"error rate: warning: no series matched".to_string()),
        "{:?}",
        r.problems
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_times_out_and_the_worker_skips_ticks() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (f, m) = (in_flight.clone(), most.clone());
    // Every request takes 400 ms, four ticks of the worker's 100 ms.
    let addr = serve(move |mut s, _| {
        let (f, m) = (f.clone(), m.clone());
        async move {
            read_request(&mut s).await;
            let now = f.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(400)).await;
            f.fetch_sub(1, Ordering::SeqCst);
            let body = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1.5,"1"]}]}}"#;
            let _ = s.write_all(response("200 OK", "application/json", body).as_bytes()).await;
            let _ = s.shutdown().await;
        }
    })
    .await;
    let base = url(addr, "");

    let started = Instant::now();
    let e = client(&base, 100).query("up").await.unwrap_err();
    assert_eq!(e, QueryError::Timeout(Duration::from_millis(100)));
    assert_eq!(e.to_string(), "no answer within 100ms");
    assert!(started.elapsed() < Duration::from_millis(350));
    // Let the abandoned request end before counting.
    while in_flight.load(Ordering::SeqCst) > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    most.store(0, Ordering::SeqCst);

    let (tx, mut rx) = mpsc::channel(16);
    let queries = Queries::new(None, &Overrides::default(), &[]);
    let worker = prometheus::spawn(
        client(&base, 2_000),
        queries,
        Duration::from_millis(100),
        Clock::start(),
        tx,
    );
    let mut stamps = Vec::new();
    for _ in 0..3 {
        let r = rx.recv().await.unwrap();
        assert_eq!(r.error_rate, Some(100.0));
        stamps.push(r.ts);
    }
    worker.abort();
    assert!(
        most.load(Ordering::SeqCst) <= 3,
        "one round (three queries) in flight at most, not {}",
        most.load(Ordering::SeqCst)
    );
    for pair in stamps.windows(2) {
        let gap = (pair[1] - pair[0]).num_milliseconds();
        // The next round waits for the grid point after the slow one: no
        // burst of the ticks it missed.
        assert!(gap >= 400, "rounds {gap} ms apart");
    }
}
