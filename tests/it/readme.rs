//! The README renders as written: every `## ` section is a heading to a
//! CommonMark renderer, not text swallowed by a code block left open.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

#[test]
fn every_section_of_the_readme_is_a_heading() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let written: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(|h| h.trim().to_string())
        .collect();
    let mut rendered = Vec::new();
    let mut current: Option<String> = None;
    for event in Parser::new(&text) {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) => current = Some(String::new()),
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                rendered.extend(current.take());
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = &mut current {
                    h.push_str(&t);
                }
            }
            _ => {}
        }
    }
    // An even number of fence lines: none left open.
    let fences = text
        .lines()
        .filter(|l| l.trim_start().starts_with("```"))
        .count();
    assert_eq!(fences % 2, 0, "a code fence is never closed");
    // Inline code in a heading loses its backticks when rendered; every
    // `## ` line of the file is a section (none sits in an example).
    let written: Vec<String> = written.iter().map(|h| h.replace('`', "")).collect();
    assert_eq!(rendered, written, "a section was swallowed by a code block");
    assert!(rendered.len() >= 10, "{rendered:?}");
    for must in ["Two commands", "Exit codes", "Development"] {
        assert!(
            rendered.iter().any(|h| h == must),
            "{must} is not a heading: {rendered:?}"
        );
    }
}
