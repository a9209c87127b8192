//! From tokens to simple commands, each knowing whether its standard input
//! is still the keyboard. That takes the compound commands into account:
//! `cat f | while read l; do ...; done` and `while read l; ...; done < f`
//! feed `read` from the pipe or the file, not from the operator.

use super::lex::{Tok, Word};

/// A simple command: its words (assignments and wrappers included), and
/// whether its standard input is the script's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simple {
    pub words: Vec<Word>,
    pub keyboard: bool,
}

/// The words that name no command but ask one: `select` reads a choice.
pub const SELECT: &str = "select";

pub fn commands(toks: &[Tok]) -> Vec<Simple> {
    let mut p = Parser::default();
    for t in toks {
        p.token(t);
    }
    p.finish_command();
    p.end_closing();
    let frames = p.frames;
    p.cmds
        .into_iter()
        .map(|c| Simple {
            keyboard: !c.redirected && c.frames.iter().all(|&f| !frames[f]),
            words: c.words,
        })
        .collect()
}

#[derive(Debug, Default)]
struct Cmd {
    words: Vec<Word>,
    redirected: bool,
    /// The compound commands around it, innermost last.
    frames: Vec<usize>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Skip {
    #[default]
    No,
    /// `for x in a b c` and `select`: words up to `do` are not commands.
    UntilDo,
    /// `case $x`: up to `in`.
    UntilIn,
    /// A `case` pattern, up to its `)`.
    Pattern,
    /// `function name`: the name.
    FuncName,
}

#[derive(Debug, Default)]
struct Parser {
    cmds: Vec<Cmd>,
    /// Per compound command: its standard input is redirected or piped.
    frames: Vec<bool>,
    open: Vec<usize>,
    cur: Cmd,
    /// The previous command's output is piped into the next one.
    piped: bool,
    /// A compound command just closed: redirections now apply to it.
    closing: Option<usize>,
    skip: Skip,
    /// `name()` of a function definition: its `)` closes nothing.
    func_parens: bool,
}

impl Parser {
    fn token(&mut self, t: &Tok) {
        match self.skip {
            Skip::UntilDo => {
                if matches!(t, Tok::Word(w) if w.is("do")) {
                    self.skip = Skip::No;
                }
                return;
            }
            Skip::UntilIn => {
                if matches!(t, Tok::Word(w) if w.is("in")) {
                    self.skip = Skip::Pattern;
                }
                return;
            }
            Skip::Pattern => {
                match t {
                    Tok::Word(w) if w.is("esac") => self.close(),
                    Tok::Close => self.skip = Skip::No,
                    _ => {}
                }
                return;
            }
            Skip::FuncName => {
                if matches!(t, Tok::Word(_)) {
                    self.skip = Skip::No;
                    self.func_parens = true;
                }
                return;
            }
            Skip::No => {}
        }
        match t {
            Tok::Word(w) => self.word(w),
            Tok::Pipe => {
                self.end_command();
                self.piped = true;
            }
            Tok::Sep => {
                self.end_command();
                self.piped = false;
            }
            Tok::CaseEnd => {
                self.end_command();
                self.piped = false;
                self.skip = Skip::Pattern;
            }
            Tok::Open => {
                if self.func_parens || !self.cur.words.is_empty() {
                    // `name() { ...; }`: a definition, whose body runs
                    // where it is called.
                    self.cur = Cmd::default();
                    self.func_parens = true;
                } else {
                    self.push_frame();
                }
            }
            Tok::Close => {
                if self.func_parens {
                    self.func_parens = false;
                } else {
                    self.finish_command();
                    self.close();
                }
            }
            Tok::Redirect { stdin } => match self.closing {
                Some(f) => self.frames[f] |= stdin,
                None => self.cur.redirected |= stdin,
            },
        }
    }

    fn word(&mut self, w: &Word) {
        if self.closing.is_some() {
            // Only redirections may follow `done`: anything else is not
            // bash, and starts nothing.
            return;
        }
        if self.cur.words.is_empty() && w.plain {
            self.func_parens = false;
            match w.text.as_str() {
                "if" | "while" | "until" | "{" => return self.push_frame(),
                "for" => {
                    self.push_frame();
                    self.skip = Skip::UntilDo;
                    return;
                }
                "select" => {
                    self.push_frame();
                    // The menu reads the loop's standard input.
                    self.cur.words.push(Word {
                        text: SELECT.into(),
                        line: w.line,
                        plain: true,
                    });
                    self.finish_command();
                    self.skip = Skip::UntilDo;
                    return;
                }
                "case" => {
                    self.push_frame();
                    self.skip = Skip::UntilIn;
                    return;
                }
                "function" => {
                    self.skip = Skip::FuncName;
                    return;
                }
                "then" | "do" | "else" | "elif" | "!" => return,
                "done" | "fi" | "}" | "esac" => return self.close(),
                _ => {}
            }
        }
        self.cur.words.push(w.clone());
    }

    fn push_frame(&mut self) {
        self.frames.push(self.piped);
        self.open.push(self.frames.len() - 1);
        self.piped = false;
    }

    fn close(&mut self) {
        self.skip = Skip::No;
        self.closing = self.open.pop();
    }

    /// At `|`, `;`, `&&`, a line break: the command and any compound
    /// command's redirections are complete.
    fn end_command(&mut self) {
        self.finish_command();
        self.end_closing();
    }

    fn end_closing(&mut self) {
        self.closing = None;
    }

    fn finish_command(&mut self) {
        let mut cmd = std::mem::take(&mut self.cur);
        if cmd.words.is_empty() {
            return;
        }
        cmd.redirected |= self.piped;
        cmd.frames = self.open.clone();
        self.cmds.push(cmd);
    }
}
