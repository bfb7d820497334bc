//! [`RaftNode`]: one replicated node — the core node (services and configuration table),
//! openraft, the TCP server and the leadership watch — behind a synchronous API that owns its
//! tokio runtime, for the CLI, the C ABI and Rust hosts that are not async.

use super::connections::ConnectionLimits;
use super::election_gate::{ElectionGate, ElectionTiming};
use super::error::RaftError;
use super::leadership_watch;
use super::log_store::LogStore;
use super::metrics::NodeMetrics;
use super::network::{FaultSwitch, Network};
use super::rpc::{ClientError, WriteReceipt, WriteRequest};
use super::server::{self, ServerContext};
use super::state_machine::StateMachine;
use super::status::{self, NodeReport};
use super::types::{CommandResponse, ConfigCommand, Raft, RaftNodeId};
use omsvc_core::error::Error;
use omsvc_core::leadership::TermIndex;
use omsvc_core::node::{DbLocation, Node, NodeOptions};
use omsvc_core::services::EpochToken;
use omsvc_core::stateful::{ensure_current, ConfigSubmitter};
use omsvc_core::table::{encode_delete_request, encode_set_request};
use openraft::{BasicNode, Config, SnapshotPolicy};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Raft timing. In openraft 0.9 a follower waits out the leader lease (`election_max`) and
/// then its own election timeout, so failover takes about `election_max` plus an election
/// timeout (under 1 s with the defaults). A write that has not committed after ten
/// `election_max` fails with an error saying so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaftTimeouts {
    /// How often the leader sends heartbeats (and renews its lease).
    pub heartbeat: Duration,
    /// The shortest election timeout.
    pub election_min: Duration,
    /// The longest election timeout; a follower withholds its vote this long after hearing
    /// from its leader.
    pub election_max: Duration,
}

impl RaftTimeouts {
    /// How long a leader's services may run after the quorum round that last confirmed its
    /// leadership began: `election_max` (no follower votes for another node sooner after
    /// hearing from the leader) less a heartbeat (to notice) and the stop budget.
    pub fn leader_lease(&self) -> Duration {
        self.election_max
            .saturating_sub(self.heartbeat)
            .saturating_sub(self.service_stop_budget())
    }

    /// The time a service's `stop` may take, counted in the lease, so that it has stopped
    /// before another node can be elected: a fifth of `election_max` (100 ms by default).
    pub fn service_stop_budget(&self) -> Duration {
        self.election_max / 5
    }

    /// The longest timeout accepted (one hour): beyond it openraft's deadline arithmetic can
    /// overflow, and no cluster wants it.
    pub const MAX: Duration = Duration::from_secs(3600);

    /// Checks what openraft needs: whole milliseconds, `heartbeat < election_min <=
    /// election_max`, nothing over [`RaftTimeouts::MAX`]. The error names the field.
    pub fn validate(&self) -> Result<(), Error> {
        let fields = [
            ("heartbeat", self.heartbeat),
            ("election_min", self.election_min),
            ("election_max", self.election_max),
        ];
        for (name, value) in fields {
            if value < Duration::from_millis(1) {
                return Err(invalid_timeout(name, format!("{value:?} is under 1 ms")));
            }
            if value > Self::MAX {
                return Err(invalid_timeout(
                    name,
                    format!("{value:?} is over the limit of {:?}", Self::MAX),
                ));
            }
        }
        if self.heartbeat >= self.election_min {
            return Err(invalid_timeout(
                "heartbeat",
                format!(
                    "{:?} must be below election_min ({:?}), or followers start elections \
                     under a live leader",
                    self.heartbeat, self.election_min
                ),
            ));
        }
        if self.election_min > self.election_max {
            return Err(invalid_timeout(
                "election_max",
                format!(
                    "{:?} must not be below election_min ({:?})",
                    self.election_max, self.election_min
                ),
            ));
        }
        Ok(())
    }
}

fn invalid_timeout(name: &'static str, reason: String) -> Error {
    Error::InvalidArgument {
        name: match name {
            "heartbeat" => "raft timeout heartbeat",
            "election_min" => "raft timeout election_min",
            _ => "raft timeout election_max",
        },
        reason,
    }
}

impl Default for RaftTimeouts {
    fn default() -> Self {
        RaftTimeouts {
            heartbeat: Duration::from_millis(50),
            election_min: Duration::from_millis(250),
            election_max: Duration::from_millis(500),
        }
    }
}

