//! Running a runbook's commands: placeholders filled in safely, `bash` in its
//! own process group, output read in batches, masked, logged to a file per
//! command and sent on a bounded channel, and a kill that escalates from
//! SIGINT to SIGKILL until the whole group is gone.

pub use crate::mask::{MASK, Masker, SecretNames};

pub mod substitute;

pub use substitute::{
    Command, SubstituteError, Suggestion, default_for, placeholders, shell_quote, substitute,
    unset_vars,
};
