//! openraft mode with real `omsvc node run` processes: real TCP on 127.0.0.1, real RocksDB in
//! temp dirs, and SIGKILL for crashes.
//!
//! - `killing_the_leader_process_moves_the_service_and_the_restarted_node_follows`: the demo's
//!   stateful service fails over to a new leader in a larger epoch, resuming at or after the
//!   progress the killed leader had acknowledged; the killed node, restarted from its data
//!   directory, catches up and does not run the service.
//! - `sigkill_rounds_during_durable_writes_lose_no_acknowledged_write`: a node is killed and
//!   restarted again and again while a client writes; every restart opens cleanly and no
//!   acknowledged write is lost on any node. `OMSVC_RAFT_KILL_ROUNDS` sets the number of
//!   rounds (default 50); `OMSVC_RAFT_KILL_SEED` replays a run's choices (its seed is printed).
//! - `cli_status_and_config_work_against_node_processes`: `omsvc status` and `omsvc config`
//!   against the running nodes.
//!
//! The tests run one at a time (see [`serial`]): on 2 cores, clusters side by side would cause
//! spurious elections.

use omsvc_core::encode_set_request;
use omsvc_core::proto::raft_node_status::ServerState;
use omsvc_raft::types::CommandResponse;
use omsvc_raft::{ClientError, NodeReport, RaftClient};
use omsvc_testkit::cli_run::{describe, omsvc};
use omsvc_testkit::node_process::{CALL_TIMEOUT, CLUSTER, DEMO_SERVICE, START_TIMEOUT};
use omsvc_testkit::node_report::service_state;
use omsvc_testkit::poll::poll;
use omsvc_testkit::ports::free_ports;
use omsvc_testkit::process_cluster::Cluster;
use omsvc_testkit::rng::Rng;
use omsvc_testkit::serial::serial;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Any wait for something that should take a second or so, on a loaded 2-core machine.
const WAIT: Duration = Duration::from_secs(30);
/// The bound on a failover: the killed leader's service runs on a new leader within this.
const FAILOVER_BOUND: Duration = Duration::from_secs(10);
/// How long the restarted node is watched not running the service.
const WATCH_RESTARTED: Duration = Duration::from_secs(3);
const ALL: [u64; 3] = [1, 2, 3];

/// `(next_item, epoch)` of every `node N: progress saved, next item X (epoch E)` line.
fn saved_progress(lines: &[String]) -> Vec<(u64, u64)> {
    lines
        .iter()
        .filter_map(|line| {
            let rest = line.split_once(": progress saved, next item ")?.1;
            let (item, rest) = rest.split_once(" (epoch ")?;
            let (epoch, _entry) = rest.split_once(')')?;
            Some((item.parse().ok()?, epoch.parse().ok()?))
        })
        .collect()
}

/// `(epoch, resume_from)` of every `node N: service STARTED at epoch E, resuming at item R` line.
fn service_starts(lines: &[String]) -> Vec<(u64, u64)> {
    lines
        .iter()
        .filter_map(|line| {
            let rest = line.split_once(": service STARTED at epoch ")?.1;
            let (epoch, item) = rest.split_once(", resuming at item ")?;
            Some((epoch.parse().ok()?, item.parse().ok()?))
        })
        .collect()
}

fn running_epoch(report: &omsvc_raft::NodeReport) -> Option<u64> {
    match service_state(report, DEMO_SERVICE) {
        Some((status, epoch)) if status == "RUNNING" => epoch,
        _ => None,
    }
}

