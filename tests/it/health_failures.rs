//! A broken health route must be able to fire: any final status outside
//! the accepted ones (2xx unless configured), a redirect loop, and a body
//! whose `status` says unhealthy are failures, each with its reason. Real
//! servers on 127.0.0.1, the real prober and the real `monitor` binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::harness::http::{fixed, read_request, response, serve, url};
use assert_cmd::cargo::cargo_bin;
use predicates::prelude::*;
use rollout_cockpit::domain::monitor::probe::AcceptStatus;
use rollout_cockpit::domain::monitor::{Clock, Outcome, ProbeConfig, ProbeSettings, Prober};
use tokio::io::AsyncWriteExt;

async fn probe(url: &str, accept: Option<&str>) -> Outcome {
    let settings = ProbeSettings {
        accept: accept.map_or_else(AcceptStatus::default, |a| AcceptStatus::parse(a).unwrap()),
        ..ProbeSettings::default()
    };
    Prober::new(&ProbeConfig::new(url), &settings)
        .unwrap()
        .probe(&Clock::start())
        .await
        .sample
        .outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_status_outside_2xx_fails_with_its_status() {
    for (status, code) in [
        ("404 Not Found", 404),
        ("401 Unauthorized", 401),
        ("429 Too Many Requests", 429),
        ("301 Moved Permanently", 301),
        ("100 Continue", 100),
        ("503 Service Unavailable", 503),
    ] {
        let addr = fixed(status, "text/plain", "no").await;
        let outcome = probe(&url(addr, "/health"), None).await;
        if code == 100 {
            // Not a final answer at all: never healthy.
            assert!(outcome.is_failure(), "{status}: {outcome:?}");
            continue;
        }
        assert_eq!(outcome, Outcome::HttpStatus(code), "{status}");
        assert!(outcome.is_failure(), "{status}");
        assert_eq!(outcome.label(), format!("HTTP {code}"));
    }
    let ok = fixed("204 No Content", "text/plain", "").await;
    assert_eq!(probe(&url(ok, "/"), None).await, Outcome::Ok);
}

/// `/a` sends to `/b`, `/b` back to `/a`; `/self` to itself; `/r/N` to
/// `/r/N-1` and `/r/0` answers.
async fn redirector() -> std::net::SocketAddr {
    serve(|mut s, _| async move {
        let req = read_request(&mut s).await;
        let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
        let to = match path.as_str() {
            "/a" => Some("/b".to_string()),
            "/b" => Some("/a".to_string()),
            "/self" => Some("/self".to_string()),
            p => match p.strip_prefix("/r/").and_then(|n| n.parse::<u32>().ok()) {
                Some(0) | None => None,
                Some(n) => Some(format!("/r/{}", n - 1)),
            },
        };
        let answer = match to {
            Some(to) => format!(
                "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            ),
            None => response("200 OK", "application/json", r#"{"status":"healthy"}"#),
        };
        let _ = s.write_all(answer.as_bytes()).await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loops_and_too_many_redirects_fail() {
    let addr = redirector().await;
    for path in ["/a", "/self"] {
        let outcome = probe(&url(addr, path), None).await;
        assert_eq!(outcome, Outcome::RedirectLoop, "{path}");
        assert!(outcome.is_failure());
        assert_eq!(outcome.label(), "redirect loop");
    }
    assert_eq!(probe(&url(addr, "/r/5"), None).await, Outcome::Ok);
    let six = probe(&url(addr, "/r/6"), None).await;
    assert_eq!(six, Outcome::HttpStatus(302));
    assert!(
        six.is_failure(),
        "the sixth redirect is not followed: a failure"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_says_unhealthy_fails() {
    for word in ["unhealthy", "error", "down", "DOWN"] {
        let body: &'static str = Box::leak(format!(r#"{{"status":"{word}"}}"#).into_boxed_str());
        let addr = fixed("200 OK", "application/json", body).await;
        let outcome = probe(&url(addr, "/health"), None).await;
        assert_eq!(outcome, Outcome::BodyUnhealthy, "{word}");
        assert_eq!(outcome.label(), "body says unhealthy");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_statuses_are_configurable() {
    let accepted = fixed("204 No Content", "text/plain", "").await;
    let other_2xx = fixed("202 Accepted", "text/plain", "").await;
    let not_found = fixed("404 Not Found", "text/plain", "").await;
    assert_eq!(
        probe(&url(accepted, "/"), Some("200,204")).await,
        Outcome::Ok
    );
    assert_eq!(
        probe(&url(other_2xx, "/"), Some("200,204")).await,
        Outcome::HttpStatus(202)
    );
    assert_eq!(
        probe(&url(not_found, "/"), Some("200-299,404")).await,
        Outcome::Ok
    );
}

/// End to end: `monitor` against a health route that answers 404 fires
/// (exit 3) instead of reporting a healthy service.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_fires_on_a_404_health_route() {
    let addr = fixed("404 Not Found", "text/plain", "no such route").await;
    let health = url(addr, "/health");
    tokio::task::spawn_blocking(move || {
        assert_cmd::Command::new(cargo_bin("rollout-cockpit"))
            .args([
                "monitor",
                "--json",
                "--interval",
                "100ms",
                "--for",
                "300ms",
                "--duration",
                "8s",
                "--baseline-error-rate",
                "0",
                "--baseline-latency-ms",
                "10",
                "--health",
                &health,
            ])
            .timeout(Duration::from_secs(20))
            .assert()
            .code(3)
            .stdout(predicate::str::contains("firing"));
    })
    .await
    .unwrap();
}

#[test]
fn a_bad_accept_status_is_exit_2_naming_the_flag() {
    for bad in ["99", "600", "abc", "299-200", ""] {
        assert_cmd::Command::new(cargo_bin("rollout-cockpit"))
            .args([
                "monitor",
                "--health",
                "http://127.0.0.1:9/",
                "--accept-status",
                bad,
            ])
            .timeout(Duration::from_secs(20))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--accept-status"));
    }
}

#[test]
fn a_bad_config_accept_status_is_exit_2_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cockpit.toml");
    std::fs::write(&config, "[health]\naccept_status = [200, 700]\n").unwrap();
    assert_cmd::Command::new(cargo_bin("rollout-cockpit"))
        .args(["run", "--no-health", "--config"])
        .arg(&config)
        .arg("--session-dir")
        .arg(dir.path().join("s"))
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("cockpit.toml")
                .and(predicate::str::contains("health.accept_status")),
        );
}
