//! The one overlay at a time: help (built from the keymap), a step's command,
//! a text field (reason, note), or a confirm that names what it confirms.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{ViewState, output, theme};
use crate::core::state::{
    Ask, Confirm, Field, Modal, Mode, State, announce, clock, escalation, rollback,
};

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

fn frame_box(
    frame: &mut Frame,
    area: Rect,
    title: String,
    style: Style,
    lines: Vec<Line<'static>>,
) {
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .title(Line::styled(title, style))
        .border_style(style);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn keys_line(keys: &[(&str, &str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (k, what) in keys {
        spans.push(Span::styled(k.to_string(), theme::key()));
        spans.push(Span::raw(format!(" {what}   ")));
    }
    Line::from(spans)
}

/// A centred box as tall as its wrapped lines.
fn boxed(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    title: &str,
    style: Style,
    lines: Vec<Line<'static>>,
) {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let h = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    frame_box(
        frame,
        centered(area, width, h),
        title.to_string(),
        style,
        lines,
    );
}

/// The contacts table, then the path: each step with who, how, and (once
/// the clock runs) when it is due or who reached them.
fn escalation_lines(state: &State, view: &ViewState, selected: usize) -> Vec<Line<'static>> {
    let rb = state.runbook();
    let tz = clock::zone(rb.window.as_ref());
    let mut lines = vec![Line::styled("Contacts", theme::title())];
    if rb.contacts.is_empty() {
        lines.push(Line::styled(
            "  the runbook lists no contacts",
            theme::dim(),
        ));
    }
    let role_w = rb
        .contacts
        .iter()
        .map(|c| c.role.chars().count())
        .max()
        .unwrap_or(4);
    let name_w = rb
        .contacts
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(4);
    for c in &rb.contacts {
        lines.push(Line::raw(format!(
            "  {:role_w$}  {:name_w$}  {}",
            c.role, c.name, c.contact
        )));
    }
    lines.push(Line::raw(""));
    let esc = &state.session.escalation;
    lines.push(Line::from(vec![
        Span::styled("Escalation path", theme::title()),
        match &esc.started {
            Some(s) => Span::raw(format!(" · clock started {}", clock::clock_text(s.at, tz))),
            None => Span::styled(
                " · the clock starts when a criterion fires or a rollback starts",
                theme::dim(),
            ),
        },
    ]));
    if let Some(s) = &esc.started {
        lines.push(Line::styled(format!("  {}", s.reason), theme::dim()));
    }
    if rb.escalation.is_empty() {
        lines.push(Line::styled(
            "  the runbook has no escalation path",
            theme::dim(),
        ));
    }
    for (i, step) in rb.escalation.iter().enumerate() {
        let (mark, style) = if i == selected {
            ("▸ ", theme::selected())
        } else {
            ("  ", Style::new())
        };
        lines.push(Line::styled(
            format!("{mark}{}. {}", i + 1, step.text),
            style,
        ));
        let mut parts = vec![escalation::who(step).to_string()];
        match escalation::contact_for(rb, step) {
            Some(c) => {
                // "TBD" is a placeholder in the table, not a name to call.
                if !c.name.trim().is_empty() && !c.name.eq_ignore_ascii_case("tbd") {
                    parts.push(c.name.clone());
                }
                parts.push(c.contact.clone());
            }
            None => parts.push("no contact listed".into()),
        }
        let mut spans = vec![Span::raw(format!("     {}", parts.join(" · ")))];
        if let Some(by) = esc.contacted.get(&i) {
            spans.push(Span::styled(
                format!(
                    " · contacted by {} at {}",
                    by.by,
                    by.at.with_timezone(&tz).format("%H:%M")
                ),
                theme::ok(),
            ));
        } else if let Some(due) = escalation::due(state, step) {
            let style = if due.pressing() {
                theme::amber()
            } else {
                Style::new()
            };
            spans.push(Span::raw(" · "));
            spans.push(Span::styled(due.text(), style));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    // From the keymap: a mirror's has no `space contacted`.
    let keys: Vec<(String, &str)> = view.keymap.footer(Mode::Escalation);
    let keys: Vec<(&str, &str)> = keys.iter().map(|(k, h)| (k.as_str(), *h)).collect();
    lines.push(keys_line(&keys));
    lines
}

/// The demo's first-run overlay. The keys are the default keymap's: the demo
/// runs without a config.
fn tour_lines() -> Vec<Line<'static>> {
    let step = |n: &str, parts: &[(&str, bool)]| {
        let mut spans = vec![Span::styled(format!(" {n}. "), theme::title())];
        for (text, key) in parts {
            spans.push(if *key {
                Span::styled(text.to_string(), theme::key())
            } else {
                Span::raw(text.to_string())
            });
        }
        Line::from(spans)
    };
    vec![
        step(
            "1",
            &[
                ("Tick an item: ", false),
                ("j/k", true),
                (" move, ", false),
                ("space", true),
                (" ticks", false),
            ],
        ),
        // Searches that land on the step itself, not an earlier mention.
        step(
            "2",
            &[
                ("Run the backup: ", false),
                ("/", true),
                ("database backup ", false),
                ("enter", true),
                (", then ", false),
                ("enter", true),
                (" ", false),
                ("y", true),
            ],
        ),
        step(
            "3",
            &[
                ("Run Step 4: Deploy Application: ", false),
                ("/", true),
                ("Step 4 ", false),
                ("enter", true),
                (", then ", false),
                ("enter", true),
                (" ", false),
                ("y", true),
            ],
        ),
        step(
            "4",
            &[
                ("Watch the criteria turn red, then roll back: ", false),
                ("R", true),
                (" ", false),
                ("y", true),
            ],
        ),
        step(
            "5",
            &[
                ("Quit with ", false),
                ("q", true),
                (" ", false),
                ("y", true),
                (", then read ", false),
                ("rollout-cockpit report", true),
            ],
        ),
        Line::raw(""),
        Line::styled(
            "All simulated: a service on 127.0.0.1 and stand-in tools.",
            theme::dim(),
        ),
        Line::styled(
            "esc closes · ? brings this back, ? again lists all keys",
            theme::dim(),
        ),
    ]
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, view: &ViewState) {
    let Some(modal) = &state.ui.modal else { return };
    let wide = area.width.saturating_sub(4).min(100);
    match modal {
        Modal::Help => {
            let mut lines = Vec::new();
            for (cmd, keys) in view.keymap.commands(Mode::Normal) {
                let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
                lines.push(Line::from(vec![
                    Span::styled(format!("{:>14}  ", keys.join(" ")), theme::key()),
                    Span::raw(cmd.describe()),
                ]));
            }
            // Keys of the criteria focus (Tab) and the escalation overlay
            // that the checklist lacks.
            let normal: Vec<_> = view
                .keymap
                .commands(Mode::Normal)
                .into_iter()
                .map(|(c, _)| c)
                .collect();
            let extra = view.keymap.commands(Mode::Criteria).into_iter().chain(
                view.keymap
                    .commands(Mode::Escalation)
                    .into_iter()
                    .filter(|(c, _)| !normal.contains(c)),
            );
            for (cmd, keys) in extra {
                let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
                lines.push(Line::from(vec![
                    Span::styled(format!("{:>14}  ", keys.join(" ")), theme::key()),
                    Span::raw(cmd.describe()),
                ]));
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "esc closes · keys can be changed in the config's [keys] table",
                theme::dim(),
            ));
            let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
            frame_box(
                frame,
                centered(area, wide.min(64), h),
                " Keys ".into(),
                theme::title(),
                lines,
            );
        }
        Modal::Tour => boxed(
            frame,
            area,
            wide.min(72),
            " Try this: the demo in five steps ",
            theme::title(),
            tour_lines(),
        ),
        Modal::Command(row) => {
            let mut lines = output::lines(state, *row);
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                if state.read_only {
                    "esc closes"
                } else {
                    "c copies it (OSC 52), runs nothing · esc closes"
                },
                theme::dim(),
            ));
            let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
            frame_box(
                frame,
                centered(area, wide, h.max(6)),
                " Command ".into(),
                theme::title(),
                lines,
            );
        }
        Modal::Input { field, text } => {
            let title = match field {
                // Search is typed in the footer, not in a box.
                Field::Search | Field::LogFilter => return,
                Field::Reason(_) => " Not applicable: why? ",
                Field::Note(_) => " Note ",
            };
            let subject = state
                .ui
                .cursor
                .map(|r| state.row_text(r).to_string())
                .unwrap_or_default();
            let mut lines = vec![
                Line::styled(subject, theme::dim()),
                Line::from(vec![
                    // A pasted token is hidden as soon as it is whole:
                    // a mirror (tmux, a screen share) sees this box too.
                    Span::raw(format!("> {}", state.settings.exec.masker.0.mask(text))),
                    Span::styled("▏", theme::key()),
                ]),
            ];
            if let Some(flash) = &state.ui.flash {
                lines.push(Line::styled(flash.clone(), theme::amber()));
            }
            lines.push(Line::styled(
                "enter saves (journaled) · esc cancels",
                theme::dim(),
            ));
            frame_box(
                frame,
                centered(area, wide.min(70), 7),
                title.into(),
                theme::title(),
                lines,
            );
        }
        Modal::Run(plan) => {
            let mut lines = vec![Line::styled(plan.title.clone(), theme::title())];
            lines.push(Line::styled(
                format!(
                    "runs in {} with {} {}",
                    state.settings.exec.workdir.display(),
                    state.settings.exec.shell,
                    state.settings.exec.flags.join(" ")
                ),
                theme::dim(),
            ));
            lines.push(Line::raw(""));
            lines.extend(
                plan.display
                    .lines()
                    .map(|l| Line::styled(l.to_string(), theme::command())),
            );
            lines.push(Line::raw(""));
            if plan.second {
                lines.push(Line::styled(
                    "a command is already running: y starts a second one alongside it",
                    theme::amber(),
                ));
            }
            // Its last run was cut off by a stopped cockpit: running it again
            // may deploy twice, or redo half-done work.
            if let Some(r) = plan
                .target
                .and_then(|t| state.session.runs.latest_for(t))
                .filter(|r| r.interrupted())
            {
                let text = match (r.still_running, r.pgid) {
                    (true, Some(pid)) => format!(
                        "its last run (pid {pid}) is still running since the cockpit stopped: \
                         y starts it again alongside"
                    ),
                    _ => "its last run was interrupted when the cockpit stopped: check what it \
                          did before running it again"
                        .to_string(),
                };
                lines.push(Line::styled(text, theme::amber()));
            }
            match &plan.interactive {
                Some(reason) => {
                    lines.push(Line::styled(
                        format!("runs on the terminal: {reason} (output is not captured)"),
                        theme::amber(),
                    ));
                    lines.push(keys_line(&[
                        ("y", "run in the terminal (tty)"),
                        ("n/esc", "cancel"),
                    ]));
                }
                None => lines.push(keys_line(&[
                    ("y", "run it"),
                    ("t", "run in the terminal (tty)"),
                    ("n/esc", "cancel"),
                ])),
            }
            boxed(frame, area, wide, " Run this? ", theme::amber(), lines);
        }
        Modal::Form(form) => {
            let mut lines = vec![
                Line::styled(form.title.clone(), theme::title()),
                Line::styled(
                    "values are shell-quoted where they are put in; kept for this session",
                    theme::dim(),
                ),
                Line::raw(""),
            ];
            for (i, f) in form.fields.iter().enumerate() {
                let shown = if f.secret {
                    "•".repeat(f.value.chars().count())
                } else {
                    f.value.clone()
                };
                let mut spans = vec![Span::styled(
                    format!("{} {}: ", if i == form.at { "▶" } else { " " }, f.name),
                    if i == form.at {
                        theme::key()
                    } else {
                        theme::dim()
                    },
                )];
                spans.push(Span::raw(shown));
                if i == form.at {
                    spans.push(Span::styled("▏", theme::key()));
                    if f.value.is_empty()
                        && let Some(d) = &f.default
                    {
                        spans.push(Span::styled(format!(" default: {d}"), theme::dim()));
                    }
                }
                if f.secret {
                    spans.push(Span::styled(" (secret: never written)", theme::dim()));
                }
                lines.push(Line::from(spans));
            }
            lines.push(Line::raw(""));
            if let Some(flash) = &state.ui.flash {
                lines.push(Line::styled(flash.clone(), theme::amber()));
            }
            lines.push(keys_line(&[
                ("enter", "next / done (empty takes the default)"),
                ("esc", "cancel"),
            ]));
            boxed(
                frame,
                area,
                wide.min(90),
                " Values needed ",
                theme::title(),
                lines,
            );
        }
        Modal::Rollback => rollback_confirm(frame, area, state, wide),
        Modal::Ask(ask) => {
            let step = |i: usize| rollback::procedure(state).and_then(|r| r.steps.get(i));
            let title = |i: usize| step(i).map_or_else(String::new, |s| s.title.clone());
            let mut lines = Vec::new();
            match ask {
                Ask::Optional(i) => {
                    lines.push(Line::raw(format!(
                        "Step {}: {} is optional. Run it?",
                        i + 1,
                        title(*i)
                    )));
                    lines.push(Line::raw(""));
                    lines.push(keys_line(&[("y", "run"), ("n", "skip")]));
                }
                Ask::Resume(i) => {
                    let done = state.rollback.as_ref().map_or(0, |d| d.block);
                    lines.push(Line::raw(match done {
                        0 => format!("The rollback stopped before step {}: {}.", i + 1, title(*i)),
                        n => format!(
                            "The rollback stopped in step {}: {}, after {n} of its commands.",
                            i + 1,
                            title(*i)
                        ),
                    }));
                    lines.push(Line::styled(
                        "what ran is journaled; nothing runs twice. y runs:",
                        theme::dim(),
                    ));
                    lines.extend(
                        rollback::remaining_lines(state)
                            .into_iter()
                            .map(confirm_line),
                    );
                    lines.push(Line::raw(""));
                    lines.push(keys_line(&[
                        ("y", "go on with the rollback"),
                        ("esc", "later (R)"),
                    ]));
                }
                Ask::Failed(i) if state.rollback.as_ref().is_some_and(|d| d.unknown) => {
                    lines.push(Line::raw(format!(
                        "Step {}: {}: the cockpit stopped while it ran.",
                        i + 1,
                        title(*i)
                    )));
                    lines.push(Line::styled(
                        "whether it finished is unknown. r runs it again, then the rest:",
                        theme::dim(),
                    ));
                    lines.extend(
                        rollback::remaining_lines(state)
                            .into_iter()
                            .map(confirm_line),
                    );
                    lines.push(Line::raw(""));
                    lines.push(keys_line(&[
                        ("r", "run it again"),
                        ("s", "skip it"),
                        ("a", "abort the rollback"),
                    ]));
                }
                Ask::Failed(i) => {
                    lines.push(Line::raw(format!("Step {}: {} failed.", i + 1, title(*i))));
                    lines.push(Line::raw(""));
                    lines.push(keys_line(&[
                        ("r", "retry"),
                        ("s", "skip"),
                        ("a", "abort the rollback"),
                    ]));
                }
                Ask::Choice(i) => {
                    lines.push(Line::raw(format!(
                        "Step {}: {}: these are alternatives. Which one?",
                        i + 1,
                        title(*i)
                    )));
                    lines.push(Line::styled(
                        "only the one you pick runs; your choice is journaled",
                        theme::dim(),
                    ));
                    lines.extend(option_lines(
                        state,
                        step(*i).map(|s| &s.options[..]).unwrap_or(&[]),
                    ));
                    lines.push(Line::raw(""));
                    lines.push(keys_line(&[
                        ("1-9", "run that one"),
                        ("s", "skip the step"),
                    ]));
                }
            }
            boxed(frame, area, wide.min(90), " Rollback ", theme::red(), lines);
        }
        Modal::Leftover { run, pgid } => {
            let lines = vec![
                Line::raw(crate::core::state::runs::leftover_question(
                    state, *run, *pgid,
                )),
                Line::styled("starting the step again could run it twice", theme::dim()),
                Line::raw(""),
                keys_line(&[("k", "kill it"), ("w", "wait"), ("l", "leave it")]),
            ];
            boxed(
                frame,
                area,
                wide.min(100),
                " Interrupted ",
                theme::amber(),
                lines,
            );
        }
        Modal::Pick(pick) => {
            let mut lines = vec![
                Line::styled(pick.title.clone(), theme::title()),
                Line::raw("These are alternatives: run which one?"),
            ];
            lines.extend(option_lines(state, &pick.options));
            lines.push(Line::raw(""));
            lines.push(keys_line(&[("1-9", "confirm that one"), ("esc", "cancel")]));
            boxed(
                frame,
                area,
                wide.min(90),
                " Which one? ",
                theme::amber(),
                lines,
            );
        }
        Modal::Announcement(b) => {
            let mut lines: Vec<Line<'static>> = announce::fill(state, *b)
                .lines()
                .map(|l| Line::raw(l.to_string()))
                .collect();
            lines.push(Line::raw(""));
            let mut keys = vec![("c", "copy (OSC 52) + save")];
            if state.settings.exec.webhook.is_some() {
                keys.push(("w", "post to the webhook"));
            }
            keys.push(("esc", "close"));
            lines.push(keys_line(&keys));
            boxed(
                frame,
                area,
                wide.min(80),
                " Announcement ",
                theme::title(),
                lines,
            );
        }
        Modal::Escalation { step } => boxed(
            frame,
            area,
            wide.min(84),
            " Contacts and escalation ",
            theme::title(),
            escalation_lines(state, view, *step),
        ),
        Modal::Confirm(Confirm::Post(_)) => {
            let lines = vec![
                Line::raw("Post this announcement to the configured webhook?"),
                keys_line(&[("y", "post"), ("n/esc", "cancel")]),
            ];
            boxed(frame, area, wide.min(60), " Post? ", theme::amber(), lines);
        }
        Modal::Confirm(Confirm::Quit) => {
            let outcome = state.outcome();
            let mut said = outcome.text().to_string();
            if outcome == crate::core::event::Outcome::Abandoned {
                // What is left, so "abandoned" is never a surprise.
                let (open, failed, cut) = state.left_undone();
                let mut parts = Vec::new();
                if open > 0 {
                    parts.push(format!("{open} open"));
                }
                if failed > 0 {
                    parts.push(format!("{failed} failed"));
                }
                if cut > 0 {
                    parts.push(format!("{cut} running or cut short"));
                }
                if !parts.is_empty() {
                    said = format!("{said} with {}", parts.join(", "));
                }
            }
            let mut lines = vec![Line::raw(format!(
                "Quit the cockpit? This ends the session: {said}"
            ))];
            if let Some(j) = &state.settings.journal {
                // The path on its own line: word wrapping cannot push the
                // keys below the box.
                lines.push(Line::styled("the journal is kept:", theme::dim()));
                lines.push(Line::styled(j.clone(), theme::dim()));
            }
            lines.push(Line::from(vec![
                Span::styled("y", theme::key()),
                Span::raw(" quit   "),
                Span::styled("r", theme::key()),
                Span::raw(" quit + write the report   "),
                Span::styled("n", theme::key()),
                Span::raw("/"),
                Span::styled("esc", theme::key()),
                Span::raw(" stay"),
            ]));
            let w = wide.min(76);
            let inner = usize::from(w.saturating_sub(2)).max(1);
            // Long journal paths wrap: the box grows so the keys stay visible.
            let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
            let h = u16::try_from(rows + 2).unwrap_or(u16::MAX);
            frame_box(
                frame,
                centered(area, w, h),
                " Quit? ".into(),
                theme::amber(),
                lines,
            );
        }
    }
}

