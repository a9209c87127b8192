//! Terminal escape sequences out of command output. The log file, the
//! journal and the report hold plain text; colours are a screen matter, and
//! a secret split by a colour code would slip past the masker.

use std::borrow::Cow;

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';
/// The 8-bit CSI, which some tools still emit.
const CSI: char = '\u{9b}';

/// `line` without CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL|ESC \`),
/// DCS/PM/APC/SOS strings and two- or three-byte escapes. Text is kept.
pub fn strip_ansi(line: &str) -> Cow<'_, str> {
    if !line.contains([ESC, CSI]) {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ESC => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']' | 'P' | 'X' | '^' | '_') => skip_string(&mut chars),
                // `ESC ( B` and friends: intermediates, then one final.
                Some(c) if (' '..='/').contains(&c) => {
                    while chars.next_if(|c| (' '..='/').contains(c)).is_some() {}
                    chars.next();
                }
                _ => {}
            },
            CSI => skip_csi(&mut chars),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // Parameter and intermediate bytes, then one final byte in @..~.
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        if c == BEL {
            break;
        }
        if c == ESC && chars.next_if_eq(&'\\').is_some() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_go_text_stays() {
        let table = [
            ("plain", "plain"),
            ("\x1b[31merror\x1b[0m: x", "error: x"),
            ("\x1b[1;38;5;208mbold\x1b[m", "bold"),
            ("\x1b]0;title\x07after", "after"),
            ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),
            ("\x1b(Bascii", "ascii"),
            ("\u{9b}2Kcleared", "cleared"),
            ("cut \x1b[", "cut "),
            ("ünï \x1b[32mcödé\x1b[0m", "ünï cödé"),
        ];
        for (input, want) in table {
            assert_eq!(strip_ansi(input), want, "{input:?}");
        }
        assert!(matches!(strip_ansi("x"), Cow::Borrowed(_)));
    }
}
