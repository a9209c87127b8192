//! The cockpit's own log (tui-logger), toggled with `l`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Block;
use tui_logger::{TuiLoggerLevelOutput, TuiLoggerWidget};

use super::{ViewState, theme};

pub fn render(frame: &mut Frame, area: Rect, view: &ViewState) {
    let widget = TuiLoggerWidget::default()
        .block(
            Block::bordered()
                .border_style(theme::border())
                .title(Line::styled(" Log ", theme::title())),
        )
        .output_timestamp(Some("%H:%M:%S".to_string()))
        .output_level(Some(TuiLoggerLevelOutput::Abbreviated))
        .output_target(false)
        .output_file(false)
        .output_line(false)
        .style_error(theme::red())
        .style_warn(theme::amber())
        .state(&view.log);
    frame.render_widget(widget, area);
}
