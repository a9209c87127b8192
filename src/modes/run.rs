//! `rollout-cockpit run`: everything before and after the loop. Input errors
//! (runbook, config, session directory) are reported before the screen opens,
//! with exit 2; the loop itself lives in [`crate::shell::cockpit`].

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use chrono::{Local, Utc};
use chrono_tz::Tz;

use crate::cli::RunArgs;
use crate::config::Config;
use crate::config::keys::Keymap;
use crate::core::event::DemoClock;
use crate::core::modal::Modal;
use crate::core::plan::Plan;
use crate::core::settings::MonitorSetup;
use crate::core::settings::Settings;
use crate::core::state::State;
use crate::core::window;
use crate::domain::profile::Profile;
use crate::domain::runbook::{self, Runbook};
use crate::journal::lock::{self, Lock, LockError};
use crate::journal::sessions;
use crate::journal::{self, Journal};
use crate::shell::cockpit;
use crate::ui::ViewState;

pub fn main(args: &RunArgs) -> u8 {
    launch(args, None, None).0
}

/// The cockpit with `profile` instead of the one `--env` names (the demo
/// brings its own), and the demo's window clock and tour when `demo` is set.
/// Also returns the journal's path once a session exists.
pub fn launch(
    args: &RunArgs,
    profile: Option<Profile>,
    demo: Option<DemoClock>,
) -> (u8, Option<String>) {
    match prepare(args, profile, demo) {
        Ok(p) => {
            let path = p.state.settings.journal.clone();
            // Held until the loop ends; dropped (file removed) on a normal exit.
            let _lock = p.lock;
            let copilot = p.socket.map(crate::shell::copilot::Copilot::Serve);
            match run(p.state, p.keymap, p.journal, p.notices, args.mouse, copilot) {
                Ok(code) => (code, path),
                Err(e) => {
                    // The terminal may be gone: a failed write must not panic
                    // with the lock still held.
                    let _ = writeln!(std::io::stderr(), "rollout-cockpit: {e:#}");
                    (1, path)
                }
            }
        }
        Err(message) => {
            eprintln!("rollout-cockpit: {message}");
            (2, None)
        }
    }
}

/// "production" unless the config or the runbook says otherwise.
pub fn guess_environment(runbook: &Runbook, name: &str) -> String {
    let hay = format!("{} {name}", runbook.title).to_lowercase();
    for env in ["production", "staging", "preview", "development"] {
        if hay.contains(env) || (env == "production" && hay.contains("prod")) {
            return env.to_string();
        }
    }
    "unknown environment".to_string()
}

fn stem(path: Option<&Path>) -> String {
    path.and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "terp-production-rollout".to_string())
}

/// `[exec]`, `[rollback]`, `[notify]`, `--workdir`, `--auto-rollback-after`.
fn exec_settings(
    args: &RunArgs,
    config: &Config,
) -> Result<crate::core::settings::ExecSettings, String> {
    // A key's error names the file, as `Config::load`'s do.
    let in_file = |e: String| match &args.config {
        Some(p) => format!("{}: {e}", p.display()),
        None => e,
    };
    let mut s = crate::core::settings::ExecSettings::default();
    if let Some(e) = &config.exec {
        if let Some(shell) = &e.shell {
            s.shell = shell.clone();
        }
        if let Some(flags) = &e.flags {
            s.flags = flags.clone();
        }
        if let Some(t) = e.tick_on_success {
            s.tick_on_success = t;
        }
        if let Some(k) = e.keep_background {
            s.keep_background = k;
        }
    }
    s.workdir = match &args.workdir {
        Some(w) => w.clone(),
        None => std::env::current_dir().map_err(|e| format!("--workdir: {e}"))?,
    };
    if !s.workdir.is_dir() {
        return Err(format!(
            "--workdir {}: not a directory",
            s.workdir.display()
        ));
    }
    s.auto_rollback_after = match (args.auto_rollback_after, &config.rollback) {
        (Some(d), _) => Some(d),
        (None, Some(r)) => match &r.auto_after {
            Some(text) => Some(
                crate::domain::duration::parse(text)
                    .map_err(|e| in_file(format!("rollback.auto_after: {e}")))?,
            ),
            None => None,
        },
        (None, None) => None,
    };
    let masker = config.masker().map_err(in_file)?;
    s.masker = crate::core::settings::SharedMasker(std::sync::Arc::new(masker));
    s.webhook = config.webhook_url().map(crate::core::settings::WebhookUrl);
    Ok(s)
}

