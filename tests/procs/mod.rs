//! Whether a process is gone: for the tests that kill process groups.
#![allow(dead_code)]

use std::time::Duration;

use tokio::time::Instant;

pub fn gone(pid: i32) -> bool {
    // A zombie has already exited; only its parent's bookkeeping is left.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Polls [`gone`] for up to `within`.
pub async fn eventually_gone(pid: i32, within: Duration) -> bool {
    let until = Instant::now() + within;
    while Instant::now() < until {
        if gone(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}
