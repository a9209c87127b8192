//! The runbook a session runs and its outline: read once, never changed.

use std::sync::Arc;

use crate::core::outline::Outline;
use crate::domain::runbook::Runbook;

/// The runbook and its outline. Compared by content hash, so a state rebuilt
/// from a re-parsed runbook equals the original.
#[derive(Debug, Clone)]
pub struct Plan {
    pub runbook: Arc<Runbook>,
    pub outline: Arc<Outline>,
    pub hash: String,
    /// The rows the runbook itself marks as approvals: only someone other
    /// than the deployer may tick them, in every session of it.
    pub approvals: Arc<std::collections::BTreeSet<crate::core::event::Target>>,
}

impl PartialEq for Plan {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash
    }
}

impl Plan {
    pub fn new(runbook: Runbook, text: &str) -> Plan {
        let outline = Outline::new(&runbook);
        let approvals = crate::domain::runbook::approvals::two_person(&runbook, &[], "")
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.row.into())
            .collect();
        Plan {
            runbook: Arc::new(runbook),
            outline: Arc::new(outline),
            hash: fnv1a(text),
            approvals: Arc::new(approvals),
        }
    }
}

/// Hex FNV-1a 64: enough to notice a changed runbook, no extra dependency.
pub fn fnv1a(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