#[test]
fn killing_the_leader_process_moves_the_service_and_the_restarted_node_follows() {
    let _serial = serial();
    let mut cluster = Cluster::start(3, true);

    // A leader runs the service and has saved progress a few times.
    let (leader, old_epoch) = poll(WAIT, || {
        let report = cluster.leader_where(&ALL, |r| running_epoch(r).is_some())?;
        let epoch = running_epoch(&report).expect("checked above");
        let node = cluster.node(report.id());
        let saves = saved_progress(&node.stdout_lines(node.generation()))
            .into_iter()
            .filter(|&(_, e)| e == epoch)
            .count();
        if saves >= 5 {
            Ok((report.id(), epoch))
        } else {
            Err(format!(
                "leader {} runs {DEMO_SERVICE} at epoch {epoch} but saved progress {saves} time(s)",
                report.id()
            ))
        }
    })
    .unwrap_or_else(|seen| {
        panic!(
            "expected within {WAIT:?} a leader running {DEMO_SERVICE} that saved progress at \
             least 5 times; last seen: {seen}\n{}",
            cluster.tails(30)
        )
    });

    // SIGKILL the leader; what it acknowledged is in its stdout (read to the end by kill()).
    cluster.node_mut(leader).kill();
    let killed_at = Instant::now();
    let killed_lines = cluster.node(leader).stdout_lines(1);
    let last_acked = saved_progress(&killed_lines)
        .last()
        .map(|&(item, _)| item)
        .unwrap_or_else(|| {
            panic!(
                "expected the killed leader {leader} to have printed `progress saved` lines, \
                 saw none\n{}",
                cluster.node(leader).tail(40)
            )
        });
    eprintln!(
        "killed leader node {leader} (epoch {old_epoch}); its last acknowledged progress: \
         next item {last_acked}"
    );

    // Another node runs the service in a larger epoch, resuming from the saved progress.
    let others: Vec<u64> = ALL.into_iter().filter(|&id| id != leader).collect();
    let (new_leader, new_epoch, resumed_at) = poll(FAILOVER_BOUND, || {
        let report = cluster.leader_where(&others, |r| {
            running_epoch(r).is_some_and(|epoch| epoch > old_epoch)
        })?;
        let epoch = running_epoch(&report).expect("checked above");
        let node = cluster.node(report.id());
        let resumed = service_starts(&node.stdout_lines(node.generation()))
            .into_iter()
            .find(|&(e, _)| e == epoch)
            .map(|(_, item)| item)
            .ok_or_else(|| {
                format!(
                    "node {} runs {DEMO_SERVICE} at epoch {epoch} but has not printed its \
                     STARTED line for it yet",
                    report.id()
                )
            })?;
        Ok((report.id(), epoch, resumed))
    })
    .unwrap_or_else(|seen| {
        panic!(
            "expected within {FAILOVER_BOUND:?} of killing leader {leader} (epoch {old_epoch}) \
             another node to lead and run {DEMO_SERVICE} at a larger epoch; last seen: \
             {seen}\n{}",
            cluster.tails(30)
        )
    });
    let failover = killed_at.elapsed();
    eprintln!(
        "failover: node {new_leader} runs {DEMO_SERVICE} at epoch {new_epoch}, resumed at item \
         {resumed_at}, {} ms after the kill",
        failover.as_millis()
    );
    assert!(
        resumed_at >= last_acked,
        "expected the new leader {new_leader} to resume at item >= {last_acked} (the killed \
         leader {leader} acknowledged saving that progress), it resumed at {resumed_at}\n{}{}",
        cluster.node(leader).tail(20),
        cluster.node(new_leader).tail(20)
    );

    // Restart the killed node from its data directory (no --init): it catches up, follows
    // the current leader, and does not run the service.
    cluster.node_mut(leader).spawn(&[]);
    if let Err(message) = cluster.node_mut(leader).wait_listening(START_TIMEOUT) {
        panic!("expected the killed node to restart from its data directory: {message}");
    }
    let restarted_at = Instant::now();
    let target = cluster
        .node(new_leader)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "expected leader {new_leader} to answer a status request: {e}\n{}",
                cluster.tails(20)
            )
        })
        .last_applied_index();
    let caught_up = poll(WAIT, || {
        let current = cluster.leader_where(&ALL, |_| true)?;
        let report = cluster
            .node(leader)
            .status()
            .map_err(|e| format!("restarted node {leader}: status failed: {e}"))?;
        let voters = report.members.iter().filter(|m| m.voter).count();
        if report.last_applied_index() >= target
            && report.leader() == Some(current.id())
            && report.leader_addr.as_deref() == Some(current.addr.as_str())
            && report.server_state() == ServerState::Follower
            && voters == 3
        {
            Ok(report)
        } else {
            Err(format!(
                "restarted node {leader}: state {:?} with {voters} voter(s) among members {:?}, \
                 applied {} (leader had applied {target} at the restart), reports leader {:?} \
                 at {:?}; the leader is node {} at {}",
                report.server_state(),
                report.members,
                report.last_applied_index(),
                report.leader(),
                report.leader_addr,
                current.id(),
                current.addr
            ))
        }
    })
    .unwrap_or_else(|seen| {
        panic!(
            "expected within {WAIT:?} the restarted node {leader} to be a follower among 3 \
             voters again, apply up to index {target} and name the current leader (id and \
             address); last seen: {seen}\n{}",
            cluster.tails(30)
        )
    });
    eprintln!(
        "restarted node {leader} caught up to index {} in {} ms, following node {:?}",
        caught_up.last_applied_index(),
        restarted_at.elapsed().as_millis(),
        caught_up.leader()
    );
    let watch_until = Instant::now() + WATCH_RESTARTED;
    let mut checks = 0;
    while Instant::now() < watch_until {
        let report = cluster.node(leader).status().unwrap_or_else(|e| {
            panic!(
                "expected the restarted node {leader} to keep answering status: {e}\n{}",
                cluster.tails(30)
            )
        });
        let state = service_state(&report, DEMO_SERVICE);
        assert_eq!(
            state.as_ref().map(|(status, _)| status.as_str()),
            Some("PAUSING"),
            "expected the restarted follower {leader} not to run {DEMO_SERVICE} (status \
             PAUSING), saw {state:?} (node state {:?}, leader {:?})\n{}",
            report.server_state(),
            report.leader(),
            cluster.tails(30)
        );
        checks += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
    let restarted_starts = service_starts(&cluster.node(leader).stdout_lines(2));
    assert!(
        restarted_starts.is_empty(),
        "expected the restarted follower {leader} never to start {DEMO_SERVICE}, it printed \
         STARTED (epoch, item) {restarted_starts:?}\n{}",
        cluster.node(leader).tail(40)
    );
    // The service still runs on a leader (the cluster is healthy after the restart).
    poll(WAIT, || {
        cluster.leader_where(&ALL, |r| running_epoch(r).is_some())
    })
    .unwrap_or_else(|seen| {
        panic!(
            "expected a leader still running {DEMO_SERVICE} after the restart; last seen: \
                 {seen}\n{}",
            cluster.tails(30)
        )
    });
    eprintln!("restarted node {leader} stayed PAUSING over {checks} status checks");
}

