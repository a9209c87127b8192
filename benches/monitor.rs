//! Budgets from issue 4: evaluating a 1-hour window at 1 Hz under 50 µs, and
//! a probe under 0.2 ms of CPU beyond waiting on the network; from issue 17:
//! one Prometheus query round trip under 1 ms of CPU.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::Criterion;
use rollout_cockpit::domain::monitor::criteria::{self, Engine, Settings};
use rollout_cockpit::domain::monitor::{
    Baseline, Clock, Outcome, ProbeConfig, ProbeSettings, Prober, RollingWindow, Sample,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn hour_window() -> (RollingWindow, DateTime<Utc>) {
    let t0 = Utc::now();
    let mut w = RollingWindow::new(Duration::from_secs(3600));
    for i in 0..3600u32 {
        // Deterministic spread of latencies, one failure in 50.
        let outcome = if i % 50 == 7 {
            Outcome::HttpStatus(503)
        } else {
            Outcome::Ok
        };
        w.push(&Sample {
            ts: t0 + TimeDelta::seconds(i64::from(i)),
            url: "http://127.0.0.1/health".into(),
            latency_ms: f64::from((i * 7919) % 400) + 3.5,
            outcome,
        });
    }
    (w, t0 + TimeDelta::seconds(3600))
}

fn bench_evaluate(c: &mut Criterion) {
    let (window, now) = hour_window();
    let settings = Settings::default();
    let mut engine = Engine::new(criteria::checks(&[], &settings), settings);
    let baseline = Baseline::given(0.5, 180.0, now);
    c.bench_function("evaluate 1h window at 1 Hz (3600 samples)", |b| {
        b.iter(|| {
            let stats = window.stats(black_box(now));
            black_box(engine.evaluate(&stats, Some(&baseline), now))
        })
    });
}

/// A raw HTTP server on its own thread and runtime, so that its CPU is not
/// charged to the prober's thread. `keep_alive`: answer every request of a
/// connection, as Prometheus does, rather than close after one.
fn server(content_type: &str, body: &str, keep_alive: bool) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n{body}",
        body.len()
    );
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 2048];
                    loop {
                        let mut seen = Vec::new();
                        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                            match s.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => seen.extend_from_slice(&buf[..n]),
                            }
                        }
                        if s.write_all(answer.as_bytes()).await.is_err() || !keep_alive {
                            return;
                        }
                    }
                });
            }
        });
    });
    addr
}

/// CPU time of the calling thread (Linux: /proc/thread-self/schedstat, ns).
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        s.split_whitespace().next()?.parse().ok()?,
    ))
}

const TERP_BODY: &str = r#"{"status":"healthy","checks":{"database":{"status":"ok","latency":4},"memory":{"percentage":60.5},"connectionPool":{"total":10,"free":7,"queued":0}}}"#;

fn bench_probe(c: &mut Criterion) {
    let addr = server("application/json", TERP_BODY, false);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let prober = Prober::new(
        &ProbeConfig::new(format!("http://{addr}/health")),
        &ProbeSettings::default(),
    )
    .unwrap();
    let clock = rt.block_on(async { Clock::start() });
    let mut group = c.benchmark_group("probe");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));
    group.bench_function("GET against 127.0.0.1 (new connection, TERP body)", |b| {
        b.iter(|| rt.block_on(prober.probe(&clock)))
    });
    group.finish();

    // CPU per probe: the prober's runtime is single-threaded, so all of its
    // work (hyper's connection task included) is on this thread.
    const N: u32 = 2000;
    for _ in 0..50 {
        rt.block_on(prober.probe(&clock));
    }
    let wall = std::time::Instant::now();
    let Some(before) = thread_cpu() else {
        eprintln!("probe CPU: /proc/thread-self/schedstat unavailable");
        return;
    };
    for _ in 0..N {
        let p = rt.block_on(prober.probe(&clock));
        assert_eq!(p.sample.outcome, Outcome::Ok);
    }
    let cpu = thread_cpu().unwrap() - before;
    println!(
        "probe CPU: {:.1} µs per probe over {N} probes ({:.1} µs wall each); budget 200 µs",
        cpu.as_secs_f64() * 1e6 / f64::from(N),
        wall.elapsed().as_secs_f64() * 1e6 / f64::from(N),
    );
}

/// Issue 17: the cockpit's CPU for one Prometheus query round trip on
/// loopback (request, envelope, value), budget 1 ms; and for a round of the
/// default three queries.
fn bench_prometheus() {
    use rollout_cockpit::domain::monitor::prometheus::{Client, Queries};
    let body = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"api"},"value":[1764543600.123,"0.0042"]}]}}"#;
    let addr = server("application/json", body, true);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = rt
        .block_on(async { Client::new(&format!("http://{addr}"), None, Duration::from_secs(2)) })
        .unwrap();
    let queries = Queries::new(None, &Default::default(), &[]);
    const N: u32 = 2000;
    for _ in 0..50 {
        rt.block_on(client.query(&queries.error_rate)).unwrap();
    }
    let Some(before) = thread_cpu() else {
        eprintln!("prometheus CPU: /proc/thread-self/schedstat unavailable");
        return;
    };
    for _ in 0..N {
        let a = rt.block_on(client.query(&queries.error_rate)).unwrap();
        assert_eq!(a.max(), Some(0.0042));
    }
    let per_query = (thread_cpu().unwrap() - before).as_secs_f64() * 1e6 / f64::from(N);
    let before = thread_cpu().unwrap();
    let clock = rt.block_on(async { Clock::start() });
    for _ in 0..N / 4 {
        let r = rt.block_on(client.read(&queries, &clock));
        assert!(r.has_data());
    }
    let per_round = (thread_cpu().unwrap() - before).as_secs_f64() * 1e6 / f64::from(N / 4);
    println!(
        "prometheus CPU: {per_query:.1} µs per query round trip over {N} (budget 1000 µs); \
         {per_round:.1} µs per round of {} queries",
        2 + queries.latency.len()
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_evaluate(&mut c);
    bench_probe(&mut c);
    bench_prometheus();
    c.final_summary();
}
