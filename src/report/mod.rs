//! `rollout-cockpit report`: the deployment record, in Markdown, from the
//! session's journal (with the runbook copy the session kept).
//!
//! Shape: a header table, the timeline (window's zone and UTC), the
//! checklist with who and when, the criteria that fired, the outcome, and
//! for a rolled-back session an incident-report skeleton. Sections for
//! kinds of events other issues add (commands, samples, baseline, rollback
//! steps) appear only when such events exist: each is one `section_*`
//! function over the state.
//!
//! Facts come from the session's own fold (`Session::apply`, the replay
//! `watch` and `--resume` do): the report keeps no second one. The timeline
//! is not a fold but a description of each record ([`timeline_line`]), plus
//! the health fold's transitions.
//!
//! Secrets: the report prints only what the journal holds. Variable values
//! are journaled already masked (issue 5) and URLs with passwords are masked
//! before they are journaled, so nothing here may unmask or re-read a value
//! from the environment.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::cli::ReportArgs;
use crate::core::event::{Event, Outcome, Record, Target};
use crate::core::outline::Row;
use crate::core::plan::Plan;
use crate::core::session::Mark;
use crate::core::session::Session;
use crate::core::settings::Settings;
use crate::core::state::State;
use crate::core::update::escalation;
use crate::core::window;
use crate::domain::monitor::criteria::State as Verdict;
use crate::domain::words::count;
use crate::journal::sessions;

pub mod charts;
mod html;
pub mod svg;

pub const FILE_NAME: &str = "report.md";

/// Where the charts go, beside the Markdown that embeds them.
pub const CHARTS_DIR: &str = "charts";

