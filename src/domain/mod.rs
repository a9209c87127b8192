//! What the cockpit knows about the world, free of the loop: reading a
//! runbook, judging a service's health, running a command, reading logs,
//! masking secrets, host rewrites and durations.

pub mod duration;
pub mod exec;
pub mod logs;
pub mod mask;
pub mod monitor;
pub mod profile;
pub mod runbook;
pub mod words;
