//! A command that needs the terminal itself (a password prompt, `psql`, an
//! editor): the loop suspends the screen and this runs it with the
//! terminal as its stdin, stdout and stderr. It stays in the cockpit's
//! process group, the terminal's foreground one, so it reads the keyboard
//! and Ctrl-C reaches it (the cockpit handles SIGINT, so that does not end
//! the cockpit too). Its output is not captured: the log file says so.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};
use tokio::time::Instant;

use super::runner::{Exit, RunId, RunSpec};

/// What the log file of a run in the terminal holds.
pub const NOT_CAPTURED: &str = "(ran in the terminal: output not captured)";

pub struct TerminalRun {
    pub id: RunId,
    child: Child,
    started: Instant,
}

impl TerminalRun {
    /// Starts `spec` on the terminal; `shown` is the masked command, printed
    /// above it so the operator sees what runs.
    pub fn start(spec: &RunSpec, title: &str, shown: &str) -> std::io::Result<TerminalRun> {
        write_log(&spec.log_path)?;
        let mut out = std::io::stdout();
        // Plain text: the screen is suspended, the terminal is a terminal again.
        let _ = writeln!(
            out,
            "\n── rollout-cockpit: #{} {title}\n── runs here; the cockpit comes back when it exits\n$ {}\n",
            spec.id.0,
            shown.lines().next().unwrap_or_default()
        );
        let _ = out.flush();
        let child = Command::new(&spec.shell)
            .args(&spec.shell_flags)
            .arg("-c")
            .arg(&spec.code)
            .current_dir(&spec.workdir)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::inherit())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            // The cockpit ending (SIGTERM, SIGHUP) takes it along.
            .kill_on_drop(true)
            .spawn()?;
        Ok(TerminalRun {
            id: spec.id,
            child,
            started: Instant::now(),
        })
    }

    /// Waits for the command's end (cancel-safe: a `select!` branch).
    pub async fn wait(&mut self) -> Exit {
        let status = self.child.wait().await;
        let duration = self.started.elapsed();
        let (code, signal) = match &status {
            Ok(s) => (s.code(), s.signal()),
            Err(_) => (None, None),
        };
        Exit {
            id: self.id,
            code,
            signal,
            duration,
            sent: None,
            lines: 0,
            log_error: status.err().map(|e| e.to_string()),
        }
    }
}

/// The line that asks for a key once the command is over.
pub fn ended_line(exit: &Exit) -> String {
    let how = match (exit.code, exit.signal) {
        (Some(c), _) => format!("exited {c}"),
        (None, Some(s)) => format!("ended by signal {s}"),
        (None, None) => "ended".to_string(),
    };
    format!(
        "\n── {how} after {}: press any key to return to the cockpit",
        seconds(exit.duration)
    )
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn write_log(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, format!("{NOT_CAPTURED}\n"))
}
