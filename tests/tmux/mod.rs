//! A private tmux server for end-to-end tests: start a command in a pane,
//! send keys, poll the screen with a deadline (never a fixed sleep).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const DEADLINE: Duration = Duration::from_secs(20);

pub struct Tmux {
    socket: String,
}

pub fn available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok()
}

impl Tmux {
    /// A detached session `rc` of `w`x`h` running `shell`.
    pub fn start(name: &str, w: u16, h: u16, shell: &str) -> Tmux {
        let t = Tmux {
            socket: format!("{name}-{}", std::process::id()),
        };
        let (w, h) = (w.to_string(), h.to_string());
        let out = t.run(&[
            "new-session",
            "-d",
            "-s",
            "rc",
            "-x",
            &w,
            "-y",
            &h,
            "-e",
            "LANG=C.UTF-8",
            shell,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-u")
            .args(["-L", &self.socket])
            .args(args)
            .env("LANG", "C.UTF-8")
            .output()
            .expect("tmux runs")
    }

    pub fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "rc"]).stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "rc"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    /// Polls the screen until `pred` holds, or fails with the last screen.
    /// Types `text` literally (no key names).
    pub fn text(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", "rc", "-l", text])
                .status
                .success()
        );
    }

    pub fn resize(&self, w: u16, h: u16) {
        let (w, h) = (w.to_string(), h.to_string());
        let out = self.run(&["resize-window", "-t", "rc", "-x", &w, "-y", &h]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// Waits for a file with a complete last line.
pub fn wait_file(path: &Path) -> String {
    let start = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(path)
            && s.ends_with('\n')
        {
            return s;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
