//! The runbook as the cockpit understands it. Every node keeps its 1-based
//! source line so that warnings, the checklist and the journal can point back
//! at the Markdown the team wrote.

use std::collections::BTreeMap;

use serde::Serialize;

/// A whole runbook, parsed. Built by [`crate::domain::runbook::parse`]; never mutated
/// afterwards (session state lives in the journal, not here).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Runbook {
    pub title: String,
    /// Sections in document order; `parent` indexes into this vector.
    pub sections: Vec<Section>,
    /// Checklist (task-list) items in document order.
    pub items: Vec<Item>,
    /// Fenced and indented code blocks in document order.
    pub blocks: Vec<Block>,
    /// The procedure `R` runs: the one an operator would pick.
    pub rollback: Option<Rollback>,
    /// Other rollback procedures the runbook offers ("Planned Rollback"
    /// beside "Immediate Rollback"): the confirm offers them, never runs them
    /// after the first.
    pub rollback_others: Vec<Rollback>,
    pub criteria: Vec<Criterion>,
    pub window: Option<Window>,
    pub checkpoints: Vec<Checkpoint>,
    pub health_urls: Vec<String>,
    pub contacts: Vec<Contact>,
    pub escalation: Vec<EscalationStep>,
    pub placeholders: Vec<Placeholder>,
    /// Variables that commands read, first use first; whether each is set is
    /// a property of the environment, not of the runbook (see `check`).
    pub env_vars: Vec<EnvVar>,
    pub warnings: Vec<Warning>,
}

impl Runbook {
    /// Template blocks that are announcements (under a heading or rollback
    /// step that announces or communicates), in document order.
    pub fn announcements(&self) -> Vec<usize> {
        self.blocks
            .iter()
            .filter(|b| b.kind == BlockKind::Template)
            .filter(|b| {
                let in_heading = b
                    .section
                    .and_then(|s| self.sections.get(s))
                    .is_some_and(|s| announcing(&s.title));
                let in_step = self.rollback.as_ref().is_some_and(|r| {
                    r.steps
                        .iter()
                        .any(|s| announcing(&s.title) && s.blocks.contains(&b.id))
                });
                in_heading || in_step
            })
            .map(|b| b.id)
            .collect()
    }

    /// The blocks `owner` owns, in the runbook's order.
    pub fn owned_by(&self, owner: Owner) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(move |b| b.owner == owner)
    }

    /// Procedure `i`: 0 is the one `R` offers first, then the others.
    pub fn procedure(&self, i: usize) -> Option<&Rollback> {
        match i {
            0 => self.rollback.as_ref(),
            _ => self.rollback_others.get(i - 1),
        }
    }

    pub fn procedures(&self) -> impl Iterator<Item = &Rollback> {
        self.rollback.iter().chain(&self.rollback_others)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: usize,
    /// Heading level, 1..=6.
    pub level: u8,
    pub title: String,
    pub line: usize,
    pub parent: Option<usize>,
    /// The section's own content holds a command block ("Step 4: Deploy
    /// Application"), so the cockpit shows it as a step that can be run.
    pub runnable: bool,
    /// Set for timed checkpoints ("2 Hours Before", "T-30m").
    pub before_start_minutes: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: usize,
    pub section: Option<usize>,
    /// The enclosing checklist item, for nested lists.
    pub parent: Option<usize>,
    /// 0 for a top-level item, +1 per enclosing checklist item.
    pub depth: usize,
    /// Clean text: emphasis markers dropped, inline code kept in backticks.
    pub text: String,
    /// A bold lead such as `**Authentication**`.
    pub title: Option<String>,
    pub checked: bool,
    pub line: usize,
    /// A `- [ ]` task, or a step of a numbered procedure.
    pub kind: ItemKind,
}

/// Where a checklist row came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A task-list item (`- [ ]`).
    Task,
    /// An item of a procedure list ("1. Deploy to staging") in a section
    /// without task items of its own.
    Step,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// A shell block with something to run.
    Command,
    /// A shell block holding only comments: an instruction, never run.
    Manual,
    /// A block with no language, `text` or `markdown`: a message to fill in.
    Template,
    /// Anything else (json, yaml, ...): shown, never run.
    Reference,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Owner {
    Item(usize),
    Section(usize),
    /// Code before the first heading.
    Document,
}

#[derive(Debug, Clone, Serialize)]
pub struct Block {
    pub id: usize,
    pub kind: BlockKind,
    /// The info string's first word, lower-cased (`bash`, `json`, ...).
    pub lang: Option<String>,
    /// The code as it will run: `console` prompts stripped, CRs removed.
    pub code: String,
    /// Line of the opening fence.
    pub line: usize,
    pub owner: Owner,
    /// The innermost section around the block, whoever owns it.
    pub section: Option<usize>,
    /// False when the fence was never closed (the block ran to the end).
    pub closed: bool,
    /// Why a shell block is shown but never run: reference material, a
    /// crontab line, a config file, variables for a hosting console.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// One of several alternatives written in one block (`# Or ...`): the
    /// block was split, and only one part of the group ever runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt: Option<Alt>,
}

