//! One statement of the window, a label's value or a sentence, read into its
//! times, zone, days and earlier ends on some days ("or 4pm on Fridays").

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{days, times, zones};
use crate::domain::runbook::text::ascii_re;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    /// The value of a label that names the window: any range in it counts.
    Label,
    /// A sentence about releasing: ranges said as ranges ("between X and
    /// Y", "from X until Y") count; a bare "10:00-16:00" only where the
    /// sentence grants a time ("allowed", "window"), since timelines write
    /// "22:00-22:30 Deploy backend".
    Sentence,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reading {
    pub start: String,
    pub end: String,
    pub tz: Option<String>,
    pub days: Vec<String>,
    pub day_ends: BTreeMap<String, String>,
}

struct Patterns {
    plain: Regex,
    between: Regex,
    from: Regex,
    negation: Regex,
    grant: Regex,
    end_on_days: Regex,
    days_until: Regex,
    days_range: Regex,
}

const SEP: &str = r"\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b|\bthrough\b)\s*";

fn build() -> Result<Patterns, regex::Error> {
    let t = times::time_pattern();
    let clock = times::clock_pattern();
    let days = days::list_pattern();
    Ok(Patterns {
        plain: ascii_re(&format!(r"(?i)({t}){SEP}({t})"))?,
        between: ascii_re(&format!(
            r"(?i)\bbetween\s+({t})(?:\s+and\s+|\s*[-–&]\s*)({t})"
        ))?,
        // The end may come later in the sentence: "start from 9:30am and
        // must be finished by 5pm".
        from: ascii_re(&format!(
            r"(?i)\b(?:from|after|starts?\s+at|starting\s+at|not\s+before|no\s+earlier\s+than)\s+({t})(?:\s*[-–—]\s*|.{{0,80}}?\b(?:to|until|till|through|by|before|no\s+later\s+than)\s+)({t})"
        ))?,
        // "Do not deploy between 5pm and 9am" is a freeze, not a window.
        negation: ascii_re(
            r"(?i)\b(?:not|never|no|don.t|doesn.t|can.t|cannot|avoid|outside|freeze|frozen|blackout)\b",
        )?,
        grant: ascii_re(r"(?i)\b(?:allowed|permitted|window|only|can|may)\b")?,
        end_on_days: ascii_re(&format!(r"(?i)({clock})\s+(?:on|for)\s+({days})"))?,
        days_until: ascii_re(&format!(
            r"(?i)({days})\s*[:,]?\s*(?:until|till|by|to|ends?\s+at|finish(?:es|ed)?\s+by)\s+({clock})"
        ))?,
        days_range: ascii_re(&format!(r"(?i)({days})\s*:?\s*({t}){SEP}({t})"))?,
    })
}

static PATTERNS: LazyLock<Result<Patterns, regex::Error>> = LazyLock::new(build);

#[cfg(test)]
pub(super) fn compiles() -> bool {
    build().is_ok()
}

struct Found {
    at: usize,
    end_at: usize,
    start: chrono::NaiveTime,
    end: chrono::NaiveTime,
}

/// The leftmost range that reads as a window.
fn find_range(p: &Patterns, text: &str, form: Form) -> Option<Found> {
    let patterns = [&p.between, &p.from, &p.plain];
    let n = if form == Form::Label || p.grant.is_match(text) {
        3
    } else {
        2
    };
    let mut best: Option<Found> = None;
    for re in &patterns[..n] {
        for c in re.captures_iter(text) {
            let (Some(all), Some(a), Some(b)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            if best.as_ref().is_some_and(|f| f.at <= all.start()) {
                break;
            }
            let clocks = times::parse(a.as_str()).zip(times::parse(b.as_str()));
            let Some((start, end)) = clocks.and_then(|(a, b)| times::range(a, b)) else {
                continue;
            };
            // Prose mentions the timings of steps ("deploy the backend from
            // 22:00 to 22:30"); a window to release in is longer than that.
            if form == Form::Sentence && times::span(start, end) < 60 {
                continue;
            }
            best = Some(Found {
                at: all.start(),
                end_at: b.end(),
                start,
                end,
            });
            break;
        }
    }
    best
}

pub(super) fn read(text: &str, form: Form) -> Option<Reading> {
    let p = PATTERNS.as_ref().ok()?;
    let found = find_range(p, text, form)?;
    if form == Form::Sentence && p.negation.is_match(&text[..found.at]) {
        return None;
    }
    let (tz, tail_at) = match zones::after(&text[found.end_at..]) {
        Some((tz, used)) => (Some(tz), found.end_at + used),
        None => (zones::anywhere(text), found.end_at),
    };
    let (day_ends, taken) = day_ends(p, text, tail_at, &found);
    // Days named only for an earlier end are not what the window's days are.
    let mut rest = text.to_string();
    for r in taken {
        rest.replace_range(r.clone(), &" ".repeat(r.len()));
    }
    Some(Reading {
        start: times::hm(found.start),
        end: times::hm(found.end),
        tz,
        days: days::days(&rest, form == Form::Sentence),
        day_ends,
    })
}

/// Ends on some days, from the text after the range: "or 4pm on Fridays",
/// "(Fri until 16:00)", "Fri 09:30-16:00". Returns them and the byte ranges
/// that named days only for that.
fn day_ends(
    p: &Patterns,
    text: &str,
    from: usize,
    found: &Found,
) -> (BTreeMap<String, String>, Vec<Range<usize>>) {
    let tail = &text[from..];
    let mut ends = BTreeMap::new();
    let mut taken = Vec::new();
    let mut put = |days_text: &str, clock: &str| {
        let Some(t) =
            times::parse(clock).and_then(|c| times::end_within(c, found.start, found.end))
        else {
            return false;
        };
        if t == found.end {
            return false;
        }
        for d in days::days(days_text, false) {
            ends.insert(d, times::hm(t));
        }
        true
    };
    for c in p.days_range.captures_iter(tail) {
        let same_start = times::parse(&c[2])
            .zip(times::parse(&c[3]))
            .and_then(|(a, b)| times::range(a, b))
            .is_some_and(|(s, _)| s == found.start);
        if same_start {
            put(&c[1], &c[3]);
        }
    }
    for (re, days_at, clock_at) in [(&p.days_until, 1, 2), (&p.end_on_days, 2, 1)] {
        for c in re.captures_iter(tail) {
            if put(&c[days_at], &c[clock_at])
                && let Some(m) = c.get(0)
            {
                taken.push(from + m.start()..from + m.end());
            }
        }
    }
    (ends, taken)
}
