//! Running the runbook's commands: `enter` on a row -> a form for missing
//! values -> a confirm showing the exact (masked) command -> `y` journals
//! the start and asks the loop to spawn it once the record is on disk ->
//! output and exit come back as [`Action::Exec`](crate::core::action::Action::Exec).
//! The journal's side is [`crate::core::session::runs`].

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use crate::core::effect::Effect;
use crate::core::effect::{Leftover, Spawn};
use crate::core::event::{Event, Target};
use crate::core::modal::{Form, FormField, Modal, Pick, RunPlan, Then};
use crate::core::outline::Row;
use crate::core::session::runs::Run;
use crate::core::state::State;
use crate::core::update::health;
use crate::domain::exec::{self, ExecEvent};
use crate::domain::mask::MASK;
use crate::domain::monitor::BaselineSource;
use crate::domain::runbook::{BlockKind, Runbook};

/// The command blocks of a row, in order.
pub fn command_blocks(rb: &Runbook, row: Row) -> Vec<usize> {
    rb.owned_by(row.owner())
        .filter(|b| b.kind == BlockKind::Command)
        .map(|b| b.id)
        .collect()
}

/// A block's lines as a confirm shows them: what will run (rewritten for
/// `--env`, as [`prepare`] does), masked, blank lines left out. Every
/// confirm that lists commands goes through here, so none can show the
/// production host while the staging one runs.
pub fn shown_lines(state: &State, block: &crate::domain::runbook::Block) -> Vec<String> {
    let code = crate::domain::profile::rewrite_command(&state.settings.profile, &block.code);
    let masker = &state.settings.exec.masker.0;
    code.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| masker.mask(l).into_owned())
        .collect()
}

