//! `omsvc`: the command-line tool of libomsvc.

mod config_cmd;
mod hex;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "omsvc",
    version,
    about = "Leader-only services and their replicated configuration",
    after_help = "Exit status: 0 success, 1 error, 2 bad usage, 3 the asked-for configuration is absent.\n\
                  Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=debug) for more."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read a node's configuration table (works while the node runs: opens read-only).
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
}

/// How a command ended, beyond plain success.
pub enum Outcome {
    Done,
    Absent,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Config(command) => config_cmd::run(command),
    };
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Absent) => ExitCode::from(3),
        Err(error) => {
            eprintln!("omsvc: error: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}
