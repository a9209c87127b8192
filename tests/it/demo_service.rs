//! The simulated TERP service on its own, probed over real HTTP on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use futures::StreamExt;
use rollout_cockpit::demo::service::{BASE_VERSION, NEW_VERSION};
use rollout_cockpit::demo::{Scenario, ScenarioConfig, Service, ServiceHandle};
use serde_json::Value;

const TOKEN: &str = "demo-admin-token";

/// The tests that fire hundreds of probes take turns: on two cores, one
/// test's client work would otherwise show up as another's latency.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn start(scenario: Scenario, speed: f64) -> ServiceHandle {
    let (addr, handle) = Service::start(ScenarioConfig::new(scenario, speed, TOKEN))
        .await
        .unwrap();
    assert!(addr.ip().is_loopback());
    handle
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// What one round of probes saw.
#[derive(Debug)]
struct Round {
    error_rate: f64,
    /// Latency percentiles of the successful probes, in ms, as the client
    /// measured them (so a loaded machine only ever adds to them).
    p50: f64,
    p95: f64,
}

/// One round of `n` probes, 40 at a time.
async fn round(c: &reqwest::Client, url: &str, n: usize) -> Round {
    let results: Vec<(bool, f64)> = futures::stream::iter(0..n)
        .map(|_| async {
            let t = Instant::now();
            let r = c.get(url).send().await.unwrap();
            let ok = r.status().is_success();
            let body: Value = r.json().await.unwrap();
            assert_eq!(ok, body["status"] != "unhealthy", "{body}");
            (ok, t.elapsed().as_secs_f64() * 1000.0)
        })
        .buffer_unordered(40)
        .collect()
        .await;
    let errors = results.iter().filter(|(ok, _)| !ok).count();
    let mut lat: Vec<f64> = results
        .iter()
        .filter(|(ok, _)| *ok)
        .map(|(_, ms)| *ms)
        .collect();
    lat.sort_by(f64::total_cmp);
    let at = |q: usize| lat[(lat.len() * q / 100).min(lat.len() - 1)];
    Round {
        error_rate: errors as f64 / n as f64,
        p50: at(50),
        p95: at(95),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_has_the_terp_shape() {
    let s = start(Scenario::Degrade, 1.0).await;
    let c = client();
    let r = c.get(format!("{}/health", s.url())).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let b: Value = r.json().await.unwrap();
    assert!(["healthy", "degraded"].contains(&b["status"].as_str().unwrap()));
    assert!(b["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(b["uptime"].is_number());
    assert_eq!(b["version"], BASE_VERSION);
    assert_eq!(b["maintenance"], false);
    let db = &b["checks"]["database"];
    assert_eq!(db["status"], "ok");
    assert!(db["latency"].is_u64());
    let mem = &b["checks"]["memory"];
    for k in ["used", "total", "percentage"] {
        assert!(mem[k].is_number(), "{k}");
    }
    assert!(mem["status"].is_string());
    let pool = &b["checks"]["connectionPool"];
    for k in ["total", "free", "queued"] {
        assert!(pool[k].is_u64(), "{k}");
    }
    assert!(pool["status"].is_string());
    assert_eq!(s.snapshot().health_requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_health_answer_is_503_with_a_database_error() {
    let _turn = HEAVY.lock().await;
    let s = start(Scenario::Degrade, 1.0).await;
    let c = client();
    let url = format!("{}/health", s.url());
    // 0.3% background errors: a bounded number of tries finds one.
    for _ in 0..40 {
        let bodies: Vec<(u16, Value)> = futures::stream::iter(0..100)
            .map(|_| async {
                let r = c.get(&url).send().await.unwrap();
                (r.status().as_u16(), r.json().await.unwrap())
            })
            .buffer_unordered(50)
            .collect()
            .await;
        if let Some((_, b)) = bodies.iter().find(|(code, _)| *code == 503) {
            assert_eq!(b["status"], "unhealthy");
            assert_eq!(b["checks"]["database"]["status"], "error");
            assert!(b["checks"]["database"]["error"].is_string());
            assert!(b["checks"]["database"].get("latency").is_none());
            assert!(b["checks"]["memory"]["percentage"].is_number());
            return;
        }
    }
    panic!("no 503 in 4000 probes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintenance_needs_the_bearer_token() {
    let s = start(Scenario::Degrade, 1.0).await;
    let c = client();
    let enable = format!("{}/admin/maintenance/enable", s.url());
    let disable = format!("{}/admin/maintenance/disable", s.url());

    let r = c.post(&enable).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let r = c.post(&enable).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(!s.snapshot().maintenance);

    let r = c.post(&enable).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(s.snapshot().maintenance);
    let b: Value = c
        .get(format!("{}/health", s.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(b["maintenance"], true);

    let r = c.post(&disable).bearer_auth("nope").send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(s.snapshot().maintenance);
    let r = c.post(&disable).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(!s.snapshot().maintenance);

    let r = c.get(&enable).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_endpoint_switches_versions() {
    let s = start(Scenario::Healthy, 1.0).await;
    let c = client();
    let r = c
        .post(format!("{}/_demo/version?name={NEW_VERSION}", s.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let health = format!("{}/health", s.url());
    let b: Value = c.get(&health).send().await.unwrap().json().await.unwrap();
    assert_eq!(b["version"], NEW_VERSION);

    let r = c
        .post(format!("{}/_demo/version?name=$(reboot)", s.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    c.post(format!("{}/_demo/rollback", s.url()))
        .send()
        .await
        .unwrap();
    let state: Value = c
        .get(format!("{}/_demo/state", s.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["version"], BASE_VERSION);
    assert_eq!(state["deploys"], 1);
    assert_eq!(state["rollbacks"], 1);
    assert_eq!(s.snapshot().version, BASE_VERSION);
    let r = c.get(format!("{}/nope", s.url())).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn degrade_scenario_climbs_after_deploy_and_recovers_after_rollback() {
    let _turn = HEAVY.lock().await;
    let speed = 20.0;
    let s = start(Scenario::Degrade, speed).await;
    let config = ScenarioConfig::new(Scenario::Degrade, speed, TOKEN);
    let c = client();
    let health = format!("{}/health", s.url());

    // Open the pool's connections first: their handshakes are not latency.
    round(&c, &health, 100).await;
    let base = round(&c, &health, 400).await;
    assert!(base.error_rate < 0.03, "baseline {base:?}");

    // The deploy. What the scenario promises is the state within 20 s
    // (scaled: 1 s), so that is when it is measured; how long the probes
    // then take does not change what they see.
    c.post(format!("{}/_demo/version?name={NEW_VERSION}", s.url()))
        .send()
        .await
        .unwrap();
    let deployed = Instant::now();
    let early = s.snapshot().degradation;
    assert!(early < 0.5, "a ramp, not a step: {early}");
    let scaled_20s = Duration::from_secs_f64(20.0 / speed);
    assert!(config.degrade_ramp() < scaled_20s);
    tokio::time::sleep(scaled_20s.saturating_sub(deployed.elapsed())).await;
    assert!((s.snapshot().degradation - 1.0).abs() < 1e-9);
    assert!(s.snapshot().latency_factor > 2.1);
    let bad = round(&c, &health, 1000).await;
    assert!(
        bad.error_rate > base.error_rate + 0.05 && bad.error_rate < 0.15,
        "the +5 points criterion must fire: {bad:?} vs {base:?}"
    );
    // Healthy answers take at most 50 ms; at 2.2x the slowest 5% take over 100.
    assert!(bad.p95 > 100.0, "{bad:?}");
    assert!(bad.p50 > base.p50 * 1.4, "{bad:?} vs {base:?}");

    // The rollback: healthy again within the scaled 10 s (0.5 s).
    c.post(format!("{}/_demo/rollback", s.url()))
        .send()
        .await
        .unwrap();
    let rolled_back = Instant::now();
    let scaled_10s = Duration::from_secs_f64(10.0 / speed);
    assert!(config.recover_ramp() < scaled_10s);
    tokio::time::sleep(scaled_10s.saturating_sub(rolled_back.elapsed())).await;
    assert_eq!(s.snapshot().degradation, 0.0);
    assert_eq!(s.snapshot().version, BASE_VERSION);
    let after = round(&c, &health, 600).await;
    assert!(after.error_rate < 0.03, "after rollback {after:?}");
    assert!(after.p50 < bad.p50 * 0.8, "{after:?} vs {bad:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_scenario_stays_healthy_after_deploy() {
    let _turn = HEAVY.lock().await;
    let s = start(Scenario::Healthy, 20.0).await;
    s.switch_version(NEW_VERSION);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let r = round(&client(), &format!("{}/health", s.url()), 300).await;
    assert!(r.error_rate < 0.03, "{r:?}");
    assert_eq!(s.snapshot().degradation, 0.0);
}

#[test]
fn spawned_on_its_own_thread_it_answers_and_stops() {
    let (addr, s) = Service::spawn(ScenarioConfig::new(Scenario::Degrade, 1.0, TOKEN)).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let code = rt.block_on(async {
        client()
            .get(format!("http://{addr}/health"))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(code, 200);
    s.shutdown();
    let gone = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("http://{addr}/health"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
    });
    assert!(gone.is_err());
}
