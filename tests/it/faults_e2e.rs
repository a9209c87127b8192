//! Faults found when the cockpit was attacked, in a real terminal (tmux, a
//! private server per test) with real bash commands: kill -9 while a step
//! runs, then `--resume`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::tmux::{self, DEADLINE, Tmux};

const BIN: &str = env!("CARGO_BIN_EXE_rollout-cockpit");

use crate::harness::procs::{kill9, run_pid};

/// Live (not zombie) processes whose process group is `pgid`.
fn group_members(pgid: u32) -> Vec<u32> {
    let want = pgid.to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let (_, rest) = stat.rsplit_once(')')?;
            let mut f = rest.split_whitespace();
            let state = f.next()?;
            let pgrp = f.nth(1)?;
            (pgrp == want && state != "Z" && state != "X").then_some(pid)
        })
        .collect()
}

fn wait_until(what: &str, mut pred: impl FnMut() -> bool) {
    let start = Instant::now();
    while !pred() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn journal(session: &Path) -> String {
    std::fs::read_to_string(session.join("journal.jsonl")).unwrap()
}

/// The process group the journal recorded for command `run`.
fn spawned_pgid(session: &Path, run: u64) -> u32 {
    let mut pgid = None;
    wait_until("command_spawned in the journal", || {
        pgid = journal(session).lines().find_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            (v["type"] == "command_spawned" && v["run"] == run).then(|| v["pgid"].as_u64())?
        });
        pgid.is_some()
    });
    u32::try_from(pgid.unwrap()).unwrap()
}

const RUNBOOK: &str = "# Orphan test\n\n## Deployment Steps\n\n### Step 1: Prepare\n\n- [ ] ready\n\n\
### Step 2: Deploy Application\n\n```bash\necho deploy-start\nsleep 1006\necho deploy-done\n```\n";

struct Bench {
    tmux: Tmux,
    root: PathBuf,
    runbook: String,
    _dir: tempfile::TempDir,
    windows: usize,
}

impl Bench {
    fn new(name: &str, text: &str) -> Bench {
        let tmux = Tmux::server(name);
        let dir = tempfile::tempdir().unwrap();
        let runbook = dir.path().join("orphan.md");
        std::fs::write(&runbook, text).unwrap();
        tmux.session("rc", 110, 30, "sleep 600");
        Bench {
            tmux,
            root: dir.path().join("sessions"),
            runbook: runbook.display().to_string(),
            _dir: dir,
            windows: 0,
        }
    }

    /// `run` with `flag` in a new window; its tmux target.
    fn run(&mut self, flag: &str) -> String {
        self.windows += 1;
        let w = format!("w{}", self.windows);
        let work = self._dir.path().display().to_string();
        self.tmux.ok(&[
            "new-window",
            "-t",
            "rc",
            "-n",
            &w,
            &format!(
                "cd '{work}' && '{BIN}' run --no-health '{}' {flag} --session-dir '{}' --operator k9",
                self.runbook,
                self.root.display()
            ),
        ]);
        format!("rc:{w}")
    }

    /// Starts Step 2 in the cockpit at `t`, up to its `sleep`.
    fn start_deploy(&self, t: &str) {
        self.tmux.wait_in(t, "the cockpit", |s| {
            s.contains("Step 2: Deploy Application")
        });
        self.tmux.keys_in(t, &["/"]);
        self.tmux
            .ok(&["send-keys", "-t", t, "-l", "Deploy Application"]);
        self.tmux.keys_in(t, &["Enter"]);
        self.tmux.keys_in(t, &["Enter"]);
        self.tmux
            .wait_in(t, "the run confirm", |s| s.contains("Run this?"));
        self.tmux.keys_in(t, &["y"]);
        self.tmux
            .wait_in(t, "the step's output", |s| s.contains("deploy-start"));
    }
}

