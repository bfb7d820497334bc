//! [`RaftNode`]: one replicated node — the core node (services and configuration table),
//! openraft, the TCP server and the leadership watch — behind a synchronous API that owns its
//! tokio runtime, for the CLI, the C ABI and Rust hosts that are not async.

use super::connections::ConnectionLimits;
use super::election_gate::{ElectionGate, ElectionTiming};
use super::leadership_watch;
use super::log_store::LogStore;
use super::network::{FaultSwitch, Network};
use super::rpc::{ClientError, NodeReport, WriteReceipt, WriteRequest};
use super::server::{self, ServerContext};
use super::state_machine::StateMachine;
use super::types::{ConfigCommand, Raft, RaftNodeId};
use crate::core::config::{encode_delete_request, encode_set_request, TableOptions};
use crate::core::error::Error;
use crate::core::node::{DbLocation, Node, NodeOptions};
use crate::core::stateful::{ConfigSubmitter, SubmitReceipt};
use openraft::{BasicNode, Config, SnapshotPolicy};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Raft timing. In openraft 0.9 a follower waits out the leader lease (`election_max`) and
/// then its own election timeout, so failover takes about `election_max` plus an election
/// timeout (under 1 s with the defaults). A write that has not committed after ten
/// `election_max` fails with an error saying so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaftTimeouts {
    pub heartbeat: Duration,
    pub election_min: Duration,
    pub election_max: Duration,
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaftNodeOptions {
    pub id: RaftNodeId,
    /// Address to listen on, e.g. "127.0.0.1:7001" ("127.0.0.1:0": any free port).
    pub listen: String,
    /// Holds `table/` (the configuration table) and `raft/` (log and vote). None: a temporary
    /// directory removed when the node is dropped.
    pub data_dir: Option<PathBuf>,
    /// Nodes refuse frames of another cluster, and data directories of another cluster.
    pub cluster: String,
    pub timeouts: RaftTimeouts,
    /// Take a snapshot (and purge the log before it) every this many entries.
    pub snapshot_every: u64,
    /// What inbound connections may take.
    pub connection_limits: ConnectionLimits,
}

impl RaftNodeOptions {
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

pub struct RaftNode {
    context: Arc<ServerContext>,
    runtime: tokio::runtime::Runtime,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    _ephemeral_dir: Option<tempfile::TempDir>,
}

impl RaftNode {
    pub fn start(options: RaftNodeOptions) -> Result<RaftNode, Error> {
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
        let table = TableOptions {
            sync_writes: true,
            create_if_missing: true,
        };
        let node = Arc::new(Node::open(NodeOptions {
            self_id: id.to_string(),
            db: DbLocation::Dir(data_dir.join("table")),
            table,
        })?);
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
        .map_err(|e| Error::Replication {
            reason: format!("invalid raft timeouts {timeouts:?}: {e}"),
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
                raft,
                node,
                id,
                timeouts.heartbeat,
                timeouts.election_max,
            )),
        ];
        tracing::info!(node = id, addr = %context.addr, data = %data_dir.display(), "raft node started");
        Ok(RaftNode {
            context,
            runtime,
            tasks,
            _ephemeral_dir: ephemeral_dir,
        })
    }

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
    pub fn initialize(&self, members: BTreeMap<RaftNodeId, String>) -> Result<(), ClientError> {
        if !members.contains_key(&self.id()) {
            return Err(ClientError::Refused(format!(
                "initialize must name this node ({}) among the members, with its address; got {:?}",
                self.id(),
                members.keys().collect::<Vec<_>>()
            )));
        }
        let members: BTreeMap<_, _> = members
            .into_iter()
            .map(|(id, addr)| (id, BasicNode { addr }))
            .collect();
        self.runtime
            .block_on(self.context.raft.initialize(members))
            .map_err(|e| ClientError::Raft(e.to_string()))
    }

    /// Proposes a configuration command; only the leader accepts (the error names it).
    pub fn write(&self, command: Vec<u8>) -> Result<WriteReceipt, ClientError> {
        self.runtime.block_on(server::client_write(
            &self.context,
            WriteRequest {
                command: ConfigCommand(command),
            },
        ))
    }

    pub fn set(&self, name: &str, value: &[u8]) -> Result<WriteReceipt, ClientError> {
        let command =
            encode_set_request(name, value).map_err(|e| ClientError::Refused(e.to_string()))?;
        self.write(command)
    }

    pub fn delete(&self, name: &str) -> Result<WriteReceipt, ClientError> {
        let command =
            encode_delete_request(name).map_err(|e| ClientError::Refused(e.to_string()))?;
        self.write(command)
    }

    pub fn report(&self) -> NodeReport {
        server::report(&self.context)
    }

    /// Asks this node to start an election now (openraft 0.9 has no directed leadership
    /// transfer: this is how a leader is moved, and it is not guaranteed to win).
    pub fn trigger_election(&self) -> Result<(), ClientError> {
        self.runtime
            .block_on(self.context.raft.trigger().elect())
            .map_err(|e| ClientError::Raft(e.to_string()))
    }

    /// A submitter for stateful services: proposes through this node (which must lead).
    pub fn submitter(&self) -> Arc<dyn ConfigSubmitter> {
        Arc::new(RaftSubmitter {
            context: self.context.clone(),
            runtime: self.runtime.handle().clone(),
        })
    }

    /// Fault injection for tests: isolate this node's Raft traffic (a partition around it).
    pub fn fault_switch(&self) -> &FaultSwitch {
        &self.context.fault
    }

    /// Waits until this node's state matches `condition`; on timeout, the last report.
    pub fn wait_for(
        &self,
        timeout: Duration,
        condition: impl Fn(&NodeReport) -> bool,
    ) -> Result<NodeReport, Box<NodeReport>> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let report = self.report();
            if condition(&report) {
                return Ok(report);
            }
            if std::time::Instant::now() >= deadline {
                return Err(Box::new(report));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops Raft and the server, then the services (reverse registration order).
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Err(error) = self.runtime.block_on(self.context.raft.shutdown()) {
            tracing::warn!(node = self.context.id, %error, "raft shutdown reported an error");
        }
        for task in self.tasks.drain(..) {
            task.abort();
        }
        self.context.node.shutdown();
    }
}

impl Drop for RaftNode {
    fn drop(&mut self) {
        if !self.tasks.is_empty() {
            self.stop();
        }
    }
}

struct RaftSubmitter {
    context: Arc<ServerContext>,
    runtime: tokio::runtime::Handle,
}

impl ConfigSubmitter for RaftSubmitter {
    fn submit(&self, request: Vec<u8>) -> Result<SubmitReceipt, Error> {
        let receipt = self
            .runtime
            .block_on(server::client_write(
                &self.context,
                WriteRequest {
                    command: ConfigCommand(request),
                },
            ))
            .map_err(|e| Error::Replication {
                reason: e.to_string(),
            })?;
        match receipt.response {
            super::types::CommandResponse::Refused { reason } => Err(Error::Replication { reason }),
            _ => Ok(SubmitReceipt {
                term: receipt.term,
                index: receipt.index,
            }),
        }
    }
}
