//! Commands that need a person at the terminal: a `read -p` prompt, `sudo`
//! asking for a password, `ssh -t`, `kubectl exec -it`, an editor. Captured,
//! such a command has no keyboard: its standard input is `/dev/null` and,
//! in a background process group, a prompt on `/dev/tty` stops it for good.
//! So the cockpit runs them on the terminal itself, and `check` lists them
//! before the window.
//!
//! The judgement is on the script's words as bash sees them: comments,
//! quoted text and here-document bodies run nothing, a value attached to
//! its flag (`mysql -p"$DB_PASSWORD"`) asks nothing, and a `read` fed by a
//! pipe or a file (`... | while read line`, `read x < file`) waits on no one.

mod lex;
mod opts;
mod parse;
mod tools;

#[cfg(test)]
mod tests;

use tools::Found;

/// The first line of a script that waits for the operator, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interactive {
    /// From 0, counted in the script's lines.
    pub line_offset: usize,
    /// As a person would say it: "read -p prompts for input".
    pub reason: String,
}

/// Substitutions nested deeper than this are not looked into: a runbook
/// never needs it, and a crafted one cannot make the check recurse forever.
const DEPTH: usize = 8;

/// The first command of `code` that needs the terminal, if any.
pub fn interactive(code: &str) -> Option<Interactive> {
    let mut found = Vec::new();
    scan(code, 0, true, 0, &mut found);
    found.into_iter().min_by_key(|f| f.line_offset)
}

fn scan(code: &str, base: usize, keyboard: bool, depth: usize, out: &mut Vec<Interactive>) {
    let lexed = lex::lex(code);
    for cmd in parse::commands(&lexed.toks) {
        match tools::judge(&cmd.words, keyboard && cmd.keyboard) {
            Some(Found::Asks { line, reason }) => out.push(Interactive {
                line_offset: base + line,
                reason,
            }),
            Some(Found::Script {
                code,
                line,
                keyboard,
            }) if depth < DEPTH => scan(&code, base + line, keyboard, depth + 1, out),
            _ => {}
        }
    }
    if depth < DEPTH {
        for (inner, line) in &lexed.nested {
            scan(inner, base + line, keyboard, depth + 1, out);
        }
    }
}
