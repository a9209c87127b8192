//! The rollback as the journal tells it: started (by whom, why, with which
//! metrics), each step's result, finished.

use chrono::{DateTime, Utc};

use crate::core::event::{Event, Record, RollbackMetrics, RollbackResult, StepResult};
use crate::core::session::Stamp;

/// The journal's rollback.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackLog {
    pub stamp: Stamp,
    pub trigger: String,
    /// Started by the auto-rollback after the criterion fired this long (s).
    pub automatic_after_s: Option<u64>,
    pub metrics: RollbackMetrics,
    /// Which procedure (see [`crate::domain::runbook::Runbook::procedure`]).
    pub procedure: usize,
    /// The alternatives picked at choice steps: (step, option, title, who).
    pub choices: Vec<(usize, Option<usize>, String, Stamp)>,
    pub steps: Vec<(usize, String, StepResult, DateTime<Utc>)>,
    pub finished: Option<(RollbackResult, DateTime<Utc>)>,
}

impl RollbackLog {
    /// Folds the rollback's records; `None` stays `None` until it starts.
    pub fn apply(log: &mut Option<RollbackLog>, r: &Record) {
        match &r.event {
            Event::RollbackStarted {
                trigger,
                metrics,
                procedure,
                automatic_after_s,
            } => {
                *log = Some(RollbackLog {
                    stamp: Stamp::of(r),
                    trigger: trigger.clone(),
                    automatic_after_s: *automatic_after_s,
                    metrics: metrics.clone(),
                    procedure: *procedure,
                    choices: Vec::new(),
                    steps: Vec::new(),
                    finished: None,
                });
            }
            Event::RollbackChoice {
                step,
                option,
                title,
            } => {
                if let Some(l) = log {
                    l.choices
                        .push((*step, *option, title.clone(), Stamp::of(r)));
                }
            }
            Event::RollbackStep {
                step,
                title,
                result,
            } => {
                if let Some(l) = log {
                    l.steps.push((*step, title.clone(), *result, r.ts));
                }
            }
            Event::RollbackFinished { result } => {
                if let Some(l) = log {
                    l.finished = Some((*result, r.ts));
                }
            }
            _ => {}
        }
    }
}
