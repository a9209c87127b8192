//! Just enough of the shell's lexical rules to see a script's words the way
//! bash does: quotes removed (so `-p''` is `-p` and `-p"$PW"` keeps its
//! value), comments and here-document bodies dropped (they run nothing),
//! and command substitutions set aside to be judged as scripts of their own.
//! Anything it does not understand becomes part of a word: a wrong guess
//! costs one missed detection, never a panic.

/// A word after quote removal, with the line (from 0) it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub line: usize,
    /// Written without quotes or expansions: only such a word can be a
    /// reserved word (`"done"` is not `done`).
    pub plain: bool,
}

impl Word {
    pub fn is(&self, keyword: &str) -> bool {
        self.plain && self.text == keyword
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Word(Word),
    /// `|` or `|&`: the next command reads the previous one's output.
    Pipe,
    /// `;`, `&`, `&&`, `||` or a line break.
    Sep,
    /// `;;`, `;&` or `;;&`: the end of a `case` arm.
    CaseEnd,
    Open,
    Close,
    /// A redirection (its target already consumed); `stdin` when it
    /// replaces the command's standard input.
    Redirect {
        stdin: bool,
    },
}

/// A script's tokens, and the command substitutions (`$(...)`, backticks,
/// `<(...)`) found outside quotes, each with the line it starts on.
#[derive(Debug, Default)]
pub struct Lexed {
    pub toks: Vec<Tok>,
    pub nested: Vec<(String, usize)>,
}

pub fn lex(code: &str) -> Lexed {
    let mut l = Lexer {
        s: code.chars().collect(),
        i: 0,
        line: 0,
        out: Lexed::default(),
        heredocs: Vec::new(),
    };
    l.run();
    l.out
}

struct Lexer {
    s: Vec<char>,
    i: usize,
    line: usize,
    out: Lexed,
    /// Delimiters of here-documents whose bodies start at the next line
    /// break, and whether leading tabs are stripped (`<<-`).
    heredocs: Vec<(String, bool)>,
}

fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>'
    )
}

