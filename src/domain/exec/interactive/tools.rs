//! What each tool does that needs a person at the terminal: a password
//! prompt on `/dev/tty`, a pseudo-terminal, an editor, a read from the
//! keyboard. Reasons name the tool and the flag, never a value (a value
//! can be a secret).

use super::lex::Word;
use super::opts::{self, Long, Spec, has, leading, skip_assignments, value};
use super::parse::SELECT;

/// What one simple command amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// It waits for the operator.
    Asks { line: usize, reason: String },
    /// It runs a script of its own (`bash -c '...'`), to be judged too.
    Script {
        code: String,
        line: usize,
        keyboard: bool,
    },
}

fn asks(w: &Word, reason: impl Into<String>) -> Option<Found> {
    Some(Found::Asks {
        line: w.line,
        reason: reason.into(),
    })
}

/// `keyboard`: the command's standard input is the operator's.
pub fn judge(words: &[Word], keyboard: bool) -> Option<Found> {
    let (w, args) = skip_assignments(words).split_first()?;
    let name = w.text.rsplit('/').next().unwrap_or_default();
    match name {
        "sudo" => sudo(w, args, keyboard),
        "doas" => doas(w, args, keyboard),
        "su" => asks(w, "su asks for a password"),
        "env" | "time" | "nohup" | "exec" | "command" | "nice" | "timeout" | "stdbuf"
        | "ionice" => judge(wrapped(name, args)?, keyboard),
        "read" => read(w, args, keyboard),
        "mapfile" | "readarray" => {
            let (o, _) = leading(args, &short("dnOsuCc"));
            (keyboard && !has(&o, 'u', "")).then_some(())?;
            asks(w, format!("{name} reads lines from the keyboard"))
        }
        SELECT if w.plain => {
            keyboard.then_some(())?;
            asks(w, "select prompts for a choice")
        }
        "ssh" => ssh(w, args, keyboard),
        "mysql" | "mariadb" | "mysqldump" | "mariadb-dump" | "mysqladmin" | "mariadb-admin" => {
            mysql(name, w, args, keyboard)
        }
        "psql" => psql(w, args, keyboard),
        "pg_dump" | "pg_dumpall" | "pg_restore" => {
            let flag = args
                .iter()
                .find(|a| a.text == "-W" || a.text == "--password")?;
            asks(w, format!("{name} {} asks for a password", flag.text))
        }
        "docker" | "podman" => docker(name, w, args, keyboard),
        "kubectl" | "oc" => kubectl(name, w, args, keyboard),
        "vi" | "vim" | "nvim" | "nano" | "pico" | "emacs" | "visudo" | "vipw" => {
            let batch = args.iter().any(|a| {
                matches!(
                    a.text.as_str(),
                    "-es" | "-Es" | "--batch" | "-batch" | "--script" | "--version" | "--help"
                )
            });
            (!batch).then_some(())?;
            asks(w, format!("{name} opens an editor"))
        }
        "crontab" => {
            args.iter().any(|a| a.text == "-e").then_some(())?;
            asks(w, "crontab -e opens an editor")
        }
        "passwd" => {
            // `passwd -l user` and friends change nothing that needs typing.
            args.iter()
                .all(|a| !a.text.starts_with('-'))
                .then_some(())?;
            asks(w, "passwd asks for a password")
        }
        "terraform" | "tofu" => terraform(name, w, args, keyboard),
        "bash" | "sh" | "zsh" | "dash" | "ksh" => shell_c(args, keyboard),
        _ => None,
    }
}

fn short(s: &'static str) -> Spec {
    Spec {
        short: s,
        long: Long::Only(&[]),
    }
}

/// The command a wrapper (`env`, `time`, `nohup`...) runs, if it runs one.
fn wrapped<'a>(name: &str, args: &'a [Word]) -> Option<&'a [Word]> {
    let spec = match name {
        "env" => Spec {
            short: "uCS",
            long: Long::Only(&["unset", "chdir", "split-string"]),
        },
        "time" => short("fo"),
        "exec" => short("a"),
        "nice" => short("n"),
        "timeout" => Spec {
            short: "sk",
            long: Long::Only(&["signal", "kill-after"]),
        },
        "stdbuf" => short("ioe"),
        "ionice" => short("cnp"),
        _ => short(""),
    };
    let (o, rest) = leading(args, &spec);
    match name {
        // `command -v x` looks `x` up, it does not run it.
        "command" if has(&o, 'v', "") || has(&o, 'V', "") => None,
        "env" => Some(skip_assignments(rest)),
        // The duration comes first.
        "timeout" => rest.get(1..),
        _ => Some(rest),
    }
}

fn read(w: &Word, args: &[Word], keyboard: bool) -> Option<Found> {
    let (o, _) = leading(args, &short("adinNptu"));
    // `-u 3` reads another file descriptor, not the keyboard.
    if !keyboard || has(&o, 'u', "") {
        return None;
    }
    if has(&o, 'p', "") {
        asks(w, "read -p prompts for input")
    } else {
        asks(w, "read waits for input from the keyboard")
    }
}

