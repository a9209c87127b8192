//! The co-pilot over a real Unix socket: the real loop (`Cockpit` over a
//! `TestBackend`, a real journal in a temp dir) serves `copilot.sock`, and
//! the test connects to it as itself. The name every record carries is the
//! kernel's (this process's uid), whatever a request claims.

use std::time::Duration as StdDuration;

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

use rollout_cockpit::config::keys::Keymap;
use rollout_cockpit::core::copilot::{Reply, SOCKET};
use rollout_cockpit::core::event::{Event, Record, Target};
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::settings::{Settings, Team};
use rollout_cockpit::core::state::State;
use rollout_cockpit::journal::{self, Journal};
use rollout_cockpit::shell::cockpit::Cockpit;
use rollout_cockpit::shell::copilot::{self, Copilot};
use rollout_cockpit::shell::front::{Driver, Script};
use rollout_cockpit::ui::ViewState;

use crate::harness::cockpit::wait_for;

const PLAN: &str = "# Story\n\n## Deploy\n\n- [ ] Announce the window\n- [ ] Deploy the release\n  ```bash\n  echo deployed-v2\n  ```\n";

/// This process's user name, as the kernel and the user database say.
fn me() -> String {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .unwrap()
        .expect("the test's uid has a user name")
        .name
}

fn key(c: char) -> TermEvent {
    TermEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

struct Running {
    dir: tempfile::TempDir,
    d: Driver,
    loop_: tokio::task::JoinHandle<anyhow::Result<u8>>,
}

/// The deployer's cockpit ("erin"), serving the socket to `members`.
async fn deployer(members: Vec<String>) -> Running {
    deployer_of(
        PLAN,
        Team {
            members,
            ..Team::default()
        },
        "Checklist 0/2",
    )
    .await
}

/// The deployer's cockpit on `text`, once its screen shows `ready`.
async fn deployer_of(text: &str, team: Team, ready: &str) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let plan = Plan::new(rollout_cockpit::domain::runbook::parse(text), text);
    let mut settings = Settings::replay("erin".into(), "production".into(), "story.md".into());
    settings.exec.workdir = dir.path().to_path_buf();
    settings.journal = Some(dir.path().join(journal::FILE_NAME).display().to_string());
    settings.team = team;
    let (socket, warnings) = copilot::bind(dir.path(), &settings.team).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    // As `run` does: the report reads the runbook from the session.
    rollout_cockpit::journal::sessions::save_runbook(dir.path(), &plan.hash, text).unwrap();
    let state = State::new(plan, settings, chrono::Utc::now());
    let journal = Journal::create(dir.path()).unwrap();
    let (front, mut d) = Script::new(TestBackend::new(120, 40)).unwrap();
    let cockpit = Cockpit::new(front, state, ViewState::new(Keymap::default()), journal)
        .with_copilot(Copilot::Serve(socket));
    let loop_ = tokio::spawn(cockpit.run());
    wait_for(&mut d, "the checklist", |f| f.contains(ready)).await;
    Running { dir, d, loop_ }
}

impl Running {
    /// `q` `y`: the session ends; its records.
    async fn quit(mut self) -> (tempfile::TempDir, Vec<Record>) {
        self.d.keys.send(key('q')).unwrap();
        wait_for(&mut self.d, "the quit confirm", |f| {
            f.contains("This ends the session")
        })
        .await;
        self.d.keys.send(key('y')).unwrap();
        let code = tokio::time::timeout(StdDuration::from_secs(15), self.loop_)
            .await
            .expect("the loop ended")
            .unwrap()
            .unwrap();
        assert_eq!(code, 0);
        let records = journal::load(&self.dir.path().join(journal::FILE_NAME))
            .unwrap()
            .records;
        (self.dir, records)
    }
}

/// Who ticked what, in the journal's order.
fn ticks(records: &[Record]) -> Vec<(&str, Target)> {
    records
        .iter()
        .filter_map(|r| match r.event {
            Event::Ticked { target } => Some((r.by.as_str(), target)),
            _ => None,
        })
        .collect()
}

struct Client {
    lines: Lines<BufReader<OwnedReadHalf>>,
    write: OwnedWriteHalf,
}