/// Numbered alternatives, each with the commands it would run (masked).
fn option_lines(
    state: &State,
    options: &[crate::domain::runbook::StepOption],
) -> Vec<Line<'static>> {
    let rb = state.runbook();
    let mut lines = Vec::new();
    for (k, o) in options.iter().enumerate() {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", k + 1), theme::key()),
            Span::styled(o.title.clone(), theme::title()),
        ]));
        for b in o.blocks.iter().filter_map(|&b| rb.blocks.get(b)) {
            if b.kind != crate::domain::runbook::BlockKind::Command {
                continue;
            }
            for l in crate::core::state::runs::shown_lines(state, b)
                .into_iter()
                .filter(|l| !l.trim_start().starts_with('#'))
            {
                lines.push(Line::styled(format!("    {l}"), theme::command()));
            }
        }
    }
    lines
}

/// The red confirm: the procedure, every command it may run (masked), the
/// trigger and the metrics now. A long procedure scrolls (`j`/`k`); the
/// keys stay on screen.
/// A line of what a rollback runs, drawn as its confirm draws it.
fn confirm_line((kind, text): (rollback::ConfirmLine, String)) -> Line<'static> {
    match kind {
        rollback::ConfirmLine::Step => Line::raw(text),
        rollback::ConfirmLine::Option => Line::styled(text, theme::title()),
        rollback::ConfirmLine::Command => Line::styled(text, theme::command()),
    }
}

