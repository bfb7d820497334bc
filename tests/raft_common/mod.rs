//! Helpers for the openraft-mode tests: a cluster of real `RaftNode`s in this process (real
//! TCP on 127.0.0.1, real RocksDB in a temp dir), each with one registered service, and
//! observations of which nodes run that service in which epoch.
//!
//! Use with `mod raft_common;` from a test file.

#![allow(dead_code)]

use omsvc_core::{Service, ServiceOptions};
use omsvc_raft::{ClientError, NodeReport, RaftNode, RaftNodeOptions, RaftTimeouts, WriteReceipt};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The cluster name every helper node uses.
pub const CLUSTER: &str = "omsvc";
/// The name the per-node service is registered under.
pub const SERVICE: &str = "Scanner";
/// How long any single wait may take: generous, for a loaded 2-core machine.
pub const WAIT: Duration = Duration::from_secs(20);
/// Short Raft timings so failovers take well under a second.
pub const FAST: RaftTimeouts = RaftTimeouts {
    heartbeat: Duration::from_millis(50),
    election_min: Duration::from_millis(150),
    election_max: Duration::from_millis(300),
};

/// Serializes the cluster tests of one test binary: several 3-node clusters with short
/// election timeouts side by side on 2 cores cause spurious elections and slow every test.
pub fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Makes the service a node registers, given the node id.
pub type ServiceFactory = Box<dyn Fn(u64) -> Arc<dyn Service>>;

pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub timeouts: RaftTimeouts,
    pub snapshot_every: u64,
    /// Index `id - 1`; None once shut down.
    nodes: Vec<Option<RaftNode>>,
    factory: ServiceFactory,
}

impl Cluster {
    /// Starts nodes 1..=size, registers `factory(id)` as [`SERVICE`] on each, and initializes
    /// the cluster with all of them as voters (through node 1).
    pub fn start(
        size: u64,
        timeouts: RaftTimeouts,
        snapshot_every: u64,
        factory: impl Fn(u64) -> Arc<dyn Service> + 'static,
    ) -> Cluster {
        let mut cluster = Cluster {
            dir: tempfile::tempdir().expect("a temp dir for the cluster"),
            timeouts,
            snapshot_every,
            nodes: Vec::new(),
            factory: Box::new(factory),
        };
        for id in 1..=size {
            cluster.start_node(id);
        }
        let members: BTreeMap<u64, String> = cluster
            .nodes()
            .map(|node| (node.id(), node.addr().to_owned()))
            .collect();
        cluster
            .node(1)
            .initialize(members.clone())
            .unwrap_or_else(|e| panic!("expected initialize({members:?}) to succeed, got {e}"));
        cluster
    }

    /// The options node `id` starts with: its own data dir under the cluster's temp dir.
    pub fn options(&self, id: u64) -> RaftNodeOptions {
        let mut options = RaftNodeOptions::new(id, "127.0.0.1:0", Some(self.data_dir(id)));
        options.cluster = CLUSTER.to_owned();
        options.timeouts = self.timeouts;
        options.snapshot_every = self.snapshot_every;
        options
    }

    pub fn data_dir(&self, id: u64) -> PathBuf {
        self.dir.path().join(format!("n{id}"))
    }

    /// Starts node `id` (not yet a member unless the cluster is initialized with it).
    pub fn start_node(&mut self, id: u64) -> &RaftNode {
        let node = RaftNode::start(self.options(id))
            .unwrap_or_else(|e| panic!("expected node {id} to start, got {e}"));
        node.node()
            .register_shared(SERVICE, (self.factory)(id), ServiceOptions::default())
            .unwrap_or_else(|e| panic!("expected {SERVICE} to register on node {id}, got {e}"));
        let slot = (id - 1) as usize;
        if self.nodes.len() <= slot {
            self.nodes.resize_with(slot + 1, || None);
        }
        assert!(self.nodes[slot].is_none(), "node {id} is already running");
        self.nodes[slot] = Some(node);
        self.node(id)
    }

