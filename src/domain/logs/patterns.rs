//! Which log lines count as errors: one compiled alternation of the
//! configured patterns, tried on every line the stream prints (the count
//! sees every line; the screen only highlights the ones it shows).

use regex::Regex;

/// The defaults: a 5xx status in access-log form (`"GET /x HTTP/1.1" 502`,
/// `status=503`), and the words applications use for failures.
pub const DEFAULT_PATTERNS: &[&str] = &[
    r#""[A-Z]+ [^"]*" 5\d\d\b"#,
    r#"\b(?:status|code)[=:] ?"?5\d\d\b"#,
    r"\bERROR\b",
    r"\bFATAL\b",
    r"Exception",
    r"\bpanic",
    r"ECONNREFUSED",
];

#[derive(Debug, Clone)]
pub struct ErrorPatterns {
    sources: Vec<String>,
    /// `None` when there are no patterns: nothing is an error.
    any: Option<Regex>,
}

impl ErrorPatterns {
    /// Fails with the first pattern that does not compile, and why.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<ErrorPatterns, (String, regex::Error)> {
        let sources: Vec<String> = patterns.iter().map(|p| p.as_ref().to_string()).collect();
        for p in &sources {
            Regex::new(p).map_err(|e| (p.clone(), e))?;
        }
        let any = (!sources.is_empty())
            .then(|| {
                let joined: Vec<String> = sources.iter().map(|p| format!("(?:{p})")).collect();
                Regex::new(&joined.join("|"))
            })
            .transpose()
            .map_err(|e| (sources.join(" | "), e))?;
        Ok(ErrorPatterns { sources, any })
    }

    pub fn is_error(&self, line: &str) -> bool {
        self.any.as_ref().is_some_and(|r| r.is_match(line))
    }

    pub fn sources(&self) -> &[String] {
        &self.sources
    }
}

impl Default for ErrorPatterns {
    fn default() -> Self {
        let sources: Vec<String> = DEFAULT_PATTERNS.iter().map(|p| p.to_string()).collect();
        // The defaults are tested to compile; should that ever break, no
        // line is an error rather than a crash.
        ErrorPatterns::new(&sources).unwrap_or(ErrorPatterns { sources, any: None })
    }
}

impl PartialEq for ErrorPatterns {
    fn eq(&self, other: &Self) -> bool {
        self.sources == other.sources
    }
}

/// `not a valid regular expression (unclosed group)`: the regex crate's
/// message spans several lines with a caret under the pattern, which a
/// one-line usage error cannot show; its last line says what is wrong.
pub fn invalid_pattern(e: &regex::Error) -> String {
    let text = e.to_string();
    let reason = text
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    format!(
        "not a valid regular expression ({})",
        reason.trim_start_matches("error: ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_catch_5xx_access_lines_and_error_words_only() {
        let p = ErrorPatterns::default();
        assert!(ErrorPatterns::new(DEFAULT_PATTERNS).is_ok());
        for error in [
            r#"10.0.0.7 - - [24/Nov/2026:23:01:02 +0000] "GET /api/orders HTTP/1.1" 502 128"#,
            r#"method=POST path=/api status=503 duration=12ms"#,
            "2026-11-24T23:01:02Z ERROR payment failed",
            "FATAL: database system is shutting down",
            "java.lang.NullPointerException at Foo.bar",
            "thread 'main' panicked at src/main.rs:3:5",
            "connect ECONNREFUSED 10.0.0.5:5432",
        ] {
            assert!(p.is_error(error), "{error}");
        }
        for fine in [
            r#"10.0.0.7 - - [24/Nov/2026:23:01:02 +0000] "GET /api/orders HTTP/1.1" 200 5023"#,
            r#""GET /items/503 HTTP/1.1" 404 12"#,
            "INFO processed 500 orders, 0 errors",
            "status=200 took 503ms",
        ] {
            assert!(!p.is_error(fine), "{fine}");
        }
    }

    #[test]
    fn a_bad_pattern_is_named() {
        let (bad, _) = ErrorPatterns::new(&["ok", "(unclosed"]).unwrap_err();
        assert_eq!(bad, "(unclosed");
        assert!(!ErrorPatterns::new::<&str>(&[]).unwrap().is_error("ERROR"));
    }
}
