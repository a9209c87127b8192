//! Budget from issue 5: a command printing 200 MB of lines as fast as it can
//! finishes within 1.5x the time of the same command sent to /dev/null, and
//! RSS stays under 50 MB. Runs the real runner (bash, masking, log file,
//! channel) with a consumer that feeds the pane's ring buffer as the loop
//! would. `cargo bench --bench exec`; `EXEC_BENCH_MB=50` for a shorter run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use rollout_cockpit::domain::exec::{
    self, ExecEvent, Masker, OutputBuffer, RunId, RunSpec, SecretNames,
};
use tokio::sync::mpsc;

const RUNS: usize = 3;

fn command(bytes: u64, sink: &str) -> String {
    format!(
        "set +o pipefail; yes 'some line of output from a busy deploy step, 2024-01-01T00:00:00Z' | head -c {bytes}{sink}"
    )
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn to_dev_null(bytes: u64) -> Duration {
    plain(bytes, " > /dev/null")
}

fn plain(bytes: u64, sink: &str) -> Duration {
    let t = Instant::now();
    let status = std::process::Command::new("bash")
        .args(["-e", "-o", "pipefail", "-c", &command(bytes, sink)])
        .status()
        .unwrap();
    assert!(status.success());
    t.elapsed()
}

async fn through_runner(
    bytes: u64,
    dir: &std::path::Path,
    masker: &Arc<Masker>,
) -> (Duration, u64) {
    let (tx, mut rx) = mpsc::channel(exec::CHANNEL_CAPACITY);
    let mut spec = RunSpec::new(RunId(1), command(bytes, ""), dir.join("bench.log"));
    spec.workdir = dir.to_path_buf();
    let t = Instant::now();
    exec::spawn(spec, masker.clone(), tx).unwrap();
    let mut pane = OutputBuffer::default();
    let mut peak_rss = 0;
    let mut messages = 0u64;
    loop {
        match rx.recv().await.unwrap() {
            ExecEvent::Output { lines, skipped, .. } => {
                pane.extend(skipped, lines);
                messages += 1;
                if messages.is_multiple_of(4) {
                    peak_rss = peak_rss.max(rss_kib("VmRSS:"));
                }
            }
            ExecEvent::Exited(e) => {
                assert!(e.success(), "{e:?}");
                assert_eq!(pane.total(), e.lines);
                break;
            }
            ExecEvent::Started { .. } => {}
        }
    }
    let elapsed = t.elapsed();
    let logged = std::fs::metadata(dir.join("bench.log")).unwrap().len();
    assert_eq!(logged, bytes + u64::from(!bytes.is_multiple_of(66)));
    (elapsed, peak_rss)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mb: u64 = std::env::var("EXEC_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let bytes = mb * 1_000_000;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A session with a secret, so every line goes through the value check.
    let masker = Arc::new(Masker::with_vars(
        SecretNames::default(),
        [("DB_PASSWORD", "hunter2secret")],
    ));
    let base: Vec<Duration> = (0..RUNS).map(|_| to_dev_null(bytes)).collect();
    // The floor for any capture: one more pipe and a file write, no work.
    let cat_path = dir.path().join("cat.log");
    let cat_sink = format!(" | cat > {}", cat_path.display());
    let floor = median((0..RUNS).map(|_| plain(bytes, &cat_sink)).collect());
    let mut runs = Vec::new();
    let mut peak = 0;
    for _ in 0..RUNS {
        let (d, rss) = rt.block_on(through_runner(bytes, dir.path(), &masker));
        runs.push(d);
        peak = peak.max(rss);
    }
    let (base, run) = (median(base), median(runs));
    let ratio = run.as_secs_f64() / base.as_secs_f64();
    println!("exec: {mb} MB of lines, median of {RUNS}");
    println!("  to /dev/null        {:>8.3} s", base.as_secs_f64());
    println!(
        "  | cat > file         {:>8.3} s  (capture floor)",
        floor.as_secs_f64()
    );
    println!(
        "  through the runner  {:>8.3} s  ({ratio:.2}x, budget 1.5x)",
        run.as_secs_f64()
    );
    println!(
        "  RSS peak sampled {:.1} MB, high-water mark {:.1} MB (budget 50 MB)",
        peak as f64 / 1024.0,
        rss_kib("VmHWM:") as f64 / 1024.0
    );
}
