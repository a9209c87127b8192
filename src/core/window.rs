//! The maintenance window against the clock: which window we are in (or
//! waiting for), how long is left, and the warnings a deployer must not miss.
//! Pure: `now` is always passed in, so tests and snapshots fix it.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::runbook::Window;

/// How loudly the header shows the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Calm,
    Amber,
    Red,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Before { starts_in: Duration },
    Inside { left: Duration },
    After { over_by: Duration },
}

#[derive(Debug, Clone, PartialEq)]
pub struct WindowView {
    pub tz: Tz,
    /// The window this session belongs to (or the next one).
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The end as the runbook writes it for this window's day ("16:00" on
    /// a Friday that closes early).
    pub end_text: String,
    pub phase: Phase,
    pub level: Level,
    /// "22:00-02:00 EST, 2h19m left"
    pub text: String,
    pub warnings: Vec<String>,
}

/// The zone a runbook's window names, else UTC.
pub fn zone(window: Option<&Window>) -> Tz {
    window
        .and_then(|w| w.tz.as_deref())
        .and_then(|tz| tz.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC)
}

/// "23:41 EST"
pub fn clock_text(now: DateTime<Utc>, tz: Tz) -> String {
    now.with_timezone(&tz).format("%H:%M %Z").to_string()
}

/// "2h19m", "45m", "3d4h"
pub fn human(d: Duration) -> String {
    let mins = d.num_minutes().max(0);
    let (days, hours, m) = (mins / 1440, (mins / 60) % 24, mins % 60);
    if days > 0 {
        format!("{days}d{hours}h")
    } else if hours > 0 {
        format!("{hours}h{m:02}m")
    } else {
        format!("{m}m")
    }
}

fn parse_hm(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

fn at(tz: Tz, date: chrono::NaiveDate, t: NaiveTime) -> Option<DateTime<Utc>> {
    // A start inside a DST gap falls back to the earliest valid instant.
    tz.from_local_datetime(&date.and_time(t))
        .earliest()
        .map(|d| d.with_timezone(&Utc))
}

/// The window as seen at `now`. `first_step` anchors the session to the
/// window it started in, so running past the end turns red instead of
/// silently counting down to tomorrow's window.
pub fn window_view(
    window: &Window,
    now: DateTime<Utc>,
    first_step: Option<DateTime<Utc>>,
) -> Option<WindowView> {
    let tz = zone(Some(window));
    let start_t = parse_hm(&window.start)?;
    let end_t = parse_hm(&window.end)?;
    // The span of the window that opens on `date`: "or 4pm on Fridays"
    // closes Friday's early.
    let span_on = |date: chrono::NaiveDate| {
        let day_end = window
            .day_ends
            .get(&date.weekday().to_string())
            .and_then(|t| parse_hm(t));
        let mut span = day_end.unwrap_or(end_t).signed_duration_since(start_t);
        if span <= Duration::zero() {
            span += Duration::days(1);
        }
        span
    };
    let anchor = first_step.unwrap_or(now);
    let today = anchor.with_timezone(&tz).date_naive();
    let candidates: Vec<(DateTime<Utc>, Duration)> = (-1..=1)
        .filter_map(|d| today.checked_add_signed(Duration::days(d)))
        .filter_map(|d| Some((at(tz, d, start_t)?, span_on(d))))
        .collect();
    // The window holding the anchor, else the next one after it.
    let (start, span) = candidates
        .iter()
        .copied()
        .find(|&(s, span)| s <= anchor && anchor < s + span)
        .or_else(|| candidates.iter().copied().find(|&(s, _)| s > anchor))?;
    let end = start + span;
    let phase = if now < start {
        Phase::Before {
            starts_in: start - now,
        }
    } else if now < end {
        Phase::Inside { left: end - now }
    } else {
        Phase::After { over_by: now - end }
    };
    let mut level = match phase {
        Phase::Inside { left } if left <= Duration::minutes(30) => Level::Amber,
        Phase::After { .. } => Level::Red,
        _ => Level::Calm,
    };
    let abbr = now.with_timezone(&tz).format("%Z").to_string();
    let day = start.with_timezone(&tz).weekday().to_string();
    // As written, not as computed: a DST change inside the window must not
    // move the end the runbook states.
    let end_text = window.day_ends.get(&day).unwrap_or(&window.end).clone();
    let mut text = format!("{}-{end_text} {abbr}", window.start);
    match phase {
        Phase::Before { starts_in } => text.push_str(&format!(", starts in {}", human(starts_in))),
        Phase::Inside { left } => text.push_str(&format!(", {} left", human(left))),
        Phase::After { over_by } => text.push_str(&format!(", ended {} ago", human(over_by))),
    }
    let mut warnings = Vec::new();
    if let (Some(max), Some(first)) = (window.max_hours, first_step)
        && now - first > Duration::hours(i64::from(max))
    {
        level = Level::Red;
        warnings.push(format!("past the {max}h maximum"));
    }
    // Most urgent first: a narrow header cuts from the right.
    if !matches!(phase, Phase::Inside { .. }) {
        warnings.insert(0, "outside the window: emergency?".to_string());
    }
    if !window.preferred_days.is_empty()
        && !window
            .preferred_days
            .iter()
            .any(|d| d.eq_ignore_ascii_case(&day))
    {
        warnings.push(format!(
            "{day}: not a preferred day ({})",
            window.preferred_days.join(", ")
        ));
    }
    Some(WindowView {
        tz,
        start,
        end,
        end_text,
        phase,
        level,
        text,
        warnings,
    })
}

/// A timed checkpoint ("2 Hours Before") against the window clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointView {
    pub tz: Tz,
    /// On the window clock.
    pub due: DateTime<Utc>,
    /// How long ago it fell due; `None` while it is not due yet.
    pub overdue: Option<Duration>,
}

