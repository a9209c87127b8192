//! The monitor inside the cockpit: samples folded into the window, the
//! baseline pinned (by `b`, given, or automatically), manual criteria
//! toggled from the focused criteria panel, replay equal to the live
//! state, and the panes as the deployer sees them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::harness::cockpit::{
    Session, degraded, monitor_config, now, plan, render, sample, sample_at, screen_text, settings,
    terp,
};
use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::effect::Effect;
use rollout_cockpit::core::event::Event;
use rollout_cockpit::core::screen::Focus;
use rollout_cockpit::core::screen::Mode;
use rollout_cockpit::core::state::State;
use rollout_cockpit::core::update::update;
use rollout_cockpit::domain::monitor::criteria::State as C;
use rollout_cockpit::domain::monitor::{BaselineSource, Outcome};
use rollout_cockpit::journal::{self, Journal};

fn configured() -> Session {
    let mut s = Session::new(terp());
    s.record(Event::MonitorConfigured(monitor_config()));
    s
}

use crate::harness::cockpit::verdict_states as states;

#[test]
fn samples_fold_into_the_window_numbers() {
    let mut s = configured();
    let mut batch: Vec<_> = (0..9)
        .map(|k| sample(k, 10.0 * (k + 1) as f64, Outcome::Ok))
        .collect();
    batch.push(sample(9, 0.0, Outcome::Timeout));
    s.samples(batch);
    let st = s.state.session.health.stats;
    assert_eq!((st.samples, st.failures), (10, 1));
    assert_eq!(st.error_rate, Some(10.0));
    assert_eq!(
        (st.p50, st.p95),
        (Some(50.0), Some(90.0)),
        "the timeout is no latency"
    );
    let text = screen_text(&s.state, 120, 40);
    assert!(text.contains("err 10.0% (n=10)"), "{text}");
    assert!(text.contains("p95 90 ms"), "{text}");
}

#[test]
fn b_with_three_samples_pins_at_the_tenth() {
    let mut s = configured();
    s.healthy(0, 3);
    let effects = update(&mut s.state, Action::Cmd(Cmd::PinBaseline));
    let want = Event::BaselineRequested {
        source: BaselineSource::Operator,
    };
    assert_eq!(effects, vec![Effect::Journal(want.clone())]);
    assert!(want.is_human(), "the operator's pin is fsync'd");
    s.record(want);
    assert!(s.state.session.health.baseline().is_none());
    let text = screen_text(&s.state, 120, 40);
    assert!(
        text.contains("baseline: pins at sample 10 (3/10)"),
        "{text}"
    );
    s.healthy(3, 6);
    assert!(s.state.session.health.baseline().is_none(), "9 samples");
    s.healthy(9, 1);
    let b = s.state.session.health.baseline().unwrap().clone();
    assert_eq!((b.samples, b.source), (10, BaselineSource::Operator));
    assert_eq!(
        b.pinned_at,
        sample(9, 0.0, Outcome::Ok).sample.ts,
        "at the 10th sample"
    );
    assert!(screen_text(&s.state, 120, 40).contains("base err 0.0% p95"));
    assert_eq!(states(&s)[2], C::Ok, "armed once the baseline exists");
    // Its window holds what came after the ask: the screen says so, at
    // every size, in the words that fit.
    let asked = s.state.session.health.pin.asked_at.expect("asked before");
    let late = (b.pinned_at - asked).num_seconds();
    assert!(late > 0, "{late}");
    let wide = screen_text(&s.state, 200, 50);
    assert!(wide.contains(&format!("· pinned {late}s late")), "{wide}");
    let narrow = screen_text(&s.state, 120, 40);
    assert!(narrow.contains("180 ms · late"), "{narrow}");
    // A pin taken at once from the window as it was says nothing of it.
    // (`act` journals what `update` asks for, as the loop does.)
    s.cmd(Cmd::PinBaseline);
    assert_eq!(s.state.session.health.pin.asked_at, None);
    assert!(!screen_text(&s.state, 200, 50).contains("late"));
}

