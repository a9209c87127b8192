//! Where runbooks state the window: a label that names it ("**Release
//! window:** Wednesday 23:30-01:00 Europe/Berlin", a table row), or else a
//! sentence about releasing ("Releases can start from 9:30am and must be
//! finished by 5pm"), which may run over several source lines.

use std::sync::LazyLock;

use regex::Regex;

use super::statement::{self, Form, Reading};
use crate::domain::runbook::text::ascii_re;
use crate::domain::runbook::walk::TextLine;

/// A label that names a window or a time to release in: "Time", "Window",
/// "Maintenance", "Standard Maintenance", "Release window", "Deploy hours".
/// The whole label must be this, so "Time to Complete", "Response Time" and
/// "Rollback Window" are not windows.
const LABEL: &str = r"(?:(?:standard|normal|regular|usual|scheduled|planned|preferred|weekly|nightly|production|prod|default)\s+)*(?:maintenance|(?:(?:maintenance|release|deploy|deployment|change|rollout|upgrade)s?\s+)?(?:time\s+)?(?:window|time|hour|slot)s?)";

struct Patterns {
    label: Regex,
    /// A table cell that is only a label; its value is the next cell.
    cell: Regex,
    topic: Regex,
}

fn build() -> Result<Patterns, regex::Error> {
    Ok(Patterns {
        label: ascii_re(&format!(r"(?i)^\s*{LABEL}\s*(\([^)]*\))?\s*:\s*(.*)$"))?,
        cell: ascii_re(&format!(r"(?i)^\s*{LABEL}\s*(?:\([^)]*\))?\s*:?\s*$"))?,
        topic: ascii_re(
            r"(?i)\b(?:releas(?:e|es|ed|ing)|deploy(?:s|ed|ing|ments?)?|maintenance|rollouts?|go-lives?|change\s+windows?)\b",
        )?,
    })
}

static PATTERNS: LazyLock<Result<Patterns, regex::Error>> = LazyLock::new(build);

#[cfg(test)]
pub(super) fn compiles() -> bool {
    build().is_ok()
}

/// The first labelled window, with the label's line.
pub(super) fn labelled(lines: &[TextLine]) -> Option<(usize, Reading)> {
    let p = PATTERNS.as_ref().ok()?;
    lines.iter().enumerate().find_map(|(i, l)| {
        let next = lines.get(i + 1);
        let value = if let Some(c) = l
            .text
            .contains(':')
            .then(|| p.label.captures(&l.text))
            .flatten()
        {
            let written = c.get(2).map_or("", |m| m.as_str().trim());
            let value = if written.is_empty() {
                // "**Release window:**" with the times on the next line.
                next.filter(|n| n.continues || n.line == l.line)?
                    .text
                    .as_str()
            } else {
                written
            };
            // "Release window (UTC): ..." keeps the zone it named.
            match c.get(1) {
                Some(paren) => format!("{value} {}", paren.as_str()),
                None => value.to_string(),
            }
        } else {
            next.filter(|n| n.line == l.line && p.cell.is_match(&l.text))?
                .text
                .clone()
        };
        Some((l.line, statement::read(&value, Form::Label)?))
    })
}

/// The first sentence that states a window, with the line it starts on.
pub(super) fn sentence(lines: &[TextLine]) -> Option<(usize, Reading)> {
    let p = PATTERNS.as_ref().ok()?;
    let mut rest = lines;
    while !rest.is_empty() {
        let len = 1 + rest[1..].iter().take_while(|l| l.continues).count();
        let (paragraph, after) = rest.split_at(len);
        rest = after;
        if !paragraph.iter().any(|l| might_hold_times(&l.plain)) {
            continue;
        }
        let mut text = String::new();
        let mut starts = Vec::with_capacity(paragraph.len());
        for l in paragraph {
            starts.push((text.len(), l.line));
            text.push_str(l.plain.trim());
            text.push(' ');
        }
        for s in sentences(&text) {
            let sentence = &text[s.clone()];
            if !p.topic.is_match(sentence) {
                continue;
            }
            if let Some(reading) = statement::read(sentence, Form::Sentence) {
                let line = starts
                    .iter()
                    .take_while(|(at, _)| *at <= s.start)
                    .last()
                    .map_or(0, |(_, line)| *line);
                return Some((line, reading));
            }
        }
    }
    None
}

fn might_hold_times(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit()) || text.contains("noon") || text.contains("midnight")
}

/// Sentence byte ranges, split after `.`, `!` or `?` where the next word
/// starts with a capital, so "9.30am" and "5 p.m. on Fridays" stay whole.
fn sentences(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'.' | b'!' | b'?')
            && bytes.get(i + 1).is_some_and(u8::is_ascii_whitespace)
            && text[i + 1..]
                .trim_start()
                .starts_with(|c: char| c.is_uppercase())
        {
            out.push(skip_space(text, start)..i + 1);
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push(skip_space(text, start)..text.len());
    }
    out
}

fn skip_space(text: &str, from: usize) -> usize {
    from + (text[from..].len() - text[from..].trim_start().len())
}
