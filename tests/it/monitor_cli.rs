//! `rollout-cockpit monitor` as a CI gate: the real binary against a real
//! server on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::http::{fixed, read_request, response, serve, url};
use assert_cmd::cargo::cargo_bin;
use predicates::prelude::*;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

fn monitor() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(cargo_bin("rollout-cockpit"));
    cmd.arg("monitor").timeout(Duration::from_secs(20));
    cmd
}

const HEALTHY: &str = r#"{"status":"healthy","checks":{"database":{"status":"ok","latency":3}}}"#;

/// Healthy for 6 s after the first probe, then 3 requests in every 10 fail
/// (the first three in a row). Returns the address and the moment of the
/// switch.
async fn degrading_server() -> (std::net::SocketAddr, Arc<Mutex<Option<Instant>>>) {
    let first: Arc<Mutex<Option<Instant>>> = Arc::default();
    let switch = Arc::new(Mutex::new(None));
    let after = Arc::new(AtomicUsize::new(0));
    let (f, s) = (first.clone(), switch.clone());
    let addr = serve(move |mut stream, _| {
        let (first, switch, after) = (f.clone(), s.clone(), after.clone());
        async move {
            read_request(&mut stream).await;
            let now = Instant::now();
            let start = *first.lock().unwrap().get_or_insert(now);
            let switch_at = start + Duration::from_secs(6);
            *switch.lock().unwrap() = Some(switch_at);
            let fail = now >= switch_at && after.fetch_add(1, Ordering::SeqCst) % 10 < 3;
            let answer = if fail {
                response("500 Internal Server Error", "text/plain", "boom")
            } else {
                response("200 OK", "application/json", HEALTHY)
            };
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    })
    .await;
    (addr, switch)
}

/// Three failures never fire (stray ones happen), so the first firing line
/// comes with the evidence: the 6th failure of the step, 12 probes in, is
/// unlikely enough at the 25-probe clean baseline's floored rate (p < 0.01),
/// then the hold: 3.5 s after the switch when measured; 4 probes of slack.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fires_once_the_step_is_significant_plus_for() {
    let (addr, switch) = degrading_server().await;
    let mut child = Command::new(cargo_bin("rollout-cockpit"))
        .args([
            "monitor",
            "--json",
            "--interval",
            "200ms",
            "--for",
            "1s",
            "--baseline-for",
            "5s",
        ])
        .args(["--duration", "18s", "--health", &url(addr, "/health")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // Lines with their arrival time, read as they come.
    let lines = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map(|l| (Instant::now(), l.unwrap()))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(3), "stderr: {stderr}");
    assert!(
        stderr.contains("rollback criterion fired: err "),
        "{stderr}"
    );

    let switch = switch.lock().unwrap().unwrap();
    let parsed: Vec<(Instant, Value)> = lines
        .iter()
        .map(|(t, l)| (*t, serde_json::from_str(l).unwrap()))
        .collect();
    let (fired_at, last) = parsed.last().unwrap();
    assert_eq!(last["verdict"], "firing");
    let firing: Vec<_> = parsed
        .iter()
        .filter(|(_, v)| v["verdict"] == "firing")
        .collect();
    assert_eq!(firing.len(), 1, "exits at the first firing line");
    let criterion = last["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] == "firing")
        .unwrap();
    assert_eq!(criterion["kind"], "error_rate");
    assert!(criterion["value"].as_f64().unwrap() > criterion["limit"].as_f64().unwrap());
    // The evidence: `p_value` below the 1% significance, in the text too.
    let p = criterion["p_value"].as_f64().unwrap();
    assert!(p < 0.01, "{criterion}");
    assert!(
        criterion["text"].as_str().unwrap().contains(", p"),
        "{criterion}"
    );
    let delay = fired_at.duration_since(switch);
    assert!(
        *fired_at > switch && delay <= Duration::from_millis((12 + 4) * 200 + 1000),
        "first firing line {delay:?} after the switch"
    );
    // Before the switch: baseline pinned from healthy samples, nothing fired.
    let before: Vec<_> = parsed.iter().filter(|(t, _)| *t < switch).collect();
    assert!(
        before
            .iter()
            .all(|(_, v)| v["verdict"] != "firing" && v["verdict"] != "pending")
    );
    let (_, at_switch) = before.last().unwrap();
    // Only the relative error-rate rule carries a p-value.
    for c in at_switch["criteria"].as_array().unwrap() {
        assert_eq!(c["kind"] == "error_rate", c.get("p_value").is_some(), "{c}");
    }
    assert_eq!(at_switch["baseline"]["error_rate"], 0.0);
    assert!(at_switch["samples"].as_u64().unwrap() >= 10);
    // The documented shape.
    for key in [
        "ts",
        "samples",
        "error_rate",
        "latency_ms",
        "baseline",
        "criteria",
        "verdict",
    ] {
        assert!(last.get(key).is_some(), "{key} missing in {last}");
    }
    assert!(chrono::DateTime::parse_from_rfc3339(last["ts"].as_str().unwrap()).is_ok());
    assert!(last["latency_ms"]["p95"].is_number());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_run_ends_with_duration_and_exit_0() {
    let addr = fixed("200 OK", "application/json", HEALTHY).await;
    let health = url(addr, "/health");
    let out = tokio::task::spawn_blocking(move || {
        monitor()
            .args([
                "--json",
                "--interval",
                "100ms",
                "--duration",
                "1s",
                "--baseline-for",
                "300ms",
            ])
            .args(["--health", &health])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone()
    })
    .await
    .unwrap();
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        (8..=11).contains(&lines.len()),
        "one line per interval: {}",
        lines.len()
    );
    assert!(lines.iter().all(|v| v["verdict"] != "firing"));
    assert_eq!(lines.last().unwrap()["verdict"], "ok");
    assert_eq!(lines[0]["baseline"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn human_lines_without_json() {
    let addr = fixed("200 OK", "text/plain", "OK").await;
    let health = url(addr, "/");
    tokio::task::spawn_blocking(move || {
        monitor()
            .args([
                "--interval",
                "100ms",
                "--duration",
                "500ms",
                "--health",
                &health,
            ])
            .assert()
            // Half a second never reaches a baseline: nothing relative was
            // judged, so neither pass nor fail.
            .code(4)
            .stdout(
                predicate::str::contains("COLLECTING").and(predicate::str::contains("err 0.0%")),
            )
            .stderr(
                predicate::str::contains("probing http://127.0.0.1")
                    .and(predicate::str::contains("inconclusive: no baseline")),
            );
    })
    .await
    .unwrap();
}

#[test]
fn bad_urls_are_refused_up_front_naming_them() {
    for (url, why) in [
        ("ftp://example.com/health", "scheme"),
        ("localhost:8080/health", "localhost:8080/health"),
        ("http://", "http://"),
        ("not a url", "not a url"),
    ] {
        monitor()
            .args(["--health", "http://127.0.0.1:9/ok", "--health", url])
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(format!("--health {url}"))
                    .and(predicate::str::contains(why)),
            );
    }
}

#[test]
fn bad_flags_exit_2_naming_the_flag() {
    for (args, flag) in [
        (&["--interval", "soon"][..], "--interval"),
        (&["--for", "0s"][..], "--for"),
        (&["--latency-increase=-5"][..], "--latency-increase"),
        (
            &["--error-rate-increase", "150"][..],
            "--error-rate-increase",
        ),
        (&["--baseline-error-rate", "1"][..], "--baseline-latency-ms"),
        (&["--bogus"][..], "--bogus"),
        (&["--significance", "0"][..], "--significance"),
        (&["--significance", "0.7"][..], "--significance"),
        (&["--baseline-max-error", "0"][..], "--baseline-max-error"),
        (&["--baseline-max-error", "101"][..], "--baseline-max-error"),
    ] {
        monitor()
            .args(["--health", "http://127.0.0.1:9/"])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(flag));
    }
}

#[test]
fn urls_come_from_health_or_the_runbook() {
    monitor()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--health URL"));
    monitor()
        .args(["--runbook", "tests/fixtures/monitor-no-health.md"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "monitor-no-health.md names no health URL",
        ));
    monitor()
        .args([
            "--runbook",
            "tests/fixtures/no-such-runbook.md",
            "--health",
            "http://127.0.0.1:9/",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-runbook.md: no such file"));
}

#[test]
fn help_explains_every_flag() {
    let out = monitor()
        .arg("--help")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(out).unwrap();
    for flag in [
        "--health",
        "--runbook",
        "--interval",
        "--timeout",
        "--window",
        "--baseline-for",
        "--baseline-error-rate",
        "--baseline-latency-ms",
        "--error-rate-increase",
        "--latency-increase",
        "--latency-floor-ms",
        "--for",
        "--duration",
        "--insecure",
        "--json",
        "--significance",
        "--baseline-max-error",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    assert!(help.contains("Exit codes"));
}

#[test]
fn a_password_in_a_url_is_never_printed() {
    let out = monitor()
        .args([
            "--health",
            "http://deploy:hunter2@127.0.0.1:9/health",
            "--interval",
            "100ms",
        ])
        .args([
            "--duration",
            "300ms",
            "--baseline-error-rate",
            "0",
            "--baseline-latency-ms",
            "5",
        ])
        .assert()
        .get_output()
        .clone();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("deploy:••••@127.0.0.1:9"), "{all}");
    assert!(!all.contains("hunter2"), "{all}");
}

/// A service that is down from the start never gives a baseline: `monitor`
/// says so and exits 4 (inconclusive), never 0 with a 100% "normal".
#[test]
fn a_service_down_from_the_start_is_inconclusive_not_ok() {
    // Nothing listens on this port: every probe is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let health = format!("http://127.0.0.1:{port}/health");
    monitor()
        .args([
            "--json",
            "--interval",
            "50ms",
            "--baseline-for",
            "100ms",
            "--duration",
            "1500ms",
            "--health",
            &health,
        ])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("\"verdict\":\"ok\"").not())
        .stdout(predicate::str::contains("\"verdict\":\"inconclusive\""))
        .stderr(
            predicate::str::contains("inconclusive")
                .and(predicate::str::contains("never healthy (err 100.0%")),
        );
}

/// Negative numbers and durations are refused naming the flag (clap took
/// `-3` for an unknown option before).
#[test]
fn negative_values_are_refused_naming_the_flag() {
    for (args, flag) in [
        (
            &["--interval", "-1s"][..],
            "'--interval <D>': -1s is negative",
        ),
        (&["--for", "-5s"][..], "'--for <D>': -5s is negative"),
        (
            &["--error-rate-increase", "-3"][..],
            "'--error-rate-increase <POINTS>': -3 must be a number of at least 0",
        ),
        (
            &["--latency-increase", "-50"][..],
            "'--latency-increase <PERCENT>': -50 must be a number of at least 0",
        ),
    ] {
        monitor()
            .args(["--health", "http://127.0.0.1:9/health"])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(flag));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_interval_and_a_short_window_warn() {
    let addr = fixed("200 OK", "application/json", HEALTHY).await;
    let out = tokio::task::spawn_blocking(move || {
        monitor()
            .args(["--health", &url(addr, "/health")])
            .args([
                "--interval",
                "50ms",
                "--window",
                "200ms",
                "--duration",
                "300ms",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: --interval 50ms is below 100ms"),
        "{err}"
    );
    assert!(
        err.contains("warning: --window 200ms holds fewer than 5 probes at --interval 50ms"),
        "{err}"
    );
}

/// `monitor --config` reads the file `run` reads: the `[[probe]]` URL and
/// its header from `env:NAME` (a token the server checks, never printed),
/// and a bad key is exit 2 naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_gives_probes_and_their_headers() {
    const TOKEN: &str = "s3cret-health-token";
    let addr = serve(|mut s, _| async move {
        let head = read_request(&mut s).await;
        let ok = head
            .lines()
            .any(|l| l.eq_ignore_ascii_case(&format!("authorization: Bearer {TOKEN}")));
        let reply = if ok {
            response("200 OK", "application/json", HEALTHY)
        } else {
            response("401 Unauthorized", "text/plain", "no")
        };
        let _ = s.write_all(reply.as_bytes()).await;
        let _ = s.shutdown().await;
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cockpit.toml");
    std::fs::write(
        &config,
        format!(
            "[[probe]]\nurl = \"{}\"\nheaders = {{ Authorization = \"env:HEALTH_TOKEN\" }}\n",
            url(addr, "/health")
        ),
    )
    .unwrap();
    let config_s = config.display().to_string();
    let out = tokio::task::spawn_blocking(move || {
        monitor()
            .args(["--json", "--interval", "100ms", "--duration", "1s"])
            .args(["--baseline-for", "300ms", "--config", &config_s])
            .env("HEALTH_TOKEN", format!("Bearer {TOKEN}"))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}\n{stdout}");
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["error_rate"], 0.0, "the token reached the server");
    assert_eq!(last["verdict"], "ok");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    // A bad key in the same file: exit 2, the file and the key named.
    std::fs::write(
        &config,
        "[[probe]]\nurl = \"http://127.0.0.1:9/\"\nheader = {}\n",
    )
    .unwrap();
    let config_s = config.display().to_string();
    let out = tokio::task::spawn_blocking(move || {
        monitor()
            .args(["--duration", "1s", "--config", &config_s])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cockpit.toml") && err.contains("header"),
        "{err}"
    );
}

/// A service whose normal is 3 failures in 10: over the default 20% sanity
/// limit its baseline is never pinned (inconclusive, exit 4); a team that
/// knows this service says `--baseline-max-error 50` and gets a baseline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_baseline_sanity_limit_is_the_operators_to_set() {
    let count = Arc::new(AtomicUsize::new(0));
    let addr = serve(move |mut stream, _| {
        let count = count.clone();
        async move {
            read_request(&mut stream).await;
            let answer = if count.fetch_add(1, Ordering::SeqCst) % 10 < 3 {
                response("500 Internal Server Error", "text/plain", "boom")
            } else {
                response("200 OK", "application/json", HEALTHY)
            };
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    })
    .await;
    let health = url(addr, "/health");
    let run = |extra: &'static [&'static str]| {
        let health = health.clone();
        tokio::task::spawn_blocking(move || {
            monitor()
                .args(["--json", "--interval", "50ms", "--baseline-for", "700ms"])
                .args(["--duration", "1500ms", "--health", &health])
                .args(extra)
                .output()
                .unwrap()
        })
    };
    let strict = run(&[]).await.unwrap();
    assert_eq!(strict.status.code(), Some(4), "{strict:?}");
    assert!(
        String::from_utf8_lossy(&strict.stderr).contains("(above 20%)"),
        "{strict:?}"
    );
    let lenient = run(&["--baseline-max-error", "50"]).await.unwrap();
    assert_eq!(lenient.status.code(), Some(0), "{lenient:?}");
    let stdout = String::from_utf8(lenient.stdout).unwrap();
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let base = last["baseline"]["error_rate"].as_f64().expect("pinned");
    assert!((20.0..=50.0).contains(&base), "{last}");
}