/// How [`RaftNode::start`] starts a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaftNodeOptions {
    /// This node's id: positive and unique in the cluster.
    pub id: RaftNodeId,
    /// Address to listen on, e.g. "127.0.0.1:7001" ("127.0.0.1:0": any free port).
    pub listen: String,
    /// Holds `table/` (the configuration table) and `raft/` (log and vote). None: a temporary
    /// directory removed when the node is dropped.
    pub data_dir: Option<PathBuf>,
    /// Nodes refuse frames of another cluster, and data directories of another cluster.
    pub cluster: String,
    /// Heartbeat and election timing.
    pub timeouts: RaftTimeouts,
    /// Take a snapshot (and purge the log before it) every this many entries.
    pub snapshot_every: u64,
    /// What inbound connections may take.
    pub connection_limits: ConnectionLimits,
}

impl RaftNodeOptions {
    /// Node `id` listening on `listen`, in cluster "omsvc", with the default timing, snapshot
    /// interval and connection limits.
    pub fn new(id: RaftNodeId, listen: impl Into<String>, data_dir: Option<PathBuf>) -> Self {
        RaftNodeOptions {
            id,
            listen: listen.into(),
            data_dir,
            cluster: "omsvc".to_owned(),
            timeouts: RaftTimeouts::default(),
            snapshot_every: 1000,
            connection_limits: ConnectionLimits::default(),
        }
    }
}

/// A libomsvc node replicated by openraft over TCP: the core [`Node`] with the configuration
/// table as openraft's state machine (docs/design.md O1-O9). Its methods block; it runs its own
/// tokio runtime.
pub struct RaftNode {
    context: Arc<ServerContext>,
    runtime: tokio::runtime::Runtime,
    /// The server and the leadership watch; `None` once shut down. Held while shutting down,
    /// so a second `shutdown` returns only when the first has finished.
    tasks: std::sync::Mutex<Option<Vec<tokio::task::JoinHandle<()>>>>,
    /// Set when a shutdown begins; read without the `tasks` lock, which a shutdown holds
    /// while services stop (a service's `stop` may still call this node).
    shut_down: AtomicBool,
    _ephemeral_dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for RaftNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RaftNode")
            .field("id", &self.context.id)
            .field("addr", &self.context.addr)
            .field("cluster", &self.context.cluster)
            .finish_non_exhaustive()
    }
}

