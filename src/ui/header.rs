//! Two lines: who and what, then the window against the clock.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme;
use crate::core::state::State;
use crate::core::state::clock::{self, Level};

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let rb = state.runbook();
    let window = state.window();
    let tz = clock::zone(window.as_deref());
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
    let mut first = Vec::new();
    if state.read_only {
        let who = state
            .session
            .started
            .as_ref()
            .map_or(state.settings.operator.as_str(), |s| s.by.as_str());
        first.push(Span::styled(
            format!(" READ-ONLY MIRROR — {who}'s session "),
            theme::amber().add_modifier(ratatui::style::Modifier::REVERSED),
        ));
        // An ended session expects no update: its end says enough.
        if let (Some(at), None) = (state.session.last_at, &state.session.ended) {
            first.push(Span::styled(
                format!(" last update {} ago ", since(state.now - at)),
                theme::dim(),
            ));
        }
    }
    if let Some(after) = state.settings.exec.auto_rollback_after
        && state.session.rollback.is_none()
    {
        first.push(Span::styled(
            format!(" AUTO-ROLLBACK ARMED ({}s) ", after.as_secs()),
            theme::red().add_modifier(ratatui::style::Modifier::BOLD),
        ));
    }
    first.extend([
        Span::styled(format!(" {title}"), theme::title()),
        sep(),
        Span::styled(env.to_uppercase(), env_style),
        sep(),
        Span::raw(format!("op {}", state.settings.operator)),
        sep(),
        Span::styled(
            clock::clock_text(state.window_time(state.now), tz),
            theme::title(),
        ),
    ]);
    let first = Line::from(first);

    let mut second = vec![Span::raw(" ")];
    if let Some((stamp, outcome)) = &state.session.ended {
        second.push(Span::styled(
            format!(
                "session ended: {} at {}",
                outcome.text(),
                stamp.at.with_timezone(&tz).format("%H:%M")
            ),
            theme::red(),
        ));
        second.push(sep());
    } else if state.read_only && state.deployer_gone {
        second.push(Span::styled(
            "deployer not responding (cockpit process gone)",
            theme::red().add_modifier(ratatui::style::Modifier::BOLD),
        ));
        second.push(sep());
    }
    // Most urgent first: a narrow terminal cuts the line from the right.
    let mut warnings = Vec::new();
    match window.and(state.window_view()) {
        Some(v) => {
            let style = match v.level {
                Level::Calm => theme::title(),
                Level::Amber => theme::amber(),
                Level::Red => theme::red(),
            };
            second.push(Span::styled(v.text, style));
            warnings = v.warnings;
        }
        None => second.push(Span::styled(
            "no maintenance window in the runbook",
            theme::dim(),
        )),
    }
    for w in warnings {
        second.push(sep());
        second.push(Span::styled(format!("⚠ {w}"), theme::amber()));
    }
    second.push(sep());
    match state.session.first_step {
        Some(t) => second.push(Span::raw(format!(
            "elapsed {}",
            clock::human(state.window_time(state.now) - state.window_time(t))
        ))),
        None => second.push(Span::styled("not started", theme::dim())),
    }
    if state
        .session
        .health
        .config
        .as_ref()
        .is_some_and(|c| c.insecure)
    {
        second.push(sep());
        second.push(Span::styled("TLS NOT VERIFIED (--insecure)", theme::red()));
    }
    if let Some(e) = &state.journal_error {
        second.push(sep());
        second.push(Span::styled(
            if state.read_only {
                format!("NOT FOLLOWING THE JOURNAL: {e}")
            } else {
                format!("JOURNAL NOT WRITTEN: {e}")
            },
            theme::red(),
        ));
    }
    frame.render_widget(
        Paragraph::new(vec![first, Line::from(second)]).style(theme::header()),
        area,
    );
}

/// "12s", then the header's minutes ("4m", "1h02m"): seconds matter while
/// a deployer may be gone, minutes once it clearly is.
fn since(d: chrono::Duration) -> String {
    match d.num_seconds().max(0) {
        s if s < 60 => format!("{s}s"),
        _ => clock::human(d),
    }
}
