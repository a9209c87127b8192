//! Shared by the screen tests: the TERP plan at a fixed moment, and a fold of
//! `update`'s effects that journals like the loop does (fixed clock).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use rollout_cockpit::event::{Action, Cmd, Effect, Event, Machine, Record};
use rollout_cockpit::keys::Keymap;
use rollout_cockpit::runbook;
use rollout_cockpit::state::{Plan, Row, Settings, State, update};
use rollout_cockpit::ui::{self, ViewState};

/// Tuesday 2025-01-14, 23:41 in New York: inside the TERP window, 2h19m left.
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-15T04:41:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub fn settings() -> Settings {
    Settings {
        operator: "alice".into(),
        environment: "production".into(),
        runbook_name: runbook::BUNDLED_NAME.into(),
        health: Vec::new(),
        interval: std::time::Duration::from_secs(1),
        journal: None,
        profile: Default::default(),
    }
}

pub fn plan() -> Plan {
    let loaded = runbook::load(None).unwrap();
    Plan::new(loaded.runbook, &loaded.text)
}

/// A fresh cockpit on the TERP plan, with fixed machine figures.
pub fn terp() -> State {
    let mut s = State::new(plan(), settings(), now());
    update(
        &mut s,
        Action::Machine(Machine {
            cpu_percent: 12.0,
            mem_used: 3 * 1024 * 1024 * 1024,
            mem_total: 8 * 1024 * 1024 * 1024,
        }),
    );
    s
}

/// Carries out effects like the loop: journal events become records (seq,
/// a clock one minute per record, `by` the operator) folded into the state.
pub struct Session {
    pub state: State,
    pub records: Vec<Record>,
    pub quit: bool,
}

impl Session {
    pub fn new(state: State) -> Session {
        Session {
            state,
            records: Vec::new(),
            quit: false,
        }
    }

    pub fn act(&mut self, action: Action) {
        for effect in update(&mut self.state, action) {
            match effect {
                Effect::Journal(ev) => self.record(ev),
                Effect::Quit => self.quit = true,
            }
        }
    }

    pub fn cmd(&mut self, cmd: Cmd) {
        self.act(Action::Cmd(cmd));
    }

    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.act(Action::Input(c));
        }
    }

    /// Journals an event as a worker would (e.g. the monitor's verdicts).
    pub fn record(&mut self, event: Event) {
        let seq = self.records.len() as u64 + 1;
        let r = Record {
            seq,
            ts: now() - Duration::minutes(60) + Duration::minutes(seq as i64),
            by: self.state.settings.operator.clone(),
            event,
        };
        self.state.session.apply(&r);
        self.records.push(r);
    }

    /// Puts the cursor on the first row whose text contains `needle`.
    pub fn go(&mut self, needle: &str) -> Row {
        self.cmd(Cmd::Search);
        self.type_text(needle);
        self.cmd(Cmd::Submit);
        let row = self.state.ui.cursor.unwrap();
        assert!(
            self.state.row_text(row).contains(needle),
            "no row with {needle:?}"
        );
        row
    }
}

pub fn render(state: &State, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut view = ViewState::new(Keymap::default());
    terminal.draw(|f| ui::render(f, state, &mut view)).unwrap();
    terminal
}

pub fn screen_text(state: &State, width: u16, height: u16) -> String {
    let t = render(state, width, height);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
