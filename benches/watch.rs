//! `watch`'s tick to screen, without the terminal: the time from a record
//! being appended to a session's journal (by the writer `run` uses, fsync
//! included, ~0.2 ms on the project's machine) to the
//! mirror having folded it into its state, through the same tail worker
//! (`shell::tail::spawn`) and fold (`Session::apply`) that `watch` runs. A frame
//! (at most ~33 ms, ~0.5 ms to draw) comes on top in the real program.
//!
//! `cargo bench --bench watch` prints the distribution of 100 single
//! appends (each at a random moment against the worker's clock) and then
//! criterion's estimate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use rollout_cockpit::core::event::{Event, Target};
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::state::State;
use rollout_cockpit::domain::runbook;
use rollout_cockpit::journal::Journal;
use rollout_cockpit::journal::sessions as session;
use rollout_cockpit::modes::watch;
use rollout_cockpit::shell::cockpit::Msg;
use tokio::sync::mpsc;

struct Mirror {
    journal: Journal,
    state: State,
    rx: mpsc::UnboundedReceiver<Msg>,
    ticked: bool,
    _dir: tempfile::TempDir,
}

fn open() -> Mirror {
    let loaded = runbook::load(None).unwrap();
    let plan = Plan::new(loaded.runbook, &loaded.text);
    let dir = tempfile::tempdir().unwrap();
    session::save_runbook(dir.path(), &plan.hash, &loaded.text).unwrap();
    let mut journal = Journal::create(dir.path()).unwrap();
    journal
        .append(
            "alice",
            Utc::now(),
            Event::SessionStarted {
                runbook: "bench".into(),
                runbook_hash: plan.hash.clone(),
                environment: "production".into(),
            },
        )
        .unwrap();
    let (state, tail, _) = watch::prepare(dir.path()).unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    rollout_cockpit::shell::tail::spawn(tail, tx).unwrap();
    Mirror {
        journal,
        state,
        rx,
        ticked: false,
        _dir: dir,
    }
}

impl Mirror {
    /// Appends one (fsync'd, human) decision and waits until the mirror
    /// folded it: the time from the append's start to the fold.
    fn once(&mut self) -> Duration {
        let target = Target::Item(0);
        let ev = if self.ticked {
            Event::Unticked { target }
        } else {
            Event::Ticked { target }
        };
        self.ticked = !self.ticked;
        // From before the append: the tail may read the line while the
        // append still waits for its fsync.
        let start = Instant::now();
        let seq = self.journal.append("alice", Utc::now(), ev).unwrap().seq;
        loop {
            match self.rx.blocking_recv().expect("the tail stopped") {
                Msg::Journaled(r) => {
                    self.state.session.apply(&r);
                    if r.seq == seq {
                        return start.elapsed();
                    }
                }
                Msg::JournalFailed(e) => panic!("{e}"),
                _ => {}
            }
        }
    }
}

fn bench(c: &mut Criterion) {
    let mut m = open();
    // A pause of a random length before each append: the append lands at
    // any moment of a polling worker's cycle, as a key press would.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut took: Vec<Duration> = (0..100)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            std::thread::sleep(Duration::from_micros(seed % 150_000));
            m.once()
        })
        .collect();
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    eprintln!(
        "watch: append to fold, 100 appends: median {:.2} ms, p90 {:.2} ms, worst {:.2} ms",
        ms(took[50]),
        ms(took[90]),
        ms(took[99])
    );
    let mut g = c.benchmark_group("watch");
    g.sample_size(10);
    g.bench_function("append to fold", |b| {
        b.iter_custom(|n| (0..n).map(|_| m.once()).sum())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
