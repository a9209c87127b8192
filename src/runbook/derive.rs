//! From the raw material of one pass to the runbook's meaning: which section
//! is the rollback and what its steps are, which lists are criteria, who to
//! call, and what is still unresolved.

use std::collections::HashSet;

use super::classify::classify;
use super::model::*;
use super::scan::{self, Source};
use super::walk::{Entry, Walked};
use super::window;

fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// Whether lower-cased `text` contains any of `words`.
fn mentions(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

fn names_rollback(title: &str) -> bool {
    mentions(
        &lower(title),
        &["rollback", "roll back", "roll-back", "rolling back"],
    )
}

/// "Decision Criteria for Rollback", "When to Rollback", "Rollback Decision
/// Tree": the conditions, not the procedure.
fn is_criteria_heading(title: &str) -> bool {
    let t = lower(title);
    names_rollback(title)
        && [
            "criteria",
            "criterion",
            "when to",
            "decision tree",
            "trigger",
            "condition",
        ]
        .iter()
        .any(|w| t.contains(w))
}

/// A heading that holds the rollback procedure itself, not a message about
/// it ("Rollback Notification") or what follows it ("Post-Rollback Steps").
fn is_rollback_heading(title: &str) -> bool {
    names_rollback(title)
        && !is_criteria_heading(title)
        && !mentions(
            &lower(title),
            &[
                "post-rollback",
                "post rollback",
                "after rollback",
                "notice",
                "notification",
                "announcement",
                "template",
                "communication",
                "expectation",
                "report",
            ],
        )
}

fn is_optional(text: &str) -> bool {
    let t = lower(text);
    [
        "if needed",
        "if applicable",
        "if required",
        "if necessary",
        "optional",
    ]
    .iter()
    .any(|w| t.contains(w))
        || t.starts_with("if ")
        || t.contains(" if ")
        || t.starts_with("option ")
        || t.starts_with("scenario ")
}

struct Ctx<'a> {
    w: &'a Walked,
    /// Byte offset where each checklist item starts.
    item_starts: Vec<usize>,
}

impl Ctx<'_> {
    fn in_span(&self, offset: usize, span: (usize, usize)) -> bool {
        span.0 <= offset && offset < span.1
    }

    fn children(&self, s: usize) -> Vec<usize> {
        self.w
            .sections
            .iter()
            .filter(|c| c.parent == Some(s))
            .map(|c| c.id)
            .collect()
    }

    /// Top-level list entries written directly under section `s`.
    fn own_entries(&self, s: usize) -> impl Iterator<Item = &Entry> {
        self.w
            .entries
            .iter()
            .filter(move |e| e.section == Some(s) && e.parent.is_none())
    }

    fn blocks_in(&self, span: (usize, usize)) -> Vec<usize> {
        (0..self.w.blocks.len())
            .filter(|&b| self.in_span(self.w.raw_blocks[b].start, span))
            .collect()
    }

    fn items_in(&self, span: (usize, usize)) -> Vec<usize> {
        (0..self.item_starts.len())
            .filter(|&i| self.in_span(self.item_starts[i], span))
            .collect()
    }
}

