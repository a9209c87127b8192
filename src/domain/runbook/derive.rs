//! From the raw material of one pass to the runbook's meaning: which section
//! is the rollback and what its steps are, which lists are criteria, who to
//! call, and what is still unresolved.

use std::collections::HashSet;

use super::alternatives;
use super::classify::classify;
use super::model::*;
use super::procedure;
use super::reference;
use super::scan::{self, Source};
use super::steps;
use super::walk::{self, Entry, RawBlock, Walked};
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
pub fn is_criteria_heading(title: &str) -> bool {
    let t = lower(title);
    // Said without naming the rollback, or naming an abort.
    let standalone = [
        "decision matrix",
        "when to abort",
        "abort criteria",
        "abort if",
        "abort condition",
        "abort trigger",
    ]
    .iter()
    .any(|w| t.contains(w));
    standalone
        || names_rollback(title)
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
pub fn is_rollback_heading(title: &str) -> bool {
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

pub struct Ctx<'a> {
    pub w: &'a Walked,
    /// Byte offset where each checklist item starts.
    item_starts: Vec<usize>,
}

impl Ctx<'_> {
    pub fn in_span(&self, offset: usize, span: (usize, usize)) -> bool {
        span.0 <= offset && offset < span.1
    }

    pub fn children(&self, s: usize) -> Vec<usize> {
        self.w
            .sections
            .iter()
            .filter(|c| c.parent == Some(s))
            .map(|c| c.id)
            .collect()
    }

    /// Top-level list entries written directly under section `s`.
    pub fn own_entries(&self, s: usize) -> impl Iterator<Item = &Entry> {
        self.w
            .entries
            .iter()
            .filter(move |e| e.section == Some(s) && e.parent.is_none())
    }

    pub fn blocks_in(&self, span: (usize, usize)) -> Vec<usize> {
        (0..self.w.blocks.len())
            .filter(|&b| self.in_span(self.w.raw_blocks[b].start, span))
            .collect()
    }

    pub fn items_in(&self, span: (usize, usize)) -> Vec<usize> {
        (0..self.item_starts.len())
            .filter(|&i| self.in_span(self.item_starts[i], span))
            .collect()
    }
}

