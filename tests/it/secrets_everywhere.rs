//! Secrets stay out of everything a session leaves behind. Five kinds of
//! secret (a secret-named variable's value, a URL's password, a bearer
//! token, an AWS access key id, a JWT) go through every way a person or a
//! command can bring one in: a note, a not-applicable reason, an
//! announcement template (dialog, saved file, clipboard), a step's output
//! with the secret at every offset around the 16 KiB cut (real bash, the
//! real runner) and the application log stream. Then the whole session
//! directory (journal, command logs, saved announcement, the report that
//! `rollout-cockpit report` writes) and the screen (TestBackend) are
//! searched for any six characters of each secret.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::harness::cockpit::{self, Session};
use assert_cmd::Command;
use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::effect::Effect;
use rollout_cockpit::core::event::Event;
use rollout_cockpit::core::modal::Modal;
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::settings::SharedMasker;
use rollout_cockpit::core::state::State;
use rollout_cockpit::domain::exec::{self, ExecEvent, RunId, RunSpec};
use rollout_cockpit::domain::logs::{self, LogMsg, LogSpec};
use rollout_cockpit::domain::mask::{Masker, SecretNames};
use rollout_cockpit::domain::runbook;
use rollout_cockpit::journal::Journal;
use tokio::sync::mpsc;

const ENV_VALUE: &str = "Tr0ub4dor3xyzQ";
const URL_PASSWORD: &str = "Zx9PassW0rdK";
const BEARER: &str = "tkn9f8e7d6c5b4aQ";
const AKIA: &str = "AKIAIOSFODNN7EXAMPLE";
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N";

