//! The runner through `update` with real bash: a step runs, ticks, fails;
//! the rollback runs its steps in order, asks for the optional one, stops on
//! a failure and retries or skips; secrets stay out of every record.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::Session;
use rollout_cockpit::event::{Action, Cmd, Effect, Event, Outcome, StepResult};
use rollout_cockpit::exec::{self, ExecEvent, RunId, RunSpec};
use rollout_cockpit::mask::{Masker, SecretNames};
use rollout_cockpit::runbook;
use rollout_cockpit::state::runs::SharedMasker;
use rollout_cockpit::state::{Ask, Modal, Plan, State, Status};
use tokio::sync::mpsc;

struct Rig {
    s: Session,
    rt: tokio::runtime::Runtime,
    tx: mpsc::Sender<ExecEvent>,
    rx: mpsc::Receiver<ExecEvent>,
    running: usize,
    dir: tempfile::TempDir,
}

fn fixture_plan() -> Plan {
    let text = include_str!("fixtures/rollback-steps.md");
    Plan::new(runbook::parse(text), text)
}

impl Rig {
    fn new(plan: Plan) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = common::settings();
        settings.journal = Some(dir.path().join("journal.jsonl").display().to_string());
        settings.exec.workdir = dir.path().to_path_buf();
        settings.exec.masker = SharedMasker(std::sync::Arc::new(Masker::from_env(
            SecretNames::default(),
        )));
        let state = State::new(plan, settings, common::now());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (tx, rx) = mpsc::channel(exec::CHANNEL_CAPACITY);
        Rig {
            s: Session::new(state),
            rt,
            tx,
            rx,
            running: 0,
            dir,
        }
    }

    /// Acts, carries out spawns like the loop (after the journaled start),
    /// and feeds the runner's events back until nothing runs.
    fn act(&mut self, action: Action) {
        self.s.act(action);
        let spawns: Vec<_> = self
            .s
            .effects
            .drain(..)
            .filter_map(|e| match e {
                Effect::Spawn(sp) => Some(sp),
                _ => None,
            })
            .collect();
        for sp in spawns {
            let mut spec = RunSpec::new(RunId(sp.run), sp.code, &sp.log);
            spec.workdir = self.dir.path().to_path_buf();
            spec.env = sp.env;
            std::fs::create_dir_all(std::path::Path::new(&sp.log).parent().unwrap()).unwrap();
            let _g = self.rt.enter();
            exec::spawn(
                spec,
                self.s.state.settings.exec.masker.0.clone(),
                self.tx.clone(),
            )
            .unwrap();
            self.running += 1;
        }
        while self.running > 0 {
            let ev = self
                .rt
                .block_on(async {
                    tokio::time::timeout(Duration::from_secs(20), self.rx.recv()).await
                })
                .unwrap()
                .unwrap();
            if matches!(ev, ExecEvent::Exited(_)) {
                self.running -= 1;
            }
            self.act(Action::Exec(ev));
        }
    }

    fn cmd(&mut self, c: Cmd) {
        self.act(Action::Cmd(c));
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }
}

#[test]
fn a_step_runs_after_a_confirm_shows_its_output_and_ticks() {
    let mut r = Rig::new(fixture_plan());
    let row = r.s.go("Step 2: Deploy Application");
    r.cmd(Cmd::Open);
    let Some(Modal::Run(plan)) = r.s.state.ui.modal.clone() else {
        panic!("{:?}", r.s.state.ui.modal)
    };
    assert!(plan.display.contains("echo deploy-start"));
    r.cmd(Cmd::Confirm);
    let target = row.target(r.s.state.runbook()).unwrap();
    assert_eq!(r.s.state.session.status(target), Status::Done);
    assert_eq!(r.file("deployed.txt"), "deployed\n");
    let lines: Vec<String> =
        r.s.state
            .exec
            .pane
            .0
            .iter()
            .map(|(_, l)| l.text.clone())
            .collect();
    assert_eq!(lines, ["deploy-start", "deploy-done"]);
    let run = &r.s.state.session.runs.list[0];
    assert_eq!(run.exit.as_ref().unwrap().code, Some(0));
    assert!(
        std::fs::read_to_string(&run.log)
            .unwrap()
            .contains("deploy-done")
    );
    let screen = common::screen_text(&r.s.state, 120, 40);
    assert!(screen.contains("exit 0"), "{screen}");
}