/// The record of a session: its Markdown and its charts (file name under
/// [`CHARTS_DIR`], SVG document).
#[derive(Debug, Clone)]
pub struct Built {
    pub markdown: String,
    pub charts: Vec<(&'static str, String)>,
}

/// A criterion's firing: which, when, the numbers then, and when it stopped.
type Firing = (String, DateTime<Utc>, Option<String>, Option<DateTime<Utc>>);

/// A timeline row: when, who, what.
type Line = (DateTime<Utc>, String, String);

/// One record as a step of the timeline, or `None` for a record that is
/// data, not a step (samples, log counts, a command's process group...).
/// Pure: the facts are the session fold's; this only describes.
fn timeline_line(plan: &Plan, r: &Record) -> Option<String> {
    let what = match &r.event {
        Event::SessionStarted { .. } => "session started".to_string(),
        Event::Resumed { .. } => "session resumed".to_string(),
        Event::SessionEnded { outcome } => format!("session ended: {}", outcome.text()),
        Event::Ticked { target } => format!("ticked {}", label(plan, *target)),
        Event::Unticked { target } => format!("unticked {}", label(plan, *target)),
        Event::NotApplicable { target, reason } => {
            format!("not applicable: {} — {}", label(plan, *target), reason)
        }
        Event::Noted { target, text } => match target {
            Some(t) => format!("note on {}: {text}", label(plan, *t)),
            None => format!("note: {text}"),
        },
        Event::BaselinePinned {
            error_rate,
            latency_ms,
            samples,
            source,
            ..
        } => format!(
            "baseline pinned ({}): err {error_rate:.1}%, p95 {} from {}",
            format!("{source:?}").to_lowercase(),
            latency_ms.map_or("n/a".to_string(), |l| format!("{l:.0} ms")),
            count(*samples, "sample")
        ),
        Event::BaselineRequested { .. } => "baseline requested (pinned at the 10th sample)".into(),
        Event::CriterionToggled { criterion } => {
            format!(
                "manual criterion toggled: {}",
                criterion_name(plan, *criterion)
            )
        }
        // Probes are data for the metrics, not steps in the timeline; the
        // firings they cause come from the health fold (`transitions`).
        Event::MonitorConfigured(_)
        | Event::Samples { .. }
        | Event::PrometheusReading { .. }
        | Event::LogCounts { .. } => {
            return None;
        }
        // Said once, in the header's Clock row.
        Event::DemoClock(_) => return None,
        Event::LogStreamConfigured { command_masked, .. } => {
            format!("log stream started: `{command_masked}`")
        }
        Event::LogStreamExited { .. } => {
            let exit = crate::core::session::logs::StreamExit::of(r)?;
            format!("log stream {}", exit.text())
        }
        Event::CommandStarted {
            target,
            command_masked,
            rollback_step,
            terminal,
            ..
        } => {
            let what = match (target, rollback_step) {
                (Some(t), _) => label(plan, *t),
                (None, Some(s)) => format!("rollback step {}", s + 1),
                (None, None) => "a command".into(),
            };
            let how = if *terminal {
                " in the terminal (output not captured)"
            } else {
                ""
            };
            format!("ran {what}{how}: `{}`", first_line(command_masked))
        }
        // The group id is for `--resume`; the timeline has the start.
        Event::CommandSpawned { .. } | Event::OutputMarks { .. } => return None,
        Event::CommandInterrupted {
            run,
            pgid,
            still_running,
        } => {
            let pid = pgid.map_or_else(String::new, |p| format!(" (pid {p})"));
            if *still_running {
                format!(
                    "command {run} interrupted: the cockpit stopped while it ran; \
                     still running{pid} at resume"
                )
            } else {
                format!("command {run} interrupted: the cockpit stopped while it ran; over{pid}")
            }
        }
        Event::CommandExited { run, .. } => {
            let how = crate::core::session::runs::RunExit::of(r).map(|x| x.text());
            format!("command {run} ended: {}", how.unwrap_or_default())
        }
        Event::VariableSet {
            name, value_masked, ..
        } => format!("value set: {name} = {value_masked}"),
        Event::RollbackStarted {
            trigger,
            automatic_after_s: Some(s),
            ..
        } => format!("ROLLBACK started automatically after {trigger} fired for {s} s"),
        Event::RollbackStarted { trigger, .. } => {
            format!("ROLLBACK started (trigger: {trigger})")
        }
        Event::RollbackChoice { title, option, .. } => match option {
            Some(_) => format!("rollback choice: {title}"),
            None => format!("rollback choice skipped: {title}"),
        },
        Event::RollbackStep { title, result, .. } => {
            format!("rollback step {title}: {}", result.text())
        }
        Event::RollbackFinished { result } => {
            format!(
                "rollback finished: {}",
                format!("{result:?}").to_lowercase()
            )
        }
        Event::AutoRollbackCancelled { criterion } => {
            format!("auto-rollback cancelled ({criterion})")
        }
        Event::AnnouncementSent { title, via, .. } => {
            format!("announcement sent via {via}: {title}")
        }
        Event::EscalationContacted { step } => format!(
            "escalation: contacted {}",
            plan.runbook
                .escalation
                .get(*step)
                .map_or_else(|| format!("step #{step}"), |e| e.text.clone())
        ),
        Event::CopilotJoined { user } => format!("co-pilot {user} joined"),
        Event::CopilotRefused { user, uid } => {
            format!("co-pilot refused: {user} (uid {uid}) is not in [team] members")
        }
        Event::RollbackRequested {} => "rollback requested (co-pilot)".into(),
        Event::CopilotLeft { user } => format!("co-pilot {user} left"),
        Event::TwoPersonRule { targets } => {
            let rows: Vec<String> = targets.iter().map(|t| label(plan, *t)).collect();
            format!("needs a second person: {}", rows.join(", "))
        }
        Event::EmergencyDeclared {} => "emergency deployment declared".into(),
        Event::EmergencyApproved {} => "emergency deployment approved (co-pilot)".into(),
    };
    Some(what)
}

/// A script's first command: its first line that is not blank or a comment.
fn first_line(script: &str) -> &str {
    script
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("")
}

fn criterion_name(plan: &Plan, i: usize) -> String {
    plan.runbook
        .criteria
        .get(i)
        .map_or_else(|| format!("criterion #{i}"), |c| c.text.clone())
}

/// Firings and their ends, as the health fold derived them from the
/// samples (the one source of truth for "fired at"), and their timeline rows.
fn transitions(state: &State) -> (Vec<Firing>, Vec<Line>) {
    let health = &state.session.health;
    let mut fired: Vec<Firing> = Vec::new();
    let mut lines = Vec::new();
    for t in &health.transitions {
        let name = health
            .engine
            .checks
            .get(t.criterion)
            .map_or_else(|| format!("criterion #{}", t.criterion), |c| c.text.clone());
        if t.to == Verdict::Firing {
            fired.push((name.clone(), t.at, Some(t.text.clone()), None));
            lines.push((
                t.at,
                "monitor".into(),
                format!("criterion FIRED: {name} ({})", t.text),
            ));
        } else if t.from == Verdict::Firing {
            if let Some(f) = fired
                .iter_mut()
                .rev()
                .find(|f| f.0 == name && f.3.is_none())
            {
                f.3 = Some(t.at);
            }
            lines.push((
                t.at,
                "monitor".into(),
                format!("criterion no longer firing: {name}"),
            ));
        }
    }
    (fired, lines)
}

/// Each record's step, then the monitor's transitions, in time order (a
/// stable sort: records at the same instant keep the journal's order).
fn timeline(plan: &Plan, records: &[Record], transitions: Vec<Line>) -> Vec<Line> {
    let mut lines: Vec<Line> = records
        .iter()
        .filter_map(|r| timeline_line(plan, r).map(|what| (r.ts, r.by.clone(), what)))
        .collect();
    lines.extend(transitions);
    lines.sort_by_key(|e| e.0);
    lines
}

fn label(plan: &Plan, t: Target) -> String {
    let rb = &plan.runbook;
    match t {
        Target::Item(i) => rb.items.get(i).map_or_else(
            || format!("item #{i}"),
            |item| {
                let section = item
                    .section
                    .and_then(|s| rb.sections.get(s))
                    .map_or(String::new(), |s| format!(" ({})", s.title));
                format!("“{}”{section}", item.text)
            },
        ),
        Target::Step(s) => rb
            .sections
            .get(s)
            .map_or_else(|| format!("step #{s}"), |s| format!("step “{}”", s.title)),
    }
}

/// Table cells: one line, no column breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn local(ts: DateTime<Utc>, tz: Tz) -> String {
    ts.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

fn stamp(ts: DateTime<Utc>, tz: Tz) -> String {
    if tz == Tz::UTC {
        local(ts, tz)
    } else {
        format!("{} ({} UTC)", local(ts, tz), ts.format("%H:%M:%S"))
    }
}

/// The report for a session's records, mapped onto `plan`. `notices` (a
/// torn last line, records the runbook no longer has) are listed, not hidden.
pub fn render(plan: &Plan, records: &[Record], notices: &[String]) -> String {
    let state = replay(plan, records);
    let plots = charts::plots(&state, records, &|s| s.to_string());
    compose(plan, records, notices, &state, &plots)
}

/// The Markdown and the charts, their labels through `mask`.
pub fn build(
    plan: &Plan,
    records: &[Record],
    notices: &[String],
    mask: &dyn Fn(&str) -> String,
) -> Result<Built, String> {
    let state = replay(plan, records);
    let plots = charts::plots(&state, records, mask);
    let tz = window::zone(plan.runbook.window.as_ref());
    let charts = plots
        .iter()
        .map(|p| Ok((p.metric.file(), svg::draw(p, tz)?)))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Built {
        markdown: mask(&compose(plan, records, notices, &state, &plots)),
        charts,
    })
}