/// Each secret and the text it travels in.
fn carriers() -> [(&'static str, String); 5] {
    [
        (ENV_VALUE, format!("the db password is {ENV_VALUE} today")),
        (
            URL_PASSWORD,
            format!("postgres://app:{URL_PASSWORD}@db:5432/prod"),
        ),
        (BEARER, format!("Authorization: Bearer {BEARER}")),
        (AKIA, format!("aws key {AKIA}")),
        (JWT, format!("session {JWT}")),
    ]
}

fn runbook_text() -> String {
    let all: Vec<String> = carriers().into_iter().map(|(_, c)| c).collect();
    format!(
        "# Secrets Fixture\n\n## Deployment Steps\n\n- [ ] Check the dashboard\n\n\
         ### Step 1: Announce Maintenance\n\n```\nDeploying to [environment].\n{}\n```\n\n\
         ### Step 2: Deploy Application\n\n```bash\nbash print-around-the-cut.sh\n```\n",
        all.join("\n")
    )
}

/// Every carrier with its secret starting at each offset from 100 bytes
/// before the 16 KiB cut to a few after, no blank anywhere, and a long
/// tail so that the line is cut.
const PRINTER: &str = r#"
fill=$(head -c 17000 /dev/zero | tr '\0' '#')
tail=$(head -c 8000 /dev/zero | tr '\0' '#')
while IFS= read -r carrier; do
  for off in $(seq 16284 16392); do
    printf '%s%s%s\n' "${fill:0:off}" "${carrier// /#}" "$tail"
  done
done < carriers.txt
"#;

struct Rig {
    s: Session,
    rt: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
    saved: Vec<(String, String)>,
    clipboard: Vec<String>,
    screens: Vec<(String, String)>,
}

impl Rig {
    fn new() -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let text = runbook_text();
        let plan = Plan::new(runbook::parse(&text), &text);
        rollout_cockpit::journal::sessions::save_runbook(dir.path(), &plan.hash, &text).unwrap();
        let mut settings = cockpit::settings();
        settings.journal = Some(dir.path().join("journal.jsonl").display().to_string());
        settings.exec.workdir = dir.path().to_path_buf();
        settings.exec.masker = SharedMasker(Arc::new(Masker::with_vars(
            SecretNames::default(),
            [("DB_PASSWORD", ENV_VALUE)],
        )));
        let lines: Vec<String> = carriers().into_iter().map(|(_, c)| c).collect();
        std::fs::write(dir.path().join("carriers.txt"), lines.join("\n") + "\n").unwrap();
        std::fs::write(dir.path().join("print-around-the-cut.sh"), PRINTER).unwrap();
        let mut s = Session::new(State::new(plan, settings, cockpit::now()));
        s.record(Event::SessionStarted {
            runbook: "secrets.md".into(),
            runbook_hash: s.state.plan.hash.clone(),
            environment: "production".into(),
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Rig {
            s,
            rt,
            dir,
            saved: Vec::new(),
            clipboard: Vec::new(),
            screens: Vec::new(),
        }
    }

    fn masker(&self) -> Arc<Masker> {
        self.s.state.settings.exec.masker.0.clone()
    }

    fn screen(&mut self, what: &str) {
        let text = cockpit::screen_text(&self.s.state, 160, 50);
        self.screens.push((what.to_string(), text));
    }

    /// Acts and carries out the effects as the loop does.
    fn cmd(&mut self, c: Cmd) {
        self.s.cmd(c);
        for effect in std::mem::take(&mut self.s.effects) {
            match effect {
                Effect::Clipboard(text) => self.clipboard.push(text),
                Effect::SaveFile { name, text } => {
                    let path = self.dir.path().join(&name);
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(&path, &text).unwrap();
                    self.saved.push((name, text));
                }
                Effect::Spawn(sp) => self.run(sp),
                _ => {}
            }
        }
    }

    fn typed(&mut self, open: Cmd, text: &str) {
        self.cmd(open);
        self.s.type_text(text);
        self.cmd(Cmd::Submit);
    }

    fn run(&mut self, sp: rollout_cockpit::core::effect::Spawn) {
        let mut spec = RunSpec::new(RunId(sp.run), sp.code, &sp.log);
        spec.workdir = self.dir.path().to_path_buf();
        std::fs::create_dir_all(Path::new(&sp.log).parent().unwrap()).unwrap();
        let (tx, mut rx) = mpsc::channel(exec::CHANNEL_CAPACITY);
        let _g = self.rt.enter();
        exec::spawn(spec, self.masker(), tx).unwrap();
        loop {
            let ev = self
                .rt
                .block_on(async { tokio::time::timeout(Duration::from_secs(60), rx.recv()).await })
                .unwrap()
                .unwrap();
            let done = matches!(ev, ExecEvent::Exited(_));
            self.s.act(Action::Exec(ev));
            if done {
                break;
            }
        }
    }

    fn log_stream(&mut self) {
        let mut spec = LogSpec::new(
            "cat carriers.txt",
            self.dir.path().join("logs/app.log"),
            self.masker(),
        );
        spec.run.workdir = self.dir.path().to_path_buf();
        spec.backoff.first = Duration::from_secs(600);
        std::fs::create_dir_all(self.dir.path().join("logs")).unwrap();
        let (tx, mut rx) = mpsc::channel(16);
        let _g = self.rt.enter();
        let _handle = logs::spawn(spec, tx);
        loop {
            let msg = self
                .rt
                .block_on(async { tokio::time::timeout(Duration::from_secs(20), rx.recv()).await })
                .unwrap()
                .unwrap();
            let done = matches!(msg, LogMsg::Exited { .. });
            self.s.act(Action::Log(msg));
            if done {
                break;
            }
        }
    }

    /// The journal as the writer would have left it.
    fn write_journal(&self) {
        let mut j = Journal::create(self.dir.path()).unwrap();
        for r in &self.s.records {
            j.append(&r.by, r.ts, r.event.clone()).unwrap();
        }
    }
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Six characters of `secret` anywhere in `text` (line breaks removed, so
/// that a secret split over two lines counts too).
fn leak(secret: &str, text: &str) -> Option<String> {
    let joined = text.replace('\n', "");
    let chars: Vec<char> = secret.chars().collect();
    chars
        .windows(6)
        .map(|w| w.iter().collect::<String>())
        .find(|w| joined.contains(w.as_str()))
}

#[test]
fn no_secret_reaches_the_session_directory_or_the_screen() {
    let mut r = Rig::new();
    let all: Vec<String> = carriers().into_iter().map(|(_, c)| c).collect();

    // Notes and reasons, one per carrier.
    r.s.go("Check the dashboard");
    for c in &all {
        r.typed(Cmd::Note, c);
        r.screen(&format!("note {c}"));
    }
    r.typed(Cmd::NotApplicable, &all.join(" "));
    r.screen("reason");

    // The announcement: the dialog, the saved file, the clipboard.
    r.s.go("Announce Maintenance");
    r.cmd(Cmd::Announce);
    assert!(matches!(r.s.state.ui.modal, Some(Modal::Announcement(_))));
    r.screen("announcement dialog");
    r.cmd(Cmd::Copy);
    r.cmd(Cmd::Cancel);
    assert_eq!(r.saved.len(), 1, "the announcement was saved");
    assert!(r.saved[0].1.contains("Deploying to"));

    // A step's output with every secret around the cut.
    r.s.go("Deploy Application");
    r.cmd(Cmd::Open);
    assert!(matches!(r.s.state.ui.modal, Some(Modal::Run(_))));
    r.cmd(Cmd::Confirm);
    r.screen("output pane");

    // The application log stream.
    r.log_stream();
    r.cmd(Cmd::ToggleLog);
    r.screen("log pane");

    r.write_journal();
    let report = Command::cargo_bin("rollout-cockpit")
        .unwrap()
        .arg("report")
        .arg(r.dir.path())
        .env_remove("DB_PASSWORD")
        .output()
        .unwrap();
    assert!(report.status.success(), "{report:?}");
    assert!(r.dir.path().join("report.md").exists());

    let mut paths = Vec::new();
    files(r.dir.path(), &mut paths);
    let mut places: Vec<(String, String)> = Vec::new();
    for p in paths {
        let name = p.strip_prefix(r.dir.path()).unwrap().display().to_string();
        // The operator's own inputs: the runbook (a copy kept for replay)
        // and the fixture files the commands read.
        if name.starts_with("runbook-") || name == "carriers.txt" || name.ends_with(".sh") {
            continue;
        }
        places.push((
            name,
            String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into(),
        ));
    }
    assert!(places.iter().any(|(n, _)| n == "journal.jsonl"));
    assert!(places.iter().any(|(n, _)| n.starts_with("logs/run-")));
    assert!(places.iter().any(|(n, _)| n == "logs/app.log"));
    assert!(places.iter().any(|(n, _)| n.starts_with("announcements/")));
    places.push((
        "report (stdout)".into(),
        String::from_utf8_lossy(&report.stdout).into(),
    ));
    for (i, c) in r.clipboard.iter().enumerate() {
        places.push((format!("clipboard {i}"), c.clone()));
    }
    for (what, screen) in &r.screens {
        places.push((format!("screen: {what}"), screen.clone()));
    }
    // The run's log holds every line (the masks are there, the text too).
    let run_log = places
        .iter()
        .find(|(n, _)| n.starts_with("logs/run-"))
        .unwrap();
    assert!(run_log.1.matches('\n').count() >= 5 * 109);
    let mut leaks = Vec::new();
    for (secret, _) in carriers() {
        for (place, text) in &places {
            if let Some(w) = leak(secret, text) {
                leaks.push(format!("{place}: {w:?} of {secret}"));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets shown:\n{}", leaks.join("\n"));
}

/// The output pane's view of a row's commands is the confirm's: masked, and
/// rewritten for `--env` (it showed the runbook's raw text).
#[test]
fn the_output_pane_shows_a_rows_command_masked_and_rewritten() {
    let text = "# Plan\n\n## Steps\n\n- [ ] Restore\n  ```bash\n  mysql -h db.prod.example -u admin -pS3cretPass42 terp < dump.sql\n  curl https://api.prod.example/health\n  ```\n";
    let plan = Plan::new(runbook::parse(text), text);
    let mut state = State::new(plan, cockpit::settings(), cockpit::now());
    let rewrite = std::collections::BTreeMap::from([(
        "api.prod.example".to_string(),
        "http://127.0.0.1:8080".to_string(),
    )]);
    state.settings.profile =
        rollout_cockpit::domain::profile::Profile::new("staging", &rewrite).unwrap();
    let mut s = Session::new(state);
    s.go("Restore");
    let screen = cockpit::screen_text(&s.state, 120, 40);
    assert!(screen.contains("mysql -h db.prod.example"), "{screen}");
    assert!(!screen.contains("S3cretPass42"), "{screen}");
    assert!(screen.contains("127.0.0.1:8080"), "{screen}");
    assert!(!screen.contains("api.prod.example"), "{screen}");
}
