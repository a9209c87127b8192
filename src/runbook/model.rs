//! The runbook as the cockpit understands it. Every node keeps its 1-based
//! source line so that warnings, the checklist and the journal can point back
//! at the Markdown the team wrote.

use std::collections::BTreeMap;

use serde::Serialize;

/// A whole runbook, parsed. Built by [`crate::runbook::parse`]; never mutated
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
    pub rollback: Option<Rollback>,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct Rollback {
    pub title: String,
    /// Line of the heading that names the rollback.
    pub line: usize,
    pub section: usize,
    pub steps: Vec<RollbackStep>,
}

impl Rollback {
    /// Command blocks across all steps.
    pub fn command_count(&self, runbook: &Runbook) -> usize {
        self.steps
            .iter()
            .flat_map(|s| &s.blocks)
            .filter(|&&b| runbook.blocks[b].kind == BlockKind::Command)
            .count()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RollbackStep {
    pub title: String,
    pub line: usize,
    /// "(if needed)", "(if applicable)", "optional", a condition ("If
    /// migration fails") or one of several alternatives ("Option B"): the
    /// operator is asked before it runs.
    pub optional: bool,
    /// Indexes into `Runbook::blocks`, in order.
    pub blocks: Vec<usize>,
    /// Indexes into `Runbook::items`: the step's verification checklist.
    pub items: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKind {
    ErrorRate,
    Latency,
    /// Error lines per minute in the application's log stream (`run --logs`).
    LogErrors,
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