/// Sets the flag when dropped, so the writer thread ends even if the test panics.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

const KEYS: u64 = 5;

#[derive(Debug, Default)]
struct WriterStats {
    /// Per key, the last acknowledged write index `i` (value `v{i}`).
    last_acked: BTreeMap<u64, u64>,
    acked: u64,
    failed_attempts: u64,
    /// The highest `i` the writer proposed (acknowledged or not).
    max_attempted: Option<u64>,
    /// A reason the writer gave up: the cluster refused a valid command.
    fatal: Option<String>,
    last_errors: Vec<String>,
}

/// Writes through the cluster, following the leader; on transport errors and leaderless
/// answers it moves on to the next node. Returns the receipt, or None once `stop` is set.
struct Writer {
    addrs: Vec<String>,
    current: usize,
    client: Option<RaftClient>,
}

impl Writer {
    fn new(addrs: Vec<String>) -> Writer {
        Writer {
            addrs,
            current: 0,
            client: None,
        }
    }

    fn write(
        &mut self,
        command: &[u8],
        stop: &AtomicBool,
        mut on_error: impl FnMut(String),
    ) -> Option<omsvc_raft::WriteReceipt> {
        while !stop.load(Ordering::SeqCst) {
            let client = self.client.get_or_insert_with(|| {
                RaftClient::new(&self.addrs[self.current], CLUSTER, CALL_TIMEOUT)
                    .expect("a client runtime")
            });
            match client.write(command.to_vec()) {
                Ok(receipt) => return Some(receipt),
                Err(error) => {
                    let pause = match error.as_request() {
                        Some(ClientError::NotLeader { .. }) => 50,
                        _ => 20,
                    };
                    on_error(format!("entering at {}: {error}", self.addrs[self.current]));
                    self.current = (self.current + 1) % self.addrs.len();
                    self.client = None;
                    std::thread::sleep(Duration::from_millis(pause));
                }
            }
        }
        None
    }
}

