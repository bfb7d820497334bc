//! openraft mode under faults, with real nodes in this process: real TCP on 127.0.0.1 (port 0),
//! real RocksDB in temp dirs, no mocks.
//!
//! - a partitioned leader stops its service on quorum loss; another node takes over in a newer
//!   epoch; after healing, the old leader follows and does not run the service;
//! - a partition shorter than an election: the leader's service stops, then runs again;
//! - a node added after the log was purged catches up by installing a snapshot (docs/design.md B9);
//! - hundreds of leader changes against a fenced register (docs/design.md B13);
//! - bad input: unreachable addresses, foreign data directories, garbage bytes, another
//!   cluster's name, an unreachable new member, an empty initial membership.
//!
//! The cluster tests run one at a time ([`omsvc_testkit::serial::serial`]): on 2 cores, several clusters
//! with short election timeouts side by side cause spurious elections.

use omsvc_core::proto::raft_node_status::ServerState;
use omsvc_core::proto::service_status::State;
use omsvc_core::{EpochToken, Error, Service, ServiceError, Term};
use omsvc_raft::{ClientError, RaftClient, RaftError, RaftNode, RaftNodeOptions, RaftTimeouts};
use omsvc_testkit::poll::{poll, wait_for_report, SETTLE};
use omsvc_testkit::raft_cluster::{Cluster, CLUSTER, SERVICE, WAIT};
use omsvc_testkit::recording_service::{recorder, recorders, Call};
use omsvc_testkit::rng::Rng;
use omsvc_testkit::serial::serial;
use omsvc_testkit::timings::IN_PROCESS;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------------------------------------
// 1. Partitions
// ---------------------------------------------------------------------------------------------

#[test]
fn partitioned_leader_stops_on_quorum_loss_and_follows_after_healing() {
    let _serial = serial();
    let began = Instant::now();
    let (by_node, factory) = recorders();
    let cluster = Cluster::start(3, IN_PROCESS, 1000, factory);
    let (old, old_epoch) = cluster.leader();

    let isolated_at = Instant::now();
    cluster.node(old).fault_switch().set_isolated(true);

    // The isolated leader hears of no newer term, so its Raft state stays "Leader of
    // old_epoch": its service can only stop because the watch saw the quorum acks stop.
    let stopped = cluster.wait_for_node(
        old,
        WAIT,
        &format!("isolated leader {old}'s service to stop (PAUSING)"),
        |r| {
            r.services()
                .iter()
                .any(|s| s.name == SERVICE && s.state() == State::Pausing)
        },
    );
    let stopped_after = isolated_at.elapsed();
    assert_eq!(
        (stopped.server_state(), stopped.term()),
        (ServerState::Leader, Term(old_epoch)),
        "expected isolated node {old} to still believe it leads term {old_epoch} when its \
         service stopped (so it stopped on quorum loss, not on hearing of a newer term); saw \
         state {:?} in term {}",
        stopped.server_state(),
        stopped.term()
    );
    assert!(
        stopped_after < Duration::from_secs(5),
        "expected isolated leader {old}'s service to stop within a few seconds; it took \
         {stopped_after:?}"
    );
    let lease = IN_PROCESS.leader_lease();
    assert!(
        stopped_after + IN_PROCESS.heartbeat * 2 >= lease,
        "expected the service to stop only when the leader lease ({lease:?} after the last \
         quorum round) ran out; it stopped {stopped_after:?} after isolation"
    );
    assert!(
        stopped_after < IN_PROCESS.election_max,
        "expected the service to stop before any follower could grant another candidate its \
         vote ({:?} after the last heartbeat); it stopped {stopped_after:?} after isolation",
        IN_PROCESS.election_max
    );
    assert!(
        stopped.node().blocker.is_some(),
        "expected the stopped leader's report to say why its services may not run; saw {stopped:#?}"
    );

    let (new, new_epoch) = cluster.wait_for_runner(
        WAIT,
        &format!("one of the two connected nodes to run the service in an epoch above {old_epoch}"),
        |node, epoch| node != old && epoch > old_epoch,
    );
    let old_service = cluster.service(old);
    assert_eq!(
        old_service.state(),
        State::Pausing,
        "expected isolated node {old} not to run the service while node {new} runs it in \
         epoch {new_epoch}; saw {old_service:?}"
    );

    cluster.node(old).fault_switch().set_isolated(false);
    let healed = cluster.wait_for_node(
        old,
        WAIT,
        &format!("healed node {old} to follow a leader of term {new_epoch} or later"),
        |r| {
            r.server_state() == ServerState::Follower
                && r.term() >= Term(new_epoch)
                && r.leader().is_some_and(|l| l != old)
        },
    );
    assert!(
        cluster.node(old).node().wait_settled(SETTLE),
        "expected node {old}'s service runner to settle within {SETTLE:?}"
    );
    let status = cluster.node(old).node().service_status(SERVICE).unwrap();
    assert!(
        !status.status.is_running(),
        "expected follower {old} (following node {:?} in term {}) not to run the service; \
         saw {status:?}",
        healed.leader(),
        healed.term()
    );
    let old_starts = recorder(&by_node, old).starts();
    assert_eq!(
        old_starts,
        vec![old_epoch],
        "expected node {old} to have started the service once, in epoch {old_epoch}; \
         saw starts {old_starts:?}"
    );
    let old_calls: Vec<Call> = recorder(&by_node, old)
        .calls()
        .into_iter()
        .filter(|call| match call {
            Call::Start { service, .. } | Call::Stop { service } => {
                *service == format!("svc@{old}")
            }
        })
        .collect();
    assert!(
        matches!(old_calls.last(), Some(Call::Stop { .. })),
        "expected node {old}'s last service call to be a stop; saw {old_calls:?}"
    );
    let new_starts = recorder(&by_node, new).starts();
    assert!(
        new_starts.contains(&new_epoch),
        "expected node {new} to have started the service in epoch {new_epoch}; \
         saw starts {new_starts:?}"
    );
    // The old leader's service stopped before the new leader's started, by a margin.
    let old_stopped_at = recorder(&by_node, old)
        .timeline
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find_map(|(at, call)| matches!(call, Call::Stop { .. }).then_some(*at))
        .expect("the old leader's stop was recorded");
    let new_started_at = recorder(&by_node, new)
        .timeline
        .lock()
        .unwrap()
        .iter()
        .find_map(|(at, call)| {
            matches!(call, Call::Start { epoch, .. } if *epoch == new_epoch).then_some(*at)
        })
        .expect("the new leader's start was recorded");
    assert!(
        old_stopped_at < new_started_at,
        "node {old}'s service (epoch {old_epoch}) was still running when node {new} started it \
         in epoch {new_epoch}: overlap {:?}",
        old_stopped_at - new_started_at
    );
    let margin = new_started_at - old_stopped_at;
    // The cluster still has exactly one runner, in a newer epoch than the old leader's.
    cluster.wait_for_runner(
        WAIT,
        &format!("a node to run the service in epoch {new_epoch} or later after healing"),
        |_, epoch| epoch >= new_epoch,
    );
    println!(
        "partition: leader {old} (epoch {old_epoch}) stopped {stopped_after:?} after isolation; \
         node {new} took over in epoch {new_epoch}, {margin:?} after the old service stopped \
         (no overlap); test took {:?}",
        began.elapsed()
    );
}

