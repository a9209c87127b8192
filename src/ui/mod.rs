//! The cockpit screen: a pure function of `&State`, plus [`ViewState`] for
//! widget cursors. One call per pane.
//!
//! 120 columns and wider:
//! ```text
//! ┌ header: title │ ENV │ op │ 23:41 EST / window, left, elapsed, warnings ┐
//! ├──────────────────┬────────────────────────┬─────────────────────────────┤
//! │ checklist        │ output                 │ rollback criteria           │
//! │                  ├────────────────────────┤                             │
//! │                  │ metrics                │                             │
//! ├──────────────────┴────────────────────────┴─────────────────────────────┤
//! │ log (l toggles)                                                          │
//! │ this machine: cpu, mem                                                   │
//! │ footer: key hints from the keymap                                        │
//! ```
//! Narrower (80x24): checklist | criteria over output over metrics; the
//! criteria keep the height they need, output and metrics shrink or go.
//! Once a command has run, its output keeps at least one line (how it
//! ended, and `z`); `z` gives the output pane the whole body anywhere.
//! Below 40x12: "terminal too small". Sizes come from `Layout`, never from
//! subtraction, so no size can underflow.

mod applog;
mod checklist;
pub mod criteria;
mod fit;
mod footer;
mod header;
mod health;
pub mod log;
mod machine;
mod metrics;
mod modal;
pub mod output;
pub mod theme;
mod timeline;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{ListState, Paragraph, Wrap};
use tui_logger::TuiWidgetState;

use crate::config::keys::Keymap;
use crate::core::action::Cmd;
use crate::core::state::State;

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;
/// From here on the three-column layout.
pub const WIDE: u16 = 120;

/// What render may change: widget cursors, and the keymap the hints show.
pub struct ViewState {
    pub list: ListState,
    pub log: TuiWidgetState,
    pub keymap: Keymap,
    /// Rows the checklist showed last frame (a page for PgUp/PgDn).
    pub checklist_rows: u16,
    /// Rows of the help that did not fit last frame: how far it scrolls.
    pub overlay_hidden: u16,
}

impl ViewState {
    pub fn new(keymap: Keymap) -> ViewState {
        ViewState {
            list: ListState::default(),
            log: TuiWidgetState::new(),
            keymap,
            checklist_rows: 10,
            overlay_hidden: 0,
        }
    }
}

pub fn render(frame: &mut Frame, state: &State, view: &mut ViewState) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = vec![
            Line::styled("terminal too small", theme::amber()),
            Line::raw(format!(
                "{}x{}, need {MIN_WIDTH}x{MIN_HEIGHT}",
                area.width, area.height
            )),
        ];
        frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let log_height = match (state.ui.show_log, area.height) {
        (false, _) => 0,
        (true, h) if h >= 40 => 10,
        (true, _) => 6,
    };
    // The application log gets a strip where there is room; `L` gives it
    // the whole body anywhere.
    let streaming = state.session.logs.command.is_some();
    let app_height = match (streaming && !state.logs.zoom, area.height) {
        (false, _) => 0,
        (true, h) if h >= 40 => 9,
        (true, h) if h >= 30 => 7,
        (true, _) => 0,
    };
    let [top, body, app_area, log_area, strip, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(6),
        Constraint::Length(app_height),
        Constraint::Length(log_height),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(frame, top, state);
    if state.logs.zoom {
        applog::render(frame, body, state, &view.keymap);
    } else if state.exec.zoom {
        output::render(frame, body, state, &view.keymap);
    } else if area.width >= WIDE {
        wide(frame, body, state, view);
    } else {
        narrow(frame, body, state, view);
    }
    if app_height > 0 {
        applog::render(frame, app_area, state, &view.keymap);
    }
    if log_height > 0 {
        log::render(frame, log_area, view);
    }
    match &state.replay {
        Some(bar) => timeline::render(frame, strip, state, bar),
        None => machine::render(frame, strip, state),
    }
    footer::render(frame, foot, state, view);
    banner(frame, body, state, view);
    modal::render(frame, area, state, view);
}

/// The auto-rollback countdown: full width, over the top of the body.
fn banner(frame: &mut Frame, body: Rect, state: &State, view: &ViewState) {
    let Some((ends, criterion)) = &state.auto.countdown else {
        return;
    };
    let left = (*ends - state.now).num_seconds().max(0);
    let [area] = Layout::vertical([Constraint::Length(3)]).areas(body);
    let style = theme::red().add_modifier(ratatui::style::Modifier::REVERSED);
    let lines = vec![
        Line::styled(
            format!(" AUTO-ROLLBACK in {left}s: {criterion} has been firing "),
            style.add_modifier(ratatui::style::Modifier::BOLD),
        ),
        Line::styled(
            match view
                .keymap
                .keys_for(crate::core::screen::Mode::Normal, Cmd::Cancel)
                .first()
            {
                Some(k) => format!(" {k} cancels (journaled) "),
                None => " the operator can cancel it ".to_string(),
            },
            style,
        ),
    ];
    frame.render_widget(ratatui::widgets::Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(ratatui::widgets::Block::bordered().border_style(style)),
        area,
    );
}

fn wide(frame: &mut Frame, body: Rect, state: &State, view: &mut ViewState) {
    let [left, middle, right] = Layout::horizontal([
        Constraint::Percentage(38),
        Constraint::Percentage(32),
        Constraint::Percentage(30),
    ])
    .areas(body);
    checklist::render(frame, left, state, view, false);
    let met_h = metrics::wanted_height(state, middle.width).min(middle.height / 2);
    let [out, met] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(met_h)]).areas(middle);
    output::render(frame, out, state, &view.keymap);
    metrics::render(frame, met, state, &view.keymap);
    criteria::render(frame, right, state, &view.keymap);
}

fn narrow(frame: &mut Frame, body: Rect, state: &State, view: &mut ViewState) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(52), Constraint::Percentage(48)]).areas(body);
    let wanted = criteria::wanted_height(state, right.width);
    // Criteria first: they keep what they need. Once a command has run,
    // one line says how it ended (else its failure would be invisible);
    // then the metrics (figures and baseline before sparklines); the
    // output pane gets what is left.
    let rest = right.height.saturating_sub(wanted);
    let strip = u16::from(rest >= 1 && state.exec.shown.is_some());
    let met_h = match rest - strip {
        r if r >= 3 => metrics::wanted_height(state, right.width).min(r),
        _ => 0,
    };
    let out_h = match rest - met_h {
        r if r >= 4 => r,
        _ => strip,
    };
    checklist::render(
        frame,
        left,
        state,
        view,
        out_h == 0 && state.exec.shown.is_some(),
    );
    let [crit, out, met] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(out_h),
        Constraint::Length(met_h),
    ])
    .areas(right);
    criteria::render(frame, crit, state, &view.keymap);
    match out_h {
        0 => {}
        1 => output::strip(frame, out, state, &view.keymap),
        _ => output::render(frame, out, state, &view.keymap),
    }
    if met_h > 0 {
        metrics::render(frame, met, state, &view.keymap);
    }
}