fn compose(
    plan: &Plan,
    records: &[Record],
    notices: &[String],
    state: &State,
    plots: &[charts::Plot],
) -> String {
    let rb = &plan.runbook;
    let tz = window::zone(rb.window.as_ref());
    let session = &state.session;
    let (fired, monitor) = transitions(state);
    let timeline = timeline(plan, records, monitor);
    let outcome = session.ended.as_ref().map(|e| e.1);

    let mut out = String::new();
    let title = if rb.title.is_empty() {
        session.runbook_name.clone().unwrap_or_default()
    } else {
        rb.title.clone()
    };
    let _ = writeln!(out, "# Deployment record: {title}\n");
    // The window the cockpit kept: the demo's opened when it started.
    let window = state
        .window()
        .map_or("none in the runbook".to_string(), |w| {
            format!(
                "{}–{} {}",
                w.start,
                w.end,
                w.tz.clone().unwrap_or_else(|| "UTC".into())
            )
        });
    let mut rows: Vec<(&str, String)> = vec![
        (
            "Runbook",
            format!(
                "{} (content hash {})",
                session.runbook_name.as_deref().unwrap_or("?"),
                plan.hash
            ),
        ),
        (
            "Environment",
            session.environment.clone().unwrap_or_else(|| "?".into()),
        ),
        ("Operators", session.operators.join(", ")),
        ("Window", window),
        (
            "Start",
            started(session).map_or("?".into(), |t| stamp(t, tz)),
        ),
        (
            "End",
            match &session.ended {
                Some((s, _)) => format!("{} by {}", stamp(s.at, tz), s.by),
                None => "not ended (the session is live, or was cut off)".into(),
            },
        ),
        (
            "Duration",
            match (started(session), ended(session).or(session.last_at)) {
                (Some(a), Some(b)) => window::human(b - a),
                _ => "?".into(),
            },
        ),
        (
            "Outcome",
            format!("**{}**", outcome.map_or("unfinished", Outcome::text)),
        ),
    ];
    if let Some(c) = session.clock {
        rows.insert(
            4,
            (
                "Clock",
                format!(
                    "demo: the window clock ran {}× real time from {}; the window and checkpoint figures are on it, the times of facts are real",
                    c.speed,
                    stamp(c.origin, tz)
                ),
            ),
        );
    }
    let _ = writeln!(out, "| | |\n|---|---|");
    for (k, v) in rows {
        let _ = writeln!(out, "| {k} | {} |", cell(&v));
    }
    if !session.resumed.is_empty() {
        let list: Vec<String> = session
            .resumed
            .iter()
            .map(|s| format!("{} by {}", stamp(s.at, tz), s.by))
            .collect();
        let _ = writeln!(out, "| Resumed | {} |", cell(&list.join("; ")));
    }
    out.push('\n');
    if !notices.is_empty() {
        let _ = writeln!(out, "> **Journal notices**");
        for n in notices {
            let _ = writeln!(out, "> - {n}");
        }
        out.push('\n');
    }

    section_charts(&mut out, plots);
    section_timeline(&mut out, &timeline, tz);
    section_checklist(&mut out, state, tz);
    section_approvals(&mut out, state, tz);
    section_checkpoints(&mut out, state);
    // Extension points, in this order, each only when its events exist:
    // `## Commands` (issue 5: command started/exited: exit code, duration,
    // log path), `## Metrics` (issue 4: baseline pinned, samples: baseline,
    // final and worst error rate and p95), `## Rollback` (issue 5: trigger,
    // steps and their results).
    section_commands(&mut out, state, tz);
    section_criteria(&mut out, &fired, tz);
    section_rollback(&mut out, state, tz);
    section_escalation(&mut out, state, tz);
    section_app_log(&mut out, state, tz);
    if outcome == Some(Outcome::RolledBack) {
        section_incident(&mut out, session, (&fired, &timeline), &title, tz);
    }
    // One blank line between blocks, however the sections were joined.
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out
}

