//! The maintenance window and its timed checkpoints, read from prose such as
//! `**Time**: 10:00 PM - 2:00 AM EST`, `**Release window:** Wednesday
//! 23:30-01:00 Europe/Berlin`, "Releases can start from 9:30am and must be
//! finished by 5pm, or 4pm on Fridays", and headings such as "2 Hours Before".

mod days;
mod prose;
mod statement;
mod times;
mod zones;

use std::sync::LazyLock;

use regex::Regex;

use super::model::Window;
use super::text::ascii_re;
use super::walk::TextLine;

struct Patterns {
    duration_label: Regex,
    hours: Regex,
    day_label: Regex,
    before: Regex,
    t_minus: Regex,
    within: Regex,
}

fn build() -> Result<Patterns, regex::Error> {
    Ok(Patterns {
        duration_label: ascii_re(r"(?i)^\s*(?:max(?:imum)?\s+)?duration\s*:\s*(.+)$")?,
        hours: ascii_re(r"(?i)(\d+)(?:\s*(?:-|–|to)\s*(\d+))?\s*(?:hours?|hrs?|h)\b")?,
        day_label: ascii_re(r"(?i)^\s*(?:preferred\s+)?days?\s*:\s*(.+)$")?,
        before: ascii_re(r"(?i)\b(\d+)\s*(hours?|hrs?|h|minutes?|mins?|m|days?|d)\s+before\b")?,
        t_minus: ascii_re(r"(?i)\bT\s*-\s*(\d+)\s*(hours?|hrs?|h|minutes?|mins?|m|days?|d)\b")?,
        within: ascii_re(r"(?i)(\d+)\s*(hours?|hrs?|h|minutes?|mins?|m)\b")?,
    })
}

static PATTERNS: LazyLock<Result<Patterns, regex::Error>> = LazyLock::new(build);

/// The window a runbook states. A label that names it wins over a sentence:
/// a label is meant to be read, prose only may be.
pub fn window(lines: &[TextLine]) -> Option<Window> {
    let p = PATTERNS.as_ref().ok()?;
    let (line, found) = prose::labelled(lines).or_else(|| prose::sentence(lines))?;
    let labelled = |l: &&TextLine| l.text.contains(':');
    let max_hours = lines.iter().filter(labelled).find_map(|l| {
        let value = p.duration_label.captures(&l.text)?.get(1)?.as_str();
        let c = p.hours.captures(value)?;
        c.get(2).unwrap_or(c.get(1)?).as_str().parse().ok()
    });
    let mut preferred_days = found.days;
    if preferred_days.is_empty() {
        preferred_days = lines
            .iter()
            .filter(labelled)
            .find_map(|l| {
                Some(days::days(
                    p.day_label.captures(&l.text)?.get(1)?.as_str(),
                    false,
                ))
            })
            .unwrap_or_default();
    }
    // A day with its own end is a day to release on, shorter.
    if !preferred_days.is_empty() {
        preferred_days = days::union(&preferred_days, found.day_ends.keys().cloned());
    }
    Some(Window {
        start: found.start,
        end: found.end,
        tz: found.tz,
        max_hours,
        preferred_days,
        day_ends: found.day_ends,
        line,
    })
}

fn minutes(n: u32, unit: &str) -> u32 {
    match unit.to_lowercase().chars().next() {
        Some('h') => n.saturating_mul(60),
        Some('d') => n.saturating_mul(1440),
        _ => n,
    }
}

/// "24 Hours Before", "Pre-Deployment (30 minutes before)", "T-30m".
pub fn checkpoint_minutes(title: &str) -> Option<u32> {
    let p = PATTERNS.as_ref().ok()?;
    let c = p
        .before
        .captures(title)
        .or_else(|| p.t_minus.captures(title))?;
    Some(minutes(c[1].parse().ok()?, &c[2]))
}

/// "Technical Lead (within 15 minutes)" -> 15; "(immediate response)" -> 0.
pub fn due_minutes(text: &str) -> Option<u32> {
    if text.to_lowercase().contains("immediate") {
        return Some(0);
    }
    let p = PATTERNS.as_ref().ok()?;
    let c = p.within.captures(text)?;
    Some(minutes(c[1].parse().ok()?, &c[2]))
}

#[cfg(test)]
mod tests;
