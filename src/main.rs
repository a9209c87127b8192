use std::process::ExitCode;

use clap::Parser;
use rollout_cockpit::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Demo(args) => rollout_cockpit::modes::demo::main(&args),
        Command::Check(args) => rollout_cockpit::modes::check::main(&args),
        Command::Run(args) => rollout_cockpit::modes::run::main(&args),
        Command::Monitor(args) => rollout_cockpit::modes::monitor::main(&args),
        Command::Watch(args) => rollout_cockpit::modes::watch::main(&args),
        Command::Join(args) => rollout_cockpit::modes::watch::mirror(&args, true),
        Command::Report(args) => rollout_cockpit::report::main(&args),
        Command::Replay(args) => rollout_cockpit::modes::replay::main(&args),
    };
    ExitCode::from(code)
}
