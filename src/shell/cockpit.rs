//! The loop: one `tokio::select!` over the terminal's events, the workers'
//! channel, the clock and the signals. Keys become actions, `update` turns
//! them into effects, journaled events come back from the journal worker once
//! they are on disk, and only then change the state. Redraws happen only when
//! something changed, at most ~30 times a second.

use std::io;
use std::sync::mpsc as std_mpsc;
use std::thread;
use std::time::Duration;

use anyhow::Context;
use chrono::{Timelike, Utc};
use crossterm::event::{Event as TermEvent, KeyEventKind, MouseEventKind};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior, interval, sleep_until};

use std::collections::{BTreeMap, HashMap};

use crate::core::action::{Action, Cmd};

use crate::core::effect::{Effect, Leftover, Spawn};

use crate::core::event::{Event, Machine, OutputMark, Record, Target};
use crate::core::state::State;
use crate::core::timeline::Timeline;
use crate::core::update::update;
use crate::domain::exec::terminal::TerminalRun;
use crate::domain::exec::{self, ExecEvent, RunHandle, RunId, RunSpec};
use crate::domain::logs::{LogCount, LogMsg, LogSpec};
use crate::journal::Journal;
use crate::shell::copilot::Copilot;
use crate::shell::front::{Front, Real};
use crate::shell::msg::CopilotMsg;
pub use crate::shell::msg::Msg;
use crate::shell::probes::Batch;
use crate::shell::tail::Tail;
use crate::ui::{self, ViewState};

const FRAME: Duration = Duration::from_millis(33);
const MACHINE_EVERY: Duration = Duration::from_secs(2);

/// The cockpit's thread and channel while one runs: a panic anywhere else
/// (a reader thread, a spawned task) is reported to it instead of taking
/// the terminal out of full screen under a cockpit that is still live.
type PanicSink = Option<(thread::ThreadId, mpsc::UnboundedSender<Msg>)>;
static PANIC_SINK: std::sync::Mutex<PanicSink> = std::sync::Mutex::new(None);

/// Until dropped, panics in workers become [`Msg::Panicked`] on `tx`; a
/// panic on the loop itself still goes to the hook installed before (the
/// one that restores the terminal).
pub struct WorkerPanics(());

impl Drop for WorkerPanics {
    fn drop(&mut self) {
        if let Ok(mut sink) = PANIC_SINK.lock() {
            *sink = None;
        }
    }
}

pub fn report_worker_panics(tx: &mpsc::UnboundedSender<Msg>) -> WorkerPanics {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // `try_lock`: a panic while the sink is being set must not
            // deadlock the hook.
            let sink = PANIC_SINK.try_lock().ok().and_then(|s| s.clone());
            let on_loop = |id| thread::current().id() == id && tokio::task::try_id().is_none();
            match sink {
                Some((id, tx)) if !on_loop(id) => {
                    let what = info
                        .payload()
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_string())
                        .or_else(|| info.payload().downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "panic".into());
                    let at = info
                        .location()
                        .map_or(String::new(), |l| format!(" at {l}"));
                    let name = thread::current().name().unwrap_or("worker").to_string();
                    let text = format!("{name}: {what}{at}");
                    log::error!("internal error in {text}");
                    let _ = tx.send(Msg::Panicked(text));
                }
                _ => previous(info),
            }
        }));
    });
    if let Ok(mut sink) = PANIC_SINK.lock() {
        *sink = Some((thread::current().id(), tx.clone()));
    }
    WorkerPanics(())
}

/// Where the state's facts come from: this session's own journal writer
/// (`run`), or another process's journal, tailed read-only (`watch`).
pub enum Feed {
    Write(Journal),
    Tail(Tail),
    /// `replay`: a session's records, moved through by keys and play.
    Replay(Box<Timeline>),
}

impl From<Journal> for Feed {
    fn from(j: Journal) -> Feed {
        Feed::Write(j)
    }
}

/// The journal worker's inbox: an event, and whose it is when not the
/// operator's (a co-pilot's request).
struct JournalTx(std_mpsc::Sender<(Option<String>, Event)>);

impl JournalTx {
    fn send(&self, event: Event) -> Result<(), ()> {
        self.0.send((None, event)).map_err(|_| ())
    }

    fn send_as(&self, by: String, event: Event) -> Result<(), ()> {
        self.0.send((Some(by), event)).map_err(|_| ())
    }
}