/// The session's state, replayed as `watch` and `--resume` replay it; the
/// settings a replay starts from, named from the session's own facts, and
/// its clock at the last record.
fn replay(plan: &Plan, records: &[Record]) -> State {
    let mut state = State::replay(
        plan.clone(),
        Settings::replay(String::new(), String::new(), String::new()),
        DateTime::default(),
        records,
    );
    let s = &state.session;
    state.settings = Settings::replay(
        s.operators.first().cloned().unwrap_or_default(),
        s.environment.clone().unwrap_or_default(),
        s.runbook_name.clone().unwrap_or_default(),
    );
    state.now = s.last_at.unwrap_or_default();
    state
}

fn started(session: &Session) -> Option<DateTime<Utc>> {
    session.started.as_ref().map(|s| s.at)
}

fn ended(session: &Session) -> Option<DateTime<Utc>> {
    session.ended.as_ref().map(|(s, _)| s.at)
}

fn section_commands(out: &mut String, state: &State, tz: Tz) {
    let runs = &state.session.runs.list;
    if runs.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Commands\n");
    let _ = writeln!(
        out,
        "| # | Started | By | Target | Result | Duration | Log |\n|---|---|---|---|---|---|---|"
    );
    for r in runs {
        let target = match (r.target, r.rollback_step) {
            (Some(t), _) => label(&state.plan, t),
            (None, Some(s)) => format!("rollback step {}", s + 1),
            (None, None) => "?".into(),
        };
        let (result, duration) = match &r.exit {
            Some(x) => {
                let text = x.text();
                let how = text.split(" · ").next().unwrap_or("").to_string();
                (how, crate::core::session::runs::seconds(x.duration_ms))
            }
            None if r.lost => (r.interrupted_text(), "?".into()),
            None => ("running".into(), "?".into()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | `{}` |",
            r.run,
            stamp(r.started.at, tz),
            cell(&r.started.by),
            cell(&target),
            cell(&result),
            duration,
            cell(&r.log)
        );
    }
    out.push('\n');
}

fn section_rollback(out: &mut String, state: &State, tz: Tz) {
    let Some(rb) = &state.session.rollback else {
        return;
    };
    let m = &rb.metrics;
    let pct = |x: Option<f64>| x.map_or("n/a".into(), |v| format!("{v:.1}%"));
    let ms = |x: Option<f64>| x.map_or("n/a".into(), |v| format!("{v:.0} ms"));
    let _ = writeln!(out, "## Rollback\n");
    let _ = writeln!(out, "- Trigger: {}", rb.trigger);
    match rb.automatic_after_s {
        Some(s) => {
            let _ = writeln!(
                out,
                "- Fired by: the auto-rollback (armed in {}'s cockpit), after the criterion fired for {s} s, at {}",
                rb.stamp.by,
                stamp(rb.stamp.at, tz)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "- Fired by: {} at {}",
                rb.stamp.by,
                stamp(rb.stamp.at, tz)
            );
        }
    }
    if let Some(p) = state.runbook().procedure(rb.procedure) {
        let _ = writeln!(out, "- Procedure: {} (line {})", p.title, p.line);
    }
    for (step, option, title, who) in &rb.choices {
        let _ = writeln!(
            out,
            "- Step {}: {} {} by {} at {}",
            step + 1,
            if option.is_some() {
                "chose"
            } else {
                "skipped the choice"
            },
            title,
            who.by,
            stamp(who.at, tz)
        );
    }
    let _ = writeln!(
        out,
        "- Metrics at that moment: error rate {} (baseline {}), p95 {} (baseline {}), {}",
        pct(m.error_rate),
        pct(m.baseline_error_rate),
        ms(m.p95_ms),
        ms(m.baseline_p95_ms),
        count(m.samples, "sample")
    );
    let _ = writeln!(
        out,
        "- Result: {}\n",
        rb.finished
            .map_or("unfinished".to_string(), |(r, t)| format!(
                "{} at {}",
                format!("{r:?}").to_lowercase(),
                stamp(t, tz)
            ))
    );
    if !rb.steps.is_empty() {
        let _ = writeln!(out, "| Step | Result | At |\n|---|---|---|");
        for (i, title, result, at) in &rb.steps {
            let _ = writeln!(
                out,
                "| {}. {} | {} | {} |",
                i + 1,
                cell(title),
                result.text(),
                stamp(*at, tz)
            );
        }
        out.push('\n');
    }
}

/// Only once the clock started: before a firing or a rollback the path was
/// never in play, and an empty table would suggest it was ignored.
fn section_escalation(out: &mut String, state: &State, tz: Tz) {
    let esc = &state.session.escalation;
    let Some(started) = &esc.started else { return };
    let _ = writeln!(
        out,
        "## Escalation
"
    );
    let _ = writeln!(
        out,
        "- Clock started: {} ({})\n",
        stamp(started.at, tz),
        started.reason
    );
    let _ = writeln!(out, "| Step | Due | Contacted |\n|---|---|---|");
    for (i, step) in state.runbook().escalation.iter().enumerate() {
        let due = escalation::due_at(state, step).map_or("—".to_string(), |t| stamp(t, tz));
        let contacted = esc
            .contacted
            .get(&i)
            .map_or("not contacted".to_string(), |s| {
                format!("by {} at {}", s.by, stamp(s.at, tz))
            });
        let _ = writeln!(
            out,
            "| {}. {} | {} | {} |",
            i + 1,
            cell(&step.text),
            due,
            cell(&contacted)
        );
    }
    out.push('\n');
}

/// The log stream's totals: lines, error lines, the worst minute, exits.
fn section_app_log(out: &mut String, state: &State, tz: Tz) {
    let stream = &state.session.logs;
    let Some(command) = &stream.command else {
        return;
    };
    let rate = &state.session.health.log_rate;
    let _ = writeln!(
        out,
        "## Application log
"
    );
    let _ = writeln!(
        out,
        "- Command: `{command}` (masked lines in `logs/app.log`)"
    );
    let _ = writeln!(
        out,
        "- Lines: {}, error lines: {}",
        rate.total_lines, rate.total_errors
    );
    if let Some((peak, at)) = rate.peak {
        let _ = writeln!(
            out,
            "- Worst minute: {peak} error lines, ending {}",
            stamp(at, tz)
        );
    }
    let _ = writeln!(out, "- Exits: {}", stream.exits.len());
    for e in stream.exits.iter().take(20) {
        let _ = writeln!(out, "  - {}: {}", stamp(e.stamp.at, tz), e.text());
    }
    out.push('\n');
}

/// The charts `report` writes beside the Markdown, embedded.
fn section_charts(out: &mut String, plots: &[charts::Plot]) {
    if plots.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Charts\n");
    for p in plots {
        let _ = writeln!(
            out,
            "![{}]({CHARTS_DIR}/{})\n",
            p.metric.title(),
            p.metric.file()
        );
    }
}

fn section_timeline(out: &mut String, timeline: &[Line], tz: Tz) {
    let zone = if tz == Tz::UTC {
        "UTC".to_string()
    } else {
        tz.name().to_string()
    };
    let _ = writeln!(out, "## Timeline\n");
    let _ = writeln!(out, "| {zone} | UTC | Who | What |\n|---|---|---|---|");
    for (ts, by, what) in timeline {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            ts.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S %Z"),
            ts.format("%H:%M:%S"),
            cell(by),
            cell(what)
        );
    }
    out.push('\n');
}

