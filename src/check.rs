//! `rollout-cockpit check`: lint a runbook before the window.

use crate::cli::CheckArgs;

pub fn main(args: &CheckArgs) -> u8 {
    match crate::runbook::load(args.runbook.as_deref()) {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("rollout-cockpit: {e}");
            2
        }
    }
}