/// A partition that ends before the followers' leases expire: the leader stops its service on
/// quorum loss, no election happens, and once quorum acks resume the service must run again
/// (on the same leader in the same epoch, or anywhere in a newer one).
#[test]
fn leader_partitioned_shorter_than_an_election_runs_its_service_again() {
    let _serial = serial();
    let began = Instant::now();
    // Followers campaign only after the leader lease (election_max) plus an election timeout
    // (election_min..election_max) without a heartbeat; the leader stops its services after
    // election_max without quorum acks. A wide gap leaves time to heal in between.
    let timeouts = RaftTimeouts {
        heartbeat: Duration::from_millis(50),
        election_min: Duration::from_millis(400),
        election_max: Duration::from_millis(450),
    };
    let (by_node, factory) = recorders();
    let cluster = Cluster::start(3, timeouts, 1000, factory);
    let (leader, epoch) = cluster.leader();

    cluster.node(leader).fault_switch().set_isolated(true);
    let stopped = cluster.wait_for_node(
        leader,
        WAIT,
        &format!("isolated leader {leader}'s service to stop"),
        |r| {
            r.services()
                .iter()
                .any(|s| s.name == SERVICE && s.state() == State::Pausing)
        },
    );
    cluster.node(leader).fault_switch().set_isolated(false);
    assert_eq!(
        (stopped.server_state(), stopped.term()),
        (ServerState::Leader, Term(epoch)),
        "expected node {leader} to stop its service on quorum loss while still leading term \
         {epoch}; saw {stopped:#?}"
    );

    let (runner, run_epoch) = cluster.wait_for_runner(
        WAIT,
        &format!("the service to run again after leader {leader}'s short partition healed"),
        |_, _| true,
    );
    assert!(
        run_epoch > epoch || runner == leader,
        "expected the service to run again on node {leader} in epoch {epoch} or in a newer \
         epoch; saw node {runner} in epoch {run_epoch}"
    );
    let starts = recorder(&by_node, leader).starts();
    println!(
        "short partition: leader {leader} (epoch {epoch}) stopped and the service runs again on \
         node {runner} in epoch {run_epoch} (node {leader} starts {starts:?}); test took {:?}",
        began.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Snapshot install (docs/design.md B9)
// ---------------------------------------------------------------------------------------------

mod snapshot_capture {
    //! Records the thread of every "snapshot installed" event the state machine logs: node
    //! `id`'s Raft runtime threads are named `omsvc-raft-{id}`.

    use std::fmt::Debug;
    use std::sync::{Mutex, Once};
    use tracing::field::{Field, Visit};
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    static INSTALLS: Mutex<Vec<String>> = Mutex::new(Vec::new());

    struct Capture;

    struct Message(Option<String>);

    impl Visit for Message {
        fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
            if field.name() == "message" {
                self.0 = Some(format!("{value:?}"));
            }
        }
    }

    impl<S: tracing::Subscriber> Layer<S> for Capture {
        fn on_event(&self, event: &tracing::Event<'_>, _context: Context<'_, S>) {
            let mut message = Message(None);
            event.record(&mut message);
            if message.0.as_deref() == Some("snapshot installed") {
                let thread = std::thread::current()
                    .name()
                    .unwrap_or("unnamed")
                    .to_owned();
                INSTALLS.lock().unwrap().push(thread);
            }
        }
    }

    pub fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            let filter =
                Targets::new().with_target("omsvc_raft::state_machine", tracing::Level::INFO);
            let subscriber = tracing_subscriber::registry().with(Capture.with_filter(filter));
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global tracing subscriber in this test binary");
        });
    }

    /// How many snapshots node `id` installed.
    pub fn installs_on(id: u64) -> usize {
        let thread = format!("omsvc-raft-{id}");
        INSTALLS
            .lock()
            .unwrap()
            .iter()
            .filter(|t| **t == thread)
            .count()
    }
}

