//! Environment profiles: run a runbook written for one environment against
//! another by rewriting host names in its commands and health URLs.
//!
//! ```toml
//! [env.staging]
//! rewrite = { "api.production.terp-app.local" = "api.staging.terp-app.local" }
//! [env.demo]
//! rewrite = { "api.production.terp-app.local" = "http://127.0.0.1:8080" }
//! ```
//!
//! The rules, precisely:
//! - A key is a bare host name (letters, digits, `.`, `-`, `_`), matched
//!   case-insensitively and only as a whole host: `api.example.com` does not
//!   match inside `xapi.example.com` or `api.example.com.internal`, but does
//!   before a sentence's final `.`.
//! - A **bare target** (`host` or `host:port`) replaces the host wherever it
//!   occurs, in URLs (`https://HOST/x`, `user@HOST`) and alone (`-h HOST`).
//!   The original port is kept, unless the target names a port, which then
//!   replaces it.
//! - A **URL target** (`http://` or `https://`, an authority, maybe a path)
//!   replaces the prefix `http(s)://HOST[:port]` of URLs without a user part:
//!   scheme, host and port all come from the target, the rest of the URL
//!   (path, query) is kept. Occurrences of the host outside such a URL are
//!   left alone, since a scheme and port mean nothing there.
//! - Rules never apply to their own output: the text is scanned once, left
//!   to right, the longest matching host first.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// `host` or `host:port`.
    Host { host: String, has_port: bool },
    /// `scheme://authority[/path]`, without a trailing `/`.
    Prefix(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    host: String,
    target: Target,
}

/// A named set of host rewrites. The default profile changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub name: Option<String>,
    rules: Vec<Rule>,
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_'
}

fn valid_host(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(is_host_byte)
        && !s.starts_with(['.', '-'])
        && !s.ends_with(['.', '-'])
}

fn valid_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_target(t: &str) -> Result<Target, String> {
    if let Some((scheme, rest)) = t.split_once("://") {
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(format!(
                "{t:?}: a URL target must start with http:// or https://"
            ));
        }
        let authority = rest.split('/').next().unwrap_or_default();
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        if !valid_host(host) || port.is_some_and(|p| !valid_port(p)) || t.contains(['?', '#', '@'])
        {
            return Err(format!(
                "{t:?}: a URL target is http(s)://HOST[:PORT][/PATH] without user, query or fragment"
            ));
        }
        return Ok(Target::Prefix(t.trim_end_matches('/').to_string()));
    }
    let (host, port) = match t.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (t, None),
    };
    if !valid_host(host) || port.is_some_and(|p| !valid_port(p)) {
        return Err(format!(
            "{t:?} is neither a host name (HOST or HOST:PORT) nor an http(s) URL"
        ));
    }
    Ok(Target::Host {
        host: t.to_string(),
        has_port: port.is_some(),
    })
}

impl Profile {
    /// Builds and checks a profile; errors name the offending key.
    pub fn new(name: &str, rewrite: &BTreeMap<String, String>) -> Result<Profile, String> {
        let mut rules = Vec::new();
        for (host, target) in rewrite {
            let key = format!("[env.{name}] rewrite {host:?}");
            if !valid_host(host) {
                return Err(format!(
                    "{key}: the key must be a bare host name (no scheme, port or path)"
                ));
            }
            let target = parse_target(target.trim()).map_err(|e| format!("{key}: {e}"))?;
            rules.push(Rule {
                host: host.to_ascii_lowercase(),
                target,
            });
        }
        // Whole-host matching means at most one rule matches at a place;
        // longest first only makes the order independent of the map's.
        rules.sort_by(|a, b| b.host.len().cmp(&a.host.len()).then(a.host.cmp(&b.host)));
        Ok(Profile {
            name: Some(name.to_string()),
            rules,
        })
    }

    pub fn is_identity(&self) -> bool {
        self.rules.is_empty()
    }

    /// `(host, target)` pairs, for display.
    pub fn rules(&self) -> Vec<(String, String)> {
        self.rules
            .iter()
            .map(|r| {
                let t = match &r.target {
                    Target::Host { host, .. } => host.clone(),
                    Target::Prefix(p) => p.clone(),
                };
                (r.host.clone(), t)
            })
            .collect()
    }
}

fn starts_with_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

/// Whether the host that ends at `end` ends there as a whole host.
fn host_ends(b: &[u8], end: usize) -> bool {
    match b.get(end) {
        None => true,
        // A final `.` ends a sentence; a `.` and more host is a longer name.
        Some(b'.') => !b.get(end + 1).is_some_and(|c| c.is_ascii_alphanumeric()),
        Some(&c) => !is_host_byte(c),
    }
}

