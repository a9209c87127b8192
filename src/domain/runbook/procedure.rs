//! Which rollback procedure `R` runs, and what each of its steps is: a
//! command to run, a step to ask about first, a choice between alternatives
//! (never a sequence of them), or something only a person can do.
//!
//! The rule is the one an operator follows: of the sections that name a
//! rollback, the one with commands, preferring "manual", "emergency",
//! "procedure" or "steps" over one that only describes automation. Several
//! such procedures side by side ("Immediate Rollback", "Planned Rollback")
//! are alternatives too: the first is `R`'s, the others are offered.

use super::alternatives::lead_offers_choice;
use super::derive::{Ctx, is_criteria_heading, is_rollback_heading};
use super::model::{Block, BlockKind, Rollback, RollbackStep, StepKind, StepOption};
use super::walk::Entry;

/// At most this many alternatives are offered (keys `1`..`9`).
const MAX_OPTIONS: usize = 9;

fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// "(if needed)", "(if applicable)", a condition ("If migration fails"):
/// the operator is asked before it runs.
pub fn is_optional(text: &str) -> bool {
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

/// "Option A: ...", "Alternative 2", "Blue-Green", "Canary": one of
/// several ways to do the same step.
pub fn is_option_title(title: &str) -> bool {
    let t = lower(strip_number(title));
    let mut words = t.split(|c: char| c.is_whitespace() || c == ':');
    let first = words.next().unwrap_or("");
    let second = words.next().unwrap_or("");
    let labelled = matches!(
        first,
        "option" | "alternative" | "approach" | "method" | "choice"
    ) && !second.is_empty()
        && second.len() <= 2;
    let strategy = [
        "blue-green",
        "blue/green",
        "blue green",
        "canary",
        "rolling",
    ]
    .iter()
    .any(|s| t.starts_with(s));
    labelled || strategy
}

/// "1. Assess Situation" -> "Assess Situation": the outline numbers steps
/// itself, so a heading's own number would be said twice.
pub fn strip_number(title: &str) -> &str {
    let t = title.trim_start();
    let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return title.trim();
    }
    let rest = &t[digits..];
    match rest.chars().next() {
        Some('.' | ')') => {
            let after = &rest[1..];
            if after.starts_with(char::is_whitespace) {
                after.trim()
            } else {
                title.trim()
            }
        }
        _ => title.trim(),
    }
}

fn clean_title(title: &str) -> String {
    strip_number(title)
        .trim()
        .trim_end_matches(':')
        .trim()
        .to_string()
}

/// A step title ("2. Initiate Rollback") or an option's ("Option C: Emergency
/// Git Revert"): part of a procedure, not a procedure of its own.
fn is_step_title(title: &str) -> bool {
    strip_number(title) != title.trim()
        || lower(title).trim_start().starts_with("step ")
        || is_option_title(title)
}

/// Titles that only describe what a platform does by itself.
fn describes_automation(title: &str) -> bool {
    let t = lower(title);
    ["automatic", "automated", "auto-rollback", "auto rollback"]
        .iter()
        .any(|w| t.contains(w))
}

/// Titles an operator reaches for first.
fn preference(title: &str) -> usize {
    let t = lower(title);
    ["manual", "emergency", "immediate", "procedure", "steps"]
        .iter()
        .filter(|w| t.contains(*w))
        .count()
}

pub struct Procedures {
    pub chosen: Option<Rollback>,
    pub others: Vec<Rollback>,
}