struct Prepared {
    state: State,
    keymap: Keymap,
    journal: Journal,
    lock: Lock,
    /// Said in the log pane once the screen is up (torn line, mapping).
    notices: Vec<String>,
    /// The co-pilot socket, bound (`join` connects to it).
    socket: Option<crate::shell::copilot::Socket>,
}

/// `tz`: the cockpit's zone (the window's), so every time the deployer
/// reads before the screen opens matches the one on it.
fn refused(dir: &Path, e: LockError, tz: Tz) -> String {
    match e {
        LockError::Held(h) => format!(
            "{}: this session is live: {} (pid {}) has been running it since {}.\n\
             To follow it read-only: rollout-cockpit watch '{}'\n\
             To start a separate session anyway: rollout-cockpit run --new",
            dir.display(),
            h.operator,
            h.pid,
            h.since.with_timezone(&tz).format("%H:%M %Z"),
            dir.display()
        ),
        other => other.to_string(),
    }
}

/// `Resume session X (N events, last at T by alice)? [Y/n]`, on the
/// terminal before the screen opens. Without a terminal: a new session.
fn ask_resume(dir: &Path, tz: Tz) -> Result<bool, String> {
    let loaded = journal::load(&dir.join(journal::FILE_NAME)).map_err(|e| e.to_string())?;
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    let last = loaded.records.last().map_or_else(String::new, |r| {
        format!(
            ", last at {} by {}",
            r.ts.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z"),
            r.by
        )
    });
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "rollout-cockpit: session {name} is unfinished; stdin is not a terminal, so a new \
             session starts (--resume picks it up instead)"
        );
        return Ok(false);
    }
    eprint!(
        "Resume session {name} ({}{last})? [Y/n] ",
        crate::domain::words::count(loaded.records.len(), "event")
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| format!("reading the answer: {e}"))?;
    Ok(!matches!(answer.trim().to_lowercase().as_str(), "n" | "no"))
}