/// Several blocks of one row run as one script, in order (`-e` stops it
/// at the first failure), so one confirm shows everything that will run.
pub fn script(rb: &Runbook, blocks: &[usize]) -> String {
    blocks
        .iter()
        .filter_map(|&b| rb.blocks.get(b))
        .map(|b| b.code.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every value known now: the journal's non-secret ones, then what was
/// typed on this screen (secrets only exist there).
pub fn values(state: &State) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = state
        .session
        .runs
        .vars
        .iter()
        .filter(|(_, (_, secret))| !secret)
        .map(|(k, (v, _))| (k.clone(), v.clone()))
        .collect();
    out.extend(
        state
            .exec
            .values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    out
}

pub fn running(state: &State) -> Option<u64> {
    state.session.runs.running().map(|r| r.run).or_else(|| {
        state
            .exec
            .pending
            .filter(|&p| state.session.runs.get(p).is_none())
    })
}

/// Either a form for the missing values, or the confirm.
pub fn prepare(
    state: &mut State,
    title: String,
    target: Option<Target>,
    blocks: &[usize],
    rollback_step: Option<usize>,
    then: Then,
) -> Option<RunPlan> {
    let rb = state.plan.runbook.clone();
    // `--env staging`: what runs (and what the confirm shows) is the
    // rewritten command, never the production host.
    let code =
        crate::domain::profile::rewrite_command(&state.settings.profile, &script(&rb, blocks));
    let placeholders = exec::placeholders(&code);
    let known = values(state);
    let mut fields: Vec<FormField> = Vec::new();
    let masker = state.settings.exec.masker.0.clone();
    for p in placeholders.iter().filter(|p| !known.contains_key(*p)) {
        fields.push(FormField {
            name: p.clone(),
            value: String::new(),
            secret: masker.is_secret_name(p),
            // Filled in by `suggested` once the loop has looked at the disk.
            default: None,
        });
    }
    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    for v in exec::unset_vars(&code, &known) {
        if !fields.iter().any(|f| f.name == v) {
            fields.push(FormField {
                secret: masker.is_secret_name(&v),
                name: v,
                value: String::new(),
                default: None,
            });
        }
    }
    if !names.is_empty() {
        state.exec.suggest = Some((code.clone(), names));
    }
    if !fields.is_empty() {
        state.ui.modal = Some(Modal::Form(Form {
            title,
            fields,
            at: 0,
            then,
        }));
        return None;
    }
    match exec::substitute(&code, &placeholders, &known, &masker) {
        Ok(cmd) => {
            // Judged on what will run: a value filled in is one quoted word.
            let interactive = exec::interactive(&cmd.text).map(|i| i.reason);
            Some(RunPlan {
                title,
                target,
                block: blocks.first().copied().unwrap_or(0),
                code: cmd.text,
                display: cmd.display,
                second: running(state).is_some(),
                rollback_step,
                terminal: interactive.is_some(),
                interactive,
            })
        }
        Err(e) => {
            state.ui.flash = Some(format!("cannot run: {e}"));
            None
        }
    }
}

/// Said when a deployment command waits for the emergency's approval.
pub const EMERGENCY_WAITS: &str =
    "emergency deployment: no command runs before a co-pilot approves (A in rollout-cockpit join)";

/// `enter` on a row with a command.
pub fn open(state: &mut State, row: Row) {
    let rb = state.plan.runbook.clone();
    let blocks = command_blocks(&rb, row);
    if blocks.is_empty() {
        state.ui.modal = Some(Modal::Command(row));
        return;
    }
    if state.emergency_pending() {
        state.ui.flash = Some(EMERGENCY_WAITS.into());
        return;
    }
    // Alternatives written in one block (`# Or ...`): which one first; the
    // confirm then shows only that one.
    let options = crate::domain::runbook::alternatives(&rb.blocks, "", 0, blocks.clone());
    if options.len() >= 2 {
        state.ui.modal = Some(Modal::Pick(Pick {
            row,
            title: state.row_text(row).to_string(),
            options,
        }));
        return;
    }
    let title = state.row_text(row).to_string();
    if let Some(plan) = prepare(state, title, row.target(&rb), &blocks, None, Then::Run(row)) {
        state.ui.modal = Some(Modal::Run(Box::new(plan)));
    }
}

/// `1`..`9` on a row's alternatives: the confirm for that one.
pub fn pick(state: &mut State, pick: Pick, option: usize) -> Vec<Effect> {
    if option >= pick.options.len() {
        state.ui.flash = Some(format!("there is no option {}", option + 1));
        return Vec::new();
    }
    state.ui.modal = None;
    open_option(state, pick.row, option);
    Vec::new()
}

fn open_option(state: &mut State, row: Row, option: usize) {
    let rb = state.plan.runbook.clone();
    let blocks = command_blocks(&rb, row);
    let options = crate::domain::runbook::alternatives(&rb.blocks, "", 0, blocks);
    let Some(o) = options.get(option) else {
        return;
    };
    let title = format!("{}: {}", state.row_text(row), o.title);
    if let Some(plan) = prepare(
        state,
        title,
        row.target(&rb),
        &o.blocks,
        None,
        Then::RunOption(row, option),
    ) {
        state.ui.modal = Some(Modal::Run(Box::new(plan)));
    }
}

fn log_path(state: &State, run: u64) -> String {
    let dir = state
        .settings
        .journal
        .as_deref()
        .and_then(|j| std::path::Path::new(j).parent())
        .map(|d| d.join("logs"))
        .unwrap_or_else(|| PathBuf::from("logs"));
    dir.join(format!("run-{run:03}.log")).display().to_string()
}

/// The session's variables as the command's environment (names a shell
/// accepts only: a `<APP_ID>` placeholder is substituted, not exported).
fn env(state: &State) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = values(state)
        .into_iter()
        .filter(|(k, _)| {
            !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit())
        })
        .collect();
    env.sort();
    env
}

