//! Runbooks without checkboxes: the numbered steps of a procedure are rows
//! the operator can tick, and a step's inline command (`make deploy`) or
//! its one-line fence with no language is offered to run.
//!
//! A list is a procedure when its section has no task items of its own and
//! it reads as one: an ordered list under a heading or lead-in that names
//! steps, a procedure or a deploy, or one whose items mostly start with a
//! verb; a bullet list only under such a heading. Introductions, contacts,
//! tables of contents and criteria stay text.

use std::collections::{BTreeMap, HashSet};

use super::derive::is_criteria_heading;
use super::model::{Block, BlockKind, Item, ItemKind, Owner};
use super::reference::is_reference_heading;
use super::walk::{Entry, RawBlock, Walked};

fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// Headings (or lead-ins) that say their list is steps to carry out.
fn names_procedure(title: &str) -> bool {
    let t = lower(title);
    [
        "step",
        "procedure",
        "process",
        "runbook",
        "checklist",
        "instructions",
        "how to",
        "playbook",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// Headings about an activity ("Deployment", "Verify"): their numbered
/// list is steps when it reads as steps (mostly verbs); a description of
/// what happens ("PR merged into main") is not.
fn names_activity(title: &str) -> bool {
    let t = lower(title);
    [
        "deploy",
        "release",
        "rollout",
        "roll out",
        "verification",
        "verify",
        "rollback",
        "roll back",
        "migration",
        "upgrade",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// Headings whose lists are not steps whatever they say.
fn never_steps(title: &str) -> bool {
    let t = lower(title);
    is_criteria_heading(title)
        || is_reference_heading(title)
        || [
            "introduction",
            "overview",
            "prerequisite",
            "requirement",
            "table of contents",
            "contents",
            "contact",
            "escalation",
            "background",
            "benefit",
            "example",
            "glossary",
            "see also",
            "links",
            "resources",
            "notes",
            "criteria",
            "trigger",
            "when to",
            "metrics",
            "changes",
            "on the blog",
        ]
        .iter()
        .any(|w| t.contains(w))
}

/// Verbs a step of a runbook starts with.
const VERBS: &[&str] = &[
    "acknowledge",
    "add",
    "announce",
    "apply",
    "approve",
    "ask",
    "assess",
    "back",
    "backup",
    "build",
    "bump",
    "call",
    "cancel",
    "check",
    "clear",
    "click",
    "close",
    "commit",
    "compare",
    "configure",
    "confirm",
    "connect",
    "contact",
    "copy",
    "create",
    "cut",
    "delete",
    "deploy",
    "disable",
    "document",
    "download",
    "drain",
    "enable",
    "ensure",
    "execute",
    "export",
    "fetch",
    "fix",
    "flush",
    "generate",
    "get",
    "go",
    "identify",
    "implement",
    "import",
    "inform",
    "inspect",
    "install",
    "investigate",
    "keep",
    "leave",
    "log",
    "login",
    "look",
    "make",
    "mark",
    "merge",
    "migrate",
    "monitor",
    "move",
    "navigate",
    "notify",
    "open",
    "pause",
    "pick",
    "plan",
    "post",
    "prepare",
    "promote",
    "publish",
    "pull",
    "purge",
    "push",
    "put",
    "rebase",
    "record",
    "reduce",
    "release",
    "remove",
    "restart",
    "restore",
    "resume",
    "revert",
    "review",
    "roll",
    "rollback",
    "rotate",
    "run",
    "scale",
    "schedule",
    "seed",
    "send",
    "set",
    "ship",
    "sign",
    "ssh",
    "start",
    "stay",
    "stop",
    "switch",
    "tag",
    "take",
    "tell",
    "test",
    "trigger",
    "update",
    "upgrade",
    "upload",
    "use",
    "validate",
    "verify",
    "wait",
    "watch",
    "write",
];

fn starts_with_verb(text: &str) -> bool {
    // "Build: ~3-5 minutes" is a label with a value, not an order.
    if let Some((head, tail)) = text.split_once(':')
        && head.split_whitespace().count() <= 2
        && !tail.trim().is_empty()
    {
        return false;
    }
    let first = text
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    VERBS.contains(&lower(first).as_str())
}

/// An entry that is only a link ("[Rollout Procedures](#rollout)"): a table
/// of contents or a list of links.
fn only_link(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || (t.starts_with('[') && t.ends_with(')')) || t.starts_with("http")
}

/// Commands a runbook writes inline: the first word of an inline code span
/// that is a command to run, not a file name, a flag or a value.
const PROGRAMS: &[&str] = &[
    "ansible",
    "ansible-playbook",
    "apt",
    "apt-get",
    "aws",
    "az",
    "bash",
    "brew",
    "bundle",
    "cap",
    "cargo",
    "cd",
    "chmod",
    "chown",
    "cp",
    "curl",
    "docker",
    "docker-compose",
    "doctl",
    "dotnet",
    "echo",
    "flyctl",
    "gcloud",
    "gh",
    "git",
    "go",
    "gradle",
    "heroku",
    "helm",
    "journalctl",
    "kill",
    "kubectl",
    "ln",
    "ls",
    "make",
    "mkdir",
    "mv",
    "mvn",
    "mysql",
    "mysqldump",
    "node",
    "npm",
    "npx",
    "nginx",
    "pg_dump",
    "pg_restore",
    "php",
    "pip",
    "pnpm",
    "psql",
    "python",
    "python3",
    "rails",
    "rake",
    "railway",
    "redis-cli",
    "rm",
    "rsync",
    "ruby",
    "scp",
    "service",
    "sh",
    "ssh",
    "sudo",
    "supervisorctl",
    "systemctl",
    "tail",
    "terraform",
    "touch",
    "vercel",
    "wget",
    "yarn",
];

/// Whether an inline code span (or a one-line fence with no language) is
/// a shell command: a known program with arguments, a relative path to a
/// script, or a `$ ` prompt. A file name, a flag or a value is not.
pub fn is_shell_command(code: &str) -> bool {
    let t = code.trim();
    let t = t.strip_prefix("$ ").unwrap_or(t).trim();
    if t.is_empty() || t.contains('\n') {
        return false;
    }
    let first = t.split_whitespace().next().unwrap_or("");
    // `BASE_URL=x pnpm test`: assignments before the program.
    let program = t
        .split_whitespace()
        .find(|w| !w.contains('=') || w.starts_with('-'))
        .unwrap_or(first);
    if program.starts_with("./") || program.starts_with("bin/") || program.starts_with("scripts/") {
        return true;
    }
    let has_args = t.split_whitespace().nth(1).is_some();
    PROGRAMS.contains(&program) && (has_args || matches!(program, "make" | "ls"))
}

/// A fence with no language that holds one unmistakable command (a line,
/// or lines joined by `\`).
pub fn is_one_command(code: &str) -> bool {
    let joined = code.trim().replace("\\\n", " ");
    let lines: Vec<&str> = joined.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.len() == 1 && is_shell_command(lines[0])
}

pub struct Steps {
    pub items: Vec<Item>,
    /// For each new step item, its entry's byte span.
    pub spans: Vec<(usize, usize)>,
}

/// Step items for the procedure lists of sections without task items.
pub fn find(w: &Walked, first_id: usize) -> Steps {
    let with_tasks: HashSet<usize> = w.items.iter().filter_map(|i| i.section).collect();
    // Entries inside a task item keep being its text.
    let in_task = |e: &Entry| {
        let mut p = Some(e);
        while let Some(x) = p {
            if x.item.is_some() {
                return true;
            }
            p = x.parent.map(|i| &w.entries[i]);
        }
        false
    };
    let mut lists: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, e) in w.entries.iter().enumerate() {
        lists.entry(e.list).or_default().push(i);
    }
    let heading_of = |s: Option<usize>| s.map(|s| w.sections[s].title.as_str()).unwrap_or("");
    let mut step_of_entry: Vec<Option<usize>> = vec![None; w.entries.len()];
    let mut decided: BTreeMap<usize, bool> = BTreeMap::new();
    let mut out = Steps {
        items: Vec::new(),
        spans: Vec::new(),
    };
    // Entries are in document order, so a step's sub-steps follow it.
    for (i, e) in w.entries.iter().enumerate() {
        let procedure = match decided.get(&e.list) {
            Some(&d) => d,
            None => {
                let entries = lists.get(&e.list).map_or(&[][..], |v| &v[..]);
                let d = is_procedure(
                    w,
                    entries,
                    &with_tasks,
                    &step_of_entry,
                    &in_task,
                    heading_of,
                );
                decided.insert(e.list, d);
                d
            }
        };
        if !procedure {
            continue;
        }
        let parent = e.parent.and_then(|p| step_of_entry[p]);
        let depth = parent.map_or(0, |p| {
            out.items
                .get(p - first_id)
                .map_or(0, |it: &Item| it.depth + 1)
        });
        let id = first_id + out.items.len();
        step_of_entry[i] = Some(id);
        out.items.push(Item {
            id,
            section: e.section,
            parent,
            depth,
            text: e.text.trim().to_string(),
            title: e.title.clone(),
            checked: false,
            line: e.line,
            kind: ItemKind::Step,
        });
        out.spans.push((e.start, e.end));
    }
    out
}

/// Whether the list holding `entries` is a procedure.
fn is_procedure<'a>(
    w: &Walked,
    entries: &[usize],
    with_tasks: &HashSet<usize>,
    step_of_entry: &[Option<usize>],
    in_task: &dyn Fn(&Entry) -> bool,
    heading_of: impl Fn(Option<usize>) -> &'a str,
) -> bool {
    let Some(&first) = entries.first() else {
        return false;
    };
    let e0 = &w.entries[first];
    if e0.section.is_some_and(|s| with_tasks.contains(&s)) || in_task(e0) {
        return false;
    }
    if let Some(p) = e0.parent {
        // A list inside a step: its sub-steps.
        return step_of_entry[p].is_some();
    }
    let heading = heading_of(e0.section);
    let lead = e0.lead.as_deref().unwrap_or("");
    let texts: Vec<&str> = entries
        .iter()
        .map(|&i| w.entries[i].text.as_str())
        .collect();
    let verbs = texts.iter().filter(|t| starts_with_verb(t)).count();
    let mostly_verbs = verbs * 2 > texts.len();
    let lead_lower = lower(lead);
    let criteria_lead = ["rollback if", "roll back if", "abort if", "rollback when"]
        .iter()
        .any(|x| lead_lower.contains(x));
    if never_steps(heading) || criteria_lead || texts.iter().all(|t| only_link(t)) {
        return false;
    }
    if e0.ordered {
        names_procedure(heading)
            || names_procedure(lead)
            || ((names_activity(heading) || names_activity(lead)) && verbs * 3 >= texts.len())
            || mostly_verbs
    } else {
        (names_procedure(heading) || names_procedure(lead)) && mostly_verbs
    }
}

/// Gives each block inside a step to that step (the innermost), turns a
/// step's one-line fence with no language into a command, and adds each
/// inline command of a step as a block of its own.
pub fn attach(
    blocks: &mut Vec<Block>,
    raws: &mut Vec<RawBlock>,
    items: &[Item],
    spans: &[(usize, usize)],
    first_id: usize,
) -> usize {
    for (b, raw) in raws.iter().enumerate() {
        if !matches!(blocks[b].owner, Owner::Section(_) | Owner::Document) {
            continue;
        }
        let owner = spans
            .iter()
            .enumerate()
            .filter(|(_, s)| s.0 <= raw.start && raw.start < s.1)
            .max_by_key(|(_, s)| s.0)
            .map(|(k, _)| first_id + k);
        if let Some(item) = owner {
            blocks[b].owner = Owner::Item(item);
            if blocks[b].kind == BlockKind::Template
                && blocks[b].lang.is_none()
                && is_one_command(&blocks[b].code)
            {
                blocks[b].kind = BlockKind::Command;
            }
        }
    }
    let mut inline = 0;
    for (k, item) in items.iter().enumerate() {
        let id = first_id + k;
        for code in inline_code(&item.text)
            .into_iter()
            .filter(|c| is_shell_command(c))
        {
            let code = code.trim();
            let code = code.strip_prefix("$ ").unwrap_or(code).to_string();
            blocks.push(Block {
                id: blocks.len(),
                kind: BlockKind::Command,
                lang: Some("inline".into()),
                code: code.clone(),
                line: item.line,
                owner: Owner::Item(id),
                section: item.section,
                closed: true,
                note: None,
                alt: None,
            });
            raws.push(RawBlock {
                raw: code,
                first_code_line: item.line,
                start: spans[k].0,
                top_level: false,
                lead: None,
            });
            inline += 1;
        }
    }
    inline
}

/// The inline code spans of an item's text (kept in backticks by the walk).
fn inline_code(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_commands_inline() {
        for c in [
            "make maintenance ENV=production",
            "kubectl rollout status deploy/app",
            "./bin/deploy production",
            "$ psql -c 'select 1'",
            "BASE_URL=https://x pnpm test:smoke",
            "make",
        ] {
            assert!(is_shell_command(c), "{c}");
        }
        for c in [
            "#govuk-deploy",
            "deploy.yml",
            "--force",
            "main",
            "production",
            "product_images",
            "/photography",
            "git",
            "metadata.mediaFiles",
        ] {
            assert!(!is_shell_command(c), "{c}");
        }
    }

    #[test]
    fn one_command_fences() {
        assert!(is_one_command("make deploy ENV=production\n"));
        assert!(is_one_command(
            "./scripts/release.sh \\\n  --env production\n"
        ));
        assert!(!is_one_command("We are starting the release.\n"));
        assert!(!is_one_command("make a\nmake b\n"));
    }

    #[test]
    fn verbs_lead_steps() {
        assert!(starts_with_verb("Deploy to staging"));
        assert!(starts_with_verb("✅ Run local tests"));
        assert!(!starts_with_verb("PR merged into `main`"));
        assert!(!starts_with_verb("Canonical data seed (`pnpm seed:new`)"));
    }
}
