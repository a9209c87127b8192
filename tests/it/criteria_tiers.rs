//! A decision table's tiers on the criteria panel: both rows stay, the
//! tier that applies carries its action, the lower one says it is
//! superseded; a metric nothing measures says "no source", in grey.

use crate::harness::cockpit::{
    Session, monitor_config, now, render, sample, screen_text, settings, verdict_states,
};
use rollout_cockpit::core::action::Cmd;
use rollout_cockpit::core::event::Event;
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::state::State;
use rollout_cockpit::domain::monitor::Outcome;
use rollout_cockpit::domain::monitor::criteria::State as C;
use rollout_cockpit::domain::runbook;

fn fixture_state() -> State {
    let path = format!(
        "{}/tests/fixtures/tier-criteria.md",
        env!("CARGO_MANIFEST_DIR")
    );
    let loaded = runbook::load(Some(std::path::Path::new(&path))).unwrap();
    State::new(Plan::new(loaded.runbook, &loaded.text), settings(), now())
}

/// A healthy baseline, then `failing` of the next 20 probes failing
/// (the minute's error rate is `failing` of 60).
fn after_failures(failing: i64) -> Session {
    let mut s = Session::new(fixture_state());
    s.record(Event::MonitorConfigured(monitor_config()));
    s.healthy(0, 40);
    s.cmd(Cmd::PinBaseline);
    let batch = (40..60)
        .map(|k| {
            if k < 40 + failing {
                sample(k, 3.0, Outcome::HttpStatus(503))
            } else {
                sample(k, 60.0, Outcome::Ok)
            }
        })
        .collect();
    s.samples(batch);
    s
}

/// 8 of 60: 13% of the minute, over both tiers.
fn at_thirteen_percent() -> Session {
    after_failures(8)
}

#[test]
fn the_tier_that_applies_carries_its_action_and_the_lower_is_superseded() {
    let s = at_thirteen_percent();
    // > 10% fired after its hold; 5-10% holds 5 minutes of its own.
    assert_eq!(
        verdict_states(&s)[..3],
        [C::Firing, C::Pending, C::NoSource]
    );
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("tiers_{w}x{h}"), render(&s.state, w, h).backend());
    }
    // Wide enough that no detail wraps.
    let text = screen_text(&s.state, 320, 50);
    assert!(
        text.contains("FIRING · err 13.3% (> 10.0% limit) · Immediate rollback"),
        "{text}"
    );
    assert!(text.contains("superseded by Error Rate >10%"), "{text}");
    assert!(
        !text.contains("Rollback within 5 min"),
        "the superseded tier's action is not the instruction: {text}"
    );
    assert!(
        text.contains("no source · throughput: no source, add --logs"),
        "{text}"
    );
}

/// Under 10% only the lower tier breaches: it is the one that applies.
#[test]
fn the_lower_tier_alone_carries_its_own_action() {
    // 4 of 60: 6.7%.
    let s = after_failures(4);
    assert_eq!(verdict_states(&s)[..2], [C::Ok, C::Pending]);
    let text = screen_text(&s.state, 320, 50);
    assert!(text.contains("Rollback within 5 min"), "{text}");
    assert!(!text.contains("superseded"), "{text}");
}