/// Sections of the deployment part: a heading that names the deployment
/// ("Deployment Steps", "Step 4: Deploy Application") but not the work
/// before or after it ("Pre-Deployment Checklist"), and everything under it.
pub fn deployment_sections(rb: &Runbook) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for s in &rb.sections {
        let t = s.title.to_lowercase();
        let named = t.contains("deploy")
            && !["pre-deploy", "pre deploy", "post-deploy", "post deploy"]
                .iter()
                .any(|x| t.contains(x));
        let inherited = s.parent.is_some_and(|p| out.contains(&p));
        if named || inherited {
            out.insert(s.id);
        }
    }
    out
}

fn in_deployment(rb: &Runbook, target: Option<Target>) -> bool {
    let part = deployment_sections(rb);
    if part.is_empty() {
        // No heading names the deployment: the first command is its start.
        return true;
    }
    let section = match target {
        Some(Target::Step(s)) => Some(s),
        Some(Target::Item(i)) => rb.items.get(i).and_then(|i| i.section),
        None => None,
    };
    section.is_some_and(|s| part.contains(&s))
}

/// `y` on the run confirm (or a rollback step): journal the start; the
/// loop spawns it once the record is on disk.
pub fn start(state: &mut State, plan: RunPlan) -> Vec<Effect> {
    // The second lock: a confirm opened before the rule applied (a resumed
    // session) still runs nothing. A rollback never waits for a person.
    if plan.rollback_step.is_none() && state.emergency_pending() {
        state.ui.flash = Some(EMERGENCY_WAITS.into());
        return Vec::new();
    }
    let run = state.session.runs.next_id().max(state.exec.issued + 1);
    state.exec.issued = run;
    state.exec.pending = Some(run);
    crate::core::update::pane::retire(state);
    state.exec.shown = Some(run);
    let log = log_path(state, run);
    let mut effects = vec![
        Effect::Journal(Event::CommandStarted {
            run,
            target: plan.target,
            block: plan.block,
            command_masked: plan.display.clone(),
            log: log.clone(),
            rollback_step: plan.rollback_step,
            terminal: plan.terminal,
        }),
        Effect::Spawn(Spawn {
            run,
            code: plan.code,
            env: env(state),
            log,
            terminal: plan.terminal,
        }),
    ];
    let first_deploy = plan.rollback_step.is_none()
        && in_deployment(state.runbook(), plan.target)
        && !state
            .session
            .runs
            .list
            .iter()
            .any(|r| r.rollback_step.is_none() && in_deployment(state.runbook(), r.target));
    if first_deploy && state.session.health.config.is_some() {
        effects.extend(health::pin(state, BaselineSource::Auto));
    }
    effects
}

/// A mirror's pane follows the newest command, as the deployer's does
/// (there `start` moves it); its lines come from the log file.
pub fn mirror_started(state: &mut State, run: u64) {
    crate::core::update::pane::retire(state);
    state.exec.shown = Some(run);
}

/// Output and exits from the runner.
pub fn exec_event(state: &mut State, ev: ExecEvent) -> Vec<Effect> {
    match ev {
        ExecEvent::Started { id, pid, .. } => vec![Effect::Journal(Event::CommandSpawned {
            run: id.0,
            pgid: pid,
        })],
        ExecEvent::Output { id, lines, skipped } => {
            crate::core::update::pane::output(state, id.0, skipped, lines);
            Vec::new()
        }
        ExecEvent::Exited(e) => {
            let duration_ms = u64::try_from(e.duration.as_millis()).unwrap_or(u64::MAX);
            let mut effects = vec![Effect::Journal(Event::CommandExited {
                run: e.id.0,
                code: e.code,
                signal: e.signal,
                duration_ms,
                error: None,
            })];
            effects.extend(finished(state, e.id.0, e.success()));
            effects
        }
    }
}

