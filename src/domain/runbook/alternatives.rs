//! Alternatives written inside one shell block:
//!
//! ```text
//! # Create manual backup
//! pnpm backup:db
//!
//! # Or using doctl with managed database
//! doctl databases backups create <DATABASE_ID>
//! ```
//!
//! A reader runs one of the two, never both, so the block is split into
//! parts and only one part of the group may ever run. The same holds for a
//! block introduced as "use one of these commands". When the shape is not
//! clear the block stays whole: the confirm shows all of it anyway.

/// One part of a split block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Line offset of the part's first line within the code.
    pub offset: usize,
    pub code: String,
    /// `(index, title)` for an alternative; `None` for what runs whatever
    /// is chosen (lines before or after the alternatives).
    pub alt: Option<(usize, String)>,
}

struct Chunk {
    first: usize,
    last: usize,
    header: Option<String>,
    runnable: bool,
}

/// A lead-in that says the blocks or items that follow are alternatives.
pub fn lead_offers_choice(lead: &str) -> bool {
    let l = lead.to_lowercase();
    [
        "one of these",
        "one of the following",
        "one of:",
        "choose one",
        "pick one",
        "choose between",
        "either",
        "alternatively",
        "alternatives",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// "# Or using doctl", "# Alternatively:", "# Option B: ...".
fn is_alternative_marker(comment: &str) -> bool {
    let c = comment.to_lowercase();
    let first = c.split_whitespace().next().unwrap_or("");
    matches!(
        first.trim_end_matches([',', ':']),
        "or" | "alternatively" | "alternative" | "otherwise"
    ) || (first == "option" && c.split_whitespace().nth(1).is_some_and(|w| w.len() <= 3))
}

fn chunks(lines: &[&str]) -> Vec<Chunk> {
    let mut out: Vec<Chunk> = Vec::new();
    let mut open = false;
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        if t.is_empty() {
            open = false;
            continue;
        }
        let comment = t.starts_with('#') && !t.starts_with("#!");
        if !open {
            out.push(Chunk {
                first: i,
                last: i,
                header: comment.then(|| t.trim_start_matches('#').trim().to_string()),
                runnable: false,
            });
            open = true;
        }
        if let Some(c) = out.last_mut() {
            c.last = i;
            c.runnable |= !comment;
        }
    }
    out
}

fn title_of(chunk: &Chunk, lines: &[&str]) -> String {
    let title = match &chunk.header {
        Some(h) => {
            let mut words = h.split_whitespace().peekable();
            if words.peek().is_some_and(|w| {
                matches!(
                    w.to_lowercase().trim_end_matches([',', ':']),
                    "or" | "alternatively" | "otherwise"
                )
            }) {
                words.next();
            }
            words.collect::<Vec<_>>().join(" ")
        }
        None => lines
            .get(chunk.first..=chunk.last)
            .and_then(|ls| ls.iter().find(|l| !l.trim().is_empty()))
            .map(|l| l.trim().to_string())
            .unwrap_or_default(),
    };
    let title = title.trim().trim_end_matches(':').trim();
    let mut chars = title.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The parts of `code`, or `None` when it holds no alternatives.
pub fn split(code: &str, lead: Option<&str>) -> Option<Vec<Part>> {
    let lines: Vec<&str> = code.lines().collect();
    let chunks = chunks(&lines);
    // Which chunks start an alternative.
    let starts: Vec<usize> = if chunks
        .iter()
        .any(|c| c.header.as_deref().is_some_and(is_alternative_marker))
    {
        let first_marker = chunks
            .iter()
            .position(|c| c.header.as_deref().is_some_and(is_alternative_marker))?;
        // "# Or ..." offers an alternative to what was just written.
        let first = first_marker.checked_sub(1)?;
        let mut s = vec![first];
        for (i, c) in chunks.iter().enumerate().skip(first_marker) {
            match c.header.as_deref() {
                Some(h) if is_alternative_marker(h) => s.push(i),
                // Another commented chunk after the alternatives: what
                // follows them, whichever was chosen.
                Some(_) => break,
                None => {}
            }
        }
        s
    } else if lead.is_some_and(lead_offers_choice) {
        chunks
            .iter()
            .enumerate()
            .filter(|(_, c)| c.header.is_some())
            .map(|(i, _)| i)
            .collect()
    } else {
        return None;
    };
    if starts.len() < 2 || starts.iter().any(|&i| !chunks[i].runnable) {
        return None;
    }
    // An alternative runs from its chunk to the next start, taking chunks
    // with no comment of their own; a commented chunk ends the group.
    let mut parts = Vec::new();
    let text = |from: usize, to: usize| lines[from..=to].join("\n").trim_end().to_string();
    let first = chunks[starts[0]].first;
    if first > 0 && lines[..first].iter().any(|l| !l.trim().is_empty()) {
        parts.push(Part {
            offset: 0,
            code: text(0, first - 1),
            alt: None,
        });
    }
    let mut end_of_group = chunks[starts[0]].last;
    for (k, &start) in starts.iter().enumerate() {
        let next = starts.get(k + 1).copied().unwrap_or(chunks.len());
        let mut last = start;
        for (i, c) in chunks.iter().enumerate().take(next).skip(start + 1) {
            if c.header.is_some() {
                break;
            }
            last = i;
        }
        end_of_group = chunks[last].last;
        parts.push(Part {
            offset: chunks[start].first,
            code: text(chunks[start].first, chunks[last].last),
            alt: Some((k, title_of(&chunks[start], &lines))),
        });
    }
    if end_of_group + 1 < lines.len()
        && lines[end_of_group + 1..]
            .iter()
            .any(|l| !l.trim().is_empty())
    {
        let from = (end_of_group + 1..lines.len())
            .find(|&i| !lines[i].trim().is_empty())
            .unwrap_or(end_of_group + 1);
        parts.push(Part {
            offset: from,
            code: text(from, lines.len() - 1),
            alt: None,
        });
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(parts: &[Part]) -> Vec<(Option<usize>, String)> {
        parts
            .iter()
            .map(|p| (p.alt.as_ref().map(|a| a.0), p.code.clone()))
            .collect()
    }

    #[test]
    fn or_comment_makes_two_alternatives() {
        let code = "# Create manual backup\npnpm backup:db\n\n# Or using doctl with managed database\ndoctl databases backups create <DATABASE_ID>\n";
        let parts = split(code, None).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].alt, Some((0, "Create manual backup".into())));
        assert_eq!(
            parts[1].alt,
            Some((1, "Using doctl with managed database".into()))
        );
        assert_eq!(parts[1].offset, 3);
        assert!(parts[1].code.contains("doctl") && !parts[1].code.contains("pnpm"));
    }

    #[test]
    fn what_comes_before_and_after_runs_either_way() {
        let code = "# Fetch\ngit fetch\n\n# Deploy with make\nmake deploy\n\n# Or with the script\n./deploy.sh\n\n# Then check\ncurl -f localhost/health";
        let parts = split(code, None).unwrap();
        assert_eq!(
            titles(&parts),
            vec![
                (None, "# Fetch\ngit fetch".into()),
                (Some(0), "# Deploy with make\nmake deploy".into()),
                (Some(1), "# Or with the script\n./deploy.sh".into()),
                (None, "# Then check\ncurl -f localhost/health".into()),
            ]
        );
    }

    #[test]
    fn a_lead_in_that_offers_a_choice() {
        let code = "# Full seed path\npnpm seed:new:complete:real-only\n\n# Backfill-only path\npnpm seed:batch-images:apply:real-only";
        assert!(split(code, None).is_none());
        let parts = split(
            code,
            Some("Then use one of these commands for safe behavior:"),
        )
        .unwrap();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.alt.is_some()));
    }

    #[test]
    fn sequences_stay_whole() {
        for code in [
            "# Update Slack\ncurl -X POST $HOOK\n\n# Update incident\ngh issue comment 1",
            "git revert HEAD\ngit push origin main",
            // An "or" with nothing before it to be an alternative to.
            "# Or run this\nmake x",
            // An alternative that is only a comment is no command to choose.
            "make a\n\n# Or click Rollback in the console",
        ] {
            assert!(split(code, None).is_none(), "{code}");
        }
    }
}