#[test]
fn with_enough_samples_b_pins_at_once_with_the_window_numbers() {
    let mut s = configured();
    s.healthy(0, 20);
    s.cmd(Cmd::PinBaseline);
    let Some(Event::BaselinePinned {
        samples,
        source,
        latency_ms,
        ..
    }) = s.records.last().map(|r| r.event.clone())
    else {
        panic!("no pin journaled");
    };
    assert_eq!((samples, source), (20, BaselineSource::Operator));
    assert_eq!(latency_ms, s.state.session.health.stats.p95);
}

#[test]
fn a_pin_with_a_log_rate_folds_into_the_baseline() {
    let mut s = configured();
    s.healthy(0, 20);
    s.record(Event::BaselinePinned {
        error_rate: 0.0,
        latency_ms: Some(5.0),
        samples: 20,
        source: BaselineSource::Operator,
        log_errors_per_min: Some(4.0),
        requests: None,
        throughput: None,
    });
    let b = s.state.session.health.baseline().unwrap();
    assert_eq!((b.samples, b.log_errors_per_min), (20, Some(4.0)));
}

#[test]
fn a_given_baseline_holds_and_auto_never_replaces_it() {
    let mut setup = rollout_cockpit::core::settings::MonitorSetup {
        config: Some(monitor_config()),
        given: Some((0.5, 120.0)),
        ..Default::default()
    };
    let mut s = Session::new(terp());
    for ev in setup.startup_events() {
        s.record(ev);
    }
    let b = s.state.session.health.baseline().unwrap().clone();
    assert_eq!(
        (b.error_rate, b.latency_ms, b.source),
        (0.5, Some(120.0), BaselineSource::Given)
    );
    s.healthy(0, 20);
    assert!(update(&mut s.state, Action::PinBaseline(BaselineSource::Auto)).is_empty());
    // Even journaled (an older runner), an auto pin does not replace it.
    s.record(Event::BaselinePinned {
        error_rate: 9.0,
        latency_ms: Some(1.0),
        samples: 20,
        source: BaselineSource::Auto,
        log_errors_per_min: None,
        requests: None,
        throughput: None,
    });
    assert_eq!(
        s.state.session.health.baseline().unwrap().source,
        BaselineSource::Given
    );
    // The operator's does.
    s.cmd(Cmd::PinBaseline);
    assert_eq!(
        s.state.session.health.baseline().unwrap().source,
        BaselineSource::Operator
    );
    setup.config = None;
    assert!(
        setup.startup_events().is_empty(),
        "nothing to probe, nothing journaled"
    );
}

#[test]
fn auto_pins_when_there_is_no_baseline() {
    let mut s = configured();
    s.healthy(0, 12);
    s.act(Action::PinBaseline(BaselineSource::Auto));
    let b = s.state.session.health.baseline().unwrap();
    assert_eq!((b.source, b.samples), (BaselineSource::Auto, 12));
    assert!(!s.records.last().unwrap().event.is_human());
}

#[test]
fn a_manual_criterion_toggled_from_the_focused_panel_fires_at_once() {
    let mut s = configured();
    s.cmd(Cmd::FocusNext);
    assert_eq!(s.state.ui.focus, Focus::Criteria);
    assert_eq!(s.state.mode(), Mode::Criteria);
    s.cmd(Cmd::Down);
    assert_eq!(
        s.state.ui.criterion, 1,
        "j moves in the criteria, not the checklist"
    );
    let effects = update(&mut s.state, Action::Cmd(Cmd::ToggleCriterion));
    assert_eq!(
        effects,
        vec![Effect::Journal(Event::CriterionToggled { criterion: 1 })]
    );
    assert!(Event::CriterionToggled { criterion: 1 }.is_human());
    s.cmd(Cmd::ToggleCriterion);
    assert_eq!(states(&s)[1], C::Firing);
    assert!(s.state.session.firing());
    let stamp = &s.state.session.health.toggles[&1];
    assert_eq!(stamp.by, "alice");
    let text = screen_text(&s.state, 120, 40);
    assert!(text.contains("ROLLBACK CRITERIA MET"), "{text}");
    assert!(text.contains("fired by alice"), "{text}");
    // A measured criterion cannot be toggled.
    s.cmd(Cmd::Down);
    s.cmd(Cmd::ToggleCriterion);
    assert_eq!(states(&s)[2], C::Collecting);
    assert!(s.state.ui.flash.is_some());
    // Toggling again clears it; Tab gives the keys back to the checklist.
    s.cmd(Cmd::Up);
    s.cmd(Cmd::ToggleCriterion);
    assert!(!s.state.session.firing());
    s.cmd(Cmd::FocusNext);
    assert_eq!(s.state.mode(), Mode::Normal);
}

