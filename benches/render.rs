//! Full-frame render of the TERP plan (budget: under 2 ms at 200x50).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rollout_cockpit::event::{Action, Cmd, Event, Machine, Record, Target};
use rollout_cockpit::keys::Keymap;
use rollout_cockpit::runbook;
use rollout_cockpit::state::{Plan, Settings, State, update};
use rollout_cockpit::ui::{self, ViewState};

fn state() -> State {
    let loaded = runbook::load(None).unwrap();
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2025-01-15T04:41:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let settings = Settings {
        operator: "alice".into(),
        environment: "production".into(),
        runbook_name: runbook::BUNDLED_NAME.into(),
        health: Vec::new(),
        interval: std::time::Duration::from_secs(1),
        journal: None,
        profile: Default::default(),
    };
    let mut s = State::new(Plan::new(loaded.runbook, &loaded.text), settings, now);
    update(
        &mut s,
        Action::Machine(Machine {
            cpu_percent: 12.0,
            mem_used: 3 << 30,
            mem_total: 8 << 30,
        }),
    );
    for i in 0..20 {
        s.session.apply(&Record {
            seq: i + 1,
            ts: now,
            by: "alice".into(),
            event: Event::Ticked {
                target: Target::Item(i as usize),
            },
        });
    }
    for _ in 0..30 {
        update(&mut s, Action::Cmd(Cmd::Down));
    }
    s
}

fn bench(c: &mut Criterion) {
    let s = state();
    for (w, h) in [(200, 50), (120, 40), (80, 24)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        let mut view = ViewState::new(Keymap::default());
        c.bench_function(&format!("render {w}x{h}"), |b| {
            b.iter(|| {
                terminal
                    .draw(|f| ui::render(f, black_box(&s), &mut view))
                    .unwrap();
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