fn section_checklist(out: &mut String, state: &State, tz: Tz) {
    let rb = state.runbook();
    let at = |t: DateTime<Utc>| t.with_timezone(&tz).format("%H:%M %Z").to_string();
    let mut notes: BTreeMap<Option<Target>, Vec<String>> = BTreeMap::new();
    for n in &state.session.notes {
        notes.entry(n.target).or_default().push(format!(
            "note by {} at {}: {}",
            n.stamp.by,
            at(n.stamp.at),
            n.text
        ));
    }
    let (done, total) = state.checklist_done();
    let _ = writeln!(
        out,
        "## Checklist ({done}/{total} done or not applicable)\n"
    );
    let mark_text = |target: Target| -> (&'static str, String) {
        match state.session.marks.get(&target) {
            Some(Mark::Done(s)) => ("x", format!(" — ticked by {} at {}", s.by, at(s.at))),
            Some(Mark::NotApplicable { stamp, reason }) => (
                "-",
                format!(
                    " — not applicable ({reason}), by {} at {}",
                    stamp.by,
                    at(stamp.at)
                ),
            ),
            None => (" ", String::new()),
        }
    };
    for row in state.plan.outline.rows(&Default::default()) {
        match row {
            Row::Section(s) => {
                let Some(sec) = rb.sections.get(s) else {
                    continue;
                };
                let hashes = "#".repeat(usize::from(sec.level.clamp(2, 5)) + 1);
                let _ = writeln!(out, "\n{hashes} {}\n", sec.title);
                if let Some(t) = row.target(rb) {
                    let (boxed, who) = mark_text(t);
                    let _ = writeln!(out, "- [{boxed}] (step){who}");
                }
            }
            Row::Item(i) => {
                let Some(item) = rb.items.get(i) else {
                    continue;
                };
                let (boxed, who) = mark_text(Target::Item(i));
                let indent = "  ".repeat(item.depth);
                let _ = writeln!(out, "{indent}- [{boxed}] {}{who}", item.text);
            }
        }
        if let Some(t) = row.target(rb)
            && let Some(ns) = notes.get(&Some(t))
        {
            for n in ns {
                let _ = writeln!(out, "    - {n}");
            }
        }
    }
    if let Some(ns) = notes.get(&None) {
        let _ = writeln!(out, "\n### Notes\n");
        for n in ns {
            let _ = writeln!(out, "- {n}");
        }
    }
    out.push('\n');
}

