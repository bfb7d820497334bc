//! `omsvc node run`: one openraft node, until SIGINT or SIGTERM.

use crate::demo::{DemoProgress, EventSink, ProgressEvent, ProgressService, SERVICE};
use crate::error::CliError;
use crate::target::parse_member;
use crate::Outcome;
use clap::{Args, Subcommand};
use omsvc::raft::{RaftNode, RaftNodeOptions, RaftTimeouts};
use omsvc::ServiceOptions;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Subcommand)]
pub enum NodeCommand {
    /// Run a node until SIGINT or SIGTERM.
    Run(RunArgs),
}

#[derive(Args)]
pub struct RunArgs {
    /// This node's id (a positive number, unique in the cluster).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    id: u64,
    /// Address to listen on, e.g. 127.0.0.1:7001 (port 0: any free port, printed at start).
    #[arg(long, value_name = "ADDR")]
    listen: String,
    /// Data directory (holds table/ and raft/); created if missing.
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// The cluster name: nodes refuse frames and data directories of another cluster.
    #[arg(long, default_value = "omsvc")]
    cluster: String,
    /// Another member as ID=ADDR, used by --init.
    #[arg(long = "peer", value_name = "ID=ADDR", value_parser = parse_member)]
    peers: Vec<(u64, String)>,
    /// Initialize the cluster with this node and its --peer members (once, on one node).
    #[arg(long)]
    init: bool,
    /// Run the demo's stateful progress service on this node.
    #[arg(long)]
    demo_service: bool,
    /// Leader heartbeat interval.
    #[arg(long, default_value_t = 50)]
    heartbeat_ms: u64,
    /// Election timeouts are drawn between these two bounds.
    #[arg(long, default_value_t = 250)]
    election_min_ms: u64,
    #[arg(long, default_value_t = 500)]
    election_max_ms: u64,
    /// Snapshot (and purge the log) every this many entries.
    #[arg(long, default_value_t = 1000)]
    snapshot_every: u64,
}

pub fn run(command: NodeCommand) -> Result<Outcome, CliError> {
    let NodeCommand::Run(args) = command;
    let mut options = RaftNodeOptions::new(args.id, args.listen.clone(), Some(args.data.clone()));
    options.cluster = args.cluster.clone();
    options.snapshot_every = args.snapshot_every;
    options.timeouts = RaftTimeouts {
        heartbeat: Duration::from_millis(args.heartbeat_ms),
        election_min: Duration::from_millis(args.election_min_ms),
        election_max: Duration::from_millis(args.election_max_ms),
    };
    let node = RaftNode::start(options)?;
    if args.demo_service {
        let sink: EventSink = Arc::new(|event| print_line(&describe(&event)));
        let config = node
            .node()
            .stateful_config::<DemoProgress>(SERVICE, node.submitter())?;
        let service = ProgressService::new(
            format!("node {}", args.id),
            config,
            Duration::from_millis(100),
            sink,
        );
        node.node()
            .register(SERVICE, service, ServiceOptions::default())?;
    }
    print_line(&format!(
        "omsvc node {} listening on {}",
        args.id,
        node.addr()
    ));
    if args.init {
        let mut members: BTreeMap<u64, String> = args.peers.iter().cloned().collect();
        members.insert(args.id, node.addr().to_owned());
        node.initialize(members)?;
        print_line(&format!("cluster {:?} initialized", args.cluster));
    }
    wait_for_termination()?;
    print_line(&format!("omsvc node {} stopping", args.id));
    node.shutdown();
    Ok(Outcome::Done)
}

fn describe(event: &ProgressEvent) -> String {
    match event {
        ProgressEvent::Started {
            node,
            epoch,
            resume_from,
            ..
        } => {
            format!("{node}: service STARTED at epoch {epoch}, resuming at item {resume_from}")
        }
        ProgressEvent::Saved {
            node,
            epoch,
            next_item,
        } => format!("{node}: progress saved, next item {next_item} (epoch {epoch})"),
        ProgressEvent::SaveFailed { node, error } => {
            format!("{node}: could not save progress: {error}")
        }
        ProgressEvent::Stopped { node } => format!("{node}: service stopped"),
    }
}

fn print_line(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
    let _ = stdout.flush();
}

fn wait_for_termination() -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| omsvc::Error::Io {
            operation: "start a signal runtime for",
            path: "omsvc node".into(),
            source,
        })?;
    runtime.block_on(async {
        let mut terminate = tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::terminate(),
        )
        .map_err(|source| omsvc::Error::Io {
            operation: "install a SIGTERM handler for",
            path: "omsvc node".into(),
            source,
        })?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        Ok(())
    })
}