#[test]
fn the_rollback_runs_in_order_asks_for_the_optional_step_and_retries_a_failure() {
    let mut r = Rig::new(fixture_plan());
    r.cmd(Cmd::Rollback);
    assert_eq!(r.s.state.ui.modal, Some(Modal::Rollback));
    r.cmd(Cmd::Confirm);
    assert_eq!(r.s.state.ui.modal, Some(Modal::Ask(Ask::Optional(1))));
    assert_eq!(r.file("order.txt"), "one\n");
    r.cmd(Cmd::Skip);
    // Step 3 fails (no allow-three): the rollback stops and asks.
    assert_eq!(r.s.state.ui.modal, Some(Modal::Ask(Ask::Failed(2))));
    assert_eq!(r.file("order.txt"), "one\nthree\n");
    std::fs::write(r.dir.path().join("allow-three"), "").unwrap();
    r.cmd(Cmd::Retry);
    assert_eq!(r.file("order.txt"), "one\nthree\nthree\n");
    assert_eq!(r.s.state.ui.modal, None);
    let rb = r.s.state.session.rollback.clone().unwrap();
    assert_eq!(rb.trigger, "manual");
    let results: Vec<StepResult> = rb.steps.iter().map(|s| s.2).collect();
    assert_eq!(
        results,
        [StepResult::Ok, StepResult::Skipped, StepResult::Ok]
    );
    assert!(rb.finished.is_some());
    assert_eq!(r.s.state.outcome(), Outcome::RolledBack);
    // The verification checklist has the cursor.
    assert!(
        r.s.state
            .row_text(r.s.state.ui.cursor.unwrap())
            .contains("Application is responding")
    );
}

#[test]
fn a_failed_rollback_step_can_be_skipped_or_abort_the_rollback() {
    let mut r = Rig::new(fixture_plan());
    r.cmd(Cmd::Rollback);
    r.cmd(Cmd::Confirm);
    r.cmd(Cmd::Confirm); // run the optional step
    assert_eq!(r.file("order.txt"), "one\ntwo\nthree\n");
    r.cmd(Cmd::Skip);
    let rb = r.s.state.session.rollback.clone().unwrap();
    assert_eq!(rb.steps.last().unwrap().2, StepResult::FailedSkipped);
    assert!(rb.finished.is_some());

    let mut r = Rig::new(fixture_plan());
    r.cmd(Cmd::Rollback);
    r.cmd(Cmd::Confirm);
    r.cmd(Cmd::Skip);
    r.cmd(Cmd::Abort);
    let rb = r.s.state.session.rollback.clone().unwrap();
    assert_eq!(
        rb.finished.map(|f| f.0),
        Some(rollout_cockpit::event::RollbackResult::Aborted)
    );
    assert!(r.s.state.rollback.is_none());
}

#[test]
fn a_failing_command_marks_its_row_and_never_ticks_it() {
    let text =
        "# T\n\n## Deployment Steps\n\n### Step 1: Break\n\n```bash\necho oops >&2\nexit 3\n```\n";
    let mut r = Rig::new(Plan::new(runbook::parse(text), text));
    let row = r.s.go("Step 1: Break");
    r.cmd(Cmd::Open);
    r.cmd(Cmd::Confirm);
    let t = row.target(r.s.state.runbook()).unwrap();
    assert_eq!(r.s.state.session.status(t), Status::Failed);
    assert!(!r.s.state.session.marks.contains_key(&t));
    assert_eq!(
        r.s.state.session.runs.list[0].exit.as_ref().unwrap().code,
        Some(3)
    );
}

#[test]
fn placeholders_are_asked_quoted_and_secrets_never_written() {
    // SAFETY of the test: the variable name is unique to this test.
    let secret = "s3cr3t-pa55-runner";
    let text = "# T\n\n## Deployment Steps\n\n### Step 1: Greet\n\n```bash\necho \"hi <NAME>\"\necho \"pw=$RUNNER_TEST_PASSWORD\"\n```\n";
    let mut r = Rig::new(Plan::new(runbook::parse(text), text));
    r.s.go("Step 1: Greet");
    r.cmd(Cmd::Open);
    let Some(Modal::Form(f)) = r.s.state.ui.modal.clone() else {
        panic!("{:?}", r.s.state.ui.modal)
    };
    let names: Vec<&str> = f.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["<NAME>", "RUNNER_TEST_PASSWORD"]);
    r.s.type_text("x'; touch pwned; echo '");
    r.cmd(Cmd::Submit);
    r.s.type_text(secret);
    r.cmd(Cmd::Submit);
    let Some(Modal::Run(plan)) = r.s.state.ui.modal.clone() else {
        panic!("{:?}", r.s.state.ui.modal)
    };
    assert!(!plan.display.contains(secret));
    r.cmd(Cmd::Confirm);
    assert!(!r.dir.path().join("pwned").exists(), "a value ran as code");
    let lines: Vec<String> =
        r.s.state
            .exec
            .pane
            .0
            .iter()
            .map(|(_, l)| l.text.clone())
            .collect();
    assert_eq!(lines[0], "hi x'; touch pwned; echo '");
    let all = format!(
        "{lines:?}{}{}",
        serde_json::to_string(&r.s.records).unwrap(),
        std::fs::read_to_string(&r.s.state.session.runs.list[0].log).unwrap()
    );
    assert!(!all.contains(secret), "{all}");
    assert!(r.s.records.iter().any(|rec| matches!(&rec.event,
        Event::VariableSet { name, secret: true, .. } if name == "RUNNER_TEST_PASSWORD")));
    let screen = common::screen_text(&r.s.state, 120, 40);
    assert!(!screen.contains(secret));
}