/// The rows only a second person could tick, and who did; the emergency's
/// approval. Only when the session had either.
fn section_approvals(out: &mut String, state: &State, tz: Tz) {
    let at = |t: DateTime<Utc>| t.with_timezone(&tz).format("%H:%M").to_string();
    let rb = state.runbook();
    let rows: Vec<Target> = (0..rb.items.len())
        .map(Target::Item)
        .chain((0..rb.sections.len()).map(Target::Step))
        .filter(|&t| state.needs_second_person(t))
        .collect();
    let emergency = state.session.emergency.as_ref();
    if rows.is_empty() && emergency.is_none() {
        return;
    }
    let _ = writeln!(out, "## Approvals\n");
    if let Some(e) = emergency {
        let _ = match &e.approved {
            Some(a) => writeln!(
                out,
                "- Emergency deployment, declared by {} at {}: approved by {} at {}",
                e.declared.by,
                at(e.declared.at),
                a.by,
                at(a.at)
            ),
            None => writeln!(
                out,
                "- Emergency deployment, declared by {} at {}: **never approved**",
                e.declared.by,
                at(e.declared.at)
            ),
        };
    }
    for t in rows {
        let text = state.row_text(t.into());
        let _ = match state.session.marks.get(&t) {
            Some(Mark::Done(s)) => writeln!(out, "- {text}: approved by {} at {}", s.by, at(s.at)),
            Some(Mark::NotApplicable { stamp, reason }) => writeln!(
                out,
                "- {text}: not applicable ({reason}), by {} at {}",
                stamp.by,
                at(stamp.at)
            ),
            None => writeln!(out, "- {text}: **not given**"),
        };
    }
    out.push('\n');
}

