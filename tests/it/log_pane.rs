//! The application log inside the cockpit: counts folded into errors per
//! minute and the `log_errors` criterion (with the session's own clock),
//! exits and restarts as the pane and a replay see them, the filter, the
//! zoom, and the pane as the deployer sees it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::harness::cockpit::{Session, now, render, screen_text, terp};
use chrono::{DateTime, Duration, Utc};
use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::event::Event;
use rollout_cockpit::core::screen::Mode;
use rollout_cockpit::core::state::State;
use rollout_cockpit::core::update::logs;
use rollout_cockpit::domain::exec::{Line, Stream};
use rollout_cockpit::domain::logs::{ErrorPatterns, LogCount, LogMsg};
use rollout_cockpit::domain::monitor::criteria::{Kind, State as C};

const CMD: &str = "railway logs";

fn streaming(errors_above: Option<f64>) -> Session {
    let mut s = Session::new(terp());
    s.record(Event::LogStreamConfigured {
        command_masked: CMD.into(),
        patterns: ErrorPatterns::default().sources().to_vec(),
        errors_above,
    });
    s
}

fn second(k: i64) -> DateTime<Utc> {
    now() - Duration::minutes(120) + Duration::seconds(k)
}

/// One `LogCounts` record per second from `from`, `errors` of `lines` each.
fn counts(s: &mut Session, from: i64, n: i64, lines: u32, errors: u32) {
    for k in from..from + n {
        s.record(Event::LogCounts {
            counts: vec![LogCount {
                at: second(k),
                lines,
                errors,
                ..LogCount::default()
            }],
        });
    }
}

fn log_verdict(s: &Session) -> (C, String) {
    let h = &s.state.session.health;
    let i = h
        .engine
        .checks
        .iter()
        .position(|c| c.kind == Kind::LogErrors)
        .expect("a log criterion");
    (
        h.engine.verdicts[i].state,
        h.engine.verdicts[i].text.clone(),
    )
}

fn lines(s: &mut Session, texts: &[&str]) {
    let lines = texts
        .iter()
        .map(|t| Line::new(Stream::Stdout, *t))
        .collect();
    logs::message(&mut s.state, LogMsg::Lines { lines, skipped: 0 });
}

#[test]
fn errors_per_minute_fire_the_log_criterion_after_the_hold() {
    let mut s = streaming(Some(10.0));
    assert_eq!(log_verdict(&s).0, C::Collecting);
    // 1 error line in 100 a second: the 11th second breaches "> 10/min".
    counts(&mut s, 0, 10, 100, 1);
    let (state, text) = log_verdict(&s);
    assert_eq!(state, C::Ok, "{text}");
    assert!(text.contains("log 10/min"), "{text}");
    counts(&mut s, 10, 1, 100, 1);
    assert_eq!(log_verdict(&s).0, C::Pending);
    // The panel counts down the hold: the breach began at the 11th second.
    s.act(Action::Clock(second(14)));
    let screen = screen_text(&s.state, 120, 40);
    assert!(screen.contains("fires in 7s"), "{screen}");
    // The default hold is 10 s of the counts' own time.
    counts(&mut s, 11, 9, 100, 1);
    assert_eq!(log_verdict(&s).0, C::Pending);
    counts(&mut s, 20, 1, 100, 1);
    let (state, text) = log_verdict(&s);
    assert_eq!(state, C::Firing, "{text}");
    assert!(text.contains("log 21/min (> 10/min limit)"), "{text}");
    assert!(
        s.state.session.firing(),
        "a firing log criterion fires the panel"
    );
    let screen = screen_text(&s.state, 120, 40);
    assert!(screen.contains("ROLLBACK CRITERIA MET"), "{screen}");

    // Quiet for a minute: the errors leave the window, then the hold passes.
    counts(&mut s, 21, 60, 100, 0);
    assert_eq!(log_verdict(&s).0, C::Ok);
    let rate = &s.state.session.health.log_rate;
    assert_eq!((rate.total_lines, rate.total_errors), (8100, 21));

    // A replay of the same journal reaches the same verdicts.
    let again = State::replay(
        s.state.plan.clone(),
        s.state.settings.clone(),
        s.state.now,
        &s.records,
    );
    assert_eq!(again.session.health.engine, s.state.session.health.engine);
}

