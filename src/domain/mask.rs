//! The one place that decides what a secret looks like and hides it. Every
//! path to the screen, the journal, a log file or the report goes through a
//! [`Masker`], so a rule added here protects all of them at once.
//!
//! Two kinds of secret are recognised:
//! - known values: the values of environment variables (the process's and
//!   the session's) whose names look secret (`DB_PASSWORD=hunter2secret`
//!   hides `hunter2secret` wherever it appears);
//! - shapes that need no known value: the password in
//!   `scheme://user:password@host`, `-pPASSWORD` on a mysql/mysqldump line,
//!   `--password=...`, `Authorization: ...`, `Bearer <token>`,
//!   `SECRET_NAME=value` / `"secret_name": "value"`, and tokens that say
//!   what they are: AWS access key ids (`AKIA…`, `ASIA…`), GitHub tokens
//!   (`ghp_…`, `github_pat_…`), Slack tokens (`xoxb-…`), JWTs (`eyJ….eyJ…`),
//!   and the body of a `-----BEGIN … PRIVATE KEY-----` block; plus any
//!   patterns the operator adds (`[secrets] patterns`).
//!
//! Masking works line by line: no rule but the private key block spans a
//! newline, so a stream can be masked as it arrives without holding output
//! back (a stream tracks the open key block itself, see [`KeyBlock`]).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// How secret values appear anywhere they could be seen.
pub const MASK: &str = "••••";

/// Variable names whose values are secrets, unless configured otherwise.
pub const DEFAULT_SECRET_NAMES: &str = r"(?i)PASSWORD|PASSWD|TOKEN|SECRET|KEY|CREDENTIAL|AUTH";

/// Known values shorter than this are not masked wherever they appear.
/// Hiding every `1`, `yes` or `dev` in the output would wreck it, and the
/// pattern of masks would itself reveal the value (every `••••` sits where
/// the secret's letters were). A secret that short is no protection anyway.
/// The shape rules (URL passwords, `-p...`, bearer tokens) mask values of
/// any length, since there the position, not the value, says it is secret.
pub const MIN_VALUE_LEN: usize = 4;

/// Which variable names hold secrets. Configurable (`[secrets] names`).
#[derive(Debug, Clone)]
pub struct SecretNames(
    /// `None` only if the built-in pattern failed to compile (the tests rule
    /// that out); then every name counts as secret, the safe side.
    Option<Regex>,
);

impl SecretNames {
    pub fn new(pattern: &str) -> Result<SecretNames, regex::Error> {
        Regex::new(pattern).map(|r| SecretNames(Some(r)))
    }

    pub fn is_secret(&self, name: &str) -> bool {
        self.0.as_ref().is_none_or(|r| r.is_match(name))
    }
}

impl SecretNames {
    /// By the built-in names, without a copy of the compiled pattern (a
    /// copy starts with a cold match cache: this runs per variable while a
    /// runbook is read).
    pub fn is_default_secret(name: &str) -> bool {
        DEFAULT_NAMES.as_ref().is_none_or(|r| r.is_match(name))
    }
}

impl Default for SecretNames {
    fn default() -> Self {
        SecretNames(DEFAULT_NAMES.clone())
    }
}

/// Compiled once per process: masking runs on every output line.
struct Rules {
    url: Regex,
    mysql_p: Regex,
    long_password: Regex,
    authorization: Regex,
    bearer: Regex,
    assign: Regex,
    json: Regex,
    reference: Regex,
    /// Tokens recognisable by their own shape, masked whole.
    tokens: Regex,
    /// The body of a private key, up to its end marker or the text's end.
    key_block: Regex,
}

