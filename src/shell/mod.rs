//! The impure edge: the loop that carries out `update`'s effects, the
//! terminal, and the workers that feed the loop (probes, commands, logs,
//! the journal tail).

pub mod cockpit;
pub mod copilot;
pub mod front;
pub mod msg;
pub mod notify;
pub mod probes;
pub mod tail;
pub mod terminal;