/// The end of `:digits` at `at`, if there is one.
fn port_end(b: &[u8], at: usize) -> Option<usize> {
    if b.get(at) != Some(&b':') {
        return None;
    }
    let digits = b[at + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    (digits > 0).then_some(at + 1 + digits)
}

/// If `rule` matches at byte `i`: the end of the match and its replacement.
fn match_at(rule: &Rule, b: &[u8], i: usize) -> Option<(usize, String)> {
    let host = rule.host.as_bytes();
    match &rule.target {
        Target::Prefix(prefix) => {
            if i > 0 && b[i - 1].is_ascii_alphanumeric() {
                return None;
            }
            let rest = &b[i..];
            let scheme = if starts_with_ci(rest, b"https://") {
                8
            } else if starts_with_ci(rest, b"http://") {
                7
            } else {
                return None;
            };
            let h = i + scheme;
            if !starts_with_ci(&b[h..], host) || !host_ends(b, h + host.len()) {
                return None;
            }
            let end = port_end(b, h + host.len()).unwrap_or(h + host.len());
            Some((end, prefix.clone()))
        }
        Target::Host {
            host: target,
            has_port,
        } => {
            if i > 0 && is_host_byte(b[i - 1]) {
                return None;
            }
            if !starts_with_ci(&b[i..], host) || !host_ends(b, i + host.len()) {
                return None;
            }
            let mut end = i + host.len();
            if *has_port {
                end = port_end(b, end).unwrap_or(end);
            }
            Some((end, target.clone()))
        }
    }
}

/// Rewrites every occurrence of the profile's hosts in a shell command (or
/// any text): see the module documentation for the rules.
pub fn rewrite_command(profile: &Profile, text: &str) -> String {
    if profile.rules.is_empty() {
        return text.to_string();
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // `copied` is always on a char boundary: matches start and end on ASCII.
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        let hit = profile.rules.iter().find_map(|r| match_at(r, b, i));
        match hit {
            Some((end, replacement)) => {
                out.push_str(&text[copied..i]);
                out.push_str(&replacement);
                copied = end;
                i = end;
            }
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Rewrites the host of one URL (a health endpoint): only its authority is
/// looked at, never its path or query.
pub fn rewrite_url(profile: &Profile, url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let auth_start = scheme_end + 3;
    let auth_end = url[auth_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |k| auth_start + k);
    let host_start = url[auth_start..auth_end]
        .rfind('@')
        .map_or(auth_start, |k| auth_start + k + 1);
    let b = url.as_bytes();
    for rule in &profile.rules {
        let hit = match rule.target {
            Target::Prefix(_) if host_start == auth_start => match_at(rule, b, 0),
            Target::Prefix(_) => None,
            Target::Host { .. } => match_at(rule, b, host_start),
        };
        if let Some((end, replacement)) = hit.filter(|(end, _)| *end <= auth_end) {
            let head = match rule.target {
                Target::Prefix(_) => "",
                Target::Host { .. } => &url[..host_start],
            };
            return format!("{head}{replacement}{}", &url[end..]);
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: &str = "api.production.terp-app.local";

    fn profile(pairs: &[(&str, &str)]) -> Profile {
        let map = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Profile::new("t", &map).unwrap()
    }

    #[test]
    fn bare_target_replaces_the_host_everywhere() {
        let p = profile(&[
            (PROD, "api.staging.terp-app.local"),
            ("db.prod", "db.staging:3307"),
        ]);
        let cases = [
            (
                "curl https://api.production.terp-app.local/health",
                "curl https://api.staging.terp-app.local/health",
            ),
            (
                "curl -X POST https://API.Production.terp-app.local/admin/maintenance/enable",
                "curl -X POST https://api.staging.terp-app.local/admin/maintenance/enable",
            ),
            (
                "ping api.production.terp-app.local.",
                "ping api.staging.terp-app.local.",
            ),
            (
                "http://api.production.terp-app.local:8443/x",
                "http://api.staging.terp-app.local:8443/x",
            ),
            (
                "curl https://u:p@api.production.terp-app.local/",
                "curl https://u:p@api.staging.terp-app.local/",
            ),
            (
                "a=api.production.terp-app.local,b=api.production.terp-app.local",
                "a=api.staging.terp-app.local,b=api.staging.terp-app.local",
            ),
            // Not the whole host: left alone.
            (
                "xapi.production.terp-app.local",
                "xapi.production.terp-app.local",
            ),
            (
                "api.production.terp-app.local.internal",
                "api.production.terp-app.local.internal",
            ),
            (
                "api.production.terp-app.locale",
                "api.production.terp-app.locale",
            ),
            (
                "eu.api.production.terp-app.local",
                "eu.api.production.terp-app.local",
            ),
            // A target with a port replaces the original port.
            (
                "mysql -h db.prod:3306 -u u",
                "mysql -h db.staging:3307 -u u",
            ),
            ("mysql -h db.prod -u u", "mysql -h db.staging:3307 -u u"),
            ("echo ✓ db.prod ✓", "echo ✓ db.staging:3307 ✓"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(rewrite_command(&p, input), want, "{input}");
        }
    }

    #[test]
    fn url_target_replaces_scheme_host_and_port() {
        let p = profile(&[(PROD, "http://127.0.0.1:40123/")]);
        let cases = [
            (
                "curl https://api.production.terp-app.local/health",
                "curl http://127.0.0.1:40123/health",
            ),
            (
                "curl -X POST https://api.production.terp-app.local/admin/maintenance/enable \\\n  -H \"Authorization: Bearer $ADMIN_TOKEN\"",
                "curl -X POST http://127.0.0.1:40123/admin/maintenance/enable \\\n  -H \"Authorization: Bearer $ADMIN_TOKEN\"",
            ),
            (
                "HTTPS://api.production.terp-app.local:443/x?y=1",
                "http://127.0.0.1:40123/x?y=1",
            ),
            (
                "'https://api.production.terp-app.local'",
                "'http://127.0.0.1:40123'",
            ),
            // Outside an http(s) URL, or with a user part: left alone.
            (
                "ping api.production.terp-app.local",
                "ping api.production.terp-app.local",
            ),
            (
                "mysql://api.production.terp-app.local/db",
                "mysql://api.production.terp-app.local/db",
            ),
            (
                "https://u:p@api.production.terp-app.local/",
                "https://u:p@api.production.terp-app.local/",
            ),
            (
                "https://api.production.terp-app.local.evil/",
                "https://api.production.terp-app.local.evil/",
            ),
            (
                "xhttps://api.production.terp-app.local/",
                "xhttps://api.production.terp-app.local/",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(rewrite_command(&p, input), want, "{input}");
        }
    }

    #[test]
    fn urls_are_rewritten_in_their_authority_only() {
        let bare = profile(&[(PROD, "api.staging.terp-app.local")]);
        let url = profile(&[(PROD, "http://127.0.0.1:40123/base")]);
        let cases = [
            (
                &bare,
                "https://api.production.terp-app.local/health",
                "https://api.staging.terp-app.local/health",
            ),
            (
                &bare,
                "https://api.production.terp-app.local:8443/health",
                "https://api.staging.terp-app.local:8443/health",
            ),
            (
                &bare,
                "https://ops:pw@api.production.terp-app.local/health",
                "https://ops:pw@api.staging.terp-app.local/health",
            ),
            (
                &bare,
                "https://other.local/health?next=api.production.terp-app.local",
                "https://other.local/health?next=api.production.terp-app.local",
            ),
            (
                &bare,
                "https://api.production.terp-app.local",
                "https://api.staging.terp-app.local",
            ),
            (
                &url,
                "https://api.production.terp-app.local/health",
                "http://127.0.0.1:40123/base/health",
            ),
            (
                &url,
                "https://api.production.terp-app.local:443/health?x=1",
                "http://127.0.0.1:40123/base/health?x=1",
            ),
            (
                &url,
                "https://api.production.terp-app.local",
                "http://127.0.0.1:40123/base",
            ),
            (
                &url,
                "https://ops:pw@api.production.terp-app.local/health",
                "https://ops:pw@api.production.terp-app.local/health",
            ),
            (
                &url,
                "https://elsewhere.local/health",
                "https://elsewhere.local/health",
            ),
            (&url, "not a url", "not a url"),
        ];
        for (p, input, want) in cases {
            assert_eq!(rewrite_url(p, input), want, "{input}");
        }
    }

    #[test]
    fn rules_do_not_apply_to_their_own_output() {
        let p = profile(&[("a.local", "b.local"), ("b.local", "a.local")]);
        assert_eq!(rewrite_command(&p, "a.local b.local"), "b.local a.local");
    }

    #[test]
    fn the_default_profile_changes_nothing() {
        let p = Profile::default();
        assert!(p.is_identity());
        assert_eq!(rewrite_command(&p, "curl https://x/"), "curl https://x/");
        assert_eq!(rewrite_url(&p, "https://x/"), "https://x/");
    }

    #[test]
    fn bad_rules_name_the_key() {
        let bad = [
            ("https://api.local", "x.local"),
            ("api.local:443", "x.local"),
            ("api.local", "ftp://x.local"),
            ("api.local", "http://"),
            ("api.local", "http://x.local:port"),
            ("api.local", "http://u@x.local"),
            ("api.local", "x local"),
            ("", "x.local"),
        ];
        for (k, v) in bad {
            let map = BTreeMap::from([(k.to_string(), v.to_string())]);
            let e = Profile::new("staging", &map).unwrap_err();
            assert!(
                e.starts_with(&format!("[env.staging] rewrite {k:?}")),
                "{e}"
            );
        }
    }
}
