//! The health keys: pin the baseline, the criteria panel's focus and its
//! manual criteria. The fold is [`crate::core::session::health`].

use crate::core::action::Cmd;
use crate::core::effect::Effect;
use crate::core::event::Event;
use crate::core::screen::Focus;
use crate::core::state::State;
use crate::domain::monitor::criteria::{self, Kind};
use crate::domain::monitor::{Baseline, BaselineSource};

/// `b`, or the runner's automatic pin: a `BaselinePinned` with the window's
/// numbers when it holds enough samples, else a request that the fold
/// completes at the 10th sample. An automatic pin never replaces a baseline
/// (nor a pending request).
pub fn pin(state: &mut State, source: BaselineSource) -> Vec<Effect> {
    let h = &state.session.health;
    // An access log alone is something to pin: its requests are answers of
    // the service, as probes are.
    if h.config.is_none() && h.stats.requests.is_none() {
        state.ui.flash = Some("no health endpoint and no access log: nothing to pin".into());
        return Vec::new();
    }
    if source == BaselineSource::Auto && (h.pin.baseline.is_some() || h.pin.requested.is_some()) {
        return Vec::new();
    }
    let event = match Baseline::from_stats(&h.pin_stats(), source, state.now, h.pin.max_error_rate)
    {
        Some(b) => Event::BaselinePinned {
            error_rate: b.error_rate,
            latency_ms: b.latency_ms,
            samples: b.samples,
            source,
            log_errors_per_min: b.log_errors_per_min,
            requests: b.requests,
            throughput: b.throughput,
        },
        None => Event::BaselineRequested { source },
    };
    vec![Effect::Journal(event)]
}

/// Keys while the criteria panel has the focus; `None` leaves the key to
/// the checklist's handling (help, quit, baseline...).
pub fn criteria_command(state: &mut State, cmd: Cmd) -> Option<Vec<Effect>> {
    let engine = &state.session.health.engine;
    let count = engine
        .judged()
        .filter(|(c, v)| !criteria::is_quiet_service_down(c, v))
        .count();
    let sel = &mut state.ui.criterion;
    match cmd {
        Cmd::Up => *sel = sel.saturating_sub(1),
        Cmd::Down => *sel = (*sel + 1).min(count.saturating_sub(1)),
        Cmd::Top => *sel = 0,
        Cmd::Bottom => *sel = count.saturating_sub(1),
        Cmd::ToggleCriterion | Cmd::Tick => return Some(toggle(state)),
        _ => return None,
    }
    Some(Vec::new())
}

fn toggle(state: &mut State) -> Vec<Effect> {
    let i = state.ui.criterion;
    match state.session.health.engine.checks.get(i) {
        // A co-pilot's toggle is journaled by the deployer's cockpit.
        Some(c) if c.kind == Kind::Manual && state.copilot => {
            vec![Effect::Send(crate::core::copilot::Request::Criterion {
                criterion: i,
            })]
        }
        Some(c) if c.kind == Kind::Manual => {
            vec![Effect::Journal(Event::CriterionToggled { criterion: i })]
        }
        Some(_) => {
            state.ui.flash =
                Some("measured criteria follow the numbers; only manual ones toggle".into());
            Vec::new()
        }
        None => Vec::new(),
    }
}

pub fn focus_next(state: &mut State) {
    state.ui.focus = match state.ui.focus {
        Focus::Checklist => Focus::Criteria,
        Focus::Criteria => Focus::Checklist,
    };
}