/// Every rollback procedure, the one `R` runs first.
pub fn procedures(ctx: &Ctx<'_>, title_section: Option<usize>, reference: &[bool]) -> Procedures {
    let w = ctx.w;
    let candidate = |s: usize| {
        Some(s) != title_section
            && !reference.get(s).copied().unwrap_or(false)
            && is_rollback_heading(&w.sections[s].title)
    };
    let nearest_candidate_ancestor = |s: usize| {
        let mut cur = w.sections[s].parent;
        while let Some(c) = cur {
            if candidate(c) {
                return Some(c);
            }
            cur = w.sections[c].parent;
        }
        None
    };
    let all: Vec<usize> = (0..w.sections.len()).filter(|&s| candidate(s)).collect();
    // Procedures nested in a procedure: "Immediate Rollback" and "Planned
    // Rollback" under "Rollback Procedures". Numbered steps and options
    // that mention the rollback are parts of their procedure instead.
    let nested = |parent: usize| -> Vec<usize> {
        all.iter()
            .copied()
            .filter(|&s| {
                nearest_candidate_ancestor(s) == Some(parent)
                    && !is_step_title(&w.sections[s].title)
            })
            .collect()
    };
    let mut picked: Vec<usize> = Vec::new();
    for &s in all
        .iter()
        .filter(|&&s| nearest_candidate_ancestor(s).is_none())
    {
        let inner = nested(s);
        if inner.len() >= 2 {
            picked.extend(inner);
        } else {
            picked.push(s);
        }
    }
    let mut built: Vec<(Rollback, usize)> = picked
        .into_iter()
        .map(|s| (build(ctx, s, reference), s))
        .collect();
    let has_commands = |r: &Rollback| r.steps.iter().any(|s| s.kind != StepKind::Manual);
    // Stable: document order breaks ties.
    built.sort_by_key(|(r, s)| {
        (
            !has_commands(r),
            describes_automation(&r.title),
            std::cmp::Reverse(preference(&r.title)),
            w.sections[*s].level,
            *s,
        )
    });
    let mut iter = built.into_iter().map(|(r, _)| r);
    let chosen = iter.next();
    let others = iter.filter(has_commands).collect();
    Procedures { chosen, others }
}

/// The steps of one procedure section.
fn build(ctx: &Ctx<'_>, heading: usize, reference: &[bool]) -> Rollback {
    let w = ctx.w;
    // "Rollback Procedure" > "Rollback Steps" > the numbered list: step down
    // while a single sub-section is all there is.
    let mut container = heading;
    let kids = loop {
        let kids: Vec<usize> = ctx
            .children(container)
            .into_iter()
            .filter(|&k| {
                let title = &w.sections[k].title;
                // "1. Emergency Rollback Trigger" is a step, not a trigger list.
                (!is_criteria_heading(title) || is_step_title(title))
                    && !reference.get(k).copied().unwrap_or(false)
            })
            .collect();
        let has_numbered = ctx.own_entries(container).any(|e| e.ordered);
        match kids.as_slice() {
            [only] if !has_numbered => container = *only,
            _ => break kids,
        }
    };
    // With their indexes: sub-items point at their parent by index.
    let numbered: Vec<(usize, &Entry)> = w
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.section == Some(container) && e.parent.is_none() && e.ordered)
        .collect();
    let mut raw_steps: Vec<RawStep> = Vec::new();
    let list_is_choice = numbered.len() >= 2
        && numbered
            .first()
            .and_then(|(_, e)| e.lead.as_deref())
            .is_some_and(lead_offers_choice);
    if list_is_choice {
        // "Choose one:" then a numbered list: one step, its items the options.
        let first = numbered[0].1;
        raw_steps.push(RawStep {
            title: clean_title(first.lead.as_deref().unwrap_or("Choose one")),
            line: first.line,
            span: (first.start, numbered[numbered.len() - 1].1.end),
            options: numbered
                .iter()
                .map(|(_, x)| {
                    (
                        clean_title(x.title.as_deref().unwrap_or(&x.text)),
                        x.line,
                        ctx.blocks_in((x.start, x.end)),
                    )
                })
                .collect(),
        });
    } else if !numbered.is_empty() {
        for (index, e) in numbered {
            let sub: Vec<&Entry> = w
                .entries
                .iter()
                .filter(|x| x.parent == Some(index))
                .collect();
            let choose = lead_offers_choice(&e.text)
                || sub
                    .iter()
                    .all(|x| is_option_title(&x.text) || starts_with_means(&x.text))
                    && sub.len() >= 2;
            let options = if choose && sub.len() >= 2 {
                sub.iter()
                    .map(|x| {
                        (
                            clean_title(x.title.as_deref().unwrap_or(&x.text)),
                            x.line,
                            ctx.blocks_in((x.start, x.end)),
                        )
                    })
                    .collect()
            } else {
                Vec::new()
            };
            raw_steps.push(RawStep {
                title: clean_title(&e.text),
                line: e.line,
                span: (e.start, e.end),
                options,
            });
        }
    } else if !kids.is_empty() {
        for k in kids {
            let sub: Vec<usize> = ctx.children(k);
            let choose = sub.len() >= 2
                && (sub.iter().all(|&c| is_option_title(&w.sections[c].title))
                    || section_lead_offers_choice(ctx, k));
            let options = if choose {
                sub.iter()
                    .map(|&c| {
                        (
                            clean_title(&w.sections[c].title),
                            w.sections[c].line,
                            ctx.blocks_in(w.section_spans[c]),
                        )
                    })
                    .collect()
            } else {
                Vec::new()
            };
            raw_steps.push(RawStep {
                title: clean_title(&w.sections[k].title),
                line: w.sections[k].line,
                span: w.section_spans[k],
                options,
            });
        }
    } else {
        let s = &w.sections[container];
        let span = w.section_spans[container];
        // A procedure in prose only ("Make sure you have a rollback plan
        // ..."): nothing an outline could list.
        if !ctx.blocks_in(span).is_empty() || !ctx.items_in(span).is_empty() {
            raw_steps.push(RawStep {
                title: clean_title(&s.title),
                line: s.line,
                span,
                options: Vec::new(),
            });
        }
    }
    let steps = group_option_steps(ctx, raw_steps);
    Rollback {
        title: w.sections[heading].title.clone(),
        line: w.sections[heading].line,
        section: heading,
        steps,
    }
}

