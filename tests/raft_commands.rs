//! Leader-only commands (`omsvc node run --service NAME=COMMAND`) on real node processes.
//!
//! - `a_leader_only_command_moves_with_leadership_and_never_overlaps_an_older_epoch`: three
//!   nodes run a command that writes `start`/`beat`/`stop` lines, stamped with its epoch and
//!   node, into one register file under a lock. The command runs on one node; it moves when the
//!   leader is SIGKILLed and when it is SIGSTOPped (its keeper ends it at the end of the lease);
//!   the register's epochs never go back, each epoch is one node's, and no two runs of
//!   different epochs overlap; a save stamped with an ended epoch is refused; `omsvc service
//!   stop` holds across a failover and `service start` brings the command back.
//! - `a_command_that_exits_is_restarted_and_the_node_leaves_no_process_behind`: a command that
//!   exits by itself is restarted with backoff and its exit shows in the status; a command saves
//!   its configuration through its node, fenced by its epoch; SIGTERM and SIGINT to the node
//!   end its commands' whole process groups.

use omsvc_raft::NodeReport;
use omsvc_testkit::cli_run::{describe, omsvc};
use omsvc_testkit::node_process::NodeProc;
use omsvc_testkit::node_report::service_state;
use omsvc_testkit::poll::poll;
use omsvc_testkit::proc_fs::live_group_members;
use omsvc_testkit::process_cluster::Cluster;
use omsvc_testkit::serial::serial;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);
const ALL: [u64; 3] = [1, 2, 3];
const SERVICE: &str = "Fenced";

/// A command that writes `UNIX_NS KIND EPOCH NODE PID` lines into `register` under a lock:
/// `start`, a `beat` every 50 ms, and `stop` when it gets SIGTERM.
fn register_command(register: &Path) -> String {
    let register = register.display();
    format!(
        "reg() {{ ( flock 9; echo \"$(date +%s%N) $1 $OMSVC_EPOCH $OMSVC_NODE_ID $$\" >> '{register}' ) 9>>'{register}.lock'; }}; \
         trap 'reg stop; exit 0' TERM; \
         reg start; \
         while :; do reg beat; sleep 0.05; done"
    )
}

/// One line of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    unix_ns: u128,
    kind: String,
    epoch: u64,
    node: u64,
    /// The command's shell: the leader of its process group.
    pid: u32,
}

fn read_register(register: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(register).unwrap_or_default();
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            assert_eq!(fields.len(), 5, "a register line with 5 fields: {line:?}");
            Entry {
                unix_ns: fields[0].parse().expect("a time"),
                kind: fields[1].to_owned(),
                epoch: fields[2].parse().expect("an epoch"),
                node: fields[3].parse().expect("a node id"),
                pid: fields[4].parse().expect("a pid"),
            }
        })
        .collect()
}

/// The register's guarantees: in write order (the lock's order) epochs never go back, each
/// epoch is one node's, and runs (one shell each) of different epochs never overlap in time.
fn check_register(entries: &[Entry]) -> Result<(), String> {
    for pair in entries.windows(2) {
        if pair[1].epoch < pair[0].epoch {
            return Err(format!("epoch went back: {:?} then {:?}", pair[0], pair[1]));
        }
    }
    let mut owners: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    for entry in entries {
        owners.entry(entry.epoch).or_default().insert(entry.node);
    }
    if let Some((epoch, nodes)) = owners.iter().find(|(_, nodes)| nodes.len() > 1) {
        return Err(format!("epoch {epoch} ran on nodes {nodes:?}"));
    }
    let mut runs: BTreeMap<u32, (u64, u128, u128)> = BTreeMap::new();
    for entry in entries {
        let run = runs
            .entry(entry.pid)
            .or_insert((entry.epoch, entry.unix_ns, entry.unix_ns));
        run.2 = entry.unix_ns;
    }
    for (pid, (epoch, first, last)) in &runs {
        for (other, (other_epoch, other_first, other_last)) in &runs {
            if epoch != other_epoch && first <= other_last && other_first <= last {
                return Err(format!(
                    "run {pid} (epoch {epoch}) and run {other} (epoch {other_epoch}) overlap"
                ));
            }
        }
    }
    Ok(())
}

