//! openraft mode with real nodes in this process: real TCP on 127.0.0.1, real RocksDB.

use omsvc_core::{Error, ErrorKind, LogIndex};
use omsvc_raft::{ClientError, RaftClient, RaftError, RaftTimeouts};
use omsvc_testkit::poll::{wait_for_report, SETTLE};
use omsvc_testkit::raft_cluster::{Cluster, WAIT};
use omsvc_testkit::recording_service::{recorder, recorders};
use std::time::Duration;

#[test]
fn three_nodes_replicate_configuration_and_only_the_leader_runs_the_service() {
    let (by_node, factory) = recorders();
    let cluster = Cluster::start(3, RaftTimeouts::default(), 1000, factory);
    let (leader, _) = cluster.leader();
    let receipt = cluster
        .node(leader)
        .set("KeyLifecycleService", b"suspended")
        .unwrap();
    assert!(receipt.entry.index > LogIndex(0));
    for node in cluster.nodes() {
        wait_for_report(node, WAIT, |r| {
            r.last_applied_index() >= receipt.entry.index
        })
        .unwrap();
        assert_eq!(
            node.node()
                .read_configuration("KeyLifecycleService")
                .unwrap()
                .as_deref(),
            Some(&b"suspended"[..])
        );
    }
    for node in cluster.nodes() {
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
        let starts = recorder(&by_node, node.id()).starts();
        assert_eq!(
            starts.len(),
            usize::from(node.id() == leader),
            "node {} starts {starts:?}",
            node.id()
        );
    }

    let follower = (1..=3).find(|id| *id != leader).unwrap();
    match cluster.node(follower).set("KeyLifecycleService", b"x") {
        Err(RaftError::Request(ClientError::NotLeader {
            leader: Some(named),
            leader_addr: Some(addr),
            ..
        })) => {
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
    wait_for_report(cluster.node(follower), WAIT, |r| {
        r.last_applied_index() >= receipt.entry.index
    })
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

/// After `shutdown`, and for a request racing it, the node reports the one shutdown error
/// (`Error::ShutDown`, kind SHUT_DOWN), never openraft's own "stopped" text.
#[test]
fn requests_after_or_during_shutdown_report_shut_down() {
    let (_, factory) = recorders();
    let cluster = Cluster::start(1, RaftTimeouts::default(), 1000, factory);
    cluster.leader();
    let node = cluster.node(1);
    let outcomes = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut outcomes = Vec::new();
            for round in 0u32.. {
                let outcome = node.set("Racer", &round.to_be_bytes());
                let failed = outcome.is_err();
                outcomes.push(outcome.map(|_| ()));
                if failed {
                    return outcomes;
                }
            }
            unreachable!()
        });
        std::thread::sleep(Duration::from_millis(200));
        node.shutdown();
        writer.join().unwrap()
    });
    assert!(outcomes.len() > 1, "no write committed before the shutdown");
    let last = outcomes.last().unwrap();
    assert!(
        matches!(last, Err(RaftError::Node(Error::ShutDown))),
        "a write racing the shutdown must fail as shut down; saw {last:?}"
    );

    assert!(node.is_shut_down());
    let after: Vec<(&str, Result<(), RaftError>)> = vec![
        ("set", node.set("Late", b"x").map(|_| ())),
        ("delete", node.delete("Late").map(|_| ())),
        ("trigger_election", node.trigger_election()),
        (
            "initialize",
            node.initialize([(1, node.addr().to_owned())].into()),
        ),
        ("serve_http", node.serve_http("127.0.0.1:0").map(|_| ())),
    ];
    for (call, outcome) in after {
        match outcome {
            Err(RaftError::Node(error)) => assert_eq!(
                error.kind(),
                ErrorKind::ShutDown,
                "{call} after shutdown: {error}"
            ),
            other => panic!("{call} after shutdown must fail as shut down; saw {other:?}"),
        }
    }
    node.shutdown(); // twice is fine
}