fn sudo(w: &Word, args: &[Word], keyboard: bool) -> Option<Found> {
    let spec = Spec {
        short: "CDghpRrTtUu",
        long: Long::Only(&[
            "user",
            "group",
            "host",
            "prompt",
            "role",
            "type",
            "command-timeout",
            "chdir",
            "chroot",
            "close-from",
            "other-user",
        ]),
    };
    let (o, rest) = leading(args, &spec);
    if has(&o, 'n', "non-interactive") || has(&o, 'A', "askpass") || has(&o, 'K', "") {
        return judge(rest, keyboard);
    }
    if has(&o, 'S', "stdin") {
        // The password comes from the pipe or file that feeds sudo.
        return if keyboard {
            asks(w, "sudo -S reads a password from the keyboard")
        } else {
            judge(rest, false)
        };
    }
    if rest.is_empty() && (has(&o, 'k', "reset-timestamp") || has(&o, 'V', "version")) {
        return None;
    }
    asks(w, "sudo may ask for a password")
}

fn doas(w: &Word, args: &[Word], keyboard: bool) -> Option<Found> {
    let (o, rest) = leading(args, &short("Cu"));
    if has(&o, 'n', "") {
        return judge(rest, keyboard);
    }
    if has(&o, 'L', "") {
        return None;
    }
    asks(w, "doas may ask for a password")
}

fn ssh(w: &Word, args: &[Word], keyboard: bool) -> Option<Found> {
    let (o, rest) = leading(args, &short("BbcDEeFIiJLlmOoPpQRSWw"));
    let tees = o
        .iter()
        .filter(|x| matches!(x, opts::Opt::Short('t', _)))
        .count();
    let request = o
        .iter()
        .filter_map(|x| match x {
            opts::Opt::Short('o', Some(v)) => {
                let v = v.to_ascii_lowercase();
                let v = v.strip_prefix("requesttty")?;
                Some(v.trim_start_matches(['=', ' ']).to_string())
            }
            _ => None,
        })
        .next_back();
    let no_stdin = ['n', 'f'].iter().any(|&c| has(&o, c, ""));
    if tees >= 2 {
        return asks(w, "ssh -tt opens a terminal");
    }
    if request.as_deref() == Some("force") {
        return asks(w, "ssh -o RequestTTY=force opens a terminal");
    }
    // Without the keyboard ssh allocates no terminal: the command runs as
    // if `-t` were not there.
    if !keyboard || no_stdin {
        return None;
    }
    if tees == 1 {
        return asks(w, "ssh -t opens a terminal");
    }
    if request.as_deref() == Some("yes") {
        return asks(w, "ssh -o RequestTTY=yes opens a terminal");
    }
    let session = !['N', 'T', 'G', 'V', 'O', 'Q', 'W']
        .iter()
        .any(|&c| has(&o, c, ""));
    (rest.len() == 1 && session).then_some(())?;
    asks(w, "ssh without a command opens a remote shell")
}

fn mysql(name: &str, w: &Word, args: &[Word], keyboard: bool) -> Option<Found> {
    let mut query = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match a.text.as_str() {
            // Attached (`-pSECRET`, `-p"$PW"`) is a value; alone it prompts
            // on /dev/tty, whatever feeds standard input.
            "-p" | "--password" => {
                return asks(w, format!("{name} {} asks for a password", a.text));
            }
            "-e" | "--execute" => {
                query = true;
                i += 1;
            }
            "-h" | "-u" | "-P" | "-D" | "-S" | "--host" | "--user" | "--port" | "--database"
            | "--socket" => i += 1,
            "-V" | "--version" | "--help" | "-?" | "-I" => query = true,
            t if t.starts_with("-e") || t.starts_with("--execute=") => query = true,
            _ => {}
        }
        i += 1;
    }
    let client = matches!(name, "mysql" | "mariadb");
    (client && keyboard && !query).then_some(())?;
    asks(w, format!("{name} without -e opens an interactive session"))
}

fn psql(w: &Word, args: &[Word], keyboard: bool) -> Option<Found> {
    let spec = Spec {
        short: "cdfhLopPTUvFR",
        long: Long::Only(&[
            "command",
            "dbname",
            "file",
            "host",
            "log-file",
            "output",
            "port",
            "pset",
            "table-attr",
            "username",
            "variable",
            "set",
            "field-separator",
            "record-separator",
        ]),
    };
    let o = opts::anywhere(args, &spec);
    if has(&o, 'W', "password") {
        let flag = if value(&o, 'W', "").is_some() {
            "-W"
        } else {
            "--password"
        };
        return asks(w, format!("psql {flag} asks for a password"));
    }
    let query = [
        ('c', "command"),
        ('f', "file"),
        ('l', "list"),
        ('V', "version"),
        ('?', "help"),
    ]
    .iter()
    .any(|&(c, l)| has(&o, c, l));
    (keyboard && !query).then_some(())?;
    asks(w, "psql without -c opens an interactive session")
}

