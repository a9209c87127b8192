//! Tiers of one metric: a decision table's "5-10% → rollback within 5 min"
//! and "> 10% → immediate rollback" are two criteria over the same number,
//! each with its own hold, and both rows stay. When both breach, the higher
//! one is the tier that applies: its action is what the operator does, and
//! the lower row is superseded rather than a second, milder instruction.

use super::criteria::{Check, Limit, State, Verdict};

/// The criterion that supersedes criterion `i`: the highest other one over
/// the same metric (and percentile) whose absolute limit is above `i`'s,
/// breaching (pending or firing) while `i` is. `None` when `i` is itself
/// the tier that applies, or no tier at all.
pub fn superseded_by(checks: &[Check], verdicts: &[Verdict], i: usize) -> Option<usize> {
    let (check, verdict) = (checks.get(i)?, verdicts.get(i)?);
    let Some(Limit::Above(own)) = check.limit else {
        return None;
    };
    if !breaching(verdict.state) {
        return None;
    }
    checks
        .iter()
        .zip(verdicts)
        .enumerate()
        .filter(|(j, (c, v))| {
            *j != i
                && c.kind == check.kind
                && c.percentile == check.percentile
                && breaching(v.state)
        })
        .filter_map(|(j, (c, _))| match c.limit {
            Some(Limit::Above(n)) if n > own => Some((j, n)),
            _ => None,
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(j, _)| j)
}

fn breaching(s: State) -> bool {
    matches!(s, State::Pending | State::Firing)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{DateTime, TimeDelta, Utc};

    use super::*;
    use crate::domain::monitor::criteria::{self, Engine, Settings};
    use crate::domain::monitor::window::Stats;

    /// real/03's "Decision Matrix", as teams write it.
    const MATRIX: &str = "# Rollback\n\n## Decision Matrix\n\n\
        | Metric | Threshold | Action | Severity |\n\
        |--------|-----------|---------|---------|\n\
        | Error Rate | >10% | Immediate rollback | P0 |\n\
        | Error Rate | 5-10% | Rollback within 5 min | P1 |\n\
        | Latency P95 | >5s | Immediate rollback | P1 |\n";

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T03:00:00Z")
            .unwrap()
            .to_utc()
            + TimeDelta::seconds(s)
    }

    fn minute_at(err: f64) -> Stats {
        let failures = (err * 0.6).round() as usize;
        Stats {
            samples: 60,
            failures,
            ok: 60 - failures,
            error_rate: Some(err),
            p50: Some(80.0),
            p90: Some(90.0),
            p95: Some(100.0),
            p99: Some(120.0),
            ..Stats::default()
        }
    }

    fn tiers_at(engine: &Engine) -> Vec<Option<usize>> {
        (0..2)
            .map(|i| superseded_by(&engine.checks, &engine.verdicts, i))
            .collect()
    }

    #[test]
    fn the_highest_breaching_tier_applies_and_supersedes_the_lower() {
        let rb = crate::domain::runbook::parse(MATRIX);
        assert_eq!(rb.criteria.len(), 3, "{:?}", rb.criteria);
        assert_eq!(rb.criteria[0].action.as_deref(), Some("Immediate rollback"));
        assert_eq!(
            rb.criteria[1].action.as_deref(),
            Some("Rollback within 5 min")
        );
        let settings = Settings {
            hold: Duration::from_secs(10),
            ..Settings::default()
        };
        let mut engine = Engine::new(criteria::checks(&rb.criteria, &settings), settings);
        let states = |e: &Engine| e.verdicts[..2].iter().map(|v| v.state).collect::<Vec<_>>();

        // 7%: only the 5-10% tier breaches; it applies, held 5 minutes.
        engine.evaluate(&minute_at(7.0), None, at(0));
        assert_eq!(states(&engine), [State::Ok, State::Pending]);
        assert_eq!(tiers_at(&engine), [None, None]);

        // 12%: both breach; > 10% fires after its 10 s hold and the 5-10%
        // row, still pending on its own 5 minutes, is superseded by it.
        engine.evaluate(&minute_at(12.0), None, at(20));
        engine.evaluate(&minute_at(12.0), None, at(31));
        assert_eq!(states(&engine), [State::Firing, State::Pending]);
        assert_eq!(tiers_at(&engine), [None, Some(0)]);

        // Five minutes on, both fire: the higher tier still applies.
        engine.evaluate(&minute_at(12.0), None, at(400));
        assert_eq!(states(&engine), [State::Firing, State::Firing]);
        assert_eq!(tiers_at(&engine), [None, Some(0)]);

        // Latency is another metric: never a tier of the error rate.
        assert_eq!(superseded_by(&engine.checks, &engine.verdicts, 2), None);
    }
}
