//! `omsvc node run`: one openraft node, until SIGINT or SIGTERM.

use crate::demo::{DemoProgress, EventSink, ProgressEvent, ProgressService, SERVICE};
use crate::error::CliError;
use crate::target::parse_member;
use crate::Outcome;
use clap::{Args, Subcommand};
use omsvc::raft::{ConnectionLimits, RaftNode, RaftNodeOptions, RaftTimeouts};
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
    /// Run the demo's stateful progress service on this node. Without it the node replicates
    /// the configuration table and runs no service (it says so at start).
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
    /// Inbound connections at most (keep below the file limit, which the node raises to its
    /// hard limit at start).
    #[arg(long, default_value_t = ConnectionLimits::default().max_connections)]
    max_connections: usize,
    /// Of those, how many are kept for connections from cluster members' addresses.
    #[arg(long, default_value_t = ConnectionLimits::default().member_reserve)]
    member_reserve: usize,
    /// Inbound connections from one non-member address at most.
    #[arg(long, default_value_t = ConnectionLimits::default().max_per_address)]
    max_connections_per_address: usize,
    /// Close a connection that begins no frame for this long.
    #[arg(long, default_value_t = ConnectionLimits::default().idle_timeout.as_millis() as u64)]
    idle_timeout_ms: u64,
    /// Close a connection whose frame does not complete within this long.
    #[arg(long, default_value_t = ConnectionLimits::default().frame_timeout.as_millis() as u64)]
    frame_timeout_ms: u64,
    /// Serve /metrics (Prometheus), /status (JSON) and a status page on this address, e.g.
    /// 127.0.0.1:9101 (port 0: any free port, printed at start). Off by default.
    #[arg(long, value_name = "ADDR")]
    http: Option<String>,
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
    options.connection_limits = ConnectionLimits {
        max_connections: args.max_connections,
        member_reserve: args.member_reserve,
        max_per_address: args.max_connections_per_address,
        idle_timeout: Duration::from_millis(args.idle_timeout_ms),
        frame_timeout: Duration::from_millis(args.frame_timeout_ms),
        ..ConnectionLimits::default()
    };
    raise_file_limit();
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
    } else {
        tracing::warn!(
            node = args.id,
            "no service registered: this node replicates the configuration table only \
             (pass --demo-service to run the demo's progress service)"
        );
    }
    print_line(&format!(
        "omsvc node {} listening on {}",
        args.id,
        node.addr()
    ));
    if let Some(http) = &args.http {
        let bound = node.serve_http(http)?;
        print_line(&format!(
            "omsvc node {} serving http on {bound} (/, /status, /cluster, /metrics)",
            args.id
        ));
    }
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

/// Raises the soft limit on open files to the hard one, so the connection limit, not the
/// file limit, is what a flood of connections meets.
fn raise_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed by reference.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                tracing::warn!(
                    error = %std::io::Error::last_os_error(),
                    "cannot raise the open file limit"
                );
            }
        }
    }
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
            entry: (term, index),
        } => format!(
            "{node}: progress saved, next item {next_item} (epoch {epoch}), entry {term}/{index}"
        ),
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