    pub fn node(&self, id: u64) -> &RaftNode {
        self.nodes
            .get((id - 1) as usize)
            .and_then(Option::as_ref)
            .unwrap_or_else(|| panic!("node {id} is not running"))
    }

    pub fn nodes(&self) -> impl Iterator<Item = &RaftNode> {
        self.nodes.iter().flatten()
    }

    pub fn ids(&self) -> Vec<u64> {
        self.nodes().map(RaftNode::id).collect()
    }

    /// Which nodes report [`SERVICE`] RUNNING, and in which epoch, as (node, epoch). Panics if
    /// two nodes report it RUNNING in the same epoch (docs/design.md B13): an epoch is a term,
    /// and a term has one leader.
    pub fn running(&self) -> Vec<(u64, u64)> {
        let reports: Vec<NodeReport> = self.nodes().map(RaftNode::report).collect();
        let mut running = Vec::new();
        let mut by_epoch: BTreeMap<u64, u64> = BTreeMap::new();
        for report in &reports {
            let Some(service) = report.services.iter().find(|s| s.name == SERVICE) else {
                continue;
            };
            if service.status != "RUNNING" {
                continue;
            }
            let epoch = service.epoch.unwrap_or_else(|| {
                panic!(
                    "expected node {} to report the epoch its RUNNING service runs in, \
                     saw {service:?}",
                    report.id
                )
            });
            if let Some(other) = by_epoch.insert(epoch, report.id) {
                panic!(
                    "expected at most one node RUNNING {SERVICE} in epoch {epoch}, saw nodes \
                     {other} and {} both RUNNING it; reports: {reports:#?}",
                    report.id
                );
            }
            running.push((report.id, epoch));
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
        let deadline = Instant::now() + timeout;
        loop {
            let running = self.running();
            if let Some(found) = running.iter().copied().find(|(n, e)| wanted(*n, *e)) {
                return found;
            }
            if Instant::now() >= deadline {
                let reports: Vec<NodeReport> = self.nodes().map(RaftNode::report).collect();
                panic!(
                    "expected {what} within {timeout:?}; saw RUNNING (node, epoch) {running:?}; \
                     reports: {reports:#?}"
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
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
        let deadline = Instant::now() + timeout;
        loop {
            self.running();
            let report = self.node(id).report();
            if condition(&report) {
                return report;
            }
            if Instant::now() >= deadline {
                panic!("expected {what} within {timeout:?}; node {id} reports {report:#?}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The node that leads and runs the service once the cluster settles: (node, epoch).
    pub fn leader(&self) -> (u64, u64) {
        let (leader, epoch) =
            self.wait_for_runner(WAIT, "some node to run the service", |_, _| true);
        let report = self.node(leader).report();
        assert_eq!(
            (report.state.as_str(), report.term),
            ("Leader", epoch),
            "expected the node running the service in epoch {epoch} to lead in that term, \
             saw {report:#?}"
        );
        (leader, epoch)
    }

    /// The service entry of node `id`'s report.
    pub fn service(&self, id: u64) -> omsvc_raft::rpc::ServiceReport {
        let report = self.node(id).report();
        report
            .services
            .iter()
            .find(|s| s.name == SERVICE)
            .cloned()
            .unwrap_or_else(|| panic!("expected node {id} to report {SERVICE}, saw {report:#?}"))
    }

    /// Writes through whichever node leads, retrying while leadership moves, until it commits.
    pub fn write(
        &self,
        what: &str,
        write: impl Fn(&RaftNode) -> Result<WriteReceipt, ClientError>,
    ) -> WriteReceipt {
        let deadline = Instant::now() + WAIT;
        loop {
            let leader = self
                .nodes()
                .map(RaftNode::report)
                .find(|r| r.state == "Leader")
                .map(|r| r.id);
            let error = match leader.map(|id| write(self.node(id))) {
                Some(Ok(receipt)) => return receipt,
                Some(Err(error)) => error.to_string(),
                None => "no node leads".to_owned(),
            };
            if Instant::now() >= deadline {
                panic!("expected {what} to commit within {WAIT:?}; the last attempt saw: {error}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
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
                |r| r.last_applied_index >= index,
            );
        }
    }
}
