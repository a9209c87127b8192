//! The red confirm before a rollback runs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{boxed, confirm_line, key, keys_line, keys_of};
use crate::core::action::Cmd;
use crate::core::screen::Mode;
use crate::core::state::State;
use crate::core::update::rollback;
use crate::ui::{ViewState, theme};

/// The red confirm: the procedure, every command it may run (masked), the
/// trigger and the metrics now. A long procedure scrolls (`j`/`k`); the
/// keys stay on screen.
pub(super) fn render(frame: &mut Frame, area: Rect, state: &State, view: &ViewState, wide: u16) {
    let rb = state.runbook();
    let n = rb.procedures().count();
    let which = state.ui.rollback_procedure.min(n.saturating_sub(1));
    let Some(r) = rb.procedure(which) else { return };
    let mut head = vec![Line::styled(
        format!("ROLL BACK: \"{}\" (line {}), in order:", r.title, r.line),
        theme::red(),
    )];
    if n > 1 {
        let other = key(view, Mode::Confirm, Cmd::FocusNext)
            .map_or_else(|| "next".to_string(), |k| format!("{k} shows"));
        head.push(Line::styled(
            format!(
                "procedure {} of {n}: {other} {}",
                which + 1,
                rb.procedure((which + 1) % n)
                    .map_or_else(String::new, |o| format!("\"{}\"", o.title))
            ),
            theme::amber(),
        ));
    }
    let mut body: Vec<Line<'static>> = rollback::confirm_lines(state, which)
        .into_iter()
        .map(confirm_line)
        .collect();
    if body.is_empty() {
        body.push(Line::styled(
            "no steps to run: the procedure is prose; read it in the runbook",
            theme::dim(),
        ));
    }
    let fired = rollback::firing(state);
    let m = rollback::metrics(state);
    let pct = |x: Option<f64>| x.map_or("–".into(), |v| format!("{v:.1}%"));
    let ms = |x: Option<f64>| x.map_or("–".into(), |v| format!("{v:.0} ms"));
    let mut keys = vec![(Cmd::Confirm, "roll back now")];
    if n > 1 {
        keys.push((Cmd::FocusNext, "other procedure"));
    }
    keys.push((Cmd::Cancel, "cancel"));
    let keys = keys_of(view, Mode::Confirm, &keys);
    let scroll_keys = match (
        key(view, Mode::Confirm, Cmd::Down),
        key(view, Mode::Confirm, Cmd::Up),
    ) {
        (Some(d), Some(u)) => format!(": {d}/{u} scroll"),
        _ => String::new(),
    };
    let foot = vec![
        Line::raw(""),
        Line::styled(
            if fired.is_empty() {
                "trigger: manual (no criterion is firing)".to_string()
            } else {
                format!("firing: {}", fired.join("; "))
            },
            theme::red(),
        ),
        Line::raw(format!(
            "now: err {} · p95 {}   baseline: err {} · p95 {}",
            pct(m.error_rate),
            ms(m.p95_ms),
            pct(m.baseline_error_rate),
            ms(m.baseline_p95_ms)
        )),
        keys_line(&keys),
    ];
    let width = wide.min(area.width);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows =
        |ls: &[Line<'_>]| -> usize { ls.iter().map(|l| l.width().max(1).div_ceil(inner)).sum() };
    let scroll = usize::from(state.ui.modal_scroll).min(body.len().saturating_sub(1));
    let room = usize::from(area.height.saturating_sub(2))
        .saturating_sub(rows(&head) + rows(&foot) + usize::from(scroll > 0));
    let mut shown: Vec<Line<'static>> = Vec::new();
    let mut used = 0;
    let total = body.len();
    for (i, l) in body.into_iter().enumerate().skip(scroll) {
        let h = l.width().max(1).div_ceil(inner);
        // Keep a row for the "more" line unless this is the last one.
        let reserve = usize::from(i + 1 < total);
        if used + h + reserve > room {
            shown.push(Line::styled(
                format!("… {} more lines{scroll_keys}", total - i),
                theme::amber(),
            ));
            break;
        }
        used += h;
        shown.push(l);
    }
    let mut lines = head;
    if scroll > 0 {
        lines.push(Line::styled(
            format!("… {} above", crate::domain::words::count(scroll, "line")),
            theme::amber(),
        ));
    }
    lines.extend(shown);
    lines.extend(foot);
    boxed(frame, area, width, " ROLLBACK ", theme::red(), lines);
}
