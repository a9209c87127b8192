//! rollout-cockpit: a terminal cockpit for running a production rollout from
//! a Markdown runbook. Each mode is a plain function here so that tests can
//! drive it without a terminal; `main.rs` only parses the command line.

pub mod app;
pub mod check;
pub mod cli;
pub mod config;
pub mod demo;
pub mod duration;
pub mod event;
pub mod exec;
pub mod journal;
pub mod keys;
pub mod lock;
pub mod logs;
pub mod mask;
pub mod monitor;
pub mod notify;
pub mod probing;
pub mod profile;
pub mod report;
pub mod run;
pub mod runbook;
pub mod session;
pub mod state;
pub mod terminal;
pub mod ui;
pub mod watch;
