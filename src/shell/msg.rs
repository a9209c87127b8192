//! The messages workers send the loop. Its own module, so that the workers
//! (probes, the tails) and the loop do not import each other.

use crate::core::copilot::{Reply, Request};
use crate::core::event::{Machine, Record};
use crate::domain::exec::ExecEvent;
use crate::domain::logs::LogMsg;

/// What workers tell the loop.
#[derive(Debug)]
pub enum Msg {
    Journaled(Record),
    JournalFailed(String),
    Machine(Machine),
    Probe(crate::domain::monitor::Probe),
    /// A round of Prometheus queries, journaled as it arrives.
    Prometheus(crate::domain::monitor::prometheus::Reading),
    /// A webhook post finished (`Err` says why it failed).
    Posted(Result<(), String>),
    /// A mirror's line from a command's log file: only ever `Output` (an
    /// exit is the journal's `command_exited`, never re-journaled here).
    Exec(ExecEvent),
    /// A mirror's lines from the application log file.
    Log(LogMsg),
    /// A default for a form field, found on disk.
    Suggested {
        name: String,
        value: String,
    },
    /// A mirror's look at the session lock: whether the deployer's cockpit
    /// still holds it (sent when it changes).
    Deployer {
        alive: bool,
    },
    /// A worker thread or task panicked (what, where): flashed, and the
    /// cockpit carries on.
    Panicked(String),
    /// The co-pilot socket (`run`) or link (`join`).
    Copilot(CopilotMsg),
}

/// What the co-pilot's workers tell the loop.
#[derive(Debug)]
pub enum CopilotMsg {
    /// A member connected; its answers go to `answers`.
    Joined {
        conn: u64,
        user: String,
        answers: tokio::sync::mpsc::UnboundedSender<Reply>,
    },
    /// Someone outside `[team] members` was turned away.
    Refused {
        user: String,
        uid: u32,
    },
    Request {
        conn: u64,
        user: String,
        /// The peer runs as the deployer's own uid.
        same_uid: bool,
        request: Request,
    },
    Left {
        conn: u64,
        user: String,
    },
    /// `join`: the deployer's cockpit answered.
    Answer(Reply),
    /// `join`: the deployer's cockpit closed the connection.
    Closed,
}