fn run_writer(addrs: Vec<String>, stop: Arc<AtomicBool>, stats: Arc<Mutex<WriterStats>>) {
    let mut writer = Writer::new(addrs);
    let mut i = 0u64;
    loop {
        let key = i % KEYS;
        let command = encode_set_request(&format!("svc-{key}"), format!("v{i}").as_bytes())
            .expect("a valid set command");
        stats.lock().unwrap().max_attempted = Some(i);
        let receipt = writer.write(&command, &stop, |error| {
            let mut stats = stats.lock().unwrap();
            stats.failed_attempts += 1;
            if stats.last_errors.len() >= 5 {
                stats.last_errors.remove(0);
            }
            stats.last_errors.push(error);
        });
        let Some(receipt) = receipt else { return };
        let mut stats = stats.lock().unwrap();
        match receipt.response {
            CommandResponse::Applied | CommandResponse::AlreadyApplied => {
                stats.last_acked.insert(key, i);
                stats.acked += 1;
            }
            other => {
                stats.fatal = Some(format!(
                    "write v{i} of svc-{key} was answered {other:?} at index {}",
                    receipt.entry.index
                ));
                return;
            }
        }
        i += 1;
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|text| {
        text.parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a number"))
    })
}

#[test]
fn sigkill_rounds_during_durable_writes_lose_no_acknowledged_write() {
    let _serial = serial();
    let rounds = env_u64("OMSVC_RAFT_KILL_ROUNDS").unwrap_or(50);
    let seed = env_u64("OMSVC_RAFT_KILL_SEED").unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("a clock after 1970")
            .as_nanos() as u64
    });
    eprintln!("{rounds} SIGKILL rounds, seed {seed} (replay with OMSVC_RAFT_KILL_SEED={seed})");
    let mut rng = Rng::new(seed);
    let test_started = Instant::now();
    let mut cluster = Cluster::start(3, false);
    poll(WAIT, || cluster.leader_where(&ALL, |_| true)).unwrap_or_else(|seen| {
        panic!(
            "expected a leader within {WAIT:?}; last seen: {seen}\n{}",
            cluster.tails(30)
        )
    });

    let stop = Arc::new(AtomicBool::new(false));
    let _stop_writer = StopOnDrop(stop.clone());
    let stats = Arc::new(Mutex::new(WriterStats::default()));
    let writer = {
        let (addrs, stop, stats) = (cluster.addrs(), stop.clone(), stats.clone());
        std::thread::Builder::new()
            .name("raft-processes-writer".into())
            .spawn(move || run_writer(addrs, stop, stats))
            .expect("a writer thread")
    };
    poll(WAIT, || match stats.lock().unwrap().acked {
        0 => Err("no write acknowledged yet".to_owned()),
        _ => Ok(()),
    })
    .unwrap_or_else(|seen| {
        panic!(
            "expected a first acknowledged write within {WAIT:?}: {seen}; writer: {:?}\n{}",
            stats.lock().unwrap(),
            cluster.tails(30)
        )
    });

    let rounds_started = Instant::now();
    let mut kills = BTreeMap::<u64, u32>::new();
    let mut slowest_restart = Duration::ZERO;
    for round in 1..=rounds {
        std::thread::sleep(Duration::from_millis(rng.below(300) as u64));
        let id = 1 + rng.below(3) as u64;
        *kills.entry(id).or_default() += 1;
        let restart_started = Instant::now();
        let node = cluster.node_mut(id);
        node.kill();
        node.spawn(&[]);
        if let Err(message) = node.wait_listening(START_TIMEOUT) {
            panic!(
                "round {round} of {rounds} (seed {seed}): expected every restart to open \
                 cleanly: {message}\n{}",
                cluster.tails(20)
            );
        }
        poll(WAIT, || {
            cluster
                .node(id)
                .status()
                .map_err(|e| format!("status failed: {e}"))
        })
        .unwrap_or_else(|seen| {
            panic!(
                "round {round} of {rounds} (seed {seed}): expected the restarted node {id} \
                 to answer status within {WAIT:?}; last: {seen}\n{}",
                cluster.tails(30)
            )
        });
        slowest_restart = slowest_restart.max(restart_started.elapsed());
        if let Some(fatal) = &stats.lock().unwrap().fatal {
            panic!("round {round} (seed {seed}): the writer stopped: {fatal}");
        }
    }
    let rounds_took = rounds_started.elapsed();
    stop.store(true, Ordering::SeqCst);
    writer.join().expect("the writer thread does not panic");
    let stats = std::mem::take(&mut *stats.lock().unwrap());
    assert_eq!(
        stats.fatal, None,
        "expected the cluster to apply every write the writer made (seed {seed})"
    );

    // The cluster still takes writes after the last restart.
    let final_command = encode_set_request("final-check", b"after the kills").expect("valid");
    let never = AtomicBool::new(false);
    let final_deadline = Instant::now() + WAIT;
    let mut final_errors = Vec::new();
    let final_receipt = Writer::new(cluster.addrs())
        .write(&final_command, &never, |error| {
            assert!(
                Instant::now() < final_deadline,
                "expected the cluster to take a write within {WAIT:?} after the last round \
                 (seed {seed}); errors: {final_errors:?}, last: {error}\n{}",
                cluster.tails(30)
            );
            final_errors.push(error);
        })
        .expect("the final write is never stopped");

    // Every node applies everything.
    let applied = poll(WAIT, || {
        let mut indexes = BTreeMap::new();
        for node in &cluster.nodes {
            let report = node
                .status()
                .map_err(|e| format!("node {}: status failed: {e}", node.id))?;
            indexes.insert(node.id, report.last_applied_index());
        }
        let first = indexes[&1];
        if first >= final_receipt.entry.index && indexes.values().all(|&index| index == first) {
            Ok(first)
        } else {
            Err(format!(
                "last applied indexes {indexes:?}, the final write is at index {}",
                final_receipt.entry.index
            ))
        }
    })
    .unwrap_or_else(|seen| {
        panic!(
            "expected every node to apply the same entries up to the final write within \
             {WAIT:?} (seed {seed}); last seen: {seen}\n{}",
            cluster.tails(30)
        )
    });

    // No acknowledged write is lost, on any node, and all nodes hold the same values.
    let max_attempted = stats.max_attempted.expect("the writer wrote");
    let mut first_values: Option<Vec<Option<Vec<u8>>>> = None;
    for node in &cluster.nodes {
        let mut client = node.client();
        let mut values = Vec::new();
        for key in 0..KEYS {
            let name = format!("svc-{key}");
            let value = client.read(&name).unwrap_or_else(|e| {
                panic!("expected node {} to answer a read of {name}: {e}", node.id)
            });
            let acked = stats.last_acked.get(&key).copied();
            let written = value.as_deref().map(|bytes| {
                std::str::from_utf8(bytes)
                    .ok()
                    .and_then(|text| text.strip_prefix('v'))
                    .and_then(|digits| digits.parse::<u64>().ok())
                    .unwrap_or_else(|| {
                        panic!(
                            "expected node {} to hold a `v<i>` value for {name}, saw {:?}",
                            node.id,
                            String::from_utf8_lossy(bytes)
                        )
                    })
            });
            match (acked, written) {
                (None, _) => {}
                (Some(acked), Some(i)) => assert!(
                    i >= acked && i % KEYS == key && i <= max_attempted,
                    "expected node {} to hold for {name} the write v{acked} (the last \
                     acknowledged) or a later write of it (at most v{max_attempted}), it holds \
                     v{i} (seed {seed})\n{}",
                    node.id,
                    node.tail(30)
                ),
                (Some(acked), None) => panic!(
                    "expected node {} to hold {name} = v{acked} (acknowledged) or later, it \
                     holds nothing (seed {seed})\n{}",
                    node.id,
                    node.tail(30)
                ),
            }
            values.push(value);
        }
        match &first_values {
            None => first_values = Some(values),
            Some(first) => assert_eq!(
                &values, first,
                "expected node {} to hold the same svc-* values as node 1 once both applied \
                 index {applied} (seed {seed})",
                node.id
            ),
        }
    }
    eprintln!(
        "{rounds} rounds (kills per node {kills:?}) in {} ms, every restart opened cleanly \
         (slowest {} ms to answer status); {} writes acknowledged, {} failed attempts (last: {:?}); all nodes agree at index {applied}; \
         total {} ms",
        rounds_took.as_millis(),
        slowest_restart.as_millis(),
        stats.acked,
        stats.failed_attempts,
        stats.last_errors,
        test_started.elapsed().as_millis()
    );
}

