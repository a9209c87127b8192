//! The rollback criteria: always on screen, every criterion with its state and
//! the rule it applies. When one fires, the whole panel turns red and says
//! what to do; that must be readable from across the room and through tmux.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme;
use crate::event::CriterionState;
use crate::runbook::{Criterion, CriterionKind, Rule, Unit};
use crate::state::State;

pub const FIRING_TITLE: &str = " ROLLBACK CRITERIA MET — press R ";

/// Rows the panel wants: a border, a line of state and text, and a rule line
/// per criterion.
pub fn wanted_height(state: &State) -> u16 {
    let n = state.runbook().criteria.len().max(1);
    u16::try_from(n * 2 + 2).unwrap_or(u16::MAX)
}

fn number(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

/// The rule in words: what number, compared with what.
pub fn rule_text(c: &Criterion) -> String {
    let metric = match c.kind {
        CriterionKind::ErrorRate => "error rate",
        CriterionKind::Latency => "p95 latency",
        CriterionKind::Manual => return "operator's call".to_string(),
    };
    let t = c.threshold.map(number).unwrap_or_else(|| "?".into());
    let unit = match c.unit {
        Some(Unit::Percent) => "%",
        Some(Unit::Millis) => " ms",
        None => "",
    };
    match c.rule {
        Some(Rule::IncreasePoints) => format!("{metric} > base +{t} pp"),
        Some(Rule::IncreasePercent) => format!("{metric} > base +{t}%"),
        Some(Rule::Above) => format!("{metric} > {t}{unit}"),
        None => format!("{metric}: no rule"),
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let firing = state.session.firing();
    let (panel, title) = if firing {
        (theme::alarm(), Line::styled(FIRING_TITLE, theme::alarm()))
    } else {
        (
            Style::new(),
            Line::styled(" Rollback criteria ", theme::title()),
        )
    };
    let block = Block::bordered()
        .border_style(if firing {
            theme::alarm()
        } else {
            theme::border()
        })
        .title(title)
        .style(panel);
    let criteria = &state.runbook().criteria;
    let mut lines = Vec::new();
    if criteria.is_empty() {
        lines.push(Line::styled(
            "the runbook names no rollback criteria",
            theme::amber(),
        ));
    }
    for (i, c) in criteria.iter().enumerate() {
        let st = state.session.criteria.get(i);
        let s = st.map_or(CriterionState::Collecting, |s| s.state);
        let (word, style) = match s {
            CriterionState::Collecting => ("collecting", theme::dim()),
            CriterionState::Ok => ("ok", theme::ok()),
            CriterionState::Pending => ("pending", theme::amber()),
            CriterionState::Firing => ("FIRING", theme::alarm()),
        };
        // On the red panel every word stays white: colour is the panel's.
        let style = if firing && s != CriterionState::Firing {
            theme::alarm()
        } else {
            style
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{word:<10} "), style),
            Span::raw(c.text.clone()),
        ]));
        let detail = st
            .and_then(|s| s.detail.clone())
            .unwrap_or_else(|| rule_text(c));
        lines.push(Line::styled(
            format!("           {detail}"),
            if firing { theme::alarm() } else { theme::dim() },
        ));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
