//! Why a probe failed, as the deployer reads it: refused, reset, DNS, TLS,
//! timeout, an HTTP status and an unhealthy body, each from a real fault on
//! 127.0.0.1 (or a `.invalid` name, which the prober never sends to a DNS
//! server), in the real prober, in `monitor`'s lines, and in the cockpit's
//! journal and screen.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

use crate::harness::http::{fixed, read_request, response, serve, url};
use crate::harness::tmux;
use assert_cmd::cargo::cargo_bin;
use rollout_cockpit::domain::monitor::{Clock, Outcome, ProbeConfig, ProbeSettings, Prober};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Short enough that a hanging server costs the tests little.
const TIMEOUT: &str = "300ms";

struct Fault {
    url: String,
    outcome: Outcome,
    /// What the deployer reads.
    reason: &'static str,
}

/// Closes every connection with RST (SO_LINGER 0) once the request is in.
async fn resetting() -> SocketAddr {
    serve(|mut s, _| async move {
        read_request(&mut s).await;
        s.set_zero_linger().unwrap();
        drop(s);
    })
    .await
}

/// Plain HTTP where the URL says https: answers the TLS hello with a 400,
/// as a plain web server does.
async fn plain_http() -> SocketAddr {
    serve(|mut s, _| async move {
        let mut hello = [0u8; 512];
        let _ = s.read(&mut hello).await;
        let answer = response("400 Bad Request", "text/plain", "plain HTTP here");
        let _ = s.write_all(answer.as_bytes()).await;
        let _ = s.shutdown().await;
    })
    .await
}

