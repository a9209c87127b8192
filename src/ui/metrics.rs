//! Error rate and latency against the baseline. The monitor issue fills it;
//! until then it says plainly that nothing is measured.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme;
use crate::state::State;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let block = Block::bordered()
        .border_style(theme::border())
        .title(Line::styled(" Metrics ", theme::title()));
    let text = if state.settings.health.is_empty() {
        Line::styled("no health endpoint yet", theme::dim())
    } else {
        Line::styled(
            format!(
                "{} every {:?}: not measured yet",
                state.settings.health.join(", "),
                state.settings.interval
            ),
            theme::dim(),
        )
    };
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        area,
    );
}