#[test]
fn without_a_limit_there_is_no_log_criterion_but_the_rate_is_shown() {
    let mut s = streaming(None);
    assert!(
        !s.state
            .session
            .health
            .engine
            .checks
            .iter()
            .any(|c| c.kind == Kind::LogErrors)
    );
    counts(&mut s, 0, 5, 20, 2);
    lines(&mut s, &["INFO ready"]);
    let screen = screen_text(&s.state, 120, 40);
    assert!(screen.contains("10 err/min"), "{screen}");
}

#[test]
fn an_exit_shows_until_the_stream_counts_again() {
    let mut s = streaming(Some(10.0));
    counts(&mut s, 0, 3, 10, 0);
    let exit = logs::message(
        &mut s.state,
        LogMsg::Exited {
            code: Some(1),
            signal: None,
            error: None,
            restart_in: std::time::Duration::from_secs(4),
        },
    );
    for e in exit {
        if let rollout_cockpit::core::effect::Effect::Journal(ev) = e {
            s.record(ev);
        }
    }
    let down = s.state.session.logs.down().expect("down");
    assert_eq!(down.text(), "exited 1, restarting in 4 s");
    let screen = screen_text(&s.state, 120, 40);
    assert!(screen.contains("✗ exited 1"), "{screen}");
    // Counts after the exit: the stream is back.
    s.record(Event::LogCounts {
        counts: vec![LogCount {
            at: now(),
            lines: 1,
            ..LogCount::default()
        }],
    });
    assert!(s.state.session.logs.down().is_none());
    let screen = screen_text(&s.state, 120, 40);
    assert!(screen.contains("App log ▶ up"), "{screen}");
    assert!(screen.contains(CMD), "{screen}");
}

#[test]
fn l_zooms_slash_filters_and_esc_unwinds_both() {
    let mut s = streaming(None);
    lines(
        &mut s,
        &[
            r#"10.0.0.7 - - "GET /api/orders HTTP/1.1" 200 5023"#,
            r#"10.0.0.8 - - "GET /api/orders HTTP/1.1" 502 12"#,
            "2026-11-24T23:01:02Z ERROR payment failed",
            "2026-11-24T23:01:03Z INFO payment retried",
        ],
    );
    s.cmd(Cmd::ZoomLogs);
    assert_eq!(s.state.mode(), Mode::Logs);
    s.cmd(Cmd::Search);
    s.type_text("payment");
    // Live while typing.
    let typing = screen_text(&s.state, 80, 24);
    assert!(typing.contains("filter /payment"), "{typing}");
    assert!(!typing.contains("GET /api/orders"), "{typing}");
    s.cmd(Cmd::Submit);
    assert_eq!(s.state.logs.filter.as_deref(), Some("payment"));
    let filtered = screen_text(&s.state, 80, 24);
    assert!(filtered.contains("ERROR payment failed"), "{filtered}");
    assert!(filtered.contains("INFO payment retried"), "{filtered}");
    assert!(!filtered.contains("502"), "{filtered}");
    s.cmd(Cmd::Cancel);
    assert_eq!(s.state.logs.filter, None);
    assert!(s.state.logs.zoom, "esc clears the filter first");
    s.cmd(Cmd::Cancel);
    assert!(!s.state.logs.zoom);
    assert_eq!(s.state.mode(), Mode::Normal);
}

#[test]
fn l_without_a_stream_says_how_to_start_one() {
    let mut s = Session::new(terp());
    s.cmd(Cmd::ZoomLogs);
    assert!(!s.state.logs.zoom);
    let screen = screen_text(&s.state, 80, 24);
    assert!(
        screen.contains("no log stream: start one with --logs CMD"),
        "{screen}"
    );
}