pub fn build(w: Walked) -> Runbook {
    let mut item_starts = vec![0; w.items.len()];
    for e in &w.entries {
        if let Some(i) = e.item {
            item_starts[i] = e.start;
        }
    }
    let ctx = Ctx { w: &w, item_starts };
    let title_section = w.sections.iter().find(|s| s.level == 1).map(|s| s.id);
    let title = title_section
        .or_else(|| w.sections.first().map(|s| s.id))
        .map(|s| w.sections[s].title.clone())
        .unwrap_or_default();

    let mut sections = w.sections.clone();
    for (b, block) in w.blocks.iter().enumerate() {
        if let (BlockKind::Command, Owner::Section(s), true) =
            (block.kind, block.owner, w.raw_blocks[b].top_level)
        {
            sections[s].runnable = true;
        }
    }
    let mut checkpoints = Vec::new();
    for s in &mut sections {
        if let Some(m) = window::checkpoint_minutes(&s.title) {
            s.before_start_minutes = Some(m);
            checkpoints.push(Checkpoint {
                title: s.title.clone(),
                before_start_minutes: m,
                line: s.line,
                section: s.id,
            });
        }
    }

    let rollback = rollback(&ctx, title_section);
    let criteria = criteria(&ctx);
    let (contacts, escalation) = contacts(&ctx);
    let (placeholders, env_vars) = unresolved(&ctx);
    let health_urls = health_urls(&ctx);
    let window = window::window(&w.text_lines);

    let mut warnings = Vec::new();
    match &rollback {
        None => warnings.push(Warning {
            line: None,
            message: "no rollback section (a heading such as \"Rollback Procedure\"): R will have nothing to run".into(),
        }),
        Some(r) if r.steps.iter().all(|s| s.blocks.iter().all(|&b| w.blocks[b].kind != BlockKind::Command)) => {
            warnings.push(Warning {
                line: Some(r.line),
                message: format!("rollback section \"{}\" has no commands: R can only show its steps", r.title),
            });
        }
        Some(_) => {}
    }
    if criteria.is_empty() {
        warnings.push(Warning {
            line: None,
            message: "no rollback criteria (a list under a heading such as \"When to Rollback\"): the default rules apply (error rate +5 pp, latency +50% over baseline)".into(),
        });
    }
    if let Some(win) = window.as_ref().filter(|win| win.tz.is_none()) {
        warnings.push(Warning {
            line: Some(win.line),
            message: "the maintenance window names no time zone: the cockpit counts it in UTC"
                .into(),
        });
    }
    for b in &w.blocks {
        if !b.closed {
            warnings.push(Warning {
                line: Some(b.line),
                message: "code block is never closed: it runs to the end of the file".into(),
            });
        }
    }
    for (i, b) in w.blocks.iter().enumerate() {
        if b.kind == BlockKind::Manual {
            let whose = match b.owner {
                Owner::Item(it) => format!("item \"{}\"", w.items[it].text),
                Owner::Section(s) => format!("step \"{}\"", w.sections[s].title),
                Owner::Document => "the runbook".to_string(),
            };
            if w.raw_blocks[i].top_level || matches!(b.owner, Owner::Item(_)) {
                warnings.push(Warning {
                    line: Some(b.line),
                    message: format!(
                        "{whose} has a shell block with only comments: a manual step, nothing will run"
                    ),
                });
            }
        }
    }
    for p in &placeholders {
        warnings.push(Warning {
            line: Some(p.line),
            message: format!("unresolved placeholder {}", p.text),
        });
    }
    warnings.sort_by_key(|w| w.line);

    Runbook {
        title,
        sections,
        items: w.items.clone(),
        blocks: w.blocks.clone(),
        rollback,
        criteria,
        window,
        checkpoints,
        health_urls,
        contacts,
        escalation,
        placeholders,
        env_vars,
        warnings,
    }
}

fn rollback(ctx: &Ctx<'_>, title_section: Option<usize>) -> Option<Rollback> {
    let w = ctx.w;
    let heading = w
        .sections
        .iter()
        .filter(|s| Some(s.id) != title_section && is_rollback_heading(&s.title))
        .min_by_key(|s| (s.level, s.id))?;
    // "Rollback Procedure" > "Rollback Steps" > the numbered list: step down
    // while a single sub-section is all there is.
    let mut container = heading.id;
    let kids = loop {
        let kids: Vec<usize> = ctx
            .children(container)
            .into_iter()
            .filter(|&k| !is_criteria_heading(&w.sections[k].title))
            .collect();
        let has_numbered = ctx.own_entries(container).any(|e| e.ordered);
        match kids.as_slice() {
            [only] if !has_numbered => container = *only,
            _ => break kids,
        }
    };
    let numbered: Vec<&Entry> = ctx.own_entries(container).filter(|e| e.ordered).collect();
    let mut steps = Vec::new();
    let mut step = |title: &str, line: usize, span: (usize, usize)| {
        let title = title.trim().trim_end_matches(':').trim().to_string();
        steps.push(RollbackStep {
            optional: is_optional(&title),
            title,
            line,
            blocks: ctx.blocks_in(span),
            items: ctx.items_in(span),
        });
    };
    if !numbered.is_empty() {
        for e in numbered {
            step(&e.text, e.line, (e.start, e.end));
        }
    } else if !kids.is_empty() {
        for k in kids {
            step(&w.sections[k].title, w.sections[k].line, w.section_spans[k]);
        }
    } else {
        let s = &w.sections[container];
        step(&s.title, s.line, w.section_spans[container]);
    }
    Some(Rollback {
        title: heading.title.clone(),
        line: heading.line,
        section: heading.id,
        steps,
    })
}

fn criteria(ctx: &Ctx<'_>) -> Vec<Criterion> {
    let w = ctx.w;
    let mut out = Vec::new();
    for s in w.sections.iter().filter(|s| is_criteria_heading(&s.title)) {
        let span = w.section_spans[s.id];
        for e in w
            .entries
            .iter()
            .filter(|e| e.parent.is_none() && ctx.in_span(e.start, span))
        {
            let text = e.title.as_deref().unwrap_or(&e.text);
            if !text.trim().is_empty() {
                out.push(classify(text.trim(), e.line));
            }
        }
        for t in w.tables.iter().filter(|t| {
            t.section
                .is_some_and(|ts| ctx.in_span(w.section_spans[ts].0, span))
        }) {
            let action = t
                .header
                .iter()
                .position(|h| lower(h).contains("action"))
                .unwrap_or(t.header.len().saturating_sub(1));
            for (line, row) in &t.rows {
                let says_rollback = row.get(action).is_some_and(|a| names_rollback(a));
                if let (true, Some(condition)) = (says_rollback, row.first()) {
                    out.push(classify(condition, *line));
                }
            }
        }
    }
    out.sort_by_key(|c| c.line);
    out
}