fn running_epoch(report: &NodeReport) -> Option<u64> {
    match service_state(report, SERVICE) {
        Some((status, epoch)) if status == "RUNNING" => epoch,
        _ => None,
    }
}

/// Waits for a leader among `candidates` that runs the command in an epoch above `above`,
/// and for that run's first line in the register. Returns (leader, epoch, the run's pid).
fn wait_for_run(
    cluster: &Cluster,
    register: &Path,
    candidates: &[u64],
    above: u64,
) -> (u64, u64, u32) {
    let leader = poll(WAIT, || {
        cluster.leader_where(candidates, |report| {
            running_epoch(report).is_some_and(|epoch| epoch > above)
        })
    })
    .unwrap_or_else(|e| {
        panic!(
            "expected a leader among {candidates:?} running {SERVICE} above epoch {above}: {e}\n{}",
            cluster.tails(30)
        )
    });
    let epoch = running_epoch(&leader).unwrap();
    let pid = poll(WAIT, || {
        read_register(register)
            .iter()
            .find(|entry| entry.epoch == epoch && entry.kind == "start")
            .map(|entry| entry.pid)
            .ok_or_else(|| format!("no start line of epoch {epoch} yet"))
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.tails(30)));
    (leader.id(), epoch, pid)
}

/// Waits until process group `pgid` has no live process.
fn wait_group_gone(pgid: u32, what: &str) {
    poll(Duration::from_secs(10), || {
        let members = live_group_members(pgid);
        if members.is_empty() {
            Ok(())
        } else {
            Err(format!("{members:?}"))
        }
    })
    .unwrap_or_else(|members| panic!("{what}: process group {pgid} still has {members}"));
}

/// Nodes other than `node` whose status says the command runs.
fn others_running(cluster: &Cluster, node: u64) -> Vec<u64> {
    ALL.into_iter()
        .filter(|&id| id != node && cluster.node(id).is_running())
        .filter(|&id| {
            cluster
                .node(id)
                .status()
                .ok()
                .and_then(|report| running_epoch(&report))
                .is_some()
        })
        .collect()
}

fn service_cli(action: &str, node: &NodeProc) {
    let output = omsvc(&["service", action, SERVICE, "--node", &node.addr]);
    assert!(
        output.status.success(),
        "omsvc service {action}: {}",
        describe(&output)
    );
}