#[test]
fn degradation_goes_pending_then_firing_on_the_samples_clock() {
    let s = degraded();
    let st = states(&s);
    assert_eq!(st[2], C::Firing, "error rate");
    assert_eq!(st[3], C::Pending, "latency");
    let v = &s.state.session.health.engine.verdicts;
    assert_eq!(
        v[2].text,
        "err 16.7% vs 0.0% base (+16.7 pp > +5 pp, p<0.001)"
    );
    assert_eq!(v[3].text, "p95 412 ms vs 180 ms base (+129% > +50%)");
    let fired = s
        .state
        .session
        .health
        .transitions
        .iter()
        .find(|t| t.to == C::Firing)
        .unwrap();
    assert_eq!(fired.criterion, 2);
    // Fired 10 s (the hold) after the breach began, by the samples' clock:
    // the first 503 (second 40), which the fourth (second 46) dates it from.
    let first_503 = now() - chrono::Duration::seconds(120) + chrono::Duration::seconds(40);
    assert_eq!(fired.at, first_503 + chrono::Duration::seconds(10));
    let pending = s
        .state
        .session
        .health
        .transitions
        .iter()
        .find(|t| t.criterion == 2 && t.to == C::Pending)
        .unwrap();
    assert_eq!((fired.at - pending.at).num_seconds(), 4);
}

#[test]
fn replaying_samples_pins_and_toggles_gives_the_live_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::create(dir.path()).unwrap();
    let mut live = terp();
    let mut t = now();
    let mut write = |live: &mut State, ev: Event| {
        t += chrono::Duration::milliseconds(700);
        let r = journal.append("alice", t, ev).unwrap();
        live.session.apply(&r);
    };
    write(&mut live, Event::MonitorConfigured(monitor_config()));
    for k in 0..3 {
        write(
            &mut live,
            Event::Samples {
                samples: vec![sample(k, 50.0, Outcome::Ok)],
            },
        );
    }
    for e in update(&mut live, Action::Cmd(Cmd::PinBaseline)) {
        let Effect::Journal(ev) = e else { continue };
        write(&mut live, ev);
    }
    // Against a clean 10-probe baseline (floored at 6.7%), the 8th failure
    // is significant: fired 10 s later.
    for k in 3..56 {
        let outcome = if k > 25 && k % 2 == 0 {
            Outcome::HttpStatus(500)
        } else {
            Outcome::Ok
        };
        write(
            &mut live,
            Event::Samples {
                samples: vec![sample(k, 60.0, outcome)],
            },
        );
    }
    write(&mut live, Event::CriterionToggled { criterion: 4 });
    assert!(live.session.health.baseline().is_some());
    assert!(
        live.session
            .health
            .transitions
            .iter()
            .any(|t| t.to == C::Firing && t.criterion == 2)
    );
    let records = journal::read(journal.path()).unwrap();
    let replayed = State::replay(plan(), settings(), now(), &records);
    assert_eq!(replayed.session, live.session);
    assert_eq!(replayed.session.health.engine, live.session.health.engine);
}

// ---- screens -------------------------------------------------------------

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap(name: &str, s: &Session) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(&s.state, w, h).backend());
    }
    render(&s.state, 20, 5);
}

#[test]
fn metrics_while_collecting() {
    let mut s = configured();
    s.healthy(0, 7);
    snap("metrics_collecting", &s);
    for (w, h) in SIZES {
        let text = screen_text(&s.state, w, h);
        assert!(
            text.contains("baseline: collecting (7/10 samples)"),
            "{w}x{h}\n{text}"
        );
    }
}

