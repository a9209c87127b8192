//! The facts of a session and the pure function that changes them: the
//! journal's vocabulary (`event`), the state folded from it and the screen's
//! own state (`state`), and `update`. Nothing here does I/O or knows the
//! terminal, the command line or the config file; a test in `lib.rs` checks
//! that it imports only itself and `domain`.

pub mod action;
pub mod copilot;
pub mod effect;
pub mod event;
pub mod modal;
pub mod outline;
pub mod plan;
pub mod screen;
pub mod session;
pub mod settings;
pub mod state;
pub mod timeline;
pub mod update;
pub mod window;