#[test]
fn a_leader_only_command_moves_with_leadership_and_never_overlaps_an_older_epoch() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let register = dir.path().join("register");
    let command = format!("{SERVICE}={}", register_command(&register));
    let mut cluster = Cluster::start_with(3, false, |node| {
        node.extra_args = vec![
            "--service".into(),
            command.clone(),
            "--service-stop-grace-ms".into(),
            "3000".into(),
        ];
    });

    // It runs on the leader only, with the leader's epoch and id in its environment.
    let (first, first_epoch, first_pid) = wait_for_run(&cluster, &register, &ALL, 0);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(others_running(&cluster, first), Vec::<u64>::new());
    let entries = read_register(&register);
    assert!(
        entries
            .iter()
            .all(|entry| (entry.node, entry.epoch) == (first, first_epoch)),
        "only node {first} in epoch {first_epoch} wrote: {entries:?}"
    );
    assert!(entries.iter().filter(|e| e.kind == "beat").count() >= 3);

    // SIGKILL of the leader: its command dies with it (no orphan), another node runs it.
    cluster.node_mut(first).kill();
    wait_group_gone(first_pid, "the command of the SIGKILLed leader");
    let rest: Vec<u64> = ALL.into_iter().filter(|&id| id != first).collect();
    let (second, second_epoch, second_pid) = wait_for_run(&cluster, &register, &rest, first_epoch);
    check_register(&read_register(&register)).unwrap_or_else(|e| panic!("after the kill: {e}"));
    // What the killed leader's command would save now is refused: its epoch has ended.
    let stale = omsvc(&[
        "config",
        "set",
        "--node",
        &cluster.node(second).addr,
        "--writer-epoch",
        &first_epoch.to_string(),
        SERVICE,
        "stale",
    ]);
    assert!(
        !stale.status.success() && String::from_utf8_lossy(&stale.stderr).contains("had ended"),
        "a save in ended epoch {first_epoch}: {}",
        describe(&stale)
    );
    assert_eq!(cluster.node(second).client().read(SERVICE).unwrap(), None);
    cluster.node_mut(first).spawn(&[]);
    cluster
        .node_mut(first)
        .wait_listening(WAIT)
        .unwrap_or_else(|e| panic!("{e}"));

    // SIGSTOP of the leader: it cannot act, its keeper ends the command at the lease's end,
    // before another node runs it.
    cluster.node(second).signal(libc::SIGSTOP);
    wait_group_gone(second_pid, "the command of the SIGSTOPped leader");
    let rest: Vec<u64> = ALL.into_iter().filter(|&id| id != second).collect();
    let (third, third_epoch, _) = wait_for_run(&cluster, &register, &rest, second_epoch);
    cluster.node(second).signal(libc::SIGCONT);
    poll(WAIT, || match cluster.node(second).status() {
        Ok(report) if report.leader() == Some(third) && running_epoch(&report).is_none() => Ok(()),
        Ok(report) => Err(format!("{report:?}")),
        Err(error) => Err(error.to_string()),
    })
    .unwrap_or_else(|e| panic!("the resumed node still leads or runs it: {e}"));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(others_running(&cluster, third), Vec::<u64>::new());
    check_register(&read_register(&register))
        .unwrap_or_else(|e| panic!("after the pause: {e}\n{}", cluster.tails(20)));

    // A user stop, through a follower: the command gets SIGTERM (its `stop` line), and no
    // later leader starts it.
    let follower = ALL.into_iter().find(|&id| id != third).unwrap();
    service_cli("stop", cluster.node(follower));
    poll(WAIT, || {
        let entries = read_register(&register);
        match entries.last() {
            Some(last) if last.kind == "stop" && last.epoch == third_epoch => Ok(()),
            last => Err(format!("last line {last:?}")),
        }
    })
    .unwrap_or_else(|e| panic!("no stop line after `service stop`: {e}"));
    cluster.node_mut(third).kill();
    let rest: Vec<u64> = ALL.into_iter().filter(|&id| id != third).collect();
    let fourth = poll(WAIT, || {
        cluster.leader_where(&rest, |report| {
            report.services().iter().any(|service| {
                service.name == SERVICE
                    && service.waiting_for.as_deref() == Some("should_run is false")
            })
        })
    })
    .unwrap_or_else(|e| panic!("expected a new leader holding the stop: {e}"));
    let lines_before = read_register(&register).len();
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        read_register(&register).len(),
        lines_before,
        "the stopped command ran after the failover\n{}",
        cluster.tails(20)
    );

    // A user start brings it back on the leader.
    service_cli("start", cluster.node(fourth.id()));
    let (_, fifth_epoch, _) = wait_for_run(&cluster, &register, &rest, third_epoch);
    assert!(fifth_epoch >= fourth.term().0);
    let entries = read_register(&register);
    check_register(&entries).unwrap_or_else(|e| panic!("at the end: {e}"));
    let epochs: BTreeSet<u64> = entries.iter().map(|entry| entry.epoch).collect();
    for epoch in [first_epoch, second_epoch, third_epoch, fifth_epoch] {
        assert!(epochs.contains(&epoch), "epoch {epoch} in {epochs:?}");
    }
}

