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
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The Markdown runbook [default: the bundled TERP production rollout plan]
    pub runbook: Option<PathBuf>,
    /// Print one JSON object (a stable contract for scripts) instead of the summary
    #[arg(long)]
    pub json: bool,
}