fn contacts(ctx: &Ctx<'_>) -> (Vec<Contact>, Vec<EscalationStep>) {
    let w = ctx.w;
    let mut contacts = Vec::new();
    for t in &w.tables {
        let col = |names: &[&str]| {
            t.header
                .iter()
                .position(|h| names.iter().any(|n| lower(h).contains(n)))
        };
        let (Some(role), Some(contact)) = (
            col(&["role"]),
            col(&["contact", "phone", "email", "slack"]).or(col(&["name"])),
        ) else {
            continue;
        };
        let name = col(&["name"]).filter(|&n| n != contact);
        for (line, row) in &t.rows {
            let cell = |i: Option<usize>| i.and_then(|i| row.get(i)).cloned().unwrap_or_default();
            contacts.push(Contact {
                role: cell(Some(role)),
                name: cell(name),
                contact: cell(Some(contact)),
                line: *line,
            });
        }
    }
    for s in w
        .sections
        .iter()
        .filter(|s| lower(&s.title).contains("contact"))
    {
        for e in ctx.own_entries(s.id) {
            if let Some(role) = &e.title {
                let rest = e.text.strip_prefix(role.as_str()).unwrap_or(&e.text);
                let rest = rest.trim_start_matches([':', ' ', '-', '–']).trim();
                contacts.push(Contact {
                    role: role.clone(),
                    name: String::new(),
                    contact: rest.to_string(),
                    line: e.line,
                });
            }
        }
    }
    contacts.sort_by_key(|c| c.line);
    let escalation = w
        .sections
        .iter()
        .find(|s| lower(&s.title).contains("escalation") && ctx.own_entries(s.id).next().is_some())
        .map(|s| {
            ctx.own_entries(s.id)
                .map(|e| EscalationStep {
                    text: e.text.clone(),
                    due_minutes: window::due_minutes(&e.text),
                    line: e.line,
                })
                .collect()
        })
        .unwrap_or_default();
    (contacts, escalation)
}

fn unresolved(ctx: &Ctx<'_>) -> (Vec<Placeholder>, Vec<EnvVar>) {
    let w = ctx.w;
    let mut placeholders = Vec::new();
    let mut seen = HashSet::new();
    let mut env_vars = Vec::new();
    let none = HashSet::new();
    for (b, block) in w.blocks.iter().enumerate() {
        let raw = &w.raw_blocks[b];
        match block.kind {
            BlockKind::Command => {
                let (used, known) = scan::shell_vars(&raw.raw);
                for (name, i) in used {
                    scan::add_env_var(&mut env_vars, &name, raw.first_code_line + i);
                }
                scan::placeholders(
                    &raw.raw,
                    raw.first_code_line,
                    Source::Command,
                    &known,
                    &mut placeholders,
                    &mut seen,
                );
            }
            BlockKind::Manual | BlockKind::Template => {
                scan::placeholders(
                    &raw.raw,
                    raw.first_code_line,
                    Source::Template,
                    &none,
                    &mut placeholders,
                    &mut seen,
                );
            }
            BlockKind::Reference => {}
        }
    }
    for l in &w.text_lines {
        scan::placeholders(
            &l.plain,
            l.line,
            Source::Prose,
            &none,
            &mut placeholders,
            &mut seen,
        );
    }
    placeholders.sort_by_key(|p| p.line);
    (placeholders, env_vars)
}

fn health_urls(ctx: &Ctx<'_>) -> Vec<String> {
    let w = ctx.w;
    let mut found: Vec<(usize, String)> = Vec::new();
    let mut add = |line: usize, text: &str| {
        let mut urls = Vec::new();
        scan::health_urls(text, &mut urls);
        found.extend(urls.into_iter().map(|u| (line, u)));
    };
    for (b, block) in w.blocks.iter().enumerate() {
        if block.kind != BlockKind::Reference {
            add(block.line, &w.raw_blocks[b].raw);
        }
    }
    for l in &w.text_lines {
        add(l.line, &l.text);
    }
    for (line, url) in &w.link_urls {
        add(*line, url);
    }
    found.sort_by_key(|(line, _)| *line);
    let mut out: Vec<String> = Vec::new();
    for (_, url) in found {
        if !out.contains(&url) {
            out.push(url);
        }
    }
    out
}
