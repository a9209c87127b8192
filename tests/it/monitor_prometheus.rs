//! `monitor --prometheus URL` as a canary gate on the fleet's numbers: the
//! real binary against a real Prometheus (and a stub for "no data").
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::http::{fixed, url};
use crate::harness::prometheus::{Exporter, Prometheus};
use assert_cmd::cargo::cargo_bin;
use predicates::prelude::*;
use serde_json::Value;

fn monitor() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(cargo_bin("rollout-cockpit"));
    cmd.arg("monitor").timeout(Duration::from_secs(30));
    cmd
}

/// Queries over 3 s, so the step shows within seconds, not a minute.
const SHORT: &str = r#"[prometheus.queries]
error_rate = 'sum(rate(http_requests_total{code=~"5.."}[3s])) / sum(rate(http_requests_total[3s]))'
latency = 'histogram_quantile($quantile, sum by (le) (rate(http_request_duration_seconds_bucket[3s])))'
throughput = 'sum(rate(http_requests_total[3s]))'
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    no_prometheus,
    ignore = "prometheus is not installed: apt-get install prometheus to run the Prometheus tests"
)]
async fn a_step_in_the_fleet_s_5xx_exits_3() {
    let exporter = Exporter::start(100.0, 0.5).await;
    let prom = Prometheus::start(exporter.addr).await;
    prom.wait_scrapes(4).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cockpit.toml");
    std::fs::write(&config, SHORT).unwrap();
    let mut child = Command::new(cargo_bin("rollout-cockpit"))
        .args(["monitor", "--json", "--prometheus", &prom.url, "--config"])
        .arg(&config)
        .args([
            "--interval",
            "200ms",
            "--window",
            "10s",
            "--baseline-for",
            "2s",
        ])
        .args(["--for", "1s", "--duration", "40s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    // Once the baseline is pinned, 30% of the requests start failing.
    let mut stepped = false;
    let mut last = Value::Null;
    while let Some(line) = rx.recv().await {
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["source"], "prometheus", "{line}");
        if !stepped && !v["baseline"].is_null() {
            assert!(
                v["baseline"]["error_rate"].as_f64().unwrap() < 1.0,
                "{line}"
            );
            exporter.set(100.0, 30.0);
            stepped = true;
        }
        last = v;
    }
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stepped, "the baseline was never pinned: {last}\n{stderr}");
    assert_eq!(status.code(), Some(3), "{last}\n{stderr}");
    assert_eq!(last["verdict"], "firing", "{last}");
    let text = last["criteria"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("err ") && text.contains("% (prometheus) vs "),
        "{text}"
    );
    assert!(
        stderr.contains("rollback criterion fired: err "),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_data_throughout_is_inconclusive() {
    let addr = fixed(
        "200 OK",
        "application/json",
        r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
    )
    .await;
    let base = url(addr, "");
    let out = monitor()
        .args([
            "--prometheus",
            &base,
            "--interval",
            "100ms",
            "--duration",
            "1s",
        ])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "inconclusive: prometheus had no data throughout",
        ))
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.contains("err — (prometheus)") && first.contains("no data from prometheus"),
        "{first}"
    );
}

#[test]
fn bad_prometheus_settings_exit_2_naming_flag_or_key() {
    monitor()
        .args(["--prometheus", "ftp://prom:9090"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--prometheus").and(predicate::str::contains("ftp")));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cockpit.toml");
    std::fs::write(
        &config,
        "[prometheus]\nurl = \"http://127.0.0.1:9\"\ntoken = \"hunter2-literal\"\n",
    )
    .unwrap();
    monitor()
        .arg("--config")
        .arg(&config)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("prometheus.token: only env:NAME")
                .and(predicate::str::contains("hunter2").not()),
        );
    std::fs::write(
        &config,
        "[prometheus]\nurl = \"http://127.0.0.1:9\"\ntoken = \"env:ROLLOUT_COCKPIT_TEST_UNSET_PROM_TOKEN\"\n",
    )
    .unwrap();
    monitor()
        .arg("--config")
        .arg(&config)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "prometheus.token: environment variable ROLLOUT_COCKPIT_TEST_UNSET_PROM_TOKEN is not set",
        ));
}