fn build_rules() -> Result<Rules, regex::Error> {
    Ok(Rules {
        // Greedy up to the authority's last `@`: an unencoded `@` in a password
        // (`u:p@ss@host`) must not leave part of it showing.
        url: Regex::new(r#"[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'"]*:([^\s/'"]+)@"#)?,
        mysql_p: Regex::new(r#"(?:^|\s)-p('[^']*'|"[^"]*"|\S+)"#)?,
        long_password: Regex::new(r#"--password=('[^']*'|"[^"]*"|\S+)"#)?,
        authorization: Regex::new(
            r#"(?i)\bauthorization:\s*(?:(?:bearer|basic|token|digest)\s+)?([^\s'"]+)"#,
        )?,
        bearer: Regex::new(r"(?i)\bbearer\s+([A-Za-z0-9\-._~+/]+=*)")?,
        assign: Regex::new(r#"\b([A-Za-z_][A-Za-z0-9_]*)=('[^']*'|"[^"]*"|[^\s'"]+)"#)?,
        json: Regex::new(r#""([A-Za-z_][A-Za-z0-9_\-]*)"\s*:\s*"([^"]*)""#)?,
        reference: Regex::new(
            r#"^["']?\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)["']?$"#,
        )?,
        tokens: Regex::new(concat!(
            r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
            r"|\bgh[pousr]_[A-Za-z0-9]{20,}",
            r"|\bgithub_pat_[A-Za-z0-9_]{20,}",
            r"|\bxox[abposre]-[A-Za-z0-9-]{8,}",
            r"|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?",
        ))?,
        key_block: Regex::new(
            r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(.+?)(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\z)",
        )?,
    })
}

static RULES: LazyLock<Result<Rules, regex::Error>> = LazyLock::new(build_rules);
static DEFAULT_NAMES: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(DEFAULT_SECRET_NAMES).ok());

/// One secret found: `start..end` is hidden; `from..to` must stay on one
/// line for the rule to see it again (`API_KEY=` before the value, the `@`
/// after a URL's password).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    pub from: usize,
    pub start: usize,
    pub end: usize,
    pub to: usize,
}

/// Masks secrets in text; cheap to clone and share (`Arc`) between runners.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    names: SecretNames,
    /// Known secret values, longest first so that a value that is a prefix
    /// of another never leaves the other's tail visible.
    values: Vec<String>,
    values_re: Option<Regex>,
    /// `[secrets] patterns`: group 1 is hidden if the pattern has one, else
    /// the whole match.
    extra: Vec<Regex>,
}

impl Masker {
    /// Shape rules only, no known values.
    pub fn new(names: SecretNames) -> Masker {
        Masker {
            names,
            values: Vec::new(),
            values_re: None,
            extra: Vec::new(),
        }
    }

    /// Adds the operator's own secret shapes (`[secrets] patterns`); the
    /// error names the pattern that does not compile.
    pub fn add_patterns<I: IntoIterator<Item = S>, S: AsRef<str>>(
        &mut self,
        patterns: I,
    ) -> Result<(), String> {
        for p in patterns {
            let p = p.as_ref();
            if p.is_empty() {
                return Err("an empty pattern would match everywhere".into());
            }
            let re = Regex::new(p).map_err(|e| format!("{p:?}: {e}"))?;
            if re.is_match("") {
                return Err(format!("{p:?} matches empty text"));
            }
            self.extra.push(re);
        }
        Ok(())
    }

    /// Shape rules plus the values of `vars` whose names are secret.
    pub fn with_vars<I, K, V>(names: SecretNames, vars: I) -> Masker
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut m = Masker::new(names);
        m.add_vars(vars);
        m
    }

    /// Shape rules plus the secret values in this process's environment.
    pub fn from_env(names: SecretNames) -> Masker {
        Masker::with_vars(
            names,
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    pub fn names(&self) -> &SecretNames {
        &self.names
    }

    pub fn is_secret_name(&self, name: &str) -> bool {
        self.names.is_secret(name)
    }

    /// Adds the values of the secret-named variables among `vars` (the
    /// session's operator-supplied values, typically).
    pub fn add_vars<I, K, V>(&mut self, vars: I)
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let secret: Vec<String> = vars
            .into_iter()
            .filter(|(k, _)| self.names.is_secret(k.as_ref()))
            .map(|(_, v)| v.as_ref().to_string())
            .collect();
        self.add_values(secret);
    }

    /// Adds known secret values, whatever their names (a value typed into a
    /// placeholder the operator marked secret, say).
    pub fn add_values<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, values: I) {
        let before = self.values.len();
        for v in values {
            // Output is masked line by line, so a multi-line value is hidden
            // one line at a time.
            for part in v.as_ref().lines() {
                let part = part.trim_end_matches('\r');
                if part.chars().count() >= MIN_VALUE_LEN && !self.values.iter().any(|x| x == part) {
                    self.values.push(part.to_string());
                }
            }
        }
        if self.values.len() != before {
            self.values
                .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
            let alternation: Vec<String> = self.values.iter().map(|v| regex::escape(v)).collect();
            // Escaped literals always compile; on the impossible failure the
            // values stay unmasked by regex but `mask` still falls back to
            // plain substring replacement below.
            self.values_re = Regex::new(&alternation.join("|")).ok();
        }
    }

    /// Quick test over any amount of text: false means no line of it needs
    /// masking, so a whole chunk of output can be passed through untouched.
    pub fn may_need_masking(&self, text: &str) -> bool {
        triggered(text.as_bytes())
            || self.values_re.as_ref().is_some_and(|r| r.is_match(text))
            || self.extra.iter().any(|r| r.is_match(text))
    }

    /// `text` with every secret replaced by [`MASK`]. Borrows when nothing
    /// needed hiding, which is the common case.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let Some(mut spans) = self.find(text) else {
            // Unreachable (the tests compile the rules); never show a line
            // that might hold a secret unmasked.
            return Cow::Owned(MASK.to_string());
        };
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        spans.sort_unstable_by_key(|f| (f.start, f.end));
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for Found { start, end, .. } in spans {
            if end <= at {
                continue;
            }
            let start = start.max(at);
            out.push_str(&text[at..start]);
            out.push_str(MASK);
            at = end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }

    /// Every secret in `text`, unordered; `None` if the rules are broken.
    pub fn find(&self, text: &str) -> Option<Vec<Found>> {
        let mut spans: Vec<Found> = Vec::new();
        if let Some(re) = &self.values_re {
            spans.extend(re.find_iter(text).map(|m| Found {
                from: m.start(),
                start: m.start(),
                end: m.end(),
                to: m.end(),
            }));
        }
        for re in &self.extra {
            for c in re.captures_iter(text) {
                if let (Some(all), Some(m)) = (c.get(0), c.get(1).or_else(|| c.get(0))) {
                    spans.push(Found {
                        from: all.start(),
                        start: m.start(),
                        end: m.end(),
                        to: all.end(),
                    });
                }
            }
        }
        let rules = RULES.as_ref().ok()?;
        if triggered(text.as_bytes()) {
            self.shape_spans(rules, text, &mut spans);
        }
        Some(spans)
    }

    fn shape_spans(&self, rules: &Rules, text: &str, spans: &mut Vec<Found>) {
        let mut add = |all: Option<regex::Match<'_>>, m: Option<regex::Match<'_>>| {
            if let (Some(all), Some(m)) = (all, m) {
                let (start, end) = unquote(text, m.start(), m.end());
                // `-p$DB_PASSWORD` in a command shows which variable is
                // used, not a secret: its value is masked once expanded.
                if start < end && !rules.reference.is_match(m.as_str()) {
                    spans.push(Found {
                        from: all.start(),
                        start,
                        end,
                        to: all.end(),
                    });
                }
            }
        };
        if text.contains("://") {
            for c in rules.url.captures_iter(text) {
                add(c.get(0), c.get(1));
            }
        }
        if text.contains("-p") {
            if let Some(first) = text.find("mysql") {
                for c in rules.mysql_p.captures_iter(text) {
                    if c.get(0).is_some_and(|m| m.start() > first) {
                        add(c.get(0), c.get(1));
                    }
                }
            }
            for c in rules.long_password.captures_iter(text) {
                add(c.get(0), c.get(1));
            }
        }
        for c in rules.authorization.captures_iter(text) {
            add(c.get(0), c.get(1));
        }
        for c in rules.bearer.captures_iter(text) {
            add(c.get(0), c.get(1));
        }
        if text.contains('=') {
            for c in rules.assign.captures_iter(text) {
                if c.get(1).is_some_and(|n| self.names.is_secret(n.as_str())) {
                    add(c.get(0), c.get(2));
                }
            }
        }
        if text.contains('"') {
            for c in rules.json.captures_iter(text) {
                if c.get(1).is_some_and(|n| self.names.is_secret(n.as_str())) {
                    add(c.get(0), c.get(2));
                }
            }
        }
        for m in rules.tokens.find_iter(text) {
            add(Some(m), Some(m));
        }
        if text.contains("PRIVATE KEY-----") {
            for c in rules.key_block.captures_iter(text) {
                add(c.get(0), c.get(1));
            }
        }
    }
}

