//! Shared by the screen tests: the TERP plan at a fixed moment, and a fold of
//! `update`'s effects that journals like the loop does (fixed clock).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use rollout_cockpit::config::keys::Keymap;
use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::effect::Effect;
use rollout_cockpit::core::event::{Event, Machine, Record};
use rollout_cockpit::core::outline::Row;
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::settings::Settings;
use rollout_cockpit::core::state::State;
use rollout_cockpit::core::update::update;
use rollout_cockpit::domain::runbook;
use rollout_cockpit::ui::{self, ViewState};

/// Tuesday 2025-01-14, 23:41 in New York: inside the TERP window, 2h19m left.
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-15T04:41:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub fn settings() -> Settings {
    Settings::replay(
        "alice".into(),
        "production".into(),
        runbook::BUNDLED_NAME.into(),
    )
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
    pub report: bool,
    /// Effects other than journal/quit/report, in order (spawns, kills...).
    pub effects: Vec<Effect>,
}

impl Session {
    /// Command `run` exited with `code`, as its runner reports it.
    pub fn exited(&mut self, run: u64, code: i32) {
        use rollout_cockpit::domain::exec::{ExecEvent, Exit, RunId};
        self.act(Action::Exec(ExecEvent::Exited(Exit {
            id: RunId(run),
            code: Some(code),
            signal: None,
            duration: std::time::Duration::from_millis(5),
            sent: None,
            lines: 0,
            log_error: None,
        })));
    }

    pub fn new(state: State) -> Session {
        Session {
            state,
            records: Vec::new(),
            quit: false,
            report: false,
            effects: Vec::new(),
        }
    }

    pub fn act(&mut self, action: Action) {
        for effect in update(&mut self.state, action) {
            match effect {
                Effect::Journal(ev) => self.record(ev),
                Effect::Quit => self.quit = true,
                Effect::WriteReport => self.report = true,
                other => self.effects.push(other),
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
        self.record_at(
            now() - Duration::minutes(60) + Duration::minutes(seq as i64),
            event,
        );
    }

    /// Journals `event` as written at `ts`: for records whose time the
    /// fold compares with the data's own (a log stream's exit).
    pub fn record_at(&mut self, ts: DateTime<Utc>, event: Event) {
        let seq = self.records.len() as u64 + 1;
        let r = Record {
            seq,
            ts,
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
    render_with(state, &Keymap::default(), width, height)
}

/// [`render`] with a config's keymap.
pub fn render_with(
    state: &State,
    keymap: &Keymap,
    width: u16,
    height: u16,
) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut view = ViewState::new(keymap.clone());
    terminal.draw(|f| ui::render(f, state, &mut view)).unwrap();
    terminal
}

pub fn screen_text(state: &State, width: u16, height: u16) -> String {
    terminal_text(&render(state, width, height))
}

/// The characters of a drawn screen, a line a row.
pub fn terminal_text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    // A no-break space looks like a space; tests search for words.
    out.replace('\u{a0}', " ")
}

use rollout_cockpit::domain::monitor::{
    HealthDetails, MonitorConfig, Outcome, ProbeSample, Sample,
};

pub const URL: &str = "http://127.0.0.1:8080/health";

/// 1 s probes, 60 s window, 10 s hold, default rules.
pub fn monitor_config() -> MonitorConfig {
    MonitorConfig::for_urls(vec![URL.into()])
}

/// A TERP body's details (`status`, db, memory, pool).
pub fn terp_details(status: &str, free: u64, queued: u64) -> HealthDetails {
    let body = format!(
        r#"{{"status":"{status}","checks":{{"database":{{"status":"ok","latency":4}},
            "memory":{{"status":"ok","percentage":60.52}},
            "connectionPool":{{"status":"ok","total":10,"free":{free},"queued":{queued}}}}}}}"#
    );
    HealthDetails::from_json(&serde_json::from_str(&body).unwrap()).unwrap()
}

/// Sample `k` seconds into the probing (which starts 2 minutes before `now()`).
pub fn sample(k: i64, latency_ms: f64, outcome: Outcome) -> ProbeSample {
    sample_at(
        now() - Duration::seconds(120) + Duration::seconds(k),
        latency_ms,
        outcome,
    )
}

