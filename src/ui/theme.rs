//! Every colour the cockpit uses, in one place. Red means "act now" and is
//! used for nothing else; amber means "soon"; the rest stays quiet so that red
//! stands out on a tired operator's screen and through a tmux mirror.

use ratatui::style::{Color, Modifier, Style};

pub const RED: Color = Color::Red;
pub const AMBER: Color = Color::Yellow;
pub const GREEN: Color = Color::Green;

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}
pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}
pub fn ok() -> Style {
    Style::new().fg(GREEN)
}
pub fn amber() -> Style {
    Style::new().fg(AMBER).add_modifier(Modifier::BOLD)
}
pub fn red() -> Style {
    Style::new().fg(RED).add_modifier(Modifier::BOLD)
}
/// The whole criteria panel once a criterion fires.
pub fn alarm() -> Style {
    Style::new()
        .fg(Color::White)
        .bg(RED)
        .add_modifier(Modifier::BOLD)
}
pub fn header() -> Style {
    Style::new().bg(Color::Rgb(28, 32, 40)).fg(Color::White)
}
pub fn selected() -> Style {
    // With NO_COLOR set crossterm drops every colour, this background too:
    // reverse video is what still marks the row.
    if crossterm::style::Colored::ansi_color_disabled_memoized() {
        return Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED);
    }
    Style::new()
        .bg(Color::Rgb(50, 60, 80))
        .add_modifier(Modifier::BOLD)
}
pub fn key() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}
pub fn border() -> Style {
    Style::new().fg(Color::Gray)
}
pub fn command() -> Style {
    Style::new().fg(Color::Cyan)
}
