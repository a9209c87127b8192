//! The safety rule as a property: over every runbook we have (the corpus
//! beside the repository and our fixtures), every procedure, and every way
//! of answering its questions, each command `R` `y` starts was shown, line
//! for line, in the red confirm the operator said yes to.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use crate::harness::cockpit::{self, Session};
use crate::harness::corpus;
use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::effect::Effect;
use rollout_cockpit::core::event::Event;
use rollout_cockpit::core::modal::Ask;
use rollout_cockpit::core::modal::Modal;
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::state::State;
use rollout_cockpit::core::update::rollback;
use rollout_cockpit::domain::runbook::{self, BlockKind};

fn runbooks() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let corpus = corpus::dir();
    for sub in ["terp", "other", "real"] {
        for e in std::fs::read_dir(corpus.join(sub)).unwrap() {
            out.push(e.unwrap().path());
        }
    }
    for e in std::fs::read_dir(root.join("tests/fixtures")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// `R`, `tab` to procedure `p`, `y`, then every question answered: optional
/// steps run, choices take option `pick` (or the last one), values are
/// typed, failures never happen. Returns the confirm's text and the code of
/// every command started.
fn roll_back(plan: Plan, p: usize, pick: usize) -> (String, Vec<(usize, String)>) {
    let mut s = Session::new(State::new(plan, cockpit::settings(), cockpit::now()));
    s.cmd(Cmd::Rollback);
    for _ in 0..p {
        s.cmd(Cmd::FocusNext);
    }
    assert_eq!(s.state.ui.rollback_procedure, p);
    let shown: String = rollback::confirm_lines(&s.state, p)
        .into_iter()
        .map(|(_, t)| t + "\n")
        .collect();
    s.cmd(Cmd::Confirm);
    let mut started = Vec::new();
    for _ in 0..500 {
        let spawns: Vec<_> = s
            .effects
            .drain(..)
            .filter_map(|e| match e {
                Effect::Spawn(sp) => Some(sp),
                _ => None,
            })
            .collect();
        if !spawns.is_empty() {
            for sp in spawns {
                let block = s
                    .records
                    .iter()
                    .rev()
                    .find_map(|r| match &r.event {
                        Event::CommandStarted { run, block, .. } if *run == sp.run => Some(*block),
                        _ => None,
                    })
                    .unwrap();
                started.push((block, sp.code.clone()));
                s.exited(sp.run, 0);
            }
            continue;
        }
        match s.state.ui.modal.clone() {
            Some(Modal::Ask(Ask::Optional(_))) => s.cmd(Cmd::Confirm),
            Some(Modal::Ask(Ask::Choice(i))) => {
                let n = rollback::procedure(&s.state).unwrap().steps[i]
                    .options
                    .len();
                s.act(Action::Choose(pick.min(n - 1)));
            }
            Some(Modal::Ask(Ask::Failed(_))) => s.cmd(Cmd::Skip),
            Some(Modal::Form(_)) => {
                s.type_text("value");
                s.cmd(Cmd::Submit);
            }
            None if s.state.rollback.is_none() => return (shown, started),
            other => panic!("stuck at {other:?}"),
        }
    }
    panic!("the rollback never ended");
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn every_command_the_rollback_runs_was_in_its_confirm() {
    let mut procedures = 0;
    let mut commands = 0;
    for path in runbooks() {
        let loaded = runbook::load(Some(&path)).unwrap();
        let rb = &loaded.runbook;
        let max_options = rb
            .procedures()
            .flat_map(|r| &r.steps)
            .map(|s| s.options.len())
            .max()
            .unwrap_or(0)
            .max(1);
        for p in 0..rb.procedures().count() {
            procedures += 1;
            let mut ran_per_pick = Vec::new();
            for pick in 0..max_options {
                let plan = Plan::new(rb.clone(), &loaded.text);
                let (shown, started) = roll_back(plan, p, pick);
                for (block, code) in &started {
                    commands += 1;
                    let b = &rb.blocks[*block];
                    assert_eq!(b.kind, BlockKind::Command, "{}", path.display());
                    assert!(
                        rb.procedure(p)
                            .unwrap()
                            .command_blocks(&rb.blocks)
                            .contains(block),
                        "{}: block {block} is not the procedure's",
                        path.display()
                    );
                    // Lines run as shown; a placeholder filled from the form
                    // is the only change, and its line is shown as written.
                    for (ran, written) in code.lines().zip(b.code.lines()) {
                        let line = if ran == written { ran } else { written };
                        if line.trim().is_empty() {
                            continue;
                        }
                        assert!(
                            shown.contains(line.trim_end()),
                            "{}: procedure {p}, option {pick}: {line:?} ran but was not in the confirm:\n{shown}",
                            path.display()
                        );
                    }
                }
                ran_per_pick.push(started.iter().map(|(b, _)| *b).collect::<Vec<_>>());
            }
            // Alternatives never run together: no pick runs a block that
            // belongs to another option of the same choice.
            let r = rb.procedure(p).unwrap();
            for step in r.steps.iter().filter(|s| s.options.len() >= 2) {
                for ran in &ran_per_pick {
                    let touched = step
                        .options
                        .iter()
                        .filter(|o| {
                            o.blocks
                                .iter()
                                .any(|b| ran.contains(b) && !step.blocks.contains(b))
                        })
                        .count();
                    assert!(
                        touched <= 1,
                        "{}: two alternatives of \"{}\" ran: {ran:?}",
                        path.display(),
                        step.title
                    );
                }
            }
        }
    }
    assert!(procedures >= 10, "{procedures} procedures");
    assert!(commands >= 20, "{commands} commands");
}