impl RaftNode {
    /// Opens the data directory, starts openraft, the server and the leadership watch. A new
    /// cluster also needs [`RaftNode::initialize`] on one node.
    pub fn start(options: RaftNodeOptions) -> Result<RaftNode, RaftError> {
        options.timeouts.validate()?;
        let id = options.id;
        let (data_dir, ephemeral_dir) = match &options.data_dir {
            Some(dir) => (dir.clone(), None),
            None => {
                let dir = tempfile::Builder::new()
                    .prefix(&format!("omsvc-raft-{id}-"))
                    .tempdir()
                    .map_err(|source| Error::Io {
                        operation: "create a temporary data directory in",
                        path: std::env::temp_dir(),
                        source,
                    })?;
                (dir.path().to_owned(), Some(dir))
            }
        };
        let log_store = LogStore::open(&data_dir.join("raft"), id, &options.cluster)?;
        let metrics = Arc::new(NodeMetrics::new(log_store.committed_index()));
        let mut node_options =
            NodeOptions::new(id.to_string(), DbLocation::Dir(data_dir.join("table")));
        // openraft hears "applied" from the state machine: the entry must be on disk by then.
        node_options.table.sync_writes = true;
        let node = Arc::new(Node::open(node_options)?);
        node.set_service_observer(metrics.clone());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(format!("omsvc-raft-{id}"))
            .enable_all()
            .build()
            .map_err(|source| Error::Io {
                operation: "start the tokio runtime for",
                path: data_dir.clone(),
                source,
            })?;
        let fault = Arc::new(FaultSwitch::default());
        let timeouts = options.timeouts;
        let config = Config {
            cluster_name: options.cluster.clone(),
            heartbeat_interval: timeouts.heartbeat.as_millis() as u64,
            election_timeout_min: timeouts.election_min.as_millis() as u64,
            election_timeout_max: timeouts.election_max.as_millis() as u64,
            snapshot_policy: SnapshotPolicy::LogsSinceLast(options.snapshot_every),
            max_in_snapshot_log_to_keep: options.snapshot_every / 2,
            ..Default::default()
        }
        .validate()
        .map_err(|e| Error::InvalidArgument {
            name: "raft timeouts",
            reason: format!("{timeouts:?}: {e}"),
        })?;

        let network = Network {
            cluster: options.cluster.clone(),
            fault: fault.clone(),
        };
        let state_machine = StateMachine::new(node.clone(), id);
        let listen = options.listen.clone();
        let (raft, listener) = runtime.block_on(async {
            let listener = TcpListener::bind(&listen)
                .await
                .map_err(|source| Error::Io {
                    operation: "listen on",
                    path: PathBuf::from(&listen),
                    source,
                })?;
            let raft = Raft::new(id, Arc::new(config), network, log_store, state_machine)
                .await
                .map_err(|e| Error::Replication {
                    reason: format!("openraft did not start: {e}"),
                })?;
            Ok::<_, Error>((raft, listener))
        })?;
        let addr = listener
            .local_addr()
            .map_err(|source| Error::Io {
                operation: "read the bound address of",
                path: PathBuf::from(&listen),
                source,
            })?
            .to_string();
        let context = Arc::new(ServerContext {
            id,
            addr,
            cluster: options.cluster,
            raft: raft.clone(),
            node: node.clone(),
            fault,
            write_timeout: timeouts.election_max * 10,
            connection_limits: options.connection_limits,
            election: Arc::new(ElectionGate::default()),
            metrics: metrics.clone(),
        });
        let elections = context.election.take_over(
            raft.clone(),
            id,
            ElectionTiming {
                heartbeat: timeouts.heartbeat,
                election_min: timeouts.election_min,
                election_max: timeouts.election_max,
            },
        );
        let tasks = vec![
            runtime.spawn(elections),
            runtime.spawn(server::serve(listener, context.clone())),
            runtime.spawn(leadership_watch::watch(
                raft.metrics(),
                move || {
                    let raft = raft.clone();
                    async move { raft.get_read_log_id().await.is_ok() }
                },
                node,
                metrics,
                id,
                timeouts,
            )),
        ];
        tracing::info!(node = id, addr = %context.addr, data = %data_dir.display(), "raft node started");
        Ok(RaftNode {
            context,
            runtime,
            tasks: std::sync::Mutex::new(Some(tasks)),
            shut_down: AtomicBool::new(false),
            _ephemeral_dir: ephemeral_dir,
        })
    }

    /// This node's id.
    pub fn id(&self) -> RaftNodeId {
        self.context.id
    }

    /// The address peers and clients reach this node at.
    pub fn addr(&self) -> &str {
        &self.context.addr
    }

    /// The core node: register services, read configuration, see the status.
    pub fn node(&self) -> &Node {
        &self.context.node
    }

    /// The core node, shared (for adapters that hand out their own handles to it).
    pub fn shared_node(&self) -> Arc<Node> {
        self.context.node.clone()
    }

    /// Creates the cluster with these members (id -> address); call on one node, once.
    pub fn initialize(&self, members: BTreeMap<RaftNodeId, String>) -> Result<(), RaftError> {
        if !members.contains_key(&self.id()) {
            return Err(ClientError::Refused(format!(
                "initialize must name this node ({}) among the members, with its address; got {:?}",
                self.id(),
                members.keys().collect::<Vec<_>>()
            ))
            .into());
        }
        let members: BTreeMap<_, _> = members
            .into_iter()
            .map(|(id, addr)| (id, BasicNode { addr }))
            .collect();
        self.require_running()?;
        self.runtime
            .block_on(self.context.raft.initialize(members))
            .map_err(|e| self.unless_shut_down(ClientError::Raft(e.to_string()).into()))
    }

    /// Proposes a configuration command; only the leader accepts (the error names it).
    pub fn write(&self, command: Vec<u8>) -> Result<WriteReceipt, RaftError> {
        self.require_running()?;
        self.runtime
            .block_on(server::client_write(
                &self.context,
                WriteRequest {
                    command: ConfigCommand(command),
                },
            ))
            .map_err(|error| self.unless_shut_down(error.into()))
    }

    /// Proposes an operator's set of service `name`'s configuration (leader only).
    pub fn set(&self, name: &str, value: &[u8]) -> Result<WriteReceipt, RaftError> {
        self.write(encode_set_request(name, value)?)
    }

    /// Proposes an operator's delete of service `name`'s configuration (leader only).
    pub fn delete(&self, name: &str) -> Result<WriteReceipt, RaftError> {
        self.write(encode_delete_request(name)?)
    }

