//! `rollout-cockpit demo`: starts the simulated service and the stand-in
//! tools from `crate::demo`, then runs the bundled plan through `run`.

use std::path::PathBuf;

use crate::cli::{DemoArgs, RunArgs};
use crate::demo::tools::Tools;
use crate::demo::{
    LOG_COMMAND, PLAN_HEALTH_URL, PROBE_INTERVAL, ScenarioConfig, Service, env, profile,
};

/// Puts the demo's variables into this process's environment, where every
/// command the cockpit runs (and the masking of their values) finds them.
///
/// Only sound while this process has a single thread: call it from `main`
/// before anything is spawned (which [`main`] does).
fn export(vars: &[(String, String)]) {
    for (k, v) in vars {
        // SAFETY: called from `main` before any other thread exists (the
        // simulator's thread is spawned afterwards), so nothing can read the
        // environment concurrently.
        unsafe { std::env::set_var(k, v) };
    }
}

/// `rollout-cockpit demo`. Call from `main` only (see [`export`]).
pub fn main(args: &DemoArgs) -> u8 {
    let tools = match Tools::install() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("rollout-cockpit: demo: cannot write the stand-in tools: {e}");
            return 1;
        }
    };
    let config = ScenarioConfig {
        port: args.port,
        ..ScenarioConfig::new(args.scenario, args.speed, env::ADMIN_TOKEN)
    };
    let bound = match Service::bind(config) {
        Ok(b) => b,
        Err(e) => {
            eprintln!(
                "rollout-cockpit: demo: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            return 1;
        }
    };
    let url = format!("http://{}", bound.addr());
    let path = std::env::var("PATH").ok();
    export(&env::vars(&url, &tools, args.speed, path.as_deref()));
    let service = match bound.spawn() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rollout-cockpit: demo: cannot start the simulated service: {e}");
            return 1;
        }
    };
    let profile = match profile(&url) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("rollout-cockpit: demo: {e}");
            return 1;
        }
    };
    // Kept after exit: the journal is what the demo leaves behind, where
    // `watch` and `report` with no PATH look (a temporary directory only
    // when there is no home to keep it in).
    let kept = args
        .session_dir
        .clone()
        .or_else(|| crate::journal::default_root().map(|r| crate::journal::demo_root(&r)));
    let made = match kept {
        Some(dir) => std::fs::create_dir_all(&dir).map(|()| dir),
        None => tempfile::Builder::new()
            .prefix("rollout-cockpit-demo-")
            .tempdir()
            .map(tempfile::TempDir::keep),
    };
    let root: PathBuf = match made {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("rollout-cockpit: demo: cannot create a session directory: {e}");
            return 1;
        }
    };
    let run = match run_args(args, &root) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("rollout-cockpit: demo: {e}");
            return 1;
        }
    };
    let demo = crate::core::event::DemoClock {
        speed: args.speed,
        origin: chrono::Utc::now(),
    };
    let (code, journal) = crate::modes::run::launch(&run, Some(profile), Some(demo));
    let snapshot = service.snapshot();
    service.shutdown();
    drop(tools);
    // The terminal may be gone by now (a killed tmux): a failed write must
    // not panic, it would skip the report.
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "demo: the simulated TERP service ended on {} (scenario {}, {} health requests)",
        snapshot.version,
        format!("{:?}", snapshot.scenario).to_lowercase(),
        snapshot.health_requests
    );
    if let Some(journal) = journal {
        let session = std::path::Path::new(&journal)
            .parent()
            .unwrap_or(std::path::Path::new("."));
        // The record of what just happened is the demo's last word, said
        // once: a quit with `r` has written it already.
        if !crate::report::is_current(session) {
            match crate::report::save(session) {
                Ok(path) => {
                    let _ = writeln!(out, "report written: {}", path.display());
                }
                Err(e) => {
                    let _ = writeln!(
                        std::io::stderr(),
                        "rollout-cockpit: demo: cannot write the report: {e}"
                    );
                }
            }
        }
        let _ = writeln!(
            out,
            "demo: the session is {}\n  rollout-cockpit report {}    # the record again\n  rollout-cockpit watch {}     # the screen, read-only",
            session.display(),
            shell_quote(session),
            shell_quote(session)
        );
    }
    code
}

/// The demo's `run` command line, parsed like the user's would be, so
/// every flag keeps its documented default. A short window and hold let
/// the criteria react within the scenario's 20 s. Shared with the test that
/// drives the demo at test speed, so it judges the service alike.
pub fn run_args(args: &DemoArgs, root: &std::path::Path) -> Result<RunArgs, String> {
    let interval = format!("{}ms", PROBE_INTERVAL.as_millis());
    let root_arg = root.display().to_string();
    let window = humantime::format_duration(args.window).to_string();
    let hold = humantime::format_duration(args.hold).to_string();
    let mut argv = vec![
        "rollout-cockpit",
        "run",
        "--new",
        "--health",
        PLAN_HEALTH_URL,
        "--interval",
        &interval,
        "--window",
        &window,
        "--for",
        &hold,
        "--session-dir",
        &root_arg,
        // The application log, as a third tmux pane would follow it.
        "--logs",
        LOG_COMMAND,
    ];
    if args.mouse {
        argv.push("--mouse");
    }
    let significance = args.significance.map(|p| p.to_string());
    if let Some(p) = &significance {
        argv.extend(["--significance", p]);
    }
    let max_error = args.baseline_max_error.map(|p| p.to_string());
    if let Some(p) = &max_error {
        argv.extend(["--baseline-max-error", p]);
    }
    if let Some(url) = &args.prometheus {
        argv.extend(["--prometheus", url]);
    }
    match <crate::cli::Cli as clap::Parser>::try_parse_from(argv) {
        Ok(crate::cli::Cli {
            command: crate::cli::Command::Run(run),
        }) => Ok(run),
        other => Err(format!("internal command line rejected: {other:?}")),
    }
}

/// A path as a shell word: quoted only when it has to be.
fn shell_quote(path: &std::path::Path) -> String {
    let s = path.display().to_string();
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@".contains(&b))
    {
        s
    } else {
        crate::domain::exec::shell_quote(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo(args: &[&str]) -> DemoArgs {
        let argv = ["rollout-cockpit", "demo"].iter().chain(args);
        match <crate::cli::Cli as clap::Parser>::try_parse_from(argv) {
            Ok(crate::cli::Cli {
                command: crate::cli::Command::Demo(d),
            }) => d,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_criteria_flags_reach_the_demos_run() {
        let root = std::path::Path::new("/tmp/x");
        let run = run_args(
            &demo(&[
                "--significance",
                "0.001",
                "--baseline-max-error",
                "35",
                "--prometheus",
                "http://127.0.0.1:9090",
            ]),
            root,
        )
        .unwrap();
        assert_eq!(run.probe.significance, Some(0.001));
        assert_eq!(run.probe.baseline_max_error, Some(35.0));
        assert_eq!(run.prometheus.as_deref(), Some("http://127.0.0.1:9090"));
        // Unset, they keep run's own defaults.
        let run = run_args(&demo(&[]), root).unwrap();
        assert_eq!(run.probe.significance, None);
        assert_eq!(run.probe.baseline_max_error, None);
        assert_eq!(run.prometheus, None);
        assert!(demo(&[]).significance.is_none());
        let bad = <crate::cli::Cli as clap::Parser>::try_parse_from([
            "rollout-cockpit",
            "demo",
            "--significance",
            "0.9",
        ]);
        assert!(bad.is_err());
    }
}
