//! The one-key rollback: `R` opens a red confirm, `y` journals who fired it,
//! why and the metrics at that moment, then runs the runbook's rollback steps
//! in order. An optional step asks `y`/`n`; a failed one asks retry / skip /
//! abort. The auto-rollback (opt-in) counts 10 s down on state time, then
//! does the same as `y`.

use chrono::{DateTime, Duration, Utc};

use crate::core::effect::Effect;
use crate::core::event::Event;
use crate::core::event::{RollbackMetrics, RollbackResult, StepResult};
use crate::core::modal::{Ask, ConfirmLine, Modal, Then};
use crate::core::outline::Row;
use crate::core::screen::{Driver, Focus};
use crate::core::state::State;
use crate::core::update::runs;
use crate::domain::monitor::criteria::Kind;
use crate::domain::runbook::{BlockKind, StepKind};

/// The countdown before an automatic rollback runs.
pub const COUNTDOWN: Duration = Duration::seconds(10);

/// A rollback is running, paused, or journaled as started and not finished
/// (a resumed session): `R` must never start a second one.
pub fn in_progress(state: &State) -> bool {
    state.rollback.is_some()
        || state
            .session
            .rollback
            .as_ref()
            .is_some_and(|l| l.finished.is_none())
}

/// Where an unfinished rollback stopped, from the journal alone: the step
/// after the last one recorded, the alternative already picked there, and
/// the step's commands already run (a command is never run twice by a
/// resume: one that was running when the cockpit stopped is asked about).
pub fn interrupted(state: &State) -> Option<Driver> {
    let log = state
        .session
        .rollback
        .as_ref()
        .filter(|l| l.finished.is_none())?;
    let rb = state.runbook();
    let procedure = rb.procedure(log.procedure).map_or(0, |_| log.procedure);
    let step = log.steps.iter().map(|s| s.0 + 1).max().unwrap_or(0);
    let chosen = log
        .choices
        .iter()
        .rev()
        .find(|c| c.0 == step)
        .and_then(|c| c.1);
    let mut d = Driver {
        procedure,
        step,
        chosen,
        ..Driver::default()
    };
    let commands = rb
        .procedure(procedure)
        .and_then(|r| r.steps.get(step))
        .map(|s| step_commands(rb, s, chosen))
        .unwrap_or_default();
    let runs: Vec<_> = state
        .session
        .runs
        .list
        .iter()
        .filter(|r| r.rollback_step == Some(step) && r.started.at >= log.stamp.at)
        .collect();
    let position =
        |r: &&crate::core::session::runs::Run| commands.iter().position(|&b| b == r.block);
    if let Some(last) = runs.last() {
        let at = position(last).unwrap_or(0);
        match &last.exit {
            Some(x) if x.success() => d.block = at + 1,
            Some(_) => {
                // Its failure was being asked about: ask again.
                d.block = at;
                d.stopped_failed = true;
            }
            None => {
                d.block = at;
                d.unknown = true;
            }
        }
        if d.block > 0 && step_is_optional(state, procedure, step) {
            d.asked = true;
        }
    }
    // A command that failed and was skipped (`s`): the step's result says
    // so. A failure retried into a success was not skipped.
    d.failed = runs.iter().any(|r| {
        let at = position(r);
        at.is_some_and(|at| at < d.block)
            && runs
                .iter()
                .rev()
                .find(|x| position(x) == at)
                .is_some_and(|x| x.exit.as_ref().is_some_and(|e| !e.success()))
    });
    Some(d)
}

/// The command blocks a rollback step runs, in order: at a choice, only the
/// picked alternative's (none before the pick).
fn step_commands(
    rb: &crate::domain::runbook::Runbook,
    step: &crate::domain::runbook::RollbackStep,
    chosen: Option<usize>,
) -> Vec<usize> {
    let list = match (step.kind, chosen) {
        (StepKind::Choice, Some(k)) => step.options.get(k).map_or(&[][..], |o| &o.blocks[..]),
        (StepKind::Choice, None) => &[][..],
        _ => &step.blocks[..],
    };
    list.iter()
        .copied()
        .filter(|&b| {
            rb.blocks
                .get(b)
                .is_some_and(|b| b.kind == BlockKind::Command)
        })
        .collect()
}