/// A stream's private key block still open: a key's body comes one line
/// at a time, and those lines have no shape of their own, so every line is
/// hidden whole until the end marker.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct KeyBlock {
    open: bool,
}

impl KeyBlock {
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// One line of a stream, masked, the block's state carried on.
    pub fn mask<'a>(&mut self, masker: &Masker, line: &'a str) -> Cow<'a, str> {
        if self.open {
            let Some(end) = line
                .find("-----END ")
                .filter(|&e| line[e..].contains("PRIVATE KEY-----"))
            else {
                return Cow::Borrowed(MASK);
            };
            self.open = false;
            let rest = masker.mask(&line[end..]);
            return Cow::Owned(if end == 0 {
                rest.into_owned()
            } else {
                format!("{MASK}{rest}")
            });
        }
        if let Some(begin) = line.rfind("-----BEGIN ")
            && line[begin..].contains("PRIVATE KEY-----")
            && !line[begin..].contains("-----END ")
        {
            self.open = true;
        }
        masker.mask(line)
    }
}

/// True for all text some shape rule could match; most output fails it
/// and skips the rules. Hand-rolled on `memchr`: a case-insensitive regex
/// alternation runs on a slow automaton and cost 10x the pipe's own time.
fn triggered(text: &[u8]) -> bool {
    memchr::memchr2(b'=', b'"', text).is_some()
        || memchr::memmem::find(text, b"://").is_some()
        || memchr::memmem::find(text, b"-p").is_some()
        || has_word(text, b"password", 4)
        || has_word(text, b"bearer", 0)
        || has_word(text, b"authoriz", 7)
        || has_token(text)
}

