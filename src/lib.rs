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
