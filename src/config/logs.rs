//! From flags and config to the log stream's settings: what to run, which
//! lines are errors, and the absolute errors-per-minute limit. Resolved
//! before the screen opens, so a bad pattern is a usage error.

use crate::cli::LogArgs;
use crate::config::Config;
use crate::core::settings::LogSetup;
use crate::domain::logs::patterns::{ErrorPatterns, invalid_pattern};

impl LogSetup {
    /// Each setting from its flag, else the config's `[logs]` table, else
    /// the default (no stream, [`ErrorPatterns::default`], no extra limit).
    /// Patterns are not merged: the flags' list replaces the config's,
    /// which replaces the defaults, so an operator can narrow them.
    pub fn resolve(args: &LogArgs, config: &Config) -> Result<LogSetup, String> {
        let table = config.logs.clone().unwrap_or_default();
        let patterns = if !args.log_patterns.is_empty() {
            compile(&args.log_patterns, "--log-pattern")?
        } else if let Some(patterns) = &table.error_patterns {
            compile(patterns, "logs.error_patterns")?
        } else {
            ErrorPatterns::default()
        };
        // Clap and `Config::parse` check these too; a `LogArgs` built in
        // code gets the same answer.
        let errors_above = match (args.log_errors_above, table.errors_above) {
            (Some(n), _) => Some(non_negative(n, "--log-errors-above")?),
            (None, Some(n)) => Some(non_negative(n, "logs.errors_above")?),
            (None, None) => None,
        };
        let command = args
            .logs
            .clone()
            .or(table.command)
            .filter(|c| !c.trim().is_empty());
        if command.is_none() && errors_above.is_some() {
            return Err(
                "--log-errors-above (or [logs] errors_above) needs a log stream to count: \
                 give --logs CMD or [logs] command"
                    .into(),
            );
        }
        Ok(LogSetup {
            command,
            patterns,
            errors_above,
        })
    }
}

fn non_negative(n: f64, from: &str) -> Result<f64, String> {
    if n.is_finite() && n >= 0.0 {
        Ok(n)
    } else {
        Err(format!("{from}: {n} must be a number of at least 0"))
    }
}

fn compile(patterns: &[String], from: &str) -> Result<ErrorPatterns, String> {
    ErrorPatterns::new(patterns)
        .map_err(|(pattern, e)| format!("{from} {pattern:?}: {}", invalid_pattern(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monitor::Settings;

    fn config(toml: &str) -> Config {
        Config::parse(toml).unwrap()
    }

    fn args(logs: Option<&str>, above: Option<f64>, patterns: &[&str]) -> LogArgs {
        LogArgs {
            logs: logs.map(str::to_string),
            log_errors_above: above,
            log_patterns: patterns.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn nothing_given_means_no_stream_and_the_default_patterns() {
        let s = LogSetup::resolve(&LogArgs::default(), &Config::default()).unwrap();
        assert_eq!(s, LogSetup::default());
        assert_eq!(s.patterns, ErrorPatterns::default());
        assert!(s.patterns.is_error("2026-11-24 ERROR payment failed"));
    }

    #[test]
    fn the_config_fills_in_and_flags_win() {
        let c = config(
            "[logs]\ncommand = \"railway logs\"\nerror_patterns = [\"level=error\"]\nerrors_above = 10\n",
        );
        let s = LogSetup::resolve(&LogArgs::default(), &c).unwrap();
        assert_eq!(s.command.as_deref(), Some("railway logs"));
        assert_eq!(s.patterns.sources(), ["level=error"]);
        assert!(!s.patterns.is_error("ERROR not in this app's format"));
        assert_eq!(s.errors_above, Some(10.0));
        let s = LogSetup::resolve(
            &args(
                Some("kubectl logs -f deploy/api"),
                Some(3.5),
                &["E\\d{4}", "panic"],
            ),
            &c,
        )
        .unwrap();
        assert_eq!(s.command.as_deref(), Some("kubectl logs -f deploy/api"));
        assert_eq!(s.patterns.sources(), ["E\\d{4}", "panic"]);
        assert_eq!(s.errors_above, Some(3.5));
        let settings = s.criteria_settings(Settings::default());
        assert_eq!(settings.log_errors_above, Some(3.5));
        assert_eq!(settings.hold, Settings::default().hold);
    }

    #[test]
    fn a_bad_pattern_names_where_it_came_from() {
        let e = LogSetup::resolve(&args(None, None, &["ok", "(unclosed"]), &Config::default())
            .unwrap_err();
        assert_eq!(
            e,
            "--log-pattern \"(unclosed\": not a valid regular expression (unclosed group)"
        );
        let e = LogSetup::resolve(&args(None, Some(-1.0), &[]), &Config::default()).unwrap_err();
        assert_eq!(e, "--log-errors-above: -1 must be a number of at least 0");
        // A limit with nothing to count: `run` and `monitor` refuse it alike.
        let e = LogSetup::resolve(&args(None, Some(3.0), &[]), &Config::default()).unwrap_err();
        assert!(e.starts_with("--log-errors-above (or [logs] errors_above) needs a log stream"));
    }
}