/// kill -9 while a step runs: the group is recorded, `--resume` says it is
/// still running and `k` ends it; a group that is gone by then leaves the
/// row "interrupted" (not unticked), in the report too.
#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn kill_9_during_a_command_leaves_no_orphan_behind_resume() {
    let mut b = Bench::new("orphan", RUNBOOK);
    let rounds = 10;
    let mut session: Option<PathBuf> = None;
    for round in 0..rounds {
        let flag = if round == 0 { "--new" } else { "--resume" };
        let t = b.run(flag);
        let s = session
            .get_or_insert_with(|| tmux::live_session(&b.root))
            .clone();
        if round > 0 {
            // The group the previous round left running is asked about.
            let pgid = spawned_pgid(&s, round);
            let want = format!("was running when the cockpit stopped: pid {pgid}, still running");
            b.tmux
                .wait_in(&t, "the leftover question", |sc| sc.contains(&want));
            assert!(!group_members(pgid).is_empty());
            b.tmux.keys_in(&t, &["k"]);
            wait_until("the leftover group's end", || {
                group_members(pgid).is_empty()
            });
            b.tmux.wait_in(&t, "the row: interrupted", |sc| {
                sc.contains("⚠") && sc.contains("interrupted") && !sc.contains("still running")
            });
        }
        b.start_deploy(&t);
        let run = round + 1;
        let pgid = spawned_pgid(&s, run);
        let pid = run_pid(&s);
        kill9(&pid);
        // The kill -9 leaves the step's group running: only a resume can
        // tell the deployer about it.
        assert!(
            !group_members(pgid).is_empty(),
            "round {round}: the step's group {pgid} should outlive kill -9"
        );
        eprintln!("round {round}: kill -9 {pid}, group {pgid} left running");
    }
    let s = session.unwrap();
    let last = spawned_pgid(&s, rounds);

    // The last group ends on its own before the resume: the row says
    // "interrupted", no question is asked.
    let _ = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(last as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
    wait_until("the last group's end", || group_members(last).is_empty());
    let t = b.run("--resume");
    b.tmux.wait_in(&t, "the row: interrupted", |sc| {
        sc.contains("⚠ Step 2: Deploy Application") && sc.contains("interrupted")
    });
    assert!(
        !b.tmux
            .capture_in(&t)
            .contains("was running when the cockpit stopped"),
        "no question about a group that is gone"
    );
    // The mirror folds the same journal: the same row.
    b.tmux.ok(&[
        "new-window",
        "-t",
        "rc",
        "-n",
        "mirror",
        &format!("'{BIN}' watch '{}'", s.display()),
    ]);
    b.tmux
        .wait_in("rc:mirror", "the mirror's row: interrupted", |sc| {
            sc.contains("⚠ Step 2: Deploy Application") && sc.contains("interrupted")
        });
    b.tmux.keys_in(&t, &["q"]);
    b.tmux.wait_in(&t, "the quit question", |sc| {
        sc.contains("Quit the cockpit?")
    });
    b.tmux.keys_in(&t, &["y"]);
    wait_until("the lock's release", || !s.join("lock").exists());

    let j = journal(&s);
    assert_eq!(
        j.matches("\"type\":\"command_spawned\"").count(),
        rounds as usize
    );
    assert!(j.contains("\"still_running\":true"), "{j}");
    assert!(j.contains("\"still_running\":false"), "{j}");
    let out = Command::new(BIN).arg("report").arg(&s).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("interrupted") && !report.contains("| running |"),
        "{report}"
    );
    for round in 1..=rounds {
        let pgid = spawned_pgid(&s, round);
        assert!(group_members(pgid).is_empty(), "group {pgid} left behind");
    }
    eprintln!("{rounds} rounds of kill -9 during a command: no group left behind");
}

/// The cockpit on the pty of a tmux pane, as the test's own child (so its
/// exit status is seen), then the pane's server killed under it: the
/// terminal vanishes (EIO), with or without the SIGHUP a controlling
/// terminal would send. No abort (134), the step's group is stopped, its
/// exit and the stop are journaled, and the lock is released.
#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn a_vanished_terminal_stops_the_commands_and_releases_the_lock() {
    use std::os::unix::process::ExitStatusExt;
    for hangup in [false, true] {
        let tmux = Tmux::server(if hangup { "hup" } else { "eio" });
        let dir = tempfile::tempdir().unwrap();
        let runbook = dir.path().join("orphan.md");
        std::fs::write(&runbook, RUNBOOK.replace("1006", "1007")).unwrap();
        let root = dir.path().join("sessions");
        tmux.session("rc", 110, 30, "sleep 600");
        let out = tmux.run(&["display", "-p", "-t", "rc", "#{pane_tty}"]);
        let tty = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let open = || {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&tty)
                .unwrap()
        };
        let mut child = Command::new(BIN)
            .args(["run", "--no-health", "--new", "--operator", "eio"])
            .arg(&runbook)
            .arg("--session-dir")
            .arg(&root)
            .current_dir(dir.path())
            .env("TERM", "xterm-256color")
            .stdin(open())
            .stdout(open())
            .stderr(open())
            .spawn()
            .unwrap();
        let s = tmux::live_session(&root);
        let t = "rc";
        tmux.wait_in(t, "the cockpit", |sc| {
            sc.contains("Step 2: Deploy Application")
        });
        tmux.keys_in(t, &["/"]);
        tmux.ok(&["send-keys", "-t", t, "-l", "Deploy Application"]);
        tmux.keys_in(t, &["Enter"]);
        tmux.keys_in(t, &["Enter"]);
        tmux.wait_in(t, "the run confirm", |sc| sc.contains("Run this?"));
        tmux.keys_in(t, &["y"]);
        tmux.wait_in(t, "the step's output", |sc| sc.contains("deploy-start"));
        let pgid = spawned_pgid(&s, 1);
        assert!(!group_members(pgid).is_empty());

        tmux.ok(&["kill-server"]);
        if hangup {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGHUP,
            );
        }
        let start = Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait().unwrap() {
                break st;
            }
            assert!(start.elapsed() < DEADLINE, "the cockpit did not close");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.signal(), None, "hangup {hangup}: {status:?}");
        assert_ne!(status.code(), Some(134), "hangup {hangup}: aborted");
        assert!(
            group_members(pgid).is_empty(),
            "hangup {hangup}: group {pgid} outlived the cockpit"
        );
        assert!(
            !s.join("lock").exists(),
            "hangup {hangup}: lock left behind"
        );
        let j = journal(&s);
        assert!(j.contains("\"type\":\"command_exited\""), "{j}");
        assert!(j.contains("lost its terminal"), "{j}");
        assert!(
            !j.contains("session_ended"),
            "a lost terminal leaves the session to resume"
        );
        eprintln!(
            "hangup {hangup}: exit {:?}, group {pgid} gone, lock released",
            status.code()
        );
    }
}