fn prepare(
    args: &RunArgs,
    profile: Option<Profile>,
    demo: Option<DemoClock>,
) -> Result<Prepared, String> {
    let loaded = runbook::load(args.runbook.as_deref()).map_err(|e| e.to_string())?;
    if !args.force
        && loaded.runbook.items.is_empty()
        && !loaded.runbook.sections.iter().any(|s| s.runnable)
    {
        // An empty checklist would give the deployer nothing to tick, run or
        // record: say so before the window, not inside it.
        return Err(format!(
            "{}: nothing to run or tick: no task items (- [ ]), no numbered procedure steps and no step with a command; `rollout-cockpit check {}` shows what was read, and --force starts the cockpit anyway (health and criteria only)",
            loaded.name, loaded.name
        ));
    }
    let config = match &args.config {
        Some(p) => Config::load(p).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    let keymap = config.keymap().map_err(|e| {
        format!(
            "{}: {e}",
            args.config
                .as_deref()
                .unwrap_or(Path::new("config"))
                .display()
        )
    })?;
    let operator = args
        .operator
        .clone()
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "operator".to_string());
    let profile = match (profile, &args.env) {
        (Some(p), _) => p,
        (None, Some(name)) => config.profile(name)?,
        (None, None) => Profile::default(),
    };
    // Rehearsing with --env staging is a staging session, whatever the
    // runbook's title says: the header must not cry "production".
    let environment = config
        .environment
        .clone()
        .or_else(|| args.env.clone())
        .unwrap_or_else(|| guess_environment(&loaded.runbook, &loaded.name));
    let root: PathBuf = args
        .session_dir
        .clone()
        .or_else(journal::default_root)
        .ok_or("--session-dir: no default (neither XDG_STATE_HOME nor HOME is set)")?;
    let stem = stem(loaded.path.as_deref());
    let config_name = args
        .config
        .as_deref()
        .map_or_else(|| "config".to_string(), |p| p.display().to_string());
    let monitor = if args.no_health {
        MonitorSetup {
            probe: args.probe.probe_settings(),
            ..MonitorSetup::default()
        }
    } else {
        MonitorSetup::resolve(
            &args.probe,
            &config,
            &config_name,
            &profile,
            &loaded.runbook.health_urls,
            &loaded.name,
        )?
    };
    let percentiles: Vec<u8> = loaded
        .runbook
        .criteria
        .iter()
        .filter(|c| c.kind == crate::domain::runbook::CriterionKind::Latency)
        .filter_map(|c| c.percentile)
        .collect();
    let monitor = monitor.with_prometheus(
        args.prometheus.as_deref(),
        config.prometheus.as_ref(),
        &config_name,
        &percentiles,
        args.probe.window,
        &args.probe.criteria_settings(&config),
    )?;
    let logs = crate::core::settings::LogSetup::resolve(&args.logs, &config)?;
    let mut team = config.team();
    team.two_person =
        runbook::approvals::two_person(&loaded.runbook, config.two_person(), "rules.two_person")
            .map_err(|e| format!("{config_name}: {e} ({})", loaded.name))?
            .into_iter()
            .map(|t| t.row.into())
            .collect();
    if args.emergency && team.members.is_empty() {
        return Err(format!(
            "--emergency: a co-pilot approves before the first command runs, and {config_name} \
             names no one who may join ([team] members = [\"their user name\"])"
        ));
    }
    team.emergency = args.emergency;
    let plan = Plan::new(loaded.runbook, &loaded.text);
    let tz = window::zone(plan.runbook.window.as_ref());
    let mut settings = Settings {
        operator,
        environment,
        runbook_name: loaded.name.clone(),
        journal: None,
        monitor,
        profile,
        exec: exec_settings(args, &config)?,
        demo,
        logs,
        team,
    };

    let unfinished = sessions::newest_unfinished(&root, &stem);
    if let Some(dir) = &unfinished
        && !args.new
        && let Some(h) = lock::holder(dir)
    {
        return Err(refused(dir, LockError::Held(h), tz));
    }
    // A damaged session must not block the runbook for good: plain `run`
    // passes it by, saying so; `--resume` still refuses it, with the line.
    let unfinished = match unfinished {
        Some(d) if !args.resume && !args.new => match journal::load(&d.join(journal::FILE_NAME)) {
            Ok(_) => Some(d),
            Err(e) => {
                eprintln!(
                    "rollout-cockpit: note: session {} is damaged and was skipped ({e}); a new \
                     session starts (--new does this without looking; --resume would refuse it, \
                     and its journal is left as it is)",
                    d.display()
                );
                None
            }
        },
        other => other,
    };
    let resume_dir = match (&unfinished, args.resume, args.new) {
        (_, _, true) => None,
        (None, true, _) => {
            return Err(format!(
                "--resume: no unfinished session of {stem} under {}",
                root.display()
            ));
        }
        (None, false, _) => None,
        (Some(d), true, _) => Some(d.clone()),
        (Some(d), false, _) => ask_resume(d, tz)?.then(|| d.clone()),
    };

    let mut notices = Vec::new();
    let (dir, journal, state, lock) = match resume_dir {
        Some(dir) => {
            let lock = Lock::acquire(&dir, &settings.operator).map_err(|e| refused(&dir, e, tz))?;
            let path = dir.join(journal::FILE_NAME);
            let loaded_journal = journal::load(&path)
                .map_err(|e| format!("{e}\ncannot resume this session: it is left as it is"))?;
            if let Some(t) = &loaded_journal.torn {
                eprintln!("rollout-cockpit: {}", t.notice(&path));
            }
            let old_hash = sessions::last_hash(&loaded_journal.records).map(str::to_string);
            if old_hash.as_deref().is_some_and(|h| h != plan.hash) {
                let msg = format!(
                    "{}: the runbook changed since this session started: ticks and notes are \
                     matched to it by section and item text",
                    loaded.name
                );
                eprintln!("rollout-cockpit: warning: {msg}");
                notices.push(msg);
            }
            needs_a_terminal()?;
            let replayed = sessions::finish(&dir, loaded_journal, plan.clone());
            for n in &replayed.notices {
                eprintln!("rollout-cockpit: {n}");
            }
            notices.extend(replayed.notices.iter().cloned());
            if let Some(env) = replayed.records.iter().find_map(|r| match &r.event {
                crate::core::event::Event::SessionStarted { environment, .. } => {
                    Some(environment.clone())
                }
                _ => None,
            }) {
                settings.environment = env;
            }
            settings.journal = Some(path.display().to_string());
            let state = State::replay(plan.clone(), settings, Utc::now(), &replayed.records);
            let journal = Journal::resume(&path, &replayed.loaded)
                .map_err(|e| format!("{}: cannot reopen the journal: {e}", path.display()))?;
            (dir, journal, state, lock)
        }
        None => {
            needs_a_terminal()?;
            let dir = journal::new_session_dir(&root, &stem, Local::now()).map_err(|e| {
                format!("{}: cannot create a session directory: {e}", root.display())
            })?;
            let lock = Lock::acquire(&dir, &settings.operator).map_err(|e| refused(&dir, e, tz))?;
            if settings.demo.is_some() {
                // The demo's stand-in commands write files: into the session's
                // own directory, never the one the demo was started from.
                let work = dir.join("work");
                std::fs::create_dir_all(&work).map_err(|e| {
                    format!("{}: cannot create the demo's workdir: {e}", work.display())
                })?;
                settings.exec.workdir = work;
            }
            let journal = Journal::create(&dir)
                .map_err(|e| format!("{}: cannot create the journal: {e}", dir.display()))?;
            settings.journal = Some(journal.path().display().to_string());
            (
                dir,
                journal,
                State::new(plan.clone(), settings, Utc::now()),
                lock,
            )
        }
    };
    let mut state = state;
    if state.settings.demo.is_some() {
        state.ui.modal = Some(Modal::Tour);
    }
    // `watch` and `report` read the runbook from the session, not the path.
    sessions::save_runbook(&dir, &plan.hash, &loaded.text)
        .map_err(|e| format!("{}: cannot keep a copy of the runbook: {e}", dir.display()))?;
    // Bound while the session lock is held: a socket file left by a crash
    // is stale and removed. Without it the session still runs, alone.
    let socket = match crate::shell::copilot::bind(&dir, &state.settings.team) {
        Ok((socket, warnings)) => {
            for w in warnings {
                eprintln!("rollout-cockpit: warning: {w}");
                notices.push(w);
            }
            Some(socket)
        }
        Err(e) => {
            let e = format!("no co-pilot can join: {e}");
            eprintln!("rollout-cockpit: warning: {e}");
            notices.push(e);
            None
        }
    };
    Ok(Prepared {
        state,
        keymap,
        journal,
        lock,
        notices,
        socket,
    })
}

/// The cockpit is a screen: without one, say so before a session is
/// created or resumed (the journal would record a session nobody saw).
fn needs_a_terminal() -> Result<(), String> {
    if std::io::stdout().is_terminal() {
        Ok(())
    } else {
        Err("run needs a terminal (stdout is not one): start it in a terminal or tmux;              check and monitor work without one"
            .into())
    }
}

fn run(
    state: State,
    keymap: Keymap,
    journal: Journal,
    notices: Vec<String>,
    mouse: bool,
    copilot: Option<crate::shell::copilot::Copilot>,
) -> anyhow::Result<u8> {
    // The log goes to the log pane; stderr belongs to the terminal screen.
    crate::ui::log::init();
    for n in notices {
        log::warn!("{n}");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let view = ViewState::new(keymap);
    let result = runtime.block_on(cockpit::run(state, view, journal, mouse, copilot));
    // A probe's DNS lookup on the blocking pool must not hold the exit.
    runtime.shutdown_background();
    result
}