    /// This node's view of itself and its cluster (what `omsvc status` shows).
    pub fn report(&self) -> NodeReport {
        status::build(&self.context)
    }

    /// Asks this node to start an election now (openraft 0.9 has no directed leadership
    /// transfer: this is how a leader is moved, and it is not guaranteed to win).
    pub fn trigger_election(&self) -> Result<(), RaftError> {
        self.require_running()?;
        self.runtime
            .block_on(self.context.raft.trigger().elect())
            .map_err(|e| self.unless_shut_down(ClientError::Raft(e.to_string()).into()))
    }

    /// Serves `/metrics`, `/status`, `/cluster` and the status page on `addr` (port 0: any
    /// free port) until the node stops; returns the bound address.
    pub fn serve_http(&self, addr: &str) -> Result<std::net::SocketAddr, RaftError> {
        let io_error = |operation, source| Error::Io {
            operation,
            path: PathBuf::from(addr),
            source,
        };
        let listener = self
            .runtime
            .block_on(TcpListener::bind(addr))
            .map_err(|source| io_error("serve http on", source))?;
        let bound = listener
            .local_addr()
            .map_err(|source| io_error("read the bound http address of", source))?;
        let mut tasks = self
            .tasks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(tasks) = tasks.as_mut() else {
            return Err(Error::ShutDown.into());
        };
        tasks.push(
            self.runtime
                .spawn(super::http::serve(listener, self.context.clone())),
        );
        tracing::info!(node = self.context.id, addr = %bound, "serving http: /metrics, /status, /cluster and the status page");
        Ok(bound)
    }

    /// A submitter for stateful services: proposes through this node (which must lead).
    pub fn submitter(&self) -> Arc<dyn ConfigSubmitter> {
        Arc::new(RaftSubmitter {
            context: self.context.clone(),
            runtime: self.runtime.handle().clone(),
        })
    }

    /// Fault injection for tests: isolate this node's Raft traffic (a partition around it).
    /// Only with the `fault-injection` feature, which no production build enables.
    #[cfg(feature = "fault-injection")]
    pub fn fault_switch(&self) -> &FaultSwitch {
        &self.context.fault
    }

    /// Stops Raft, the server and the leadership watch, then the services (reverse
    /// registration order), and returns when all have stopped, even while other threads are
    /// inside calls on this node. Idempotent: a second call waits for the first to finish.
    /// What stays until the node is dropped is the runtime's threads. Afterwards every
    /// request fails with [`Error::ShutDown`] (kind `SHUT_DOWN`), as the core node's calls do.
    pub fn shutdown(&self) {
        self.shut_down.store(true, Ordering::Release);
        let mut tasks = self
            .tasks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(running) = tasks.take() else {
            return;
        };
        if let Err(error) = self.runtime.block_on(self.context.raft.shutdown()) {
            tracing::warn!(node = self.context.id, %error, "raft shutdown reported an error");
        }
        self.runtime.block_on(async {
            for task in running {
                task.abort();
                // An aborted task has ended (its listener closed) once its handle resolves.
                let _ = task.await;
            }
        });
        self.context.node.shutdown();
        tracing::info!(node = self.context.id, "raft node shut down");
    }

    /// Whether [`RaftNode::shutdown`] has begun.
    pub fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Acquire)
    }

    fn require_running(&self) -> Result<(), RaftError> {
        if self.is_shut_down() {
            return Err(Error::ShutDown.into());
        }
        Ok(())
    }

    /// A request that raced the shutdown fails as one made after it.
    fn unless_shut_down(&self, error: RaftError) -> RaftError {
        if self.is_shut_down() {
            Error::ShutDown.into()
        } else {
            error
        }
    }
}

impl Drop for RaftNode {
    fn drop(&mut self) {
        self.shutdown();
    }
}

struct RaftSubmitter {
    context: Arc<ServerContext>,
    runtime: tokio::runtime::Handle,
}

/// How often a write of a service's epoch checks, while it waits to commit, whether that
/// epoch has ended.
const EPOCH_POLL: Duration = Duration::from_millis(5);

impl RaftSubmitter {
    async fn propose(&self, request: Vec<u8>) -> Result<TermIndex, Error> {
        let receipt = server::client_write(
            &self.context,
            WriteRequest {
                command: ConfigCommand(request),
            },
        )
        .await
        .map_err(|e| Error::Replication {
            reason: e.to_string(),
        })?;
        applied(receipt, &self.context.node)
    }
}

