//! Budget of issue 19: a co-pilot's key reaches the journal and the
//! deployer's screen within 50 ms median on loopback (median and worst of
//! 100). The real loop (`Cockpit` over a `TestBackend`, a real journal in a
//! temporary directory) serves `copilot.sock`; a client connected as this
//! process's user sends 100 ticks, one at a time, and each is timed from
//! the request's write to the deployer's first frame showing it, and to its
//! record on disk. The client polls on the loop's own thread (every
//! millisecond, reading the journal back), so the figures are pessimistic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ratatui::backend::TestBackend;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

use rollout_cockpit::config::keys::Keymap;
use rollout_cockpit::core::copilot::SOCKET;
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::settings::{Settings, Team};
use rollout_cockpit::core::state::State;
use rollout_cockpit::journal::{self, Journal};
use rollout_cockpit::shell::cockpit::Cockpit;
use rollout_cockpit::shell::copilot::{self, Copilot};
use rollout_cockpit::shell::front::Script;
use rollout_cockpit::ui::ViewState;

const N: usize = 100;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(bench());
}

async fn bench() {
    let me = nix::unistd::User::from_uid(nix::unistd::getuid())
        .unwrap()
        .unwrap()
        .name;
    let mut plan_text = String::from("# Bench\n\n## Checks\n\n");
    for i in 0..N {
        plan_text.push_str(&format!("- [ ] Check number {i:03}\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let plan = Plan::new(
        rollout_cockpit::domain::runbook::parse(&plan_text),
        &plan_text,
    );
    let mut settings = Settings::replay("erin".into(), "production".into(), "bench.md".into());
    settings.exec.workdir = dir.path().to_path_buf();
    settings.journal = Some(dir.path().join(journal::FILE_NAME).display().to_string());
    settings.team = Team {
        members: vec![me],
        ..Team::default()
    };
    let (socket, _) = copilot::bind(dir.path(), &settings.team).unwrap();
    let state = State::new(plan, settings, chrono::Utc::now());
    let journal = Journal::create(dir.path()).unwrap();
    let (front, mut d) = Script::new(TestBackend::new(120, 40)).unwrap();
    let cockpit = Cockpit::new(front, state, ViewState::new(Keymap::default()), journal)
        .with_copilot(Copilot::Serve(socket));
    let running = tokio::spawn(cockpit.run());

    let (read, mut write) = UnixStream::connect(dir.path().join(SOCKET))
        .await
        .unwrap()
        .into_split();
    let mut lines = BufReader::new(read).lines();
    let welcome = lines.next_line().await.unwrap().unwrap();
    assert!(welcome.contains("welcome"), "{welcome}");
    let path = dir.path().join(journal::FILE_NAME);
    let (mut to_screen, mut to_journal) = (Vec::new(), Vec::new());
    for i in 0..N {
        // Paced as a person's keys are, 100 ms apart: back to back, each
        // tick would wait out the 33 ms frame limit the one before started.
        tokio::time::sleep(Duration::from_millis(100)).await;
        while d.frames.try_recv().is_ok() {}
        let want = format!("Checks  {}/{N}", i + 1);
        let t0 = Instant::now();
        write
            .write_all(
                format!("{{\"v\":1,\"req\":\"tick\",\"target\":{{\"item\":{i}}}}}\n").as_bytes(),
            )
            .await
            .unwrap();
        let mut on_screen = None;
        let mut on_disk = None;
        let deadline = t0 + Duration::from_secs(5);
        while on_screen.is_none() || on_disk.is_none() {
            assert!(Instant::now() < deadline, "tick {i} not seen within 5 s");
            if on_screen.is_none()
                && let Ok(Some(f)) =
                    tokio::time::timeout(Duration::from_millis(1), d.frames.recv()).await
                && f.contains(&want)
            {
                on_screen = Some(t0.elapsed());
            }
            if on_disk.is_none() {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if text.matches(r#""type":"ticked""#).count() > i {
                    on_disk = Some(t0.elapsed());
                }
            }
        }
        to_screen.push(on_screen.unwrap());
        to_journal.push(on_disk.unwrap());
        let _ = lines.next_line().await;
    }
    running.abort();
    for (what, mut v) in [("deployer's screen", to_screen), ("journal", to_journal)] {
        v.sort();
        println!(
            "co-pilot tick to the {what}: median {:.2} ms, p90 {:.2} ms, worst {:.2} ms over {N}; budget 50 ms median",
            percentile(&v, 0.5).as_secs_f64() * 1e3,
            percentile(&v, 0.9).as_secs_f64() * 1e3,
            v[v.len() - 1].as_secs_f64() * 1e3,
        );
    }
}
