//! Whether a process is gone: for the tests that kill process groups.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tokio::time::Instant;

/// How long a killed process or a fresh lock may take to show.
const DEADLINE: Duration = Duration::from_secs(20);

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

/// The pid of the live `run` of a session, from its lock file.
pub fn run_pid(session: &Path) -> String {
    let start = std::time::Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(session.join("lock"))
            && let Some(pid) = s.split_whitespace().next()
        {
            return pid.to_string();
        }
        assert!(
            start.elapsed() < DEADLINE,
            "no lock in {}",
            session.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `kill -9`, then wait until the process is gone (or a zombie).
pub fn kill9(pid: &str) {
    assert!(
        Command::new("kill")
            .args(["-9", pid])
            .status()
            .unwrap()
            .success()
    );
    let start = std::time::Instant::now();
    while !gone(pid.parse().unwrap()) {
        assert!(start.elapsed() < DEADLINE, "pid {pid} survived kill -9");
        std::thread::sleep(Duration::from_millis(5));
    }
}
