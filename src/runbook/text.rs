//! Byte offsets to line numbers, and repair of double-encoded text.

use std::borrow::Cow;

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
    if (0x80..=0xFF).contains(&u) {
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