/// A probe of [`URL`] taken at `ts`.
/// The scripted sessions' first record: the TERP plan in production.
/// The operator's `b`: a baseline of `error_rate` and a 60 ms p95 from 30
/// probes.
pub fn operator_pin(error_rate: f64) -> Event {
    Event::BaselinePinned {
        error_rate,
        latency_ms: Some(60.0),
        samples: 30,
        source: rollout_cockpit::domain::monitor::BaselineSource::Operator,
        log_errors_per_min: None,
        requests: None,
        throughput: None,
    }
}

pub fn terp_started(plan: &Plan) -> Event {
    Event::SessionStarted {
        runbook: "terp-production-rollout.md".into(),
        runbook_hash: plan.hash.clone(),
        environment: "production".into(),
    }
}

/// `secs` one-a-second probes from `from`: every `fail_every`th a 503 (none
/// when 0), the others 40–60 ms.
pub fn probe_batch(from: DateTime<Utc>, secs: i64, fail_every: i64) -> Event {
    let samples = (0..secs)
        .map(|k| {
            let ts = from + Duration::seconds(k);
            if fail_every > 0 && k % fail_every == 0 {
                sample_at(ts, 0.0, Outcome::HttpStatus(503))
            } else {
                sample_at(ts, 40.0 + (k % 5) as f64 * 5.0, Outcome::Ok)
            }
        })
        .collect();
    Event::Samples { samples }
}

pub fn sample_at(ts: DateTime<Utc>, latency_ms: f64, outcome: Outcome) -> ProbeSample {
    let details = outcome.is_ok().then(|| terp_details("healthy", 7, 0));
    ProbeSample {
        sample: Sample {
            ts,
            url: URL.into(),
            latency_ms,
            outcome,
        },
        details,
    }
}

impl Session {
    /// Journals a batch, as the loop does about once a second.
    pub fn samples(&mut self, samples: Vec<ProbeSample>) {
        self.record(Event::Samples { samples });
    }

    /// `n` healthy 1 s samples from second `from`: 180 ms, 41 ms p50-ish.
    pub fn healthy(&mut self, from: i64, n: i64) {
        let batch = (from..from + n)
            .map(|k| sample(k, 40.0 + (k % 5) as f64 * 35.0, Outcome::Ok))
            .collect();
        self.samples(batch);
    }
}

/// Probing with a pinned baseline, then a degraded minute: errors (1 in 2
/// probes answers 503: against a clean 40-probe baseline the 4th failure is
/// significant, so it fires within the 20 s) and slow answers just started
/// (pending). The TERP body says "degraded" with the pool nearly exhausted.
pub fn degraded() -> Session {
    let mut s = Session::new(terp());
    s.record(Event::MonitorConfigured(monitor_config()));
    s.healthy(0, 40);
    s.cmd(Cmd::PinBaseline);
    let mut batch = Vec::new();
    for k in 40..60 {
        let mut p = if k % 2 == 0 {
            sample(k, 3.0, Outcome::HttpStatus(503))
        } else if k >= 54 {
            sample(k, 412.0, Outcome::Ok)
        } else {
            sample(k, 120.0, Outcome::Ok)
        };
        if p.details.is_some() {
            p.details = Some(terp_details("degraded", 1, 3));
        }
        batch.push(p);
    }
    s.samples(batch);
    s
}

/// Each criterion's verdict state, in the engine's order.
pub fn verdict_states(s: &Session) -> Vec<rollout_cockpit::domain::monitor::criteria::State> {
    s.state
        .session
        .health
        .engine
        .verdicts
        .iter()
        .map(|v| v.state)
        .collect()
}

/// The newest frame of a loop over a [`rollout_cockpit::shell::front::Script`]
/// once one satisfies `ok`; panics with the last one.
pub async fn wait_for(
    d: &mut rollout_cockpit::shell::front::Driver,
    what: &str,
    ok: impl Fn(&str) -> bool,
) -> String {
    let mut last = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        match tokio::time::timeout_at(deadline, d.frames.recv()).await {
            Ok(Some(f)) => {
                if ok(&f) {
                    return f;
                }
                last = f;
            }
            _ => panic!("no frame with {what}; the last one:\n{last}"),
        }
    }
}