struct RawStep {
    title: String,
    line: usize,
    span: (usize, usize),
    options: Vec<(String, usize, Vec<usize>)>,
}

/// "Use point-in-time restore", "Via the console": a means, not an action.
fn starts_with_means(text: &str) -> bool {
    let t = lower(text);
    ["use ", "using ", "via ", "with "]
        .iter()
        .any(|w| t.trim_start().starts_with(w))
}

/// The section's own prose says its sub-sections are alternatives.
fn section_lead_offers_choice(ctx: &Ctx<'_>, s: usize) -> bool {
    let w = ctx.w;
    let start = w.sections[s].line;
    let end = ctx
        .children(s)
        .first()
        .map_or(usize::MAX, |&c| w.sections[c].line);
    w.text_lines
        .iter()
        .filter(|l| l.line > start && l.line < end)
        .any(|l| lead_offers_choice(&l.text))
}

/// Runs of sibling steps that are options ("Option A", "Option B") become
/// one choice: the reader picks one, never runs them in turn.
fn group_option_steps(ctx: &Ctx<'_>, raw: Vec<RawStep>) -> Vec<RollbackStep> {
    let blocks = &ctx.w.blocks;
    let mut out: Vec<RollbackStep> = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let run_end = (i..raw.len())
            .find(|&j| !is_option_title(&raw[j].title))
            .unwrap_or(raw.len());
        if run_end - i >= 2 {
            let options: Vec<StepOption> = raw[i..run_end]
                .iter()
                .flat_map(|r| expand(blocks, &r.title, r.line, ctx.blocks_in(r.span)))
                .take(MAX_OPTIONS)
                .collect();
            let items = raw[i..run_end]
                .iter()
                .flat_map(|r| ctx.items_in(r.span))
                .collect();
            out.push(RollbackStep {
                title: "Choose one".into(),
                line: raw[i].line,
                kind: StepKind::Choice,
                blocks: Vec::new(),
                options,
                items,
            });
            i = run_end;
            continue;
        }
        let r = &raw[i];
        out.push(step(ctx, r));
        i += 1;
    }
    out
}