fn step_is_optional(state: &State, procedure: usize, step: usize) -> bool {
    state
        .runbook()
        .procedure(procedure)
        .and_then(|r| r.steps.get(step))
        .is_some_and(|s| s.kind == StepKind::Optional)
}

/// `--resume` of a session whose rollback never finished: the rollback is
/// back where it stopped, and the operator is asked before anything runs.
pub fn reattach(state: &mut State) {
    if state.read_only || state.rollback.is_some() {
        return;
    }
    let Some(d) = interrupted(state) else {
        return;
    };
    let (step, failed) = (d.step, d.unknown || d.stopped_failed);
    state.rollback = Some(d);
    ask_to_continue(state, step, failed);
}

fn ask_to_continue(state: &mut State, step: usize, failed: bool) {
    let ask = if failed {
        Ask::Failed(step)
    } else {
        Ask::Resume(step)
    };
    if state.ui.modal.is_none() {
        state.ui.modal = Some(Modal::Ask(ask));
    } else {
        state.ui.flash = Some(format!(
            "the rollback stopped at step {}: open the rollback again to continue it",
            step + 1
        ));
    }
}

/// Criteria firing now, by text.
pub fn firing(state: &State) -> Vec<String> {
    state
        .session
        .health
        .engine
        .firing()
        .map(|(c, _)| c.text.clone())
        .collect()
}

pub fn metrics(state: &State) -> RollbackMetrics {
    let h = &state.session.health;
    let b = h.baseline();
    RollbackMetrics {
        error_rate: h.stats.error_rate,
        p95_ms: h.stats.p95,
        baseline_error_rate: b.map(|b| b.error_rate),
        baseline_p95_ms: b.and_then(|b| b.latency_ms),
        samples: h.stats.samples,
    }
}

/// `R`.
pub fn open(state: &mut State) {
    state.ui.rollback_procedure = 0;
    state.ui.modal_scroll = 0;
    if state.runbook().rollback.is_none() {
        state.ui.flash = Some("this runbook has no rollback procedure".into());
        return;
    }
    if let Some(d) = state.rollback.clone()
        && d.waiting.is_none()
    {
        // Paused (a resumed session, or `esc` on its question): ask again.
        ask_to_continue(state, d.step, d.unknown || d.stopped_failed);
        return;
    }
    if in_progress(state) {
        state.ui.flash = Some("the rollback is already running".into());
        return;
    }
    state.ui.modal = Some(Modal::Rollback);
}

/// `y` on the red confirm (the deployer's or a let co-pilot's): the
/// trigger is the criteria firing now, else "manual".
pub fn fire(state: &mut State) -> Vec<Effect> {
    let fired = firing(state);
    let trigger = if fired.is_empty() {
        "manual".to_string()
    } else {
        fired.join("; ")
    };
    start(state, trigger, None)
}

/// The countdown ran out: the same as `y`, journaled as automatic.
fn fire_automatically(state: &mut State, trigger: String) -> Vec<Effect> {
    let after = auto_firing(state)
        .and_then(|(at, _)| (state.now - at).to_std().ok())
        .map(|d| d.as_secs());
    start(state, trigger, Some(after.unwrap_or(0)))
}

fn start(state: &mut State, trigger: String, automatic_after_s: Option<u64>) -> Vec<Effect> {
    state.ui.modal = None;
    state.auto.countdown = None;
    let procedure = if state
        .runbook()
        .procedure(state.ui.rollback_procedure)
        .is_some()
    {
        state.ui.rollback_procedure
    } else {
        0
    };
    let mut effects = vec![Effect::Journal(Event::RollbackStarted {
        trigger,
        metrics: metrics(state),
        procedure,
        automatic_after_s,
    })];
    state.rollback = Some(Driver {
        procedure,
        ..Driver::default()
    });
    effects.extend(advance(state));
    effects
}

