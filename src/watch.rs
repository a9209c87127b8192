//! `rollout-cockpit watch`: the cockpit as a read-only mirror of another
//! process's session. The state is the replay of its journal, then every
//! record appended to it, read by a worker thread that polls the file (the
//! loop is never blocked). It holds no lock and writes nothing.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::{self, Msg};
use crate::cli::WatchArgs;
use crate::event::{Event, Record};
use crate::journal;
use crate::keys::Keymap;
use crate::session;
use crate::state::{Settings, State};
use crate::ui::ViewState;

/// How often the journal is looked at: a tick in `run` shows within this
/// (plus a frame).
pub const POLL: Duration = Duration::from_millis(100);

/// Reads what was appended to a journal since the last look. Only whole
/// lines are parsed; a line still being written waits for its newline.
#[derive(Debug)]
pub struct Tail {
    path: PathBuf,
    offset: u64,
    line: usize,
    seq: u64,
    pending: Vec<u8>,
    /// The runbook this mirror shows; a resume under another one is said.
    hash: String,
}

impl Tail {
    /// Starts after what `loaded` already holds (the replayed part).
    pub fn after(path: &Path, loaded: &journal::Loaded, hash: &str) -> Tail {
        Tail {
            path: path.to_path_buf(),
            offset: loaded.valid_len,
            line: loaded.records.len(),
            seq: loaded.records.last().map_or(0, |r| r.seq),
            pending: Vec::new(),
            hash: hash.to_string(),
        }
    }

    /// The records appended since the last call.
    pub fn poll(&mut self) -> Result<Vec<Record>, String> {
        let name = self.path.display().to_string();
        let mut f = File::open(&self.path).map_err(|e| format!("{name}: {e}"))?;
        let len = f.metadata().map_err(|e| format!("{name}: {e}"))?.len();
        if len < self.offset {
            return Err(format!("{name}: the journal got shorter: not following it"));
        }
        if len == self.offset {
            return Ok(Vec::new());
        }
        f.seek(SeekFrom::Start(self.offset))
            .map_err(|e| format!("{name}: {e}"))?;
        let mut buf = Vec::new();
        f.take(len - self.offset)
            .read_to_end(&mut buf)
            .map_err(|e| format!("{name}: {e}"))?;
        self.offset += buf.len() as u64;
        self.pending.extend_from_slice(&buf);
        let Some(end) = self.pending.iter().rposition(|&b| b == b'\n') else {
            return Ok(Vec::new());
        };
        let whole: Vec<u8> = self.pending.drain(..=end).collect();
        let lines = whole.iter().filter(|&&b| b == b'\n').count();
        let loaded =
            journal::parse(&name, &whole, self.line, self.seq).map_err(|e| e.to_string())?;
        self.line += lines;
        if let Some(r) = loaded.records.last() {
            self.seq = r.seq;
        }
        for r in &loaded.records {
            if let Event::Resumed { runbook_hash } = &r.event
                && *runbook_hash != self.hash
            {
                return Err(format!(
                    "{name}: resumed with a changed runbook: restart watch to follow it"
                ));
            }
        }
        Ok(loaded.records)
    }
}

/// The tail worker: polls, sends each new record, stops when the loop is
/// gone or the journal is damaged (said once, on screen).
pub fn spawn(mut tail: Tail, tx: UnboundedSender<Msg>) -> io::Result<()> {
    thread::Builder::new()
        .name("journal-tail".into())
        .spawn(move || {
            loop {
                match tail.poll() {
                    Ok(records) => {
                        for r in records {
                            if tx.send(Msg::Journaled(r)).is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Msg::JournalFailed(e));
                        return;
                    }
                }
                if tx.is_closed() {
                    return;
                }
                thread::sleep(POLL);
            }
        })?;
    Ok(())
}

/// Builds the mirror's state from a session directory.
pub fn prepare(dir: &Path) -> Result<(State, Tail, Vec<String>), String> {
    // `run` writes its first record as the screen opens: give it a moment.
    let mut tries = 0;
    let replayed = loop {
        match session::open(dir) {
            Ok(r) => break r,
            Err(e) if e.contains("no session_started") && tries < 20 => {
                tries += 1;
                thread::sleep(POLL);
            }
            Err(e) => return Err(e),
        }
    };
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
    let settings = Settings {
        operator,
        environment,
        runbook_name,
        health: Vec::new(),
        interval: Duration::from_secs(1),
        journal: Some(replayed.journal.display().to_string()),
        // A mirror probes nothing: its samples come from the journal.
        monitor: Default::default(),
        profile: Default::default(),
        exec: Default::default(),
        demo: None,
    };
    let mut state = State::replay(
        replayed.plan.clone(),
        settings,
        Utc::now(),
        &replayed.records,
    );
    state.read_only = true;
    let tail = Tail::after(&replayed.journal, &replayed.loaded, &replayed.plan.hash);
    Ok((state, tail, replayed.notices))
}

pub fn main(args: &WatchArgs) -> u8 {
    let dir = match args.path.clone().or_else(journal::default_root) {
        Some(p) => session::resolve(&p, true),
        None => Err("no session root: give a PATH (neither XDG_STATE_HOME nor HOME is set)".into()),
    };
    let prepared = dir.and_then(|d| prepare(&d));
    let (state, tail, notices) = match prepared {
        Ok(p) => p,
        Err(e) => {
            eprintln!("rollout-cockpit: {e}");
            return 2;
        }
    };
    crate::ui::log::init();
    for n in notices {
        log::warn!("{n}");
    }
    let view = ViewState::new(Keymap::default().read_only());
    let run = || -> anyhow::Result<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(app::run(state, view, app::Feed::Tail(tail), args.mouse))
    };
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rollout-cockpit: {e:#}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_tail_waits_for_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(journal::FILE_NAME);
        std::fs::write(&p, "").unwrap();
        let loaded = journal::load(&p).unwrap();
        let mut tail = Tail::after(&p, &loaded, "h");
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        let line = "{\"seq\":1,\"ts\":\"2025-01-15T04:41:00Z\",\"by\":\"a\",\"type\":\"ticked\",\"target\":{\"item\":0}}\n";
        f.write_all(&line.as_bytes()[..20]).unwrap();
        assert!(tail.poll().unwrap().is_empty());
        f.write_all(&line.as_bytes()[20..]).unwrap();
        assert_eq!(tail.poll().unwrap().len(), 1);
        f.write_all(b"{oops\n").unwrap();
        assert!(
            tail.poll()
                .unwrap_err()
                .contains(":2: not a journal record")
        );
    }
}
