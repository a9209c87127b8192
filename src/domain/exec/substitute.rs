//! Filling a block's placeholders with the operator's values. Each value is
//! inserted shell-quoted for the exact spot it lands in (plain word, inside
//! `'...'`, inside `"..."`, inside `$(...)`, in a here-document), so no value
//! can run anything: `$(...)`, `;`, backticks, spaces and quotes stay
//! literal. `$VARS` are not substituted; they reach the command through its
//! environment (see [`RunSpec::env`](super::RunSpec)).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::domain::mask::{MASK, Masker};
use crate::domain::runbook::scan::{self, Source};

/// The command to run and what to show for it: the same text, with secret
/// values masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub text: String,
    pub display: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubstituteError {
    #[error("no value for {}", .0.join(", "))]
    Missing(Vec<String>),
    /// A here-document ends at a line, so a line break in a value there
    /// could end it early and run the rest as commands.
    #[error("the value for {0} is used in a here-document and must be one line")]
    Multiline(String),
}

/// `value` as one literal shell word: `'it'\''s'`.
pub fn shell_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str(r"'\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// The placeholders in a command block (`<APP_ID>`, `YYYYMMDD_HHMMSS`,
/// `SPECIFY_VERSION_SHA`, ...), each once, in order of appearance. The same
/// rules as `check`, so the form asks for exactly what `check` reported.
pub fn placeholders(code: &str) -> Vec<String> {
    let (_, known) = scan::shell_vars(code);
    let mut found = Vec::new();
    scan::placeholders(
        code,
        1,
        Source::Command,
        &known,
        &mut found,
        &mut HashSet::new(),
    );
    let mut out: Vec<String> = Vec::new();
    for p in found {
        if !out.contains(&p.text) {
            out.push(p.text);
        }
    }
    out
}

/// Variables the block reads that neither this process's environment nor
/// the session provides: the form asks for these too.
pub fn unset_vars(code: &str, session: &HashMap<String, String>) -> Vec<String> {
    scan::shell_vars(code)
        .0
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| !session.contains_key(name) && std::env::var_os(name).is_none())
        .collect()
}

/// `code` with each of `placeholders` replaced by its value from `values`.
/// A placeholder whose name looks secret (`<DB_PASSWORD>`) shows as `••••`
/// in the display text, which is also passed through `masker`.
pub fn substitute<S: AsRef<str>>(
    code: &str,
    placeholders: &[S],
    values: &HashMap<String, String>,
    masker: &Masker,
) -> Result<Command, SubstituteError> {
    let missing: Vec<String> = placeholders
        .iter()
        .map(|p| p.as_ref())
        .filter(|p| !values.contains_key(*p))
        .map(str::to_string)
        .collect();
    if !missing.is_empty() {
        return Err(SubstituteError::Missing(missing));
    }
    let occurrences = find_occurrences(code, placeholders);
    let text = fill(code, &occurrences, |name| {
        values.get(name).map(String::as_str).unwrap_or_default()
    })?;
    let display = fill(code, &occurrences, |name| {
        if masker.is_secret_name(name) {
            MASK
        } else {
            values.get(name).map(String::as_str).unwrap_or_default()
        }
    })?;
    let display = masker.mask(&display).into_owned();
    Ok(Command { text, display })
}

/// (start, end, placeholder) for every occurrence, longest placeholder first
/// so that `[X]` never claims part of `[X_Y]`.
fn find_occurrences<'p, S: AsRef<str>>(
    code: &str,
    placeholders: &'p [S],
) -> Vec<(usize, usize, &'p str)> {
    let mut names: Vec<&str> = placeholders.iter().map(|p| p.as_ref()).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut taken: Vec<(usize, usize, &str)> = Vec::new();
    for name in names {
        if name.is_empty() {
            continue;
        }
        for (start, _) in code.match_indices(name) {
            let end = start + name.len();
            if !taken.iter().any(|&(s, e, _)| start < e && s < end) {
                taken.push((start, end, name));
            }
        }
    }
    taken.sort_by_key(|o| o.0);
    taken
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Single,
    Double,
    /// `$(...)`; the count is of unclosed `(` inside it.
    Subst(u32),
}

/// Where a value lands decides how it must be quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spot {
    Word,
    Single,
    Double,
    Heredoc { quoted: bool },
}