/// Runs the next command of the rollback, asks, or finishes.
pub fn advance(state: &mut State) -> Vec<Effect> {
    let rb = state.plan.runbook.clone();
    let Some(procedure) = state.rollback.as_ref().map(|d| d.procedure) else {
        return Vec::new();
    };
    let Some(rollback) = rb.procedure(procedure) else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    loop {
        let Some(d) = state.rollback.clone() else {
            return effects;
        };
        let Some(step) = rollback.steps.get(d.step) else {
            effects.push(Effect::Journal(Event::RollbackFinished {
                result: RollbackResult::Completed,
            }));
            finish(state);
            return effects;
        };
        // A choice runs only the picked alternative: ask first.
        if step.kind == StepKind::Choice && d.chosen.is_none() {
            state.ui.modal = Some(Modal::Ask(Ask::Choice(d.step)));
            return effects;
        }
        let commands = step_commands(&rb, step, d.chosen);
        if step.kind == StepKind::Optional && !d.asked && !commands.is_empty() {
            state.ui.modal = Some(Modal::Ask(Ask::Optional(d.step)));
            return effects;
        }
        let Some(&block) = commands.get(d.block) else {
            let result = if d.failed {
                StepResult::FailedSkipped
            } else {
                StepResult::Ok
            };
            if !commands.is_empty() {
                effects.push(Effect::Journal(Event::RollbackStep {
                    step: d.step,
                    title: step.title.clone(),
                    result,
                }));
            }
            next_step(state);
            continue;
        };
        let title = format!("Rollback: {}", step.title);
        // Without a plan a form is open: its submit calls `advance` again.
        if let Some(mut plan) =
            runs::prepare(state, title, None, &[block], Some(d.step), Then::Rollback)
        {
            // The rollback does not wait for a stuck deploy command.
            plan.second = false;
            effects.extend(runs::start(state, plan));
            if let Some(d) = &mut state.rollback {
                d.waiting = Some(state.exec.issued);
            }
        }
        return effects;
    }
}

fn next_step(state: &mut State) {
    if let Some(d) = &mut state.rollback {
        *d = Driver {
            procedure: d.procedure,
            step: d.step + 1,
            ..Driver::default()
        };
    }
}

/// The procedure a running rollback (else the confirm) is about.
pub fn procedure(state: &State) -> Option<&crate::domain::runbook::Rollback> {
    let i = state
        .rollback
        .as_ref()
        .map_or(state.ui.rollback_procedure, |d| d.procedure);
    state.runbook().procedure(i)
}

/// `tab` in the confirm: the next of the runbook's procedures.
pub fn cycle_procedure(state: &mut State) {
    let n = state.runbook().procedures().count();
    if n > 1 {
        state.ui.rollback_procedure = (state.ui.rollback_procedure + 1) % n;
        state.ui.modal_scroll = 0;
    }
}

/// `1`..`9` on a choice: journal who picked which, then run it.
pub fn choose(state: &mut State, ask: Ask, option: usize) -> Vec<Effect> {
    let Ask::Choice(i) = ask else {
        return Vec::new();
    };
    let Some(title) = procedure(state)
        .and_then(|r| r.steps.get(i))
        .and_then(|s| s.options.get(option))
        .map(|o| o.title.clone())
    else {
        state.ui.flash = Some(format!("there is no option {}", option + 1));
        return Vec::new();
    };
    state.ui.modal = None;
    if let Some(d) = &mut state.rollback {
        d.chosen = Some(option);
    }
    let mut effects = vec![Effect::Journal(Event::RollbackChoice {
        step: i,
        option: Some(option),
        title,
    })];
    effects.extend(advance(state));
    effects
}

/// What the red confirm says will run, line by line: every command of
/// every step and every alternative, masked, so that `y` runs nothing the
/// operator has not seen.
pub fn confirm_lines(state: &State, procedure: usize) -> Vec<(ConfirmLine, String)> {
    lines_from(state, procedure, 0, 0, None)
}

/// What `y` on a resumed rollback will run, as its confirm shows it: the
/// rest of the stopped step (from the command it stopped at, the picked
/// alternative only), then every later step. The operator sees it again
/// before anything runs, as for `R`.
pub fn remaining_lines(state: &State) -> Vec<(ConfirmLine, String)> {
    match &state.rollback {
        Some(d) => lines_from(state, d.procedure, d.step, d.block, d.chosen),
        None => Vec::new(),
    }
}

