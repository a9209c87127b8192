//! Byte offsets to line numbers, and repair of double-encoded text.

use std::borrow::Cow;

/// Compiles a pattern with ASCII meanings of `\b`, `\d`, `\s` and `\w`.
/// The Unicode versions cost milliseconds to compile (paid by every `check`
/// run) and push the matcher onto its slow path at every emoji, while the
/// syntax runbooks use (flags, numbers, labels) is ASCII anyway.
pub fn ascii_re(pattern: &str) -> Result<regex::Regex, regex::Error> {
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut chars = pattern.chars();
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push(c);
                    break;
                };
                let inside = class_depth > 0;
                match (next, inside) {
                    ('b', false) => out.push_str(r"(?-u:\b)"),
                    ('d', false) => out.push_str("[0-9]"),
                    ('d', true) => out.push_str("0-9"),
                    ('s', false) => out.push_str("[[:space:]]"),
                    ('s', true) => out.push_str("[:space:]"),
                    ('w', false) => out.push_str("[[:word:]]"),
                    ('w', true) => out.push_str("[:word:]"),
                    _ => {
                        out.push('\\');
                        out.push(next);
                    }
                }
            }
            '[' => {
                class_depth += 1;
                out.push(c);
                // A `]` right after `[` or `[^` is a literal, not the end.
                let rest = chars.as_str();
                let skip = if rest.starts_with("^]") {
                    2
                } else {
                    usize::from(rest.starts_with(']'))
                };
                for _ in 0..skip {
                    if let Some(x) = chars.next() {
                        out.push(x);
                    }
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    regex::Regex::new(&out)
}

/// Maps byte offsets to 1-based line numbers in O(log lines).
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { starts }
    }

    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

/// The byte that Windows-1252 decodes to `c`, for the characters a
/// double-encoding produces (UTF-8 bytes read as cp1252, written as UTF-8).
fn cp1252_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x80 {
        return None;
    }
    if u <= 0xFF {
        return u8::try_from(u).ok();
    }
    const HIGH: [(char, u8); 27] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8A),
        ('‹', 0x8B),
        ('Œ', 0x8C),
        ('Ž', 0x8E),
        ('‘', 0x91),
        ('’', 0x92),
        ('“', 0x93),
        ('”', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9A),
        ('›', 0x9B),
        ('œ', 0x9C),
        ('ž', 0x9E),
        ('Ÿ', 0x9F),
    ];
    HIGH.iter().find(|(h, _)| *h == c).map(|&(_, b)| b)
}

/// Undoes UTF-8 that was read as Windows-1252 and saved again ("ðŸ“¢" for
/// "📢"), the usual damage of a runbook pasted through the wrong tool.
/// Returns the repaired text and the byte offset of the first repair. Only
/// complete, valid multi-byte sequences are rewritten, so genuine Latin-1
/// text ("café") is left alone.
pub fn repair_mojibake(text: &str) -> (Cow<'_, str>, Option<usize>) {
    // Every double-encoded sequence starts with one of these lead bytes.
    if !text
        .chars()
        .any(|c| matches!(cp1252_byte(c), Some(0xC2..=0xF4)))
    {
        return (Cow::Borrowed(text), None);
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = String::with_capacity(text.len());
    let mut first = None;
    let mut i = 0;
    while i < chars.len() {
        let (offset, c) = chars[i];
        if let Some(decoded) = decode_at(&chars[i..]) {
            first.get_or_insert(offset);
            out.push(decoded.0);
            i += decoded.1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    match first {
        Some(_) => (Cow::Owned(out), first),
        None => (Cow::Borrowed(text), None),
    }
}

fn decode_at(chars: &[(usize, char)]) -> Option<(char, usize)> {
    let lead = cp1252_byte(chars.first()?.1)?;
    let len = match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let mut bytes = [0u8; 4];
    for (k, slot) in bytes.iter_mut().enumerate().take(len) {
        let b = cp1252_byte(chars.get(k)?.1)?;
        if k > 0 && !(0x80..=0xBF).contains(&b) {
            return None;
        }
        *slot = b;
    }
    let s = std::str::from_utf8(&bytes[..len]).ok()?;
    s.chars().next().map(|c| (c, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_classes_keep_their_meaning() {
        let re = ascii_re(r"^\w+\s\d[^\s\]]*\b").unwrap();
        assert!(re.is_match("a_1 9x]"));
        assert_eq!(re.find("ab 7xy z").map(|m| m.as_str()), Some("ab 7xy"));
        assert!(!re.is_match("é 1"));
        assert!(ascii_re(r"[]x]\[").unwrap().is_match("]["));
    }

    #[test]
    fn lines_are_one_based_and_count_crlf_once() {
        let idx = LineIndex::new("a\r\nb\nc");
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(3), 2);
        assert_eq!(idx.line(5), 3);
    }

    #[test]
    fn repairs_double_encoded_emoji_and_leaves_latin1_alone() {
        let (fixed, at) = repair_mojibake("x\nðŸ“¢ Production");
        assert_eq!(fixed, "x\n📢 Production");
        assert_eq!(at, Some(2));
        let (same, at) = repair_mojibake("café — naïve ✅");
        assert_eq!(same, "café — naïve ✅");
        assert_eq!(at, None);
        assert_eq!(repair_mojibake("Ã©tÃ©").0, "été");
    }
}
