//! `omsvc service stop|start NAME --node ADDR`: a user's stop or start of a service, recorded
//! in its replicated run-control record. The leader stops (or starts) it, and every later
//! leader honours the record: a stop survives failover until a start.

use crate::error::CliError;
use crate::target::Remote;
use crate::Outcome;
use clap::Subcommand;
use omsvc_raft::types::CommandResponse;

#[derive(Subcommand)]
pub enum ServiceCommand {
    /// Stop a service on whichever node leads, now and after any failover, until started.
    Stop {
        #[command(flatten)]
        remote: Remote,
        /// The service name, e.g. a `--service NAME=COMMAND` of `omsvc node run`.
        name: String,
    },
    /// Undo a stop: the leader starts the service again.
    Start {
        #[command(flatten)]
        remote: Remote,
        /// The service name.
        name: String,
    },
}

pub fn run(command: ServiceCommand) -> Result<Outcome, CliError> {
    let (remote, name, should_run) = match command {
        ServiceCommand::Stop { remote, name } => (remote, name, false),
        ServiceCommand::Start { remote, name } => (remote, name, true),
    };
    let request = omsvc_core::encode_run_control_request(&name, should_run)?;
    let receipt = remote.cluster.client(&remote.node)?.write(request)?;
    if let CommandResponse::Refused { reason } = receipt.response {
        return Err(CliError::Usage(format!(
            "the cluster refused the run control of {name}: {reason}"
        )));
    }
    println!(
        "{name}: {} recorded at term {} index {}; {}",
        if should_run { "start" } else { "stop" },
        receipt.entry.term,
        receipt.entry.index,
        if should_run {
            "the leader starts it"
        } else {
            "the leader stops it, and no leader starts it until `omsvc service start`"
        }
    );
    Ok(Outcome::Done)
}
