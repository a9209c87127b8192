//! Days of the week as runbooks write them: "Tuesday/Thursday", "Tue-Thu",
//! "Mondays", "weekdays", "Weekday (Tuesday-Thursday preferred)", "weekdays
//! except Friday".

use std::sync::LazyLock;

use regex::Regex;

use crate::domain::runbook::text::ascii_re;

pub(super) const WEEK: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// One day. Plurals only on whole names: "thus" is not Thursdays.
const DAY: &str = r"(?:mon(?:days?)?|tue(?:s(?:days?)?)?|wed(?:nesdays?|s)?|thu(?:r(?:s(?:days?)?)?)?|fri(?:days?)?|sat(?:urdays?)?|sun(?:days?)?)";

/// Days as a list ("Tue/Thu", "Mon, Wed and Fri", "Tue-Thu", "weekends"), for
/// patterns that need to know where the days end.
pub(super) fn list_pattern() -> String {
    let one = format!(r"\b(?:{DAY}|weekdays?|weekends?)\b");
    format!(r"(?i:{one}(?:\s*(?:,|/|&|-|–|—|\band\b|\bor\b|\bto\b|\bthrough\b)\s*{one})*)")
}

struct Patterns {
    day: Regex,
    range: Regex,
    /// "except Friday", "not on weekends": up to the end of the clause.
    except: Regex,
}

static PATTERNS: LazyLock<Result<Patterns, regex::Error>> = LazyLock::new(|| {
    Ok(Patterns {
        day: ascii_re(&format!(r"(?i)\b({DAY})\b"))?,
        range: ascii_re(&format!(
            r"(?i)\b({DAY})\s*(?:-|–|—|to|through|thru)\s*({DAY})\b"
        ))?,
        except: ascii_re(
            r"(?i)\b(?:except|excluding|but not|not on|never on|other than|apart from)\b[^,;.()]*",
        )?,
    })
});

fn day_index(word: &str, prose: bool) -> Option<usize> {
    // In a sentence, these in lower case are English words ("we sat", "the
    // sun") before they are days.
    if prose && matches!(word, "sat" | "sun" | "wed") {
        return None;
    }
    let w = word.to_lowercase();
    WEEK.iter().position(|d| w.starts_with(&d.to_lowercase()))
}

fn mark(p: &Patterns, text: &str, prose: bool, picked: &mut [bool; 7]) {
    let before = *picked;
    for c in p.range.captures_iter(text) {
        if let (Some(a), Some(b)) = (day_index(&c[1], prose), day_index(&c[2], prose)) {
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
    for c in p.day.captures_iter(text) {
        if let Some(i) = day_index(&c[1], prose) {
            picked[i] = true;
        }
    }
    // Named days are the narrower reading: "Weekday (Tuesday-Thursday
    // preferred)" means Tuesday to Thursday.
    if *picked == before {
        let lower = text.to_lowercase();
        if lower.contains("weekday") || lower.contains("working day") {
            picked[..5].fill(true);
        }
        if lower.contains("weekend") {
            picked[5..].fill(true);
        }
    }
}

/// The days a statement names, in week order ("Mon".."Sun"); empty when it
/// names none. Days after "except" are taken out; named only as exceptions,
/// they leave every other day of the week. `prose` is a sentence rather than
/// a label's value.
pub(super) fn days(text: &str, prose: bool) -> Vec<String> {
    let Ok(p) = PATTERNS.as_ref() else {
        return Vec::new();
    };
    let (mut picked, mut excluded) = ([false; 7], [false; 7]);
    let mut last = 0;
    for m in p.except.find_iter(text) {
        mark(p, &text[last..m.start()], prose, &mut picked);
        mark(p, m.as_str(), prose, &mut excluded);
        last = m.end();
    }
    mark(p, &text[last..], prose, &mut picked);
    if !picked.contains(&true) && excluded.contains(&true) {
        picked = [true; 7];
    }
    WEEK.iter()
        .zip(picked.iter().zip(excluded))
        .filter(|(_, (on, off))| **on && !off)
        .map(|(d, _)| (*d).to_string())
        .collect()
}

/// Adds `more` to `days`, keeping week order.
pub(super) fn union(days: &[String], more: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut all: Vec<String> = days.iter().cloned().chain(more).collect();
    all.sort_by_key(|d| WEEK.iter().position(|w| w == d));
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Vec<String> {
        days(text, true)
    }

    #[test]
    fn days_as_written() {
        assert_eq!(d("Tuesday/Thursday"), ["Tue", "Thu"]);
        assert_eq!(d("Tue-Thu"), ["Tue", "Wed", "Thu"]);
        assert_eq!(d("Fri"), ["Fri"]);
        assert_eq!(d("on Mondays"), ["Mon"]);
        assert_eq!(d("Weds and Fridays"), ["Wed", "Fri"]);
        assert_eq!(d("weekdays"), ["Mon", "Tue", "Wed", "Thu", "Fri"]);
        assert_eq!(
            d("Weekday (Tuesday-Thursday preferred)"),
            ["Tue", "Wed", "Thu"]
        );
        assert_eq!(d("Saturday-Sunday"), ["Sat", "Sun"]);
        assert_eq!(d("Fri to Mon"), ["Mon", "Fri", "Sat", "Sun"]);
        assert_eq!(d("weekends"), ["Sat", "Sun"]);
    }

    #[test]
    fn exceptions_and_english_words() {
        assert_eq!(d("weekdays except Friday"), ["Mon", "Tue", "Wed", "Thu"]);
        assert_eq!(
            d("any day, never on Fridays"),
            ["Mon", "Tue", "Wed", "Thu", "Sat", "Sun"]
        );
        assert!(d("we sat in the sun and thus wed").is_empty());
        assert_eq!(days("sat, sun", false), ["Sat", "Sun"]);
        assert!(d("at 5pm").is_empty());
    }

    #[test]
    fn union_keeps_week_order() {
        let days = vec!["Tue".to_string(), "Thu".to_string()];
        assert_eq!(
            union(&days, ["Mon".to_string(), "Thu".to_string()]),
            ["Mon", "Tue", "Thu"]
        );
    }
}
