//! The whole screen, as the deployer sees it, at three sizes: fresh, with
//! ticks, with a modal open, with a criterion firing; and too small.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::harness::cockpit::{self, Session, render, screen_text, terp};
use rollout_cockpit::core::action::Cmd;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];

fn snap(name: &str, session: &Session) {
    for (w, h) in SIZES {
        let t = render(&session.state, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

#[test]
fn fresh_terp_plan() {
    let s = Session::new(terp());
    snap("fresh", &s);
    let text = screen_text(&s.state, 120, 40);
    assert!(text.contains("23:41 EST"), "{text}");
    assert!(text.contains("22:00-02:00 EST, 2h19m left"), "{text}");
    assert!(text.contains("Checklist 0/65"), "{text}");
    assert!(text.contains("no health endpoint yet"), "{text}");
}

fn ticked() -> Session {
    let mut s = Session::new(terp());
    s.go("Changes deployed to staging");
    s.cmd(Cmd::Tick);
    s.cmd(Cmd::Down);
    s.cmd(Cmd::Tick);
    s.cmd(Cmd::Down);
    s.cmd(Cmd::NotApplicable);
    s.type_text("validated in QA instead");
    s.cmd(Cmd::Submit);
    s.cmd(Cmd::Down);
    s.cmd(Cmd::Note);
    s.type_text("asked #qa");
    s.cmd(Cmd::Submit);
    s
}

#[test]
fn some_items_ticked() {
    let s = ticked();
    snap("ticked", &s);
    let text = screen_text(&s.state, 120, 40);
    assert!(text.contains("☑ Changes deployed to staging"), "{text}");
    assert!(text.contains("⊘ Changes validated in staging"), "{text}");
    assert!(text.contains("Checklist 3/65"), "{text}");
    assert!(text.contains("3/4"), "section progress: {text}");
}

#[test]
fn command_modal_open() {
    let mut s = Session::new(terp());
    s.go("Step 4: Deploy Application");
    s.cmd(Cmd::Open);
    snap("modal", &s);
    assert!(screen_text(&s.state, 120, 40).contains("railway"));
}

#[test]
fn help_lists_the_keymap() {
    let mut s = Session::new(terp());
    s.cmd(Cmd::Help);
    let text = screen_text(&s.state, 120, 40);
    insta::assert_snapshot!("help_120x40", render(&s.state, 120, 40).backend());
    assert!(text.contains("tick / untick"), "{text}");
}

#[test]
fn quit_confirm() {
    let mut s = Session::new(terp());
    s.cmd(Cmd::Quit);
    assert!(screen_text(&s.state, 80, 24).contains("Quit the cockpit?"));
}

#[test]
fn criteria_firing_turns_the_panel_red() {
    let s = cockpit::degraded();
    snap("firing", &s);
    for (w, h) in SIZES {
        let text = screen_text(&s.state, w, h);
        assert!(
            text.contains("ROLLBACK CRITERIA MET — press R"),
            "{w}x{h}:\n{text}"
        );
        assert!(text.contains("FIRING"), "{w}x{h}:\n{text}");
    }
    let t = render(&s.state, 80, 24);
    let buf = t.backend().buffer();
    let red = (0..buf.area.width)
        .flat_map(|x| (0..buf.area.height).map(move |y| (x, y)))
        .filter(|&p| buf[p].bg == ratatui::style::Color::Red)
        .count();
    assert!(red > 200, "the panel is red, not just a word ({red} cells)");
}

#[test]
fn tiny_terminals_say_so_and_never_panic() {
    let s = ticked();
    insta::assert_snapshot!("too_small_20x5", render(&s.state, 20, 5).backend());
    for (w, h) in [
        (0, 0),
        (1, 1),
        (39, 12),
        (40, 11),
        (30, 8),
        (40, 12),
        (41, 13),
    ] {
        let text = screen_text(&s.state, w, h);
        if w < 40 || h < 12 {
            assert!(
                w < 10 || text.contains("too small") || text.contains("terminal"),
                "{w}x{h}: {text}"
            );
        }
    }
    // Every size from tiny to 80x24 with a modal open: no panic anywhere.
    let mut m = ticked();
    m.cmd(Cmd::Help);
    for w in (0..=82).step_by(3) {
        for h in (0..=26).step_by(2) {
            render(&m.state, w, h);
        }
    }
}

#[test]
fn outside_the_window_warns_first() {
    use rollout_cockpit::core::action::Action;
    let mut s = Session::new(terp());
    // Monday 2025-01-13, 15:00 in New York.
    let monday = chrono::DateTime::parse_from_rfc3339("2025-01-13T20:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    s.act(Action::Clock(monday));
    insta::assert_snapshot!("outside_window_80x24", render(&s.state, 80, 24).backend());
    let text = screen_text(&s.state, 80, 24);
    assert!(text.contains("⚠ outside the window: emergency?"), "{text}");
    assert!(text.contains("starts in 7h00m"), "{text}");
}

/// The demo as `rollout-cockpit demo` opens it on a Monday afternoon (outside
/// the TERP window, not a preferred day): the tour is up and the header has
/// no warning, because the demo's window opens when the demo starts.
fn demo_at_start() -> Session {
    use rollout_cockpit::core::event::DemoClock;
    use rollout_cockpit::core::modal::Modal;
    use rollout_cockpit::core::plan::Plan;
    use rollout_cockpit::core::state::State;
    use rollout_cockpit::domain::runbook;
    let monday = chrono::DateTime::parse_from_rfc3339("2025-01-13T20:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    // The runbook as written: the demo's clock opens the window.
    let loaded = runbook::load(None).unwrap();
    let mut settings = cockpit::settings();
    settings.demo = Some(DemoClock {
        speed: 20.0,
        origin: monday,
    });
    let mut state = State::new(Plan::new(loaded.runbook, &loaded.text), settings, monday);
    state.ui.modal = Some(Modal::Tour);
    Session::new(state)
}

/// The README's five demo steps are the tour's, key for key: a user who
/// reads one and does the other is never told a key that does nothing.
#[test]
fn the_readme_lists_the_tours_steps() {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let at = readme.find("A first-run overlay lists five").unwrap();
    let mut steps: Vec<String> = Vec::new();
    let mut item: Option<String> = None;
    for event in Parser::new(&readme[at..]) {
        match event {
            Event::Start(Tag::Item) => item = Some(String::new()),
            Event::End(TagEnd::Item) => steps.extend(item.take()),
            Event::End(TagEnd::List(_)) => break,
            Event::Text(t) | Event::Code(t) => {
                if let Some(i) = &mut item {
                    i.push_str(&t);
                }
            }
            _ => {}
        }
    }
    let steps: Vec<String> = steps
        .iter()
        .map(|s| s.trim_end_matches('.').replace("`", ""))
        .collect();
    let s = demo_at_start();
    let screen = screen_text(&s.state, 120, 40);
    let tour: Vec<String> = screen
        .lines()
        .filter_map(|l| {
            l.split('│').find_map(|cell| {
                let (n, rest) = cell.trim().split_once(". ")?;
                n.parse::<u8>().ok().map(|_| rest.trim().to_string())
            })
        })
        .collect();
    assert_eq!(tour.len(), 5, "{screen}");
    assert_eq!(steps, tour);
}

#[test]
fn the_demo_opens_with_its_tour_and_no_window_warning() {
    let mut s = demo_at_start();
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(
            format!("demo_tour_{w}x{h}"),
            render(&s.state, w, h).backend()
        );
        let text = screen_text(&s.state, w, h);
        assert!(text.contains("Try this"), "{text}");
        assert!(text.contains("15:00-19:00 EST, 4h00m left"), "{text}");
        assert!(!text.contains('⚠'), "{text}");
    }
    // esc dismisses; ? brings the tour back, ? again shows the keys.
    s.cmd(Cmd::Cancel);
    assert_eq!(s.state.ui.modal, None);
    assert!(!screen_text(&s.state, 120, 40).contains('⚠'));
    s.cmd(Cmd::Help);
    assert_eq!(
        s.state.ui.modal,
        Some(rollout_cockpit::core::modal::Modal::Tour)
    );
    s.cmd(Cmd::Help);
    assert_eq!(
        s.state.ui.modal,
        Some(rollout_cockpit::core::modal::Modal::Help)
    );
    s.cmd(Cmd::Help);
    assert_eq!(s.state.ui.modal, None);
}

#[test]
fn the_demo_window_clock_runs_at_its_speed() {
    use rollout_cockpit::core::action::Action;
    let mut s = demo_at_start();
    s.cmd(Cmd::Cancel);
    // Six real minutes at speed 20: two hours on the window clock.
    let later = s.state.now + chrono::Duration::minutes(6);
    s.act(Action::Clock(later));
    let text = screen_text(&s.state, 120, 40);
    assert!(text.contains("17:00 EST"), "{text}");
    assert!(text.contains("15:00-19:00 EST, 2h00m left"), "{text}");
    assert!(!text.contains('⚠'), "{text}");
}

#[test]
fn only_the_quit_confirm_offers_quit_with_report() {
    let mut s = Session::new(terp());
    s.cmd(Cmd::Quit);
    assert!(screen_text(&s.state, 120, 40).contains("r quit + report"));
    s.cmd(Cmd::Cancel);
    s.go("Step 4: Deploy Application");
    s.cmd(Cmd::Open);
    assert!(!screen_text(&s.state, 120, 40).contains("quit + report"));
}

/// Probes and Prometheus together: a healthy probe, and a fleet whose
/// error rate stepped to 7.2% after a pin at 0.4%.
fn with_prometheus() -> Session {
    use rollout_cockpit::core::event::Event;
    use rollout_cockpit::domain::monitor::prometheus::{Queries, Reading};
    use rollout_cockpit::domain::monitor::record::PrometheusSource;
    let mut s = Session::new(terp());
    let mut config = cockpit::monitor_config();
    config.prometheus = Some(Box::new(PrometheusSource {
        url: "http://prom:9090/".into(),
        queries: Queries::new(None, &Default::default(), &[]),
    }));
    s.record(Event::MonitorConfigured(config));
    s.healthy(0, 40);
    let base = cockpit::now() - chrono::Duration::seconds(120);
    let reading = |k: i64, err: Option<f64>| Reading {
        error_rate: err,
        p95: err.map(|_| 110.0),
        throughput: err.map(|_| 99.5),
        ..Reading::empty(base + chrono::Duration::seconds(k))
    };
    // The probes came first: Prometheus's readings are judged from there.
    for k in 10..40 {
        s.record(Event::PrometheusReading {
            reading: Box::new(reading(k, Some(0.4))),
        });
    }
    s.cmd(Cmd::PinBaseline);
    for k in 40..=52 {
        s.record(Event::PrometheusReading {
            reading: Box::new(reading(k, Some(7.2))),
        });
    }
    s
}

#[test]
fn prometheus_figures_beside_the_probe_s() {
    let s = with_prometheus();
    snap("prometheus", &s);
    let text = screen_text(&s.state, 120, 40);
    assert!(text.contains("prom err 7.2%"), "{text}");
    assert!(text.contains("(prometheus)"), "{text}");
    assert!(text.contains("ROLLBACK CRITERIA MET"), "{text}");
    // The probe's own line still counts the probes.
    assert!(text.contains("err 0.0% (n="), "{text}");
    for (w, h) in [(20, 5), (40, 12), (0, 0)] {
        render(&s.state, w, h);
    }
}

#[test]
fn a_silent_prometheus_is_no_data_not_its_last_figure() {
    use rollout_cockpit::core::event::Event;
    use rollout_cockpit::domain::monitor::prometheus::Reading;
    let mut s = with_prometheus();
    let at = cockpit::now() - chrono::Duration::seconds(120) + chrono::Duration::seconds(53);
    let mut silent = Reading::empty(at);
    silent
        .problems
        .push("error rate: cannot reach Prometheus: connection refused".into());
    s.record(Event::PrometheusReading {
        reading: Box::new(silent),
    });
    let text = screen_text(&s.state, 120, 40);
    assert!(
        text.contains("prom no data: error rate: cannot rea"),
        "{text}"
    );
    assert!(!text.contains("prom err 7.2%"), "{text}");
    insta::assert_snapshot!(
        "prometheus_silent_80x24",
        render(&s.state, 80, 24).backend()
    );
}

/// `run --emergency` with a co-pilot connected: the header says what the
/// deployer waits for and who is there; the approval rows say
/// `2nd person`; once bob approves and ticks, the header and the row name
/// him. The co-pilot's own screen offers `A` first.
#[test]
fn an_emergency_waits_for_the_co_pilot_and_names_them() {
    use chrono::Duration;
    use rollout_cockpit::core::event::{Event, Record, Target};
    let mut s = Session::new(terp());
    s.state.settings.team.emergency = true;
    s.record(cockpit::terp_started(&cockpit::plan()));
    s.record(Event::EmergencyDeclared {});
    let approval = match s.go("Technical lead approval") {
        rollout_cockpit::core::outline::Row::Item(i) => Target::Item(i),
        other => panic!("{other:?}"),
    };
    let by_bob = |s: &mut Session, event| {
        let r = Record {
            seq: s.records.len() as u64 + 1,
            ts: cockpit::now() - Duration::minutes(30),
            by: "bob".into(),
            event,
        };
        s.state.session.apply(&r);
        s.records.push(r);
    };
    by_bob(&mut s, Event::CopilotJoined { user: "bob".into() });
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(
            format!("emergency_waiting_{w}x{h}"),
            render(&s.state, w, h).backend()
        );
    }
    insta::assert_snapshot!("emergency_20x5", render(&s.state, 20, 5).backend());
    let text = screen_text(&s.state, 120, 40);
    assert!(
        text.contains("EMERGENCY — waiting for a co-pilot's approval")
            && text.contains("co-pilot bob"),
        "{text}"
    );
    assert!(
        text.contains("Technical lead approval  2nd person"),
        "{text}"
    );

    // The co-pilot's screen: the same session, `A` offered first.
    let mut co = s.state.clone();
    co.read_only = true;
    co.copilot = true;
    let keys = rollout_cockpit::config::keys::Keymap::default().copilot();
    let t = cockpit::render_with(&co, &keys, 120, 40);
    let text = cockpit::terminal_text(&t);
    assert!(text.contains("A approve emergency"), "{text}");
    insta::assert_snapshot!("emergency_copilot_120x40", t.backend());

    by_bob(&mut s, Event::EmergencyApproved {});
    by_bob(&mut s, Event::Ticked { target: approval });
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(
            format!("emergency_approved_{w}x{h}"),
            render(&s.state, w, h).backend()
        );
    }
    let text = screen_text(&s.state, 120, 40);
    assert!(text.contains("EMERGENCY — approved by bob"), "{text}");
    assert!(text.contains("✓ bob"), "{text}");
    assert!(
        !text.contains("Technical lead approval  2nd person"),
        "{text}"
    );
}
