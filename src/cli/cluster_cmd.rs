//! `omsvc cluster init|add|remove|elect`: membership of an openraft cluster.

use crate::error::CliError;
use crate::target::{parse_member, Remote};
use crate::Outcome;
use clap::Subcommand;
use std::collections::BTreeMap;

#[derive(Subcommand)]
pub enum ClusterCommand {
    /// Create the cluster: run once, against one node, naming every initial member.
    Init {
        #[command(flatten)]
        remote: Remote,
        /// An initial member as ID=ADDR (repeat for each; include the node you talk to).
        #[arg(long = "member", value_name = "ID=ADDR", required = true, value_parser = parse_member)]
        members: Vec<(u64, String)>,
    },
    /// Add a running node as a voting member (it catches up first, by snapshot if needed).
    Add {
        #[command(flatten)]
        remote: Remote,
        /// The new member as ID=ADDR.
        #[arg(long = "member", value_name = "ID=ADDR", value_parser = parse_member)]
        member: (u64, String),
    },
    /// Remove a voting member.
    Remove {
        #[command(flatten)]
        remote: Remote,
        /// The member's node id.
        #[arg(long)]
        id: u64,
    },
    /// Ask the node to start an election now. openraft 0.9 has no directed leadership
    /// transfer: this is how to move leadership, and the node may lose the election.
    Elect {
        #[command(flatten)]
        remote: Remote,
    },
}

pub fn run(command: ClusterCommand) -> Result<Outcome, CliError> {
    match command {
        ClusterCommand::Init { remote, members } => {
            let count = members.len();
            let members: BTreeMap<u64, String> = members.into_iter().collect();
            if members.len() != count {
                return Err(CliError::Usage(
                    "a node id is given twice in --member".into(),
                ));
            }
            remote.cluster.client(&remote.node)?.initialize(members)?;
            println!(
                "cluster {:?} initialized with {count} member(s)",
                remote.cluster.cluster
            );
        }
        ClusterCommand::Add {
            remote,
            member: (id, addr),
        } => {
            remote.cluster.client(&remote.node)?.add_member(id, &addr)?;
            println!("node {id} at {addr} is now a voting member");
        }
        ClusterCommand::Remove { remote, id } => {
            remote.cluster.client(&remote.node)?.remove_member(id)?;
            println!("node {id} is no longer a member");
        }
        ClusterCommand::Elect { remote } => {
            remote.cluster.client(&remote.node)?.trigger_election()?;
            println!("{} started an election", remote.node);
        }
    }
    Ok(Outcome::Done)
}