/// A part of a block written as alternatives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alt {
    /// The id of the group's first part.
    pub group: usize,
    /// 0-based place among the group's alternatives.
    pub index: usize,
    /// The comment that introduces it ("using doctl with managed database").
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rollback {
    pub title: String,
    /// Line of the heading (or bold label) that names the rollback.
    pub line: usize,
    pub section: usize,
    pub steps: Vec<RollbackStep>,
}

impl Rollback {
    /// Every command block the procedure may run, each once, in order: the
    /// steps' own and every option's.
    pub fn command_blocks(&self, blocks: &[Block]) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .steps
            .iter()
            .flat_map(|s| {
                s.blocks
                    .iter()
                    .chain(s.options.iter().flat_map(|o| &o.blocks))
            })
            .copied()
            .filter(|&b| blocks.get(b).is_some_and(|b| b.kind == BlockKind::Command))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Command blocks across all steps and options.
    pub fn command_count(&self, runbook: &Runbook) -> usize {
        self.command_blocks(&runbook.blocks).len()
    }
}

/// What the rollback does when it reaches a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Runs its commands in order.
    Run,
    /// "(if needed)", a condition ("If migration fails"): asks `y`/`n` first.
    Optional,
    /// Alternatives ("Option A/B/C", "# Or ..."): asks which one, never
    /// runs two.
    Choice,
    /// Nothing to run: a checklist, a note, a message to send.
    Manual,
}

#[derive(Debug, Clone, Serialize)]
pub struct RollbackStep {
    pub title: String,
    pub line: usize,
    pub kind: StepKind,
    /// Indexes into `Runbook::blocks`, in order. For a choice, the blocks
    /// every option shares (already inside each option's own list).
    pub blocks: Vec<usize>,
    /// The alternatives of a choice; empty otherwise.
    pub options: Vec<StepOption>,
    /// Indexes into `Runbook::items`: the step's verification checklist.
    pub items: Vec<usize>,
}

impl RollbackStep {
    /// The operator is asked before anything of it runs.
    pub fn asks(&self) -> bool {
        matches!(self.kind, StepKind::Optional | StepKind::Choice)
    }
}

/// One alternative of a choice step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepOption {
    pub title: String,
    pub line: usize,
    /// Everything that runs when it is chosen, in order.
    pub blocks: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKind {
    ErrorRate,
    Latency,
    /// Error lines per minute in the application's log stream (`run --logs`).
    LogErrors,
    /// Requests per second, from an access log (`--logs`).
    Throughput,
    /// Judged by the operator (critical functionality broken, data integrity).
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Above baseline by this much in the metric's unit: percentage points
    /// for error rate, ms for latency, errors per minute for log errors.
    IncreasePoints,
    /// Above baseline by this percentage of the baseline.
    IncreasePercent,
    /// Above an absolute limit; needs no baseline.
    Above,
    /// Below baseline by this percentage of it: "throughput < 50% of
    /// baseline" is a decrease of 50%, "drops by 30%" one of 30%.
    DecreasePercent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    #[serde(rename = "%")]
    Percent,
    #[serde(rename = "ms")]
    Millis,
    /// Log error lines per minute.
    #[serde(rename = "/min")]
    PerMinute,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Criterion {
    pub text: String,
    pub kind: CriterionKind,
    pub rule: Option<Rule>,
    pub threshold: Option<f64>,
    pub unit: Option<Unit>,
    pub line: usize,
    /// Its own hold ("for 5 minutes"): how long a breach must last before
    /// it fires. `None`: the global `--for`.
    pub for_s: Option<u64>,
    /// The latency percentile it judges (50, 90, 95, 99); `None` for other
    /// metrics. p95 when a latency rule names none.
    pub percentile: Option<u8>,
    /// Why a manual criterion is the operator's call (a host metric, no
    /// number); `None` for the ones the cockpit measures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A decision table's action cell ("Immediate rollback", "Rollback
    /// within 5 min"): what its tier asks for when it applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// "22:00", 24-hour clock.
    pub start: String,
    pub end: String,
    /// IANA zone, e.g. "America/New_York"; `None` when the runbook names none.
    pub tz: Option<String>,
    pub max_hours: Option<u32>,
    /// "Mon".."Sun".
    pub preferred_days: Vec<String>,
    /// Days on which the window closes early: "Fri" -> "16:00" for "or 4pm
    /// on Fridays". Only what the runbook wrote.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub day_ends: BTreeMap<String, String>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checkpoint {
    pub title: String,
    pub before_start_minutes: u32,
    pub line: usize,
    pub section: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub role: String,
    pub name: String,
    pub contact: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscalationStep {
    pub text: String,
    /// Minutes after the trigger by which this step is due (0 = immediate).
    pub due_minutes: Option<u32>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placeholder {
    pub text: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub secret: bool,
    /// First line where a command reads it.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub line: Option<usize>,
    pub message: String,
}

fn announcing(title: &str) -> bool {
    let t = title.to_lowercase();
    t.contains("announce") || t.contains("communicat")
}