pub fn build(mut w: Walked) -> Runbook {
    let mut item_starts = vec![0; w.items.len()];
    for e in &w.entries {
        if let Some(i) = e.item {
            item_starts[i] = e.start;
        }
    }
    let reference = reference_sections(&w);
    classify_blocks(&mut w, &reference);
    split_alternatives(&mut w);
    // Procedures written as numbered lists: their steps are rows too.
    let first_step = w.items.len();
    let found = steps::find(&w, first_step);
    steps::attach(
        &mut w.blocks,
        &mut w.raw_blocks,
        &found.items,
        &found.spans,
        first_step,
    );
    item_starts.extend(found.spans.iter().map(|s| s.0));
    w.items.extend(found.items);
    let ctx = Ctx { w: &w, item_starts };
    let title_section = w.sections.iter().find(|s| s.level == 1).map(|s| s.id);
    // Front matter names the page when no `#` heading does.
    let title = match (title_section, &w.front_matter_title) {
        (Some(s), _) => w.sections[s].title.clone(),
        (None, Some(t)) => t.clone(),
        (None, None) => w
            .sections
            .first()
            .map(|s| s.title.clone())
            .unwrap_or_default(),
    };

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

    let procedure::Procedures {
        chosen: rollback,
        others: rollback_others,
    } = procedure::procedures(&ctx, title_section, &reference);
    let criteria = criteria(&ctx, &title, &reference);
    let (contacts, escalation) = contacts(&ctx);
    let (placeholders, env_vars) = unresolved(&ctx);
    let mut warnings = Vec::new();
    let health_urls = health_urls(&ctx, &reference, &mut warnings);
    let window = window::window(&w.text_lines);

    match &rollback {
        None => warnings.push(Warning {
            line: None,
            message: "no rollback section (a heading such as \"Rollback Procedure\"): R will have nothing to run".into(),
        }),
        Some(r) if r.command_blocks(&w.blocks).is_empty() => {
            warnings.push(Warning {
                line: Some(r.line),
                message: format!("rollback section \"{}\" has no commands: R can only show its steps", r.title),
            });
        }
        Some(_) => {}
    }
    if w.items.is_empty() && !sections.iter().any(|s| s.runnable) {
        warnings.push(Warning {
            line: None,
            message: "no checklist: no task items (- [ ]), no numbered procedure steps and no runnable steps; run refuses it without --force".into(),
        });
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
                let why = b
                    .note
                    .clone()
                    .unwrap_or_else(|| "only comments".to_string());
                warnings.push(Warning {
                    line: Some(b.line),
                    message: format!(
                        "{whose} has a shell block that is a manual step ({why}): nothing will run"
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
        rollback_others,
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

/// Sections under a heading such as "Key Commands" or "Troubleshooting".
fn reference_sections(w: &Walked) -> Vec<bool> {
    let mut out = vec![false; w.sections.len()];
    for s in &w.sections {
        out[s.id] = reference::is_reference_heading(&s.title)
            || s.parent
                .is_some_and(|p| out.get(p).copied().unwrap_or(false));
    }
    out
}

/// Shell blocks that are no step to run: reference material, a crontab
/// line, a config file, variables for a hosting console.
fn classify_blocks(w: &mut Walked, reference: &[bool]) {
    for (b, block) in w.blocks.iter_mut().enumerate() {
        if !matches!(block.kind, BlockKind::Command | BlockKind::Manual) {
            continue;
        }
        let raw = &w.raw_blocks[b];
        let under = block
            .section
            .filter(|&s| reference.get(s).copied().unwrap_or(false))
            .map(|s| {
                // The heading that made it reference, not a sub-heading.
                let mut top = s;
                while let Some(p) = w.sections[top].parent {
                    if !reference.get(p).copied().unwrap_or(false) {
                        break;
                    }
                    top = p;
                }
                w.sections[top].title.clone()
            });
        let (kind, note) = if let Some(heading) = under {
            (
                BlockKind::Reference,
                format!("reference: under \"{heading}\""),
            )
        } else if let Some(lead) = raw
            .lead
            .as_deref()
            .filter(|l| reference::is_reference_lead(l))
        {
            (BlockKind::Reference, format!("reference: \"{lead}\""))
        } else if block.kind == BlockKind::Command
            && let Some(why) = reference::content_reason(&block.code)
        {
            let kind = if why.starts_with("only sets variables") {
                BlockKind::Manual
            } else {
                BlockKind::Reference
            };
            (kind, why)
        } else {
            continue;
        };
        block.kind = kind;
        block.note = Some(note);
    }
}

/// Blocks written as alternatives (`# Or ...`) become one part each, so
/// that only the chosen part can run. Reference blocks stay whole: they
/// never run anyway.
fn split_alternatives(w: &mut Walked) {
    if !w.blocks.iter().any(|b| b.kind == BlockKind::Command) {
        return;
    }
    let blocks = std::mem::take(&mut w.blocks);
    let raws = std::mem::take(&mut w.raw_blocks);
    for (block, raw) in blocks.into_iter().zip(raws) {
        let console = matches!(
            block.lang.as_deref(),
            Some("console" | "shell-session" | "shellsession")
        );
        let parts = (block.kind == BlockKind::Command && !console)
            .then(|| alternatives::split(&raw.raw, raw.lead.as_deref()))
            .flatten();
        let Some(parts) = parts else {
            w.blocks.push(Block {
                id: w.blocks.len(),
                ..block
            });
            w.raw_blocks.push(raw);
            continue;
        };
        let group = w.blocks.len() + usize::from(parts.first().is_some_and(|p| p.alt.is_none()));
        for part in parts {
            w.blocks.push(Block {
                id: w.blocks.len(),
                kind: walk::block_kind(block.lang.as_deref(), &part.code),
                code: part.code.clone(),
                line: block.line + part.offset,
                alt: part.alt.map(|(index, title)| Alt {
                    group,
                    index,
                    title,
                }),
                ..block.clone()
            });
            w.raw_blocks.push(RawBlock {
                raw: part.code,
                first_code_line: raw.first_code_line + part.offset,
                lead: raw.lead.clone(),
                ..raw
            });
        }
    }
}

/// Whether section `s` lies inside section `outer`'s subtree.
fn within(w: &Walked, s: usize, outer: usize) -> bool {
    let mut cur = Some(s);
    while let Some(c) = cur {
        if c == outer {
            return true;
        }
        cur = w.sections[c].parent;
    }
    false
}

/// A lead-in that says the list after it is when to roll back: "Rollback
/// if:", "The system automatically triggers rollbacks when:".
fn lead_names_criteria(lead: &str) -> bool {
    let l = lower(lead);
    [
        "rollback if",
        "roll back if",
        "rollback when",
        "roll back when",
        "abort if",
        "abort when",
        "triggers rollbacks when",
        "triggers a rollback when",
        "trigger a rollback",
        "rollback is triggered",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// The criteria of a table whose action is a column ("Action": "Immediate
/// rollback") or whose header says it ("ROLLBACK IF"). The condition is the
/// row's cells before the action ("Error Rate >10%"); a "Hold"/"For" column
/// or "within 5 min" in the action is the criterion's own hold.
fn table_criteria(t: &super::walk::Table, everywhere: bool) -> Vec<Criterion> {
    let header: Vec<String> = t.header.iter().map(|h| lower(h)).collect();
    let says =
        |h: &String| lead_names_criteria(h) || h.trim() == "rollback" || h.contains("rollback if");
    let header_action = header.iter().position(says);
    if everywhere && header_action.is_none() {
        return Vec::new();
    }
    let action = header_action
        .or_else(|| header.iter().position(|h| h.contains("action")))
        .unwrap_or(t.header.len().saturating_sub(1));
    let hold_col = header
        .iter()
        .position(|h| matches!(h.trim(), "hold" | "for" | "duration" | "sustained"));
    let skip = |i: usize| {
        Some(i) == hold_col
            || header.get(i).is_some_and(|h| {
                h.contains("severity") || h.contains("priority") || h.contains("owner")
            })
    };
    let mut out = Vec::new();
    for (line, row) in &t.rows {
        let action_cell = row.get(action).map(String::as_str).unwrap_or("");
        // Under a "ROLLBACK IF" header every row is a condition; else the
        // action must say rollback.
        let condition: Vec<&str> = if header_action.is_some() {
            row.iter()
                .enumerate()
                .filter(|(i, c)| !skip(*i) && !c.trim().is_empty())
                .map(|(_, c)| c.as_str())
                .collect()
        } else if names_rollback(action_cell) {
            row.iter()
                .take(action)
                .enumerate()
                .filter(|(i, c)| !skip(*i) && !c.trim().is_empty())
                .map(|(_, c)| c.as_str())
                .collect()
        } else {
            continue;
        };
        if condition.is_empty() {
            continue;
        }
        let mut c = classify(&condition.join(" "), *line);
        let hold_text = hold_col
            .and_then(|i| row.get(i))
            .map(|h| format!("for {h}"))
            .or_else(|| {
                lower(action_cell)
                    .split_once("within")
                    .map(|(_, rest)| format!("for {rest}"))
            });
        if let Some(h) = hold_text.and_then(|h| super::classify::hold_seconds(&h)) {
            c.for_s = Some(h);
        }
        if header_action.is_none() && !action_cell.trim().is_empty() {
            c.action = Some(action_cell.trim().to_string());
        }
        out.push(c);
    }
    out
}

fn criteria(ctx: &Ctx<'_>, doc_title: &str, reference: &[bool]) -> Vec<Criterion> {
    let w = ctx.w;
    let mut out = Vec::new();
    // "When to Use" a rollback runbook is when to roll back.
    let rollback_doc = names_rollback(doc_title);
    let is_crit =
        |t: &str| is_criteria_heading(t) || (rollback_doc && lower(t).contains("when to use"));
    let mut in_criteria_section: HashSet<usize> = HashSet::new();
    for s in w.sections.iter().filter(|s| is_crit(&s.title)) {
        let span = w.section_spans[s.id];
        // "**Rollback Process:**" inside "Rollback Criteria": steps, not
        // conditions.
        let procedures: Vec<usize> = w
            .sections
            .iter()
            .filter(|p| {
                p.id != s.id
                    && within(w, p.id, s.id)
                    && is_rollback_heading(&p.title)
                    && !is_criteria_heading(&p.title)
            })
            .map(|p| p.id)
            .collect();
        for (i, e) in w.entries.iter().enumerate().filter(|(_, e)| {
            e.parent.is_none()
                && ctx.in_span(e.start, span)
                && !e
                    .section
                    .is_some_and(|es| procedures.iter().any(|&p| within(w, es, p)))
        }) {
            in_criteria_section.insert(i);
            let text = e.title.as_deref().unwrap_or(&e.text);
            if !text.trim().is_empty() {
                out.push(classify(text.trim(), e.line));
            }
        }
        for t in w.tables.iter().filter(|t| {
            t.section
                .is_some_and(|ts| ctx.in_span(w.section_spans[ts].0, span))
        }) {
            out.extend(table_criteria(t, false));
        }
    }
    // Lists led in by "Rollback if:" and tables headed "ROLLBACK IF", under
    // any heading but reference material.
    let in_reference =
        |s: Option<usize>| s.is_some_and(|s| reference.get(s).copied().unwrap_or(false));
    for (i, e) in w.entries.iter().enumerate() {
        if e.parent.is_none()
            && !in_criteria_section.contains(&i)
            && !in_reference(e.section)
            && e.lead.as_deref().is_some_and(lead_names_criteria)
        {
            let text = e.title.as_deref().unwrap_or(&e.text);
            if !text.trim().is_empty() {
                out.push(classify(text.trim(), e.line));
            }
        }
    }
    for t in w.tables.iter().filter(|t| {
        !in_reference(t.section) && !t.section.is_some_and(|s| is_crit(&w.sections[s].title))
    }) {
        out.extend(table_criteria(t, true));
    }
    prose_criteria(w, &mut out);
    out.sort_by_key(|c| c.line);
    // Nested criteria headings read the same lines twice.
    out.dedup_by(|a, b| a.line == b.line && a.text == b.text);
    out
}

/// "Roll back if the error rate stays above 2%." and "If a release fails in
/// staging and it is not a quick fix, you should roll back": criteria
/// written as sentences in a paragraph (not in a list, which has its own
/// reading).
/// The innermost section a source line lies in (sections are in line order).
fn section_at(w: &Walked, line: usize) -> Option<usize> {
    w.sections
        .partition_point(|s| s.line <= line)
        .checked_sub(1)
}

fn prose_criteria(w: &Walked, out: &mut Vec<Criterion>) {
    let entry_lines: HashSet<usize> = w.entries.iter().map(|e| e.line).collect();
    let heading_lines: HashSet<usize> = w.sections.iter().map(|s| s.line).collect();
    let alerting = |line: usize| {
        let mut cur = section_at(w, line);
        while let Some(c) = cur {
            let t = lower(&w.sections[c].title);
            if ["alert", "rollback", "roll back", "abort", "incident"]
                .iter()
                .any(|x| t.contains(x))
            {
                return true;
            }
            cur = w.sections[c].parent;
        }
        false
    };
    let mut paragraphs: Vec<(usize, String)> = Vec::new();
    for l in &w.text_lines {
        // "**Trigger:** >10 errors per minute in logs": an alert's trigger,
        // on its own line, under a heading about alerts or the rollback (a
        // deploy's "Trigger: push to main" is not one).
        if alerting(l.line)
            && let Some((label, rest)) = l.text.split_once(':')
            && matches!(
                lower(label).trim(),
                "trigger" | "triggers" | "rollback trigger" | "abort trigger"
            )
            && !rest.trim().is_empty()
            && !entry_lines.contains(&l.line)
        {
            out.push(classify(rest.trim(), l.line));
        }
        match paragraphs.last_mut() {
            Some((_, text)) if l.continues => {
                text.push(' ');
                text.push_str(&l.text);
            }
            _ => paragraphs.push((l.line, l.text.clone())),
        }
    }
    for (line, text) in paragraphs {
        if entry_lines.contains(&line) || heading_lines.contains(&line) {
            continue;
        }

        for sentence in text.split_inclusive(['.', '!']).map(str::trim) {
            let s = lower(sentence);
            let direct = ["roll back if", "rollback if", "roll back when", "abort if"]
                .iter()
                .any(|p| s.starts_with(p));
            let conditional = s.starts_with("if ")
                && [
                    "should roll",
                    "should rollback",
                    "must roll",
                    "must rollback",
                    "should revert",
                    "should abort",
                ]
                .iter()
                .any(|p| s.contains(p))
                && !["don't", "do not", "no need", "not need"]
                    .iter()
                    .any(|p| s.contains(p));
            // "Rollback if:" leads into a list, which is read as such.
            if (direct || conditional) && !sentence.ends_with(':') {
                out.push(classify(sentence.trim_end_matches('.'), line));
            }
        }
    }
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
    let headings: HashSet<usize> = w.sections.iter().map(|s| s.line).collect();
    for l in &w.text_lines {
        let before = placeholders.len();
        scan::placeholders(
            &l.plain,
            l.line,
            Source::Prose,
            &none,
            &mut placeholders,
            &mut seen,
        );
        let heading = headings.contains(&l.line);
        let sentence = is_sentence(&l.plain);
        let mut k = before;
        while k < placeholders.len() {
            let text = &placeholders[k].text;
            // "Deploy [production]" names where, not a blank; "<name>" in a
            // usage line or a sentence describes, it is not to be filled.
            let keep =
                !((heading && names_environment(text)) || (text.starts_with('<') && sentence));
            if keep {
                k += 1;
            } else {
                placeholders.remove(k);
            }
        }
    }
    placeholders.sort_by_key(|p| p.line);
    (placeholders, env_vars)
}

/// Health endpoints to probe, in order of first mention. A URL seen only in
/// reference text, and a path with no host, are warnings instead: probing
/// them would judge the wrong thing or nothing.
/// `[production]`, `[staging]`: an environment named in brackets.
fn names_environment(placeholder: &str) -> bool {
    let inner = placeholder
        .trim_matches(|c| c == '[' || c == ']')
        .to_lowercase();
    [
        "production",
        "prod",
        "staging",
        "stage",
        "dev",
        "development",
        "qa",
        "test",
        "uat",
        "preprod",
        "pre-production",
        "sandbox",
        "demo",
        "local",
    ]
    .contains(&inner.as_str())
}

/// A usage line, or prose that reads as a sentence: not a label with a blank.
fn is_sentence(text: &str) -> bool {
    let t = text.trim();
    if t.to_lowercase().contains("usage") {
        return true;
    }
    let words = t.split_whitespace().filter(|w| !w.starts_with('<')).count();
    // "App ID: <APP_ID>" is a blank to fill; "Run it with <name> to ..." is not.
    let label = t.split_once(':').is_some_and(|(head, tail)| {
        head.split_whitespace().count() <= 4 && tail.trim().starts_with('<')
    });
    words >= 5 && !label
}

fn health_urls(ctx: &Ctx<'_>, reference: &[bool], warnings: &mut Vec<Warning>) -> Vec<String> {
    let w = ctx.w;
    let mut found: Vec<(usize, String)> = Vec::new();
    let mut only_reference: Vec<(usize, String)> = Vec::new();
    let in_reference = |line: usize| {
        section_at(w, line).is_some_and(|s| reference.get(s).copied().unwrap_or(false))
    };
    let scan = |text: &str, named: bool| {
        let mut urls = Vec::new();
        scan::health_urls(text, &mut urls);
        if named {
            scan::named_health_urls(text, &mut urls);
        }
        urls
    };
    for (b, block) in w.blocks.iter().enumerate() {
        let urls = scan(&w.raw_blocks[b].raw, false);
        if block.kind == BlockKind::Reference {
            only_reference.extend(urls.into_iter().map(|u| (block.line, u)));
        } else {
            found.extend(urls.into_iter().map(|u| (block.line, u)));
        }
    }
    for l in &w.text_lines {
        let urls = scan(&l.text, true);
        if in_reference(l.line) {
            only_reference.extend(urls.into_iter().map(|u| (l.line, u)));
        } else {
            found.extend(urls.into_iter().map(|u| (l.line, u)));
        }
    }
    for (line, url) in &w.link_urls {
        let urls = scan(url, false);
        if in_reference(*line) {
            only_reference.extend(urls.into_iter().map(|u| (*line, u)));
        } else {
            found.extend(urls.into_iter().map(|u| (*line, u)));
        }
    }
    found.sort_by_key(|(line, _)| *line);
    let mut out: Vec<String> = Vec::new();
    for (_, url) in found {
        if !out.contains(&url) {
            out.push(url);
        }
    }
    let mut warned: Vec<String> = Vec::new();
    only_reference.sort_by_key(|(line, _)| *line);
    for (line, url) in only_reference {
        if !out.contains(&url) && !warned.contains(&url) {
            warnings.push(Warning {
                line: Some(line),
                message: format!(
                    "health URL {url} appears only in reference text: not probed (give it with --health)"
                ),
            });
            warned.push(url);
        }
    }
    for l in w.text_lines.iter().filter(|l| !in_reference(l.line)) {
        for path in scan::health_paths(&l.text) {
            if !out.iter().any(|u| u.contains(&path)) && !warned.contains(&path) {
                warnings.push(Warning {
                    line: Some(l.line),
                    message: format!(
                        "health path {path} has no host: not probed (give the URL with --health)"
                    ),
                });
                warned.push(path);
            }
        }
    }
    out
}
