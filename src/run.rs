//! `rollout-cockpit run`: everything before and after the loop. Input errors
//! (runbook, config, session directory) are reported before the screen opens,
//! with exit 2; the loop itself lives in [`crate::app`].

use std::path::{Path, PathBuf};

use chrono::{Local, Utc};

use crate::app;
use crate::cli::RunArgs;
use crate::config::Config;
use crate::journal::{self, Journal};
use crate::keys::Keymap;
use crate::profile::{self, Profile};
use crate::runbook::{self, Runbook};
use crate::state::{Plan, Settings, State};
use crate::ui::ViewState;

pub fn main(args: &RunArgs) -> u8 {
    launch(args, None).0
}

/// The cockpit with `profile` instead of the one `--env` names (the demo
/// brings its own). Also returns the journal's path once a session exists.
pub fn launch(args: &RunArgs, profile: Option<Profile>) -> (u8, Option<String>) {
    match prepare(args, profile) {
        Ok((state, keymap, journal)) => {
            let path = state.settings.journal.clone();
            match run(state, keymap, journal, args.mouse) {
                Ok(code) => (code, path),
                Err(e) => {
                    eprintln!("rollout-cockpit: {e:#}");
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

fn prepare(args: &RunArgs, profile: Option<Profile>) -> Result<(State, Keymap, Journal), String> {
    let loaded = runbook::load(args.runbook.as_deref()).map_err(|e| e.to_string())?;
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
    let dir = journal::new_session_dir(&root, &stem(loaded.path.as_deref()), Local::now())
        .map_err(|e| format!("{}: cannot create a session directory: {e}", root.display()))?;
    let journal = Journal::create(&dir)
        .map_err(|e| format!("{}: cannot create the journal: {e}", dir.display()))?;
    let settings = Settings {
        operator,
        environment,
        runbook_name: loaded.name.clone(),
        health: args
            .health
            .iter()
            .map(|url| profile::rewrite_url(&profile, url))
            .collect(),
        interval: args.interval,
        journal: Some(journal.path().display().to_string()),
        profile,
    };
    let plan = Plan::new(loaded.runbook, &loaded.text);
    Ok((State::new(plan, settings, Utc::now()), keymap, journal))
}

fn run(state: State, keymap: Keymap, journal: Journal, mouse: bool) -> anyhow::Result<u8> {
    // The log goes to the log pane; stderr belongs to the terminal screen.
    crate::ui::log::init();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let view = ViewState::new(keymap);
    runtime.block_on(app::run(state, view, journal, mouse))
}
