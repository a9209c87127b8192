//! One pass of pulldown-cmark events over the runbook, collecting the raw
//! material (sections, list entries, blocks, text lines, tables) that
//! `derive` then interprets. Ownership is decided here, from the open
//! containers, so the pass stays linear however long the runbook is.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::model::{Block, BlockKind, Item, ItemKind, Owner, Section};
use super::text::LineIndex;

/// A list item of any kind (checklist or not): rollback steps, criteria and
/// escalation paths are plain list items too.
#[derive(Debug, Clone)]
pub struct Entry {
    pub ordered: bool,
    pub item: Option<usize>,
    pub parent: Option<usize>,
    pub section: Option<usize>,
    pub text: String,
    pub title: Option<String>,
    pub line: usize,
    pub start: usize,
    pub end: usize,
    title_from: Option<usize>,
    /// The prose just before the list ("Choose one:"), if any.
    pub lead: Option<String>,
    /// Which list it is in (a counter over the document's lists).
    pub list: usize,
}

/// One line of prose as a reader sees it. `plain` leaves inline code out, so
/// that `[skip-ci]` in backticks is not taken for a placeholder.
#[derive(Debug, Clone)]
pub struct TextLine {
    pub line: usize,
    pub text: String,
    pub plain: String,
    /// The same paragraph goes on from the line before (a soft or hard
    /// break), so a sentence can be read across source lines.
    pub continues: bool,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub section: Option<usize>,
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

#[derive(Debug, Clone)]
pub struct RawBlock {
    /// The code as written (console prompts kept), for scanning with lines.
    pub raw: String,
    pub first_code_line: usize,
    pub start: usize,
    /// Not inside any list item: the section's own content.
    pub top_level: bool,
    /// The prose just before the block ("Then use one of these commands:",
    /// "Using cron (every 5 minutes):"): what the author says it is for.
    pub lead: Option<String>,
}

pub struct Walked {
    pub sections: Vec<Section>,
    /// Byte ranges of each section's subtree (heading to the next heading of
    /// the same or a higher level).
    pub section_spans: Vec<(usize, usize)>,
    pub items: Vec<Item>,
    pub entries: Vec<Entry>,
    pub blocks: Vec<Block>,
    pub raw_blocks: Vec<RawBlock>,
    pub text_lines: Vec<TextLine>,
    pub tables: Vec<Table>,
    pub link_urls: Vec<(usize, String)>,
    /// `title:` of YAML front matter (`---` ... `---` at the top).
    pub front_matter_title: Option<String>,
}

struct Code {
    info: Option<String>,
    start: usize,
    end: usize,
    text: String,
}

struct TableBuild {
    section: Option<usize>,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
    row: Vec<String>,
    row_line: usize,
    cell: Option<String>,
}

struct Walker<'a> {
    src: &'a str,
    lines: LineIndex,
    out: Walked,
    section_stack: Vec<usize>,
    section_starts: Vec<usize>,
    heading: Option<(u8, usize, String)>,
    list_stack: Vec<bool>,
    entry_stack: Vec<usize>,
    code: Option<Code>,
    table: Option<TableBuild>,
    line_buf: Option<TextLine>,
    /// The newest line of prose since the last heading.
    last_prose: Option<String>,
    /// Each open list's lead-in.
    list_leads: Vec<Option<String>>,
    /// A paragraph outside lists and tables that may be only a bold label.
    para: Option<Para>,
    metadata: Option<String>,
    after_break: bool,
    /// Open lists' ids, innermost last.
    lists: Vec<usize>,
    list_count: usize,
}

/// A paragraph being read: `**Rollback Process:**` alone on its line is a
/// heading in all but name.
struct Para {
    start: usize,
    strong: String,
    /// Text outside the bold part (other than a colon).
    other: bool,
    in_strong: bool,
}

