//! The maintenance window and its timed checkpoints, read from prose such as
//! `**Time**: 10:00 PM - 2:00 AM EST` and headings such as "2 Hours Before".

use std::sync::LazyLock;

use regex::Regex;

use super::text::ascii_re;

use super::model::Window;
use super::walk::TextLine;

struct Patterns {
    time_label: Regex,
    range: Regex,
    duration_label: Regex,
    hours: Regex,
    day_label: Regex,
    day: Regex,
    day_range: Regex,
    before: Regex,
    t_minus: Regex,
    within: Regex,
}

const DAY: &str = r"(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)";

fn build() -> Result<Patterns, regex::Error> {
    Ok(Patterns {
        time_label: ascii_re(
            r"(?i)^\s*(?:maintenance\s+|deployment\s+)?(?:time|window|time window|hours)\s*:\s*(.+)$",
        )?,
        range: ascii_re(
            r"(?i)(\d{1,2})(?::(\d{2}))?(?:\s*([ap])\.?m\.?)?\s*(?:-|–|—|to|until)\s*(\d{1,2})(?::(\d{2}))?(?:\s*([ap])\.?m\.?)?(?:\s+([A-Za-z]+/[A-Za-z_]+|[A-Za-z]{1,7}\b))?",
        )?,
        duration_label: ascii_re(r"(?i)^\s*(?:max(?:imum)?\s+)?duration\s*:\s*(.+)$")?,
        hours: ascii_re(r"(?i)(\d+)(?:\s*(?:-|–|to)\s*(\d+))?\s*(?:hours?|hrs?|h)\b")?,
        day_label: ascii_re(r"(?i)^\s*(?:preferred\s+)?days?\s*:\s*(.+)$")?,
        day: ascii_re(&format!(r"(?i)\b{DAY}\b"))?,
        day_range: ascii_re(&format!(r"(?i)\b{DAY}\s*(?:-|–|—|to|through)\s*{DAY}\b"))?,
        before: ascii_re(r"(?i)\b(\d+)\s*(hours?|hrs?|h|minutes?|mins?|m|days?|d)\s+before\b")?,
        t_minus: ascii_re(r"(?i)\bT\s*-\s*(\d+)\s*(hours?|hrs?|h|minutes?|mins?|m|days?|d)\b")?,
        within: ascii_re(r"(?i)(\d+)\s*(hours?|hrs?|h|minutes?|mins?|m)\b")?,
    })
}

static PATTERNS: LazyLock<Result<Patterns, regex::Error>> = LazyLock::new(build);

const WEEK: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn day_index(word: &str) -> Option<usize> {
    let w = word.to_lowercase();
    WEEK.iter().position(|d| w.starts_with(&d.to_lowercase()))
}

/// Abbreviations people write, to the zone they mean. Daylight-saving forms
/// map to the same zone: the clock follows the zone's rules, not the label.
const ZONES: &[(&str, &str)] = &[
    ("EST", "America/New_York"),
    ("EDT", "America/New_York"),
    ("ET", "America/New_York"),
    ("EASTERN", "America/New_York"),
    ("CST", "America/Chicago"),
    ("CDT", "America/Chicago"),
    ("CT", "America/Chicago"),
    ("CENTRAL", "America/Chicago"),
    ("MST", "America/Denver"),
    ("MDT", "America/Denver"),
    ("MT", "America/Denver"),
    ("MOUNTAIN", "America/Denver"),
    ("PST", "America/Los_Angeles"),
    ("PDT", "America/Los_Angeles"),
    ("PT", "America/Los_Angeles"),
    ("PACIFIC", "America/Los_Angeles"),
    ("AKST", "America/Anchorage"),
    ("HST", "Pacific/Honolulu"),
    ("UTC", "UTC"),
    ("GMT", "UTC"),
    ("Z", "UTC"),
    ("BST", "Europe/London"),
    ("WET", "Europe/Lisbon"),
    ("CET", "Europe/Berlin"),
    ("CEST", "Europe/Berlin"),
    ("EET", "Europe/Helsinki"),
    ("IST", "Asia/Kolkata"),
    ("SGT", "Asia/Singapore"),
    ("JST", "Asia/Tokyo"),
    ("AEST", "Australia/Sydney"),
    ("AEDT", "Australia/Sydney"),
];

/// An IANA name for what the runbook wrote, if it is a zone at all.
pub fn zone(word: &str) -> Option<String> {
    let upper = word.to_uppercase();
    if let Some((_, z)) = ZONES.iter().find(|(abbr, _)| *abbr == upper) {
        return Some((*z).to_string());
    }
    word.parse::<chrono_tz::Tz>()
        .ok()
        .map(|tz| tz.name().to_string())
}