fn quoted_for(spot: Spot, name: &str, value: &str) -> Result<String, SubstituteError> {
    Ok(match spot {
        Spot::Word => shell_quote(value),
        // Close the quote, add the quoted word, reopen: bash joins them.
        Spot::Single => format!("'{}'", shell_quote(value)),
        Spot::Double => format!("\"{}\"", shell_quote(value)),
        Spot::Heredoc { quoted } => {
            if value.contains('\n') {
                return Err(SubstituteError::Multiline(name.to_string()));
            }
            if quoted {
                value.to_string()
            } else {
                let mut out = String::with_capacity(value.len());
                for c in value.chars() {
                    if matches!(c, '\\' | '$' | '`') {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out
            }
        }
    })
}

struct Heredoc {
    delimiter: String,
    quoted: bool,
    strip_tabs: bool,
}

/// Copies `code`, replacing each occurrence by its value quoted for where it
/// is. A small shell lexer: quotes, `\` escapes, `$(...)`, comments and
/// here-documents; enough for runbook commands, and where it could be wrong
/// (backticks, `case` patterns) a value still ends up inside quotes.
fn fill<'v>(
    code: &str,
    occurrences: &[(usize, usize, &str)],
    value: impl Fn(&str) -> &'v str,
) -> Result<String, SubstituteError> {
    let bytes = code.as_bytes();
    let mut out = String::with_capacity(code.len() + 64);
    let mut stack: Vec<Frame> = Vec::new();
    let mut pending: Vec<Heredoc> = Vec::new();
    let mut in_heredoc: Option<Heredoc> = None;
    let mut comment = false;
    let mut next = 0; // index into occurrences
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        if line_start && let Some(doc) = &in_heredoc {
            let end = code[i..].find('\n').map_or(code.len(), |n| i + n);
            let line = &code[i..end];
            let body = if doc.strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if body == doc.delimiter {
                in_heredoc = if pending.is_empty() {
                    None
                } else {
                    Some(pending.remove(0))
                };
                out.push_str(line);
            } else {
                let spot = Spot::Heredoc { quoted: doc.quoted };
                let mut at = i;
                while next < occurrences.len() && occurrences[next].0 < end {
                    let (s, e, name) = occurrences[next];
                    out.push_str(&code[at..s]);
                    out.push_str(&quoted_for(spot, name, value(name))?);
                    at = e;
                    next += 1;
                }
                out.push_str(&code[at.min(end)..end]);
            }
            if end < code.len() {
                out.push('\n');
            }
            i = end + 1;
            continue;
        }
        line_start = false;
        if next < occurrences.len() && occurrences[next].0 == i {
            let (_, e, name) = occurrences[next];
            let spot = match stack.last() {
                _ if comment => Spot::Word,
                Some(Frame::Single) => Spot::Single,
                Some(Frame::Double) => Spot::Double,
                Some(Frame::Subst(_)) | None => Spot::Word,
            };
            out.push_str(&quoted_for(spot, name, value(name))?);
            i = e;
            next += 1;
            continue;
        }
        let c = bytes[i];
        let ch_len = code[i..].chars().next().map_or(1, char::len_utf8);
        let mut step = ch_len;
        if c == b'\n' {
            comment = false;
            line_start = true;
            if stack.is_empty() && !pending.is_empty() {
                in_heredoc = Some(pending.remove(0));
            }
        } else if comment {
        } else {
            match stack.last().copied() {
                Some(Frame::Single) => {
                    if c == b'\'' {
                        stack.pop();
                    }
                }
                Some(Frame::Double) => match c {
                    b'\\' => step = 1 + code[i + 1..].chars().next().map_or(0, char::len_utf8),
                    b'"' => {
                        stack.pop();
                    }
                    b'$' if bytes.get(i + 1) == Some(&b'(') => {
                        stack.push(Frame::Subst(0));
                        step = 2;
                    }
                    _ => {}
                },
                top @ (Some(Frame::Subst(_)) | None) => match c {
                    b'\\' => step = 1 + code[i + 1..].chars().next().map_or(0, char::len_utf8),
                    b'\'' => stack.push(Frame::Single),
                    b'"' => stack.push(Frame::Double),
                    b'$' if bytes.get(i + 1) == Some(&b'(') => {
                        stack.push(Frame::Subst(0));
                        step = 2;
                    }
                    b'(' => {
                        if let Some(Frame::Subst(n)) = stack.last_mut() {
                            *n += 1;
                        }
                    }
                    b')' => match stack.last_mut() {
                        Some(Frame::Subst(0)) => {
                            stack.pop();
                        }
                        Some(Frame::Subst(n)) => *n -= 1,
                        _ => {}
                    },
                    b'#' if i == 0
                        || bytes[i - 1].is_ascii_whitespace()
                        || bytes[i - 1] == b';' =>
                    {
                        comment = true;
                    }
                    b'<' if top.is_none()
                        && code[i..].starts_with("<<")
                        && !code[i..].starts_with("<<<") =>
                    {
                        if let Some((doc, len)) = heredoc_operator(&code[i..]) {
                            pending.push(doc);
                            out.push_str(&code[i..i + len]);
                            i += len;
                            continue;
                        }
                    }
                    _ => {}
                },
            }
        }
        let end = (i + step).min(code.len());
        // An escaped character is copied as is; an occurrence never starts
        // inside an escape because `\<` is not a placeholder's first byte.
        out.push_str(&code[i..end]);
        i = end;
    }
    Ok(out)
}

