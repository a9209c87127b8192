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

/// Rows the panel needs at `width` to show every criterion whole.
pub fn wanted_height(state: &State, width: u16) -> u16 {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines(state)
        .iter()
        .map(|l| {
            let w = l.width();
            // Word wrapping can leave a ragged edge: one spare row per wrap.
            if w <= inner { 1 } else { w.div_ceil(inner) + 1 }
        })
        .sum();
    u16::try_from(rows + 2).unwrap_or(u16::MAX)
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
        CriterionKind::ErrorRate => "err",
        CriterionKind::Latency => "p95",
        CriterionKind::Manual => return "operator's call".to_string(),
    };
    let t = c.threshold.map(number).unwrap_or_else(|| "?".into());
    let unit = match c.unit {
        Some(Unit::Percent) => "%",
        Some(Unit::Millis) => " ms",
        None => "",
    };
    match c.rule {
        Some(Rule::IncreasePoints) => format!("{metric} > baseline +{t} pp"),
        Some(Rule::IncreasePercent) => format!("{metric} > baseline +{t}%"),
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
    frame.render_widget(
        Paragraph::new(lines(state))
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn lines(state: &State) -> Vec<Line<'static>> {
    let firing = state.session.firing();
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
        let text_style = if firing {
            theme::alarm()
        } else {
            theme::title()
        };
        lines.push(Line::styled(c.text.clone(), text_style));
        let detail = st
            .and_then(|s| s.detail.clone())
            .unwrap_or_else(|| rule_text(c));
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(word, style),
            Span::styled(
                format!(" · {detail}"),
                if firing { theme::alarm() } else { theme::dim() },
            ),
        ]));
    }
    lines
}
