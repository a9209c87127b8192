//! Probe faults against real servers on 127.0.0.1: every way a health
//! endpoint can misbehave must end as an outcome, quickly, never a crash or
//! a stalled worker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::harness::http::{fixed, read_request, response, serve, url};
use rollout_cockpit::domain::monitor::probe::{self, BODY_LIMIT, HeaderSource, Probe};
use rollout_cockpit::domain::monitor::{Clock, Outcome, ProbeConfig, ProbeSettings, Prober};
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, oneshot};

fn prober(url: &str, timeout_ms: u64) -> Prober {
    let settings = ProbeSettings {
        timeout: Duration::from_millis(timeout_ms),
        ..ProbeSettings::default()
    };
    Prober::new(&ProbeConfig::new(url), &settings).unwrap()
}

async fn probe_once(url: &str) -> Probe {
    prober(url, 2_000).probe(&Clock::start()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused_says_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let started = Instant::now();
    let p = probe_once(&url(addr, "/health")).await;
    assert_eq!(p.sample.outcome, Outcome::Refused);
    assert!(p.sample.outcome.is_failure());
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_mid_response_says_reset() {
    let addr = serve(|mut s, _| async move {
        read_request(&mut s).await;
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"status\":";
        s.write_all(head.as_bytes()).await.unwrap();
        s.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        // SO_LINGER 0: the close sends RST, not FIN.
        s.set_zero_linger().unwrap();
        drop(s);
    })
    .await;
    let p = probe_once(&url(addr, "/health")).await;
    assert_eq!(p.sample.outcome, Outcome::Reset);
    assert!(p.sample.latency_ms < 1_000.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_unhealthy_bodies_are_failures() {
    let cases = [
        (fixed("500 Internal Server Error", "text/plain", "boom").await, Outcome::HttpStatus(500)),
        (fixed("503 Service Unavailable", "application/json", r#"{"status":"unhealthy"}"#).await, Outcome::HttpStatus(503)),
        (fixed("200 OK", "application/json", r#"{"status":"unhealthy","checks":{"database":{"status":"error","error":"ECONNREFUSED"}}}"#).await, Outcome::BodyUnhealthy),
        (fixed("200 OK", "application/json", r#"{"status": "healthy", "checks": {"#).await, Outcome::InvalidBody),
    ];
    for (addr, expected) in cases {
        let p = probe_once(&url(addr, "/health")).await;
        assert_eq!(p.sample.outcome, expected);
        assert!(p.sample.outcome.is_failure(), "{expected:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_and_degraded_answers_are_ok_with_details() {
    let body = r#"{"status":"degraded","checks":{"database":{"status":"ok","latency":4},"memory":{"percentage":81.5},"connectionPool":{"total":10,"free":1,"queued":2}}}"#;
    let p = probe_once(&url(
        fixed("200 OK", "application/json", body).await,
        "/health",
    ))
    .await;
    assert_eq!(p.sample.outcome, Outcome::Ok);
    let d = p.details.unwrap();
    assert_eq!(d.memory_percent, Some(81.5));
    assert_eq!(d.pool.unwrap().queued, Some(2));
    let plain = probe_once(&url(fixed("200 OK", "text/plain", "OK").await, "/")).await;
    assert_eq!(plain.sample.outcome, Outcome::Ok);
    assert_eq!(plain.details, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mb_body_is_cut_at_64_kib() {
    const SIZE: usize = 50 * 1024 * 1024;
    let (tx, rx) = oneshot::channel();
    let tx = Arc::new(std::sync::Mutex::new(Some(tx)));
    let addr = serve(move |mut s, _| {
        let tx = tx.clone();
        async move {
            read_request(&mut s).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {SIZE}\r\n\r\n"
            );
            s.write_all(head.as_bytes()).await.unwrap();
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 0;
            while sent < SIZE {
                match s.write_all(&chunk).await {
                    Ok(()) => sent += chunk.len(),
                    Err(_) => break,
                }
            }
            if let Some(tx) = tx.lock().unwrap().take() {
                let _ = tx.send(sent);
            }
        }
    })
    .await;
    let started = Instant::now();
    let p = probe_once(&url(addr, "/big")).await;
    assert_eq!(p.sample.outcome, Outcome::Ok);
    assert_eq!(p.body_bytes, BODY_LIMIT);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // The client hung up: the server could only fill the socket buffers.
    let sent = tokio::time::timeout(Duration::from_secs(5), rx)
        .await
        .unwrap()
        .unwrap();
    assert!(sent < SIZE / 4, "server sent {sent} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_answers_are_measured_to_the_millisecond() {
    // The server reports how long it really held each request (tokio's
    // timer rounds sleeps up to the next millisecond).
    let (tx, mut rx) = mpsc::unbounded_channel::<Duration>();
    let addr = serve(move |mut s, _| {
        let tx = tx.clone();
        async move {
            let req = read_request(&mut s).await;
            let held = Instant::now();
            let ms: u64 = req
                .split_whitespace()
                .nth(1)
                .unwrap()
                .trim_start_matches("/slow/")
                .parse()
                .unwrap();
            tokio::time::sleep(Duration::from_millis(ms)).await;
            s.write_all(response("200 OK", "text/plain", "OK").as_bytes())
                .await
                .unwrap();
            tx.send(held.elapsed()).unwrap();
        }
    })
    .await;
    let prober = prober(&url(addr, "/slow/1"), 2_000);
    // The process's first HTTP request pays one-time set-up (lazy statics,
    // page faults) of a few ms that no later probe pays.
    prober.probe(&Clock::start()).await;
    rx.recv().await.unwrap();
    for delay in [30, 120, 250] {
        let prober = self::prober(&url(addr, &format!("/slow/{delay}")), 2_000);
        // Best of three: on a shared 2-vCPU machine a single wall-clock
        // reading can carry milliseconds of scheduler wake-up noise; the best
        // one shows what the measurement itself adds, and no reading may
        // ever be below what the server really took.
        let mut extras = vec![];
        for _ in 0..3 {
            let p = prober.probe(&Clock::start()).await;
            let server_ms = rx.recv().await.unwrap().as_secs_f64() * 1000.0;
            assert_eq!(p.sample.outcome, Outcome::Ok);
            extras.push(p.sample.latency_ms - server_ms);
        }
        let best = extras.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(extras.iter().all(|&e| e >= 0.0), "{delay} ms: {extras:?}");
        // What a user would notice is a figure off by a unit or by the
        // connection set-up, not the few ms a busy 2-core VM adds to a wake-up
        // (2-8 ms seen under load): the budget lives in the benchmarks.
        assert!(
            best < 20.0,
            "{delay} ms: measured minus server time {extras:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_followed_up_to_five() {
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    let addr = serve(move |mut s, _| {
        let seen = seen.clone();
        async move {
            let req = read_request(&mut s).await;
            seen.fetch_add(1, Ordering::SeqCst);
            // `/r/N` redirects to `/r/N-1`; `/r/0` answers.
            let n: u32 = req.split_whitespace().nth(1).unwrap().trim_start_matches("/r/").parse().unwrap();
            let answer = if n == 0 {
                response("200 OK", "application/json", r#"{"status":"healthy"}"#)
            } else {
                format!("HTTP/1.1 302 Found\r\nLocation: /r/{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", n - 1)
            };
            let _ = s.write_all(answer.as_bytes()).await;
        }
    })
    .await;
    let p = probe_once(&url(addr, "/r/5")).await;
    assert_eq!(p.sample.outcome, Outcome::Ok);
    assert_eq!(requests.swap(0, Ordering::SeqCst), 6);
    let p = probe_once(&url(addr, "/r/6")).await;
    assert_eq!(
        p.sample.outcome,
        Outcome::HttpStatus(302),
        "the sixth redirect is not followed"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_does_not_resolve_fails_fast() {
    let started = Instant::now();
    let p = probe_once("http://health.rollout-cockpit.invalid/health").await;
    assert_eq!(p.sample.outcome, Outcome::Dns);
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_headers_are_sent() {
    let (tx, rx) = oneshot::channel();
    let tx = Arc::new(std::sync::Mutex::new(Some(tx)));
    let addr = serve(move |mut s, _| {
        let tx = tx.clone();
        async move {
            let req = read_request(&mut s).await;
            let _ = s
                .write_all(response("200 OK", "text/plain", "OK").as_bytes())
                .await;
            if let Some(tx) = tx.lock().unwrap().take() {
                let _ = tx.send(req);
            }
        }
    })
    .await;
    let mut config = ProbeConfig::new(url(addr, "/health"));
    config
        .headers
        .push(("X-Home".into(), HeaderSource::parse("env:HOME")));
    let p = Prober::new(&config, &ProbeSettings::default()).unwrap();
    assert_eq!(p.probe(&Clock::start()).await.sample.outcome, Outcome::Ok);
    let req = rx.await.unwrap().to_ascii_lowercase();
    let home = std::env::var("HOME").unwrap().to_ascii_lowercase();
    assert!(req.contains(&format!("x-home: {home}\r\n")), "{req}");
}

/// The worker against a server that hangs on its first connection and
/// answers afterwards: a timeout, then probes back on the interval grid,
/// no burst of catch-up probes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_server_times_out_and_the_schedule_holds() {
    let addr = serve(|mut s, n| async move {
        read_request(&mut s).await;
        if n == 0 {
            // Accept, then never answer.
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        let _ = s
            .write_all(response("200 OK", "text/plain", "OK").as_bytes())
            .await;
    })
    .await;
    let (tx, mut rx) = mpsc::channel(16);
    let interval = Duration::from_millis(100);
    let worker = probe::spawn(
        prober(&url(addr, "/health"), 250),
        interval,
        Clock::start(),
        tx,
    );
    let mut samples = vec![];
    for _ in 0..4 {
        samples.push(
            tokio::time::timeout(Duration::from_secs(2), rx.recv())
                .await
                .unwrap()
                .unwrap()
                .sample,
        );
    }
    worker.abort();
    assert_eq!(samples[0].outcome, Outcome::Timeout);
    assert!(
        (250.0..350.0).contains(&samples[0].latency_ms),
        "{}",
        samples[0].latency_ms
    );
    assert!(samples[1..].iter().all(|s| s.outcome == Outcome::Ok));
    let gaps: Vec<i64> = samples
        .windows(2)
        .map(|w| (w[1].ts - w[0].ts).num_milliseconds())
        .collect();
    // Ticks at 100 and 200 ms were missed during the hang and skipped: the
    // next probe starts on the grid at 300 ms, then every 100 ms.
    assert!((295..=310).contains(&gaps[0]), "{gaps:?}");
    assert!(gaps[1..].iter().all(|g| (95..=110).contains(g)), "{gaps:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_keeps_probing_a_dead_endpoint() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let (tx, mut rx) = mpsc::channel(16);
    let worker = probe::spawn(
        prober(&url(addr, "/"), 250),
        Duration::from_millis(50),
        Clock::start(),
        tx,
    );
    for _ in 0..5 {
        let p = tokio::time::timeout(Duration::from_secs(1), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.sample.outcome, Outcome::Refused);
    }
    worker.abort();
}