impl ConfigSubmitter for RaftSubmitter {
    fn submit(&self, request: Vec<u8>) -> Result<TermIndex, Error> {
        self.runtime.block_on(self.propose(request))
    }

    /// Proposes only while `writer`'s epoch is current, and stops waiting for the commit as
    /// soon as it ends: a service's `stop()` that waits on this save returns within a few ms
    /// of the node losing its leadership, not after the write timeout.
    fn submit_as(&self, request: Vec<u8>, writer: &EpochToken) -> Result<TermIndex, Error> {
        ensure_current(writer)?;
        self.runtime.block_on(async {
            tokio::select! {
                biased;
                result = self.propose(request) => match result {
                    // The proposal failed because the epoch ended while it was in flight (the
                    // process was paused, say, and a new leader took over): say so, as a save
                    // that starts after the end does.
                    Err(error) if !writer.is_current() => {
                        tracing::info!(node = self.context.id, epoch = writer.epoch().0, %error, "a write failed after its epoch ended");
                        Err(Error::EpochEnded { epoch: writer.epoch() })
                    }
                    other => other,
                },
                () = epoch_ended(writer) => {
                    tracing::info!(node = self.context.id, epoch = writer.epoch().0, "a write stopped waiting: its epoch ended");
                    Err(Error::EpochEnded { epoch: writer.epoch() })
                }
            }
        })
    }
}

async fn epoch_ended(writer: &EpochToken) {
    let mut tick = tokio::time::interval(EPOCH_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while writer.is_current() {
        tick.tick().await;
    }
}

/// The receipt of a write that was applied; every other answer as the error it is (a fresh
/// write that changed nothing is never reported saved).
pub fn applied(receipt: WriteReceipt, node: &Node) -> Result<TermIndex, Error> {
    match receipt.response {
        CommandResponse::Applied => Ok(receipt.entry),
        CommandResponse::AlreadyApplied => Err(Error::SubmissionNotApplied {
            term: receipt.entry.term,
            index: receipt.entry.index,
            last_index: node.last_applied_entry().index,
        }),
        CommandResponse::Fenced {
            service,
            writer_epoch,
            term,
        } => Err(Error::StaleWriterEpoch {
            name: service,
            writer_epoch,
            term,
            index: receipt.entry.index,
        }),
        CommandResponse::Refused { reason } => Err(Error::MalformedCommand {
            reason: format!("every peer refused the command: {reason}"),
        }),
        CommandResponse::Marker => Err(Error::SubmitFailed {
            reason: format!(
                "entry {} was applied as a marker, not as the configuration command submitted",
                receipt.entry.index
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(heartbeat: u64, election_min: u64, election_max: u64) -> RaftTimeouts {
        RaftTimeouts {
            heartbeat: Duration::from_millis(heartbeat),
            election_min: Duration::from_millis(election_min),
            election_max: Duration::from_millis(election_max),
        }
    }

    fn refused_field(timeouts: RaftTimeouts) -> &'static str {
        match timeouts.validate() {
            Err(Error::InvalidArgument { name, .. }) => name,
            other => panic!("{timeouts:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn timeouts_out_of_range_are_refused_naming_the_field() {
        RaftTimeouts::default().validate().unwrap();
        ms(1, 2, 2).validate().unwrap();
        ms(50, 250, 3_600_000).validate().unwrap();
        assert_eq!(refused_field(ms(0, 250, 500)), "raft timeout heartbeat");
        assert_eq!(refused_field(ms(250, 250, 500)), "raft timeout heartbeat");
        assert_eq!(refused_field(ms(50, 250, 200)), "raft timeout election_max");
        assert_eq!(
            refused_field(ms(50, 250, 3_600_001)),
            "raft timeout election_max"
        );
        assert_eq!(
            refused_field(ms(50, u64::MAX / 2, u64::MAX)),
            "raft timeout election_min"
        );
    }

    #[test]
    fn a_node_with_huge_timeouts_is_refused_before_anything_starts() {
        let mut options = RaftNodeOptions::new(1, "127.0.0.1:0", None);
        options.timeouts = ms(50, u64::MAX / 2, u64::MAX);
        match RaftNode::start(options) {
            Err(RaftError::Node(Error::InvalidArgument { name, .. })) => {
                assert_eq!(name, "raft timeout election_min")
            }
            Err(other) => panic!("refused for another reason: {other}"),
            Ok(_) => panic!("started with huge timeouts"),
        }
    }
}