pub fn walk(src: &str) -> Walked {
    let mut w = Walker {
        src,
        lines: LineIndex::new(src),
        out: Walked {
            sections: Vec::new(),
            section_spans: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            blocks: Vec::new(),
            raw_blocks: Vec::new(),
            text_lines: Vec::new(),
            tables: Vec::new(),
            link_urls: Vec::new(),
            front_matter_title: None,
        },
        section_stack: Vec::new(),
        section_starts: Vec::new(),
        heading: None,
        list_stack: Vec::new(),
        entry_stack: Vec::new(),
        code: None,
        table: None,
        line_buf: None,
        last_prose: None,
        list_leads: Vec::new(),
        para: None,
        metadata: None,
        after_break: false,
        lists: Vec::new(),
        list_count: 0,
    };
    let options = Options::ENABLE_TASKLISTS
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    for (event, range) in Parser::new_ext(src, options).into_offset_iter() {
        w.event(event, range);
    }
    w.flush_line();
    w.finish()
}

impl Walker<'_> {
    fn current_section(&self) -> Option<usize> {
        self.section_stack.last().copied()
    }

    fn event(&mut self, event: Event<'_>, range: std::ops::Range<usize>) {
        if let Some(meta) = &mut self.metadata {
            match event {
                Event::Text(t) => meta.push_str(&t),
                Event::End(TagEnd::MetadataBlock(_)) => {
                    let meta = self.metadata.take().unwrap_or_default();
                    self.out.front_matter_title = front_matter_title(&meta);
                }
                _ => {}
            }
            return;
        }
        if let Some(p) = &mut self.para {
            match &event {
                Event::Start(Tag::Strong) => p.in_strong = true,
                Event::End(TagEnd::Strong) => p.in_strong = false,
                Event::Text(t) | Event::Code(t) if p.in_strong => p.strong.push_str(t),
                Event::Text(t) if t.trim().trim_start_matches(':').trim().is_empty() => {}
                Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => {}
                _ => p.other = true,
            }
        }
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag, range),
            Event::Text(t) => self.text(&t, &t, range.start),
            Event::Code(t) => {
                let shown = format!("`{t}`");
                self.text(&shown, " ", range.start);
            }
            Event::InlineHtml(t) if !t.starts_with("<!--") => self.text(&t, &t, range.start),
            Event::SoftBreak | Event::HardBreak => {
                // A new source line: prose is scanned line by line, but the
                // item or heading it belongs to reads on with a space.
                self.flush_line();
                self.after_break = true;
                if let Some((_, _, heading)) = &mut self.heading {
                    heading.push(' ');
                } else if let Some(cell) = self.table.as_mut().and_then(|t| t.cell.as_mut()) {
                    cell.push(' ');
                } else if let Some(&e) = self.entry_stack.last() {
                    self.out.entries[e].text.push(' ');
                }
            }
            Event::TaskListMarker(checked) => self.task_marker(checked),
            Event::Rule => self.flush_line(),
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: std::ops::Range<usize>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.flush_line();
                self.heading = Some((level as u8, range.start, String::new()));
            }
            Tag::List(first) => {
                self.flush_line();
                self.list_stack.push(first.is_some());
                self.list_count += 1;
                self.lists.push(self.list_count);
                let lead = if self.entry_stack.is_empty() {
                    self.last_prose.clone()
                } else {
                    None
                };
                self.list_leads.push(lead);
            }
            Tag::Item => {
                self.flush_line();
                let id = self.out.entries.len();
                self.out.entries.push(Entry {
                    ordered: self.list_stack.last().copied().unwrap_or(false),
                    item: None,
                    parent: self.entry_stack.last().copied(),
                    section: self.current_section(),
                    text: String::new(),
                    title: None,
                    line: self.lines.line(range.start),
                    start: range.start,
                    end: range.end,
                    title_from: None,
                    lead: self.list_leads.last().cloned().flatten(),
                    list: self.lists.last().copied().unwrap_or(0),
                });
                self.entry_stack.push(id);
            }
            Tag::CodeBlock(kind) => {
                self.flush_line();
                let info = match kind {
                    CodeBlockKind::Fenced(info) => Some(info.to_string()),
                    CodeBlockKind::Indented => None,
                };
                self.code = Some(Code {
                    info,
                    start: range.start,
                    end: range.end,
                    text: String::new(),
                });
            }
            Tag::Strong => {
                if let Some(&e) = self.entry_stack.last() {
                    let entry = &mut self.out.entries[e];
                    if entry.title.is_none() && entry.text.trim().is_empty() && self.table.is_none()
                    {
                        entry.title_from = Some(entry.text.len());
                    }
                }
            }
            Tag::Table(_) => {
                self.flush_line();
                self.table = Some(TableBuild {
                    section: self.current_section(),
                    header: Vec::new(),
                    rows: Vec::new(),
                    row: Vec::new(),
                    row_line: self.lines.line(range.start),
                    cell: None,
                });
            }
            Tag::TableHead | Tag::TableRow => {
                let line = self.lines.line(range.start);
                if let Some(t) = &mut self.table {
                    t.row.clear();
                    t.row_line = line;
                }
            }
            Tag::TableCell => {
                if let Some(t) = &mut self.table {
                    t.cell = Some(String::new());
                }
            }
            Tag::Link { dest_url, .. } => {
                let line = self.lines.line(range.start);
                self.out.link_urls.push((line, dest_url.to_string()));
            }
            Tag::MetadataBlock(_) => self.metadata = Some(String::new()),
            Tag::Paragraph => {
                self.flush_line();
                if self.entry_stack.is_empty() && self.table.is_none() {
                    self.para = Some(Para {
                        start: range.start,
                        strong: String::new(),
                        other: false,
                        in_strong: false,
                    });
                }
            }
            Tag::BlockQuote(_) => self.flush_line(),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd, _range: std::ops::Range<usize>) {
        match tag {
            TagEnd::Heading(_) => self.end_heading(),
            TagEnd::List(_) => {
                self.flush_line();
                self.list_stack.pop();
                self.list_leads.pop();
                self.lists.pop();
            }
            TagEnd::Item => {
                self.flush_line();
                if let Some(e) = self.entry_stack.pop() {
                    let entry = &mut self.out.entries[e];
                    entry.text = collapse_spaces(&entry.text);
                    if let Some(id) = entry.item {
                        self.out.items[id].text = entry.text.clone();
                        self.out.items[id].title = entry.title.clone();
                    }
                }
            }
            TagEnd::CodeBlock => self.end_code(),
            TagEnd::Strong => {
                if let Some(&e) = self.entry_stack.last() {
                    let entry = &mut self.out.entries[e];
                    if let Some(from) = entry.title_from.take() {
                        let title = collapse_spaces(&entry.text[from..]);
                        let title = title.trim_end_matches(':').trim().to_string();
                        if !title.is_empty() {
                            entry.title = Some(title);
                        }
                    }
                }
            }
            TagEnd::TableCell => {
                self.flush_line();
                if let Some(t) = &mut self.table
                    && let Some(cell) = t.cell.take()
                {
                    t.row.push(collapse_spaces(&cell));
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.header = std::mem::take(&mut t.row);
                }
            }
            TagEnd::TableRow => {
                if let Some(t) = &mut self.table {
                    let row = std::mem::take(&mut t.row);
                    t.rows.push((t.row_line, row));
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.out.tables.push(Table {
                        section: t.section,
                        header: t.header,
                        rows: t.rows,
                    });
                }
            }
            TagEnd::Paragraph => {
                self.flush_line();
                if let Some(&e) = self.entry_stack.last() {
                    self.out.entries[e].text.push(' ');
                }
                if let Some(p) = self.para.take() {
                    let label = collapse_spaces(&p.strong);
                    let label = label.trim_end_matches(':').trim();
                    if !p.other && !label.is_empty() && names_procedure_label(label) {
                        self.label_section(p.start, label.to_string());
                    }
                }
            }
            _ => {}
        }
    }

    /// Inline content: `shown` is what a reader sees, `plain` the same
    /// without inline code.
    fn text(&mut self, shown: &str, plain: &str, offset: usize) {
        if let Some(code) = &mut self.code {
            code.text.push_str(shown);
            return;
        }
        if let Some((_, _, heading)) = &mut self.heading {
            heading.push_str(shown);
        } else if let Some(t) = &mut self.table {
            if let Some(cell) = &mut t.cell {
                cell.push_str(shown);
            }
        } else if let Some(&e) = self.entry_stack.last() {
            self.out.entries[e].text.push_str(shown);
        }
        if self.heading.is_some() {
            return;
        }
        let continues = std::mem::take(&mut self.after_break);
        let buf = self.line_buf.get_or_insert_with(|| TextLine {
            line: self.lines.line(offset),
            text: String::new(),
            plain: String::new(),
            continues,
        });
        buf.text.push_str(shown);
        buf.plain.push_str(plain);
    }

    fn flush_line(&mut self) {
        self.after_break = false;
        if let Some(mut l) = self.line_buf.take()
            && !l.text.trim().is_empty()
        {
            l.text = l.text.trim().to_string();
            // A lead-in is the whole paragraph, however it was wrapped.
            self.last_prose = Some(match (l.continues, self.last_prose.take()) {
                (true, Some(before)) => format!("{before} {}", l.text),
                _ => l.text.clone(),
            });
            self.out.text_lines.push(l);
        }
    }

    /// A bold-label paragraph that names a procedure opens a section one
    /// level below the current one, closed by the next heading.
    fn label_section(&mut self, start: usize, title: String) {
        let level = self
            .current_section()
            .map_or(2, |s| self.out.sections[s].level.saturating_add(1))
            .min(6);
        self.open_section(level, start, title, false);
    }

    fn task_marker(&mut self, checked: bool) {
        let Some(&e) = self.entry_stack.last() else {
            return;
        };
        let ancestors: Vec<usize> = {
            let mut v = Vec::new();
            let mut p = self.out.entries[e].parent;
            while let Some(i) = p {
                if let Some(item) = self.out.entries[i].item {
                    v.push(item);
                }
                p = self.out.entries[i].parent;
            }
            v
        };
        let id = self.out.items.len();
        let entry = &mut self.out.entries[e];
        entry.item = Some(id);
        self.out.items.push(Item {
            id,
            section: entry.section,
            parent: ancestors.first().copied(),
            depth: ancestors.len(),
            text: String::new(),
            title: None,
            checked,
            line: entry.line,
            kind: ItemKind::Task,
        });
    }

    fn end_heading(&mut self) {
        let Some((level, start, text)) = self.heading.take() else {
            return;
        };
        self.open_section(level, start, collapse_spaces(&text), true);
    }

    fn open_section(&mut self, level: u8, start: usize, title: String, heading: bool) {
        self.last_prose = None;
        while let Some(&top) = self.section_stack.last() {
            if self.out.sections[top].level >= level {
                self.section_stack.pop();
            } else {
                break;
            }
        }
        let id = self.out.sections.len();
        let line = self.lines.line(start);
        if heading {
            self.out.text_lines.push(TextLine {
                line,
                text: title.clone(),
                plain: title.clone(),
                continues: false,
            });
        }
        self.out.sections.push(Section {
            id,
            level,
            title,
            line,
            parent: self.section_stack.last().copied(),
            runnable: false,
            before_start_minutes: None,
        });
        self.section_starts.push(start);
        self.section_stack.push(id);
    }

    fn end_code(&mut self) {
        let Some(code) = self.code.take() else {
            return;
        };
        let fenced = code.info.is_some();
        let lang = code
            .info
            .as_deref()
            .and_then(|i| i.split_whitespace().next())
            .map(|w| {
                w.trim_matches(|c| c == '{' || c == '}' || c == '.')
                    .to_lowercase()
            })
            .filter(|w| !w.is_empty());
        let raw = code.text.replace('\r', "");
        let kind = block_kind(lang.as_deref(), &raw);
        let run_code = match lang.as_deref() {
            Some("console" | "shell-session" | "shellsession") => strip_prompts(&raw),
            _ => raw.clone(),
        };
        let owner_item = self
            .entry_stack
            .iter()
            .rev()
            .find_map(|&e| self.out.entries[e].item);
        let section = self.current_section();
        let owner = match (owner_item, section) {
            (Some(i), _) => Owner::Item(i),
            (None, Some(s)) => Owner::Section(s),
            (None, None) => Owner::Document,
        };
        let line = self.lines.line(code.start);
        let closed = !fenced || fence_closed(&self.src[code.start..code.end]);
        self.out.blocks.push(Block {
            id: self.out.blocks.len(),
            kind,
            lang,
            code: run_code,
            line,
            owner,
            section,
            closed,
            note: None,
            alt: None,
        });
        self.out.raw_blocks.push(RawBlock {
            raw,
            first_code_line: if fenced { line + 1 } else { line },
            start: code.start,
            top_level: self.entry_stack.is_empty(),
            lead: self.last_prose.clone(),
        });
    }

    fn finish(mut self) -> Walked {
        let n = self.out.sections.len();
        let mut spans = Vec::with_capacity(n);
        for i in 0..n {
            let level = self.out.sections[i].level;
            let end = (i + 1..n)
                .find(|&j| self.out.sections[j].level <= level)
                .map_or(self.src.len(), |j| self.section_starts[j]);
            spans.push((self.section_starts[i], end));
        }
        self.out.section_spans = spans;
        self.out
    }
}

