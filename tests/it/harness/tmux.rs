//! A private tmux server for end-to-end tests: start a command in a pane,
//! send keys, poll the screen with a deadline (never a fixed sleep).
//!
//! A test that starts one carries `#[cfg_attr(no_tmux, ignore = "...")]`:
//! `build.rs` sets `no_tmux` when tmux is not on `PATH`, except on CI
//! (`CI=true`), where such a test runs and fails. Run anyway (`--ignored`),
//! it fails with the reason.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const DEADLINE: Duration = Duration::from_secs(20);

pub struct Tmux {
    pub socket: String,
}

/// Fails the test, saying why, when tmux cannot be run.
pub fn require() {
    assert!(
        Command::new("tmux").arg("-V").output().is_ok(),
        "tmux is not installed: this end-to-end test needs it (install tmux; \
         without it, and without CI=true, the build marks these tests ignored)"
    );
}

/// A socket name no other test of this process uses: every test runs in
/// one process, in parallel, and a server is found by its socket's name.
fn socket(name: &str) -> String {
    static SERVERS: AtomicUsize = AtomicUsize::new(0);
    let n = SERVERS.fetch_add(1, Ordering::Relaxed);
    format!("{name}-{}-{n}", std::process::id())
}

impl Tmux {
    /// A private server with no session yet.
    pub fn server(name: &str) -> Tmux {
        require();
        Tmux {
            socket: socket(&format!("rc-{name}")),
        }
    }

    /// A detached session `rc` of `w`x`h` running `shell`.
    pub fn start(name: &str, w: u16, h: u16, shell: &str) -> Tmux {
        require();
        let t = Tmux {
            socket: socket(name),
        };
        t.session("rc", w, h, shell);
        t
    }

    /// A detached session `name` of `w`x`h` running `shell`.
    pub fn session(&self, name: &str, w: u16, h: u16, shell: &str) {
        let (w, h) = (w.to_string(), h.to_string());
        self.ok(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &w,
            "-y",
            &h,
            "-e",
            "LANG=C.UTF-8",
            shell,
        ]);
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-u")
            .args(["-L", &self.socket])
            .args(args)
            .env("LANG", "C.UTF-8")
            .env_remove("TMUX")
            .output()
            .expect("tmux runs")
    }

    pub fn ok(&self, args: &[&str]) {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn capture_in(&self, target: &str) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", target]).stdout)
            .into_owned()
    }

    pub fn keys_in(&self, target: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", target];
        args.extend_from_slice(keys);
        self.ok(&args);
    }

    /// Polls `target`'s screen until `pred` holds on two captures in a row
    /// (a capture can land mid-frame), or fails with the last screen.
    pub fn wait_in(&self, target: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_in_within(target, what, DEADLINE, pred)
    }

    /// [`Tmux::wait_in`] with its own deadline, for waits that follow a
    /// simulated clock (the demo's degradation and recovery).
    pub fn wait_in_within(
        &self,
        target: &str,
        what: &str,
        deadline: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        let mut held = false;
        loop {
            let screen = self.capture_in(target);
            let holds = pred(&screen);
            if holds && held {
                return screen;
            }
            held = holds;
            assert!(
                start.elapsed() < deadline,
                "timed out waiting for {what} in {target}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn capture(&self) -> String {
        self.capture_in("rc")
    }

    pub fn keys(&self, keys: &[&str]) {
        self.keys_in("rc", keys);
    }

    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_in("rc", what, pred)
    }

    pub fn wait_for_within(
        &self,
        what: &str,
        deadline: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        self.wait_in_within("rc", what, deadline, pred)
    }

    /// Types `text` literally (no key names).
    pub fn text(&self, text: &str) {
        self.ok(&["send-keys", "-t", "rc", "-l", text]);
    }

    pub fn resize(&self, w: u16, h: u16) {
        let (w, h) = (w.to_string(), h.to_string());
        self.ok(&["resize-window", "-t", "rc", "-x", &w, "-y", &h]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// The one session directory under `root` once a live `run` has made it:
/// `run` takes the lock a moment before it creates the journal, so both.
pub fn live_session(root: &Path) -> std::path::PathBuf {
    let start = Instant::now();
    loop {
        let dirs: Vec<std::path::PathBuf> = std::fs::read_dir(root)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        if dirs.len() == 1
            && dirs[0].join("lock").exists()
            && dirs[0].join("journal.jsonl").exists()
        {
            return dirs[0].clone();
        }
        assert!(
            start.elapsed() < DEADLINE,
            "no session under {}",
            root.display()
        );
        std::thread::sleep(Duration::from_millis(20));
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

/// `rollout-cockpit` in a pane of its own tmux server, in a fresh work
/// directory, with its sessions in a fresh directory and its exit status
/// written to a file when it ends.
pub struct Cockpit {
    pub tmux: Tmux,
    pub work: std::path::PathBuf,
    pub sessions: std::path::PathBuf,
    exit_file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Cockpit {
    /// `args` as a shell would split them (quote paths); `--session-dir` is
    /// added.
    pub fn start(name: &str, w: u16, h: u16, args: &str) -> Cockpit {
        Cockpit::start_with_env(name, w, h, args, &[])
    }

    /// [`Cockpit::start`] with variables in the cockpit's environment.
    pub fn start_with_env(name: &str, w: u16, h: u16, args: &str, env: &[(&str, &str)]) -> Cockpit {
        require();
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        let sessions = dir.path().join("sessions");
        let exit_file = dir.path().join("exit");
        let vars: String = env.iter().map(|(k, v)| format!("{k}='{v}' ")).collect();
        let shell = format!(
            "cd '{}' && {vars}'{}' {args} --session-dir '{}'; echo EXIT=$? > '{}'",
            work.display(),
            env!("CARGO_BIN_EXE_rollout-cockpit"),
            sessions.display(),
            exit_file.display()
        );
        Cockpit {
            tmux: Tmux::start(name, w, h, &shell),
            work,
            sessions,
            exit_file,
            _dir: dir,
        }
    }

    /// `q`, `y`, and the exit status (`EXIT=0`).
    pub fn quit(&self) -> String {
        self.tmux.keys(&["q"]);
        self.tmux
            .wait_for("the quit question", |s| s.contains("Quit the cockpit?"));
        self.tmux.keys(&["y"]);
        self.exit()
    }

    /// Waits for the program's end: `EXIT=<status>`.
    pub fn exit(&self) -> String {
        wait_file(&self.exit_file).trim().to_string()
    }

    /// The journal of the (one) session, as it is on disk now.
    pub fn journal(&self) -> String {
        std::fs::read_to_string(live_session(&self.sessions).join("journal.jsonl")).unwrap()
    }
}
