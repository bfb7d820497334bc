//! Several nodes of one cluster in this process: real TCP on 127.0.0.1 and real RocksDB, with
//! every data directory under one temporary directory, removed when the cluster is dropped.
//! For demonstrations (`omsvc demo`) and tests; a deployment runs one node per process.

use crate::{RaftError, RaftNode, RaftNodeOptions, RaftTimeouts};
use omsvc_core::Error;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Registers a node's services once the node has started (and before it is a member).
pub type Registrar = Box<dyn Fn(&RaftNode) -> Result<(), Error>>;

/// Nodes `1..=size` of the cluster `"omsvc"`, each with its data directory under one
/// temporary directory, kept across a node's restarts.
pub struct LocalCluster {
    /// Index `id - 1`; `None` once stopped. Before `dir`: fields drop in order, so the nodes
    /// shut down before their data directories are removed.
    nodes: Vec<Option<RaftNode>>,
    dir: tempfile::TempDir,
    timeouts: RaftTimeouts,
    snapshot_every: u64,
    registrar: Registrar,
}

impl std::fmt::Debug for LocalCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCluster")
            .field("nodes", &self.nodes)
            .field("dir", &self.dir)
            .field("timeouts", &self.timeouts)
            .field("snapshot_every", &self.snapshot_every)
            .finish_non_exhaustive()
    }
}

impl LocalCluster {
    /// The cluster name every node uses.
    pub const CLUSTER: &'static str = "omsvc";

    /// Starts nodes `1..=size` and lets `register` register each node's services. The cluster
    /// is not formed yet: call [`LocalCluster::initialize`].
    pub fn start(
        size: u64,
        timeouts: RaftTimeouts,
        snapshot_every: u64,
        register: impl Fn(&RaftNode) -> Result<(), Error> + 'static,
    ) -> Result<LocalCluster, RaftError> {
        let dir = tempfile::tempdir().map_err(|source| Error::Io {
            operation: "create a temp dir in",
            path: std::env::temp_dir(),
            source,
        })?;
        let mut cluster = LocalCluster {
            nodes: Vec::new(),
            dir,
            timeouts,
            snapshot_every,
            registrar: Box::new(register),
        };
        for id in 1..=size {
            cluster.start_node(id)?;
        }
        Ok(cluster)
    }

    /// Forms the cluster with every running node as a voter, through the lowest id.
    pub fn initialize(&self) -> Result<(), RaftError> {
        let members: BTreeMap<u64, String> = self
            .nodes()
            .map(|node| (node.id(), node.addr().to_owned()))
            .collect();
        let first = self.nodes().next().ok_or_else(|| Error::InvalidArgument {
            name: "cluster",
            reason: "no node is running to initialize the cluster through".to_owned(),
        })?;
        first.initialize(members)
    }

    /// The options node `id` starts with: its own data directory, the cluster's timings.
    pub fn options(&self, id: u64) -> RaftNodeOptions {
        let mut options = RaftNodeOptions::new(id, "127.0.0.1:0", Some(self.data_dir(id)));
        options.cluster = Self::CLUSTER.to_owned();
        options.timeouts = self.timeouts;
        options.snapshot_every = self.snapshot_every;
        options
    }

    /// The directory every node's data directory is in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Node `id`'s data directory.
    pub fn data_dir(&self, id: u64) -> PathBuf {
        self.dir.path().join(format!("n{id}"))
    }

    /// Starts node `id` on its data directory (a member only once the cluster is initialized
    /// with it or adds it) and registers its services.
    pub fn start_node(&mut self, id: u64) -> Result<&RaftNode, RaftError> {
        let slot = slot(id)?;
        if self.nodes.len() <= slot {
            self.nodes.resize_with(slot + 1, || None);
        }
        if self.nodes[slot].is_some() {
            return Err(Error::InvalidArgument {
                name: "id",
                reason: format!("node {id} is already running"),
            }
            .into());
        }
        let node = RaftNode::start(self.options(id))?;
        (self.registrar)(&node)?;
        Ok(self.nodes[slot].insert(node))
    }

    /// Shuts node `id` down (Raft, server, then its services); its data directory stays.
    /// False when it was not running.
    pub fn stop_node(&mut self, id: u64) -> bool {
        let node = slot(id)
            .ok()
            .and_then(|slot| self.nodes.get_mut(slot))
            .and_then(Option::take);
        match node {
            Some(node) => {
                node.shutdown();
                true
            }
            None => false,
        }
    }

    /// Node `id`, if running.
    pub fn node(&self, id: u64) -> Option<&RaftNode> {
        self.nodes.get(slot(id).ok()?).and_then(Option::as_ref)
    }

    /// The running nodes, by id.
    pub fn nodes(&self) -> impl Iterator<Item = &RaftNode> {
        self.nodes.iter().flatten()
    }

    /// The ids of the running nodes.
    pub fn ids(&self) -> Vec<u64> {
        self.nodes().map(RaftNode::id).collect()
    }
}

/// The most nodes one process holds: ids are 1 to this.
const MAX_NODES: u64 = 1000;

/// The index of node `id`.
fn slot(id: u64) -> Result<usize, Error> {
    if !(1..=MAX_NODES).contains(&id) {
        return Err(Error::InvalidArgument {
            name: "id",
            reason: format!("a local cluster's node ids are 1 to {MAX_NODES}, got {id}"),
        });
    }
    Ok((id - 1) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_runs_once_and_ids_start_at_one() {
        let mut cluster =
            LocalCluster::start(1, RaftTimeouts::default(), 1000, |_: &RaftNode| Ok(())).unwrap();
        assert_eq!(cluster.ids(), [1]);
        let again = cluster.start_node(1).unwrap_err();
        assert!(again.to_string().contains("already running"), "{again}");
        for id in [0, MAX_NODES + 1] {
            let error = cluster.start_node(id).unwrap_err();
            assert!(error.to_string().contains("node ids are 1 to"), "{error}");
            assert!(cluster.node(id).is_none() && !cluster.stop_node(id));
        }
        assert!(cluster.stop_node(1));
        assert!(!cluster.stop_node(1), "stopped already");
        assert!(cluster.data_dir(1).exists(), "its data directory stays");
        cluster.start_node(1).unwrap();
        assert_eq!(cluster.node(1).map(RaftNode::id), Some(1));
    }
}
