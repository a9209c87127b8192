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

/// Feeds `log` records to tui-logger without its mover thread, which wakes
/// 100 times a second and would be most of an idle cockpit's CPU. The loop
/// calls [`tui_logger::move_events`] before each frame instead.
struct PaneLogger;

static PANE_LOGGER: PaneLogger = PaneLogger;

impl log::Log for PaneLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            tui_logger::Drain::new().log(record);
        }
    }

    fn flush(&self) {}
}

/// Installs the pane's logger (once per process; later calls do nothing).
pub fn init() {
    if log::set_logger(&PANE_LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}
