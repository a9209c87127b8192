//! Time zones as runbooks write them: abbreviations ("EST", "UTC") and IANA
//! names ("Europe/Berlin").

use std::sync::LazyLock;

use regex::Regex;

use crate::domain::runbook::text::ascii_re;

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
    ("UK", "Europe/London"),
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

struct Patterns {
    /// The word right after a time range: "02:00-04:00 UTC", "(Europe/Berlin)".
    next: Regex,
    /// A zone anywhere in the statement: an upper-case abbreviation or an
    /// IANA name with a slash.
    any: Regex,
}

static PATTERNS: LazyLock<Result<Patterns, regex::Error>> = LazyLock::new(|| {
    Ok(Patterns {
        next: ascii_re(r"^\s*\(?\s*([A-Za-z]+(?:/[A-Za-z0-9_+-]+)+|[A-Za-z]{1,8})\b")?,
        any: ascii_re(r"\b(?:[A-Za-z]+(?:/[A-Za-z0-9_+-]+)+|[A-Z]{3,5})\b")?,
    })
});

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

/// Like [`zone`], but a word in lower case ("et", "est") is English, not an
/// abbreviation.
fn written_zone(word: &str) -> Option<String> {
    word.starts_with(|c: char| c.is_ascii_uppercase())
        .then(|| zone(word))
        .flatten()
}

/// The zone written right after a range, and how many bytes it took.
pub(super) fn after(rest: &str) -> Option<(String, usize)> {
    let p = PATTERNS.as_ref().ok()?;
    let c = p.next.captures(rest)?;
    let word = c.get(1)?;
    Some((written_zone(word.as_str())?, word.end()))
}

/// A zone named elsewhere in the statement ("(UTC) releases run from ...").
pub(super) fn anywhere(text: &str) -> Option<String> {
    let p = PATTERNS.as_ref().ok()?;
    p.any.find_iter(text).find_map(|m| written_zone(m.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_and_iana_names() {
        assert_eq!(zone("est").as_deref(), Some("America/New_York"));
        assert_eq!(zone("Europe/Berlin").as_deref(), Some("Europe/Berlin"));
        assert_eq!(zone("tomorrow"), None);
        assert_eq!(
            after(" Europe/Berlin, Wednesdays"),
            Some(("Europe/Berlin".into(), 14))
        );
        assert_eq!(after(" (UTC)"), Some(("UTC".into(), 5)));
        assert_eq!(after(" et al"), None);
        assert_eq!(after(", or 4pm"), None);
        assert_eq!(
            anywhere("All times CET: deploy between 9 and 5").as_deref(),
            Some("Europe/Berlin")
        );
        assert_eq!(anywhere("push to origin/main between 9 and 5"), None);
    }
}