/// The Raft log of a running node, read through a read-only RocksDB handle: the index up to
/// which it was purged and the first index it still holds.
fn raft_log_state(data_dir: &Path) -> Result<(Option<u64>, Option<u64>), String> {
    let path = data_dir.join("raft");
    let options = rocksdb::Options::default();
    let db = rocksdb::DB::open_cf_for_read_only(&options, &path, ["raftLog", "raftMeta"], false)
        .map_err(|e| format!("cannot open {} read-only: {e}", path.display()))?;
    let meta = db
        .cf_handle("raftMeta")
        .ok_or("no raftMeta column family")?;
    let purged = match db.get_cf(meta, b"last_purged").map_err(|e| e.to_string())? {
        None => None,
        Some(bytes) => {
            let log_id: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            Some(log_id["index"].as_u64().ok_or("last_purged has no index")?)
        }
    };
    let logs = db.cf_handle("raftLog").ok_or("no raftLog column family")?;
    let first = match db.iterator_cf(logs, rocksdb::IteratorMode::Start).next() {
        None => None,
        Some(item) => {
            let (key, _) = item.map_err(|e| e.to_string())?;
            Some(u64::from_be_bytes(
                key.as_ref().try_into().map_err(|_| "bad log key")?,
            ))
        }
    };
    Ok((purged, first))
}

