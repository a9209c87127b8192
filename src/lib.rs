//! rollout-cockpit: a terminal cockpit for running a production rollout from
//! a Markdown runbook. ARCHITECTURE.md draws the layout; in short, `core`
//! holds the facts and the pure `update`, `domain` the runbook, monitor and
//! command logic, `shell` the loop and its workers, `ui` the view, and
//! `modes` one function per subcommand. `main.rs` only parses the command
//! line.

pub mod cli;
pub mod config;
pub mod core;
pub mod demo;
pub mod domain;
pub mod journal;
pub mod modes;
pub mod report;
pub mod shell;
pub mod ui;

#[cfg(test)]
mod layout_tests;

// The paths the integration tests and benches still use; they move in the
// next step.
pub use crate::config::keys;
pub use crate::core::{event, state};
pub use crate::domain::{duration, exec, logs, mask, monitor, profile, runbook};
pub use crate::journal::{lock, sessions as session};
pub use crate::modes::{check, run, watch};
pub use crate::shell::{cockpit as app, notify, probes as probing, terminal};