impl CheckpointView {
    /// Within half an hour of falling due: shown amber.
    pub fn soon(&self, now: DateTime<Utc>) -> bool {
        self.overdue.is_none() && self.due - now <= Duration::minutes(30)
    }
}

/// The checkpoint `minutes` before `window`'s start, at `now` (both on the
/// window clock).
pub fn checkpoint(window: &WindowView, now: DateTime<Utc>, minutes: u32) -> CheckpointView {
    let due = window.start - Duration::minutes(i64::from(minutes));
    CheckpointView {
        tz: window.tz,
        due,
        overdue: (now >= due).then(|| now - due),
    }
}

/// The demo's window: `window` (or a 4-hour one in UTC) moved to open at
/// `now`, to the minute in its zone, for its maximum hours, with today among
/// the preferred days. A demo started at 3 pm on a Monday must not warn that
/// it is outside the window.
pub fn opening_now(window: Option<&Window>, now: DateTime<Utc>) -> Window {
    let tz = zone(window);
    let local = now.with_timezone(&tz);
    let hours = window.and_then(|w| w.max_hours).unwrap_or(4).clamp(1, 23);
    let end = local + Duration::hours(i64::from(hours));
    Window {
        start: local.format("%H:%M").to_string(),
        end: end.format("%H:%M").to_string(),
        tz: window.and_then(|w| w.tz.clone()),
        max_hours: Some(hours),
        preferred_days: vec![local.weekday().to_string()],
        day_ends: BTreeMap::new(),
        line: window.map_or(0, |w| w.line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terp() -> Window {
        Window {
            start: "22:00".into(),
            end: "02:00".into(),
            tz: Some("America/New_York".into()),
            max_hours: Some(4),
            preferred_days: vec!["Tue".into(), "Wed".into(), "Thu".into()],
            day_ends: BTreeMap::new(),
            line: 1,
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn inside_a_tuesday_window_counts_down_calmly() {
        // Tue 2025-01-14 23:41 EST = 04:41 UTC Wed.
        let v = window_view(&terp(), utc("2025-01-15T04:41:00Z"), None).unwrap();
        assert_eq!(v.text, "22:00-02:00 EST, 2h19m left");
        assert_eq!(v.level, Level::Calm);
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
        assert_eq!(clock_text(utc("2025-01-15T04:41:00Z"), v.tz), "23:41 EST");
    }

    #[test]
    fn last_half_hour_is_amber_and_past_the_end_is_red() {
        let v = window_view(&terp(), utc("2025-01-15T06:40:00Z"), None).unwrap();
        assert_eq!(v.level, Level::Amber);
        let first = utc("2025-01-15T03:10:00Z");
        let v = window_view(&terp(), utc("2025-01-15T07:20:00Z"), Some(first)).unwrap();
        assert_eq!(v.level, Level::Red);
        assert!(v.text.ends_with("ended 20m ago"), "{}", v.text);
        assert!(v.warnings.iter().any(|w| w.contains("4h maximum")));
    }

    #[test]
    fn the_demo_window_opens_now_without_warnings() {
        // Mon 2025-01-13 15:00 EST: outside the TERP window, not a preferred day.
        let now = utc("2025-01-13T20:00:30Z");
        let w = opening_now(Some(&terp()), now);
        assert_eq!((w.start.as_str(), w.end.as_str()), ("15:00", "19:00"));
        assert_eq!(w.preferred_days, ["Mon"]);
        let v = window_view(&w, now, None).unwrap();
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
        assert_eq!(v.text, "15:00-19:00 EST, 3h59m left");
        // Just before midnight the window runs into tomorrow, still inside.
        let late = utc("2025-01-14T04:59:00Z");
        let v = window_view(&opening_now(Some(&terp()), late), late, None).unwrap();
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
        assert!(matches!(v.phase, Phase::Inside { .. }));
    }

    #[test]
    fn a_day_with_its_own_end_closes_early() {
        // Fri 2025-01-17 22:30 EST (03:30 UTC Sat): Friday's window ends at 23:00.
        let mut w = terp();
        w.preferred_days.push("Fri".into());
        w.day_ends.insert("Fri".into(), "23:00".into());
        let v = window_view(&w, utc("2025-01-18T03:30:00Z"), None).unwrap();
        assert_eq!(v.text, "22:00-23:00 EST, 30m left");
        assert_eq!(v.level, Level::Amber);
        // Thursday's runs to 02:00 as before.
        let v = window_view(&w, utc("2025-01-17T03:30:00Z"), None).unwrap();
        assert_eq!(v.text, "22:00-02:00 EST, 3h30m left");
    }

    #[test]
    fn afternoon_on_a_monday_warns_twice() {
        // Mon 2025-01-13 15:00 EST.
        let v = window_view(&terp(), utc("2025-01-13T20:00:00Z"), None).unwrap();
        assert!(v.text.ends_with("starts in 7h00m"), "{}", v.text);
        assert!(
            v.warnings
                .iter()
                .any(|w| w.starts_with("Mon: not a preferred day"))
        );
        assert!(
            v.warnings
                .iter()
                .any(|w| w == "outside the window: emergency?")
        );
    }
}