/// A step that leaves `sleep 1005 &` behind: by default the background
/// process ends with the step's shell, so nothing outlives quit; with
/// `[exec] keep_background = true` (a step meant to start a daemon) it is
/// left running.
#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn a_finished_steps_background_child_ends_with_the_step_unless_kept() {
    let text = RUNBOOK.replace(
        "echo deploy-start\nsleep 1006\necho deploy-done",
        "echo deploy-start\nsleep 1005 &\necho deploy-done",
    );
    for keep in [false, true] {
        let mut b = Bench::new(if keep { "bgkeep" } else { "bg" }, &text);
        let flag = if keep {
            let config = b._dir.path().join("keep.toml");
            std::fs::write(&config, "[exec]\nkeep_background = true\n").unwrap();
            format!("--new --config '{}'", config.display())
        } else {
            "--new".to_string()
        };
        let t = b.run(&flag);
        let s = tmux::live_session(&b.root);
        b.start_deploy(&t);
        b.tmux
            .wait_in(&t, "the step's exit 0", |sc| sc.contains("exit 0"));
        let pgid = spawned_pgid(&s, 1);
        if keep {
            assert!(
                !group_members(pgid).is_empty(),
                "keep_background: the daemon is left running"
            );
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pgid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
            continue;
        }
        assert!(
            group_members(pgid).is_empty(),
            "the step's background sleep outlived its step"
        );
        b.tmux.keys_in(&t, &["q"]);
        b.tmux.wait_in(&t, "the quit question", |sc| {
            sc.contains("Quit the cockpit?")
        });
        b.tmux.keys_in(&t, &["y"]);
        wait_until("the lock's release", || !s.join("lock").exists());
        assert!(group_members(pgid).is_empty(), "sleep 1005 outlived quit");
    }
}

/// A damaged old session (a line that is not a record) no longer blocks
/// plain `run` of its runbook: it is passed by with a one-line note naming
/// it and explaining `--new` and `--resume`; `--resume` still refuses it.
#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn a_damaged_session_is_skipped_by_plain_run_with_a_note() {
    let line = |seq: u64| {
        format!(
            "{{\"seq\":{seq},\"ts\":\"2025-01-15T04:41:00Z\",\"by\":\"a\",\"type\":\"ticked\",\"target\":{{\"item\":0}}}}\n"
        )
    };
    let damage = |root: &Path| {
        let old = root.join("orphan-20250115-044100");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(
            old.join("journal.jsonl"),
            format!("{}{{garbage\n{}", line(1), line(2)),
        )
        .unwrap();
        old
    };
    let dir = tempfile::tempdir().unwrap();
    let runbook = dir.path().join("orphan.md");
    std::fs::write(&runbook, RUNBOOK).unwrap();
    let root = dir.path().join("sessions");
    let old = damage(&root);
    let run = |flag: &[&str]| {
        Command::new(BIN)
            .args(["run", "--no-health", "--operator", "t"])
            .args(flag)
            .arg(&runbook)
            .arg("--session-dir")
            .arg(&root)
            .current_dir(dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    // No terminal here: the damaged session is named, and `run` refuses
    // before creating a session nobody would see.
    let out = run(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    let note = err
        .lines()
        .find(|l| l.contains("is damaged and was skipped"))
        .unwrap_or_else(|| panic!("no note: {err}"));
    assert!(note.contains(&old.display().to_string()), "{note}");
    assert!(
        note.contains("journal.jsonl:2: not a journal record"),
        "{note}"
    );
    assert!(
        note.contains("--new") && note.contains("--resume"),
        "{note}"
    );
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("run needs a terminal"), "{err}");
    assert_eq!(
        std::fs::read_dir(&root).unwrap().count(),
        1,
        "nothing created without a terminal"
    );
    let out = run(&["--resume"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not a journal record"), "{err}");

    // In a terminal, the cockpit opens.
    let mut b = Bench::new("damaged", RUNBOOK);
    damage(&b.root);
    let t = b.run("");
    b.tmux.wait_in(&t, "the cockpit", |sc| {
        sc.contains("Step 2: Deploy Application")
    });
    assert_eq!(
        std::fs::read_dir(&b.root).unwrap().count(),
        2,
        "a new session beside the damaged one"
    );
    b.tmux.keys_in(&t, &["q"]);
    b.tmux.wait_in(&t, "the quit question", |sc| {
        sc.contains("Quit the cockpit?")
    });
    b.tmux.keys_in(&t, &["y"]);
}
