//! `report --html FILE`: the record as one self-contained page to attach
//! to an incident ticket. The Markdown rendered with pulldown-cmark, each
//! chart's image replaced by the SVG itself, a small inline style sheet; no
//! external URL and no script. Raw HTML in the Markdown (a note typed as
//! `<script>`) is written as text, never as markup.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

const STYLE: &str = "body{font-family:sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.4}\
table{border-collapse:collapse;margin:1rem 0}\
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}\
code{background:#f3f3f3;padding:0 .2rem}\
svg{max-width:100%;height:auto}";

/// The page for a report's Markdown, with `charts` (file name under
/// `charts/`, SVG document) inlined where the Markdown shows them.
pub fn page(title: &str, markdown: &str, charts: &[(&str, &str)]) -> String {
    let mut events = Vec::new();
    let mut skipping = false;
    for e in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match e {
            Event::Start(Tag::Image { ref dest_url, .. }) => {
                let file = dest_url.strip_prefix("charts/").unwrap_or(dest_url);
                if let Some((_, svg)) = charts.iter().find(|(f, _)| *f == file) {
                    // In the image's paragraph: an inline <svg> is phrasing
                    // content, where a <figure> would not be.
                    events.push(Event::Html(CowStr::from(inline(svg).to_string())));
                    skipping = true;
                } else {
                    events.push(e);
                }
            }
            Event::End(TagEnd::Image) if skipping => skipping = false,
            _ if skipping => {}
            Event::Html(text) | Event::InlineHtml(text) => events.push(Event::Text(text)),
            e => events.push(e),
        }
    }
    let mut body = String::with_capacity(markdown.len() * 2);
    pulldown_cmark::html::push_html(&mut body, events.into_iter());
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// An SVG document as an element of the page: without its XML prolog.
fn inline(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => svg[i..].trim_end(),
        None => svg,
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