#[test]
fn node_added_after_the_log_was_purged_installs_a_snapshot_with_the_leaders_configuration() {
    let _serial = serial();
    let began = Instant::now();
    snapshot_capture::install();
    let (_, factory) = recorders();
    let mut cluster = Cluster::start(3, IN_PROCESS, 10, factory);
    cluster.leader();

    let mut expected: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for i in 0..50usize {
        let name = format!("Service{i:02}");
        let value = format!("value-{i}-{}", "x".repeat(i)).into_bytes();
        cluster.set(&name, &value);
        expected.insert(name, value);
    }
    for i in (0..50usize).step_by(7) {
        let name = format!("Service{i:02}");
        cluster.write(&format!("delete {name:?}"), |node| node.delete(&name));
        expected.remove(&name);
    }
    let last = cluster.set("Service01", b"rewritten").entry.index;
    expected.insert("Service01".to_owned(), b"rewritten".to_vec());
    cluster.wait_applied(last.0);

    // Every member purged its log well past index 1, so whichever leads cannot send a new
    // node the early entries: it must send a snapshot.
    let purged_before_join: BTreeMap<u64, (Option<u64>, Option<u64>)> = cluster
        .ids()
        .into_iter()
        .map(|id| {
            let purged = poll(WAIT, || match raft_log_state(&cluster.data_dir(id)) {
                Ok((Some(purged), last)) if purged >= 20 => Ok((Some(purged), last)),
                state => Err(format!("{state:?}")),
            })
            .unwrap_or_else(|state| {
                panic!(
                    "expected node {id} to purge its Raft log past index 20 (snapshot every 10 \
                     entries, {last} entries written) within {WAIT:?}; saw {state}"
                )
            });
            (id, purged)
        })
        .collect();

    let new = 4;
    let new_addr = cluster.start_node(new).addr().to_owned();
    cluster.add_member(new, &new_addr);

    let (leader, _) = cluster.leader();
    // Caught up: a voter whose table applied the same last entry as the leader's.
    let joined = cluster.wait_for_node(
        new,
        WAIT,
        &format!("node {new} to be a voter whose table applied leader {leader}'s last entry"),
        |r| {
            r.members.iter().any(|m| m.id == new && m.voter)
                && cluster.node(new).node().last_applied_entry()
                    == cluster.node(leader).node().last_applied_entry()
        },
    );
    let leader_table = cluster.node(leader).node().last_applied_entry();
    let new_table = cluster.node(new).node().last_applied_entry();
    assert_eq!(
        new_table, leader_table,
        "expected node {new}'s table to have applied the same last entry as leader {leader}'s"
    );

    let leader_names = cluster.node(leader).node().list_configurations().unwrap();
    let new_names = cluster.node(new).node().list_configurations().unwrap();
    assert_eq!(
        new_names, leader_names,
        "expected node {new} to list the same configurations as leader {leader}"
    );
    let expected_names: Vec<String> = expected.keys().cloned().collect();
    assert_eq!(
        new_names, expected_names,
        "expected node {new} to list exactly the configurations written"
    );
    for (name, value) in &expected {
        for id in [leader, new] {
            let found = cluster.node(id).node().read_configuration(name).unwrap();
            assert_eq!(
                found.as_deref(),
                Some(value.as_slice()),
                "expected node {id} to read {name:?} as {:?}; saw {:?}",
                String::from_utf8_lossy(value),
                found.as_deref().map(String::from_utf8_lossy)
            );
        }
    }
    let installs = snapshot_capture::installs_on(new);
    assert!(
        installs >= 1,
        "expected node {new} to catch up by installing a snapshot (the members' logs were \
         purged: {purged_before_join:?}); it logged {installs} \"snapshot installed\" events"
    );
    let (_, new_first) = raft_log_state(&cluster.data_dir(new)).unwrap();
    println!(
        "snapshot: logs purged before the join {purged_before_join:?}; node {new} installed \
         {installs} snapshot(s), its log starts at {new_first:?}, applied {}; {} \
         configurations; test took {:?}",
        joined.last_applied_index(),
        new_names.len(),
        began.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Leader changes against a fenced register (docs/design.md B13)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Event {
    Start { node: u64, epoch: u64, at: Instant },
    Stop { node: u64, at: Instant },
}

/// An external store that only accepts writes stamped with the highest epoch it has seen.
#[derive(Default)]
struct FencedRegister {
    state: Mutex<RegisterState>,
}

#[derive(Default)]
struct RegisterState {
    highest: u64,
    /// (node, epoch, highest at the time) of every refused write from a service.
    refused: Vec<(u64, u64, u64)>,
    events: Vec<Event>,
}

impl FencedRegister {
    /// Writes `epoch`; refuses (with the highest epoch seen) an epoch below the highest.
    fn write(state: &mut RegisterState, epoch: u64) -> Result<(), u64> {
        if epoch < state.highest {
            return Err(state.highest);
        }
        state.highest = epoch;
        Ok(())
    }
}

/// Writes its epoch to the register when it starts, as a leader-only service would stamp its
/// writes with its fencing token.
struct FencedService {
    node: u64,
    register: Arc<FencedRegister>,
}

impl Service for FencedService {
    fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
        let mut state = self.register.state.lock().unwrap();
        let epoch = epoch.epoch();
        if let Err(highest) = FencedRegister::write(&mut state, epoch.0) {
            state.refused.push((self.node, epoch.0, highest));
            return Err(format!("fenced: epoch {epoch} is below {highest}").into());
        }
        state.events.push(Event::Start {
            node: self.node,
            epoch: epoch.0,
            at: Instant::now(),
        });
        Ok(())
    }

    fn stop(&self) -> Result<(), ServiceError> {
        self.register
            .state
            .lock()
            .unwrap()
            .events
            .push(Event::Stop {
                node: self.node,
                at: Instant::now(),
            });
        Ok(())
    }
}

const LEADER_CHANGES: usize = 200;

#[test]
fn hundreds_of_leader_changes_never_share_an_epoch_and_the_fence_never_refuses() {
    let _serial = serial();
    let began = Instant::now();
    let seed = std::env::var("OMSVC_FENCE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let mut rng = Rng(seed);
    println!("fenced register: seed {seed} (replay with OMSVC_FENCE_SEED={seed})");

    // Short timings so each change takes a fraction of a second.
    let timeouts = RaftTimeouts {
        heartbeat: Duration::from_millis(20),
        election_min: Duration::from_millis(60),
        election_max: Duration::from_millis(120),
    };
    let register = Arc::new(FencedRegister::default());
    let cluster = {
        let register = register.clone();
        Cluster::start(3, timeouts, 1000, move |node| {
            Arc::new(FencedService {
                node,
                register: register.clone(),
            }) as Arc<dyn Service>
        })
    };
    let (mut runner, mut epoch) = cluster.leader();
    let first_epoch = epoch;
    let (mut changes, mut moved, mut by_election, mut by_partition, mut retries) = (0, 0, 0, 0, 0);
    while changes < LEADER_CHANGES {
        let (next_runner, next_epoch) = if changes % 2 == 0 {
            // Campaign from a random node that follows the current term, so it can win.
            let deadline = Instant::now() + WAIT;
            loop {
                let candidates: Vec<u64> = cluster
                    .ids()
                    .into_iter()
                    .filter(|id| *id != runner)
                    .filter(|id| {
                        let r = cluster.node(*id).report();
                        r.server_state() == ServerState::Follower && r.term() >= Term(epoch)
                    })
                    .collect();
                let changed = if candidates.is_empty() {
                    std::thread::sleep(Duration::from_millis(10));
                    cluster.running().into_iter().find(|(_, e)| *e > epoch)
                } else {
                    let candidate = candidates[(rng.next_u64() % candidates.len() as u64) as usize];
                    // The election may fail to move the term (e.g. the candidate hears the
                    // leader first): then look again, and campaign again.
                    let _ = cluster.node(candidate).trigger_election();
                    let wait_until = Instant::now() + Duration::from_secs(2);
                    loop {
                        if let Some(found) = cluster.running().into_iter().find(|(_, e)| *e > epoch)
                        {
                            break Some(found);
                        }
                        if Instant::now() >= wait_until {
                            break None;
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                };
                if let Some(found) = changed {
                    break found;
                }
                retries += 1;
                assert!(
                    Instant::now() < deadline,
                    "expected an election to move the service past epoch {epoch} (run by node \
                     {runner}) within {WAIT:?}; running now {:?}",
                    cluster.running()
                );
            }
        } else {
            cluster.node(runner).fault_switch().set_isolated(true);
            let found = cluster.wait_for_runner(
                WAIT,
                &format!(
                    "another node to run the service in an epoch above {epoch} after isolating \
                     node {runner}"
                ),
                |node, e| node != runner && e > epoch,
            );
            cluster.node(runner).fault_switch().set_isolated(false);
            found
        };
        if changes % 2 == 0 {
            by_election += 1;
        } else {
            by_partition += 1;
        }
        if next_runner != runner {
            moved += 1;
        }
        changes += 1;
        runner = next_runner;
        epoch = next_epoch;
    }
    let loop_time = began.elapsed();
    // Let the last runner settle before reading the history.
    cluster.wait_for_runner(WAIT, "a node to run the service at the end", |_, e| {
        e >= epoch
    });

    let state = register.state.lock().unwrap();
    assert!(
        state.refused.is_empty(),
        "expected the fenced register to refuse no service write (no older epoch may start \
         after a newer one); it refused (node, epoch, highest) {:?}",
        state.refused
    );
    let mut nodes_of_epoch: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    for event in &state.events {
        if let Event::Start { node, epoch, .. } = event {
            nodes_of_epoch.entry(*epoch).or_default().insert(*node);
        }
    }
    let shared: Vec<_> = nodes_of_epoch
        .iter()
        .filter(|(_, nodes)| nodes.len() > 1)
        .collect();
    assert!(
        shared.is_empty(),
        "expected every epoch to be started on one node only; \
         epochs started on several nodes: {shared:?}"
    );
    assert!(
        nodes_of_epoch.len() > LEADER_CHANGES,
        "expected the service to start in more than {LEADER_CHANGES} epochs; saw {}",
        nodes_of_epoch.len()
    );

    // Stop-to-start gap: from the moment the previous instance stopped to the next start
    // (negative when the next start came first: an overlap, fenced by the epochs).
    let mut worst_gap = Duration::ZERO;
    let mut worst_overlap = Duration::ZERO;
    let starts: Vec<(usize, u64, Instant)> = state
        .events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e {
            Event::Start { node, at, .. } => Some((i, *node, *at)),
            Event::Stop { .. } => None,
        })
        .collect();
    for pair in starts.windows(2) {
        let ((i, previous_node, _), (_, _, next_at)) = (pair[0], pair[1]);
        let stopped_at = state.events[i + 1..].iter().find_map(|e| match e {
            Event::Stop { node, at } if *node == previous_node => Some(*at),
            _ => None,
        });
        match stopped_at {
            Some(stopped) if stopped <= next_at => worst_gap = worst_gap.max(next_at - stopped),
            Some(stopped) => worst_overlap = worst_overlap.max(stopped - next_at),
            None => {}
        }
    }

    // The register itself refuses an old epoch.
    let mut probe = RegisterState {
        highest: state.highest,
        ..RegisterState::default()
    };
    assert_eq!(
        FencedRegister::write(&mut probe, first_epoch),
        Err(state.highest),
        "expected the register to refuse epoch {first_epoch} once it saw epoch {}",
        state.highest
    );
    println!(
        "fenced register: {changes} leader changes ({by_election} by election, {by_partition} \
         by partition, {moved} moved the service to another node, {retries} elections retried) \
         over epochs {first_epoch}..={epoch} in {loop_time:?}; {} starts, worst stop-to-start \
         gap {worst_gap:?}, worst overlap (old epoch still running) {worst_overlap:?}; \
         seed {seed}",
        starts.len()
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Bad input
// ---------------------------------------------------------------------------------------------

/// An address on 127.0.0.1 that nobody listens on (a port just released).
fn dead_address() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

#[test]
fn client_to_an_address_nobody_listens_on_gets_a_transport_error_naming_it() {
    let addr = dead_address();
    let mut client = RaftClient::new(&addr, CLUSTER, Duration::from_secs(5)).unwrap();
    let began = Instant::now();
    match client.status() {
        Err(RaftError::Request(ClientError::Transport(message))) => assert!(
            message.contains(&addr) && message.contains("cannot connect"),
            "expected the transport error to say it cannot connect to {addr}; saw {message:?}"
        ),
        other => panic!("expected a transport error for {addr}; saw {other:?}"),
    }
    match client.write(omsvc_core::encode_set_request("Scanner", b"x").unwrap()) {
        Err(RaftError::Request(ClientError::Transport(message))) => assert!(
            message.contains(&addr),
            "expected the write's transport error to name {addr}; saw {message:?}"
        ),
        other => panic!("expected a transport error writing to {addr}; saw {other:?}"),
    }
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "expected a refused connection to fail at once, not after the timeout; took {:?}",
        began.elapsed()
    );
}

#[test]
fn data_directory_of_another_node_or_cluster_is_refused_naming_both() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("n1");
    let options = |id: u64, cluster: &str| {
        let mut options = RaftNodeOptions::new(id, "127.0.0.1:0", Some(data.clone()));
        options.cluster = cluster.to_owned();
        options.timeouts = IN_PROCESS;
        options
    };
    RaftNode::start(options(1, "omsvc"))
        .unwrap_or_else(|e| panic!("expected node 1 to start on a fresh directory; saw {e}"))
        .shutdown();

    for (id, cluster) in [(2, "omsvc"), (1, "other")] {
        match RaftNode::start(options(id, cluster)) {
            Ok(_) => panic!(
                "expected node {id} of cluster {cluster:?} to refuse node 1's data directory; \
                 it started"
            ),
            Err(error) => {
                let message = error.to_string();
                assert!(
                    matches!(error, RaftError::Node(Error::ForeignDataDirectory { .. })),
                    "expected Error::ForeignDataDirectory; saw {error:?}"
                );
                let found = "node 1 of cluster \"omsvc\"";
                let wanted = format!("node {id} of cluster {cluster:?}");
                assert!(
                    message.contains(found) && message.contains(&wanted),
                    "expected the error to name both the owner ({found}) and the starter \
                     ({wanted}); saw {message:?}"
                );
            }
        }
    }
    // The refusals left the directory as it was: its owner still starts on it.
    RaftNode::start(options(1, "omsvc"))
        .unwrap_or_else(|e| panic!("expected node 1 to start again on its own directory; saw {e}"))
        .shutdown();
}

/// Writes `bytes` (then, if `close_write`, ends the stream) and expects the node to close the
/// connection without answering.
fn expect_closed_after(addr: &str, what: &str, bytes: &[u8], close_write: bool) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    // The node may close before reading everything: a failed write is fine too.
    let _ = stream.write_all(bytes);
    if close_write {
        let _ = stream.shutdown(Shutdown::Write);
    }
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => assert!(
            answer.is_empty(),
            "expected {addr} to close the connection after {what} without answering; \
             it sent {} bytes",
            answer.len()
        ),
        Err(error)
            if matches!(
                error.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
            ) => {}
        Err(error) => panic!(
            "expected {addr} to close the connection after {what}; reading saw {error} ({:?})",
            error.kind()
        ),
    }
}

#[test]
fn garbage_bytes_close_the_connection_and_the_node_keeps_serving() {
    let _serial = serial();
    let (_, factory) = recorders();
    let cluster = Cluster::start(3, IN_PROCESS, 1000, factory);
    let (leader, _) = cluster.leader();
    let mut garbage = vec![0xff, 0xff, 0xff, 0xff];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    garbage.extend((0..4096).map(|_| rng.next_u64() as u8));
    for id in cluster.ids() {
        let addr = cluster.node(id).addr().to_owned();
        expect_closed_after(
            &addr,
            "a 4 GiB length prefix and random bytes",
            &garbage,
            false,
        );
        expect_closed_after(
            &addr,
            "an HTTP request",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            false,
        );
        let mut garbled = vec![0, 0, 0, 16];
        garbled.extend([0xff; 16]);
        expect_closed_after(&addr, "a frame that is not protobuf", &garbled, false);
        let mut truncated = (100u32 << 20).to_be_bytes().to_vec();
        truncated.extend(b"only a few bytes of a 100 MiB frame");
        expect_closed_after(&addr, "a truncated 100 MiB frame", &truncated, true);
    }
    for id in cluster.ids() {
        let addr = cluster.node(id).addr().to_owned();
        let mut client = RaftClient::new(&addr, CLUSTER, WAIT).unwrap();
        let report = client.status().unwrap_or_else(|e| {
            panic!("expected node {id} at {addr} to answer status after garbage; saw {e}")
        });
        assert_eq!(
            report.id(),
            id,
            "expected the node at {addr} to be node {id}; saw {report:?}"
        );
    }
    let receipt = cluster.set("AfterGarbage", b"still-serving");
    cluster.wait_applied(receipt.entry.index.0);
    for node in cluster.nodes() {
        assert_eq!(
            node.node()
                .read_configuration("AfterGarbage")
                .unwrap()
                .as_deref(),
            Some(&b"still-serving"[..]),
            "expected node {} to have applied the write made after the garbage (\
             leader was {leader})",
            node.id()
        );
    }
}

#[test]
fn client_of_another_cluster_is_refused_naming_both_clusters() {
    let _serial = serial();
    let (_, factory) = recorders();
    let cluster = Cluster::start(1, IN_PROCESS, 1000, factory);
    cluster.leader();
    let addr = cluster.node(1).addr().to_owned();
    let mut client = RaftClient::new(&addr, "payments", WAIT).unwrap();
    let check = |what: &str, result: Result<String, RaftError>| {
        let message = match result {
            Err(error) => error.to_string(),
            Ok(answer) => panic!(
                "expected node 1 of cluster \"omsvc\" to refuse {what} from cluster \
                 \"payments\"; it answered {answer}"
            ),
        };
        assert!(
            message.contains("\"omsvc\"") && message.contains("\"payments\""),
            "expected the refusal of {what} to name the node's cluster \"omsvc\" and the \
             client's cluster \"payments\"; saw {message:?}"
        );
    };
    check("status", client.status().map(|r| format!("{r:?}")));
    check(
        "a write",
        client
            .write(omsvc_core::encode_set_request("Scanner", b"x").unwrap())
            .map(|r| format!("{r:?}")),
    );
    check("a read", client.read("Scanner").map(|r| format!("{r:?}")));
    assert_eq!(
        cluster
            .node(1)
            .node()
            .read_configuration("Scanner")
            .unwrap(),
        None,
        "expected the refused write to have written nothing"
    );
    let mut own = RaftClient::new(&addr, CLUSTER, WAIT).unwrap();
    own.status()
        .unwrap_or_else(|e| panic!("expected node 1 to keep answering its own cluster; saw {e}"));
}

#[test]
fn adding_an_unreachable_member_fails_clearly_and_the_cluster_keeps_serving() {
    // One node: an unreachable voter would leave no quorum. Three: no fault tolerance.
    for size in [1, 3] {
        adding_an_unreachable_member(size);
    }
}

fn adding_an_unreachable_member(size: u64) {
    let _serial = serial();
    let (_, factory) = recorders();
    let cluster = Cluster::start(size, IN_PROCESS, 1000, factory);
    let (leader, _) = cluster.leader();
    let addr = dead_address();
    let mut client = RaftClient::new(
        cluster.node(leader).addr(),
        CLUSTER,
        Duration::from_secs(30),
    )
    .unwrap();
    let began = Instant::now();
    let result = client.add_member(9, &addr);
    let took = began.elapsed();
    match &result {
        Ok(()) => panic!("expected adding node 9 at unreachable {addr} to fail; it succeeded"),
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.contains("node 9") && message.contains(&addr),
                "expected the error to name node 9 and its address {addr}; saw {message:?}"
            );
            assert!(
                !matches!(error, RaftError::Request(ClientError::Transport(_))),
                "expected the leader to answer with a reason, not the client to time out; \
                 saw {error:?} after {took:?}"
            );
        }
    }
    let report = cluster.node(leader).report();
    assert!(
        report.members.iter().all(|m| m.id != 9 || !m.voter),
        "expected unreachable node 9 not to become a voter; members {:?}",
        report.members
    );
    let receipt = cluster.set("AfterFailedAdd", b"serving");
    cluster.wait_applied(receipt.entry.index.0);
    println!(
        "unreachable member: add_member failed after {took:?}: {result:?}; members after: {:?}",
        cluster.node(leader).report().members
    );
}

