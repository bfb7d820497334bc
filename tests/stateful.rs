//! Stateful services across a group of nodes: configuration that survives failover
//! (DESIGN B6, B10, B11).

mod common;

use common::{eventually, Group, SETTLE};
use omsvc::{
    encode_set_request, EpochToken, RunControlledConfiguration, Service, ServiceError,
    ServiceOptions, ServiceWait, StatefulConfig,
};
use std::sync::{Arc, Mutex};

/// The configuration of a scanning service, like KeyLifecycleService's.
#[derive(Clone, PartialEq, prost::Message)]
struct ScanConfig {
    #[prost(bool, tag = "1")]
    suspended: bool,
    #[prost(string, tag = "2")]
    resume_from: String,
}

impl RunControlledConfiguration for ScanConfig {
    fn should_run(&self) -> bool {
        !self.suspended
    }
    fn set_should_run(&mut self, should_run: bool) {
        self.suspended = !should_run;
    }
}

/// Records, at each start, the epoch and the position it resumes from.
struct Scanner {
    config: StatefulConfig<ScanConfig>,
    starts: Mutex<Vec<(u64, String)>>,
}

impl Service for Scanner {
    fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
        let resume_from = self.config.read()?.unwrap_or_default().resume_from;
        self.starts
            .lock()
            .unwrap()
            .push((epoch.epoch(), resume_from));
        Ok(())
    }
    fn stop(&self) -> Result<(), ServiceError> {
        Ok(())
    }
    fn should_run(&self) -> Result<bool, ServiceError> {
        Ok(self.config.should_run()?)
    }
}

fn with_scanners(group: &Arc<Group>) -> Vec<Arc<Scanner>> {
    group
        .nodes
        .iter()
        .map(|node| {
            let config = node
                .stateful_config::<ScanConfig>("Scanner", group.submitter())
                .unwrap();
            let scanner = Arc::new(Scanner {
                config,
                starts: Mutex::new(Vec::new()),
            });
            node.register_shared("Scanner", scanner.clone(), ServiceOptions::default())
                .unwrap();
            scanner
        })
        .collect()
}

fn starts(scanner: &Scanner) -> Vec<(u64, String)> {
    scanner.starts.lock().unwrap().clone()
}

#[test]
fn b11_progress_the_leader_saved_is_where_the_next_leader_resumes() {
    let group = Group::new(3);
    let scanners = with_scanners(&group);
    let first = group.elect(0);
    group.settle();
    assert_eq!(starts(&scanners[0]), [(first, String::new())]);

    let progress = ScanConfig {
        suspended: false,
        resume_from: "/vol1/bucket7/key-00500".into(),
    };
    scanners[0].config.save(&progress).unwrap();

    let second = group.elect(2);
    group.settle();
    assert_eq!(
        starts(&scanners[2]),
        [(second, "/vol1/bucket7/key-00500".to_string())]
    );
    assert!(starts(&scanners[1]).is_empty());
    assert!(!group.nodes[0]
        .service_status("Scanner")
        .unwrap()
        .status
        .is_running());
}

#[test]
fn b6_configuration_committed_before_a_leader_change_is_what_the_new_leader_reads() {
    let group = Group::new(3);
    let scanners = with_scanners(&group);
    group.elect(0);
    group.settle();

    // om1 commits a new position at index 2 and steps down; om2 is elected in term 2 and
    // gets leader-ready before its asynchronous apply of entry 2 has finished (OM's race).
    let entry = encode_set_request(
        "Scanner",
        &prost::Message::encode_to_vec(&ScanConfig {
            suspended: false,
            resume_from: "key-900".into(),
        }),
    )
    .unwrap();
    group.nodes[0].apply_entry(1, 2, &entry).unwrap();
    group.nodes[0].not_leader(2);
    let om2 = &group.nodes[1];
    om2.leader_changed(2, Some("om2"));
    om2.leader_ready(2, 2);
    assert!(om2.wait_settled(SETTLE));
    assert_eq!(
        om2.service_status("Scanner").unwrap().waiting_for,
        Some(ServiceWait::Leadership(omsvc::Blocker::AwaitingBarrier {
            term: 2,
            barrier: 2,
            applied: 1
        }))
    );
    assert!(
        starts(&scanners[1]).is_empty(),
        "started before the barrier entry was applied"
    );

    om2.apply_entry(1, 2, &entry).unwrap();
    assert!(eventually(SETTLE, || !starts(&scanners[1]).is_empty()));
    assert_eq!(starts(&scanners[1]), [(2, "key-900".to_string())]);
}

