//! omsvc-raft's [`LocalCluster`] for tests: each node with one registered service, steps
//! that panic with what they expected, and observations of which nodes run that service in
//! which epoch.

use crate::poll::poll_every;
use omsvc_core::proto::raft_node_status::ServerState;
use omsvc_core::proto::service_status::State;
use omsvc_core::proto::ServiceStatus;
use omsvc_core::{Error, Service, ServiceOptions};
use omsvc_raft::{
    LocalCluster, NodeReport, RaftClient, RaftError, RaftNode, RaftNodeOptions, RaftTimeouts,
    WriteReceipt,
};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The cluster name every helper node uses.
pub const CLUSTER: &str = LocalCluster::CLUSTER;
/// The name the per-node service is registered under.
pub const SERVICE: &str = "Scanner";
/// How long any single wait may take: generous, for a loaded 2-core machine.
pub const WAIT: Duration = Duration::from_secs(20);

/// A [`LocalCluster`] for tests: its steps panic with what they expected, and it observes
/// which nodes run [`SERVICE`] in which epoch.
#[derive(Debug)]
pub struct Cluster {
    local: LocalCluster,
}

impl Cluster {
    /// Starts nodes 1..=size, registers `factory(id)` as [`SERVICE`] on each, and initializes
    /// the cluster with all of them as voters (through node 1). Panics if any step fails.
    pub fn start(
        size: u64,
        timeouts: RaftTimeouts,
        snapshot_every: u64,
        factory: impl Fn(u64) -> Arc<dyn Service> + 'static,
    ) -> Cluster {
        let register = move |node: &RaftNode| {
            node.node()
                .register_shared(SERVICE, factory(node.id()), ServiceOptions::default())
        };
        let cluster = Cluster::try_start_nodes(size, timeouts, snapshot_every, register)
            .unwrap_or_else(|e| panic!("expected {size} nodes to start with {SERVICE}, got {e}"));
        cluster
            .initialize()
            .unwrap_or_else(|e| panic!("expected the cluster to initialize, got {e}"));
        cluster
    }

    /// Starts nodes 1..=size and lets `register` register each node's services; the cluster
    /// is not initialized yet ([`Cluster::initialize`]).
    pub fn try_start_nodes(
        size: u64,
        timeouts: RaftTimeouts,
        snapshot_every: u64,
        register: impl Fn(&RaftNode) -> Result<(), Error> + 'static,
    ) -> Result<Cluster, RaftError> {
        let local = LocalCluster::start(size, timeouts, snapshot_every, register)?;
        Ok(Cluster { local })
    }

    /// Initializes the cluster with every running node as a voter.
    pub fn initialize(&self) -> Result<(), RaftError> {
        self.local.initialize()
    }

    /// The options node `id` starts with: its own data dir under the cluster's temp dir.
    pub fn options(&self, id: u64) -> RaftNodeOptions {
        self.local.options(id)
    }

    /// Node `id`'s data directory.
    pub fn data_dir(&self, id: u64) -> PathBuf {
        self.local.data_dir(id)
    }

    /// Starts node `id` (not yet a member unless the cluster is initialized with it) and
    /// registers its services; panics if either fails.
    pub fn start_node(&mut self, id: u64) -> &RaftNode {
        self.try_start_node(id)
            .unwrap_or_else(|e| panic!("expected node {id} to start with its services, got {e}"))
    }

    /// [`Cluster::start_node`], returning the error instead.
    pub fn try_start_node(&mut self, id: u64) -> Result<&RaftNode, RaftError> {
        self.local.start_node(id)
    }

    /// Shuts node `id` down (Raft, server, then its services) and forgets it; its data
    /// directory stays. Panics if it is not running.
    pub fn stop_node(&mut self, id: u64) {
        assert!(self.local.stop_node(id), "node {id} is not running");
    }

    /// Node `id`; panics if it is not running.
    pub fn node(&self, id: u64) -> &RaftNode {
        self.local
            .node(id)
            .unwrap_or_else(|| panic!("node {id} is not running"))
    }

    /// The running nodes, by id.
    pub fn nodes(&self) -> impl Iterator<Item = &RaftNode> {
        self.local.nodes()
    }

    /// The ids of the running nodes.
    pub fn ids(&self) -> Vec<u64> {
        self.local.ids()
    }

    /// Which nodes report [`SERVICE`] RUNNING, and in which epoch, as (node, epoch). Panics if
    /// two nodes report it RUNNING in the same epoch (docs/design.md B13): an epoch is a term,
    /// and a term has one leader.
    pub fn running(&self) -> Vec<(u64, u64)> {
        let reports: Vec<NodeReport> = self.nodes().map(RaftNode::report).collect();
        let mut running = Vec::new();
        let mut by_epoch: BTreeMap<u64, u64> = BTreeMap::new();
        for report in &reports {
            let Some(service) = report.service(SERVICE) else {
                continue;
            };
            if service.state() != State::Running {
                continue;
            }
            let epoch = service.epoch.unwrap_or_else(|| {
                panic!(
                    "expected node {} to report the epoch its RUNNING service runs in, \
                     saw {service:?}",
                    report.id()
                )
            });
            if let Some(other) = by_epoch.insert(epoch, report.id()) {
                panic!(
                    "expected at most one node RUNNING {SERVICE} in epoch {epoch}, saw nodes \
                     {other} and {} both RUNNING it; reports: {reports:#?}",
                    report.id()
                );
            }
            running.push((report.id(), epoch));
        }
        running
    }

