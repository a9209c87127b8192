//! Reading a command's options the way its own parser would, so that a
//! value (`-u root`, `-e "-p"`) is never mistaken for a flag.

use super::lex::Word;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opt<'a> {
    Short(char, Option<&'a str>),
    Long(&'a str, Option<&'a str>),
}

/// Which short options take a value, and which long ones do when written
/// without `=`.
pub struct Spec {
    pub short: &'static str,
    pub long: Long,
}

pub enum Long {
    /// Only these take a value.
    Only(&'static [&'static str]),
    /// All but these (flags) take a value: docker, kubectl.
    AllBut(&'static [&'static str]),
}

impl Spec {
    fn long_takes(&self, name: &str) -> bool {
        match self.long {
            Long::Only(l) => l.contains(&name),
            Long::AllBut(l) => !l.contains(&name),
        }
    }
}

/// The options before the first operand (or `--`), and what follows.
pub fn leading<'a>(args: &'a [Word], spec: &Spec) -> (Vec<Opt<'a>>, &'a [Word]) {
    let mut opts = Vec::new();
    let mut i = 0;
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        if t == "--" {
            return (opts, args.get(i + 1..).unwrap_or_default());
        }
        if !t.starts_with('-') || t.len() < 2 {
            return (opts, &args[i..]);
        }
        i += option(args, i, spec, &mut opts);
    }
    (opts, &[])
}

/// Every option, operands skipped (GNU getopt permutes: `psql db -W`).
pub fn anywhere<'a>(args: &'a [Word], spec: &Spec) -> Vec<Opt<'a>> {
    let mut opts = Vec::new();
    let mut i = 0;
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        if t == "--" {
            break;
        }
        if !t.starts_with('-') || t.len() < 2 {
            i += 1;
            continue;
        }
        i += option(args, i, spec, &mut opts);
    }
    opts
}

/// Reads the option at `args[i]`; how many words it took.
fn option<'a>(args: &'a [Word], i: usize, spec: &Spec, opts: &mut Vec<Opt<'a>>) -> usize {
    let t = args[i].text.as_str();
    let next = args.get(i + 1).map(|w| w.text.as_str());
    if let Some(long) = t.strip_prefix("--") {
        return match long.split_once('=') {
            Some((name, value)) => {
                opts.push(Opt::Long(name, Some(value)));
                1
            }
            None if spec.long_takes(long) => {
                opts.push(Opt::Long(long, next));
                2
            }
            None => {
                opts.push(Opt::Long(long, None));
                1
            }
        };
    }
    let flags = &t[1..];
    for (at, c) in flags.char_indices() {
        if spec.short.contains(c) {
            let rest = &flags[at + c.len_utf8()..];
            if rest.is_empty() {
                opts.push(Opt::Short(c, next));
                return 2;
            }
            opts.push(Opt::Short(c, Some(rest)));
            return 1;
        }
        opts.push(Opt::Short(c, None));
    }
    1
}

/// Whether `-c` or `--long` is among `opts`.
pub fn has(opts: &[Opt<'_>], short: char, long: &str) -> bool {
    value(opts, short, long).is_some()
}

/// The value of `-c`/`--long` if given (`Some("")` for a flag), unless it
/// was turned off with `=false`.
pub fn value<'a>(opts: &[Opt<'a>], short: char, long: &str) -> Option<&'a str> {
    opts.iter().rev().find_map(|o| match *o {
        Opt::Short(c, v) if c == short => Some(v.unwrap_or_default()),
        Opt::Long(l, v) if l == long && v != Some("false") => Some(v.unwrap_or_default()),
        _ => None,
    })
}

/// The words after leading `NAME=value` assignments.
pub fn skip_assignments(words: &[Word]) -> &[Word] {
    let n = words.iter().take_while(|w| is_assignment(&w.text)).count();
    &words[n..]
}

fn is_assignment(t: &str) -> bool {
    let Some((name, _)) = t.split_once('=') else {
        return false;
    };
    let name = name.strip_suffix('+').unwrap_or(name);
    let name = match name.split_once('[') {
        Some((n, sub)) if sub.ends_with(']') => n,
        Some(_) => return false,
        None => name,
    };
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
