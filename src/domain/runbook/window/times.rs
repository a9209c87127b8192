//! Clock times as runbooks write them ("22:00", "10:00 PM", "9:30am", "5pm",
//! "9.30am", "noon"), alone and in ranges.

use chrono::NaiveTime;

const MERIDIEM: &str = r"[ap]\.?\s?m\b\.?";

/// A time that can only be a clock: minutes after a colon, am/pm, noon or
/// midnight. "9.30" alone could be a version, so a dot needs am/pm.
pub(super) fn clock_pattern() -> String {
    format!(
        r"(?:\b\d{{1,2}}(?::\d{{2}}(?:\s*{MERIDIEM})?|\.\d{{2}}\s*{MERIDIEM}|\s*{MERIDIEM})|\bnoon\b|\bmidnight\b)"
    )
}

/// A clock, or a bare hour that the other end of a range makes a clock
/// ("10pm-2").
pub(super) fn time_pattern() -> String {
    format!(r"(?:{}|\b\d{{1,2}}\b)", clock_pattern())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Clock {
    hour: u32,
    minute: u32,
    /// Some(true) for pm; None when the half of the day is not written.
    pm: Option<bool>,
    /// Written so that it can only be a time of day (not a bare "10").
    exact: bool,
}

/// Reads what [`time_pattern`] matched.
pub(super) fn parse(s: &str) -> Option<Clock> {
    let s = s.trim().to_ascii_lowercase();
    match s.as_str() {
        "noon" => return clock(12, 0, Some(true), true),
        "midnight" => return clock(12, 0, Some(false), true),
        _ => {}
    }
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let hour = s[..digits].parse().ok()?;
    let rest = &s[digits..];
    let (minute, rest) = match rest.strip_prefix([':', '.']) {
        Some(r) if r.len() >= 2 && r.is_char_boundary(2) => (r[..2].parse().ok()?, &r[2..]),
        _ => (0, rest),
    };
    let pm = match rest.trim_start().chars().next() {
        Some('a') => Some(false),
        Some('p') => Some(true),
        _ => None,
    };
    clock(
        hour,
        minute,
        pm,
        pm.is_some() || digits < s.len() - rest.len(),
    )
}

fn clock(hour: u32, minute: u32, pm: Option<bool>, exact: bool) -> Option<Clock> {
    let valid = match pm {
        Some(_) => (1..=12).contains(&hour),
        None => hour < 24,
    };
    (valid && minute < 60).then_some(Clock {
        hour,
        minute,
        pm,
        exact,
    })
}

impl Clock {
    fn at(self, pm: Option<bool>) -> Option<NaiveTime> {
        let hour = match pm {
            Some(true) => self.hour % 12 + 12,
            Some(false) => self.hour % 12,
            None => self.hour,
        };
        NaiveTime::from_hms_opt(hour, self.minute, 0)
    }

    /// What the clock can mean: both halves of the day when am/pm is not
    /// written and the hour reads either way.
    fn readings(self) -> Vec<NaiveTime> {
        if self.pm.is_none() && (1..=12).contains(&self.hour) {
            [Some(false), Some(true)]
                .into_iter()
                .filter_map(|pm| self.at(pm))
                .collect()
        } else {
            self.at(self.pm).into_iter().collect()
        }
    }
}

/// Minutes from `a` forward to `b`; a range never has zero length, so equal
/// times are a whole day.
pub(super) fn span(a: NaiveTime, b: NaiveTime) -> i64 {
    match (b - a).num_minutes().rem_euclid(1440) {
        0 => 1440,
        m => m,
    }
}

/// "9-5pm" is 09:00-17:00 and "10-11pm" is 22:00-23:00: where one end has no
/// am/pm, the reading with the shorter window wins. With no am/pm on either
/// end the clock is 24-hour.
pub(super) fn range(a: Clock, b: Clock) -> Option<(NaiveTime, NaiveTime)> {
    if !a.exact && !b.exact {
        return None;
    }
    let side = |c: Clock, other: Clock| {
        if other.pm.is_some() {
            c.readings()
        } else {
            c.at(c.pm).into_iter().collect()
        }
    };
    let (starts, ends) = (side(a, b), side(b, a));
    starts
        .iter()
        .flat_map(|&s| ends.iter().map(move |&e| (s, e)))
        .min_by_key(|&(s, e)| span(s, e))
}

/// A second end for some days ("or 4pm on Fridays"): "4:00" in a 09:30-17:00
/// window is 16:00, the reading that falls inside the window.
pub(super) fn end_within(c: Clock, start: NaiveTime, end: NaiveTime) -> Option<NaiveTime> {
    if !c.exact {
        return None;
    }
    let readings = c.readings();
    let inside = |t: &&NaiveTime| span(start, **t) <= span(start, end);
    readings
        .iter()
        .find(inside)
        .or_else(|| readings.first())
        .copied()
}

pub(super) fn hm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(a: &str, b: &str) -> Option<(String, String)> {
        range(parse(a)?, parse(b)?).map(|(s, e)| (hm(s), hm(e)))
    }

    fn pair(a: &str, b: &str) -> Option<(String, String)> {
        Some((a.to_string(), b.to_string()))
    }

    #[test]
    fn clocks_in_every_spelling() {
        assert_eq!(r("10:00 PM", "2:00 AM"), pair("22:00", "02:00"));
        assert_eq!(r("9:30am", "5pm"), pair("09:30", "17:00"));
        assert_eq!(r("9.30am", "5 p.m."), pair("09:30", "17:00"));
        assert_eq!(r("23:30", "01:00"), pair("23:30", "01:00"));
        assert_eq!(r("noon", "midnight"), pair("12:00", "00:00"));
        assert_eq!(r("12am", "12pm"), pair("00:00", "12:00"));
    }

    #[test]
    fn a_missing_half_of_the_day_takes_the_shorter_window() {
        assert_eq!(r("9", "5pm"), pair("09:00", "17:00"));
        assert_eq!(r("10", "11pm"), pair("22:00", "23:00"));
        assert_eq!(r("11", "1am"), pair("23:00", "01:00"));
        assert_eq!(r("10pm", "2"), pair("22:00", "02:00"));
        assert_eq!(r("9am", "17:00"), pair("09:00", "17:00"));
        assert_eq!(r("22:00", "2"), pair("22:00", "02:00"));
    }

    #[test]
    fn bare_numbers_and_impossible_times_are_not_clocks() {
        assert_eq!(r("4", "5"), None);
        assert_eq!(r("25:00", "26:00"), None);
        assert_eq!(r("13pm", "2pm"), None);
        assert_eq!(parse("9:75"), None);
    }

    #[test]
    fn a_day_end_reads_inside_the_window() {
        let (start, end) = (parse("9:30am"), parse("5pm"));
        let (start, end) = range(start.unwrap(), end.unwrap()).unwrap();
        let at = |s: &str| end_within(parse(s).unwrap(), start, end).map(hm);
        assert_eq!(at("4pm").as_deref(), Some("16:00"));
        assert_eq!(at("4:00").as_deref(), Some("16:00"));
        assert_eq!(at("15:30").as_deref(), Some("15:30"));
        assert_eq!(at("4"), None);
    }
}