#[test]
fn adding_a_member_that_is_another_node_or_cannot_catch_up_fails_clearly() {
    let _serial = serial();
    let (_, factory) = recorders();
    let mut cluster = Cluster::start(3, IN_PROCESS, 1000, factory);
    let (leader, _) = cluster.leader();
    let addr = cluster.start_node(4).addr().to_owned();
    let leader_addr = cluster.node(leader).addr().to_owned();
    let mut client = RaftClient::new(&leader_addr, CLUSTER, Duration::from_secs(30)).unwrap();

    // The address answers, but as node 4: adding it as node 9 is refused.
    match client.add_member(9, &addr) {
        Err(RaftError::Request(ClientError::Refused(message))) => assert!(
            message.contains(&addr) && message.contains("node 4") && message.contains("node 9"),
            "expected the refusal to say the node at {addr} is node 4, not node 9; saw {message:?}"
        ),
        other => {
            panic!("expected adding node 9 at node 4's address {addr} to be refused; saw {other:?}")
        }
    }

    // Node 4 answers client requests but drops Raft traffic: it never catches up, and the
    // leader must say so within a bound rather than wait forever or promote it.
    cluster.node(4).fault_switch().set_isolated(true);
    let began = Instant::now();
    let result = client.add_member(4, &addr);
    let took = began.elapsed();
    match &result {
        Err(RaftError::Request(ClientError::Raft(message))) => assert!(
            message.contains("node 4") && message.contains(&addr) && message.contains("catch up"),
            "expected the error to say node 4 at {addr} did not catch up; saw {message:?}"
        ),
        other => panic!(
            "expected adding isolated node 4 to fail as not caught up; \
                         saw {other:?} after {took:?}"
        ),
    }
    let members = cluster.node(leader).report().into_message().members;
    assert!(
        members.iter().all(|m| m.id != 4 || !m.voter),
        "expected node 4, which never caught up, not to be a voter; members {members:?}"
    );
    let receipt = cluster.set("WhileLearnerLags", b"serving");
    for id in 1..=3 {
        cluster.wait_for_node(
            id,
            WAIT,
            &format!("node {id} to apply index {}", receipt.entry.index),
            |r| r.last_applied_index() >= receipt.entry.index,
        );
    }

    // Once it can catch up, adding it again makes it a voter.
    cluster.node(4).fault_switch().set_isolated(false);
    cluster.add_member(4, &addr);
    let joined = cluster.wait_for_node(
        4,
        WAIT,
        "node 4 to be a voter with the write applied",
        |r| {
            r.last_applied_index() >= receipt.entry.index
                && r.members.iter().any(|m| m.id == 4 && m.voter)
        },
    );
    println!(
        "lagging member: refused after {took:?}: {result:?}; re-added, node 4 applied {}",
        joined.last_applied_index()
    );
}

