//! Shell blocks a careful reader would not run as a step: commands kept for
//! reference ("Key Commands", "Troubleshooting"), a crontab line, the
//! contents of a config file fenced as `bash`, variables meant for a hosting
//! console. They are shown and can be copied; `enter` never offers them.

use std::sync::LazyLock;

use regex::Regex;

use super::text::ascii_re;

/// A heading over material to read: everything below it is reference.
pub fn is_reference_heading(title: &str) -> bool {
    let t = title.to_lowercase();
    [
        "reference",
        "useful command",
        "key command",
        "quick command",
        "common command",
        "handy command",
        "cheat sheet",
        "cheatsheet",
        "troubleshoot",
        "common issues",
        "known issues",
        "common problems",
        "faq",
        "appendix",
        "debugging",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// A lead-in that says the block is not a step ("Do not run this in
/// production", "For investigation only").
pub fn is_reference_lead(lead: &str) -> bool {
    let l = lead.to_lowercase();
    [
        "do not run",
        "don't run",
        "never run",
        "for investigation",
        "for reference",
        "reference only",
        "for debugging",
        "troubleshooting",
        "useful commands",
    ]
    .iter()
    .any(|w| l.contains(w))
}

struct Shapes {
    cron: Regex,
    assignment: Regex,
    yaml_key: Regex,
    ini_section: Regex,
    ini_key: Regex,
    opens_block: Regex,
}

fn build() -> Result<Shapes, regex::Error> {
    let field = r"(?:\*|\d+(?:-\d+)?)(?:/\d+)?(?:,(?:\*|\d+(?:-\d+)?)(?:/\d+)?)*";
    Ok(Shapes {
        cron: ascii_re(&format!(
            r"^(?:@(?:reboot|yearly|annually|monthly|weekly|daily|midnight|hourly)|{field}\s+{field}\s+{field}\s+(?:{field}|[a-z]{{3}})\s+(?:{field}|[a-z]{{3}}(?:-[a-z]{{3}})?))\s+\S"
        ))?,
        assignment: ascii_re(
            r#"^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|'[^']*'|[^\s;&|`$()]*)\s*(?:#.*)?$"#,
        )?,
        yaml_key: ascii_re(r"^(?:-\s+)?[A-Za-z_][\w.-]*:(?:\s|$)")?,
        ini_section: ascii_re(r"^\[[A-Za-z][\w .-]*\]$")?,
        ini_key: ascii_re(r"^[A-Za-z][\w.-]*\s*=")?,
        // `server {`, `location /api {`, `/var/log/app/*.log {`: no quotes,
        // no `$`, no `()` (a shell function), not a lone `{`.
        opens_block: ascii_re(r#"^[^\s'"$=(){}]+(?:\s+[^\s'"$=(){}]+)*\s+\{$"#)?,
    })
}

static SHAPES: LazyLock<Result<Shapes, regex::Error>> = LazyLock::new(build);

fn code_lines(code: &str) -> Vec<&str> {
    code.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Why the content of a shell block is not something to run, if it is not.
pub fn content_reason(code: &str) -> Option<String> {
    let s = SHAPES.as_ref().ok()?;
    let lines = code_lines(code);
    if lines.is_empty() {
        return None;
    }
    if lines.iter().all(|l| s.cron.is_match(l)) {
        return Some("a crontab line: install it with crontab, the cockpit never runs it".into());
    }
    // A systemd unit or any INI file: `[Service]` and `Key=Value`.
    if lines.iter().any(|l| s.ini_section.is_match(l))
        && lines
            .iter()
            .all(|l| s.ini_section.is_match(l) || s.ini_key.is_match(l))
    {
        return Some("the contents of a config file (INI or systemd unit), not commands".into());
    }
    // nginx, logrotate: a block opens on a line ending in `{` that is no
    // shell function or brace group.
    let shell_words = [
        "if ",
        "for ",
        "while ",
        "until ",
        "case ",
        "then",
        "do",
        "else",
        "function ",
    ];
    if lines.iter().any(|l| s.opens_block.is_match(l))
        && !code.contains("<<")
        && !lines
            .iter()
            .any(|l| shell_words.iter().any(|w| l.starts_with(w)) || l.contains("$("))
    {
        return Some("the contents of a config file (nginx, logrotate), not commands".into());
    }
    let yaml = lines.iter().filter(|l| s.yaml_key.is_match(l)).count();
    if yaml * 2 > lines.len()
        && lines
            .iter()
            .all(|l| !l.contains("$(") && !l.contains(" | "))
    {
        return Some("YAML, not commands".into());
    }
    if lines.iter().all(|l| s.assignment.is_match(l)) {
        return Some(
            "only sets variables: an instruction for the hosting console, nothing to run here"
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_compile() {
        assert!(build().is_ok());
    }

    #[test]
    fn content_that_is_not_a_command() {
        for code in [
            "*/5 * * * * /path/to/health_check.sh || echo failed | mail -s Alert admin@example.com",
            "0 2 * * 1-5 /usr/local/bin/backup.sh\n@daily /usr/bin/cleanup",
            "/var/log/app/*.log {\n    daily\n    rotate 14\n    compress\n}",
            "server {\n  listen 80;\n  location / {\n    proxy_pass http://app;\n  }\n}",
            "[Unit]\nDescription=App\n\n[Service]\nExecStart=/usr/bin/app\nRestart=always",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app",
            "SEED_OPEN_SOURCE_FLOWER_FALLBACK=false",
            "export NODE_ENV=production\nPORT=8080",
        ] {
            assert!(content_reason(code).is_some(), "{code}");
        }
    }

    #[test]
    fn commands_stay_commands() {
        for code in [
            "kubectl rollout undo deployment/app -n production",
            "deploy() {\n  make deploy\n}\ndeploy",
            "if [ -f x ]; then {\n echo y\n}\nfi",
            "BASE_URL=https://x pnpm test:smoke",
            "export TAG=$(git rev-parse HEAD)\ndocker push app:$TAG",
            "for f in *.sql; do\n  mysql < \"$f\"\ndone",
            "echo 'name: value'",
            "curl -X POST $SLACK_WEBHOOK -d '{\n  \"text\": \"done\"\n}'",
        ] {
            assert_eq!(content_reason(code), None, "{code}");
        }
    }

    #[test]
    fn headings_and_lead_ins() {
        for t in [
            "Key Commands",
            "Command Quick Reference",
            "Appendix: Quick Commands",
            "Troubleshooting",
            "Common Issues and Solutions",
            "Useful commands",
        ] {
            assert!(is_reference_heading(t), "{t}");
        }
        for t in ["Rollback Steps", "Deploy Application", "Verification"] {
            assert!(!is_reference_heading(t), "{t}");
        }
        assert!(is_reference_lead("Do not run this in production:"));
        assert!(is_reference_lead("For investigation only"));
        assert!(!is_reference_lead("Then run the same controlled command:"));
    }
}