/// Text a token rule could match. Every token shape has an `I`, a `J` or
/// a `_` at a known place (AK`I`A, AS`I`A, PR`I`VATE KEY, ey`J`, gh?`_`,
/// github`_`), so one pass over three bytes finds them all; Slack's `xox`
/// takes a second. Five `memmem` passes cost more than the 10% of the
/// runner's time that masking may take.
fn has_token(text: &[u8]) -> bool {
    let at = |from: usize, word: &[u8]| text.get(from..from + word.len()) == Some(word);
    let anchored = memchr::memchr3_iter(b'I', b'J', b'_', text).any(|i| match text[i] {
        b'I' => i >= 2 && (at(i - 2, b"AKIA") || at(i - 2, b"ASIA") || at(i - 2, b"PRIVATE KEY")),
        b'J' => i >= 2 && at(i - 2, b"eyJ"),
        _ => {
            (i >= 3 && at(i - 3, b"gh") && b"pousr".contains(&text[i - 1]))
                || (i >= 6 && at(i - 6, b"github_"))
        }
    });
    anchored || memchr::memmem::find(text, b"xox").is_some()
}

/// Case-insensitive `word` in `text`, found through its letter at
/// `anchor` (the rarest one, so few places need a closer look).
fn has_word(text: &[u8], word: &[u8], anchor: usize) -> bool {
    let lower = word[anchor];
    memchr::memchr2_iter(lower, lower.to_ascii_uppercase(), text).any(|i| {
        i >= anchor
            && text
                .get(i - anchor..i - anchor + word.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(word))
    })
}