/// The confirm's lines from step `step`, command `skip` of it on.
fn lines_from(
    state: &State,
    procedure: usize,
    step: usize,
    skip: usize,
    chosen: Option<usize>,
) -> Vec<(ConfirmLine, String)> {
    let rb = state.runbook();
    let Some(r) = rb.procedure(procedure) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let commands =
        |blocks: &[usize], skip: usize, out: &mut Vec<(ConfirmLine, String)>, indent: &str| {
            let command = |b: &&crate::domain::runbook::Block| b.kind == BlockKind::Command;
            for b in blocks
                .iter()
                .filter_map(|&b| rb.blocks.get(b))
                .filter(command)
                .skip(skip)
            {
                for l in runs::shown_lines(state, b) {
                    out.push((ConfirmLine::Command, format!("{indent}{l}")));
                }
            }
        };
    for (i, s) in r.steps.iter().enumerate().skip(step) {
        // The stopped step goes on where it stopped, with what was picked.
        let (skip, chosen) = if i == step { (skip, chosen) } else { (0, None) };
        let what = match s.kind {
            StepKind::Run => "runs",
            StepKind::Optional => "asks first",
            StepKind::Choice => "asks which one, runs only that",
            StepKind::Manual => "manual: nothing runs",
        };
        out.push((
            ConfirmLine::Step,
            format!("{}. {} ({what})", i + 1, s.title),
        ));
        match s.kind {
            StepKind::Choice => {
                for (k, o) in s.options.iter().enumerate() {
                    if chosen.is_some_and(|c| c != k) {
                        continue;
                    }
                    out.push((ConfirmLine::Option, format!("   {}) {}", k + 1, o.title)));
                    commands(&o.blocks, skip, &mut out, "      ");
                }
            }
            _ => commands(&s.blocks, skip, &mut out, "   "),
        }
    }
    out
}

/// The rollback is over: its verification checklist gets the cursor.
fn finish(state: &mut State) {
    let procedure = state.rollback.as_ref().map_or(0, |d| d.procedure);
    state.rollback = None;
    state.ui.focus = Focus::Checklist;
    let rb = state.plan.runbook.clone();
    if let Some(r) = rb.procedure(procedure) {
        let first_item = r.steps.iter().flat_map(|s| s.items.iter()).next().copied();
        let mut cur = Some(r.section);
        while let Some(c) = cur {
            state.ui.collapsed.remove(&c);
            cur = rb.sections.get(c).and_then(|s| s.parent);
        }
        for s in r.steps.iter().flat_map(|s| &s.items) {
            if let Some(sec) = rb.items.get(*s).and_then(|i| i.section) {
                state.ui.collapsed.remove(&sec);
            }
        }
        state.ui.cursor = Some(first_item.map_or(Row::Section(r.section), Row::Item));
        // The rollback's output stays in the pane until the cursor moves on.
        state.exec.anchor = state.ui.cursor;
        state.ui.flash = Some("rollback finished: verify the rollback checklist".into());
    }
}

/// A command of the rollback ended.
pub fn on_exit(state: &mut State, run: u64, success: bool) -> Vec<Effect> {
    let Some(d) = &mut state.rollback else {
        return Vec::new();
    };
    if d.waiting != Some(run) {
        return Vec::new();
    }
    d.waiting = None;
    if success {
        d.block += 1;
        advance(state)
    } else {
        // Asked until answered: `esc` then `R` asks again.
        d.stopped_failed = true;
        let step = d.step;
        state.ui.modal = Some(Modal::Ask(Ask::Failed(step)));
        Vec::new()
    }
}