/// The journal worker owns the file: it writes (and fsyncs) each event and
/// sends back the record, so the state never shows an unsaved decision.
fn spawn_journal(
    mut journal: Journal,
    by: String,
    tx: mpsc::UnboundedSender<Msg>,
) -> io::Result<(JournalTx, thread::JoinHandle<()>)> {
    let (etx, erx) = std_mpsc::channel::<(Option<String>, Event)>();
    let handle = thread::Builder::new()
        .name("journal".into())
        .spawn(move || {
            for (who, event) in erx {
                let msg = match journal.append(who.as_deref().unwrap_or(&by), Utc::now(), event) {
                    Ok(r) => Msg::Journaled(r),
                    Err(e) => Msg::JournalFailed(format!("{}: {e}", journal.path().display())),
                };
                if tx.send(msg).is_err() {
                    break;
                }
            }
        })?;
    Ok((JournalTx(etx), handle))
}

/// What became of the commands a stopped cockpit left without an exit
/// (skipping those a resume before this one found already over).
fn leftovers(state: &State) -> Vec<Leftover> {
    state
        .session
        .runs
        .list
        .iter()
        .filter(|r| r.exit.is_none() && (!r.lost || r.still_running) && !r.terminal)
        .map(|r| Leftover {
            run: r.run,
            pgid: r.pgid,
            alive: r.pgid.is_some_and(exec::group_running),
        })
        .collect()
}

/// Samples CPU and memory off the render path.
fn spawn_machine(tx: mpsc::UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let mut sys = sysinfo::System::new();
        let mut tick = interval(MACHINE_EVERY);
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            sys.refresh_cpu_usage();
            sys.refresh_memory();
            let m = Machine {
                cpu_percent: sys.global_cpu_usage(),
                mem_used: sys.used_memory(),
                mem_total: sys.total_memory(),
            };
            if tx.send(Msg::Machine(m)).is_err() {
                break;
            }
        }
    });
}

/// The cockpit on the real terminal.
pub async fn run(
    state: State,
    view: ViewState,
    feed: impl Into<Feed>,
    mouse: bool,
    copilot: Option<Copilot>,
) -> anyhow::Result<u8> {
    let front = Real::open(mouse).context("opening the terminal")?;
    let cockpit = Cockpit::new(front, state, view, feed);
    match copilot {
        Some(c) => cockpit.with_copilot(c).run().await,
        None => cockpit.run().await,
    }
}

/// The loop and what it runs on: the real terminal ([`Real`]) or a test's
/// ([`crate::shell::front::Script`] over a `TestBackend`, with scripted keys,
/// clock and worker messages). Tests run this very loop.
pub struct Cockpit<F: Front> {
    front: F,
    state: State,
    view: ViewState,
    feed: Feed,
    tx: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
    copilot: Option<Copilot>,
}

impl<F: Front> Cockpit<F> {
    /// With the co-pilot socket to serve (`run`), or a co-pilot's link to
    /// the deployer's cockpit (`join`).
    pub fn with_copilot(mut self, copilot: Copilot) -> Cockpit<F> {
        self.copilot = Some(copilot);
        self
    }

    pub fn new(front: F, state: State, view: ViewState, feed: impl Into<Feed>) -> Cockpit<F> {
        let (tx, rx) = mpsc::unbounded_channel::<Msg>();
        Cockpit {
            front,
            state,
            view,
            feed: feed.into(),
            tx,
            rx,
            copilot: None,
        }
    }

    /// Where workers (and a test standing in for them) send the loop
    /// their messages: probes, log lines, a command's output.
    pub fn sender(&self) -> mpsc::UnboundedSender<Msg> {
        self.tx.clone()
    }

    /// Runs until the session is quit or the terminal is gone; the exit
    /// code of `run`.
    pub async fn run(self) -> anyhow::Result<u8> {
        drive(self).await
    }
}

