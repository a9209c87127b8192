//! The 4-hour session's probes, shared by the benches that generate it.

use chrono::{DateTime, Utc};
use rollout_cockpit::domain::monitor::{HealthDetails, Outcome, ProbeSample, Sample};

/// Probe `k` (of `url`) at `second` of the session: one failure in 200
/// probes, and a slow patch every half hour.
pub fn probe(
    second: i64,
    k: usize,
    url: &str,
    ts: DateTime<Utc>,
    details: &Option<HealthDetails>,
) -> ProbeSample {
    let failed = (second + k as i64) % 200 == 0;
    let slow = (second / 60) % 30 == 29;
    ProbeSample {
        sample: Sample {
            ts,
            url: url.to_string(),
            latency_ms: if slow {
                120.0
            } else {
                40.0 + (second % 9) as f64
            },
            outcome: if failed {
                Outcome::HttpStatus(503)
            } else {
                Outcome::Ok
            },
        },
        details: (!failed).then(|| details.clone()).flatten(),
    }
}
