//! `rollout-cockpit watch`: the cockpit as a read-only mirror of another
//! process's session. The state is the replay of its journal, then every
//! record appended to it, from the journal tail (`crate::shell::tail`). It
//! holds no lock and writes nothing: the tail only looks whether the
//! deployer's cockpit still holds the session's (`journal::lock::held`).
//!
//! The output pane mirrors the deployer's: it shows the newest command.
//! Its log file (already masked and stripped by `run`) is followed by a
//! worker of its own from `command_started` to `command_exited`, and its
//! lines reach the loop as the same `ExecEvent::Output` that `run` feeds.
//! A command that ended before `watch` started shows its log's last lines.

use std::path::Path;
use std::thread;

use chrono::Utc;

use crate::cli::WatchArgs;
use crate::config::keys::Keymap;
use crate::core::event::Event;
use crate::core::settings::Settings;
use crate::core::state::State;
use crate::journal::sessions;
use crate::shell::cockpit;
use crate::shell::tail::{POLL, Tail};
use crate::ui::ViewState;

/// Builds the mirror's state from a session directory.
pub fn prepare(dir: &Path) -> Result<(State, Tail, Vec<String>), String> {
    // `run` writes its first record as the screen opens: give it a moment.
    let mut tries = 0;
    let replayed = loop {
        match sessions::open(dir) {
            Ok(r) => break r,
            Err(e) if e.contains("no session_started") && tries < 20 => {
                tries += 1;
                thread::sleep(POLL);
            }
            Err(e) => return Err(e),
        }
    };
    let settings = settings_of(&replayed);
    let mut state = State::replay(
        replayed.plan.clone(),
        settings,
        Utc::now(),
        &replayed.records,
    );
    state.read_only = true;
    let mut tail = Tail::after(&replayed.journal, &replayed.loaded, &replayed.plan.hash);
    // The deployer's pane shows the newest command: so does the mirror's,
    // running (followed) or ended (its log's last lines).
    if let Some(r) = state.session.runs.list.last() {
        tail.first = Some((r.run, r.log.clone(), r.running()));
    }
    if let Some((run, ..)) = &tail.first {
        crate::core::update::runs::mirror_started(&mut state, *run);
    }
    Ok((state, tail, replayed.notices))
}

/// The settings of someone else's session, as its journal started it. A
/// mirror (or a replay) probes nothing: its samples come from the journal.
pub fn settings_of(replayed: &sessions::Replayed) -> Settings {
    let started = replayed.records.iter().find_map(|r| match &r.event {
        Event::SessionStarted {
            runbook,
            environment,
            ..
        } => Some((r.by.clone(), runbook.clone(), environment.clone())),
        _ => None,
    });
    let (operator, runbook_name, environment) =
        started.unwrap_or_else(|| ("?".into(), "?".into(), "unknown environment".into()));
    Settings {
        journal: Some(replayed.journal.display().to_string()),
        ..Settings::replay(operator, environment, runbook_name)
    }
}

pub fn main(args: &WatchArgs) -> u8 {
    mirror(args, false)
}

/// The keys of `--config`'s `[keys]` (the default ones without it); the
/// error names the file and the key.
fn keys(config: Option<&Path>) -> Result<Keymap, String> {
    let Some(path) = config else {
        return Ok(Keymap::default());
    };
    crate::config::Config::load(path)
        .map_err(|e| e.to_string())?
        .keymap()
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// `watch`, or with `join` the co-pilot's cockpit: the same mirror, whose
/// checklist keys become requests over the session's socket.
pub fn mirror(args: &WatchArgs, join: bool) -> u8 {
    let keymap = match keys(args.config.as_deref()) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("rollout-cockpit: {e}");
            return 2;
        }
    };
    // Connected before the screen opens: a refusal is said on the terminal.
    let prepared = sessions::resolve_arg(args.path.as_deref(), true).and_then(|d| {
        let link = match join {
            true => Some(crate::shell::copilot::connect(&d)?),
            false => None,
        };
        prepare(&d).map(|p| (p, link))
    });
    let ((mut state, tail, notices), link) = match prepared {
        Ok(p) => p,
        Err(e) => {
            eprintln!("rollout-cockpit: {e}");
            return 2;
        }
    };
    let keymap = match &link {
        Some(l) => {
            state.copilot = true;
            state.settings.team.copilot_may_roll_back = l.may_roll_back;
            keymap.copilot()
        }
        None => keymap.read_only(),
    };
    run_read_only(
        state,
        &notices,
        keymap,
        cockpit::Feed::Tail(tail),
        args.mouse,
        link.map(crate::shell::copilot::Copilot::Join),
    )
}

/// Runs a read-only cockpit (`watch`, `join`, `replay`) to its end, the
/// session's notices in its log pane; the exit code.
pub fn run_read_only(
    state: State,
    notices: &[String],
    keymap: Keymap,
    feed: cockpit::Feed,
    mouse: bool,
    copilot: Option<crate::shell::copilot::Copilot>,
) -> u8 {
    crate::ui::log::init();
    for n in notices {
        log::warn!("{n}");
    }
    if let Some(crate::shell::copilot::Copilot::Join(l)) = &copilot {
        log::info!("joined as {}: your ticks and notes carry this name", l.user);
    }
    let view = ViewState::new(keymap);
    let run = || -> anyhow::Result<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(cockpit::run(state, view, feed, mouse, copilot))
    };
    match run() {
        Ok(code) => code,
        Err(e) => {
            // The terminal may be gone: a failed write must not panic.
            let _ = std::io::Write::write_fmt(
                &mut std::io::stderr(),
                format_args!("rollout-cockpit: {e:#}\n"),
            );
            1
        }
    }
}