#[test]
fn cli_status_and_config_work_against_node_processes() {
    let _serial = serial();
    let cluster = Cluster::start(3, true);
    // `omsvc status --json` on a follower parses and names the leader. A young cluster may
    // still change its leader, and a follower learns the leader's address only once it has
    // the membership entry, so leader and follower are read again until they agree.
    let (leader, follower, status) = poll(WAIT, || {
        let leader = cluster.leader_where(&ALL, |_| true)?;
        let follower = cluster
            .nodes
            .iter()
            .find(|node| node.id != leader.id())
            .expect("a follower");
        let output = omsvc(&["status", "--node", &follower.addr, "--json"]);
        if !output.status.success() {
            return Err(describe(&output));
        }
        let json: serde_json::Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("not JSON ({e}): {}", describe(&output)))?;
        let leader_id = leader.id().to_string();
        if json["node"]["leader"].as_str() == Some(leader_id.as_str())
            && json["leader_addr"].is_string()
        {
            Ok((leader, follower, json))
        } else {
            Err(format!(
                "node {} leads, the follower reports {json}",
                leader.id()
            ))
        }
    })
    .unwrap_or_else(|seen| {
        panic!(
            "expected `omsvc status --json` on a follower to succeed with JSON naming the \
             leader; last: {seen}\n{}",
            cluster.tails(20)
        )
    });
    check_status_json(&status, follower.id, &follower.addr, &leader);
    check_status_text(&follower.addr, follower.id);

    // `omsvc config set` through a follower is forwarded to the leader.
    let set = omsvc(&[
        "config",
        "set",
        "--node",
        &follower.addr,
        "KeyLifecycleService",
        "suspended",
    ]);
    let set_stdout = String::from_utf8_lossy(&set.stdout);
    assert!(
        set.status.success()
            && set_stdout.starts_with("set KeyLifecycleService (9 bytes): committed at term "),
        "expected `omsvc config set --node {}` (a follower) to commit through the leader, \
         saw {}\n{}",
        follower.addr,
        describe(&set),
        cluster.tails(20)
    );

    // `omsvc config get --json` shows it on every node.
    let expected_hex: String = b"suspended".iter().map(|b| format!("{b:02x}")).collect();
    for node in &cluster.nodes {
        poll(WAIT, || {
            let output = omsvc(&[
                "config",
                "get",
                "--node",
                &node.addr,
                "KeyLifecycleService",
                "--json",
            ]);
            let json: serde_json::Value = serde_json::from_slice(&output.stdout)
                .map_err(|e| format!("not JSON ({e}): {}", describe(&output)))?;
            if output.status.success()
                && json["present"] == true
                && json["hex"] == expected_hex.as_str()
                && json["size"] == 9
            {
                Ok(())
            } else {
                Err(format!("{json}; {}", describe(&output)))
            }
        })
        .unwrap_or_else(|seen| {
            panic!(
                "expected `omsvc config get --node {} KeyLifecycleService --json` to show \
                 present, size 9, hex {expected_hex}; last: {seen}\n{}",
                node.addr,
                node.tail(20)
            )
        });
    }

    // A node that is not there: exit 34 (REPLICATION_ERROR) and a message naming the address.
    let nobody = format!("127.0.0.1:{}", free_ports(1)[0]);
    let missing = omsvc(&["config", "get", "--node", &nobody, "X"]);
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        missing.status.code() == Some(34) && stderr.contains(&nobody),
        "expected `omsvc config get --node {nobody} X` (nothing listens there) to exit 34 with \
         a message naming {nobody}, saw {}",
        describe(&missing)
    );
}