/// What the loop found of the commands a stopped cockpit left without an
/// exit: each fact is journaled (the row, the mirror and the report say
/// "interrupted"), and a group still running is asked about.
pub fn leftovers(state: &mut State, found: Vec<Leftover>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for l in found {
        let Some(run) = state.session.runs.get(l.run) else {
            continue;
        };
        let was_running = run.still_running || state.exec.leftovers.iter().any(|x| x.0 == l.run);
        let title = run_title(state, l.run);
        effects.push(Effect::Journal(Event::CommandInterrupted {
            run: l.run,
            pgid: l.pgid,
            still_running: l.alive,
        }));
        match (l.alive, l.pgid) {
            (true, Some(pgid)) => {
                if !state.exec.leftovers.contains(&(l.run, pgid)) {
                    state.exec.leftovers.push((l.run, pgid));
                }
                effects.push(Effect::WatchGroup { run: l.run, pgid });
            }
            _ if was_running => {
                state.exec.leftovers.retain(|x| x.0 != l.run);
                if matches!(state.ui.modal, Some(Modal::Leftover { run, .. }) if run == l.run) {
                    state.ui.modal = None;
                }
                let pid = l.pgid.map_or_else(String::new, |p| format!(" (pid {p})"));
                state.ui.flash = Some(format!("{title}: the interrupted command{pid} has ended"));
            }
            _ => {}
        }
    }
    next_leftover(state);
    effects
}

fn run_title(state: &State, run: u64) -> String {
    match state.session.runs.get(run).and_then(|r| r.target) {
        Some(Target::Item(i)) => state.row_text(Row::Item(i)).to_string(),
        Some(Target::Step(s)) => state.row_text(Row::Section(s)).to_string(),
        None => format!("command {run}"),
    }
}

/// The next leftover's question, unless another one is open.
fn next_leftover(state: &mut State) {
    if matches!(state.ui.modal, None | Some(Modal::Tour))
        && let Some(&(run, pgid)) = state.exec.leftovers.first()
    {
        state.ui.modal = Some(Modal::Leftover { run, pgid });
    }
}

/// The dialog's "Step 4 was running when the cockpit stopped" line.
pub fn leftover_question(state: &State, run: u64, pgid: u32) -> String {
    format!(
        "{} was running when the cockpit stopped: pid {pgid}, still running",
        run_title(state, run)
    )
}

/// `k`, `w` or `l` in the leftover dialog. The group stays watched either
/// way, so the row says when it has ended.
pub fn leftover_answer(
    state: &mut State,
    run: u64,
    pgid: u32,
    cmd: crate::core::action::Cmd,
) -> Vec<Effect> {
    use crate::core::action::Cmd;
    let effects = match cmd {
        Cmd::Kill | Cmd::Interrupt => {
            state.ui.flash = Some(format!(
                "stopping pid {pgid}: SIGINT, then SIGTERM (3 s), then SIGKILL (10 s)"
            ));
            vec![Effect::KillGroup(pgid)]
        }
        Cmd::Wait | Cmd::Cancel => {
            state.ui.flash = Some(format!("waiting for pid {pgid}: the row says when it ends"));
            Vec::new()
        }
        Cmd::Leave => {
            let target = state.session.runs.get(run).and_then(|r| r.target);
            state.ui.flash = Some(format!("pid {pgid} left running"));
            vec![Effect::Journal(Event::Noted {
                target,
                text: format!(
                    "left pid {pgid} running: started before the cockpit stopped (command {run})"
                ),
            })]
        }
        _ => return Vec::new(),
    };
    state.exec.leftovers.retain(|x| x.0 != run);
    state.ui.modal = None;
    next_leftover(state);
    effects
}

pub fn spawn_failed(state: &mut State, run: u64, error: String) -> Vec<Effect> {
    state.ui.flash = Some(format!("command not started: {error}"));
    let mut effects = vec![Effect::Journal(Event::CommandExited {
        run,
        code: None,
        signal: None,
        duration_ms: 0,
        error: Some(error),
    })];
    effects.extend(finished(state, run, false));
    effects
}