fn step(ctx: &Ctx<'_>, r: &RawStep) -> RollbackStep {
    let blocks = &ctx.w.blocks;
    let all = ctx.blocks_in(r.span);
    let items = ctx.items_in(r.span);
    let mut options: Vec<StepOption> = Vec::new();
    if r.options.len() >= 2 {
        // What the step holds outside its options runs whichever is chosen.
        let inside: Vec<usize> = r.options.iter().flat_map(|o| o.2.iter().copied()).collect();
        let shared: Vec<usize> = all
            .iter()
            .copied()
            .filter(|b| !inside.contains(b))
            .collect();
        for (title, line, own) in &r.options {
            let mut merged: Vec<usize> = shared.iter().chain(own).copied().collect();
            merged.sort_unstable();
            options.extend(expand(blocks, title, *line, merged));
        }
        options.truncate(MAX_OPTIONS);
        return RollbackStep {
            title: r.title.clone(),
            line: r.line,
            kind: StepKind::Choice,
            blocks: shared,
            options,
            items,
        };
    }
    let expanded = expand(blocks, &r.title, r.line, all.clone());
    if expanded.len() >= 2 {
        let shared: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&b| blocks[b].alt.is_none())
            .collect();
        return RollbackStep {
            title: r.title.clone(),
            line: r.line,
            kind: StepKind::Choice,
            blocks: shared,
            options: expanded.into_iter().take(MAX_OPTIONS).collect(),
            items,
        };
    }
    let runs = all.iter().any(|&b| blocks[b].kind == BlockKind::Command);
    let kind = if !runs {
        StepKind::Manual
    } else if is_optional(&r.title) {
        StepKind::Optional
    } else {
        StepKind::Run
    };
    RollbackStep {
        title: r.title.clone(),
        line: r.line,
        kind,
        blocks: all,
        options,
        items,
    }
}

/// The ways to run `blocks`: one, or one per alternative written inside a
/// block (`# Or ...`), each with what runs either way. Two such groups in
/// one list give every pairing, at most [`MAX_OPTIONS`].
pub fn expand(blocks: &[Block], title: &str, line: usize, list: Vec<usize>) -> Vec<StepOption> {
    let group_of = |b: usize| blocks.get(b).and_then(|x| x.alt.as_ref()).map(|a| a.group);
    let mut groups: Vec<usize> = list.iter().filter_map(|&b| group_of(b)).collect();
    groups.dedup();
    let mut out = vec![StepOption {
        title: title.to_string(),
        line,
        blocks: list,
    }];
    for group in groups {
        let mut next = Vec::new();
        for o in &out {
            let alts: Vec<usize> = o
                .blocks
                .iter()
                .copied()
                .filter(|&b| group_of(b) == Some(group))
                .collect();
            for &chosen in &alts {
                let alt_title = blocks[chosen].alt.as_ref().map_or("", |a| a.title.as_str());
                next.push(StepOption {
                    title: if o.title.is_empty() {
                        alt_title.to_string()
                    } else {
                        format!("{}: {alt_title}", o.title)
                    },
                    line: if o.title.is_empty() {
                        blocks[chosen].line
                    } else {
                        o.line
                    },
                    blocks: o
                        .blocks
                        .iter()
                        .copied()
                        .filter(|b| !alts.contains(b) || *b == chosen)
                        .collect(),
                });
            }
        }
        next.truncate(MAX_OPTIONS);
        out = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_numbers_are_not_said_twice() {
        assert_eq!(
            strip_number("1. Assess Situation (2 min)"),
            "Assess Situation (2 min)"
        );
        assert_eq!(strip_number("2) Initiate"), "Initiate");
        assert_eq!(strip_number("6.1 Stop inserts"), "6.1 Stop inserts");
        assert_eq!(strip_number("2FA reset"), "2FA reset");
        assert_eq!(strip_number("Rollback"), "Rollback");
    }

    #[test]
    fn options_by_title() {
        for t in [
            "Option A: Quick Rollback (Kubernetes)",
            "Option 2: DigitalOcean Rollback",
            "Alternative B",
            "Blue-Green",
            "Canary",
        ] {
            assert!(is_option_title(t), "{t}");
        }
        for t in [
            "Optional cleanup",
            "Options for the future",
            "Verify Rollback",
            "Scenario 1: Critical Bug",
        ] {
            assert!(!is_option_title(t), "{t}");
        }
    }
}
