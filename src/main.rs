use std::process::ExitCode;

use clap::Parser;
use rollout_cockpit::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Demo(args) => rollout_cockpit::demo::main(&args),
        Command::Check(args) => rollout_cockpit::check::main(&args),
        Command::Run(args) => rollout_cockpit::run::main(&args),
        Command::Monitor(args) => rollout_cockpit::monitor::cli::main(&args),
        Command::Watch(args) => rollout_cockpit::watch::main(&args),
        Command::Report(args) => rollout_cockpit::report::main(&args),
    };
    ExitCode::from(code)
}
