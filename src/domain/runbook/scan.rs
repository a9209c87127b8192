//! Finding what still needs a value: placeholders, the variables commands
//! read, and health endpoints worth probing.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::text::ascii_re;

use super::model::{EnvVar, Placeholder};

struct Patterns {
    bracket: Regex,
    /// Prose has no array indexes, so `[24/7 rotation]` counts there.
    bracket_prose: Regex,
    angle: Regex,
    date: Regex,
    blank: Regex,
    caps: Regex,
    tbd: Regex,
    var_use: Regex,
    assign: Regex,
    for_read: Regex,
    url: Regex,
}

fn build() -> Result<Patterns, regex::Error> {
    Ok(Patterns {
        // Unbounded here, bounded in code: `{0,60}` of a Unicode class
        // compiles to a large automaton, paid by every `check` run.
        bracket: ascii_re(r"\[([A-Za-z][^\[\]\n]*)\]")?,
        bracket_prose: ascii_re(r"\[([A-Za-z0-9][^\[\]\n]*)\]")?,
        angle: ascii_re(r"<([A-Za-z][A-Za-z0-9_.\-]{0,40})>")?,
        date: ascii_re(
            r"YYYY[-_/]?MM[-_/]?DD(?:[-_T ]?HH[-_:]?MM(?:[-_:]?SS)?)?|HH:MM(?::SS)?|HHMMSS",
        )?,
        blank: ascii_re(r"_{3,}")?,
        caps: ascii_re(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")?,
        tbd: ascii_re(r"\b(?:TBD|TODO|FIXME)\b")?,
        var_use: ascii_re(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")?,
        assign: ascii_re(
            r"(?:^|[\s;&|(])(?:export\s+|local\s+|readonly\s+|declare\s+(?:-\w+\s+)*)?([A-Za-z_][A-Za-z0-9_]*)=",
        )?,
        // `read` skips its options and their arguments (`-p "name? "`, `-t 5`).
        for_read: ascii_re(
            r#"\b(?:for|read(?:\s+(?:-\w+|"[^"]*"|'[^']*'|\d+))*)\s+([A-Za-z_][A-Za-z0-9_]*)"#,
        )?,
        url: ascii_re(r#"https?://[^\s"'<>()\[\]`|\\]+"#)?,
    })
}

static PATTERNS: LazyLock<Result<Patterns, regex::Error>> = LazyLock::new(build);

/// `None` only if a pattern above fails to compile, which the tests rule out.
fn patterns() -> Option<&'static Patterns> {
    PATTERNS.as_ref().ok()
}

/// Variables the shell sets itself: not something the operator supplies.
const SHELL_VARS: &[&str] = &[
    "HOME", "PATH", "PWD", "OLDPWD", "USER", "SHELL", "RANDOM", "LINENO", "IFS", "UID", "EUID",
    "HOSTNAME", "SECONDS", "PPID", "BASHPID", "REPLY", "OPTARG", "OPTIND", "TMPDIR",
];

const HTML_TAGS: &[&str] = &[
    "a",
    "b",
    "i",
    "u",
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "kbd",
    "sub",
    "sup",
    "div",
    "span",
    "img",
    "details",
    "summary",
    "table",
    "tr",
    "td",
    "th",
    "ul",
    "ol",
    "li",
    "small",
    "del",
    "ins",
    "mark",
    "center",
    "font",
    "blockquote",
    "html",
    "head",
    "body",
];

/// Where a piece of text came from decides which placeholder forms apply.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Prose,
    Template,
    Command,
}

/// Finds placeholders in `text`, whose first line is `first_line`, adding
/// each new (text, line) pair once.
pub fn placeholders(
    text: &str,
    first_line: usize,
    source: Source,
    known_vars: &HashSet<String>,
    out: &mut Vec<Placeholder>,
    seen: &mut HashSet<(String, usize)>,
) {
    let Some(p) = patterns() else {
        return;
    };
    for (i, line) in text.lines().enumerate() {
        let line_no = first_line + i;
        let mut spans: Vec<(usize, usize, String)> = Vec::new();
        // Most lines hold no placeholder at all: a byte test is far cheaper
        // than running each pattern over them.
        let has = |needle: &str| line.contains(needle);
        if has("[") {
            let bracket = if source == Source::Prose {
                &p.bracket_prose
            } else {
                &p.bracket
            };
            for m in bracket.find_iter(line) {
                let inner = &line[m.start() + 1..m.end() - 1];
                let before = line[..m.start()].chars().next_back();
                let after = line[m.end()..].chars().next();
                if inner.len() > 60 // prose in brackets, not a blank to fill
                    || inner.chars().all(|c| c.is_ascii_digit()) // a citation such as [1]
                    || matches!(before, Some(c) if c.is_ascii_alphanumeric() || matches!(c, '_' | ']' | '[' | '$' | '!'))
                    || matches!(after, Some('(' | '[' | ':' | ']'))
                    || looks_like_char_class(inner)
                    || (inner == "x" && line[..m.start()].trim().chars().all(|c| "-*+".contains(c)))
                {
                    continue;
                }
                spans.push((m.start(), m.end(), m.as_str().to_string()));
            }
        }
        if has("<") {
            for m in p.angle.find_iter(line) {
                let inner = &line[m.start() + 1..m.end() - 1];
                let before = line[..m.start()].chars().next_back();
                if before == Some('<') || HTML_TAGS.contains(&inner.to_ascii_lowercase().as_str()) {
                    continue;
                }
                spans.push((m.start(), m.end(), m.as_str().to_string()));
            }
        }
        for (re, needle) in [(&p.date, "MM"), (&p.blank, "___")] {
            if has(needle) {
                for m in re.find_iter(line) {
                    spans.push((m.start(), m.end(), m.as_str().to_string()));
                }
            }
        }
        if source == Source::Prose && (has("TBD") || has("TODO") || has("FIXME")) {
            for m in p.tbd.find_iter(line) {
                spans.push((m.start(), m.end(), m.as_str().to_string()));
            }
        }
        if source == Source::Command && has("_") && !line.trim_start().starts_with('#') {
            for m in p.caps.find_iter(line) {
                if is_caps_placeholder(line, m.start(), m.end(), known_vars) {
                    spans.push((m.start(), m.end(), m.as_str().to_string()));
                }
            }
        }
        spans.sort_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
        let mut reach = 0;
        for (start, end, found) in spans {
            if start < reach {
                continue; // inside a longer placeholder already taken
            }
            reach = end;
            if seen.insert((found.clone(), line_no)) {
                out.push(Placeholder {
                    text: found,
                    line: line_no,
                });
            }
        }
    }
}

/// `[A-Z]`, `[a-z0-9_]`, `[:alpha:]`: regex classes, not blanks to fill in.
fn looks_like_char_class(inner: &str) -> bool {
    let s = inner.trim_start_matches('^');
    (s.starts_with(':') && s.ends_with(':'))
        || (s.len() >= 3
            && s.as_bytes()
                .windows(3)
                .any(|w| w[1] == b'-' && w[0].is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.\\".contains(c)))
}

/// `SPECIFY_VERSION_SHA` as a value, not `$VAR`, `VAR=...` or a word inside
/// a regex alternation such as `(DATABASE|NODE_ENV)`.
fn is_caps_placeholder(line: &str, start: usize, end: usize, known: &HashSet<String>) -> bool {
    let before = line[..start].chars().next_back();
    let after = line[end..].chars().next();
    let before_ok = match before {
        None => true,
        Some(c) => c.is_whitespace() || "\"'=/:@".contains(c),
    };
    let after_ok = match after {
        None => true,
        Some(c) => c.is_whitespace() || "\"'/.,:@;".contains(c),
    };
    before_ok && after_ok && !known.contains(&line[start..end])
}

/// Variables a shell block reads and does not set itself, and the names it
/// assigns (which are then not placeholders either).
pub fn shell_vars(code: &str) -> (Vec<(String, usize)>, HashSet<String>) {
    let Some(p) = patterns() else {
        return (Vec::new(), HashSet::new());
    };
    let body: Vec<&str> = code
        .lines()
        .map(|l| {
            if l.trim_start().starts_with('#') {
                ""
            } else {
                l
            }
        })
        .collect();
    let mut assigned: HashSet<String> = HashSet::new();
    for line in &body {
        for c in p.assign.captures_iter(line) {
            assigned.insert(c[1].to_string());
        }
        for c in p.for_read.captures_iter(line) {
            assigned.insert(c[1].to_string());
        }
    }
    let mut used = Vec::new();
    let mut seen = HashSet::new();
    for (i, line) in body.iter().enumerate() {
        for c in p.var_use.captures_iter(line) {
            let Some(m) = c.get(1).or_else(|| c.get(2)) else {
                continue;
            };
            let escaped = c
                .get(0)
                .is_some_and(|all| line[..all.start()].ends_with('\\'));
            let name = m.as_str();
            if escaped
                || assigned.contains(name)
                || SHELL_VARS.contains(&name)
                || name.starts_with("BASH_")
            {
                continue;
            }
            if seen.insert(name.to_string()) {
                used.push((name.to_string(), i));
            }
        }
    }
    let mut known = assigned;
    known.extend(seen);
    (used, known)
}

/// By the built-in names; `check --config` and `run` apply `[secrets]`.
pub fn is_secret_name(name: &str) -> bool {
    crate::domain::mask::SecretNames::is_default_secret(name)
}

/// Adds the variable once, at its first use.
pub fn add_env_var(out: &mut Vec<EnvVar>, name: &str, line: usize) {
    if !out.iter().any(|v| v.name == name) {
        out.push(EnvVar {
            name: name.to_string(),
            secret: is_secret_name(name),
            line,
        });
    }
}

const HEALTH_SUFFIXES: &[&str] = &[
    "/health",
    "/healthz",
    "/health/live",
    "/ready",
    "/readyz",
    "/api/health",
    "/status",
    "/ping",
    "/livez",
    "/_cluster/ready",
];

/// Health endpoints mentioned in `text`, in order of appearance.
pub fn health_urls(text: &str, out: &mut Vec<String>) {
    let Some(p) = patterns() else {
        return;
    };
    if !text.contains("http") {
        return;
    }
    for m in p.url.find_iter(text) {
        let url = m
            .as_str()
            .trim_end_matches(['.', ',', ';', ':', '!', '?', '*', '_']);
        if is_health_url(url) && !out.iter().any(|u| u == url) {
            out.push(url.to_string());
        }
    }
}

/// URLs a sentence names as the health check ("Health is judged from
/// `https://.../status`"), whatever their path.
pub fn named_health_urls(text: &str, out: &mut Vec<String>) {
    let Some(p) = patterns() else {
        return;
    };
    let lower = text.to_lowercase();
    if !text.contains("http") || !(lower.contains("health") || lower.contains("liveness")) {
        return;
    }
    // The sentence is about health: a status page or a docs link is not.
    let urls: Vec<&str> = p
        .url
        .find_iter(text)
        .map(|m| {
            m.as_str()
                .trim_end_matches(['.', ',', ';', ':', '!', '?', '*', '_', '`'])
        })
        .collect();
    if urls.len() != 1 {
        return;
    }
    let url = urls[0];
    let says = [
        "health check",
        "health is",
        "health endpoint",
        "healthcheck",
        "health url",
        "health from",
        "liveness",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if says && !out.iter().any(|u| u == url) {
        out.push(url.to_string());
    }
}

/// Health paths written without a host (`/health`, `/api/health`).
pub fn health_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in
        text.split(|c: char| c.is_whitespace() || matches!(c, '`' | '(' | ')' | ',' | '"' | '\''))
    {
        let word = word.trim_end_matches(['.', ':', ';', '!', '?']);
        if word.starts_with('/')
            && !word.starts_with("//")
            && word.len() > 1
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '.'))
            && is_health_url(word)
            && !out.iter().any(|p: &String| p == word)
        {
            out.push(word.to_string());
        }
    }
    out
}

fn is_health_url(url: &str) -> bool {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let path = path
        .split(['?', '#'])
        .next()
        .unwrap_or(path)
        .trim_end_matches('/');
    HEALTH_SUFFIXES.iter().any(|s| path.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        assert!(build().is_ok());
    }

    fn found(text: &str, source: Source) -> Vec<String> {
        let (_, known) = shell_vars(text);
        let mut out = Vec::new();
        placeholders(text, 1, source, &known, &mut out, &mut HashSet::new());
        out.into_iter().map(|p| p.text).collect()
    }

    #[test]
    fn placeholder_forms() {
        assert_eq!(
            found(
                "Estimated Duration: [X] minutes, [START TIME] - [END TIME]",
                Source::Template
            ),
            ["[X]", "[START TIME]", "[END TIME]"]
        );
        assert_eq!(
            found("doctl apps logs <APP_ID> --type run", Source::Command),
            ["<APP_ID>"]
        );
        assert_eq!(
            found("mysql < prod_backup_YYYYMMDD_HHMMSS.sql", Source::Command),
            ["YYYYMMDD_HHMMSS"]
        );
        assert_eq!(
            found(
                r#"--field rollback_version="SPECIFY_VERSION_SHA""#,
                Source::Command
            ),
            ["SPECIFY_VERSION_SHA"]
        );
        assert_eq!(
            found("**Date**: ___________", Source::Template),
            ["___________"]
        );
        assert_eq!(found("| On-Call Engineer | TBD |", Source::Prose), ["TBD"]);
        assert_eq!(
            found("Contact: [24/7 On-call rotation] [1]", Source::Prose),
            ["[24/7 On-call rotation]"]
        );
    }

    #[test]
    fn shell_syntax_is_not_a_placeholder() {
        let none: Vec<String> = Vec::new();
        assert_eq!(
            found("if [ $response -eq 200 ]; then", Source::Command),
            none
        );
        assert_eq!(
            found(r#"grep -E "(DATABASE|NODE_ENV|JWT)""#, Source::Command),
            none
        );
        assert_eq!(found("jq -r '.deployments[0].id'", Source::Command), none);
        assert_eq!(
            found("HEALTH_URL=x\ncurl $HEALTH_URL", Source::Command),
            none
        );
        assert_eq!(
            found(
                "export DATABASE_URL=\"$PRODUCTION_DATABASE_URL\"",
                Source::Command
            ),
            none
        );
        assert_eq!(found("tr '[a-z]' '[A-Z]' <<EOF", Source::Command), none);
        assert_eq!(found("see <br> and <details>", Source::Prose), none);
    }

    #[test]
    fn variables_read_but_not_set() {
        let (used, _) = shell_vars(
            "# $IN_COMMENT\nexport DATABASE_URL=\"$PROD_URL\"\nmysqldump -p$DB_PASSWORD ${DB_HOST:-x} $(date) $HOME \\$ESCAPED $DATABASE_URL",
        );
        let names: Vec<_> = used.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["PROD_URL", "DB_PASSWORD", "DB_HOST"]);
        assert!(is_secret_name("DB_PASSWORD") && is_secret_name("admin_token"));
        assert!(!is_secret_name("PROD_DB_HOST"));
    }

    #[test]
    fn a_variable_read_from_the_keyboard_is_set_by_the_script() {
        let (used, _) = shell_vars(
            "read -r -p \"name? \" who\nread -t 5 -p 'pin: ' pin\nfor f in *.sql; do echo $f; done\necho $who $pin $OTHER",
        );
        let names: Vec<_> = used.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["OTHER"]);
    }

    #[test]
    fn health_urls_by_path() {
        let mut out = Vec::new();
        health_urls(
            "curl https://a.example/health. and https://a.example/health/live | jq; \
             https://a.example/admin/maintenance/enable https://b.example/api/health?x=1 \
             https://a.example/health",
            &mut out,
        );
        assert_eq!(
            out,
            [
                "https://a.example/health",
                "https://a.example/health/live",
                "https://b.example/api/health?x=1"
            ]
        );
    }
}