impl Lexer {
    fn peek(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    fn push(&mut self, t: Tok) {
        self.out.toks.push(t);
    }

    fn run(&mut self) {
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\r' => self.i += 1,
                '\\' if self.peek(1) == Some('\n') => {
                    self.i += 2;
                    self.line += 1;
                }
                '\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.push(Tok::Sep);
                    self.heredoc_bodies();
                }
                '#' => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                ';' => {
                    if self.peek(1) == Some(';') {
                        self.i += if self.peek(2) == Some('&') { 3 } else { 2 };
                        self.push(Tok::CaseEnd);
                    } else if self.peek(1) == Some('&') {
                        self.i += 2;
                        self.push(Tok::CaseEnd);
                    } else {
                        self.i += 1;
                        self.push(Tok::Sep);
                    }
                }
                '&' => match self.peek(1) {
                    Some('&') => {
                        self.i += 2;
                        self.push(Tok::Sep);
                    }
                    Some('>') => {
                        self.i += if self.peek(2) == Some('>') { 3 } else { 2 };
                        self.target();
                        self.push(Tok::Redirect { stdin: false });
                    }
                    _ => {
                        self.i += 1;
                        self.push(Tok::Sep);
                    }
                },
                '|' => {
                    match self.peek(1) {
                        Some('|') => {
                            self.i += 2;
                            self.push(Tok::Sep);
                        }
                        Some('&') => {
                            self.i += 2;
                            self.push(Tok::Pipe);
                        }
                        _ => {
                            self.i += 1;
                            self.push(Tok::Pipe);
                        }
                    };
                }
                '(' => {
                    self.i += 1;
                    self.push(Tok::Open);
                }
                ')' => {
                    self.i += 1;
                    self.push(Tok::Close);
                }
                '<' | '>' if self.peek(1) == Some('(') => {
                    // Process substitution: a word naming a pipe, whose
                    // command runs on its own.
                    let line = self.line;
                    self.i += 2;
                    let inner = self.balanced(')');
                    self.out.nested.push((inner, line));
                    self.push(Tok::Word(Word {
                        text: "/dev/fd/63".into(),
                        line,
                        plain: false,
                    }));
                }
                '<' | '>' => self.redirect(None),
                _ => {
                    let w = self.word();
                    let fd =
                        w.plain && !w.text.is_empty() && w.text.chars().all(|c| c.is_ascii_digit());
                    match self.peek(0) {
                        Some('<' | '>') if fd && self.peek(1) != Some('(') => {
                            self.redirect(w.text.parse().ok());
                        }
                        _ => self.push(Tok::Word(w)),
                    }
                }
            }
        }
    }

    /// At `<` or `>`, after an optional file descriptor number.
    fn redirect(&mut self, fd: Option<u32>) {
        let input = self.peek(0) == Some('<');
        let mut heredoc = None;
        if input {
            match (self.peek(1), self.peek(2)) {
                (Some('<'), Some('<')) => self.i += 3,
                (Some('<'), Some('-')) => {
                    self.i += 3;
                    heredoc = Some(true);
                }
                (Some('<'), _) => {
                    self.i += 2;
                    heredoc = Some(false);
                }
                (Some('&' | '>'), _) => self.i += 2,
                _ => self.i += 1,
            }
        } else {
            self.i += 1;
            if matches!(self.peek(0), Some('>' | '|' | '&')) {
                self.i += 1;
            }
        }
        let target = self.target();
        if let (Some(strip), Some(delim)) = (heredoc, target) {
            self.heredocs.push((delim, strip));
        }
        let stdin = input && fd.is_none_or(|fd| fd == 0);
        self.push(Tok::Redirect { stdin });
    }

    /// The word after a redirection operator, if any.
    fn target(&mut self) -> Option<String> {
        while matches!(self.peek(0), Some(' ' | '\t')) {
            self.i += 1;
        }
        match self.peek(0) {
            Some(c) if !is_meta(c) => Some(self.word().text),
            _ => None,
        }
    }

    /// Skips the bodies of the here-documents opened on the line just ended.
    fn heredoc_bodies(&mut self) {
        for (delim, strip) in std::mem::take(&mut self.heredocs) {
            loop {
                let start = self.i;
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
                let text: String = self.s[start..self.i].iter().collect();
                let ended = self.peek(0).is_none();
                if self.peek(0) == Some('\n') {
                    self.i += 1;
                    self.line += 1;
                }
                let text = if strip {
                    text.trim_start_matches('\t')
                } else {
                    text.as_str()
                };
                if text.trim_end() == delim || ended {
                    break;
                }
            }
        }
    }

    fn word(&mut self) -> Word {
        let mut w = Word {
            text: String::new(),
            line: self.line,
            plain: true,
        };
        while let Some(c) = self.peek(0) {
            if c == '(' && w.text.ends_with('=') {
                // `hosts=(a b)`: an array's values, not a subshell.
                self.i += 1;
                let inner = self.balanced(')');
                w.text.push_str(&format!("({inner})"));
                w.plain = false;
                continue;
            }
            if is_meta(c) {
                break;
            }
            match c {
                '\\' => {
                    self.i += 1;
                    match self.peek(0) {
                        Some('\n') => self.line += 1,
                        Some(c) => w.text.push(c),
                        None => {}
                    }
                    self.i = (self.i + 1).min(self.s.len());
                    w.plain = false;
                }
                '\'' => {
                    self.i += 1;
                    self.single_quoted(&mut w.text, false);
                    w.plain = false;
                }
                '"' => {
                    self.i += 1;
                    self.double_quoted(&mut w.text);
                    w.plain = false;
                }
                '`' => {
                    let line = self.line;
                    self.i += 1;
                    let inner = self.until_backtick();
                    self.out.nested.push((inner, line));
                    w.plain = false;
                }
                '$' => {
                    w.plain = false;
                    self.dollar(&mut w.text, true);
                }
                _ => {
                    w.text.push(c);
                    self.i += 1;
                }
            }
        }
        w
    }

    /// After an opening `'`: up to the closing one. `ansi` for `$'...'`,
    /// where a backslash escapes the quote.
    fn single_quoted(&mut self, out: &mut String, ansi: bool) {
        while let Some(c) = self.peek(0) {
            self.i += 1;
            match c {
                '\'' => return,
                '\\' if ansi => {
                    if let Some(n) = self.peek(0) {
                        self.i += 1;
                        self.count(n);
                        out.push(n);
                    }
                }
                _ => {
                    self.count(c);
                    out.push(c);
                }
            }
        }
    }

    /// After an opening `"`: up to the closing one. What a substitution
    /// inside runs is quoted text too, and is not judged.
    fn double_quoted(&mut self, out: &mut String) {
        while let Some(c) = self.peek(0) {
            match c {
                '"' => {
                    self.i += 1;
                    return;
                }
                '\\' => {
                    self.i += 1;
                    match self.peek(0) {
                        Some('\n') => {
                            self.i += 1;
                            self.line += 1;
                        }
                        Some(n @ ('"' | '\\' | '$' | '`')) => {
                            self.i += 1;
                            out.push(n);
                        }
                        _ => out.push('\\'),
                    }
                }
                '$' => self.dollar(out, false),
                '`' => {
                    self.i += 1;
                    let inner = self.until_backtick();
                    out.push_str(&inner);
                }
                _ => {
                    self.i += 1;
                    self.count(c);
                    out.push(c);
                }
            }
        }
    }

    /// At a `$`: an expansion, kept in the word as written. `judge` sets a
    /// command substitution aside to be judged on its own.
    fn dollar(&mut self, out: &mut String, judge: bool) {
        let line = self.line;
        match (self.peek(1), self.peek(2)) {
            (Some('('), Some('(')) => {
                self.i += 3;
                let inner = self.balanced(')');
                out.push_str(&format!("$(({inner})"));
                // The second closing parenthesis of `$(( ))`.
                if self.peek(0) == Some(')') {
                    self.i += 1;
                    out.push(')');
                }
            }
            (Some('('), _) => {
                self.i += 2;
                let inner = self.balanced(')');
                out.push_str(&format!("$({inner})"));
                if judge {
                    self.out.nested.push((inner, line));
                }
            }
            (Some('{'), _) => {
                self.i += 2;
                let inner = self.balanced('}');
                out.push_str(&format!("${{{inner}}}"));
            }
            (Some('\''), _) if judge => {
                self.i += 2;
                self.single_quoted(out, true);
            }
            _ => {
                self.i += 1;
                out.push('$');
            }
        }
    }

    /// After an opening bracket: the text up to its match (`close`), quotes
    /// and nesting respected; the closing bracket is consumed.
    fn balanced(&mut self, close: char) -> String {
        let open = if close == ')' { '(' } else { '{' };
        let start = self.i;
        let mut depth = 1usize;
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => {
                    self.i += 1;
                    if let Some(n) = self.peek(0) {
                        self.count(n);
                    }
                }
                '\'' => {
                    self.i += 1;
                    self.single_quoted(&mut String::new(), false);
                    continue;
                }
                '"' => {
                    self.i += 1;
                    self.double_quoted(&mut String::new());
                    continue;
                }
                c if c == open => depth += 1,
                c if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        let inner: String = self.s[start..self.i].iter().collect();
                        self.i += 1;
                        return inner;
                    }
                }
                c => self.count(c),
            }
            self.i += 1;
        }
        self.s[start..].iter().collect()
    }

    /// After an opening backtick: the text up to the closing one.
    fn until_backtick(&mut self) -> String {
        let mut inner = String::new();
        while let Some(c) = self.peek(0) {
            self.i += 1;
            match c {
                '`' => break,
                '\\' => {
                    if let Some(n) = self.peek(0) {
                        self.i += 1;
                        self.count(n);
                        if !matches!(n, '`' | '\\' | '$') {
                            inner.push('\\');
                        }
                        inner.push(n);
                    }
                }
                _ => {
                    self.count(c);
                    inner.push(c);
                }
            }
        }
        inner
    }

    fn count(&mut self, c: char) {
        if c == '\n' {
            self.line += 1;
        }
    }
}