/// Two probes say nothing yet: the panel says "no data" in grey, not "ok"
/// and not a figure it could not judge.
#[test]
fn two_probes_are_no_data_on_the_panel() {
    let mut s = configured();
    s.healthy(0, 2);
    for (w, h) in SIZES {
        let text = screen_text(&s.state, w, h);
        assert!(
            text.contains("no data · err —, only 2 probes"),
            "{w}x{h}\n{text}"
        );
        assert!(
            text.contains("no data · p95 —, only 2 probes"),
            "{w}x{h}\n{text}"
        );
        // Manual criteria are the operator's call: not "ok" either.
        assert!(text.contains("manual · operator's call"), "{w}x{h}\n{text}");
        assert!(!text.contains(" ok ·"), "{w}x{h}\n{text}");
    }
}

/// The pin hint names the key this keymap binds, and none in a mirror,
/// where pinning is not the mirror's to do.
#[test]
fn the_pin_hint_names_the_bound_key_or_none() {
    use rollout_cockpit::config::keys::Keymap;
    let mut s = configured();
    s.healthy(0, 7);
    let text = |k: &Keymap| {
        crate::harness::cockpit::terminal_text(&crate::harness::cockpit::render_with(
            &s.state, k, 200, 50,
        ))
    };
    assert!(text(&Keymap::default()).contains("(7/10 samples) · b pins"));
    let keys = [("pin_baseline".to_string(), vec!["B".to_string()])].into();
    let rebound = Keymap::with_overrides(&keys).unwrap();
    assert!(text(&rebound).contains("(7/10 samples) · B pins"));
    let mirror = text(&Keymap::default().read_only());
    assert!(mirror.contains("(7/10 samples)"), "{mirror}");
    assert!(!mirror.contains("pins"), "{mirror}");
}

#[test]
fn metrics_details_and_criteria_when_degraded() {
    let s = degraded();
    snap("degraded", &s);
    let text = screen_text(&s.state, 120, 40);
    assert!(text.contains("status degraded"), "{text}");
    assert!(text.contains("pool 1/10 free 3 queued"), "{text}");
    assert!(text.contains("base err 0.0% p95 180 ms"), "{text}");
    assert!(text.contains("pending · p95 412 ms vs 180 ms"), "{text}");
    // Failed intervals are full red bars, in the error and the latency lines.
    let t = render(&s.state, 120, 40);
    let buf = t.backend().buffer();
    let red_bars = (0..buf.area.width)
        .flat_map(|x| (0..buf.area.height).map(move |y| (x, y)))
        .filter(|&p| buf[p].symbol() == "█" && buf[p].fg == ratatui::style::Color::Red)
        .count();
    assert_eq!(red_bars, 2 * 10, "10 failed intervals, in both sparklines");
    // "degraded" is amber, not red.
    let at = text.find("status degraded").unwrap();
    let row = text[..at].matches('\n').count() as u16;
    let col = text[..at].lines().last().unwrap().chars().count() as u16 + 7;
    assert_eq!(buf[(col, row)].fg, ratatui::style::Color::Yellow);
    let small = screen_text(&s.state, 80, 24);
    assert!(small.contains("ROLLBACK CRITERIA MET"), "{small}");
    assert!(small.contains("FIRING · err 16.7% vs 0.0% base"), "{small}");
}

/// "+5" at the end of a line over a lone "pp" reads as another rule: at
/// every width the unit stays with its number.
#[test]
fn pp_is_never_alone_on_a_line() {
    let s = degraded();
    for w in 80..=140 {
        let t = render(&s.state, w, 40);
        let buf = t.backend().buffer();
        for y in 0..buf.area.height {
            let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            for cell in row.split('│') {
                assert!(
                    !cell.trim_start().starts_with("pp"),
                    "{w} columns, row {y}: {row}"
                );
            }
        }
    }
}

#[test]
fn criteria_panel_focused() {
    let mut s = configured();
    s.healthy(0, 30);
    s.cmd(Cmd::PinBaseline);
    s.cmd(Cmd::FocusNext);
    s.cmd(Cmd::Down);
    snap("criteria_focused", &s);
    let text = screen_text(&s.state, 80, 24);
    assert!(text.contains("space toggles"), "{text}");
    assert!(text.contains("▸ Data integrity issues"), "{text}");
    assert!(text.contains("space toggle"), "the footer: {text}");
}

#[test]
fn insecure_probing_is_red_in_the_header() {
    let mut s = Session::new(terp());
    let mut c = monitor_config();
    c.insecure = true;
    s.record(Event::MonitorConfigured(c));
    let text = screen_text(&s.state, 120, 40);
    assert!(text.contains("TLS NOT VERIFIED"), "{text}");
}

