//! One line of whole parts: when a line is wider than the screen, whole
//! parts go (the least important first), never half a word. What is left
//! keeps its order.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// A part of a line: dropped whole, lowest `keep` first (the rightmost of
/// equals first). `joined` parts get the separator before them.
pub struct Part {
    pub keep: u8,
    pub joined: bool,
    pub spans: Vec<Span<'static>>,
}

impl Part {
    pub fn new(keep: u8, span: Span<'static>) -> Part {
        Part {
            keep,
            joined: true,
            spans: vec![span],
        }
    }

    /// A part with no separator before it (a badge, a lead space).
    pub fn alone(keep: u8, span: Span<'static>) -> Part {
        Part {
            joined: false,
            ..Part::new(keep, span)
        }
    }
}

/// The parts that fit in `width` columns, with `sep` between joined ones.
/// The last part standing is cut at a word with "…" only if even it alone
/// is too wide.
pub fn fit(parts: Vec<Part>, sep: &Span<'static>, width: usize) -> Line<'static> {
    let mut kept: Vec<bool> = vec![true; parts.len()];
    let line_width = |kept: &[bool]| -> usize {
        let mut w = 0;
        let mut any = false;
        for (p, _) in parts.iter().zip(kept).filter(|(_, k)| **k) {
            if any && p.joined {
                w += sep.width();
            }
            w += p.spans.iter().map(Span::width).sum::<usize>();
            any = true;
        }
        w
    };
    while line_width(&kept) > width && kept.iter().filter(|k| **k).count() > 1 {
        let drop = parts
            .iter()
            .enumerate()
            .filter(|(i, _)| kept[*i])
            .min_by_key(|(i, p)| (p.keep, std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        match drop {
            Some(i) => kept[i] = false,
            None => break,
        }
    }
    let mut spans = Vec::new();
    for (p, _) in parts.into_iter().zip(&kept).filter(|(_, k)| **k) {
        if !spans.is_empty() && p.joined {
            spans.push(sep.clone());
        }
        spans.extend(p.spans);
    }
    let mut line = Line::from(spans);
    if line.width() > width {
        line = cut_at_word(line, width);
    }
    line
}

/// The line's text cut at the last space before `width - 1`, then "…";
/// a line that fits is left as it is.
pub fn cut_at_word(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    let room = width.saturating_sub(1);
    let mut style = Style::new();
    for span in line.spans {
        style = span.style;
        let w = span.width();
        if used + w <= room {
            used += w;
            out.push(span);
            continue;
        }
        let mut text = String::new();
        let mut cut = 0;
        for (i, c) in span.content.char_indices() {
            let mut buf = [0u8; 4];
            let cw = Span::raw(&*c.encode_utf8(&mut buf)).width();
            if used + cw > room {
                break;
            }
            used += cw;
            if c == ' ' {
                cut = i;
            }
            text.push(c);
        }
        text.truncate(cut);
        out.push(Span::styled(text.trim_end().to_string(), span.style));
        break;
    }
    out.push(Span::styled("…", style));
    Line::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(l: &Line) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn whole_parts_go_least_important_first_and_order_stays() {
        let sep = Span::raw(" │ ");
        let parts = || {
            vec![
                Part::alone(9, Span::raw(" MIRROR ")),
                Part::new(2, Span::raw("A long runbook title")),
                Part::new(8, Span::raw("PRODUCTION")),
                Part::new(3, Span::raw("op alice")),
                Part::new(7, Span::raw("23:41 EST")),
            ]
        };
        assert_eq!(
            text(&fit(parts(), &sep, 80)),
            " MIRROR  │ A long runbook title │ PRODUCTION │ op alice │ 23:41 EST"
        );
        assert_eq!(
            text(&fit(parts(), &sep, 50)),
            " MIRROR  │ PRODUCTION │ op alice │ 23:41 EST"
        );
        assert_eq!(
            text(&fit(parts(), &sep, 36)),
            " MIRROR  │ PRODUCTION │ 23:41 EST"
        );
        let one = vec![Part::new(1, Span::raw("deployer not responding now"))];
        assert_eq!(text(&fit(one, &sep, 20)), "deployer not…");
        let cmd = || Line::raw("railway logs --environment production");
        assert_eq!(text(&cut_at_word(cmd(), 24)), "railway logs…");
        assert_eq!(
            text(&cut_at_word(cmd(), 80)),
            "railway logs --environment production"
        );
    }
}
