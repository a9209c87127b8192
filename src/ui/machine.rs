//! One line: this machine's CPU and memory (the plan's "Check memory and CPU
//! usage"), sampled by a worker every 2 s, never in render.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme;
use crate::core::state::State;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let mut spans = vec![Span::styled(" this machine ", theme::dim())];
    match state.machine {
        Some(m) => {
            let mem_pct = if m.mem_total == 0 {
                0.0
            } else {
                m.mem_used as f64 * 100.0 / m.mem_total as f64
            };
            let level = |pct: f64| {
                if pct >= 90.0 {
                    theme::red()
                } else if pct >= 75.0 {
                    theme::amber()
                } else {
                    ratatui::style::Style::new()
                }
            };
            spans.push(Span::raw("cpu "));
            spans.push(Span::styled(
                format!("{:.0}%", m.cpu_percent),
                level(f64::from(m.cpu_percent)),
            ));
            spans.push(Span::raw("  mem "));
            spans.push(Span::styled(
                format!(
                    "{:.1}/{:.1} GiB ({mem_pct:.0}%)",
                    m.mem_used as f64 / GIB,
                    m.mem_total as f64 / GIB
                ),
                level(mem_pct),
            ));
        }
        None => spans.push(Span::styled("cpu … mem … (measuring)", theme::dim())),
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