/// `<<EOF`, `<<-EOF`, `<< 'EOF'`, `<<"EOF"`: the here-document and how many
/// bytes the operator takes.
fn heredoc_operator(s: &str) -> Option<(Heredoc, usize)> {
    let mut i = 2;
    let b = s.as_bytes();
    let strip_tabs = b.get(i) == Some(&b'-');
    if strip_tabs {
        i += 1;
    }
    while b.get(i).is_some_and(|c| *c == b' ' || *c == b'\t') {
        i += 1;
    }
    let quote = b.get(i).copied().filter(|c| *c == b'\'' || *c == b'"');
    if quote.is_some() {
        i += 1;
    }
    let start = i;
    while b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-' || *c == b'.')
    {
        i += 1;
    }
    if i == start {
        return None;
    }
    let delimiter = s[start..i].to_string();
    if let Some(q) = quote {
        if b.get(i) != Some(&q) {
            return None;
        }
        i += 1;
    }
    Some((
        Heredoc {
            delimiter,
            quoted: quote.is_some(),
            strip_tabs,
        },
        i,
    ))
}

/// A value offered for a placeholder that is part of a file name: the
/// newest file in `dir` that fits (`prod_backup_YYYYMMDD_HHMMSS.sql` ->
/// newest `prod_backup_*.sql`), and the part of its name that fills the
/// placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub value: String,
    pub file: PathBuf,
}

