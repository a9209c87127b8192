//! Running a runbook's commands: placeholders filled in safely, `bash` in its
//! own process group, output read in batches, masked, logged to a file per
//! command and sent on a bounded channel, and a kill that escalates from
//! SIGINT to SIGKILL until the whole group is gone.
//!
//! The loop's side: [`substitute`] the block, show [`Command::display`] in
//! the confirm, [`spawn`] a [`RunSpec`] with a channel of
//! [`CHANNEL_CAPACITY`], feed `Output` messages to an [`OutputBuffer`], and
//! call [`RunHandle::kill`] on `x`.

pub mod ansi;
pub mod buffer;
pub mod ingest;
pub mod interactive;
pub mod runner;
pub mod substitute;
pub mod terminal;

pub use crate::domain::mask::{MASK, Masker, SecretNames};
pub use ansi::strip_ansi;
pub use buffer::{Line, OutputBuffer, Stream};
pub use interactive::{Interactive, interactive};
pub use runner::{
    CHANNEL_CAPACITY, Control, ExecEvent, Exit, KillPolicy, LineObserver, PENDING_BYTES,
    PENDING_LINES, RunHandle, RunId, RunSpec, SpawnError, end_group, group_running, spawn,
};
pub use substitute::{
    Command, SubstituteError, Suggestion, default_for, placeholders, shell_quote, substitute,
    unset_vars,
};
