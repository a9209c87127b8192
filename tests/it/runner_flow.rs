//! The runner through `update` with real bash: a step runs, ticks, fails;
//! the rollback runs its steps in order, asks for the optional one, stops on
//! a failure and retries or skips; secrets stay out of every record.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::harness::cockpit::{self, Session};
use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::effect::Effect;
use rollout_cockpit::core::event::{Event, Outcome, StepResult};
use rollout_cockpit::core::modal::Ask;
use rollout_cockpit::core::modal::Modal;
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::session::Status;
use rollout_cockpit::core::settings::SharedMasker;
use rollout_cockpit::core::state::State;
use rollout_cockpit::domain::exec::{self, ExecEvent, RunId, RunSpec};
use rollout_cockpit::domain::mask::{Masker, SecretNames};
use rollout_cockpit::domain::runbook;
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
    let text = include_str!("../fixtures/rollback-steps.md");
    Plan::new(runbook::parse(text), text)
}

impl Rig {
    fn new(plan: Plan) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = cockpit::settings();
        settings.journal = Some(dir.path().join("journal.jsonl").display().to_string());
        settings.exec.workdir = dir.path().to_path_buf();
        settings.exec.masker = SharedMasker(std::sync::Arc::new(Masker::from_env(
            SecretNames::default(),
        )));
        let state = State::new(plan, settings, cockpit::now());
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
    let screen = cockpit::screen_text(&r.s.state, 120, 40);
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
        Some(rollout_cockpit::core::event::RollbackResult::Aborted)
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
    let screen = cockpit::screen_text(&r.s.state, 120, 40);
    assert!(!screen.contains(secret));
}

fn alternatives_plan() -> Plan {
    let text = include_str!("../fixtures/alternatives.md");
    Plan::new(runbook::parse(text), text)
}

/// `R` `y` on a procedure whose step 2 holds Options A, B and C: step 1
/// runs, the rollback stops and asks which option, `2` runs Option B and
/// nothing of A or C (C pushes to main), and the choice is journaled with
/// who made it.
#[test]
fn the_rollback_asks_which_alternative_and_runs_only_that_one() {
    let mut r = Rig::new(alternatives_plan());
    r.cmd(Cmd::Rollback);
    r.cmd(Cmd::Confirm);
    assert_eq!(r.s.state.ui.modal, Some(Modal::Ask(Ask::Choice(1))));
    assert_eq!(r.file("rollback.log"), "stop\n");
    let screen = cockpit::screen_text(&r.s.state, 100, 40);
    assert!(
        screen.contains("Which one?")
            && screen.contains("2 Option B: Undo to a revision")
            && screen.contains("git push origin main"),
        "{screen}"
    );
    // A digit that is no option changes nothing.
    r.act(Action::Choose(5));
    assert_eq!(r.s.state.ui.modal, Some(Modal::Ask(Ask::Choice(1))));
    r.act(Action::Choose(1));
    assert_eq!(r.file("rollback.log"), "stop\nB\nverify\n");
    let choice =
        r.s.records
            .iter()
            .find(|rec| matches!(rec.event, Event::RollbackChoice { .. }))
            .expect("the choice is journaled");
    assert_eq!(choice.by, "alice");
    assert_eq!(
        choice.event,
        Event::RollbackChoice {
            step: 1,
            option: Some(1),
            title: "Option B: Undo to a revision".into()
        }
    );
    let rb = r.s.state.session.rollback.clone().unwrap();
    assert_eq!(rb.choices.len(), 1);
    assert!(rb.finished.is_some());
    let report = rollout_cockpit::report::render(&alternatives_plan(), &r.s.records, &[]);
    assert!(
        report.contains("- Procedure: Manual Rollback (line 44)")
            && report.contains("- Step 2: chose Option B: Undo to a revision by alice"),
        "{report}"
    );
}

#[test]
fn skipping_a_choice_runs_none_of_its_alternatives() {
    let mut r = Rig::new(alternatives_plan());
    r.cmd(Cmd::Rollback);
    r.cmd(Cmd::Confirm);
    r.cmd(Cmd::Skip);
    assert_eq!(r.file("rollback.log"), "stop\nverify\n");
    assert!(r.s.records.iter().any(|rec| rec.event
        == Event::RollbackChoice {
            step: 1,
            option: None,
            title: "Revert the release".into()
        }));
}

/// `enter` on a step written as `# Create manual backup` / `# Or using the
/// managed database` asks which; the confirm then shows that one only.
#[test]
fn enter_on_alternatives_in_one_block_asks_which_then_confirms_only_that() {
    let mut r = Rig::new(alternatives_plan());
    r.s.go("Database Backup");
    r.cmd(Cmd::Open);
    let Some(Modal::Pick(pick)) = r.s.state.ui.modal.clone() else {
        panic!("{:?}", r.s.state.ui.modal)
    };
    let titles: Vec<&str> = pick.options.iter().map(|o| o.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Create manual backup", "Using the managed database"]
    );
    r.act(Action::Choose(1));
    let Some(Modal::Run(plan)) = r.s.state.ui.modal.clone() else {
        panic!("{:?}", r.s.state.ui.modal)
    };
    assert!(plan.display.contains("echo managed"), "{}", plan.display);
    assert!(!plan.display.contains("echo manual"), "{}", plan.display);
    r.cmd(Cmd::Confirm);
    assert_eq!(r.file("backup-managed.txt"), "managed\n");
    assert_eq!(r.file("backup-manual.txt"), "");
}

/// Reference material is a row: `enter` shows it marked "reference: not
/// run", runs nothing, and `c` copies it.
#[test]
fn a_reference_block_is_shown_and_copied_never_run() {
    let mut r = Rig::new(alternatives_plan());
    r.s.go("Key Commands");
    r.cmd(Cmd::Open);
    assert!(matches!(r.s.state.ui.modal, Some(Modal::Command(_))));
    let screen = cockpit::screen_text(&r.s.state, 100, 40);
    assert!(
        screen.contains("reference: not run") && screen.contains("git push origin main"),
        "{screen}"
    );
    // Straight through `update`: the rig would carry the effect out.
    r.s.cmd(Cmd::Copy);
    assert!(
        r.s.effects
            .iter()
            .any(|e| matches!(e, Effect::Clipboard(t) if t.contains("git push origin main")))
    );
    assert!(r.s.state.session.runs.list.is_empty(), "nothing ran");
    assert!(
        !r.s.records
            .iter()
            .any(|rec| matches!(rec.event, Event::CommandStarted { .. }))
    );
    // The crontab line is a row too, and never offered to run.
    r.cmd(Cmd::Cancel);
    r.s.go("Automated Health Monitoring");
    r.cmd(Cmd::Open);
    assert!(matches!(r.s.state.ui.modal, Some(Modal::Command(_))));
    let screen = cockpit::screen_text(&r.s.state, 100, 40);
    assert!(screen.contains("crontab"), "{screen}");
}
