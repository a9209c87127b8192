//! The rollback criteria: always on screen, every criterion with its state and
//! the rule it applies. When one fires, the whole panel turns red and says
//! what to do; that must be readable from across the room and through tmux.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme;
use crate::config::keys::Keymap;
use crate::core::action::Cmd;
use crate::core::screen::Focus;
use crate::core::screen::Mode;
use crate::core::state::State;
use crate::core::window;
use crate::domain::monitor::Source;
use crate::domain::monitor::criteria::{self, Check, Kind, State as MState};
use crate::domain::runbook::{Criterion, CriterionKind, Rule, Unit};

/// The red panel's title: what to do about it, in this cockpit's keys.
/// A mirror cannot roll back, an ended session has nothing to roll back,
/// and a rollback under way needs no second one.
pub fn firing_title(state: &State, keymap: &Keymap) -> String {
    let key = keymap
        .keys_for(Mode::Normal, Cmd::Rollback)
        .into_iter()
        .next();
    let ended = state.session.ended.is_some();
    match key {
        _ if state
            .session
            .rollback
            .as_ref()
            .is_some_and(|r| r.finished.is_none()) =>
        {
            " ROLLBACK CRITERIA MET — rolling back ".into()
        }
        _ if state.session.rollback.is_some() => " ROLLBACK CRITERIA MET — rolled back ".into(),
        Some(k) if !state.read_only && !ended => format!(" ROLLBACK CRITERIA MET — press {k} "),
        _ => " ROLLBACK CRITERIA MET ".into(),
    }
}

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
        CriterionKind::ErrorRate => "err".to_string(),
        CriterionKind::Latency => format!("p{}", c.percentile.unwrap_or(95)),
        CriterionKind::LogErrors => "log".to_string(),
        CriterionKind::Throughput => "throughput".to_string(),
        CriterionKind::Manual => return "operator's call".to_string(),
    };
    let t = c.threshold.map(number).unwrap_or_else(|| "?".into());
    let unit = match c.unit {
        Some(Unit::Percent) => "%",
        Some(Unit::Millis) => " ms",
        Some(Unit::PerMinute) => "/min",
        None => "",
    };
    match c.rule {
        Some(Rule::IncreasePoints) if c.unit == Some(Unit::PerMinute) => {
            format!("{metric} > baseline +{t}/min")
        }
        Some(Rule::IncreasePoints) => format!("{metric} > baseline +{t} pp"),
        Some(Rule::IncreasePercent) => format!("{metric} > baseline +{t}%"),
        Some(Rule::Above) => format!("{metric} > {t}{unit}"),
        Some(Rule::DecreasePercent) => format!("{metric} < baseline -{t}%"),
        None => format!("{metric}: no rule"),
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, keymap: &Keymap) {
    let firing = state.session.firing();
    let focused = state.ui.focus == Focus::Criteria;
    let (panel, title) = if firing {
        (
            theme::alarm(),
            Line::styled(firing_title(state, keymap), theme::alarm()),
        )
    } else if focused {
        (
            Style::new(),
            Line::styled(
                match keymap
                    .keys_for(Mode::Criteria, Cmd::ToggleCriterion)
                    .first()
                {
                    Some(k) => format!(" Rollback criteria · {k} toggles "),
                    None => " Rollback criteria ".to_string(),
                },
                theme::key(),
            ),
        )
    } else {
        (
            Style::new(),
            Line::styled(" Rollback criteria ", theme::title()),
        )
    };
    let border = match (firing, focused) {
        (true, false) => theme::alarm(),
        // Focus shows even on the red panel: the operator must see where
        // space lands.
        (true, true) => theme::alarm().fg(Color::Cyan),
        (false, true) => theme::key(),
        (false, false) => theme::border(),
    };
    let block = Block::bordered()
        .border_style(border)
        .title(title)
        .style(panel);
    frame.render_widget(
        Paragraph::new(lines(state))
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// What a criterion says before any number exists: its rule.
fn check_rule(state: &State, i: usize, check: &Check) -> String {
    match (state.runbook().criteria.get(i), check.limit) {
        (Some(c), _) if check.line.is_some() => rule_text(c),
        (_, Some(limit)) => criteria::rule_text(check.kind, limit).replacen("rule ", "", 1),
        _ => "operator's call".to_string(),
    }
}

fn manual_detail(state: &State, i: usize, s: MState) -> String {
    let tz = window::zone(state.runbook().window.as_ref());
    match state.session.health.toggles.get(&i) {
        Some(stamp) => {
            let at = stamp.at.with_timezone(&tz).format("%H:%M");
            let verb = if s == MState::Firing {
                "fired"
            } else {
                "cleared"
            };
            format!("{verb} by {} at {at}", stamp.by)
        }
        None => "operator's call".to_string(),
    }
}

fn lines(state: &State) -> Vec<Line<'static>> {
    let firing = state.session.firing();
    let focused = state.ui.focus == Focus::Criteria;
    let health = &state.session.health;
    let measured = health.config.is_some() && health.last.is_some();
    let mut lines = Vec::new();
    if state.runbook().criteria.is_empty() {
        lines.push(Line::styled(
            "the runbook names no rollback criteria: defaults apply",
            theme::amber(),
        ));
    }
    let checks = health.engine.judged();
    for (i, (check, verdict)) in checks.enumerate() {
        let s = verdict.state;
        // The cockpit's own outage check says nothing the error-rate line
        // does not, until it breaches: then it is the line that matters.
        if criteria::is_quiet_service_down(check, verdict) {
            continue;
        }
        // Said from the first frame, before any sample is judged: a
        // cockpit run with --no-health never evaluates it.
        let no_source = criteria::missing_source(check.kind, health.stats.log_stream)
            .filter(|_| !matches!(s, MState::Pending | MState::Firing));
        let (word, style) = match s {
            _ if no_source.is_some() => ("no source", theme::dim()),
            // The cockpit measures nothing here: "ok" would claim it did.
            MState::Ok if check.kind == Kind::Manual => ("manual", theme::dim()),
            MState::NoSource => ("no source", theme::dim()),
            MState::Collecting => ("collecting", theme::dim()),
            // Grey, and never a green word: nothing was measured.
            MState::NoData => ("no data", theme::dim()),
            MState::Ok => ("ok", theme::ok()),
            MState::Pending => ("pending", theme::amber()),
            MState::Firing => ("FIRING", theme::alarm()),
        };
        // On the red panel every word stays white: colour is the panel's.
        let style = if firing && s != MState::Firing {
            theme::alarm()
        } else {
            style
        };
        let selected = focused && state.ui.criterion == i;
        let mut text_style = if firing {
            theme::alarm()
        } else {
            theme::title()
        };
        if selected {
            text_style = text_style.patch(theme::selected());
        }
        let marker = if selected { "▸ " } else { "" };
        lines.push(Line::styled(
            format!("{marker}{}", glued(&check.text)),
            text_style,
        ));
        // Log criteria, and an error rate read from the access log, have
        // numbers once the stream has counted, probe or no probe.
        let has_numbers = match check.kind {
            Kind::LogErrors => health.log_rate.last().is_some(),
            _ if criteria::source_of(check, &health.stats) == Source::AccessLog => true,
            _ => measured,
        };
        let mut detail = if let Some(text) = no_source {
            text
        } else if check.kind == Kind::Manual {
            manual_detail(state, i, s)
        } else if has_numbers {
            verdict.text.clone()
        } else {
            check_rule(state, i, check)
        };
        if s == MState::Pending
            && let Some(since) = verdict.since
        {
            // How long the breach must still hold before it fires.
            let hold =
                chrono::TimeDelta::from_std(check.hold.unwrap_or(health.engine.settings.hold))
                    .unwrap_or(chrono::TimeDelta::zero());
            let left = (since + hold - state.now).num_seconds().max(0);
            detail.push_str(&format!(" · fires in {left}s"));
        }
        // A decision table's tiers: the highest breaching one says what to
        // do, a lower one that breaches too says it is not the instruction.
        let engine = &health.engine;
        match crate::domain::monitor::tiers::superseded_by(&engine.checks, &engine.verdicts, i) {
            Some(j) => {
                let higher = engine.checks.get(j).map_or("", |c| c.text.as_str());
                detail.push_str(&format!(" · superseded by {higher}"));
            }
            None if matches!(s, MState::Pending | MState::Firing) => {
                if let Some(action) = state
                    .runbook()
                    .criteria
                    .get(i)
                    .filter(|_| check.line.is_some())
                    .and_then(|c| c.action.as_deref())
                {
                    detail.push_str(&format!(" · {action}"));
                }
            }
            None => {}
        }
        let detail_style = match (firing, s) {
            (true, _) => theme::alarm(),
            (false, MState::Pending) => theme::amber(),
            (false, MState::Firing) => theme::red(),
            _ => theme::dim(),
        };
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(word, style),
            Span::styled(format!(" · {}", glued(&detail)), detail_style),
        ]));
    }
    lines
}

/// A unit never wraps away from its number: "+5" at a line's end over a
/// lone "pp" reads as a different rule.
fn glued(text: &str) -> String {
    text.replace(" pp", "\u{a0}pp")
}
