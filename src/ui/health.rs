//! The health details a TERP-shaped body carries, as a compact table:
//! overall status (degraded is amber, not an error), database, memory and
//! the connection pool the plan says to watch.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::theme;
use crate::core::session::health::Health;
use crate::domain::monitor::criteria::ms;
use crate::domain::monitor::details::Level;

fn level_style(level: Level) -> Style {
    match level {
        Level::Healthy => theme::ok(),
        Level::Degraded => theme::amber(),
        Level::Unhealthy => theme::red(),
        Level::Unknown => theme::dim(),
    }
}

/// At most three rows; none when no probe carried details.
pub fn lines(h: &Health) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let Some(latest) = h.latest.values().next() else {
        return out;
    };
    out.extend(last_failure(h));
    let Some(d) = &latest.details else {
        return out;
    };
    let mut first = vec![
        Span::styled("status ", theme::dim()),
        Span::styled(
            d.status.clone().unwrap_or_else(|| "—".into()),
            level_style(d.level),
        ),
    ];
    if let Some(db) = &d.database {
        let st = db.status.clone().unwrap_or_else(|| "—".into());
        let bad = db.error.is_some() || st == "error";
        first.push(Span::styled("  db ", theme::dim()));
        first.push(Span::styled(
            st,
            if bad { theme::red() } else { theme::ok() },
        ));
        if let Some(l) = db.latency_ms {
            first.push(Span::raw(format!(" {}", ms(l))));
        }
        if let Some(e) = &db.error {
            first.push(Span::styled(format!(" {e}"), theme::red()));
        }
    }
    out.push(Line::from(first));
    let mut second = Vec::new();
    if let Some(m) = d.memory_percent {
        second.push(Span::styled("mem ", theme::dim()));
        second.push(Span::styled(
            format!("{m:.1}%"),
            if m > 90.0 {
                theme::red()
            } else if m > 75.0 {
                theme::amber()
            } else {
                Style::new()
            },
        ));
    }
    if let Some(p) = d.pool {
        let n = |x: Option<u64>| x.map_or_else(|| "—".to_string(), |v| v.to_string());
        let queued = p.queued.unwrap_or(0);
        let low = match (p.free, p.total) {
            (Some(f), Some(t)) if t > 0 => (f as f64) < 0.2 * t as f64,
            _ => false,
        };
        second.push(Span::styled("  pool ", theme::dim()));
        second.push(Span::styled(
            format!("{}/{} free", n(p.free), n(p.total)),
            if low { theme::amber() } else { Style::new() },
        ));
        second.push(Span::styled(
            format!(" {} queued", n(p.queued)),
            if queued > 0 {
                theme::amber()
            } else {
                Style::new()
            },
        ));
    }
    if !second.is_empty() {
        out.push(Line::from(second));
    }
    out
}

/// Why probes fail, while a failure still counts in the error rate:
/// `last probe: connection refused` when the newest probe of its URL
/// failed, else `failed 12s ago: HTTP 503`, so the reason of an
/// intermittent failure stays readable between probes that pass.
fn last_failure(h: &Health) -> Option<Line<'static>> {
    let now = h.last?;
    let failed = h.window.last_failure(now)?;
    let newest = h
        .latest
        .get(&failed.url)
        .is_some_and(|l| l.sample.ts == failed.ts);
    let mut spans = if newest {
        vec![
            Span::styled("last probe: ", theme::dim()),
            Span::styled(failed.outcome.label(), theme::red()),
        ]
    } else {
        let ago = ((now - failed.ts).num_milliseconds() + 500) / 1000;
        vec![
            Span::styled(format!("failed {ago}s ago: "), theme::dim()),
            Span::styled(failed.outcome.label(), theme::amber()),
        ]
    };
    // With several URLs, which one.
    if h.config.as_ref().is_some_and(|c| c.urls.len() > 1) {
        spans.push(Span::styled(format!(" ({})", failed.url), theme::dim()));
    }
    Some(Line::from(spans))
}
