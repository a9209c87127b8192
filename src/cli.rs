//! The command line. Subcommands and flags are a stable contract (DESIGN.md).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "rollout-cockpit",
    version,
    about = "A full-screen terminal cockpit for running a production rollout from a Markdown runbook",
    long_about = "Turns a Markdown runbook into a live cockpit: checklist, command output, \
                  health metrics against a baseline and the rollback criteria, with a \
                  one-key rollback. Without a RUNBOOK argument the bundled TERP production \
                  rollout plan is used.\n\nExit codes: 0 success, 1 runtime error, \
                  2 usage or input error, 3 rollback criteria fired (monitor)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint a runbook before the window: what the cockpit found in it and what
    /// is still unresolved (placeholders, unset variables, missing rollback).
    Check(CheckArgs),
    /// Open the cockpit: the checklist, each step's command, the rollback
    /// criteria and the window clock, full screen. Every decision is
    /// journaled under the session directory.
    Run(RunArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The Markdown runbook [default: the bundled TERP production rollout plan]
    pub runbook: Option<PathBuf>,
    /// Print one JSON object (a stable contract for scripts) instead of the summary
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The Markdown runbook [default: the bundled TERP production rollout plan]
    pub runbook: Option<PathBuf>,
    /// Settings (TOML): `environment`, `[keys]` to rebind keys
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Who is at the keys; recorded with every decision [default: $USER]
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// A health endpoint to probe (repeatable)
    #[arg(long = "health", value_name = "URL")]
    pub health: Vec<String>,
    /// Time between health probes, e.g. 1s, 500ms
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = crate::duration::parse)]
    pub interval: std::time::Duration,
    /// Let the mouse wheel move the checklist
    #[arg(long)]
    pub mouse: bool,
    /// Where session directories go [default: $XDG_STATE_HOME/rollout-cockpit,
    /// else ~/.local/state/rollout-cockpit]
    #[arg(long, value_name = "DIR")]
    pub session_dir: Option<PathBuf>,
}