/// Keeps the quotes around a quoted value visible: `'••••'`, not `••••`.
fn unquote(text: &str, start: usize, end: usize) -> (usize, usize) {
    let s = &text.as_bytes()[start..end];
    if s.len() >= 2 && (s[0] == b'\'' || s[0] == b'"') && s[s.len() - 1] == s[0] {
        (start + 1, end - 1)
    } else {
        (start, end)
    }
}

/// The URL as it may be shown, logged or journaled: a password in it
/// (`https://user:pw@host/`) becomes `••••`. Works on text that does not
/// even parse, since error messages quote what the operator typed.
pub fn mask_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_string();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:{MASK}{}",
            &url[..scheme_end],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_compile() {
        assert!(build_rules().is_ok());
        assert!(SecretNames::new(DEFAULT_SECRET_NAMES).is_ok());
    }

    fn masker() -> Masker {
        Masker::with_vars(
            SecretNames::default(),
            [
                ("DB_PASSWORD", "hunter2secret"),
                ("API_TOKEN", "tok"), // too short to hunt for everywhere
                ("DB_HOST", "db.internal"),
                ("MULTI_SECRET", "line-one\nline-two"),
            ],
        )
    }

    #[test]
    fn each_secret_form_is_masked() {
        let m = masker();
        let table = [
            // Known values, by the variable's name.
            ("connecting with hunter2secret", "connecting with ••••"),
            ("xhunter2secretx", "x••••x"),
            ("host db.internal ok", "host db.internal ok"),
            ("tok is a word", "tok is a word"),
            ("a line-two b", "a •••• b"),
            // Passwords in URLs.
            (
                "mysql://root:s3cret@db:3306/app",
                "mysql://root:••••@db:3306/app",
            ),
            (
                "DATABASE_URL='postgres://u:p@ss@h/db'",
                "DATABASE_URL='postgres://u:••••@h/db'",
            ),
            ("see http://h:8080/path@x", "see http://h:8080/path@x"),
            ("https://user@h/", "https://user@h/"),
            // mysql and mysqldump -p.
            (
                "mysqldump -u root -pS3cr3t! app > x.sql",
                "mysqldump -u root -p•••• app > x.sql",
            ),
            ("mysql -p'a b' db", "mysql -p'••••' db"),
            ("mysql -p db", "mysql -p db"),
            ("mysqldump -p$DB_PASSWORD db", "mysqldump -p$DB_PASSWORD db"),
            ("mkdir -pv /tmp/x", "mkdir -pv /tmp/x"),
            ("mysql --password=pw123 db", "mysql --password=•••• db"),
            // Authorization headers and bearer tokens.
            (
                "curl -H 'Authorization: Bearer abc.def' https://h",
                "curl -H 'Authorization: Bearer ••••' https://h",
            ),
            (
                "authorization: Basic dXNlcjpwdw==",
                "authorization: Basic ••••",
            ),
            ("got Bearer eyJhbGci.x-y_z", "got Bearer ••••"),
            (
                "-H \"Authorization: Bearer $API_TOKEN\"",
                "-H \"Authorization: Bearer $API_TOKEN\"",
            ),
            // Secret-named assignments and JSON fields.
            ("export API_KEY=abc123", "export API_KEY=••••"),
            ("PGPASSWORD='x y' psql", "PGPASSWORD='••••' psql"),
            ("HOST=db1 PORT=3306", "HOST=db1 PORT=3306"),
            (
                r#"{"access_token": "eyJ0", "user": "bob"}"#,
                r#"{"access_token": "••••", "user": "bob"}"#,
            ),
            // Several on one line, overlapping rules.
            (
                "mysql://u:hunter2secret@h -phunter2secret",
                "mysql://u:••••@h -p••••",
            ),
            ("", ""),
            ("plain output line", "plain output line"),
        ];
        for (input, want) in table {
            assert_eq!(m.mask(input), want, "input: {input}");
        }
    }

    #[test]
    fn tokens_are_masked_by_their_shape() {
        let m = Masker::default();
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        let table = [
            ("key AKIAIOSFODNN7EXAMPLE used", "key •••• used"),
            ("(ASIAY34FZKBOKMUTVV7A)", "(••••)"),
            ("AKIAshort stays", "AKIAshort stays"),
            (
                "token ghp_abcdefghijklmnopqrstuvwxyz0123456789 ok",
                "token •••• ok",
            ),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz end",
                "•••• end",
            ),
            ("slack xoxb-1234567890-abcdefghij", "slack ••••"),
            ("the ghost_town of xox", "the ghost_town of xox"),
        ];
        for (input, want) in table {
            assert_eq!(m.mask(input), want, "input: {input}");
            // The quick test must let every masked line through to the rules.
            assert!(input == want || m.may_need_masking(input), "{input}");
        }
        assert!(m.may_need_masking("-----BEGIN RSA PRIVATE KEY-----"));
        assert_eq!(m.mask(&format!("jwt {jwt}.")), "jwt ••••.");
        assert!(m.may_need_masking(jwt));
        assert!(m.may_need_masking("x AKIAIOSFODNN7EXAMPLE"));
        assert!(m.may_need_masking("ghp_x"));
    }

    #[test]
    fn a_private_key_block_is_hidden() {
        let m = Masker::default();
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQyNTUxOQAAACD\n-----END OPENSSH PRIVATE KEY-----\nafter";
        let masked = m.mask(key);
        assert_eq!(
            masked,
            "-----BEGIN OPENSSH PRIVATE KEY-----••••-----END OPENSSH PRIVATE KEY-----\nafter"
        );
        // In a stream, one line at a time.
        let mut block = KeyBlock::default();
        let lines: Vec<String> = key
            .lines()
            .map(|l| block.mask(&m, l).into_owned())
            .collect();
        assert_eq!(
            lines,
            [
                "-----BEGIN OPENSSH PRIVATE KEY-----",
                "••••",
                "••••",
                "-----END OPENSSH PRIVATE KEY-----",
                "after"
            ]
        );
        assert!(!block.is_open());
    }

    #[test]
    fn patterns_can_be_added() {
        let mut m = Masker::default();
        m.add_patterns([r"\bACME-[0-9a-f]{8}\b", r"pin: (\d+)"])
            .unwrap();
        assert_eq!(m.mask("ACME-0badc0de and pin: 1234"), "•••• and pin: ••••");
        assert!(m.may_need_masking("ACME-0badc0de"));
        assert!(m.add_patterns(["("]).is_err());
        assert!(m.add_patterns(["x*"]).is_err());
    }

    #[test]
    fn nothing_to_mask_borrows() {
        let m = masker();
        assert!(matches!(m.mask("just text"), Cow::Borrowed(_)));
        assert!(!m.may_need_masking("line one\nline two\n"));
        assert!(m.may_need_masking("x\nhunter2secret\n"));
        assert!(m.may_need_masking("a=b"));
        for t in [
            "x PassWord y",
            "BEARER t",
            "AuThOrIzAtIoN",
            "s://",
            "-p",
            "\"",
        ] {
            assert!(m.may_need_masking(t), "{t}");
        }
        assert!(!m.may_need_masking("word pass beare authori - p : / b w z"));
    }

    #[test]
    fn a_value_that_prefixes_another_leaves_no_tail() {
        let mut m = Masker::new(SecretNames::default());
        m.add_values(["abcd", "abcdefgh"]);
        assert_eq!(m.mask("[abcdefgh] [abcd]"), "[••••] [••••]");
    }

    #[test]
    fn names_are_configurable() {
        let names = SecretNames::new("(?i)^PIN$").unwrap();
        let m = Masker::with_vars(names, [("PIN", "9876"), ("DB_PASSWORD", "visible1")]);
        assert_eq!(m.mask("9876 visible1"), "•••• visible1");
        assert!(SecretNames::default().is_secret("admin_token"));
        assert!(!SecretNames::default().is_secret("PROD_DB_HOST"));
    }

    #[test]
    fn urls_keep_their_shape() {
        assert_eq!(
            mask_url("https://admin:s3cr3t@terp.example.com/health"),
            "https://admin:••••@terp.example.com/health"
        );
        assert_eq!(mask_url("http://h:8080/p"), "http://h:8080/p");
    }
}
