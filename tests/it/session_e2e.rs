//! Sessions in a real terminal (tmux, a private server per test): the lock,
//! `watch` following a live `run` and refusing every mutating key, a mirror
//! saying so when the deployer is killed, a second
//! read-only tmux client of another size, kill -9 at random moments with
//! every acknowledged tick surviving `--resume`, and no secret on disk.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::tmux::{self, Tmux};

const BIN: &str = env!("CARGO_BIN_EXE_rollout-cockpit");

use crate::harness::procs::{kill9, run_pid};

/// `run` as alice in `window`, no health endpoint, sessions under `root`;
/// waits for the cockpit and returns the live session's directory.
fn alice_runs(tmux: &Tmux, window: &str, root: &Path) -> PathBuf {
    tmux.session(
        window,
        120,
        40,
        &format!(
            "'{BIN}' run --no-health --session-dir '{}' --operator alice; sleep 60",
            root.display()
        ),
    );
    tmux.wait_in(window, "the cockpit", |s| s.contains("Checklist 0/65"));
    tmux::live_session(root)
}

fn journal(session: &Path) -> String {
    std::fs::read_to_string(session.join("journal.jsonl")).unwrap()
}

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn the_lock_refuses_a_second_run_and_a_killed_one_never_blocks_resume() {
    let tmux = Tmux::server("lock");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sessions");
    let root_s = root.display().to_string();
    let session = alice_runs(&tmux, "rc", &root);
    tmux.keys_in("rc", &["j", "j", "Space"]);
    tmux.wait_in("rc", "the tick", |s| s.contains("Checklist 1/65"));

    let out = Command::new(BIN)
        .args([
            "run",
            "--no-health",
            "--session-dir",
            &root_s,
            "--operator",
            "bob",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("this session is live: alice (pid")
            && err.contains(&format!("rollout-cockpit watch '{}'", session.display())),
        "{err}"
    );
    // The time in the cockpit's zone (the plan's window is US Eastern),
    // not the machine's, and named.
    assert!(err.contains(" EST.") || err.contains(" EDT."), "{err}");
    let out = Command::new(BIN)
        .args(["run", "--no-health", "--resume", "--session-dir", &root_s])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "--resume of a live session is refused too"
    );

    kill9(&run_pid(&session));
    assert!(
        session.join("lock").exists(),
        "kill -9 leaves the lock behind"
    );
    tmux.ok(&[
        "new-window",
        "-t",
        "rc",
        "-n",
        "again",
        &format!(
            "'{BIN}' run --no-health --resume --session-dir '{root_s}' --operator bob; sleep 60"
        ),
    ]);
    let screen = tmux.wait_in("rc:again", "the resumed cockpit", |s| {
        s.contains("Checklist 1/65")
    });
    assert!(screen.contains("op bob"), "{screen}");
    assert!(journal(&session).contains("\"type\":\"resumed\""));
}

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn watch_follows_a_live_run_and_refuses_every_mutating_key() {
    let tmux = Tmux::server("watch");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sessions");
    let root_s = root.display().to_string();
    let session = alice_runs(&tmux, "run", &root);
    tmux.session(
        "watch",
        100,
        30,
        &format!("'{BIN}' watch '{root_s}'; echo WATCH-EXIT=$?; sleep 60"),
    );
    tmux.wait_in("watch", "the mirror", |s| {
        s.contains("READ-ONLY MIRROR — alice's session") && s.contains("Checklist 0/65")
    });

    // A tick in `run` shows in `watch`, fast.
    tmux.keys_in("run", &["j", "j"]);
    tmux.wait_in("run", "the cursor", |s| s.contains("space tick"));
    let start = Instant::now();
    tmux.keys_in("run", &["Space"]);
    tmux.wait_in("watch", "the tick in the mirror", |s| {
        s.contains("☑ Changes deployed to staging")
    });
    let shown = start.elapsed();
    eprintln!(
        "watch showed the tick {} ms after the key",
        shown.as_millis()
    );
    assert!(shown < Duration::from_millis(1500), "{shown:?}");

    // Every mutating key: refused out loud, nothing journaled.
    let before = journal(&session);
    let lock_before = std::fs::read_to_string(session.join("lock")).unwrap();
    tmux.keys_in("watch", &["j", "j"]);
    for key in ["Space", "s", "o", "y", "r", "R", "x", "b"] {
        tmux.keys_in("watch", &[key]);
        tmux.keys_in("watch", &["Escape"]);
    }
    tmux.keys_in("watch", &["Space"]);
    tmux.wait_in("watch", "the refusal", |s| {
        s.contains("read-only mirror: tick is not available")
    });
    tmux.keys_in("watch", &["s"]);
    tmux.wait_in("watch", "the n/a refusal", |s| {
        s.contains("read-only mirror: n/a")
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(journal(&session), before, "the mirror wrote nothing");
    assert_eq!(
        std::fs::read_to_string(session.join("lock")).unwrap(),
        lock_before
    );
    let screen = tmux.capture_in("watch");
    assert!(
        !screen.contains("space tick") && !screen.contains("o note"),
        "{screen}"
    );
    // Help lists only what works here; search and moving work.
    tmux.keys_in("watch", &["?"]);
    // Wait for the whole overlay: a capture can catch a frame half drawn.
    let help = tmux.wait_in("watch", "help", |s| {
        s.contains(" Keys ") && s.contains("search items") && s.contains("quit")
    });
    assert!(!help.contains("tick / untick"), "{help}");
    tmux.keys_in("watch", &["Escape", "/"]);
    tmux.keys_in("watch", &["-l", "backup integrity"]);
    tmux.keys_in("watch", &["Enter"]);
    tmux.wait_in("watch", "the search result", |s| {
        s.contains("Verify backup integrity")
    });

    // The operator quits: the mirror says the session ended.
    tmux.keys_in("run", &["q"]);
    tmux.wait_in("run", "the quit question", |s| {
        s.contains("Quit the cockpit?")
    });
    tmux.keys_in("run", &["y"]);
    tmux.wait_in("watch", "the end", |s| {
        s.contains("session ended: abandoned at")
    });
    tmux.keys_in("watch", &["q"]);
    tmux.wait_in("watch", "watch exit", |s| s.contains("WATCH-EXIT=0"));
}

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn a_mirror_says_within_5_s_that_a_killed_deployer_is_gone() {
    let tmux = Tmux::server("gone");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sessions");
    let root_s = root.display().to_string();
    let session = alice_runs(&tmux, "run", &root);
    tmux.keys_in("run", &["j", "j", "Space"]);
    tmux.wait_in("run", "the tick", |s| s.contains("Checklist 1/65"));
    tmux.session(
        "watch",
        120,
        40,
        &format!("'{BIN}' watch '{root_s}'; sleep 60"),
    );
    // Nothing is journaled while the deployer reads: the mirror counts.
    let live = tmux.wait_in("watch", "the seconds since the tick", |s| {
        s.contains("Checklist 1/65")
            && (2..10).any(|n| s.contains(&format!("last update {n}s ago")))
    });
    assert!(!live.contains("not responding"), "{live}");

    kill9(&run_pid(&session));
    let start = Instant::now();
    let gone = tmux.wait_in("watch", "the deployer gone", |s| {
        s.contains("deployer not responding (cockpit process gone)")
    });
    let shown = start.elapsed();
    eprintln!(
        "the mirror said the deployer is gone {} ms after kill -9",
        shown.as_millis()
    );
    assert!(shown < Duration::from_secs(5), "{shown:?}");
    assert!(
        gone.contains("READ-ONLY MIRROR — alice's session"),
        "{gone}"
    );
    assert!(!gone.contains("session ended"), "{gone}");
}

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn a_second_read_only_tmux_client_of_another_size_sees_the_whole_screen() {
    let inner = Tmux::server("inner");
    let outer = Tmux::server("outer");
    let dir = tempfile::tempdir().unwrap();
    let root_s = dir.path().display().to_string();
    inner.session(
        "rollout",
        120,
        40,
        &format!("'{BIN}' run --no-health --session-dir '{root_s}' --operator alice; sleep 60"),
    );
    inner.ok(&["set", "-g", "window-size", "latest"]);
    inner.wait_in("rollout", "the cockpit", |s| s.contains("Checklist 0/65"));
    let attach = |ro: &str| {
        format!(
            "env -u TMUX tmux -u -L {} attach -t rollout {ro}; sleep 60",
            inner.socket
        )
    };
    // `-r` is read-only and ignore-size (tmux 3.2+): the deployer's screen
    // never shrinks for a watcher, so the watcher's terminal is the larger one
    // (a smaller one sees a cut view: `rollout-cockpit watch` fits any size).
    outer.session("deployer", 120, 40, &attach(""));
    outer.session("mirror", 150, 45, &attach("-r"));
    let whole = |s: &str| {
        s.contains("Production Rollout Plan")
            && s.contains("Rollback criteria")
            && s.contains("? help")
            && s.contains("Checklist 0/65")
    };
    let a = outer.wait_in("deployer", "the deployer's client", whole);
    let b = outer.wait_in("mirror", "the read-only client", whole);
    // Neither view is cut: each has the header, the right edge of the
    // criteria pane and the panes' bottom borders.
    for (name, screen) in [("deployer", &a), ("mirror", &b)] {
        let bottom = screen.lines().filter(|l| l.contains('┘')).count();
        assert!(
            bottom >= 1,
            "{name}: the panes' bottom borders show:\n{screen}"
        );
        assert!(
            screen
                .lines()
                .any(|l| l.contains("Rollback criteria") && l.contains('┐')),
            "{name}: the right edge shows:\n{screen}"
        );
    }
    let size = inner.run(&[
        "display",
        "-p",
        "-t",
        "rollout",
        "#{window_width}x#{window_height}",
    ]);
    assert!(
        String::from_utf8_lossy(&size.stdout)
            .trim()
            .starts_with("120x"),
        "the watcher did not resize the deployer's screen"
    );
    // The read-only client cannot tick.
    outer.keys_in("mirror", &["j", "j", "Space"]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(inner.capture_in("rollout").contains("Checklist 0/65"));
}

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn kill_9_at_random_moments_never_loses_an_acknowledged_tick() {
    let tmux = Tmux::server("k9");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sessions");
    let root_s = root.display().to_string();
    let items = 120;
    let runbook = dir.path().join("k9.md");
    let mut text = String::from("# Kill test\n\n## Steps\n\n");
    for i in 0..items {
        text.push_str(&format!("- [ ] item {i:03}\n"));
    }
    std::fs::write(&runbook, text).unwrap();
    let rb = runbook.display().to_string();
    tmux.session("k9", 100, 30, "sleep 600");
    // A small xorshift: random moments, reproducible from the printed seed.
    let mut seed = (std::process::id() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    eprintln!("kill -9 seed {seed}");
    let mut rand = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let started = Instant::now();
    let mut acked = 0usize;
    let rounds = 50;
    let mut session: Option<PathBuf> = None;
    for round in 0..rounds {
        let flag = if round == 0 { "--new" } else { "--resume" };
        let w = format!("w{round}");
        tmux.ok(&[
            "new-window",
            "-t",
            "k9",
            "-n",
            &w,
            &format!(
                "'{BIN}' run --no-health '{rb}' {flag} --session-dir '{root_s}' --operator k9"
            ),
        ]);
        let target = format!("k9:{w}");
        let s = session
            .get_or_insert_with(|| tmux::live_session(&root))
            .clone();
        // Replay is exact: the screen shows what the journal holds.
        let on_disk = journal(&s).matches("\"type\":\"ticked\"").count();
        assert!(
            on_disk >= acked,
            "round {round}: {acked} ticks acknowledged, {on_disk} on disk"
        );
        let want = format!("Checklist {on_disk}/{items}");
        tmux.wait_in(&target, &want, |sc| sc.contains(&want));
        let pid = run_pid(&s);
        let mut ticked = on_disk;
        for _ in 0..=rand(2) {
            // Tick the next item from the bottom.
            let mut keys = vec!["G".to_string()];
            keys.extend(std::iter::repeat_n("k".to_string(), ticked));
            keys.push("Space".into());
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            tmux.keys_in(&target, &keys);
            if rand(3) == 0 {
                // Kill without waiting: this tick may or may not be on disk.
                std::thread::sleep(Duration::from_millis(rand(30)));
                break;
            }
            ticked += 1;
            let want = format!("Checklist {ticked}/{items}");
            tmux.wait_in(&target, &want, |sc| sc.contains(&want));
            acked = ticked;
        }
        kill9(&pid);
    }
    let s = session.unwrap();
    let on_disk = journal(&s).matches("\"type\":\"ticked\"").count();
    assert!(on_disk >= acked);
    eprintln!(
        "{rounds} kill -9 rounds, {acked} ticks acknowledged, {on_disk} on disk, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn no_secret_value_reaches_the_session_directory() {
    let tmux = Tmux::server("secret");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sessions");
    let root_s = root.display().to_string();
    let secrets = ["s3cr3t-db-pw-4711", "hunter2-in-url", "tok-abc-123-xyz"];
    tmux.session(
        "rc",
        120,
        40,
        &format!(
            "DB_PASSWORD={} ADMIN_TOKEN={} '{BIN}' run --session-dir '{root_s}' --operator alice \
             --health 'http://ops:{}@127.0.0.1:9/health'; echo EXIT=$?; sleep 60",
            secrets[0], secrets[2], secrets[1]
        ),
    );
    tmux.wait_in("rc", "the cockpit", |s| s.contains("Checklist 0/65"));
    tmux.keys_in("rc", &["j", "j", "Space", "o"]);
    tmux.keys_in("rc", &["-l", "db password is in the vault"]);
    tmux.keys_in("rc", &["Enter", "q"]);
    tmux.wait_in("rc", "the quit question", |s| {
        s.contains("write the report")
    });
    tmux.keys_in("rc", &["r"]);
    tmux.wait_in("rc", "the exit", |s| s.contains("EXIT=0"));
    let session = std::fs::read_dir(&root)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(session.join("report.md").exists(), "r wrote the report");
    let mut files = 0;
    // The report's charts are in a directory of their own: read them too.
    let mut dirs = vec![session.clone()];
    let mut paths = Vec::new();
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                paths.push(p);
            }
        }
    }
    for p in paths {
        let bytes = std::fs::read(&p).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for s in secrets {
            assert!(!text.contains(s), "{} holds {s}", p.display());
        }
        files += 1;
    }
    assert!(files >= 3, "journal, runbook copy, report");
}
