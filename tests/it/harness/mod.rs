//! What the tests share, one module per kind of stand-in:
//!
//! - [`cockpit`]: the cockpit's state in-process, on the TERP plan at a fixed
//!   moment, with a fold of `update`'s effects that journals like the loop
//!   does, and `TestBackend` renders (the screen and runner tests).
//! - [`http`]: real HTTP servers on 127.0.0.1 that script each fault on the
//!   wire (the monitor's tests).
//! - [`tmux`]: a private tmux server per test, the real binary in a pane
//!   (the `*_e2e` tests).
//! - [`procs`]: whether a killed process or process group is gone.
//! - [`corpus`]: the real runbooks beside the repository (`../shared/runbooks`).
//!
//! The tests of every file run in this one process, in parallel: nothing
//! here touches the process's environment or current directory, and every
//! tmux server and temporary directory is private to the test that made it.

pub mod cockpit;
pub mod corpus;
pub mod http;
pub mod procs;
pub mod prometheus;
pub mod tmux;