pub fn block_kind(lang: Option<&str>, code: &str) -> BlockKind {
    match lang {
        Some("bash" | "sh" | "shell" | "zsh" | "console" | "shell-session" | "shellsession") => {
            let runnable = code.lines().any(|l| {
                let t = l.trim();
                let t = t.strip_prefix("$ ").unwrap_or(t);
                !t.is_empty() && !t.starts_with('#')
            });
            if runnable {
                BlockKind::Command
            } else {
                BlockKind::Manual
            }
        }
        None | Some("text" | "txt" | "plain" | "plaintext" | "markdown" | "md") => {
            BlockKind::Template
        }
        Some(_) => BlockKind::Reference,
    }
}

/// A console transcript keeps only what was typed after `$ `.
fn strip_prompts(code: &str) -> String {
    code.lines()
        .filter_map(|l| {
            let t = l.trim_start();
            t.strip_prefix("$ ").or_else(|| (t == "$").then_some(""))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a fenced block's source ends with a closing fence. pulldown-cmark
/// silently runs an unclosed fence to the end of its container, which would
/// swallow the rest of the runbook without a word.
fn fence_closed(source: &str) -> bool {
    let strip = |l: &str| {
        l.trim_start_matches([' ', '\t', '>'])
            .trim_end()
            .to_string()
    };
    let lines: Vec<String> = source
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(strip)
        .collect();
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
        return false;
    };
    let Some(fence) = first.chars().next().filter(|c| *c == '`' || *c == '~') else {
        return true;
    };
    let opening = first.chars().take_while(|c| *c == fence).count();
    let closing = last.chars().take_while(|c| *c == fence).count();
    lines.len() > 1 && closing >= opening && last.chars().skip(closing).all(char::is_whitespace)
}

/// `title: Deploy an application` in front matter, quotes dropped.
fn front_matter_title(meta: &str) -> Option<String> {
    meta.lines().find_map(|l| {
        let value = l.strip_prefix("title:")?.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value)
            .trim();
        (!value.is_empty()).then(|| value.to_string())
    })
}

/// Bold labels that open a procedure of their own: the rollback.
fn names_procedure_label(label: &str) -> bool {
    let l = label.to_lowercase();
    ["rollback", "roll back", "roll-back"]
        .iter()
        .any(|w| l.contains(w))
}

pub fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
