//! The cockpit probing a real server on 127.0.0.1 in a real terminal:
//! healthy, `b` pins the baseline, the server turns to 500s, the criteria
//! panel reads ROLLBACK CRITERIA MET; q y exits 0 and the journal holds
//! the samples and the operator's pin.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::harness::{http, tmux};

use tokio::io::AsyncWriteExt;

const BIN: &str = env!("CARGO_BIN_EXE_rollout-cockpit");
const HEALTHY: &str = r#"{"status":"healthy","checks":{"database":{"status":"ok","latency":4},"memory":{"status":"ok","percentage":41.5},"connectionPool":{"status":"ok","total":10,"free":8,"queued":0}}}"#;

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn degradation_fires_the_criteria_panel_in_a_real_terminal() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let failing = Arc::new(AtomicBool::new(false));
    let flag = failing.clone();
    let addr = rt.block_on(http::serve(move |mut s, _| {
        let failing = flag.load(Ordering::SeqCst);
        async move {
            http::read_request(&mut s).await;
            let r = if failing {
                http::response("500 Internal Server Error", "text/plain", "boom")
            } else {
                http::response("200 OK", "application/json", HEALTHY)
            };
            let _ = s.write_all(r.as_bytes()).await;
            let _ = s.shutdown().await;
        }
    }));
    let url = http::url(addr, "/health");

    let dir = tempfile::tempdir().unwrap();
    let sessions = dir.path().join("sessions");
    let exit_file = dir.path().join("exit");
    let shell = format!(
        "'{BIN}' run --session-dir '{}' --operator e2e --health {url} --interval 200ms --for 1s; echo EXIT=$? > '{}'",
        sessions.display(),
        exit_file.display()
    );
    let t = tmux::Tmux::start("rc-health", 120, 40, &shell);

    t.wait_for("samples on screen", |s| {
        s.contains("(n=") && s.contains("status healthy")
    });
    t.keys(&["b"]);
    t.wait_for("the pinned baseline", |s| s.contains("base err 0.0%"));
    failing.store(true, Ordering::SeqCst);
    let screen = t.wait_for("the criteria firing", |s| {
        s.contains("ROLLBACK CRITERIA MET")
    });
    assert!(screen.contains("FIRING"), "{screen}");
    assert!(screen.contains("last probe: HTTP 500"), "{screen}");

    t.keys(&["q"]);
    t.wait_for("the quit question", |s| s.contains("Quit the cockpit?"));
    t.keys(&["y"]);
    assert_eq!(tmux::wait_file(&exit_file).trim(), "EXIT=0");

    let session = std::fs::read_dir(&sessions)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let journal = std::fs::read_to_string(session.join("journal.jsonl")).unwrap();
    assert!(
        journal.contains("\"type\":\"monitor_configured\""),
        "{journal}"
    );
    assert!(journal.contains("\"type\":\"samples\""), "{journal}");
    assert!(
        journal.contains("\"type\":\"baseline_pinned\"")
            || journal.contains("\"type\":\"baseline_requested\""),
        "{journal}"
    );
    assert!(journal.contains("\"by\":\"e2e\""), "{journal}");
}