/// The timed checkpoints ("2 Hours Before") as the checklist showed them
/// when the session stopped: done, or due and how late, on the window clock.
fn section_checkpoints(out: &mut String, state: &State) {
    let rb = state.runbook();
    let timed: Vec<(usize, u32)> = rb
        .sections
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, s.before_start_minutes?)))
        .collect();
    if timed.is_empty() || state.window_view().is_none() {
        return;
    }
    let _ = writeln!(out, "## Checkpoints\n");
    for (s, minutes) in timed {
        let Some(c) = state.checkpoint(minutes) else {
            continue;
        };
        let title = rb.sections.get(s).map_or("?", |sec| sec.title.as_str());
        let due = c.due.with_timezone(&c.tz).format("%a %H:%M %Z");
        let (done, total) = state.progress(s);
        let status = match c.overdue {
            _ if done == total && total > 0 => "done".to_string(),
            Some(late) => format!(
                "overdue {} when the session stopped ({done}/{total} done)",
                window::human(late)
            ),
            None => format!("not due yet when the session stopped ({done}/{total} done)"),
        };
        let _ = writeln!(out, "- {}: due {due} — {status}", cell(title));
    }
    out.push('\n');
}

fn section_criteria(out: &mut String, fired: &[Firing], tz: Tz) {
    let _ = writeln!(out, "## Rollback criteria\n");
    if fired.is_empty() {
        let _ = writeln!(out, "No criterion fired.\n");
        return;
    }
    for (c, at, detail, until) in fired {
        let _ = writeln!(
            out,
            "- **{}** fired at {}{}{}",
            c,
            stamp(*at, tz),
            detail.as_ref().map_or(String::new(), |d| format!(": {d}")),
            until.map_or(String::new(), |u| format!("; until {}", stamp(u, tz)))
        );
    }
    out.push('\n');
}

fn section_incident(
    out: &mut String,
    session: &Session,
    (fired, timeline): (&[Firing], &[Line]),
    title: &str,
    tz: Tz,
) {
    let fired: Vec<String> = fired.iter().map(|f| f.0.clone()).collect();
    let trigger = if fired.is_empty() {
        "manual".to_string()
    } else {
        fired.join("; ")
    };
    let _ = writeln!(out, "## Incident report (draft)\n");
    let _ = writeln!(
        out,
        "_To be completed within 24 hours. Facts below are from the journal; the rest is for the team._\n"
    );
    let _ = writeln!(
        out,
        "### Summary\n\nThe deployment of {title} to {} was rolled back. Trigger: {trigger}.\n",
        session.environment.as_deref().unwrap_or("?")
    );
    let _ = writeln!(
        out,
        "### Impact\n\n- Window affected: {} to {}\n- Users affected: TBD\n- Data affected: TBD\n",
        started(session).map_or("?".into(), |t| stamp(t, tz)),
        ended(session).map_or("?".into(), |t| stamp(t, tz))
    );
    let _ = writeln!(
        out,
        "### Timeline\n\nSee the timeline above; key moments:\n"
    );
    for (ts, by, what) in timeline {
        if what.starts_with("criterion") || what.starts_with("session") {
            let _ = writeln!(out, "- {} — {what} ({by})", stamp(*ts, tz));
        }
    }
    let _ = writeln!(
        out,
        "\n### Root cause\n\nTo be found.\n\n### Follow-ups\n\n- [ ] Root cause analysis\n- [ ] Fix and re-test in staging\n- [ ] Reschedule the deployment\n- [ ] Share this report with stakeholders\n"
    );
}