#[test]
fn scrolling_the_zoomed_pane_stops_following() {
    let mut s = streaming(None);
    let many: Vec<String> = (1..=200).map(|i| format!("line {i}")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    lines(&mut s, &refs);
    s.cmd(Cmd::ZoomLogs);
    s.act(Action::Cmd(Cmd::PageUp));
    let screen = screen_text(&s.state, 80, 24);
    assert!(screen.contains("scrolled (f follows)"), "{screen}");
    assert!(!screen.contains("line 200"), "{screen}");
    s.cmd(Cmd::Follow);
    let screen = screen_text(&s.state, 80, 24);
    assert!(screen.contains("line 200"), "{screen}");
}

fn snapshot_state() -> Session {
    let mut s = streaming(Some(10.0));
    counts(&mut s, 0, 30, 40, 1);
    lines(
        &mut s,
        &[
            r#"10.0.0.7 - - [24/Nov/2026:23:01:02 +0000] "GET /api/orders HTTP/1.1" 200 5023"#,
            "2026-11-24T23:01:02Z INFO order 1842 shipped",
            r#"10.0.0.8 - - [24/Nov/2026:23:01:03 +0000] "POST /api/pay HTTP/1.1" 502 12"#,
            "2026-11-24T23:01:03Z ERROR payment gateway timeout after 5000ms",
            "2026-11-24T23:01:04Z WARN retrying payment 1842",
            r#"10.0.0.9 - - [24/Nov/2026:23:01:04 +0000] "GET /health HTTP/1.1" 200 88"#,
        ],
    );
    s
}

#[test]
fn snapshots_of_the_log_pane() {
    let mut s = snapshot_state();
    // The strip under the panes on a big screen; none at 80x24.
    insta::assert_snapshot!("log_strip_120x40", screen_text(&s.state, 120, 40));
    insta::assert_snapshot!("log_strip_80x24", screen_text(&s.state, 80, 24));
    s.cmd(Cmd::ZoomLogs);
    insta::assert_snapshot!("log_zoom_80x24", screen_text(&s.state, 80, 24));
    insta::assert_snapshot!("log_zoom_120x40", screen_text(&s.state, 120, 40));
    // Tiny: no panic.
    let _ = render(&s.state, 20, 5);
    let _ = render(&s.state, 40, 12);
}

#[test]
fn the_report_sums_the_stream() {
    let mut s = streaming(Some(10.0));
    counts(&mut s, 0, 90, 50, 1);
    s.record(Event::LogStreamExited {
        code: Some(1),
        signal: None,
        error: None,
        restart_in_ms: 2000,
    });
    let report = rollout_cockpit::report::render(&s.state.plan, &s.records, &[]);
    assert!(report.contains("## Application log"), "{report}");
    assert!(report.contains("`railway logs`"), "{report}");
    assert!(report.contains("Lines: 4500, error lines: 90"), "{report}");
    assert!(report.contains("Worst minute: 60 error lines"), "{report}");
    assert!(report.contains("exited 1, restarting in 2 s"), "{report}");
    assert!(
        report.contains("log stream started"),
        "the timeline: {report}"
    );
}

/// An access log: 12 requests a second for 30 s, a 5xx in every third
/// second (10 of 360, 2.8%): the title shows the throughput and the share,
/// and the error-rate criterion reads it, saying so.
#[test]
fn snapshots_of_an_access_log() {
    let mut s = streaming(None);
    for k in 0..30 {
        s.record(Event::LogCounts {
            counts: vec![LogCount {
                at: second(k),
                lines: 12,
                errors: u32::from(k % 3 == 0),
                requests: 12,
                server_errors: u32::from(k % 3 == 0),
            }],
        });
    }
    lines(
        &mut s,
        &[
            r#"10.0.0.7 - - [24/Nov/2026:23:01:02 +0000] "GET /api/orders HTTP/1.1" 200 5023 "-" "shop/2.1""#,
            r#"10.0.0.8 - - [24/Nov/2026:23:01:03 +0000] "POST /api/pay HTTP/1.1" 502 12 "-" "shop/2.1""#,
            r#"10.0.0.9 - - [24/Nov/2026:23:01:04 +0000] "GET /api/products HTTP/1.1" 200 881 "-" "shop/2.1""#,
        ],
    );
    let stats = s.state.session.health.stats;
    assert_eq!(stats.throughput, Some(12.0));
    assert_eq!(
        stats.requests.map(|r| (r.total, r.server_errors)),
        Some((360, 10))
    );
    let strip = screen_text(&s.state, 120, 40);
    assert!(strip.contains("12 req/s, 5xx 2.8%"), "{strip}");
    assert!(strip.contains("err 2.8% (access"), "{strip}");
    insta::assert_snapshot!("access_strip_120x40", strip);
    s.cmd(Cmd::ZoomLogs);
    insta::assert_snapshot!("access_zoom_80x24", screen_text(&s.state, 80, 24));
}
