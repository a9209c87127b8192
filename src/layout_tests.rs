//! The layout is the architecture (ARCHITECTURE.md): `domain` knows nothing
//! of the rest, `core` knows only itself and `domain`, and no two modules
//! import each other in a circle. Read from the sources, so a new `use`
//! that breaks it fails here, with the file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module a file belongs to, `depth` levels deep: `src/domain/monitor/probe.rs`
/// is `domain` at depth 1 and `domain::monitor` at depth 2.
fn module_of(rel: &Path, depth: usize) -> Option<String> {
    let parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .filter(|c| c != "mod")
        .collect();
    if parts
        .first()
        .is_some_and(|p| p == "lib" || p == "main" || p == "layout_tests")
    {
        return None;
    }
    Some(parts.into_iter().take(depth).collect::<Vec<_>>().join("::"))
}

/// Every `crate::a::b` a file names outside comments, as (line, path).
fn references(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().last();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let path: Vec<String> = rest
                .split("::")
                .map(|seg| {
                    seg.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .take_while(|s| !s.is_empty())
                .collect();
            out.push((n + 1, path));
        }
    }
    out
}

struct Graph {
    /// module -> module it names -> first place it does.
    edges: BTreeMap<String, BTreeMap<String, String>>,
}

fn graph(depth: usize, within: Option<&str>) -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&root).unwrap_or(&f);
        let Some(from) = module_of(rel, depth) else {
            continue;
        };
        if within.is_some_and(|w| !from.starts_with(&format!("{w}::"))) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (line, path) in references(&text) {
            if path.len() < depth {
                continue;
            }
            let to = path[..depth].join("::");
            if within.is_some_and(|w| !to.starts_with(&format!("{w}::"))) || to == from {
                continue;
            }
            edges
                .entry(from.clone())
                .or_default()
                .entry(to)
                .or_insert_with(|| format!("{}:{line}", rel.display()));
        }
    }
    Graph { edges }
}

impl Graph {
    /// A circle of imports, as the chain of places that close it.
    fn circle(&self) -> Option<Vec<String>> {
        fn visit(
            g: &Graph,
            at: &str,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(i) = path.iter().position(|p| p == at) {
                let mut chain = path[i..].to_vec();
                chain.push(at.to_string());
                return Some(chain);
            }
            if done.contains(at) {
                return None;
            }
            path.push(at.to_string());
            for to in g.edges.get(at).map(|e| e.keys()).into_iter().flatten() {
                if let Some(c) = visit(g, to, path, done) {
                    return Some(c);
                }
            }
            path.pop();
            done.insert(at.to_string());
            None
        }
        let mut done = BTreeSet::new();
        for from in self.edges.keys() {
            if let Some(c) = visit(self, from, &mut Vec::new(), &mut done) {
                let places = c
                    .windows(2)
                    .map(|w| format!("{} -> {} ({})", w[0], w[1], self.edges[&w[0]][&w[1]]))
                    .collect();
                return Some(places);
            }
        }
        None
    }

    fn outside(&self, from: &str, allowed: &[&str]) -> Vec<String> {
        self.edges
            .iter()
            .filter(|(f, _)| f.as_str() == from || f.starts_with(&format!("{from}::")))
            .flat_map(|(f, to)| {
                to.iter()
                    .filter(|(t, _)| {
                        !allowed
                            .iter()
                            .any(|a| t == a || t.starts_with(&format!("{a}::")))
                    })
                    .map(move |(t, at)| format!("{f} names crate::{t} at {at}"))
            })
            .collect()
    }
}

#[test]
fn the_core_names_only_itself_and_the_domain() {
    let bad = graph(1, None).outside("core", &["core", "domain"]);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_domain_names_only_itself() {
    let bad = graph(1, None).outside("domain", &["domain"]);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn no_module_imports_in_a_circle() {
    for (depth, within) in [
        (1, None),
        (2, Some("domain")),
        (2, Some("core")),
        (2, Some("shell")),
    ] {
        if let Some(c) = graph(depth, within).circle() {
            panic!("import circle:\n{}", c.join("\n"));
        }
    }
}

#[test]
fn the_scanner_sees_grouped_and_nested_paths() {
    // Grouped imports would hide a module from `references`; keep them out.
    let refs = references("use crate::a::b;\nfoo(crate::c::d::E); // crate::x\n$crate::y");
    let paths: Vec<_> = refs.iter().map(|(l, p)| (*l, p.join("::"))).collect();
    assert_eq!(paths, vec![(1, "a::b".into()), (2, "c::d::E".into())]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    for f in files.iter().filter(|f| !f.ends_with("layout_tests.rs")) {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        assert!(
            !text.contains("crate::{"),
            "{}: use one path per module",
            f.display()
        );
    }
}

#[test]
fn the_loop_changes_the_state_only_through_update() {
    // `update` is the one writer: a direct write in the shell would be a
    // change no test of `update` sees and no journal replay repeats.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/shell");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut bad = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let assigns = code.match_indices("state.").any(|(at, _)| {
                let before = code[..at].chars().last();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    return false;
                }
                let rest = &code[at..];
                let path_end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                    .unwrap_or(rest.len());
                let after = rest[path_end..].trim_start();
                after.starts_with('=') && !after.starts_with("==")
            });
            if assigns {
                bad.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
        // Lent mutably only to `update` (however `cargo fmt` wraps the call).
        for (at, _) in text.match_indices("&mut state") {
            let next = text[at + "&mut state".len()..].chars().next();
            if next.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if !text[..at].trim_end().ends_with("update(") {
                let line = text[..at].lines().count();
                bad.push(format!(
                    "{}:{line}: &mut state lent to another function",
                    f.display()
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "the shell writes the state:\n{}",
        bad.join("\n")
    );
}
