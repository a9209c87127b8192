//! The runbook's escalation path as a clock. The clock starts when a
//! criterion first fires or a rollback starts; both moments come from
//! journaled records, so the start is derived in the fold (replay agrees)
//! and `update` never reads a wall clock. `space` in the overlay journals
//! [`Event::EscalationContacted`]; who and when come with the record.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::core::event::{Event, Record};
use crate::core::session::Stamp;

/// Why and when the escalation clock started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub at: DateTime<Utc>,
    /// "criterion fired: ..." or "rollback started".
    pub reason: String,
}

/// The escalation part of the session fold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Escalation {
    pub started: Option<Started>,
    /// Step index (into `Runbook::escalation`) -> the first "contacted".
    pub contacted: BTreeMap<usize, Stamp>,
}

impl Escalation {
    /// Folds a record in, after the health and rollback folds saw it:
    /// `firing` is the health verdict once `r` is applied, `fired_at` the
    /// moment the monitor judged it (a sample's time, not the batch's).
    pub fn apply(&mut self, r: &Record, firing: Option<(DateTime<Utc>, String)>) {
        if let Event::EscalationContacted { step } = &r.event {
            // The first press is the fact; a second one changes nothing.
            self.contacted.entry(*step).or_insert_with(|| Stamp::of(r));
            return;
        }
        if self.started.is_some() {
            return;
        }
        if matches!(r.event, Event::RollbackStarted { .. }) {
            self.started = Some(Started {
                at: r.ts,
                reason: "rollback started".into(),
            });
        } else if let Some((at, text)) = firing {
            self.started = Some(Started {
                at,
                reason: format!("criterion fired: {text}"),
            });
        }
    }
}