#[test]
fn initialize_with_no_members_fails_clearly() {
    let _serial = serial();
    let node = RaftNode::start({
        let mut options = RaftNodeOptions::new(1, "127.0.0.1:0", None);
        options.timeouts = IN_PROCESS;
        options
    })
    .unwrap();
    let direct = node.initialize(BTreeMap::new());
    let mut client = RaftClient::new(node.addr(), CLUSTER, WAIT).unwrap();
    let remote = client.initialize(BTreeMap::new());
    for (how, result) in [
        ("RaftNode::initialize", direct),
        ("RaftClient::initialize", remote),
    ] {
        match result {
            Ok(()) => panic!("expected {how} with no members to fail; it succeeded"),
            Err(error) => {
                let message = error.to_string();
                println!("{how} with no members: {message}");
                assert!(
                    message.contains("member"),
                    "expected {how}'s error to say the member list is empty; saw {message:?}"
                );
            }
        }
    }
    // The node is still uninitialized and can be initialized properly.
    let members = BTreeMap::from([(1, node.addr().to_owned())]);
    node.initialize(members).unwrap_or_else(|e| {
        panic!("expected initialize with node 1 to succeed afterwards; saw {e}")
    });
    wait_for_report(&node, WAIT, |r| r.server_state() == ServerState::Leader)
        .unwrap_or_else(|r| panic!("expected node 1 to lead its one-node cluster; saw {r:#?}"));
}