/// `y`, `n`/`s`, `r`, `a` on a rollback question.
pub fn answer(state: &mut State, ask: Ask, cmd: crate::core::action::Cmd) -> Vec<Effect> {
    use crate::core::action::Cmd;
    let rb = state.plan.runbook.clone();
    let procedure = state.rollback.as_ref().map_or(0, |d| d.procedure);
    let title = |i: usize| {
        rb.procedure(procedure)
            .and_then(|r| r.steps.get(i))
            .map_or_else(String::new, |s| s.title.clone())
    };
    match (ask, cmd) {
        (Ask::Optional(_), Cmd::Confirm) => {
            state.ui.modal = None;
            if let Some(d) = &mut state.rollback {
                d.asked = true;
            }
            advance(state)
        }
        (Ask::Choice(i), Cmd::Skip) => {
            state.ui.modal = None;
            next_step(state);
            let mut effects = vec![
                Effect::Journal(Event::RollbackChoice {
                    step: i,
                    option: None,
                    title: title(i),
                }),
                Effect::Journal(Event::RollbackStep {
                    step: i,
                    title: title(i),
                    result: StepResult::Skipped,
                }),
            ];
            effects.extend(advance(state));
            effects
        }
        (Ask::Optional(i), Cmd::Skip) => {
            state.ui.modal = None;
            next_step(state);
            let mut effects = vec![Effect::Journal(Event::RollbackStep {
                step: i,
                title: title(i),
                result: StepResult::Skipped,
            })];
            effects.extend(advance(state));
            effects
        }
        (Ask::Resume(_), Cmd::Confirm) => {
            state.ui.modal = None;
            advance(state)
        }
        (Ask::Resume(i) | Ask::Failed(i), Cmd::Cancel) => {
            state.ui.modal = None;
            state.ui.flash = Some(format!(
                "the rollback is paused at step {}: open the rollback again to continue it",
                i + 1
            ));
            Vec::new()
        }
        (Ask::Failed(_), Cmd::Retry) => {
            state.ui.modal = None;
            if let Some(d) = &mut state.rollback {
                d.unknown = false;
                d.stopped_failed = false;
            }
            advance(state)
        }
        (Ask::Failed(_), Cmd::Skip) => {
            state.ui.modal = None;
            if let Some(d) = &mut state.rollback {
                d.block += 1;
                d.failed = true;
                d.unknown = false;
                d.stopped_failed = false;
            }
            advance(state)
        }
        (Ask::Failed(i), Cmd::Abort) => {
            state.ui.modal = None;
            state.rollback = None;
            state.ui.flash = Some("rollback aborted".into());
            vec![
                Effect::Journal(Event::RollbackStep {
                    step: i,
                    title: title(i),
                    result: StepResult::Failed,
                }),
                Effect::Journal(Event::RollbackFinished {
                    result: RollbackResult::Aborted,
                }),
            ]
        }
        _ => Vec::new(),
    }
}

/// The automatic criterion firing longest, with the time it fired.
fn auto_firing(state: &State) -> Option<(DateTime<Utc>, String)> {
    state
        .session
        .health
        .engine
        .firing()
        .filter(|(c, _)| c.kind != Kind::Manual)
        .filter_map(|(c, v)| Some((v.fired_at?, c.text.clone())))
        .filter(|(at, _)| {
            !state.auto.cancelled.contains(at) && !state.session.auto_cancels.contains(at)
        })
        .min()
}

/// The clock moved: start, or finish, the countdown.
pub fn tick(state: &mut State) -> Vec<Effect> {
    let Some(after) = state.settings.exec.auto_rollback_after else {
        return Vec::new();
    };
    if state.read_only
        || state.session.rollback.is_some()
        || in_progress(state)
        || state.runbook().rollback.is_none()
    {
        state.auto.countdown = None;
        return Vec::new();
    }
    if let Some((ends, criterion)) = state.auto.countdown.clone() {
        if auto_firing(state).is_none() {
            // Resolved during the countdown: nothing to roll back for.
            state.auto.countdown = None;
        } else if state.now >= ends {
            return fire_automatically(state, criterion);
        }
        return Vec::new();
    }
    let after = Duration::from_std(after).unwrap_or(Duration::MAX);
    if let Some((fired_at, text)) = auto_firing(state)
        && state.now - fired_at >= after
    {
        state.auto.countdown = Some((state.now + COUNTDOWN, text));
    }
    Vec::new()
}

/// `esc` on the countdown banner.
pub fn cancel_countdown(state: &mut State) -> Vec<Effect> {
    let Some((_, criterion)) = state.auto.countdown.take() else {
        return Vec::new();
    };
    if let Some((at, _)) = auto_firing(state) {
        state.auto.cancelled.push(at);
    }
    vec![Effect::Journal(Event::AutoRollbackCancelled { criterion })]
}