async fn drive<F: Front>(cockpit: Cockpit<F>) -> anyhow::Result<u8> {
    let Cockpit {
        mut front,
        mut state,
        mut view,
        feed,
        tx,
        mut rx,
        copilot,
    } = cockpit;
    let (mut journal_tx, mut journal_thread, mut journal_path) = (None, None, None);
    let mut timeline: Option<Box<Timeline>> = None;
    match feed {
        Feed::Write(journal) => {
            journal_path = Some(journal.path().to_path_buf());
            let (etx, handle) = spawn_journal(journal, state.settings.operator.clone(), tx.clone())
                .context("starting the journal writer")?;
            journal_tx = Some(etx);
            journal_thread = Some(handle);
        }
        Feed::Tail(tail) => {
            crate::shell::tail::spawn(tail, tx.clone()).context("starting the journal tail")?;
        }
        Feed::Replay(mut t) => {
            let shown = t.shown(state.exec.shown, false);
            update(&mut state, shown);
            timeline = Some(t);
        }
    }
    // Play moves the timeline a frame at a time, by the wall time passed.
    let mut play = interval(FRAME);
    play.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut played = Instant::now();
    let owns = front.owns_process();
    let mut sigterm = owned_signal(owns, SignalKind::terminate()).context("SIGTERM handler")?;
    let mut sighup = owned_signal(owns, SignalKind::hangup()).context("SIGHUP handler")?;
    // After the terminal's opening, which installs the restoring hook this
    // one wraps. A test's process has other threads: not its panics.
    let _worker_panics = owns.then(|| report_worker_panics(&tx));
    if let Some(jtx) = &journal_tx {
        // A resumed session already has its start; it gets a resume mark.
        let first = if state.session.started.is_some() {
            Event::Resumed {
                runbook_hash: state.plan.hash.clone(),
            }
        } else {
            Event::SessionStarted {
                runbook: state.settings.runbook_name.clone(),
                runbook_hash: state.plan.hash.clone(),
                environment: state.settings.environment.clone(),
            }
        };
        let _ = jtx.send(first);
        log::info!(
            "session started by {} on {}",
            state.settings.operator,
            state.settings.runbook_name
        );
        // Right after the start, so `watch` and `report` keep the demo's
        // window clock too; a resumed session has it already.
        if let (Some(c), None) = (state.settings.demo, state.session.clock) {
            let _ = jtx.send(Event::DemoClock(c));
        }
        for ev in state.settings.monitor.startup_events() {
            let _ = jtx.send(ev);
        }
        // The rows only a second person may tick, for every mirror and the
        // report; a resumed session's with this config's.
        let team = &state.settings.team;
        if !team.two_person.is_empty() || !state.session.two_person.is_empty() {
            let _ = jtx.send(Event::TwoPersonRule {
                targets: team.two_person.iter().copied().collect(),
            });
        }
        if team.emergency && state.session.emergency.is_none() {
            let _ = jtx.send(Event::EmergencyDeclared {});
        }
    }
    // The co-pilot: `run` serves the socket (only with a journal to write),
    // `join` talks to it. Answers go back to each connection.
    let mut copilot = copilot;
    let mut copilots: HashMap<u64, mpsc::UnboundedSender<crate::core::copilot::Reply>> =
        HashMap::new();
    let mut requests: Option<mpsc::UnboundedSender<crate::core::copilot::Request>> = None;
    match &mut copilot {
        Some(Copilot::Serve(socket)) if journal_tx.is_some() => {
            crate::shell::copilot::serve(socket, tx.clone()).context("the co-pilot socket")?;
            log::info!("co-pilots may join: {}", socket.path().display());
        }
        Some(Copilot::Join(link)) => {
            requests =
                Some(crate::shell::copilot::attach(link, tx.clone()).context("the co-pilot link")?);
        }
        _ => {}
    }
    // Commands the stopped cockpit left without an exit: found now, so the
    // first frame can ask about one still running before anything starts.
    let mut startup: Vec<Action> = match &journal_tx {
        Some(_) if state.session.started.is_some() => {
            let found = leftovers(&state);
            let mut first = vec![Action::Resumed];
            if !found.is_empty() {
                // Before `Resumed`: a command still running is asked about
                // before the rollback it may belong to goes on.
                first.insert(0, Action::Leftovers(found));
            }
            first
        }
        _ => Vec::new(),
    };
    // Groups a stopped cockpit left running, watched until they end.
    let mut watched: HashMap<u64, u32> = HashMap::new();
    let session_dir = journal_path
        .as_deref()
        .and_then(|p| p.parent())
        .map(std::path::Path::to_path_buf);
    let (log_tx, mut log_rx) = mpsc::channel::<LogMsg>(exec::CHANNEL_CAPACITY);
    let mut log_counts: Vec<LogCount> = Vec::new();
    let log_stream = match (&journal_tx, &state.settings.logs.command, &session_dir) {
        (Some(jtx), Some(command), Some(dir)) => {
            let e = &state.settings.exec;
            let _ = jtx.send(Event::LogStreamConfigured {
                command_masked: e.masker.0.mask(command).into_owned(),
                patterns: state.settings.logs.patterns.sources().to_vec(),
                errors_above: state.settings.logs.errors_above,
            });
            let mut spec = LogSpec::new(
                command.clone(),
                dir.join(crate::domain::logs::stream::FILE_NAME),
                e.masker.0.clone(),
            );
            e.shape(&mut spec.run);
            spec.patterns = state.settings.logs.patterns.clone();
            // Quitting waits for the stream's end: it gets less patience
            // than a runbook step.
            spec.run.kill.term_after = Duration::from_secs(1);
            spec.run.kill.kill_after = Duration::from_secs(2);
            if let Err(err) = std::fs::create_dir_all(dir.join("logs")) {
                log::error!("log stream: {}: {err}", dir.display());
            }
            log::info!("log stream: {}", e.masker.0.mask(command));
            Some(crate::domain::logs::spawn(spec, log_tx))
        }
        _ => None,
    };
    if owns {
        spawn_machine(tx.clone());
    }
    let mut batch = Batch::default();
    // Each running command's log lines so far, and whether that changed
    // since the last mark: journaled once a second, for `replay`.
    let mut output_lines: BTreeMap<u64, (u64, bool)> = BTreeMap::new();
    let (exec_tx, mut exec_rx) = mpsc::channel::<ExecEvent>(exec::CHANNEL_CAPACITY);
    let mut runner = Runner::default();

    let mut suspended: Option<Suspended> = None;
    // The probes run on the state's clock: a script's time moves both.
    let mut clock = front.clock();
    let probes = state.settings.monitor.spawn(&tx, &clock);
    // Ctrl-C is a key in raw mode; while a command has the terminal it is
    // that command's, and must not end the cockpit too.
    let mut sigint = owned_signal(owns, SignalKind::interrupt()).context("SIGINT handler")?;
    let mut sigquit = owned_signal(owns, SignalKind::quit()).context("SIGQUIT handler")?;
    let mut dirty = true;
    let mut write_report = false;
    let mut last_draw = Instant::now() - FRAME;
    // Why the terminal is gone, when it is (EIO, SIGHUP): the cockpit
    // closes as on quit, but the session stays open for `--resume`.
    let mut lost: Option<String> = None;
    let mut ended: Option<Event> = None;
    let code = loop {
        if dirty && suspended.is_none() && last_draw.elapsed() >= FRAME {
            tui_logger::move_events();
            if let Err(e) = front.draw(|f| ui::render(f, &state, &mut view)) {
                lost = Some(format!("writing to the terminal: {e}"));
                break 1;
            }
            let (checklist_rows, overlay_hidden) = (view.checklist_rows, view.overlay_hidden);
            update(
                &mut state,
                Action::Viewport {
                    checklist_rows,
                    overlay_hidden,
                },
            );
            last_draw = Instant::now();
            dirty = false;
        }
        let mut actions = std::mem::take(&mut startup);
        tokio::select! {
            ev = front.next_event() => match ev {
                // The command in the terminal is over and a key was pressed.
                Some(Ok(TermEvent::Key(_))) if matches!(suspended, Some(Suspended::Ended)) => {
                    suspended = None;
                    if let Err(e) = front.resume() {
                        lost = Some(format!("the terminal: {e}"));
                        break 1;
                    }
                    dirty = true;
                }
                Some(Ok(_)) if suspended.is_some() => {}
                Some(Ok(ev)) => {
                    dirty |= matches!(ev, TermEvent::Resize(..) | TermEvent::FocusGained);
                    actions.extend(terminal_action(&state, &view, &ev));
                }
                Some(Err(e)) => {
                    lost = Some(format!("reading the terminal: {e}"));
                    break 1;
                }
                None => {
                    lost = Some("the terminal closed".into());
                    break 1;
                }
            },
            Some(msg) = rx.recv() => match msg {
                Msg::Journaled(r) => {
                    log_record(&r, &state.settings.exec.masker.0);
                    // A decision shows at once: the frame limit is for
                    // floods, and the draw just after its key came before
                    // its record was folded.
                    if r.event.is_human() {
                        last_draw = Instant::now() - FRAME;
                    }
                    let started = match &r.event {
                        Event::CommandStarted { run, .. } => Some(*run),
                        _ => None,
                    };
                    update(&mut state, Action::Journaled(r));
                    if let Some(run) = &started {
                        match runner.start(*run, &state, &exec_tx) {
                            Ok(None) => {}
                            Ok(Some(_)) if !owns => {
                                // A test's terminal cannot be handed over.
                                actions.push(Action::SpawnFailed { run: *run, error: "no terminal to run it in".into() });
                            }
                            Ok(Some(spec)) => {
                                if let Err(e) = front.suspend() {
                                    lost = Some(format!("the terminal: {e}"));
                                    break 1;
                                }
                                let title = state.session.runs.get(*run).map_or(String::new(), |r| {
                                    match r.target {
                                        Some(Target::Item(i)) => state.row_text(crate::core::outline::Row::Item(i)).to_string(),
                                        Some(Target::Step(s)) => state.row_text(crate::core::outline::Row::Section(s)).to_string(),
                                        None => String::new(),
                                    }
                                });
                                let shown = state.session.runs.get(*run).map_or("", |r| r.command.as_str());
                                match TerminalRun::start(&spec, &title, shown) {
                                    Ok(t) => suspended = Some(Suspended::Running(Box::new(t))),
                                    Err(e) => {
                                        if let Err(e) = front.resume() {
                                            lost = Some(format!("the terminal: {e}"));
                                            break 1;
                                        }
                                        actions.push(Action::SpawnFailed { run: *run, error: e.to_string() });
                                    }
                                }
                            }
                            Err(error) => actions.push(Action::SpawnFailed { run: *run, error }),
                        }
                    }
                    dirty = true;
                }
                Msg::JournalFailed(e) => {
                    log::error!("journal not written: {e}");
                    actions.push(Action::JournalFailed(e));
                }
                Msg::Machine(m) => {
                    actions.push(Action::Machine(m));
                }
                Msg::Probe(p) => batch.push(p),
                Msg::Prometheus(reading) => {
                    if let Some(jtx) = &journal_tx {
                        let _ = jtx.send(Event::PrometheusReading { reading: Box::new(reading) });
                    }
                }
                Msg::Exec(ev @ ExecEvent::Output { .. }) => actions.push(Action::Exec(ev)),
                Msg::Exec(_) => {}
                Msg::Log(msg) => actions.push(Action::Log(msg)),
                Msg::Suggested { name, value } => actions.push(Action::Suggested { name, value }),
                Msg::Panicked(what) => actions.push(Action::WorkerPanicked(what)),
                Msg::Deployer { alive } => actions.push(Action::Deployer { alive }),
                Msg::Copilot(m) => match m {
                    CopilotMsg::Joined { conn, user, answers } => {
                        copilots.insert(conn, answers);
                        if let Some(jtx) = &journal_tx {
                            let _ = jtx.send_as(user.clone(), Event::CopilotJoined { user });
                        }
                    }
                    CopilotMsg::Refused { user, uid } => {
                        if let Some(jtx) = &journal_tx {
                            let _ = jtx.send(Event::CopilotRefused { user, uid });
                        }
                    }
                    CopilotMsg::Request { conn, user, same_uid, request } => {
                        actions.push(Action::Copilot { conn, user, same_uid, request });
                    }
                    CopilotMsg::Left { conn, user } => {
                        copilots.remove(&conn);
                        if let Some(jtx) = &journal_tx {
                            let _ = jtx.send_as(user.clone(), Event::CopilotLeft { user });
                        }
                    }
                    CopilotMsg::Answer(reply) => actions.push(Action::CopilotAnswer(reply)),
                    CopilotMsg::Closed => {
                        requests = None;
                        actions.push(Action::CopilotAnswer(crate::core::copilot::Reply::Error {
                            error: "the deployer's cockpit closed the connection".into(),
                        }));
                    }
                },
                Msg::Posted(result) => {
                    if let Err(e) = &result {
                        log::error!("webhook: {e}");
                    }
                    actions.push(Action::Posted(result));
                }
            },
            Some(msg) = log_rx.recv() => match msg {
                // Batched into one `LogCounts` record a second, like probes.
                LogMsg::Count(c) => log_counts.push(c),
                other => actions.push(Action::Log(other)),
            },
            Some(ev) = exec_rx.recv() => {
                match &ev {
                    ExecEvent::Exited(e) => {
                        runner.handles.remove(&e.id.0);
                        output_lines.remove(&e.id.0);
                    }
                    ExecEvent::Output { id, lines, skipped } => {
                        let n = output_lines.entry(id.0).or_default();
                        n.0 += lines.len() as u64 + skipped;
                        n.1 = true;
                    }
                    ExecEvent::Started { .. } => {}
                }
                actions.push(Action::Exec(ev));
            },
            now = clock.tick() => {
                // The screen shows minutes: redraw when the minute turns. A
                // mirror's header counts the seconds since the last update.
                if state.read_only
                    || (now.hour(), now.minute()) != (state.now.hour(), state.now.minute())
                {
                    dirty = true;
                }
                // A replay's time is its cursor's.
                if timeline.is_none() {
                    actions.push(Action::Clock(now));
                }
                let ended: Vec<Leftover> = watched
                    .iter()
                    .filter(|&(_, &pgid)| !exec::group_running(pgid))
                    .map(|(&run, &pgid)| Leftover { run, pgid: Some(pgid), alive: false })
                    .collect();
                for l in &ended {
                    watched.remove(&l.run);
                }
                if !ended.is_empty() {
                    actions.push(Action::Leftovers(ended));
                }
                if let (Some(ev), Some(jtx)) = (batch.take(), &journal_tx) {
                    let _ = jtx.send(ev);
                }
                if let (false, Some(jtx)) = (log_counts.is_empty(), &journal_tx) {
                    let _ = jtx.send(Event::LogCounts { counts: std::mem::take(&mut log_counts) });
                }
                if let Some(jtx) = &journal_tx {
                    send_marks(jtx, &mut output_lines);
                }
            },
            exit = wait_terminal(&mut suspended) => {
                suspended = Some(Suspended::Ended);
                if let Err(e) = front.command_ended(&exec::terminal::ended_line(&exit)) {
                    lost = Some(format!("the terminal: {e}"));
                    actions.push(Action::Exec(ExecEvent::Exited(exit)));
                    break 1;
                }
                actions.push(Action::Exec(ExecEvent::Exited(exit)));
            },
            _ = play.tick(), if timeline.as_ref().is_some_and(|t| t.playing()) => {
                if let Some(t) = &mut timeline {
                    t.advance(played.elapsed());
                    actions.push(t.shown(state.exec.shown, true));
                }
                played = Instant::now();
                dirty = true;
            },
            _ = sleep_until(last_draw + FRAME), if dirty && suspended.is_none() => {},
            _ = recv(&mut sigint) => {},
            _ = recv(&mut sigquit) => {},
            _ = recv(&mut sigterm) => {
                log::warn!("SIGTERM: closing");
                break 0;
            },
            _ = recv(&mut sighup) => {
                lost = Some("SIGHUP (the terminal hung up)".into());
                // Asked to close, like SIGTERM: not an error of the cockpit.
                break 0;
            },
        }
        let mut quit = false;
        let mut writer_stopped = false;
        let mut unsent = false;
        for action in actions {
            dirty = true;
            // A timeline key moves the replay; `update` shows where to.
            let action = match (&mut timeline, action) {
                (Some(t), Action::Cmd(cmd)) if cmd.moves_replay() => {
                    replay_command(t, cmd);
                    played = Instant::now();
                    t.shown(state.exec.shown, true)
                }
                (_, action) => action,
            };
            for effect in update(&mut state, action) {
                match effect {
                    // The end goes last, after the exits of the commands
                    // quitting stops: `run` reads a session's last line to
                    // tell whether it ended.
                    Effect::Journal(ev @ Event::SessionEnded { .. }) => ended = Some(ev),
                    Effect::Journal(ev) => {
                        // A mirror has no writer: nothing it does is a fact.
                        let sent = journal_tx.as_ref().is_some_and(|t| {
                            marks_before(t, &ev, &mut output_lines);
                            t.send(ev).is_ok()
                        });
                        writer_stopped |= !sent && !state.read_only;
                    }
                    Effect::JournalAs { by, event } => {
                        let sent = journal_tx.as_ref().is_some_and(|t| {
                            marks_before(t, &event, &mut output_lines);
                            t.send_as(by, event).is_ok()
                        });
                        writer_stopped |= !sent && !state.read_only;
                    }
                    Effect::Answer { conn, reply } => {
                        if let Some(a) = copilots.get(&conn) {
                            let _ = a.send(reply);
                        }
                    }
                    Effect::Send(request) => {
                        unsent |= requests.as_ref().is_none_or(|r| r.send(request).is_err());
                    }
                    Effect::WriteReport => write_report = true,
                    Effect::Quit => quit = true,
                    Effect::Spawn(s) => {
                        runner.pending.insert(s.run, s);
                    }
                    Effect::Kill(run) => {
                        if let Some(h) = runner.handles.get(&run) {
                            h.kill();
                        }
                    }
                    Effect::KillGroup(pgid) => {
                        tokio::spawn(exec::end_group(pgid, exec::KillPolicy::default()));
                    }
                    Effect::WatchGroup { run, pgid } => {
                        watched.insert(run, pgid);
                    }
                    Effect::Clipboard(text) => {
                        // Masked here too: the last gate before the text
                        // leaves the process, whatever produced it.
                        let text = state.settings.exec.masker.0.mask(&text);
                        front.copy(&text);
                    }
                    Effect::SaveFile { name, text } => {
                        if let Some(dir) = &session_dir {
                            let text = state.settings.exec.masker.0.mask(&text).into_owned();
                            let path = dir.join(&name);
                            // Off the loop: a slow disk must not stall a frame.
                            tokio::task::spawn_blocking(move || {
                                let saved = path
                                    .parent()
                                    .map_or(Ok(()), std::fs::create_dir_all)
                                    .and_then(|()| std::fs::write(&path, format!("{text}\n")));
                                if let Err(e) = saved {
                                    log::error!("{}: {e}", path.display());
                                }
                            });
                        }
                    }
                    Effect::Suggest { code, names } => {
                        let dir = state.settings.exec.workdir.clone();
                        let tx = tx.clone();
                        tokio::task::spawn_blocking(move || {
                            for name in names {
                                if let Some(s) = exec::default_for(&code, &name, &dir) {
                                    let _ = tx.send(Msg::Suggested {
                                        name,
                                        value: s.value,
                                    });
                                }
                            }
                        });
                    }
                    Effect::Webhook(text) => {
                        if let Some(url) = state.settings.exec.webhook.clone() {
                            let tx = tx.clone();
                            tokio::spawn(async move {
                                let _ = tx.send(Msg::Posted(
                                    crate::shell::notify::post(&url.0, &text).await,
                                ));
                            });
                        }
                    }
                }
            }
        }
        if unsent {
            update(
                &mut state,
                Action::CopilotAnswer(crate::core::copilot::Reply::Error {
                    error: "not connected to the deployer's cockpit".into(),
                }),
            );
        }
        if writer_stopped {
            update(
                &mut state,
                Action::JournalFailed("the journal writer stopped".into()),
            );
        }
        if quit {
            break 0;
        }
    };
    for p in probes {
        p.abort();
    }
    if let (Some(why), Some(jtx)) = (&lost, &journal_tx) {
        log::warn!("{why}: closing");
        let _ = jtx.send(Event::Noted {
            target: None,
            text: format!(
                "the cockpit lost its terminal ({why}): it stopped its commands and closed; \
                 run --resume picks the session up"
            ),
        });
    }
    // A command must not outlive the cockpit that shows it: the kill
    // escalates as for `x`, and each exit is journaled once it came.
    for h in runner.handles.values() {
        h.kill();
    }
    let policy = exec::KillPolicy::default();
    let until = Instant::now() + policy.kill_after + policy.drain_grace * 2;
    while !runner.handles.is_empty() {
        let Ok(Some(ev)) = tokio::time::timeout_at(until, exec_rx.recv()).await else {
            break;
        };
        if let ExecEvent::Exited(e) = ev {
            runner.handles.remove(&e.id.0);
            if let Some(jtx) = &journal_tx {
                let _ = jtx.send(Event::CommandExited {
                    run: e.id.0,
                    code: e.code,
                    signal: e.signal,
                    duration_ms: u64::try_from(e.duration.as_millis()).unwrap_or(u64::MAX),
                    error: None,
                });
            }
        }
    }
    if let Some(stream) = log_stream {
        stream.stop().await;
    }
    if let (Some(ev), Some(jtx)) = (batch.take(), &journal_tx) {
        let _ = jtx.send(ev);
    }
    if let (false, Some(jtx)) = (log_counts.is_empty(), &journal_tx) {
        let _ = jtx.send(Event::LogCounts { counts: log_counts });
    }
    if let (Some(ev), Some(jtx)) = (ended, &journal_tx) {
        let _ = jtx.send(ev);
    }
    // The socket goes with the session: a co-pilot cannot connect to a
    // cockpit that is closing.
    drop(copilot);
    drop(copilots);
    // Let the writer finish what it was given before the process ends.
    drop(journal_tx);
    if let Some(t) = journal_thread {
        let _ = t.join();
    }
    front.close();
    use std::io::Write;
    if let Some(why) = &lost {
        let _ = writeln!(
            io::stderr(),
            "rollout-cockpit: {why}: commands stopped; run --resume picks the session up"
        );
    }
    if let (true, Some(path)) = (write_report, journal_path) {
        // After the journal is closed: the report is a fold over all of it.
        let dir = path.parent().unwrap_or(std::path::Path::new("."));
        match crate::report::save(dir) {
            Ok(p) => {
                let _ = writeln!(io::stderr(), "report written: {}", p.display());
            }
            Err(e) => {
                let _ = writeln!(io::stderr(), "rollout-cockpit: report not written: {e}");
                return Ok(1);
            }
        }
    }
    Ok(code)
}

