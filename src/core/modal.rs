//! The overlays: at most one at a time (`Ui::modal`), each with the data it
//! shows and what its keys carry out.

use crate::core::event::Target;
use crate::core::outline::Row;

/// A text field's purpose: what Enter does with the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Search,
    /// `/` in the zoomed application log.
    LogFilter,
    Reason(Target),
    Note(Option<Target>),
}

/// What a confirm confirms; `y` carries it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    Quit,
    /// Post announcement (its block) to the webhook.
    Post(usize),
}

/// At most one overlay at a time, so no combination of flags can disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    Help,
    /// The demo's first-run overlay: the five things to try.
    Tour,
    /// The command(s) of a row; the runner issue turns this into "run it?".
    Command(Row),
    Input {
        field: Field,
        text: String,
    },
    Confirm(Confirm),
    /// "Run this?": the exact, masked command.
    Run(Box<RunPlan>),
    /// Values a command needs (placeholders, unset `$VARS`).
    Form(Form),
    /// The red rollback confirm.
    Rollback,
    /// A running rollback's question.
    Ask(Ask),
    /// Which of a row's alternatives `enter` should run.
    Pick(Pick),
    /// A command the stopped cockpit left running (run id, pgid): kill it,
    /// wait for it, or leave it.
    Leftover {
        run: u64,
        pgid: u32,
    },
    /// An announcement template (block id), filled from the session.
    Announcement(usize),
    /// Contacts and the escalation path; `step` is the selected step.
    Escalation {
        step: usize,
    },
}

/// A command ready to confirm: the real text and what the confirm shows.
#[derive(Clone, PartialEq)]
pub struct RunPlan {
    pub title: String,
    pub target: Option<Target>,
    pub block: usize,
    pub code: String,
    pub display: String,
    /// Another command is running: `y` starts a second one.
    pub second: bool,
    pub rollback_step: Option<usize>,
    /// Run in the terminal, the screen suspended: `t` rather than `y`, or
    /// a command that waits for the operator.
    pub terminal: bool,
    /// Why the command needs the terminal ("read -p prompts for input"):
    /// captured, it would wait for a keyboard it does not have.
    pub interactive: Option<String>,
}

impl Eq for RunPlan {}

impl std::fmt::Debug for RunPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunPlan")
            .field("title", &self.title)
            .field("display", &self.display)
            .field("second", &self.second)
            .field("terminal", &self.terminal)
            .field("interactive", &self.interactive)
            .finish_non_exhaustive()
    }
}

/// What a filled form leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    Run(Row),
    /// One of a row's alternatives (0-based).
    RunOption(Row, usize),
    Rollback,
}

#[derive(Clone, PartialEq, Eq)]
pub struct FormField {
    pub name: String,
    pub value: String,
    pub secret: bool,
    /// Offered when the field is left empty (the newest matching backup).
    pub default: Option<String>,
}

impl std::fmt::Debug for FormField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormField")
            .field("name", &self.name)
            .field("secret", &self.secret)
            .field("default", &self.default)
            .finish_non_exhaustive()
    }
}

/// Values a command needs before it can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub title: String,
    pub fields: Vec<FormField>,
    pub at: usize,
    pub then: Then,
}

/// A row's alternatives, one of which `enter` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub row: Row,
    pub title: String,
    pub options: Vec<crate::domain::runbook::StepOption>,
}

/// A question the rollback waits on; a co-pilot's answer names it
/// (`{"choice": 2}`), so an answer to a question no longer asked is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ask {
    /// `y` run / `n` skip.
    Optional(usize),
    /// `r` retry / `s` skip / `a` abort.
    Failed(usize),
    /// `1`..`9`: which alternative; `s` skips the step.
    Choice(usize),
    /// `--resume` found the rollback stopped before this step: `y` goes on,
    /// `esc` leaves it paused (`R` asks again). Never a second rollback.
    Resume(usize),
}

/// How a confirm line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmLine {
    Step,
    Option,
    Command,
}
