//! What `update` asks the loop to carry out: journal a fact, spawn or kill
//! a command, copy, save, quit. `update` never does I/O itself.

use crate::core::event::Event;

/// A command of a stopped cockpit, as the loop found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leftover {
    pub run: u64,
    /// Its process group, when the journal recorded one.
    pub pgid: Option<u32>,
    /// A process of the group is still running.
    pub alive: bool,
}

/// What the loop must carry out for `update`.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Append to the journal (fsync for human decisions), then apply.
    Journal(Event),
    /// The same, with another `by`: a co-pilot's request.
    JournalAs {
        by: String,
        event: Event,
    },
    /// Answer a co-pilot's request on its connection.
    Answer {
        conn: u64,
        reply: crate::core::copilot::Reply,
    },
    /// `join`: send a request to the deployer's cockpit.
    Send(crate::core::copilot::Request),
    /// Write the deployment report once the journal is closed.
    WriteReport,
    Quit,
    /// Start a command once its `CommandStarted` record is on disk.
    Spawn(Spawn),
    /// The escalating kill of a run's process group.
    Kill(u64),
    /// The same escalation for the group a stopped cockpit left running.
    KillGroup(u32),
    /// Watch a group a stopped cockpit left running, and report (as
    /// [`Action::Leftovers`]) when it has ended.
    WatchGroup {
        run: u64,
        pgid: u32,
    },
    /// OSC 52 to the terminal (the clipboard, through tmux too).
    Clipboard(String),
    /// Write a file (an announcement) under the session directory.
    SaveFile {
        name: String,
        text: String,
    },
    /// POST `{"text": ...}` to the configured webhook.
    Webhook(String),
    /// Look in the working directory for defaults of these placeholders of
    /// `code` (the newest `prod_backup_*.sql` for `..._YYYYMMDD_HHMMSS`):
    /// the disk is the loop's business, never `update`'s.
    Suggest {
        code: String,
        names: Vec<String>,
    },
}

/// What the loop needs to run a command; `code` holds the real values (it
/// never leaves memory), `env` the session's variables.
#[derive(Clone, PartialEq)]
pub struct Spawn {
    pub run: u64,
    pub code: String,
    pub env: Vec<(String, String)>,
    pub log: String,
    /// In the terminal itself, the screen suspended.
    pub terminal: bool,
}

/// Secret values stay out of `{:?}` (test failures, logs).
impl std::fmt::Debug for Spawn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spawn")
            .field("run", &self.run)
            .field("env", &self.env.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("log", &self.log)
            .field("terminal", &self.terminal)
            .finish_non_exhaustive()
    }
}
