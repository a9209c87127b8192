//! The checklist's shape, derived once from the runbook: which sections are
//! shown, how deep, which items they hold, which have a command. The rows on
//! screen are this outline minus collapsed sections.

use std::collections::BTreeSet;

use crate::core::event::Target;
use crate::domain::runbook::{BlockKind, Owner, Runbook};

/// Shell code the reader decided not to run: reference material, crontab
/// lines, config files, variables for a console.
pub fn is_shown_not_run(block: &crate::domain::runbook::Block) -> bool {
    block.note.is_some() && matches!(block.kind, BlockKind::Reference | BlockKind::Manual)
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SectionInfo {
    /// Shown at all: it holds items, or is a step, or a checkpoint.
    pub shown: bool,
    /// Indent among shown sections.
    pub depth: usize,
    /// Items directly under the heading.
    pub items: Vec<usize>,
    /// Items in the whole subtree (for the `12/18` progress).
    pub subtree_items: Vec<usize>,
    /// Shown sections nested inside (any depth), for collapse.
    pub descendants: Vec<usize>,
    /// The section's own text has a command block: it is a step.
    pub has_command: bool,
    /// It holds shell code that is never run (reference, crontab, config):
    /// a row, so `enter` can show it and `c` copy it.
    pub has_reference: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outline {
    pub sections: Vec<SectionInfo>,
    /// Items before the first heading.
    pub loose_items: Vec<usize>,
    pub item_has_command: Vec<bool>,
    pub item_has_reference: Vec<bool>,
}

/// One line of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Row {
    Section(usize),
    Item(usize),
}

/// The row a tick's target is shown on.
impl From<Target> for Row {
    fn from(t: Target) -> Row {
        match t {
            Target::Item(i) => Row::Item(i),
            Target::Step(s) => Row::Section(s),
        }
    }
}

impl Row {
    /// Whose blocks are this row's.
    pub fn owner(self) -> crate::domain::runbook::Owner {
        match self {
            Row::Item(i) => crate::domain::runbook::Owner::Item(i),
            Row::Section(s) => crate::domain::runbook::Owner::Section(s),
        }
    }

    /// What a tick on this row applies to, if anything.
    pub fn target(self, runbook: &Runbook) -> Option<Target> {
        match self {
            Row::Item(i) => Some(Target::Item(i)),
            Row::Section(s) if runbook.sections[s].runnable => Some(Target::Step(s)),
            Row::Section(_) => None,
        }
    }
}

impl Outline {
    pub fn new(runbook: &Runbook) -> Outline {
        let n = runbook.sections.len();
        let mut sections = vec![SectionInfo::default(); n];
        let mut item_has_command = vec![false; runbook.items.len()];
        let mut item_has_reference = vec![false; runbook.items.len()];
        let mut loose_items = Vec::new();
        for block in runbook.blocks.iter().filter(|b| is_shown_not_run(b)) {
            match block.owner {
                Owner::Item(i) if i < item_has_reference.len() => item_has_reference[i] = true,
                Owner::Section(s) if s < n => sections[s].has_reference = true,
                _ => {}
            }
        }
        for block in &runbook.blocks {
            if block.kind != BlockKind::Command {
                continue;
            }
            match block.owner {
                Owner::Item(i) if i < item_has_command.len() => item_has_command[i] = true,
                Owner::Section(s) if s < n => sections[s].has_command = true,
                _ => {}
            }
        }
        for item in &runbook.items {
            match item.section {
                Some(s) if s < n => {
                    sections[s].items.push(item.id);
                    let mut cur = Some(s);
                    while let Some(c) = cur.filter(|&c| c < n) {
                        sections[c].subtree_items.push(item.id);
                        cur = runbook.sections[c].parent;
                    }
                }
                _ => loose_items.push(item.id),
            }
        }
        // A heading holding only an announcement ("Step 1: Announce
        // Maintenance") is a row too: `a` on it shows the filled text.
        let announcing: BTreeSet<usize> = runbook
            .announcements()
            .into_iter()
            .filter_map(|b| match runbook.blocks[b].owner {
                Owner::Section(s) => Some(s),
                _ => None,
            })
            .collect();
        for (id, sec) in runbook.sections.iter().enumerate() {
            let own = sections[id].has_command
                || sections[id].has_reference
                || sec.runnable
                || sec.before_start_minutes.is_some()
                || announcing.contains(&id);
            if !sections[id].subtree_items.is_empty() || own {
                // A shown section shows its ancestors too, so it has a place.
                let mut cur = Some(id);
                while let Some(c) = cur.filter(|&c| c < n) {
                    sections[c].shown = true;
                    cur = runbook.sections[c].parent;
                }
            }
        }
        // The document's own H1 ("Production Rollout Plan") is the header's
        // title already; as a row it would only push everything right.
        if let Some(first) = runbook.sections.first()
            && first.level == 1
            && first.title == runbook.title
            && sections[0].items.is_empty()
            && !first.runnable
            && runbook.sections.iter().skip(1).all(|s| s.level > 1)
        {
            sections[0].shown = false;
        }
        for id in 0..n {
            if !sections[id].shown {
                continue;
            }
            let mut depth = 0;
            let mut cur = runbook.sections[id].parent;
            while let Some(c) = cur.filter(|&c| c < n) {
                if sections[c].shown {
                    depth += 1;
                    sections[c].descendants.push(id);
                }
                cur = runbook.sections[c].parent;
            }
            sections[id].depth = depth;
        }
        Outline {
            sections,
            loose_items,
            item_has_command,
            item_has_reference,
        }
    }

    /// The checklist rows, in document order, without collapsed subtrees.
    pub fn rows(&self, collapsed: &BTreeSet<usize>) -> Vec<Row> {
        let mut rows: Vec<Row> = self.loose_items.iter().map(|&i| Row::Item(i)).collect();
        let mut hidden = BTreeSet::new();
        for (id, sec) in self.sections.iter().enumerate() {
            if !sec.shown || hidden.contains(&id) {
                continue;
            }
            rows.push(Row::Section(id));
            if collapsed.contains(&id) {
                hidden.extend(sec.descendants.iter().copied());
                continue;
            }
            rows.extend(sec.items.iter().map(|&i| Row::Item(i)));
        }
        rows
    }

    /// The shown section a row belongs to.
    pub fn section_of(&self, runbook: &Runbook, row: Row) -> Option<usize> {
        let mut cur = match row {
            Row::Section(s) => Some(s),
            Row::Item(i) => runbook.items.get(i).and_then(|it| it.section),
        };
        while let Some(c) = cur {
            if self.sections.get(c).is_some_and(|s| s.shown) {
                return Some(c);
            }
            cur = runbook.sections.get(c).and_then(|s| s.parent);
        }
        None
    }

    /// Shell code on the row that is shown but never run.
    pub fn has_reference(&self, row: Row) -> bool {
        match row {
            Row::Section(s) => self.sections.get(s).is_some_and(|s| s.has_reference),
            Row::Item(i) => self.item_has_reference.get(i).copied().unwrap_or(false),
        }
    }

    pub fn has_command(&self, row: Row) -> bool {
        match row {
            Row::Section(s) => self.sections.get(s).is_some_and(|s| s.has_command),
            Row::Item(i) => self.item_has_command.get(i).copied().unwrap_or(false),
        }
    }
}
