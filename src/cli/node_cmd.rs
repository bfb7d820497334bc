//! `omsvc node run`: one openraft node, until SIGINT or SIGTERM.

use crate::command::{keeper, parse_command_spec, CommandService, CommandSettings};
use crate::demo::{DemoProgress, EventSink, ProgressEvent, ProgressService, SERVICE};
use crate::error::CliError;
use crate::target::parse_member;
use crate::Outcome;
use clap::{Args, Subcommand};
use omsvc_core::ServiceOptions;
use omsvc_raft::{ConnectionLimits, RaftNode, RaftNodeOptions, RaftTimeouts};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Subcommand)]
pub enum NodeCommand {
    /// Run a node until SIGINT or SIGTERM.
    Run(RunArgs),
    /// The keeper of one leader-only command (a node starts it; not for direct use).
    #[command(hide = true)]
    Keep(keeper::KeepArgs),
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
    /// A leader-only command, as NAME=COMMAND (repeat for more): run with `/bin/sh -c` while
    /// this node may run service NAME (it leads, the barrier is applied, no user stopped it
    /// with `omsvc service stop`), in a process group of its own, with OMSVC_SERVICE,
    /// OMSVC_EPOCH, OMSVC_NODE_ID, OMSVC_NODE_ADDR, OMSVC_CLUSTER and OMSVC_BIN in its
    /// environment. Its output goes to this node's log. If it exits by itself it is restarted
    /// with backoff.
    #[arg(long = "service", value_name = "NAME=COMMAND", value_parser = parse_command_spec)]
    services: Vec<(String, String)>,
    /// How long a command may take to exit after SIGTERM while this node still leads (a user
    /// stop, a node shutdown), before SIGKILL. When leadership ends (step-down, lost quorum)
    /// a command is SIGKILLed at the end of the node's leader lease at the latest, before
    /// another node can be elected.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    service_stop_grace_ms: u64,
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
    match command {
        NodeCommand::Run(args) => run_node(args),
        NodeCommand::Keep(args) => keeper::run(args),
    }
}

fn run_node(args: RunArgs) -> Result<Outcome, CliError> {
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
    }
    let commands = register_commands(&node, &args)?;
    if !args.demo_service && commands.is_empty() {
        tracing::warn!(
            node = args.id,
            "no service registered: this node replicates the configuration table only \
             (pass --service NAME=COMMAND for a leader-only command, or --demo-service)"
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
    // While this node still leads, so that commands get their whole grace (all at once).
    std::thread::scope(|scope| {
        for command in &commands {
            scope.spawn(|| command.stop_before_shutdown());
        }
    });
    node.shutdown();
    Ok(Outcome::Done)
}

fn register_commands(
    node: &RaftNode,
    args: &RunArgs,
) -> Result<Vec<Arc<CommandService>>, CliError> {
    let program = std::env::current_exe().map_err(|source| omsvc_core::Error::Io {
        operation: "find the path of",
        path: "this program (for the keepers of its commands)".into(),
        source,
    })?;
    let timeouts = RaftTimeouts {
        heartbeat: Duration::from_millis(args.heartbeat_ms),
        election_min: Duration::from_millis(args.election_min_ms),
        election_max: Duration::from_millis(args.election_max_ms),
    };
    let settings = Arc::new(CommandSettings {
        node_id: args.id,
        node_addr: node.addr().to_owned(),
        cluster: args.cluster.clone(),
        grace: Duration::from_millis(args.service_stop_grace_ms),
        lease_margin: timeouts.service_stop_budget(),
        program,
    });
    let options =
        ServiceOptions::default().with_retry(Duration::from_millis(500), Duration::from_secs(30));
    let mut commands = Vec::new();
    for (name, command) in &args.services {
        let service = Arc::new(CommandService::new(
            name,
            command,
            settings.clone(),
            Arc::downgrade(&node.shared_node()),
        ));
        node.node()
            .register_shared(name, service.clone(), options.clone())?;
        tracing::info!(node = args.id, service = %name, %command, "leader-only command registered");
        commands.push(service);
    }
    Ok(commands)
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
        .map_err(|source| omsvc_core::Error::Io {
            operation: "start a signal runtime for",
            path: "omsvc node".into(),
            source,
        })?;
    runtime.block_on(async {
        let mut terminate = tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::terminate(),
        )
        .map_err(|source| omsvc_core::Error::Io {
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
