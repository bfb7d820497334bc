//! `omsvc`: the command-line tool of libomsvc.

mod cluster_cmd;
mod command;
mod config_cmd;
mod demo;
mod error;
mod hex;
mod node_cmd;
mod service_cmd;
mod status_cmd;
mod target;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "omsvc",
    version,
    about = "Leader-only services and their replicated configuration",
    after_help = "Exit status: 0 success, 2 bad usage, 3 the asked-for configuration is absent, \
                  10 + N an error of code N in the error table (the C ABI's status number: \
                  14 invalid service name, 21 no database, 20 database locked, 32 invalid \
                  argument, 34 replication or an unreachable node, 35 not the leader...; \
                  see README).\n\
                  Logs go to stderr (`node run`: at info, others: warnings); set RUST_LOG \
                  (e.g. RUST_LOG=debug) for more."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How log lines on stderr look: text for people, or one JSON object per line (fields at
    /// the top level: timestamp, level, target, message, node, service, epoch...) for log
    /// shippers.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Three nodes in this process, a stateful service, the leader killed, the service
    /// resumed on the new leader from its saved progress (the main demo).
    Demo(demo::DemoArgs),
    /// Read and write service configurations.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Run an openraft node.
    #[command(subcommand)]
    Node(node_cmd::NodeCommand),
    /// Cluster membership: init, add, remove, elect.
    #[command(subcommand)]
    Cluster(cluster_cmd::ClusterCommand),
    /// A running node's view: leader, term, members, services.
    Status(status_cmd::StatusArgs),
    /// Stop or start a service on the cluster's leader, for good (survives failover).
    #[command(subcommand)]
    Service(service_cmd::ServiceCommand),
}

/// How a command ended, beyond plain success.
#[derive(Debug)]
pub enum Outcome {
    /// The command did what was asked.
    Done,
    /// What was asked for does not exist (exit status 3).
    Absent,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // openraft logs every failed RPC to a stopped peer; the demo kills a peer on purpose. A
    // node is a server: its services' starts and stops, its leadership and snapshots are what
    // an operator reads, so it logs at info.
    let default_filter = match cli.command {
        Command::Demo(_) => "warn,openraft=off",
        Command::Node(_) => "info,openraft=error",
        _ => "warn,openraft=error",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match cli.log_format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Config(command) => config_cmd::run(command),
        Command::Node(command) => node_cmd::run(command),
        Command::Cluster(command) => cluster_cmd::run(command),
        Command::Status(args) => status_cmd::run(args),
        Command::Service(command) => service_cmd::run(command),
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
            ExitCode::from(error.exit_code())
        }
    }
}