/// A leader cut off from its quorum cannot commit: a write on it (a service saving progress
/// from its start, say) must fail with a clear error after the write timeout (ten election
/// timeouts), not hang the caller.
#[test]
fn a_write_on_a_leader_without_quorum_fails_within_the_write_timeout() {
    let _serial = serial();
    let (_by_node, factory) = recorders();
    let cluster = Cluster::start(3, IN_PROCESS, 1000, factory);
    let (leader, _) = cluster.leader();
    cluster.node(leader).fault_switch().set_isolated(true);

    let began = Instant::now();
    let result = cluster.node(leader).set("Lifecycle", b"suspended");
    let took = began.elapsed();
    match result {
        Err(RaftError::Request(ClientError::Raft(message))) => assert!(
            message.contains("could not commit the write within"),
            "expected the timeout to be named, got {message:?}"
        ),
        // The watch may have noticed the lost quorum and openraft stepped down first.
        Err(RaftError::Request(ClientError::NotLeader { .. })) => {}
        other => panic!("expected a write on an isolated leader to fail, got {other:?}"),
    }
    let bound = IN_PROCESS.election_max * 10 + Duration::from_secs(5);
    assert!(
        took < bound,
        "the write took {took:?}; expected it to fail within {bound:?}"
    );
    cluster.node(leader).fault_switch().set_isolated(false);
}