/// Moves a replay's timeline (and its play) on one of its keys.
fn replay_command(t: &mut Timeline, cmd: Cmd) {
    match cmd {
        Cmd::ReplayBack | Cmd::ReplayForward => t.step(cmd == Cmd::ReplayForward),
        Cmd::ReplayPrevDecision | Cmd::ReplayNextDecision => {
            t.decision(cmd == Cmd::ReplayNextDecision);
        }
        Cmd::ReplayStart => t.seek(0),
        Cmd::ReplayEnd => t.seek(usize::MAX),
        Cmd::ReplayPlay => t.toggle_play(),
        Cmd::ReplayFaster | Cmd::ReplaySlower => t.faster(cmd == Cmd::ReplayFaster),
        _ => {}
    }
}

/// The commands this loop runs: starts waiting for their journal record,
/// and the handles of those running.
#[derive(Default)]
struct Runner {
    pending: HashMap<u64, Spawn>,
    handles: HashMap<u64, RunHandle>,
}

impl Runner {
    /// Spawns a command whose `CommandStarted` is now on disk; an error
    /// message when it could not start. A command for the terminal itself
    /// is handed back: the loop suspends the screen to run it.
    fn start(
        &mut self,
        run: u64,
        state: &State,
        tx: &mpsc::Sender<ExecEvent>,
    ) -> Result<Option<RunSpec>, String> {
        let Some(s) = self.pending.remove(&run) else {
            return Ok(None);
        };
        let e = &state.settings.exec;
        let log = std::path::PathBuf::from(&s.log);
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        }
        let mut spec = RunSpec::new(RunId(run), s.code, log);
        e.shape(&mut spec);
        spec.env = s.env;
        // A finished step's `sleep 1005 &` would otherwise outlive the step,
        // and the cockpit: its kill reaches only the commands still running.
        spec.end_leftovers = !e.keep_background;
        if s.terminal {
            return Ok(Some(spec));
        }
        let h = exec::spawn(spec, e.masker.0.clone(), tx.clone()).map_err(|e| e.to_string())?;
        self.handles.insert(run, h);
        Ok(None)
    }
}