/// Accepts and reads the request, then never answers.
async fn hanging() -> SocketAddr {
    serve(|mut s, _| async move {
        read_request(&mut s).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await
}

fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

async fn faults() -> Vec<Fault> {
    vec![
        Fault {
            url: url(closed_port(), "/health"),
            outcome: Outcome::Refused,
            reason: "connection refused",
        },
        Fault {
            url: url(resetting().await, "/health"),
            outcome: Outcome::Reset,
            reason: "connection reset",
        },
        Fault {
            url: "http://health.rollout-cockpit.invalid/health".into(),
            outcome: Outcome::Dns,
            reason: "DNS lookup failed",
        },
        Fault {
            url: format!("https://{}/health", plain_http().await),
            outcome: Outcome::Tls,
            reason: "TLS handshake failed",
        },
        Fault {
            url: url(hanging().await, "/health"),
            outcome: Outcome::Timeout,
            reason: "timeout",
        },
        Fault {
            url: url(
                fixed("503 Service Unavailable", "text/plain", "down").await,
                "/health",
            ),
            outcome: Outcome::HttpStatus(503),
            reason: "HTTP 503",
        },
        Fault {
            url: url(
                fixed("200 OK", "application/json", r#"{"status":"unhealthy"}"#).await,
                "/health",
            ),
            outcome: Outcome::BodyUnhealthy,
            reason: "body says unhealthy",
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prober_tells_each_cause_apart() {
    let settings = ProbeSettings {
        timeout: Duration::from_millis(300),
        ..ProbeSettings::default()
    };
    for f in faults().await {
        let prober = Prober::new(&ProbeConfig::new(&f.url), &settings).unwrap();
        let outcome = prober.probe(&Clock::start()).await.sample.outcome;
        assert_eq!(outcome, f.outcome, "{}", f.url);
        assert_eq!(outcome.label(), f.reason);
    }
}

/// A server that speaks something else than HTTP: no cause matches, so
/// the reason is the deepest error's few words, and never the URL with
/// its password that reqwest's own message carries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_cause_is_a_connection_error_with_a_short_reason() {
    let addr = serve(|mut s, _| async move {
        read_request(&mut s).await;
        let _ = s.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n").await;
        let _ = s.shutdown().await;
    })
    .await;
    let health = format!("http://ops:s3cr3t@{addr}/health");
    let prober = Prober::new(&ProbeConfig::new(&health), &ProbeSettings::default()).unwrap();
    let outcome = prober.probe(&Clock::start()).await.sample.outcome;
    let Outcome::ConnectError(why) = &outcome else {
        panic!("{outcome:?}");
    };
    assert!(!why.is_empty() && why.chars().count() <= 61, "{why}");
    let label = outcome.label();
    assert!(label.starts_with("connection error: "), "{label}");
    assert!(
        !label.contains("s3cr3t") && !label.contains("127.0.0.1"),
        "{label}"
    );
    let journaled = serde_json::to_string(&outcome).unwrap();
    assert!(journaled.starts_with(r#"{"connect_error":"#), "{journaled}");
}

/// `monitor` against one fault: its stdout.
fn monitor(health: &str, json: bool) -> String {
    let mut cmd = assert_cmd::Command::new(cargo_bin("rollout-cockpit"));
    cmd.args(["monitor", "--interval", "100ms", "--timeout", TIMEOUT])
        .args(["--duration", "1200ms", "--health", health])
        .timeout(Duration::from_secs(20));
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_lines_say_why_probes_fail() {
    let faults = faults().await;
    // All at once: each run mostly waits on its interval.
    let runs: Vec<_> = faults
        .iter()
        .map(|f| {
            let health = f.url.clone();
            tokio::task::spawn_blocking(move || (monitor(&health, false), monitor(&health, true)))
        })
        .collect();
    for (f, run) in faults.iter().zip(runs) {
        let (human, json) = run.await.unwrap();
        // `03:12:09 COLLECTING n=3 err 100.0% ...  last failure 03:12:08 connection refused`
        let line = human
            .lines()
            .rev()
            .find(|l| l.contains("last failure"))
            .unwrap_or_else(|| panic!("{}: no failure in\n{human}", f.url));
        let after = line.split("last failure ").nth(1).unwrap();
        let (at, reason) = after.split_once(' ').unwrap();
        assert!(
            chrono::NaiveTime::parse_from_str(at, "%H:%M:%S").is_ok(),
            "{line}"
        );
        assert!(reason.starts_with(f.reason), "{}: {line}", f.url);

        // The last evaluation (a run with no baseline ends on an
        // "inconclusive" line of its own).
        let last: Value = json
            .lines()
            .rev()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|v| v.get("last_failure").is_some())
            .unwrap_or_else(|| {
                panic!(
                    "{}: no evaluation in
{json}",
                    f.url
                )
            });
        let failure = &last["last_failure"];
        assert_eq!(failure["reason"], f.reason, "{last}");
        assert_eq!(
            failure["outcome"],
            serde_json::to_value(&f.outcome).unwrap()
        );
        assert_eq!(failure["url"], f.url.as_str());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_monitor_line_names_no_failure() {
    let ok = fixed("200 OK", "application/json", r#"{"status":"healthy"}"#).await;
    let health = url(ok, "/health");
    let (human, json) =
        tokio::task::spawn_blocking(move || (monitor(&health, false), monitor(&health, true)))
            .await
            .unwrap();
    assert!(human.lines().count() >= 5, "{human}");
    assert!(!human.contains("last failure"), "{human}");
    let evaluations: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &Value| v.get("criteria").is_some())
        .collect();
    assert!(evaluations.len() >= 5, "{json}");
    assert!(
        evaluations.iter().all(|v| v["last_failure"] == Value::Null),
        "{json}"
    );
}

/// The number after `(n=` on the screen: samples in the window.
fn samples_on(screen: &str) -> usize {
    screen
        .split("(n=")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The cockpit probing all seven faults at once: the journal keeps each
/// probe's cause, and the metrics pane names the newest one.
#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn the_journal_and_the_screen_keep_each_cause() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let faults = rt.block_on(faults());
    let healths: String = faults
        .iter()
        .map(|f| format!(" --health '{}'", f.url))
        .collect();
    let c = tmux::Cockpit::start(
        "rc-reasons",
        120,
        40,
        &format!("run --operator e2e --interval 200ms --timeout {TIMEOUT}{healths}"),
    );
    // Enough probes that even the hanging URL (one every 400 ms) was tried.
    let screen = c
        .tmux
        .wait_for("a few rounds of probes", |s| samples_on(s) >= 40);
    let reasons: Vec<&str> = faults.iter().map(|f| f.reason).collect();
    let shown = screen
        .lines()
        .find(|l| l.contains("last probe: ") || l.contains("ago: "))
        .unwrap_or_else(|| panic!("no failure reason on screen:\n{screen}"));
    assert!(
        reasons.iter().any(|r| shown.contains(r)),
        "{shown}\n{screen}"
    );
    assert_eq!(c.quit(), "EXIT=0");

    // The ended session's journal, every sample flushed.
    let session = std::fs::read_dir(&c.sessions)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let journal = std::fs::read_to_string(session.join("journal.jsonl")).unwrap();
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in journal.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        if record["type"] != "samples" {
            continue;
        }
        for s in record["samples"].as_array().unwrap() {
            seen.entry(s["url"].as_str().unwrap().to_string())
                .or_default()
                .insert(s["outcome"].to_string());
        }
    }
    for f in &faults {
        let expected = serde_json::to_value(&f.outcome).unwrap().to_string();
        assert_eq!(
            seen.get(&f.url),
            Some(&BTreeSet::from([expected])),
            "{}: {seen:?}",
            f.url
        );
    }
    // The journal's words are the documented ones.
    let words: BTreeSet<String> = seen.values().flatten().cloned().collect();
    for w in [
        json!("refused"),
        json!("reset"),
        json!("dns"),
        json!("tls"),
        json!("timeout"),
        json!({"http_status": 503}),
        json!("body_unhealthy"),
    ] {
        assert!(words.contains(&w.to_string()), "{w} in {words:?}");
    }
}