fn clock(hour: &str, minute: Option<&str>, meridiem: Option<&str>) -> Option<String> {
    let mut h: u32 = hour.parse().ok()?;
    let m: u32 = minute.map_or(Some(0), |m| m.parse().ok())?;
    match meridiem.map(str::to_lowercase).as_deref() {
        Some("p") if h < 12 => h += 12,
        Some("a") if h == 12 => h = 0,
        _ => {}
    }
    (h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
}

pub fn window(lines: &[TextLine]) -> Option<Window> {
    let p = PATTERNS.as_ref().ok()?;
    let labelled = |l: &&TextLine| l.text.contains(':');
    let (line, start, end, tz) = lines.iter().filter(labelled).find_map(|l| {
        let value = p.time_label.captures(&l.text)?.get(1)?.as_str().to_string();
        let c = p.range.captures(&value)?;
        let (m1, m2) = (c.get(3).map(|m| m.as_str()), c.get(6).map(|m| m.as_str()));
        // "10:00 - 2:00" alone could be anything; a clock needs a colon or am/pm.
        if c.get(2).is_none() && m1.is_none() && m2.is_none() {
            return None;
        }
        let start = clock(&c[1], c.get(2).map(|m| m.as_str()), m1.or(m2))?;
        let end = clock(&c[4], c.get(5).map(|m| m.as_str()), m2)?;
        let tz = c.get(7).and_then(|m| zone(m.as_str()));
        Some((l.line, start, end, tz))
    })?;
    let max_hours = lines.iter().filter(labelled).find_map(|l| {
        let value = p
            .duration_label
            .captures(&l.text)?
            .get(1)?
            .as_str()
            .to_string();
        let c = p.hours.captures(&value)?;
        c.get(2).unwrap_or(c.get(1)?).as_str().parse().ok()
    });
    let preferred_days = lines
        .iter()
        .filter(labelled)
        .find_map(|l| {
            let value = p.day_label.captures(&l.text)?.get(1)?.as_str().to_string();
            Some(days(p, &value))
        })
        .unwrap_or_default();
    Some(Window {
        start,
        end,
        tz,
        max_hours,
        preferred_days,
        line,
    })
}

/// "Weekday (Tuesday-Thursday preferred)" -> Tue, Wed, Thu; "Weekday" alone
/// -> Mon..Fri.
fn days(p: &Patterns, value: &str) -> Vec<String> {
    let mut picked = [false; 7];
    for c in p.day_range.captures_iter(value) {
        if let (Some(a), Some(b)) = (day_index(&c[1]), day_index(&c[2])) {
            let mut i = a;
            loop {
                picked[i] = true;
                if i == b {
                    break;
                }
                i = (i + 1) % 7;
            }
        }
    }
    for c in p.day.captures_iter(value) {
        if let Some(i) = day_index(&c[1]) {
            picked[i] = true;
        }
    }
    if !picked.iter().any(|&d| d) && value.to_lowercase().contains("weekday") {
        picked[..5].fill(true);
    }
    WEEK.iter()
        .zip(picked)
        .filter(|(_, on)| *on)
        .map(|(d, _)| (*d).to_string())
        .collect()
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
mod tests {
    use super::*;

    fn lines(texts: &[&str]) -> Vec<TextLine> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| TextLine {
                line: i + 1,
                text: (*t).to_string(),
                plain: (*t).to_string(),
            })
            .collect()
    }

    #[test]
    fn patterns_compile() {
        assert!(build().is_ok());
    }

    #[test]
    fn the_terp_window() {
        let w = window(&lines(&[
            "Day: Weekday (Tuesday-Thursday preferred)",
            "Time: 10:00 PM - 2:00 AM EST (low traffic period)",
            "Duration: 2-4 hours maximum",
        ]))
        .unwrap();
        assert_eq!((w.start.as_str(), w.end.as_str()), ("22:00", "02:00"));
        assert_eq!(w.tz.as_deref(), Some("America/New_York"));
        assert_eq!(w.max_hours, Some(4));
        assert_eq!(w.preferred_days, ["Tue", "Wed", "Thu"]);
        assert_eq!(w.line, 2);
    }

    #[test]
    fn other_window_forms() {
        let w = window(&lines(&[
            "Window: 22:00-02:00 Europe/Berlin",
            "Days: Sat, Sun",
        ]))
        .unwrap();
        assert_eq!((w.start.as_str(), w.end.as_str()), ("22:00", "02:00"));
        assert_eq!(w.tz.as_deref(), Some("Europe/Berlin"));
        assert_eq!(w.preferred_days, ["Sat", "Sun"]);
        let w = window(&lines(&["Time: 11pm to 1am PT", "Day: Weekday"])).unwrap();
        assert_eq!((w.start.as_str(), w.end.as_str()), ("23:00", "01:00"));
        assert_eq!(w.tz.as_deref(), Some("America/Los_Angeles"));
        assert_eq!(w.preferred_days, ["Mon", "Tue", "Wed", "Thu", "Fri"]);
        assert_eq!(window(&lines(&["Time to Complete: ~4-5 minutes"])), None);
        assert_eq!(window(&lines(&["Response Time: Immediate"])), None);
    }

    #[test]
    fn checkpoints_and_due_times() {
        assert_eq!(checkpoint_minutes("24 Hours Before"), Some(1440));
        assert_eq!(checkpoint_minutes("2 Hours Before"), Some(120));
        assert_eq!(
            checkpoint_minutes("Pre-Deployment (30 minutes before)"),
            Some(30)
        );
        assert_eq!(checkpoint_minutes("T-30m"), Some(30));
        assert_eq!(
            checkpoint_minutes("Post-Deployment Verification (15 minutes)"),
            None
        );
        assert_eq!(due_minutes("Technical Lead (within 15 minutes)"), Some(15));
        assert_eq!(
            due_minutes("On-Call Engineer (immediate response)"),
            Some(0)
        );
        assert_eq!(
            due_minutes("CTO (if critical and unresolved in 1 hour)"),
            Some(60)
        );
        assert_eq!(due_minutes("Management (for major incidents)"), None);
    }
}
