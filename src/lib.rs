//! rollout-cockpit: a terminal cockpit for running a production rollout from
//! a Markdown runbook. Each mode is a plain function here so that tests can
//! drive it without a terminal; `main.rs` only parses the command line.

pub mod check;
pub mod cli;
pub mod duration;
pub mod exec;
pub mod mask;
pub mod monitor;
pub mod runbook;
