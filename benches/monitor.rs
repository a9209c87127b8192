//! Budgets from issue 4: evaluating a 1-hour window at 1 Hz under 50 µs, and
//! a probe under 0.2 ms of CPU beyond waiting on the network.
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
/// charged to the prober's thread.
fn server() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let body = r#"{"status":"healthy","checks":{"database":{"status":"ok","latency":4},"memory":{"percentage":60.5},"connectionPool":{"total":10,"free":7,"queued":0}}}"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 2048];
                    let mut seen = Vec::new();
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = s.write_all(answer.as_bytes()).await;
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

fn bench_probe(c: &mut Criterion) {
    let addr = server();
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

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_evaluate(&mut c);
    bench_probe(&mut c);
    c.final_summary();
}