/// Reads a session and renders its report.
pub fn for_session(dir: &Path) -> Result<String, String> {
    Ok(record(dir)?.markdown)
}

/// Reads a session and builds its record: the Markdown and the charts.
pub fn record(dir: &Path) -> Result<Built, String> {
    let replayed = sessions::open(dir)?;
    let masker = crate::domain::mask::Masker::from_env(crate::domain::mask::SecretNames::default());
    build(&replayed.plan, &replayed.records, &replayed.notices, &|s| {
        mask_lines(&masker, s)
    })
}

/// The report masked once more, line by line as the rules expect: a
/// journal from before a rule existed (an `AKIA…` in a note) must not
/// carry its secret into the record that gets shared.
pub fn mask_lines(masker: &crate::domain::mask::Masker, text: &str) -> String {
    let mut block = crate::domain::mask::KeyBlock::default();
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        out.push_str(&block.mask(masker, body));
        out.push_str(end);
    }
    out
}

/// Writes `report.md` in the session directory.
/// Whether the session's report.md was written after its journal last
/// changed (so writing it again would say nothing new).
pub fn is_current(dir: &Path) -> bool {
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (
        modified(dir.join(FILE_NAME)),
        modified(dir.join(crate::journal::FILE_NAME)),
    ) {
        (Some(report), Some(journal)) => report >= journal,
        _ => false,
    }
}

pub fn save(dir: &Path) -> Result<PathBuf, String> {
    let built = record(dir)?;
    let path = dir.join(FILE_NAME);
    write(&path, &built)?;
    Ok(path)
}

/// The Markdown at `path`, its charts in `charts/` beside it (where its
/// links point).
fn write(path: &Path, built: &Built) -> Result<(), String> {
    let shown = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    if !built.charts.is_empty() {
        let dir = path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(CHARTS_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| shown(&dir, e))?;
        for (file, svg) in &built.charts {
            let p = dir.join(file);
            std::fs::write(&p, svg).map_err(|e| shown(&p, e))?;
        }
    }
    std::fs::write(path, &built.markdown).map_err(|e| shown(path, e))
}

/// The record as one self-contained HTML page.
pub fn html_page(built: &Built) -> String {
    let title = built
        .markdown
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches('#')
        .trim();
    let charts: Vec<(&str, &str)> = built
        .charts
        .iter()
        .map(|(f, svg)| (*f, svg.as_str()))
        .collect();
    html::page(title, &built.markdown, &charts)
}

pub fn main(args: &ReportArgs) -> u8 {
    let dir = match &args.path {
        Some(p) => sessions::resolve(p, false),
        None => sessions::resolve_default(false),
    };
    let built = match dir.and_then(|d| record(&d).map(|b| (d, b))) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("rollout-cockpit: {e}");
            return 2;
        }
    };
    let (dir, built) = built;
    let (path, to_stdout) = match &args.output {
        Some(p) => (p.clone(), false),
        None => (dir.join(FILE_NAME), args.html.is_none()),
    };
    if to_stdout {
        print!("{}", built.markdown);
    }
    if let Err(e) = write(&path, &built) {
        eprintln!("rollout-cockpit: {e}");
        return 1;
    }
    eprintln!("report written: {}", path.display());
    if let Some(file) = &args.html {
        if let Err(e) = std::fs::write(file, html_page(&built)) {
            eprintln!("rollout-cockpit: {}: {e}", file.display());
            return 1;
        }
        eprintln!("report written: {}", file.display());
    }
    0
}