/// `omsvc status --json` of `follower` following `leader`: the `RaftNodeStatus` message as
/// JSON, the core's `NodeStatus` JSON under `node`, what openraft adds beside it.
fn check_status_json(status: &serde_json::Value, follower: u64, addr: &str, leader: &NodeReport) {
    let (follower_id, leader_id) = (follower.to_string(), leader.id().to_string());
    assert_eq!(
        (
            status["node"]["self_id"].as_str(),
            status["node"]["leader"].as_str(),
            status["leader_addr"].as_str(),
            status["addr"].as_str(),
            status["cluster"].as_str(),
            status["server_state"].as_str(),
            status["node"]["role"].as_str(),
        ),
        (
            Some(&*follower_id),
            Some(&*leader_id),
            Some(leader.addr.as_str()),
            Some(addr),
            Some(CLUSTER),
            Some("FOLLOWER"),
            Some("follower"),
        ),
        "expected the status of follower {follower} to name leader {leader_id} at {}, saw \
         {status:#}",
        leader.addr
    );
    let keys = |value: &serde_json::Value| -> Vec<String> {
        let object = value.as_object();
        object.map_or_else(Vec::new, |object| object.keys().cloned().collect())
    };
    assert_eq!(
        keys(status),
        [
            "addr",
            "cluster",
            "leader_addr",
            "leadership_changes",
            "members",
            "node",
            "pauses_seen",
            "server_state"
        ],
        "what openraft adds, beside the core status: {status:#}"
    );
    let core_keys = keys(&omsvc_core::status_json::to_json(&Default::default()));
    assert_eq!(keys(&status["node"]), core_keys, "{status:#}");
    let members = status["members"].as_array().cloned().unwrap_or_default();
    assert_eq!(members.len(), 3, "expected 3 members in {status:#}");
    assert!(
        members
            .iter()
            .all(|m| m["voter"] == true && m["addr"].is_string()),
        "expected 3 voters with their addresses in {status:#}"
    );
    assert!(
        status["node"]["last_applied_entry"]["index"].as_u64() > Some(0),
        "expected an applied entry in {status:#}"
    );
    assert!(
        status["leadership_changes"]
            .as_array()
            .and_then(|changes| changes.last())
            .is_some_and(|last| last["term"].is_u64() && last["at_unix_ms"].is_u64()),
        "expected the leadership changes seen in {status:#}"
    );
    let service = status["node"]["services"]
        .as_array()
        .and_then(|services| services.iter().find(|s| s["name"] == DEMO_SERVICE))
        .unwrap_or_else(|| panic!("expected {DEMO_SERVICE} in {status:#}"));
    assert_eq!(
        (
            service["status"].as_str(),
            &service["epoch"],
            service["since_unix_ms"].is_u64()
        ),
        (Some("PAUSING"), &serde_json::Value::Null, true),
        "expected {DEMO_SERVICE} to pause on follower {follower}: {status:#}"
    );
}

/// `omsvc status` (text) names the node, its state, the leader, members and services.
fn check_status_text(addr: &str, id: u64) {
    let output = omsvc(&["status", "--node", addr]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", describe(&output));
    for expected in [
        format!("node {id} at {addr} (cluster {CLUSTER:?}): Follower (core role Follower)"),
        "term ".to_owned(),
        ", leader node ".to_owned(),
        "last applied index ".to_owned(),
        "leadership last changed since ".to_owned(),
        "  member ".to_owned(),
        format!("  service {DEMO_SERVICE}: PAUSING"),
    ] {
        assert!(
            text.contains(&expected),
            "expected {expected:?} in:\n{text}"
        );
    }
}