/// A command running in the terminal itself, the screen suspended; then,
/// once it ended, the wait for a key before the screen comes back.
enum Suspended {
    Running(Box<TerminalRun>),
    Ended,
}

async fn wait_terminal(s: &mut Option<Suspended>) -> exec::Exit {
    match s {
        Some(Suspended::Running(run)) => run.wait().await,
        _ => std::future::pending().await,
    }
}

/// A signal this cockpit handles; none in a test's process.
fn owned_signal(owns: bool, kind: SignalKind) -> io::Result<Option<Signal>> {
    owns.then(|| signal(kind)).transpose()
}

async fn recv(s: &mut Option<Signal>) {
    match s {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}

fn terminal_action(state: &State, view: &ViewState, ev: &TermEvent) -> Option<Action> {
    match ev {
        TermEvent::Key(k) if k.kind != KeyEventKind::Release => view.keymap.action(state.mode(), k),
        TermEvent::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown => Some(Action::Cmd(Cmd::Down)),
            MouseEventKind::ScrollUp => Some(Action::Cmd(Cmd::Up)),
            _ => None,
        },
        _ => None,
    }
}

/// How far each running command's log has got since the last mark, as
/// one record: about once a second, and before a decision (so `replay`
/// shows a decision's moment with exactly the output there was).
fn send_marks(jtx: &JournalTx, output_lines: &mut BTreeMap<u64, (u64, bool)>) {
    let marks: Vec<OutputMark> = output_lines
        .iter_mut()
        .filter(|(_, (_, changed))| *changed)
        .map(|(&run, (lines, changed))| {
            *changed = false;
            OutputMark { run, lines: *lines }
        })
        .collect();
    if !marks.is_empty() {
        let _ = jtx.send(Event::OutputMarks { marks });
    }
}

/// The marks a person's record must follow.
fn marks_before(jtx: &JournalTx, ev: &Event, output_lines: &mut BTreeMap<u64, (u64, bool)>) {
    if ev.is_human() {
        send_marks(jtx, output_lines);
    }
}

/// Into the log pane, masked: a journal written before masking covered
/// everything (a resumed session) must not show its secrets there.
fn log_record(r: &Record, masker: &crate::domain::mask::Masker) {
    match &r.event {
        Event::SessionStarted { .. } | Event::Samples { .. } | Event::PrometheusReading { .. } => {}
        other => log::info!(
            "{} {}",
            r.by,
            masker.mask(&serde_json::to_string(other).unwrap_or_default())
        ),
    }
}
