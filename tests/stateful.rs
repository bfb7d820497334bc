//! Stateful services across a group of nodes: configuration that survives failover
//! (docs/design.md B6, B10, B11).

use omsvc_core::{
    encode_set_request, EpochToken, RunControlledConfiguration, Service, ServiceError,
    ServiceOptions, ServiceWait, StatefulConfig,
};
use omsvc_core::{LogIndex, Term};
use omsvc_testkit::poll::{eventually, SETTLE};
use omsvc_testkit::replicated_group::Group;
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
}

/// Records, at each start, the epoch and the position it resumes from.
struct Scanner {
    config: StatefulConfig<ScanConfig>,
    starts: Mutex<Vec<(u64, String)>>,
    /// The token of the last start: what the service saves with.
    token: Mutex<Option<EpochToken>>,
}

impl Scanner {
    /// Saves as the service does, stamped with the epoch of its last start.
    fn save(&self, progress: &ScanConfig) -> Result<omsvc_core::TermIndex, omsvc_core::Error> {
        let token = self.token.lock().unwrap().clone().expect("started once");
        self.config.save(&token, progress)
    }
}

impl Service for Scanner {
    fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
        let resume_from = self.config.read()?.unwrap_or_default().resume_from;
        self.starts
            .lock()
            .unwrap()
            .push((epoch.epoch().0, resume_from));
        *self.token.lock().unwrap() = Some(epoch);
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
                token: Mutex::new(None),
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
fn progress_the_leader_saved_is_where_the_next_leader_resumes() {
    let group = Group::new(3);
    let scanners = with_scanners(&group);
    let first = group.elect(0);
    group.settle();
    assert_eq!(starts(&scanners[0]), [(first, String::new())]);

    let progress = ScanConfig {
        suspended: false,
        resume_from: "/vol1/bucket7/key-00500".into(),
    };
    scanners[0].save(&progress).unwrap();

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
fn configuration_committed_before_a_leader_change_is_what_the_new_leader_reads() {
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
    group.nodes[0]
        .apply_entry(Term(1), LogIndex(2), &entry)
        .unwrap();
    group.nodes[0].not_leader(Term(2));
    let om2 = &group.nodes[1];
    om2.leader_changed(Term(2), Some("om2"));
    om2.leader_ready(Term(2), LogIndex(2));
    assert!(om2.wait_settled(SETTLE));
    assert_eq!(
        om2.service_status("Scanner").unwrap().waiting_for,
        Some(ServiceWait::Leadership(
            omsvc_core::Blocker::AwaitingBarrier {
                term: Term(2),
                barrier: LogIndex(2),
                applied: LogIndex(1)
            }
        ))
    );
    assert!(
        starts(&scanners[1]).is_empty(),
        "started before the barrier entry was applied"
    );

    om2.apply_entry(Term(1), LogIndex(2), &entry).unwrap();
    assert!(eventually(SETTLE, || !starts(&scanners[1]).is_empty()));
    assert_eq!(starts(&scanners[1]), [(2, "key-900".to_string())]);
}

#[test]
fn step_down_keeps_configuration_and_a_user_stop_holds_across_leaders() {
    let group = Group::new(3);
    let scanners = with_scanners(&group);
    scanners[0]
        .config
        .save_as_operator(&ScanConfig {
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
    assert_eq!(
        scanners[1].config.read().unwrap().unwrap(),
        ScanConfig {
            suspended: false,
            resume_from: "key-1".into()
        },
        "a user's stop lives in its own record and leaves the configuration as it was"
    );
    for node in &group.nodes {
        assert_eq!(node.read_run_control("Scanner").unwrap(), Some(false));
    }

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
    let node = omsvc_core::Node::open(omsvc_core::NodeOptions::new(
        "solo",
        omsvc_core::DbLocation::Ephemeral,
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
        .save_as_operator(&ScanConfig {
            suspended: false,
            resume_from: "a".into(),
        })
        .unwrap();
    let second = config
        .save_as_operator(&ScanConfig {
            suspended: false,
            resume_from: "b".into(),
        })
        .unwrap();
    assert_eq!(second.index, first.index.next());
    assert_eq!(config.read().unwrap().unwrap().resume_from, "b");
    config.delete_as_operator().unwrap();
    assert_eq!(config.read().unwrap(), None);
    assert!(matches!(
        node.stateful_config::<ScanConfig>("", node.local_submitter()),
        Err(omsvc_core::Error::InvalidServiceName { .. })
    ));
}

#[test]
fn a_stored_value_that_is_not_the_expected_message_is_a_clear_error() {
    let node = omsvc_core::Node::open(omsvc_core::NodeOptions::new(
        "solo",
        omsvc_core::DbLocation::Ephemeral,
    ))
    .unwrap();
    node.apply_entry(
        Term(1),
        LogIndex(1),
        &encode_set_request("Scanner", &[0xff, 0xff, 0xff]).unwrap(),
    )
    .unwrap();
    let config = node
        .stateful_config::<ScanConfig>("Scanner", node.local_submitter())
        .unwrap();
    let err = config.read().unwrap_err();
    assert!(
        matches!(err, omsvc_core::Error::CorruptConfiguration { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("\"Scanner\""));
}

/// docs/design.md T11: each local submitter once had its own lock, so two of them
/// picked the same index; the second write changed nothing and was still reported saved.
#[test]
fn two_local_submitters_never_share_an_entry_and_every_save_is_applied() {
    // The race needs both writers between a read and a write at once: give it many chances.
    for _ in 0..20 {
        two_local_submitters_save_1000_times_each();
    }
}

fn two_local_submitters_save_1000_times_each() {
    const SAVES: usize = 1000;
    let mut options = omsvc_core::NodeOptions::new("solo", omsvc_core::DbLocation::Ephemeral);
    // Without an fsync per entry the writers meet far more often.
    options.table.sync_writes = false;
    let node = omsvc_core::Node::open(options).unwrap();
    let names = ["Alpha", "Beta"];
    let together = std::sync::Barrier::new(names.len());
    let receipts: Vec<omsvc_core::TermIndex> = std::thread::scope(|scope| {
        let writers: Vec<_> = names
            .iter()
            .map(|name| {
                let config = node
                    .stateful_config::<ScanConfig>(name, node.local_submitter())
                    .unwrap();
                let together = &together;
                scope.spawn(move || {
                    together.wait();
                    (0..SAVES)
                        .map(|i| {
                            config
                                .save_as_operator(&ScanConfig {
                                    suspended: false,
                                    resume_from: format!("{name}-{i}"),
                                })
                                .unwrap_or_else(|e| panic!("save {i} of {name} failed: {e}"))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        writers
            .into_iter()
            .flat_map(|writer| writer.join().unwrap())
            .collect()
    });
    let indexes: std::collections::BTreeSet<LogIndex> =
        receipts.iter().map(|receipt| receipt.index).collect();
    assert_eq!(
        indexes.len(),
        2 * SAVES,
        "two saves were reported at the same entry"
    );
    assert_eq!(node.last_applied_entry().index, LogIndex(2 * SAVES as u64));
    for name in names {
        let config = node
            .stateful_config::<ScanConfig>(name, node.local_submitter())
            .unwrap();
        assert_eq!(
            config.read().unwrap().unwrap().resume_from,
            format!("{name}-{}", SAVES - 1),
            "the last save of {name} is lost"
        );
    }
}

/// A service that saves its progress in a tight loop while it runs, as the demo's does.
struct Looper {
    config: StatefulConfig<ScanConfig>,
    saves: Arc<std::sync::atomic::AtomicU64>,
    starts: std::sync::atomic::AtomicU64,
    worker: Mutex<
        Option<(
            Arc<std::sync::atomic::AtomicBool>,
            std::thread::JoinHandle<()>,
        )>,
    >,
}

impl Service for Looper {
    fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
        use std::sync::atomic::Ordering;
        self.starts.fetch_add(1, Ordering::SeqCst);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (config, stopped, saves) = (self.config.clone(), stop.clone(), self.saves.clone());
        let worker = std::thread::spawn(move || {
            let mut position = 0u64;
            while !stopped.load(Ordering::SeqCst) {
                position += 1;
                let progress = ScanConfig {
                    suspended: false,
                    resume_from: format!("key-{position}"),
                };
                if config.save(&epoch, &progress).is_err() {
                    break;
                }
                saves.fetch_add(1, Ordering::SeqCst);
            }
        });
        *self.worker.lock().unwrap() = Some((stop, worker));
        Ok(())
    }
    fn stop(&self) -> Result<(), ServiceError> {
        if let Some((stop, worker)) = self.worker.lock().unwrap().take() {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            worker.join().unwrap();
        }
        Ok(())
    }
    fn should_run(&self) -> Result<bool, ServiceError> {
        Ok(self.config.should_run()?)
    }
}

/// docs/design.md B10 and T10: a user's stop once rewrote the whole configuration, so a
/// progress save landing after it undid the stop.
#[test]
fn a_user_stop_holds_against_a_service_saving_progress_in_a_tight_loop() {
    use std::sync::atomic::Ordering;
    const ROUNDS: usize = 200;
    let group = Group::new(3);
    let loopers: Vec<Arc<Looper>> = group
        .nodes
        .iter()
        .map(|node| {
            let looper = Arc::new(Looper {
                config: node
                    .stateful_config::<ScanConfig>("Looper", group.submitter())
                    .unwrap(),
                saves: Default::default(),
                starts: Default::default(),
                worker: Mutex::new(None),
            });
            node.register_shared("Looper", looper.clone(), ServiceOptions::default())
                .unwrap();
            looper
        })
        .collect();
    let mut leader = 0;
    group.elect(leader);
    for round in 0..ROUNDS {
        let looper = &loopers[leader];
        let saved = looper.saves.load(Ordering::SeqCst);
        assert!(
            eventually(SETTLE, || looper.saves.load(Ordering::SeqCst) > saved + 2),
            "round {round}: the service on om{} is not saving",
            leader + 1
        );

        looper.config.request_stop().unwrap();
        group.settle();
        assert!(
            !group.nodes[leader]
                .service_status("Looper")
                .unwrap()
                .status
                .is_running(),
            "round {round}: a progress save undid the user's stop"
        );
        for node in &group.nodes {
            assert_eq!(node.read_run_control("Looper").unwrap(), Some(false));
        }

        // No later leader starts it.
        let starts_before: u64 = loopers
            .iter()
            .map(|l| l.starts.load(Ordering::SeqCst))
            .sum();
        leader = (leader + 1) % group.nodes.len();
        group.elect(leader);
        group.settle();
        assert_eq!(
            group.nodes[leader]
                .service_status("Looper")
                .unwrap()
                .waiting_for,
            Some(ServiceWait::ShouldRunFalse),
            "round {round}: the next leader om{} would start a stopped service",
            leader + 1
        );
        let starts_after: u64 = loopers
            .iter()
            .map(|l| l.starts.load(Ordering::SeqCst))
            .sum();
        assert_eq!(
            starts_after, starts_before,
            "round {round}: a stopped service started"
        );

        loopers[leader].config.request_start().unwrap();
        assert!(
            eventually(SETTLE, || group.nodes[leader]
                .service_status("Looper")
                .unwrap()
                .status
                .is_running()),
            "round {round}: a user's start did not start the service"
        );
    }
}

/// docs/design.md B13 and F3: a save the old leader's service made while its epoch was
/// current reaches the log only in the next leader's term (as a Ratis client's retry delivers
/// it to the new leader). Every peer refuses it; the configuration never goes backwards.
#[test]
fn a_deposed_leaders_save_appended_in_a_later_term_is_refused_on_every_peer() {
    let group = Group::new(3);
    let scanners = with_scanners(&group);
    let first = group.elect(0);
    group.settle();
    let progress = |at: &str| ScanConfig {
        suspended: false,
        resume_from: at.into(),
    };
    scanners[0].save(&progress("key-15")).unwrap();
    let late = omsvc_core::encode_stamped_set_request(
        "Scanner",
        &prost::Message::encode_to_vec(&progress("key-15-late")),
        Term(first),
    )
    .unwrap();

    let second = group.elect(1);
    group.settle();
    scanners[1].save(&progress("key-16")).unwrap();

    let err = group.replicate(&late).unwrap_err();
    assert!(
        matches!(err, omsvc_core::Error::StaleWriterEpoch { writer_epoch, term, .. }
            if writer_epoch == Term(first) && term == Term(second)),
        "{err}"
    );
    let index = group.nodes[0].status().applied;
    for node in &group.nodes {
        assert_eq!(
            node.read_configuration("Scanner").unwrap(),
            Some(prost::Message::encode_to_vec(&progress("key-16"))),
            "{} took the configuration backwards",
            node.self_id()
        );
        assert_eq!(
            node.status().applied,
            index,
            "the refused entry must still count as applied"
        );
    }

    // Through the service's own API, the old run's save fails at once.
    let err = scanners[0].save(&progress("key-17")).unwrap_err();
    assert!(
        matches!(err, omsvc_core::Error::EpochEnded { epoch } if epoch == Term(first)),
        "{err}"
    );
}

/// A database written before run-control records kept a user's stop in the configuration:
/// with no record, `should_run` still reads it; a user's start or stop then decides.
#[test]
fn without_a_run_control_record_the_configurations_own_flag_still_decides() {
    let node = omsvc_core::Node::open(omsvc_core::NodeOptions::new(
        "solo",
        omsvc_core::DbLocation::Ephemeral,
    ))
    .unwrap();
    let stopped_before_upgrade = ScanConfig {
        suspended: true,
        resume_from: "key-3".into(),
    };
    node.apply_entry(
        Term(1),
        LogIndex(1),
        &encode_set_request(
            "Scanner",
            &prost::Message::encode_to_vec(&stopped_before_upgrade),
        )
        .unwrap(),
    )
    .unwrap();
    let config = node
        .stateful_config::<ScanConfig>("Scanner", node.local_submitter())
        .unwrap();
    assert_eq!(config.run_control().unwrap(), None);
    assert!(
        !config.should_run().unwrap(),
        "the old stop must still hold"
    );

    config.request_start().unwrap();
    assert!(config.should_run().unwrap());
    assert_eq!(
        config.read().unwrap(),
        Some(stopped_before_upgrade),
        "a user's start leaves the configuration as it is"
    );
    config.request_stop().unwrap();
    config
        .save_as_operator(&ScanConfig {
            suspended: false,
            resume_from: "key-4".into(),
        })
        .unwrap();
    assert!(
        !config.should_run().unwrap(),
        "once recorded, no save of the configuration undoes the stop"
    );
}