/// 1 Hz probes as a worker takes them: on a phase 2 ms before a whole
/// second, each 0 to 9 ms late; `skip` seconds are never probed, `fail`
/// ones are refused. Steady 40-46 ms, no baseline.
fn probed(n: i64, skip: std::ops::Range<i64>, fail: &[i64]) -> Session {
    let mut s = configured();
    let start = now() - chrono::Duration::seconds(120);
    let batch = (0..n)
        .filter(|k| !skip.contains(k))
        .map(|k| {
            let ts = start + chrono::Duration::milliseconds(k * 1000 - 2 + (k * 7) % 10);
            if fail.contains(&k) {
                sample_at(ts, 1.0, Outcome::Refused)
            } else {
                sample_at(ts, 40.0 + (k % 3) as f64 * 3.0, Outcome::Ok)
            }
        })
        .collect();
    s.samples(batch);
    s
}

/// The sparkline after `label` ("err ", "p95 ") in the metrics pane: its
/// columns up to the pane's border.
fn spark(text: &str, label: &str) -> String {
    let bars = "▁▂▃▄▅▆▇█·";
    text.lines()
        .find_map(|l| {
            let (_, rest) = l.split_once(&format!("│{label}"))?;
            let line: String = rest.chars().take_while(|&c| c != '│').collect();
            line.chars()
                .any(|c| bars.contains(c))
                .then(|| line.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no {label:?} sparkline in\n{text}"))
}

#[test]
fn a_steady_healthy_series_draws_every_column_at_mid_height() {
    let s = probed(70, 0..0, &[]);
    snap("metrics_steady", &s);
    // 80x24 leaves the pane room for the figures and the baseline only.
    let small = screen_text(&s.state, 80, 24);
    assert!(small.contains("err 0.0% (n=60)  p95 46 ms"), "{small}");
    let text = screen_text(&s.state, 120, 40);
    let err = spark(&text, "err ");
    let lat = spark(&text, "p95 ");
    // One probe in every column: no dot, all healthy.
    assert_eq!(err, "▁".repeat(32), "{text}");
    // With no baseline, 40-46 ms is a line around the middle, not a wall
    // of full bars.
    assert_eq!(lat.chars().count(), 32, "{lat}");
    assert!(lat.chars().all(|c| "▄▅".contains(c)), "{lat}");
    assert!(
        !text.contains("last probe") && !text.contains("ago:"),
        "{text}"
    );
}

#[test]
fn a_gap_and_refused_probes_are_the_only_lost_columns() {
    let s = probed(70, 50..55, &[60, 61]);
    snap("metrics_gap", &s);
    let small = screen_text(&s.state, 80, 24);
    assert!(small.contains("err 3.6% (n=55)"), "{small}");
    let text = screen_text(&s.state, 120, 40);
    let err = spark(&text, "err ");
    let lat = spark(&text, "p95 ");
    // 12 healthy, 5 s never probed, 5 healthy, 2 refused, 8 healthy.
    assert_eq!(err, "▁▁▁▁▁▁▁▁▁▁▁▁·····▁▁▁▁▁██▁▁▁▁▁▁▁▁", "{text}");
    let lost: String = lat.chars().filter(|c| "·█".contains(*c)).collect();
    assert_eq!(lost, "·····██", "{lat}");
    assert_eq!(lat.find('·'), err.find('·'), "{lat}");
    assert!(text.contains("failed 8s ago: connection refused"), "{text}");
    // Refused columns are red in both lines; the gap is not.
    let t = render(&s.state, 120, 40);
    let buf = t.backend().buffer();
    let red_bars = (0..buf.area.width)
        .flat_map(|x| (0..buf.area.height).map(move |y| (x, y)))
        .filter(|&p| buf[p].symbol() == "█" && buf[p].fg == ratatui::style::Color::Red)
        .count();
    assert_eq!(red_bars, 2 * 2);
}

#[test]
fn the_newest_probe_failing_says_last_probe() {
    let s = probed(70, 0..0, &[69]);
    let text = screen_text(&s.state, 120, 40);
    assert!(text.contains("last probe: connection refused"), "{text}");
}
