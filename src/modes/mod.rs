//! One function per subcommand: each turns its flags into settings, runs,
//! and returns the exit code.

pub mod check;
pub mod demo;
pub mod monitor;
pub mod replay;
pub mod run;
pub mod watch;
