//! `rollout-cockpit replay`: the cockpit, read-only, on a session as it
//! was at any of its records. The journal is read once (a live session is
//! replayed as far as it had come); the [`Timeline`] folds it to the
//! cursor, and the loop moves the cursor on the timeline's keys.
//!
//! The output pane shows the commands' logs, read from their files: an
//! ended command's log is complete (its exit is journaled after the log is
//! closed); for a command still running at the cursor the journal holds no
//! offset into its log, so the pane shows the log as it ended and says so.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Utc;

use crate::cli::ReplayArgs;
use crate::config::keys::Keymap;
use crate::core::event::Event;
use crate::core::state::State;
use crate::core::timeline::{Log, Timeline};
use crate::journal::sessions;
use crate::shell::cockpit::Feed;
use crate::shell::tail::{LogTail, resolve_log};

/// The replay's state (read-only, nothing folded yet) and its timeline,
/// the cursor on the last record, the logs read.
pub fn prepare(dir: &Path) -> Result<(State, Timeline, Vec<String>), String> {
    let replayed = sessions::open(dir)?;
    let settings = super::watch::settings_of(&replayed);
    let mut state = State::new(replayed.plan.clone(), settings, Utc::now());
    state.read_only = true;
    let logs = read_logs(&replayed.dir, &replayed.records);
    let timeline = Timeline::new(&replayed.plan.runbook, replayed.records).with_logs(logs);
    Ok((state, timeline, replayed.notices))
}

/// Each command's log as it is now, as many lines as the pane keeps.
fn read_logs(dir: &Path, records: &[crate::core::event::Record]) -> BTreeMap<u64, Log> {
    records
        .iter()
        .filter_map(|r| match &r.event {
            Event::CommandStarted {
                run,
                log,
                terminal: false,
                ..
            } => {
                let mut tail = LogTail::new(
                    resolve_log(dir, log),
                    crate::domain::exec::buffer::DEFAULT_CAPACITY,
                );
                match tail.poll(true) {
                    Ok((skipped, lines)) => Some((*run, Log { skipped, lines })),
                    Err(e) => {
                        log::warn!("run-{run}'s log: {e}");
                        None
                    }
                }
            }
            _ => None,
        })
        .collect()
}

pub fn main(args: &ReplayArgs) -> u8 {
    let prepared = sessions::resolve_arg(args.path.as_deref(), false).and_then(|d| prepare(&d));
    let (state, timeline, notices) = match prepared {
        Ok(p) => p,
        Err(e) => {
            eprintln!("rollout-cockpit: {e}");
            return 2;
        }
    };
    let feed = Feed::Replay(Box::new(timeline));
    super::watch::run_read_only(
        state,
        &notices,
        Keymap::default().replay(),
        feed,
        args.mouse,
        None,
    )
}
