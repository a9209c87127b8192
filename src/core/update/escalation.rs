//! The escalation overlay and when each step is due. The clock itself is
//! folded in [`crate::core::session::escalation`].

use chrono::{DateTime, Utc};

use crate::core::action::Cmd;
use crate::core::effect::Effect;
use crate::core::event::Event;
use crate::core::modal::Modal;
use crate::core::state::State;
use crate::domain::runbook::{Contact, EscalationStep, Runbook};

/// The contact row a step names: the step text contains the role
/// (case-insensitive). The longest role wins so "Lead" cannot shadow
/// "Technical Lead".
pub fn contact_for<'a>(rb: &'a Runbook, step: &EscalationStep) -> Option<&'a Contact> {
    let text = step.text.to_lowercase();
    rb.contacts
        .iter()
        .filter(|c| !c.role.trim().is_empty() && text.contains(&c.role.trim().to_lowercase()))
        .max_by_key(|c| c.role.len())
}

/// The step's name without its parenthesised timing: "Technical Lead".
pub fn who(step: &EscalationStep) -> &str {
    step.text
        .split_once('(')
        .map_or(step.text.as_str(), |(head, _)| head)
        .trim()
}

/// When a step is due, once the clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Whole minutes left, rounded up: "due in 11 min".
    In(i64),
    /// Within the minute it fell due.
    Now,
    /// Whole minutes past due.
    Overdue(i64),
}

impl Due {
    pub fn text(self) -> String {
        match self {
            Due::In(m) => format!("due in {m} min"),
            Due::Now => "due now".into(),
            Due::Overdue(m) => format!("overdue {m} min"),
        }
    }

    /// Due or overdue: the overlay shows it amber.
    pub fn pressing(self) -> bool {
        !matches!(self, Due::In(_))
    }
}

/// The moment a step falls due; `None` before the clock starts or for a
/// step without a time ("for data issues"). A real moment even when the
/// demo's window clock runs faster: the one the overlay turned "due now".
pub fn due_at(state: &State, step: &EscalationStep) -> Option<DateTime<Utc>> {
    let start = state.window_time(state.session.escalation.started.as_ref()?.at);
    let due = start + chrono::Duration::minutes(i64::from(step.due_minutes?));
    Some(state.demo_clock().map_or(due, |c| c.unscale(due)))
}

/// How soon a step is due, on the window's clock: the demo's `--speed`
/// runs it faster, as it does the header's.
pub fn due(state: &State, step: &EscalationStep) -> Option<Due> {
    let start = state.window_time(state.session.escalation.started.as_ref()?.at);
    let at = start + chrono::Duration::minutes(i64::from(step.due_minutes?));
    let secs = (at - state.window_time(state.now)).num_seconds();
    Some(if secs > 0 {
        Due::In((secs + 59) / 60)
    } else if secs > -60 {
        Due::Now
    } else {
        Due::Overdue(-secs / 60)
    })
}

pub fn open(state: &mut State) {
    state.ui.modal = Some(Modal::Escalation { step: 0 });
}

/// The overlay's own keys; `None` lets the rest fall through (`esc`...).
pub fn command(state: &mut State, cmd: Cmd) -> Option<Vec<Effect>> {
    let Some(Modal::Escalation { step }) = &mut state.ui.modal else {
        return None;
    };
    let last = state.plan.runbook.escalation.len().saturating_sub(1);
    match cmd {
        Cmd::Down => *step = (*step + 1).min(last),
        Cmd::Up => *step = step.saturating_sub(1),
        Cmd::Escalation => state.ui.modal = None,
        Cmd::Contacted => {
            let step = *step;
            if state.plan.runbook.escalation.get(step).is_none()
                || state.session.escalation.contacted.contains_key(&step)
            {
                return Some(Vec::new());
            }
            return Some(vec![Effect::Journal(Event::EscalationContacted { step })]);
        }
        _ => return None,
    }
    Some(Vec::new())
}
