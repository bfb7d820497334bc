//! openraft mode with real nodes in this process: real TCP on 127.0.0.1, real RocksDB.

mod common;

use common::{Recorder, SETTLE};
use omsvc_core::ServiceOptions;
use omsvc_raft::{ClientError, RaftClient, RaftNode, RaftNodeOptions};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

struct Cluster {
    _dir: tempfile::TempDir,
    nodes: Vec<Option<RaftNode>>,
    recorders: Vec<Arc<Recorder>>,
}

impl Cluster {
    fn start(size: u64) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut nodes = Vec::new();
        let mut recorders = Vec::new();
        for id in 1..=size {
            let node = RaftNode::start(RaftNodeOptions::new(
                id,
                "127.0.0.1:0",
                Some(dir.path().join(format!("n{id}"))),
            ))
            .unwrap();
            let recorder = Recorder::new(&format!("svc@{id}"), log.clone());
            node.node()
                .register_shared("Scanner", recorder.clone(), ServiceOptions::default())
                .unwrap();
            nodes.push(Some(node));
            recorders.push(recorder);
        }
        let members: BTreeMap<u64, String> = nodes
            .iter()
            .flatten()
            .map(|n| (n.id(), n.addr().to_owned()))
            .collect();
        nodes[0].as_ref().unwrap().initialize(members).unwrap();
        Cluster {
            _dir: dir,
            nodes,
            recorders,
        }
    }

    fn node(&self, id: u64) -> &RaftNode {
        self.nodes[(id - 1) as usize]
            .as_ref()
            .expect("node is running")
    }

    /// The id every live node agrees leads, once one leads with its service running.
    fn leader(&self) -> u64 {
        let first = self.nodes.iter().flatten().next().unwrap();
        let report = first
            .wait_for(WAIT, |r| r.leader.is_some())
            .expect("no leader elected");
        let leader = report.leader.unwrap();
        self.node(leader)
            .wait_for(WAIT, |r| r.services.iter().all(|s| s.status == "RUNNING"))
            .unwrap_or_else(|r| panic!("leader {leader}'s service did not start: {r:?}"));
        leader
    }
}

#[test]
fn three_nodes_replicate_configuration_and_only_the_leader_runs_the_service() {
    let cluster = Cluster::start(3);
    let leader = cluster.leader();
    let receipt = cluster
        .node(leader)
        .set("KeyLifecycleService", b"suspended")
        .unwrap();
    assert!(receipt.index > 0);
    for node in cluster.nodes.iter().flatten() {
        node.wait_for(WAIT, |r| r.last_applied_index >= receipt.index)
            .unwrap();
        assert_eq!(
            node.node()
                .read_configuration("KeyLifecycleService")
                .unwrap()
                .as_deref(),
            Some(&b"suspended"[..])
        );
    }
    for node in cluster.nodes.iter().flatten() {
        assert!(node.node().wait_settled(SETTLE));
        let running = node
            .node()
            .service_status("Scanner")
            .unwrap()
            .status
            .is_running();
        assert_eq!(
            running,
            node.id() == leader,
            "node {} running={running}",
            node.id()
        );
        let starts = cluster.recorders[(node.id() - 1) as usize].starts();
        assert_eq!(
            starts.len(),
            usize::from(node.id() == leader),
            "node {} starts {starts:?}",
            node.id()
        );
    }

    let follower = (1..=3).find(|id| *id != leader).unwrap();
    match cluster.node(follower).set("KeyLifecycleService", b"x") {
        Err(ClientError::NotLeader {
            leader: Some(named),
            leader_addr: Some(addr),
            ..
        }) => {
            assert_eq!(named, leader);
            assert_eq!(addr, cluster.node(leader).addr());
        }
        other => panic!("a follower accepted or failed oddly: {other:?}"),
    }

    // Through the TCP client: a write sent to a follower follows it to the leader.
    let mut client = RaftClient::new(
        cluster.node(follower).addr(),
        "omsvc",
        Duration::from_secs(5),
    )
    .unwrap();
    let receipt = client
        .write(omsvc_core::encode_set_request("Trash", b"bucket-7").unwrap())
        .unwrap();
    cluster
        .node(follower)
        .wait_for(WAIT, |r| r.last_applied_index >= receipt.index)
        .unwrap();
    assert_eq!(
        client.read("Trash").unwrap().as_deref(),
        Some(&b"bucket-7"[..])
    );
    assert_eq!(
        cluster
            .node(follower)
            .node()
            .read_configuration("Trash")
            .unwrap()
            .as_deref(),
        Some(&b"bucket-7"[..])
    );
}