#[test]
fn b10_step_down_keeps_configuration_and_a_user_stop_holds_across_leaders() {
    let group = Group::new(3);
    let scanners = with_scanners(&group);
    scanners[0]
        .config
        .save(&ScanConfig {
            suspended: false,
            resume_from: "key-1".into(),
        })
        .unwrap();
    group.elect(0);
    group.settle();
    let before = group.nodes[0].read_configuration("Scanner").unwrap();

    group.elect(1); // om1 steps down
    group.settle();
    for node in &group.nodes {
        assert_eq!(
            node.read_configuration("Scanner").unwrap(),
            before,
            "step-down changed persisted config"
        );
    }
    assert_eq!(starts(&scanners[1]).len(), 1);

    // The user stops the service on the current leader: "should not run" is persisted first,
    // then the leader's runner stops it.
    scanners[1].config.request_stop().unwrap();
    assert!(eventually(SETTLE, || !group.nodes[1]
        .service_status("Scanner")
        .unwrap()
        .status
        .is_running()));
    let stopped = scanners[1].config.read().unwrap().unwrap();
    assert_eq!(
        stopped,
        ScanConfig {
            suspended: true,
            resume_from: "key-1".into()
        }
    );

    for next in [2, 0] {
        group.elect(next);
        group.settle();
        let view = group.nodes[next].service_status("Scanner").unwrap();
        assert_eq!(
            view.waiting_for,
            Some(ServiceWait::ShouldRunFalse),
            "leader {next} restarted a stopped service"
        );
    }
    assert_eq!(starts(&scanners[2]).len(), 0);

    scanners[0].config.request_start().unwrap();
    assert!(eventually(SETTLE, || starts(&scanners[0]).len() == 2));
    assert_eq!(starts(&scanners[0]).last().unwrap().1, "key-1");
}

#[test]
fn a_single_node_saves_through_its_local_submitter() {
    let node = omsvc::Node::open(omsvc::NodeOptions::new(
        "solo",
        omsvc::DbLocation::Ephemeral,
    ))
    .unwrap();
    let config = node
        .stateful_config::<ScanConfig>("Scanner", node.local_submitter())
        .unwrap();
    assert_eq!(config.read().unwrap(), None);
    assert!(
        config.should_run().unwrap(),
        "with nothing saved, the default message decides"
    );
    let first = config
        .save(&ScanConfig {
            suspended: false,
            resume_from: "a".into(),
        })
        .unwrap();
    let second = config
        .save(&ScanConfig {
            suspended: false,
            resume_from: "b".into(),
        })
        .unwrap();
    assert_eq!(second.index, first.index + 1);
    assert_eq!(config.read().unwrap().unwrap().resume_from, "b");
    config.delete().unwrap();
    assert_eq!(config.read().unwrap(), None);
    assert!(matches!(
        node.stateful_config::<ScanConfig>("", node.local_submitter()),
        Err(omsvc::Error::InvalidServiceName { .. })
    ));
}

#[test]
fn a_stored_value_that_is_not_the_expected_message_is_a_clear_error() {
    let node = omsvc::Node::open(omsvc::NodeOptions::new(
        "solo",
        omsvc::DbLocation::Ephemeral,
    ))
    .unwrap();
    node.apply_entry(
        1,
        1,
        &encode_set_request("Scanner", &[0xff, 0xff, 0xff]).unwrap(),
    )
    .unwrap();
    let config = node
        .stateful_config::<ScanConfig>("Scanner", node.local_submitter())
        .unwrap();
    let err = config.read().unwrap_err();
    assert!(
        matches!(err, omsvc::Error::CorruptConfiguration { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("\"Scanner\""));
}
