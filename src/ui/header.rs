//! Two lines: who and what, then the window against the clock.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

use super::fit::{Part, fit};
use super::theme;
use crate::core::state::State;
use crate::core::window;
use crate::core::window::Level;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let rb = state.runbook();
    let window = state.window();
    let tz = window::zone(window.as_deref());
    let title = if rb.title.is_empty() {
        state.settings.runbook_name.as_str()
    } else {
        rb.title.as_str()
    };
    let sep = || Span::styled(" │ ", theme::dim());
    let env = &state.settings.environment;
    let env_style = if env.to_lowercase().starts_with("prod") {
        theme::red()
    } else {
        theme::amber()
    };
    let bold = ratatui::style::Modifier::BOLD;
    let mut first = Vec::new();
    if state.read_only {
        let who = state
            .session
            .started
            .as_ref()
            .map_or(state.settings.operator.as_str(), |s| s.by.as_str());
        let what = if state.replay.is_some() {
            "REPLAY"
        } else {
            "READ-ONLY MIRROR"
        };
        first.push(Part::alone(
            10,
            Span::styled(
                if state.copilot {
                    format!(" CO-PILOT — {who}'s session: no command runs here ")
                } else {
                    format!(" {what} — {who}'s session ")
                },
                theme::amber().add_modifier(ratatui::style::Modifier::REVERSED),
            ),
        ));
        // An ended session expects no update: its end says enough. A
        // replay's moment is its bar's.
        if let (Some(at), None, None) = (state.session.last_at, &state.session.ended, &state.replay)
        {
            first.push(Part::alone(
                8,
                Span::styled(
                    format!(" last update {} ago ", since(state.now - at)),
                    theme::dim(),
                ),
            ));
        }
    }
    if let Some(after) = state.settings.exec.auto_rollback_after
        && state.session.rollback.is_none()
    {
        first.push(Part::alone(
            10,
            Span::styled(
                format!(" AUTO-ROLLBACK ARMED ({}s) ", after.as_secs()),
                theme::red().add_modifier(bold),
            ),
        ));
    }
    if let Some(e) = &state.session.emergency {
        let text = match &e.approved {
            None => " EMERGENCY — waiting for a co-pilot's approval ".to_string(),
            Some(a) => format!(" EMERGENCY — approved by {} ", a.by),
        };
        let style = match &e.approved {
            None => theme::red().add_modifier(ratatui::style::Modifier::REVERSED),
            Some(_) => theme::red().add_modifier(bold),
        };
        first.push(Part::alone(10, Span::styled(text, style)));
    } else if state.settings.team.emergency {
        first.push(Part::alone(
            10,
            Span::styled(
                " EMERGENCY — waiting for a co-pilot's approval ",
                theme::red().add_modifier(ratatui::style::Modifier::REVERSED),
            ),
        ));
    }
    // A narrow terminal loses whole parts, the title first: the environment
    // and the clock are what a glance needs.
    first.extend([
        Part::alone(2, Span::styled(format!(" {title}"), theme::title())),
        Part::new(9, Span::styled(env.to_uppercase(), env_style)),
        Part::new(3, Span::raw(format!("op {}", state.settings.operator))),
        Part::new(
            7,
            Span::styled(
                window::clock_text(state.window_time(state.now), tz),
                theme::title(),
            ),
        ),
    ]);
    if !state.session.copilots.is_empty() {
        // After the operator: who else is at the keys.
        let at = first.len() - 1;
        first.insert(
            at,
            Part::new(
                4,
                Span::raw(format!("co-pilot {}", state.session.copilots.join(", "))),
            ),
        );
    }
    let width = usize::from(area.width);
    let first = fit(first, &sep(), width);

    // Most urgent first, and kept longest.
    let mut second = vec![Part::alone(10, Span::raw(" "))];
    if let Some((stamp, outcome)) = &state.session.ended {
        second.push(Part::new(
            10,
            Span::styled(
                format!(
                    "session ended: {} at {}",
                    outcome.text(),
                    stamp.at.with_timezone(&tz).format("%H:%M")
                ),
                theme::red(),
            ),
        ));
    } else if state.read_only && state.deployer_gone {
        second.push(Part::new(
            10,
            Span::styled(
                "deployer not responding (cockpit process gone)",
                theme::red().add_modifier(bold),
            ),
        ));
    }
    let mut warnings = Vec::new();
    match window.and(state.window_view()) {
        Some(v) => {
            let style = match v.level {
                Level::Calm => theme::title(),
                Level::Amber => theme::amber(),
                Level::Red => theme::red(),
            };
            second.push(Part::new(9, Span::styled(v.text, style)));
            warnings = v.warnings;
        }
        None => second.push(Part::new(
            4,
            Span::styled("no maintenance window in the runbook", theme::dim()),
        )),
    }
    for w in warnings {
        second.push(Part::new(8, Span::styled(format!("⚠ {w}"), theme::amber())));
    }
    second.push(Part::new(
        5,
        match state.session.first_step {
            Some(t) => Span::raw(format!(
                "elapsed {}",
                window::human(state.window_time(state.now) - state.window_time(t))
            )),
            None => Span::styled("not started", theme::dim()),
        },
    ));
    if state
        .session
        .health
        .config
        .as_ref()
        .is_some_and(|c| c.insecure)
    {
        second.push(Part::new(
            9,
            Span::styled("TLS NOT VERIFIED (--insecure)", theme::red()),
        ));
    }
    if let Some(e) = &state.journal_error {
        second.push(Part::new(
            10,
            Span::styled(
                if state.read_only {
                    format!("NOT FOLLOWING THE JOURNAL: {e}")
                } else {
                    format!("JOURNAL NOT WRITTEN: {e}")
                },
                theme::red(),
            ),
        ));
    }
    // The lead space is no part to separate from.
    if let Some(p) = second.get_mut(1) {
        p.joined = false;
    }
    let second = fit(second, &sep(), width);
    frame.render_widget(
        Paragraph::new(vec![first, second]).style(theme::header()),
        area,
    );
}

/// "12s", then the header's minutes ("4m", "1h02m"): seconds matter while
/// a deployer may be gone, minutes once it clearly is.
fn since(d: chrono::Duration) -> String {
    match d.num_seconds().max(0) {
        s if s < 60 => format!("{s}s"),
        _ => window::human(d),
    }
}