fn docker(name: &str, w: &Word, args: &[Word], keyboard: bool) -> Option<Found> {
    let global = Spec {
        short: "Hcl",
        long: Long::AllBut(&["debug", "tls", "tlsverify"]),
    };
    let (_, rest) = leading(args, &global);
    let (mut sub, mut rest) = rest.split_first()?;
    if sub.text == "container" {
        (sub, rest) = rest.split_first()?;
    }
    let spec = Spec {
        short: "acehlmpuvw",
        long: Long::AllBut(&[
            "interactive",
            "tty",
            "detach",
            "rm",
            "privileged",
            "init",
            "read-only",
            "publish-all",
            "no-healthcheck",
            "oom-kill-disable",
            "sig-proxy",
            "disable-content-trust",
            "quiet",
            "attach",
            "no-stdin",
        ]),
    };
    let (o, _) = leading(rest, &spec);
    let stdin = has(&o, 'i', "interactive");
    let sub = sub.text.as_str();
    keyboard.then_some(())?;
    match sub {
        "exec" | "run" if stdin && has(&o, 't', "tty") && !has(&o, 'd', "detach") => {
            asks(w, format!("{name} {sub} -it opens a terminal"))
        }
        "start" if stdin && has(&o, 'a', "attach") => {
            asks(w, format!("{name} start -ai attaches the terminal"))
        }
        "attach" if !has(&o, '\0', "no-stdin") => {
            asks(w, format!("{name} attach connects the terminal"))
        }
        _ => None,
    }
}

fn kubectl(name: &str, w: &Word, args: &[Word], keyboard: bool) -> Option<Found> {
    let global = Spec {
        short: "nsv",
        long: Long::AllBut(&[
            "insecure-skip-tls-verify",
            "match-server-version",
            "warnings-as-errors",
        ]),
    };
    let (_, rest) = leading(args, &global);
    let (sub, rest) = rest.split_first()?;
    let sub = sub.text.as_str();
    match sub {
        "edit" => asks(w, format!("{name} edit opens an editor")),
        "exec" | "attach" | "run" | "debug" => {
            let (mut stdin, mut tty) = (false, false);
            // kubectl takes flags after operands too, up to `--`.
            for a in rest.iter().take_while(|a| a.text != "--") {
                let t = a.text.as_str();
                if let Some(long) = t.strip_prefix("--") {
                    let (l, v) = long.split_once('=').unwrap_or((long, "true"));
                    stdin |= l == "stdin" && v != "false";
                    tty |= l == "tty" && v != "false";
                } else if let Some(flags) = t.strip_prefix('-') {
                    for c in flags.chars() {
                        match c {
                            'i' => stdin = true,
                            't' => tty = true,
                            _ => break,
                        }
                    }
                }
            }
            (stdin && tty && keyboard).then_some(())?;
            asks(w, format!("{name} {sub} -it opens a terminal"))
        }
        _ => None,
    }
}

/// `terraform apply` asks "Do you want to perform these actions?" unless
/// approved up front, told not to ask, or given a saved plan.
fn terraform(name: &str, w: &Word, args: &[Word], keyboard: bool) -> Option<Found> {
    let (sub, rest) = args
        .iter()
        .position(|a| !a.text.starts_with('-'))
        .and_then(|i| args.get(i..))?
        .split_first()?;
    let sub = sub.text.as_str();
    matches!(sub, "apply" | "destroy").then_some(())?;
    let answered = rest.iter().any(|a| {
        let t = a.text.trim_start_matches('-');
        t == "auto-approve" || t == "auto-approve=true" || t == "input=false"
    });
    // Go's flags take `-var x=1` as well as `-var=x=1`: skip the values.
    let valued = [
        "var",
        "var-file",
        "target",
        "replace",
        "parallelism",
        "state",
        "state-out",
        "backup",
        "lock-timeout",
    ];
    let mut operands = 0;
    let mut i = 0;
    while let Some(a) = rest.get(i) {
        match a.text.strip_prefix('-') {
            Some(flag) if valued.contains(&flag.trim_start_matches('-')) => i += 1,
            Some(_) => {}
            None => operands += 1,
        }
        i += 1;
    }
    let saved_plan = sub == "apply" && operands > 0;
    (keyboard && !answered && !saved_plan).then_some(())?;
    asks(w, format!("{name} {sub} asks for approval"))
}

/// `bash -c 'script'`: the script, judged as one.
fn shell_c(args: &[Word], keyboard: bool) -> Option<Found> {
    let mut c = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let t = a.text.as_str();
        if t == "--" || !(t.starts_with('-') || t.starts_with('+')) || t.len() < 2 {
            let at = if t == "--" { args.get(i + 1)? } else { a };
            return c.then(|| Found::Script {
                code: at.text.clone(),
                line: at.line,
                keyboard,
            });
        }
        if t.starts_with('-') && !t.starts_with("--") {
            c |= t.contains('c');
        }
        // `-o pipefail`, `-O extglob`: the next word is the option's name.
        if !t.starts_with("--") && (t.ends_with('o') || t.ends_with('O')) {
            i += 1;
        }
        i += 1;
    }
    None
}