fn rollback_confirm(frame: &mut Frame, area: Rect, state: &State, wide: u16) {
    let rb = state.runbook();
    let n = rb.procedures().count();
    let which = state.ui.rollback_procedure.min(n.saturating_sub(1));
    let Some(r) = rb.procedure(which) else { return };
    let mut head = vec![Line::styled(
        format!("ROLL BACK: \"{}\" (line {}), in order:", r.title, r.line),
        theme::red(),
    )];
    if n > 1 {
        head.push(Line::styled(
            format!(
                "procedure {} of {n}: tab shows {}",
                which + 1,
                rb.procedure((which + 1) % n)
                    .map_or_else(String::new, |o| format!("\"{}\"", o.title))
            ),
            theme::amber(),
        ));
    }
    let mut body: Vec<Line<'static>> = rollback::confirm_lines(state, which)
        .into_iter()
        .map(confirm_line)
        .collect();
    if body.is_empty() {
        body.push(Line::styled(
            "no steps to run: the procedure is prose; read it in the runbook",
            theme::dim(),
        ));
    }
    let fired = rollback::firing(state);
    let m = rollback::metrics(state);
    let pct = |x: Option<f64>| x.map_or("–".into(), |v| format!("{v:.1}%"));
    let ms = |x: Option<f64>| x.map_or("–".into(), |v| format!("{v:.0} ms"));
    let mut keys = vec![("y", "roll back now")];
    if n > 1 {
        keys.push(("tab", "other procedure"));
    }
    keys.push(("n/esc", "cancel"));
    let foot = vec![
        Line::raw(""),
        Line::styled(
            if fired.is_empty() {
                "trigger: manual (no criterion is firing)".to_string()
            } else {
                format!("firing: {}", fired.join("; "))
            },
            theme::red(),
        ),
        Line::raw(format!(
            "now: err {} · p95 {}   baseline: err {} · p95 {}",
            pct(m.error_rate),
            ms(m.p95_ms),
            pct(m.baseline_error_rate),
            ms(m.baseline_p95_ms)
        )),
        keys_line(&keys),
    ];
    let width = wide.min(area.width);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows =
        |ls: &[Line<'_>]| -> usize { ls.iter().map(|l| l.width().max(1).div_ceil(inner)).sum() };
    let scroll = usize::from(state.ui.modal_scroll).min(body.len().saturating_sub(1));
    let room = usize::from(area.height.saturating_sub(2))
        .saturating_sub(rows(&head) + rows(&foot) + usize::from(scroll > 0));
    let mut shown: Vec<Line<'static>> = Vec::new();
    let mut used = 0;
    let total = body.len();
    for (i, l) in body.into_iter().enumerate().skip(scroll) {
        let h = l.width().max(1).div_ceil(inner);
        // Keep a row for the "more" line unless this is the last one.
        let reserve = usize::from(i + 1 < total);
        if used + h + reserve > room {
            shown.push(Line::styled(
                format!("… {} more lines: j/k scroll", total - i),
                theme::amber(),
            ));
            break;
        }
        used += h;
        shown.push(l);
    }
    let mut lines = head;
    if scroll > 0 {
        lines.push(Line::styled(
            format!("… {scroll} lines above"),
            theme::amber(),
        ));
    }
    lines.extend(shown);
    lines.extend(foot);
    boxed(frame, area, width, " ROLLBACK ", theme::red(), lines);
}