pub fn default_for(code: &str, placeholder: &str, dir: &Path) -> Option<Suggestion> {
    let at = code.find(placeholder)?;
    let is_word = |c: char| !c.is_whitespace() && !"'\"<>|;&()=`".contains(c);
    let start = code[..at]
        .char_indices()
        .rev()
        .find(|&(_, c)| !is_word(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = code[at + placeholder.len()..]
        .char_indices()
        .find(|&(_, c)| !is_word(c))
        .map_or(code.len(), |(i, _)| at + placeholder.len() + i);
    let word = &code[start..end];
    let (folder, name) = match word.rfind('/') {
        Some(slash) => (dir.join(&word[..slash]), &word[slash + 1..]),
        None => (dir.to_path_buf(), word),
    };
    let pos = name.find(placeholder)?;
    let (prefix, suffix) = (&name[..pos], &name[pos + placeholder.len()..]);
    // A bare `<FILE>` would offer any file at all: not a useful default.
    if prefix.is_empty() && suffix.is_empty() || word.contains(['$', '*', '?', '[']) {
        return None;
    }
    let mut best: Option<(SystemTime, String, PathBuf)> = None;
    for entry in std::fs::read_dir(&folder).ok()?.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        if file_name.len() <= prefix.len() + suffix.len()
            || !file_name.starts_with(prefix)
            || !file_name.ends_with(suffix)
        {
            continue;
        }
        let middle = &file_name[prefix.len()..file_name.len() - suffix.len()];
        if !fits(placeholder, middle) {
            continue;
        }
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let newer = best
            .as_ref()
            .is_none_or(|(t, v, _)| (modified, middle) > (*t, v.as_str()));
        if newer {
            best = Some((modified, middle.to_string(), entry.path()));
        }
    }
    best.map(|(_, value, file)| Suggestion { value, file })
}

/// A date-shaped placeholder (`YYYYMMDD_HHMMSS`) takes digits where its
/// letters are and the same separators; anything else takes any value.
fn fits(placeholder: &str, value: &str) -> bool {
    let date_shaped = placeholder
        .chars()
        .all(|c| "YMDHS".contains(c) || "-_:/T ".contains(c));
    if !date_shaped {
        return true;
    }
    placeholder.len() == value.len()
        && placeholder.chars().zip(value.chars()).all(|(p, v)| {
            if "YMDHS".contains(p) {
                v.is_ascii_digit()
            } else {
                p == v
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mask::SecretNames;

    fn run(code: &str, pairs: &[(&str, &str)]) -> Command {
        let names: Vec<&str> = pairs.iter().map(|p| p.0).collect();
        let values = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        substitute(code, &names, &values, &Masker::new(SecretNames::default())).unwrap()
    }

    #[test]
    fn quoting_follows_the_spot() {
        let table = [
            ("echo <V>", "echo 'a b'"),
            ("echo '<V>'", "echo '''a b'''"),
            ("echo \"x=<V>\"", "echo \"x=\"'a b'\"\""),
            ("echo \"$(echo <V>)\"", "echo \"$(echo 'a b')\""),
            ("# uses <V>\necho ok", "# uses 'a b'\necho ok"),
            ("echo don\\'t <V>", "echo don\\'t 'a b'"),
        ];
        for (code, want) in table {
            assert_eq!(run(code, &[("<V>", "a b")]).text, want, "{code}");
        }
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn heredocs_take_the_value_as_text() {
        let code = "mysql <<EOF\nSELECT '<V>';\nEOF\ncat <<'X'\n<V>\nX\necho <V>";
        let got = run(code, &[("<V>", "$(x) `y` \\")]).text;
        assert_eq!(
            got,
            "mysql <<EOF\nSELECT '\\$(x) \\`y\\` \\\\';\nEOF\ncat <<'X'\n$(x) `y` \\\nX\necho '$(x) `y` \\'"
        );
        let values = HashMap::from([("<V>".to_string(), "a\nEOF\nrm x".to_string())]);
        let err = substitute("cat <<EOF\n<V>\nEOF", &["<V>"], &values, &Masker::default());
        assert_eq!(err, Err(SubstituteError::Multiline("<V>".into())));
    }

    #[test]
    fn missing_values_are_named() {
        let err = substitute(
            "deploy <A> <B>",
            &["<A>", "<B>"],
            &HashMap::from([("<A>".to_string(), "1".to_string())]),
            &Masker::default(),
        );
        assert_eq!(err, Err(SubstituteError::Missing(vec!["<B>".into()])));
    }

    #[test]
    fn secret_placeholders_are_masked_in_the_display() {
        let c = run(
            "mysql -u <USER> -p<DB_PASSWORD> app",
            &[("<USER>", "root"), ("<DB_PASSWORD>", "pw")],
        );
        assert_eq!(c.text, "mysql -u 'root' -p'pw' app");
        assert_eq!(c.display, "mysql -u 'root' -p'••••' app");
    }

    #[test]
    fn longest_placeholder_wins() {
        let c = run("echo [X] [X_Y]", &[("[X]", "1"), ("[X_Y]", "2")]);
        assert_eq!(c.text, "echo '1' '2'");
    }

    #[test]
    fn placeholders_and_unset_vars_of_a_block() {
        let code = "mysql -p$DB_PASSWORD_FOR_TEST < prod_backup_YYYYMMDD_HHMMSS.sql\ndoctl apps logs <APP_ID>";
        assert_eq!(placeholders(code), ["YYYYMMDD_HHMMSS", "<APP_ID>"]);
        assert_eq!(unset_vars(code, &HashMap::new()), ["DB_PASSWORD_FOR_TEST"]);
        let session = HashMap::from([("DB_PASSWORD_FOR_TEST".to_string(), "x".to_string())]);
        assert!(unset_vars(code, &session).is_empty());
    }

    #[test]
    fn newest_matching_file_is_offered() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, age_s: u64| {
            let path = dir.path().join(name);
            std::fs::write(&path, "x").unwrap();
            let t = SystemTime::now() - std::time::Duration::from_secs(age_s);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(t)
                .unwrap();
        };
        write("prod_backup_20240101_010101.sql", 300);
        write("prod_backup_20240102_010101.sql", 100);
        write("prod_backup_latest.sql", 10); // not date-shaped
        write("other_20240103_010101.sql", 1);
        let code = "mysql app < prod_backup_YYYYMMDD_HHMMSS.sql";
        let s = default_for(code, "YYYYMMDD_HHMMSS", dir.path()).unwrap();
        assert_eq!(s.value, "20240102_010101");
        assert!(s.file.ends_with("prod_backup_20240102_010101.sql"));
        assert_eq!(default_for("echo <APP_ID>", "<APP_ID>", dir.path()), None);
        assert_eq!(
            default_for("cat backups/x_YYYYMMDD.sql", "YYYYMMDD", dir.path()),
            None
        );
    }
}