fn finished(state: &mut State, run: u64, success: bool) -> Vec<Effect> {
    let mut effects = Vec::new();
    let target = state.session.runs.get(run).and_then(|r| r.target);
    if success
        && state.settings.exec.tick_on_success
        && let Some(t) = target
        && !state.session.marks.contains_key(&t)
        && !state.needs_second_person(t)
    {
        effects.push(Effect::Journal(Event::Ticked { target: t }));
    }
    effects.extend(crate::core::update::rollback::on_exit(state, run, success));
    effects
}

/// `x`, or ctrl-c while a command runs.
pub fn kill(state: &mut State) -> Vec<Effect> {
    match running(state) {
        Some(run) => {
            state.ui.flash =
                Some("stopping: SIGINT, then SIGTERM (3 s), then SIGKILL (10 s)".into());
            vec![Effect::Kill(run)]
        }
        None => {
            state.ui.flash = Some("no command is running".into());
            Vec::new()
        }
    }
}

/// `enter` in the form: next field, or done.
pub fn form_submit(state: &mut State) -> Vec<Effect> {
    let Some(Modal::Form(mut form)) = state.ui.modal.clone() else {
        return Vec::new();
    };
    let Some(field) = form.fields.get_mut(form.at) else {
        return Vec::new();
    };
    if field.value.is_empty()
        && let Some(d) = &field.default
    {
        field.value = d.clone();
    }
    if field.value.is_empty() {
        state.ui.flash = Some(format!("a value for {} is required", field.name));
        state.ui.modal = Some(Modal::Form(form));
        return Vec::new();
    }
    form.at += 1;
    if form.at < form.fields.len() {
        state.ui.modal = Some(Modal::Form(form));
        return Vec::new();
    }
    state.ui.modal = None;
    let mut effects = Vec::new();
    let mut secrets = Vec::new();
    for f in &form.fields {
        state.exec.values.insert(f.name.clone(), f.value.clone());
        let value_masked = if f.secret {
            secrets.push(f.value.clone());
            MASK.to_string()
        } else {
            state.settings.exec.masker.0.mask(&f.value).into_owned()
        };
        effects.push(Effect::Journal(Event::VariableSet {
            name: f.name.clone(),
            value_masked,
            secret: f.secret,
        }));
    }
    if !secrets.is_empty() {
        // The runners mask with this one: a typed secret never shows either.
        let mut m = (*state.settings.exec.masker.0).clone();
        m.add_values(secrets);
        state.settings.exec.masker = crate::core::settings::SharedMasker(Arc::new(m));
    }
    match form.then {
        Then::Run(row) => open(state, row),
        Then::RunOption(row, k) => open_option(state, row, k),
        Then::Rollback => effects.extend(crate::core::update::rollback::advance(state)),
    }
    effects
}

pub fn form_input(state: &mut State, c: Option<char>) {
    if let Some(Modal::Form(form)) = &mut state.ui.modal
        && let Some(f) = form.fields.get_mut(form.at)
    {
        match c {
            Some(c) => f.value.push(c),
            None => {
                f.value.pop();
            }
        }
    }
}

/// Elapsed time of the shown run (state time, never the wall clock).
pub fn elapsed_ms(state: &State, run: &Run) -> u64 {
    match &run.exit {
        Some(x) => x.duration_ms,
        None => u64::try_from((state.now - run.started.at).num_milliseconds().max(0)).unwrap_or(0),
    }
}

/// A default the loop found for a field of the open form; a value the
/// operator already typed (or a closed form) wins.
pub fn suggested(state: &mut State, name: &str, value: String) {
    if let Some(Modal::Form(form)) = &mut state.ui.modal
        && let Some(f) = form
            .fields
            .iter_mut()
            .find(|f| f.name == name && f.default.is_none())
    {
        f.default = Some(value);
    }
}