    /// Polls [`Cluster::running`] (so every poll checks B13) until one (node, epoch) satisfies
    /// `wanted`; on timeout, panics naming `what` and the last observation.
    pub fn wait_for_runner(
        &self,
        timeout: Duration,
        what: &str,
        wanted: impl Fn(u64, u64) -> bool,
    ) -> (u64, u64) {
        poll_every(Duration::from_millis(5), timeout, || {
            let running = self.running();
            running
                .iter()
                .copied()
                .find(|(n, e)| wanted(*n, *e))
                .ok_or_else(|| format!("{running:?}"))
        })
        .unwrap_or_else(|running| {
            let reports: Vec<NodeReport> = self.nodes().map(RaftNode::report).collect();
            panic!(
                "expected {what} within {timeout:?}; saw RUNNING (node, epoch) {running}; \
                 reports: {reports:#?}"
            )
        })
    }

    /// Polls every node (checking B13 each time) until `condition` holds for node `id`'s
    /// report; on timeout, panics naming `what` and that node's last report.
    pub fn wait_for_node(
        &self,
        id: u64,
        timeout: Duration,
        what: &str,
        condition: impl Fn(&NodeReport) -> bool,
    ) -> NodeReport {
        poll_every(Duration::from_millis(5), timeout, || {
            self.running();
            let report = self.node(id).report();
            if condition(&report) {
                Ok(report)
            } else {
                Err(format!("{report:#?}"))
            }
        })
        .unwrap_or_else(|report| {
            panic!("expected {what} within {timeout:?}; node {id} reports {report}")
        })
    }

    /// The node that leads and runs the service once the cluster settles: (node, epoch).
    pub fn leader(&self) -> (u64, u64) {
        let (leader, epoch) =
            self.wait_for_runner(WAIT, "some node to run the service", |_, _| true);
        let report = self.node(leader).report();
        assert_eq!(
            (report.server_state(), report.term()),
            (ServerState::Leader, omsvc_core::Term(epoch)),
            "expected the node running the service in epoch {epoch} to lead in that term, \
             saw {report:#?}"
        );
        (leader, epoch)
    }

    /// The service entry of node `id`'s report.
    pub fn service(&self, id: u64) -> ServiceStatus {
        let report = self.node(id).report();
        report
            .service(SERVICE)
            .cloned()
            .unwrap_or_else(|| panic!("expected node {id} to report {SERVICE}, saw {report:#?}"))
    }

    /// Writes through whichever node leads, retrying while leadership moves, until it commits.
    pub fn write(
        &self,
        what: &str,
        write: impl Fn(&RaftNode) -> Result<WriteReceipt, RaftError>,
    ) -> WriteReceipt {
        poll_every(Duration::from_millis(20), WAIT, || {
            let leader = self
                .nodes()
                .map(RaftNode::report)
                .find(|r| r.server_state() == ServerState::Leader)
                .map(|r| r.id());
            match leader.map(|id| write(self.node(id))) {
                Some(Ok(receipt)) => Ok(receipt),
                Some(Err(error)) => Err(error.to_string()),
                None => Err("no node leads".to_owned()),
            }
        })
        .unwrap_or_else(|error| {
            panic!("expected {what} to commit within {WAIT:?}; the last attempt saw: {error}")
        })
    }

    /// Adds node `id` at `addr` as a voter through whichever node leads (by a client over TCP,
    /// as an operator would), retrying every 100 ms while that fails, for up to [`WAIT`].
    pub fn add_member(&self, id: u64, addr: &str) {
        poll_every(Duration::from_millis(100), WAIT, || {
            let (leader, _) = self.leader();
            let mut client = RaftClient::new(self.node(leader).addr(), CLUSTER, WAIT)
                .unwrap_or_else(|e| panic!("expected a client of node {leader}, got {e}"));
            client.add_member(id, addr).map_err(|error| {
                let error = format!("node {leader} answered {error}");
                println!("adding node {id} at {addr} failed, retrying: {error}");
                error
            })
        })
        .unwrap_or_else(|error| {
            panic!("expected node {id} at {addr} to be added within {WAIT:?}; the last attempt: {error}")
        })
    }

    /// Sets a configuration through the leader; see [`Cluster::write`].
    pub fn set(&self, name: &str, value: &[u8]) -> WriteReceipt {
        self.write(&format!("set {name:?}"), |node| node.set(name, value))
    }

    /// Waits until every running node has applied at least `index`.
    pub fn wait_applied(&self, index: u64) {
        for id in self.ids() {
            self.wait_for_node(
                id,
                WAIT,
                &format!("node {id} to apply index {index}"),
                |r| r.last_applied_index() >= omsvc_core::LogIndex(index),
            );
        }
    }
}