/// The process group a `Holder` command printed (`group PGID`) into the node's log.
fn printed_group(node: &NodeProc) -> Option<u32> {
    node.stderr_lines(node.generation())
        .iter()
        .filter(|line| line.contains("service=Holder"))
        .find_map(|line| {
            let (_, rest) = line.split_once("group ")?;
            rest.split_whitespace().next()?.parse().ok()
        })
}

#[test]
fn a_command_that_exits_is_restarted_and_the_node_leaves_no_process_behind() {
    let _serial = serial();
    let mut cluster = Cluster::start_with(1, false, |node| {
        node.extra_args = vec![
            "--service".into(),
            "Crasher=echo \"crashing in epoch $OMSVC_EPOCH on node $OMSVC_NODE_ID\"; exit 7".into(),
            "--service".into(),
            "Holder=\"$OMSVC_BIN\" config set --node \"$OMSVC_NODE_ADDR\" \
             --writer-epoch \"$OMSVC_EPOCH\" \"$OMSVC_SERVICE\" \"saved in $OMSVC_EPOCH\" \
             && sleep 300 & echo \"group $$\"; wait"
                .into(),
        ];
    });
    let crasher = |report: &NodeReport| {
        report
            .services()
            .iter()
            .find(|service| service.name == "Crasher")
            .cloned()
            .expect("Crasher is registered")
    };
    let seen = poll(WAIT, || {
        let report = cluster.node(1).status().map_err(|e| e.to_string())?;
        let service = crasher(&report);
        match &service.waiting_for {
            Some(waiting) if waiting.contains("restarting in") && service.start_count >= 2 => {
                Ok(service)
            }
            _ => Err(format!("{service:?}")),
        }
    })
    .unwrap_or_else(|e| panic!("expected Crasher restarting: {e}\n{}", cluster.tails(30)));
    let error = seen.last_error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("command exited with status 7 after ") && error.contains("unix ms"),
        "{seen:?}"
    );
    let crashes = cluster
        .node(1)
        .stderr_lines(1)
        .iter()
        .filter(|line| line.contains("crashing in epoch ") && line.contains("service=Crasher"))
        .count();
    assert!(crashes >= 2, "{}", cluster.tails(30));

    // SIGTERM, then (restarted) SIGINT to the node: each time its commands' process groups
    // end with it.
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let node = cluster.node_mut(1);
        if !node.is_running() {
            node.spawn(&[]);
            node.wait_listening(WAIT).unwrap_or_else(|e| panic!("{e}"));
        }
        let group = poll(WAIT, || {
            printed_group(node).ok_or_else(|| "no group printed yet".to_owned())
        })
        .unwrap_or_else(|e| panic!("{e}\n{}", node.tail(30)));
        // The command saved its configuration through its node, in its epoch.
        poll(WAIT, || {
            let report = node.status().map_err(|e| e.to_string())?;
            let epoch = service_state(&report, "Holder")
                .and_then(|(_, epoch)| epoch)
                .ok_or("Holder not running")?;
            match node.client().read("Holder").map_err(|e| e.to_string())? {
                Some(saved) if saved == format!("saved in {epoch}").as_bytes() => Ok(()),
                other => Err(format!("Holder's configuration: {other:?}")),
            }
        })
        .unwrap_or_else(|e| panic!("{e}\n{}", node.tail(30)));
        assert!(!live_group_members(group).is_empty());
        node.signal(signal);
        let exit = node.wait_exit(WAIT);
        assert!(
            exit.is_some_and(|status| status.success()),
            "signal {signal}: {exit:?}\n{}",
            node.tail(30)
        );
        assert_eq!(live_group_members(group), Vec::<String>::new());
        assert!(
            node.tail(40).contains("command ended after a stop"),
            "{}",
            node.tail(40)
        );
    }
}