impl Client {
    async fn connect(dir: &std::path::Path) -> Client {
        let (read, write) = UnixStream::connect(dir.join(SOCKET))
            .await
            .unwrap()
            .into_split();
        Client {
            lines: BufReader::new(read).lines(),
            write,
        }
    }

    async fn reply(&mut self) -> Option<Reply> {
        let line = tokio::time::timeout(StdDuration::from_secs(10), self.lines.next_line())
            .await
            .expect("an answer")
            .unwrap()?;
        assert!(line.contains(r#""v":1"#), "{line}");
        Some(Reply::parse(&line).unwrap())
    }

    async fn ask(&mut self, line: &str) -> Reply {
        self.write
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
        self.reply().await.expect("the connection is kept")
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_members_tick_is_journaled_under_the_kernels_name_and_shown() {
    let me = me();
    let mut r = deployer(vec!["alice".into(), me.clone()]).await;
    let mut c = Client::connect(r.dir.path()).await;
    assert_eq!(
        c.reply().await,
        Some(Reply::Welcome {
            user: me.clone(),
            may_roll_back: false
        })
    );

    // A claimed name is ignored: the kernel's is the one journaled.
    let done = c
        .ask(r#"{"v":1,"req":"tick","target":{"item":0},"user":"mallory"}"#)
        .await;
    assert!(
        matches!(&done, Reply::Done { what } if what.contains("Announce")),
        "{done:?}"
    );
    // The deployer's screen shows the row ticked, with the co-pilot's name.
    wait_for(&mut r.d, "the co-pilot's tick", |f| {
        f.contains("Checklist 1/2") && f.contains(&format!("✓ {me}"))
    })
    .await;

    // Bad lines are answered with the reason; the connection stays.
    for (line, want) in [
        ("{tick", "not JSON"),
        (r#"{"v":7,"req":"tick","target":{"item":1}}"#, "version 7"),
        (r#"{"v":1,"req":"deploy"}"#, "unknown request"),
        (
            r#"{"v":1,"req":"tick","target":{"item":99}}"#,
            "no such checklist row",
        ),
        (
            r#"{"v":1,"req":"tick","target":{"item":0}}"#,
            "already ticked",
        ),
        (
            r#"{"v":1,"req":"run","target":{"item":1}}"#,
            "a co-pilot cannot run commands",
        ),
    ] {
        match c.ask(line).await {
            Reply::Error { error } => assert!(error.contains(want), "{line}: {error}"),
            other => panic!("{line}: {other:?}"),
        }
    }

    let note = c
        .ask(r#"{"v":1,"req":"note","target":{"item":1},"text":"release tag checked"}"#)
        .await;
    assert!(matches!(note, Reply::Done { .. }), "{note:?}");
    // A rollback request: the deployer's screen says so at once.
    let asked = c.ask(r#"{"v":1,"req":"rollback"}"#).await;
    assert!(matches!(asked, Reply::Done { .. }), "{asked:?}");
    wait_for(&mut r.d, "the rollback banner", |f| {
        f.contains(&format!(
            "{me} requests a rollback — R to roll back, esc to dismiss"
        ))
    })
    .await;
    // The deployer declines: esc puts it away (nothing is journaled).
    r.d.keys
        .send(TermEvent::Key(KeyEvent::new(
            KeyCode::Esc,
            KeyModifiers::NONE,
        )))
        .unwrap();
    wait_for(&mut r.d, "the banner gone", |f| {
        !f.contains("requests a rollback")
    })
    .await;

    let dir_path = r.dir.path().to_path_buf();
    let (_dir, records) = r.quit().await;
    let by = |pred: &dyn Fn(&Event) -> bool| -> Vec<String> {
        records
            .iter()
            .filter(|x| pred(&x.event))
            .map(|x| x.by.clone())
            .collect()
    };
    assert_eq!(
        by(&|e| matches!(e, Event::CopilotJoined { user } if *user == me)),
        [me.as_str()]
    );
    assert_eq!(
        by(&|e| matches!(
            e,
            Event::Ticked {
                target: Target::Item(0)
            }
        )),
        [me.as_str()]
    );
    assert_eq!(
        by(&|e| matches!(e, Event::Noted { text, .. } if text == "release tag checked")),
        [me.as_str()]
    );
    assert_eq!(
        by(&|e| matches!(e, Event::RollbackRequested {})),
        [me.as_str()]
    );
    // Nothing ran, and the session's own records stay the deployer's.
    assert!(
        !records
            .iter()
            .any(|x| matches!(x.event, Event::CommandStarted { .. }))
    );
    assert_eq!(by(&|e| matches!(e, Event::SessionEnded { .. })), ["erin"]);
    // The socket goes with the session.
    assert!(!dir_path.join(SOCKET).exists(), "the socket file is left");
    // The record says who joined and who asked for the rollback.
    let report =
        std::fs::read_to_string(rollout_cockpit::report::save(&dir_path).unwrap()).unwrap();
    for want in [
        format!("co-pilot {me} joined"),
        "rollback requested (co-pilot)".to_string(),
    ] {
        assert!(report.contains(&want), "{want}:\n{report}");
    }
}

const GATED: &str = "# Gated\n\n## Approvals\n\n- [ ] Technical lead approval\n- [ ] Announce the window\n\n## Rollback Procedure\n\n1. Revert\n   ```bash\n   echo rolled-back-by-copilot\n   ```\n";

/// The deployer's own account is never the second person an approval
/// needs, whatever it is called; with `[team] copilot_may_roll_back` a
/// co-pilot's `run_rollback` runs the runbook's rollback, journaled with
/// their name; a co-pilot who leaves is journaled too.
#[tokio::test(flavor = "current_thread")]
async fn the_deployers_own_account_cannot_approve_and_a_let_co_pilot_rolls_back() {
    let me = me();
    let team = Team {
        members: vec![me.clone()],
        copilot_may_roll_back: true,
        ..Team::default()
    };
    let mut r = deployer_of(GATED, team, "Checklist 0/3").await;
    let mut c = Client::connect(r.dir.path()).await;
    assert_eq!(
        c.reply().await,
        Some(Reply::Welcome {
            user: me.clone(),
            may_roll_back: true
        })
    );
    match c.ask(r#"{"v":1,"req":"tick","target":{"item":0}}"#).await {
        Reply::Error { error } => assert!(
            error.contains("Technical lead approval")
                && error.contains("account the deployer's cockpit runs as"),
            "{error}"
        ),
        other => panic!("{other:?}"),
    }
    // The deployer's own space on it: refused on their screen, with why.
    r.d.keys.send(key('j')).unwrap();
    r.d.keys.send(key(' ')).unwrap();
    wait_for(&mut r.d, "the refusal", |f| {
        f.contains("needs a second person") && f.contains("Checklist 0/3")
    })
    .await;
    let done = c.ask(r#"{"v":1,"req":"run_rollback","procedure":0}"#).await;
    assert!(
        matches!(&done, Reply::Done { what } if what == "rollback started"),
        "{done:?}"
    );
    wait_for(&mut r.d, "the rollback's output", |f| {
        f.contains("rolled-back-by-copilot")
    })
    .await;
    drop(c);
    let dir = r.dir.path().to_path_buf();
    let path = dir.join(journal::FILE_NAME);
    // The loop journals the leaving once the socket has closed.
    let left = async {
        loop {
            let records = journal::load(&path).unwrap().records;
            if records
                .iter()
                .any(|x| x.event == Event::CopilotLeft { user: me.clone() })
            {
                return records;
            }
            tokio::time::sleep(StdDuration::from_millis(20)).await;
        }
    };
    let records = tokio::time::timeout(StdDuration::from_secs(10), left)
        .await
        .expect("copilot_left journaled");
    let started: Vec<&str> = records
        .iter()
        .filter(|x| matches!(x.event, Event::RollbackStarted { .. }))
        .map(|x| x.by.as_str())
        .collect();
    assert_eq!(started, [me.as_str()]);
    assert!(
        !records.iter().any(|x| matches!(
            x.event,
            Event::Ticked {
                target: Target::Item(0)
            }
        )),
        "the approval was ticked: {records:#?}"
    );
}

const CHOICE: &str = "# Choice\n\n## Deploy\n\n- [ ] Deploy\n\n## Rollback Procedure\n\n### Step 1: Revert\n\n#### Option A: Revert the commit\n\n```bash\necho reverted-by-a\n```\n\n#### Option B: Redeploy the previous tag\n\n```bash\necho redeployed-by-b\n```\n";

/// A let co-pilot runs the rollback to its end: the deployer's screen asks
/// which alternative, the co-pilot's answer picks it (journaled with their
/// name), and only that one runs.
#[tokio::test(flavor = "current_thread")]
async fn a_let_co_pilot_answers_the_rollbacks_question_over_the_socket() {
    let me = me();
    let team = Team {
        members: vec![me.clone()],
        copilot_may_roll_back: true,
        ..Team::default()
    };
    let mut r = deployer_of(CHOICE, team, "Checklist 0/1").await;
    let mut c = Client::connect(r.dir.path()).await;
    assert!(matches!(c.reply().await, Some(Reply::Welcome { .. })));
    let done = c.ask(r#"{"v":1,"req":"run_rollback"}"#).await;
    assert!(matches!(done, Reply::Done { .. }), "{done:?}");
    wait_for(&mut r.d, "the question", |f| {
        f.contains("Option B: Redeploy the previous tag")
    })
    .await;
    let wrong = c
        .ask(r#"{"v":1,"req":"answer","ask":{"optional":0},"answer":"yes"}"#)
        .await;
    assert!(
        matches!(&wrong, Reply::Error { error } if error.contains("not asking that now")),
        "{wrong:?}"
    );
    let done = c
        .ask(r#"{"v":1,"req":"answer","ask":{"choice":0},"answer":{"pick":1}}"#)
        .await;
    assert!(
        matches!(&done, Reply::Done { what } if what == "picked option 2"),
        "{done:?}"
    );
    wait_for(&mut r.d, "the picked alternative's output", |f| {
        f.contains("redeployed-by-b")
    })
    .await;
    let (_dir, records) = r.quit().await;
    let choices: Vec<(&str, Option<usize>)> = records
        .iter()
        .filter_map(|x| match &x.event {
            Event::RollbackChoice { option, .. } => Some((x.by.as_str(), *option)),
            _ => None,
        })
        .collect();
    assert_eq!(choices, [(me.as_str(), Some(1))]);
    let ran: Vec<&str> = records
        .iter()
        .filter_map(|x| match &x.event {
            Event::CommandStarted { command_masked, .. } => Some(command_masked.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(ran, ["echo redeployed-by-b"], "{records:#?}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_user_outside_the_team_is_refused_and_the_attempt_journaled() {
    let me = me();
    let r = deployer(vec!["somebody-else".into()]).await;
    let mut c = Client::connect(r.dir.path()).await;
    match c.reply().await {
        Some(Reply::Refused { reason }) => {
            assert!(
                reason.contains(&me) && reason.contains("[team] members"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
    // Closed after the refusal, which the loop was told of first.
    assert_eq!(c.reply().await, None);
    // `join` says the deployer's reason on the terminal and exits 2,
    // before any screen.
    let session = r.dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_rollout-cockpit"))
            .arg("join")
            .arg(&session)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("refused:") && stderr.contains("is not in this session's [team] members"),
        "{stderr}"
    );
    let (_dir, records) = r.quit().await;
    let uid = nix::unistd::getuid().as_raw();
    assert!(
        records.iter().any(|x| x.by == "erin"
            && x.event
                == Event::CopilotRefused {
                    user: me.clone(),
                    uid
                }),
        "{records:#?}"
    );
    assert!(
        !records
            .iter()
            .any(|x| matches!(x.event, Event::CopilotJoined { .. }))
    );
}

/// Identity is the kernel's: `join` started as another user (`nobody`),
/// whatever it would claim, is that user, refused as not a member, and
/// the refusal is journaled with the uid. The socket and the session
/// directory are opened to everyone here only so that `nobody` can reach
/// the socket at all.
#[tokio::test(flavor = "current_thread")]
#[cfg_attr(
    not_root,
    ignore = "needs root to start a process as another user (run the tests as root, as CI does)"
)]
async fn another_uid_is_refused_by_the_kernels_word_and_journaled() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let r = deployer(vec![me()]).await;
    let open = std::fs::Permissions::from_mode(0o755);
    std::fs::set_permissions(r.dir.path(), open).unwrap();
    std::fs::set_permissions(
        r.dir.path().join(SOCKET),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    let session = r.dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_rollout-cockpit"))
            .arg("join")
            .arg(&session)
            .env("USER", "root")
            .env("LOGNAME", "root")
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("nobody") && stderr.contains("is not in this session's [team] members"),
        "{stderr}"
    );
    let (_dir, records) = r.quit().await;
    assert!(
        records.iter().any(|x| x.event
            == Event::CopilotRefused {
                user: "nobody".into(),
                uid: 65534
            }),
        "{records:#?}"
    );
}

/// `join --config` (and `watch --config`) read the co-pilot's own
/// `[keys]`: a bad one is exit 2 naming the file and the key, before any
/// connection.
#[test]
fn a_bad_keys_table_for_join_is_exit_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("mine.toml");
    std::fs::write(&keys, "[keys]\napprove = \"ctrl-alt-nowhere\"\n").unwrap();
    for mode in ["join", "watch"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-cockpit"))
            .arg(mode)
            .arg(dir.path())
            .arg("--config")
            .arg(&keys)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{mode}: {stderr}");
        assert!(
            stderr.contains("mine.toml") && stderr.contains("approve"),
            "{mode}: {stderr}"
        );
    }
}

#[test]
fn a_stale_socket_file_does_not_stop_a_new_run() {
    let dir = tempfile::tempdir().unwrap();
    // What a crashed `run` leaves: the socket file, with nobody listening.
    drop(std::os::unix::net::UnixListener::bind(dir.path().join(SOCKET)).unwrap());
    assert!(dir.path().join(SOCKET).exists());
    let team = Team {
        members: vec![me()],
        ..Team::default()
    };
    let (socket, _) = copilot::bind(dir.path(), &team).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(socket.path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o660);
    drop(socket);
    assert!(!dir.path().join(SOCKET).exists());
}

/// `run` in one tmux window, `join` in another, on one session: a tick from
/// each side shows on both, the co-pilot's with its name; the co-pilot's
/// command keys are refused; its rollback request reaches the deployer; a
/// socket left by a killed `run` does not stop `--resume`.
#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn run_and_join_in_tmux_see_each_others_ticks() {
    use crate::harness::tmux::{self, Tmux};
    const BIN: &str = env!("CARGO_BIN_EXE_rollout-cockpit");
    let me = me();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sessions");
    let runbook = dir.path().join("story.md");
    std::fs::write(&runbook, "# Story\n\n## Deploy\n\n- [ ] Announce the window\n- [ ] Check the release tag\n- [ ] Deploy\n  ```bash\n  echo deployed\n  ```\n").unwrap();
    let config = dir.path().join("cockpit.toml");
    std::fs::write(&config, format!("[team]\nmembers = [\"{me}\"]\n")).unwrap();
    let tmux = Tmux::server("copilot");
    tmux.session(
        "rc",
        120,
        40,
        &format!(
            "'{BIN}' run '{}' --config '{}' --no-health --session-dir '{}' --operator erin; sleep 60",
            runbook.display(),
            config.display(),
            root.display()
        ),
    );
    tmux.wait_in("rc", "the cockpit", |s| s.contains("Checklist 0/3"));
    let session = tmux::live_session(&root);
    tmux.session(
        "co",
        120,
        40,
        &format!("'{BIN}' join '{}'; sleep 60", session.display()),
    );
    let screen = tmux.wait_in("co", "the co-pilot's cockpit", |s| {
        s.contains("Checklist 0/3") && s.contains("CO-PILOT — erin's session")
    });
    assert!(
        screen.contains("enter show") && screen.contains("R ask rollback"),
        "{screen}"
    );

    // The deployer ticks the first item; the co-pilot the second.
    tmux.keys_in("rc", &["j", "Space"]);
    tmux.wait_in("co", "the deployer's tick", |s| s.contains("Checklist 1/3"));
    tmux.keys_in("co", &["j", "j", "Space"]);
    let mine = format!("✓ {me}");
    tmux.wait_in("rc", "the co-pilot's tick", |s| {
        s.contains("Checklist 2/3") && s.contains(&mine)
    });
    tmux.wait_in("co", "its own tick, from the journal", |s| {
        s.contains("Checklist 2/3") && s.contains(&mine)
    });

    // A command key does nothing but say why.
    tmux.keys_in("co", &["j", "x"]);
    tmux.wait_in("co", "the refusal", |s| {
        s.contains("a co-pilot cannot run commands")
    });
    tmux.keys_in("co", &["R"]);
    tmux.wait_in("rc", "the rollback request", |s| {
        s.contains(&format!("{me} requests a rollback"))
    });

    // The deployer's cockpit is killed: its socket file stays behind, and
    // does not stop the resume, which a co-pilot joins again.
    crate::harness::procs::kill9(&crate::harness::procs::run_pid(&session));
    assert!(session.join(SOCKET).exists());
    tmux.session(
        "rc2",
        120,
        40,
        &format!(
            "'{BIN}' run '{}' --config '{}' --no-health --session-dir '{}' --operator erin --resume; sleep 60",
            runbook.display(),
            config.display(),
            root.display()
        ),
    );
    tmux.wait_in("rc2", "the resumed cockpit", |s| {
        s.contains("Checklist 2/3")
    });
    tmux.session(
        "co2",
        120,
        40,
        &format!("'{BIN}' join '{}'; sleep 60", session.display()),
    );
    tmux.wait_in("co2", "the co-pilot again", |s| s.contains("Checklist 2/3"));
    tmux.keys_in("co2", &["j", "j", "j", "Space"]);
    tmux.wait_in("rc2", "the co-pilot's tick after the resume", |s| {
        s.contains("Checklist 3/3")
    });

    tmux.keys_in("rc2", &["q"]);
    tmux.wait_in("rc2", "the quit confirm", |s| s.contains("completed"));
    tmux.keys_in("rc2", &["y"]);
    // The socket is removed before the session's end is written.
    tmux.wait_in("rc2", "the cockpit's exit", |s| !s.contains("Checklist"));
    assert!(
        journal::load(&session.join(journal::FILE_NAME))
            .unwrap()
            .records
            .iter()
            .any(|r| matches!(r.event, Event::SessionEnded { .. }))
    );
    assert!(
        !session.join(SOCKET).exists(),
        "the socket outlived the session"
    );
    let records = journal::load(&session.join(journal::FILE_NAME))
        .unwrap()
        .records;
    let ticks = ticks(&records);
    assert_eq!(
        ticks,
        [
            ("erin", Target::Item(0)),
            (me.as_str(), Target::Item(1)),
            (me.as_str(), Target::Item(2)),
        ]
    );
}

/// The two-person rule and an emergency deployment through two real
/// terminals, the co-pilot a different Unix user (`nobody`, through
/// `setpriv`): the deployer's own tick of "Technical lead approval" is
/// refused and the co-pilot's accepted, with their name on both screens;
/// `run --emergency` opens no command until the co-pilot's `A`. The
/// session directory is opened to others and the socket given to
/// `nobody`'s group, as a shared jump host's would be.
#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
#[cfg_attr(
    not_root,
    ignore = "needs root to start the co-pilot as another user (run the tests as root, as CI does)"
)]
fn an_approval_and_an_emergency_need_another_user_in_tmux() {
    use crate::harness::tmux::{self, Tmux};
    use std::os::unix::fs::PermissionsExt;
    const BIN: &str = env!("CARGO_BIN_EXE_rollout-cockpit");
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = dir.path().join("sessions");
    std::fs::create_dir(&root).unwrap();
    let runbook = dir.path().join("hotfix.md");
    std::fs::write(
        &runbook,
        "# Hotfix\n\n## Approvals\n\n- [ ] Technical lead approval\n- [ ] Announce the window\n\n## Deploy\n\n- [ ] Deploy the fix\n  ```bash\n  echo fix-deployed\n  ```\n",
    )
    .unwrap();
    let config = dir.path().join("cockpit.toml");
    std::fs::write(
        &config,
        "[team]\nmembers = [\"nobody\"]\ngroup = \"nogroup\"\n",
    )
    .unwrap();
    let tmux = Tmux::server("approvals");
    tmux.session(
        "rc",
        120,
        40,
        &format!(
            "'{BIN}' run '{}' --config '{}' --no-health --session-dir '{}' --operator erin --emergency; sleep 60",
            runbook.display(),
            config.display(),
            root.display()
        ),
    );
    tmux.wait_in("rc", "the cockpit", |s| {
        s.contains("Checklist 0/3") && s.contains("EMERGENCY — waiting for a co-pilot's approval")
    });
    // The deployer's command waits for the approval; their own tick of the
    // approval is refused, saying why.
    tmux.keys_in("rc", &["G", "Enter"]);
    tmux.wait_in("rc", "the emergency's refusal", |s| {
        s.contains("no command runs before a co-pilot approves")
    });
    tmux.keys_in("rc", &["g", "j", "Space"]);
    tmux.wait_in("rc", "the approval's refusal", |s| {
        s.contains("an approval needs a second person: a co-pilot ticks it")
            && s.contains("Checklist 0/3")
    });

    let session = tmux::live_session(&root);
    // The co-pilot's own keys: approve on `P`.
    let keys = dir.path().join("mine.toml");
    std::fs::write(&keys, "[keys]\napprove = \"P\"\n").unwrap();
    tmux.session(
        "co",
        120,
        40,
        &format!(
            "setpriv --reuid=nobody --regid=nogroup --clear-groups '{BIN}' join '{}' --config '{}'; sleep 60",
            session.display(),
            keys.display()
        ),
    );
    let screen = tmux.wait_in("co", "the co-pilot's cockpit", |s| {
        s.contains("CO-PILOT — erin's session") && s.contains("P approve emergency")
    });
    assert!(screen.contains("2nd person"), "{screen}");
    tmux.wait_in("rc", "the co-pilot in the header", |s| {
        s.contains("co-pilot nobody")
    });
    tmux.keys_in("co", &["P"]);
    tmux.wait_in("rc", "the approval in the header", |s| {
        s.contains("EMERGENCY — approved by nobody")
    });
    tmux.keys_in("co", &["j", "Space"]);
    tmux.wait_in("rc", "the co-pilot's approval", |s| {
        s.contains("Checklist 1/3") && s.contains("✓ nobody")
    });
    tmux.wait_in("co", "its own tick, from the journal", |s| {
        s.contains("Checklist 1/3") && s.contains("✓ nobody")
    });
    // Approved: the deployer's command runs.
    tmux.keys_in("rc", &["G", "Enter"]);
    tmux.wait_in("rc", "the run confirm", |s| s.contains("echo fix-deployed"));
    tmux.keys_in("rc", &["y"]);
    tmux.wait_in("rc", "the fix run and ticked", |s| {
        s.contains("Checklist 2/3") && s.contains("✓ 0.")
    });
    tmux.keys_in("co", &["q"]);
    tmux.keys_in("rc", &["q"]);
    tmux.wait_in("rc", "the quit confirm", |s| s.contains("abandoned"));
    tmux.keys_in("rc", &["y"]);
    tmux.wait_in("rc", "the cockpit's exit", |s| !s.contains("Checklist"));

    let records = journal::load(&session.join(journal::FILE_NAME))
        .unwrap()
        .records;
    let find = |pred: &dyn Fn(&Event) -> bool| {
        records
            .iter()
            .position(|r| pred(&r.event))
            .unwrap_or_else(|| panic!("{records:#?}"))
    };
    let approved = find(&|e| matches!(e, Event::EmergencyApproved {}));
    let started = find(&|e| matches!(e, Event::CommandStarted { .. }));
    assert!(approved < started, "{records:#?}");
    assert_eq!(records[approved].by, "nobody");
    let ticks = ticks(&records);
    assert_eq!(ticks[0], ("nobody", Target::Item(0)));
    assert!(records.iter().any(|r| r.event
        == Event::CopilotLeft {
            user: "nobody".into()
        }));
}

/// `run --emergency` with nobody who may join could never run a command:
/// exit 2 before any session, saying why; a `[rules] two_person` entry
/// naming no row is exit 2 too, naming it.
#[test]
fn run_refuses_an_emergency_nobody_can_approve_and_a_rule_naming_no_row() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sessions");
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_rollout-cockpit"))
            .args(["run", "--no-health", "--session-dir"])
            .arg(&root)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--emergency"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--emergency: a co-pilot approves before the first command runs")
            && stderr.contains("[team] members"),
        "{stderr}"
    );
    let config = dir.path().join("cockpit.toml");
    std::fs::write(&config, "[rules]\ntwo_person = [\"Sign the release\"]\n").unwrap();
    let out = run(&["--config", config.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cockpit.toml: rules.two_person[0]: \"Sign the release\""),
        "{stderr}"
    );
    assert!(!root.exists(), "a session was created");
}
