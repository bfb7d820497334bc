//! Leadership rules that hosts and hostile callers have broken before (docs/design.md R3, R4,
//! R7, S3, S5, S6; B3, B15, B19): a leader-ready for a term never won, term 0, a term of
//! u64::MAX, tokens that came back to life, starts on an epoch that ended during `should_run`,
//! the delay after ready, STOPPING, and one slow `stop` holding the others up.

use omsvc_core::{
    DbLocation, EpochToken, EventOutcome, Node, NodeOptions, Service, ServiceError, ServiceOptions,
    ServiceStatus,
};
use omsvc_core::{LogIndex, Term};
use omsvc_testkit::poll::{eventually, SETTLE};
use omsvc_testkit::recording_service::Recorder;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{mpsc, Arc, Mutex, Weak};
use std::time::{Duration, Instant};

fn node(id: &str) -> Arc<Node> {
    Arc::new(Node::open(NodeOptions::new(id, DbLocation::Ephemeral)).unwrap())
}

fn register(node: &Node, name: &str) -> Arc<Recorder> {
    let recorder = Recorder::new(name, Arc::new(Mutex::new(Vec::new())));
    node.register_shared(name, recorder.clone(), ServiceOptions::default())
        .unwrap();
    recorder
}

/// Keeps every token it is given and counts its calls.
#[derive(Default)]
struct Keeper {
    tokens: Mutex<Vec<EpochToken>>,
    should_run: AtomicBool,
}

impl Service for Keeper {
    fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
        self.tokens.lock().unwrap().push(epoch);
        Ok(())
    }
    fn stop(&self) -> Result<(), ServiceError> {
        Ok(())
    }
    fn should_run(&self) -> Result<bool, ServiceError> {
        Ok(self.should_run.load(Ordering::SeqCst))
    }
}

#[test]
fn leader_ready_for_a_term_never_won_starts_nothing() {
    let node = node("om1");
    let service = register(&node, "Lifecycle");
    node.leader_changed(Term(5), Some("om1"));
    // A host that read the term late: a vote for 6 landed before it asked.
    assert_eq!(
        node.leader_ready(Term(6), LogIndex(0)),
        EventOutcome::Contradicted
    );
    assert!(node.wait_settled(SETTLE));
    assert!(service.starts().is_empty());
    assert!(!node.is_epoch_current(Term(6)));
    assert_eq!(node.status().term, Term(6));
}

#[test]
fn term_zero_is_refused_and_a_service_never_runs_in_it() {
    let node = node("om1");
    let service = register(&node, "Lifecycle");
    assert_eq!(
        node.leader_changed(Term(0), Some("om1")),
        EventOutcome::InvalidTerm
    );
    assert_eq!(
        node.leader_ready(Term(0), LogIndex(0)),
        EventOutcome::InvalidTerm
    );
    assert!(node.wait_settled(SETTLE));
    assert!(service.starts().is_empty());
    assert!(!node.is_epoch_current(Term(0)));
    // The real election afterwards still works, and not-leader stops it.
    node.leader_changed(Term(1), Some("om1"));
    node.leader_ready(Term(1), LogIndex(0));
    assert!(eventually(SETTLE, || service.starts() == [1]));
    node.leader_changed(Term(2), Some("om2"));
    assert!(node.wait_settled(SETTLE));
    assert_eq!(
        node.service_status("Lifecycle").unwrap().status,
        ServiceStatus::Pausing
    );
}

#[test]
fn a_term_of_u64_max_is_only_a_term() {
    let node = node("om1");
    node.term_index_updated(Term(u64::MAX), LogIndex(1));
    node.leader_changed(Term(u64::MAX), Some("om2"));
    let entry = omsvc_core::encode_set_request("svc", b"v").unwrap();
    node.apply_entry(Term(1), LogIndex(1), &entry)
        .expect("applies still work: the node is not shut down");
    assert_eq!(node.read_configuration("svc").unwrap(), Some(b"v".to_vec()));
    assert_eq!(
        node.term_index_updated(Term(u64::MAX), LogIndex(2)),
        EventOutcome::Unchanged
    );
}

#[test]
fn a_token_stays_false_after_a_stop_and_restart_in_the_same_epoch() {
    let node = node("om1");
    let keeper = Arc::new(Keeper::default());
    keeper.should_run.store(true, Ordering::SeqCst);
    node.register_shared("Keeper", keeper.clone(), ServiceOptions::default())
        .unwrap();
    node.leader_changed(Term(3), Some("om1"));
    node.leader_ready(Term(3), LogIndex(0));
    assert!(eventually(SETTLE, || keeper.tokens.lock().unwrap().len() == 1));
    let first = keeper.tokens.lock().unwrap()[0].clone();
    assert!(first.is_current());

    // should_run turns false (a configuration change), then true again: a second run in
    // the same epoch. The first run's worker must not come back to life.
    keeper.should_run.store(false, Ordering::SeqCst);
    node.apply_entry(
        Term(3),
        LogIndex(1),
        &omsvc_core::encode_set_request("Keeper", b"off").unwrap(),
    )
    .unwrap();
    assert!(eventually(SETTLE, || !first.is_current()));
    keeper.should_run.store(true, Ordering::SeqCst);
    node.apply_entry(
        Term(3),
        LogIndex(2),
        &omsvc_core::encode_set_request("Keeper", b"on").unwrap(),
    )
    .unwrap();
    assert!(eventually(SETTLE, || keeper.tokens.lock().unwrap().len() == 2));
    let second = keeper.tokens.lock().unwrap()[1].clone();
    assert_eq!((first.epoch(), second.epoch()), (Term(3), Term(3)));
    assert!(second.is_current());
    assert!(!first.is_current(), "once false, false forever");
}

/// Its `should_run` demotes the node, as a host event racing the runner would.
struct DemotedWhileAsked {
    node: Mutex<Weak<Node>>,
    starts: AtomicU32,
}

impl Service for DemotedWhileAsked {
    fn start(&self, _epoch: EpochToken) -> Result<(), ServiceError> {
        self.starts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn stop(&self) -> Result<(), ServiceError> {
        Ok(())
    }
    fn should_run(&self) -> Result<bool, ServiceError> {
        if let Some(node) = self.node.lock().unwrap().upgrade() {
            node.not_leader(Term(4));
        }
        Ok(true)
    }
}

#[test]
fn a_start_is_skipped_when_the_epoch_ends_during_should_run() {
    let node = node("om1");
    let service = Arc::new(DemotedWhileAsked {
        node: Mutex::new(Arc::downgrade(&node)),
        starts: AtomicU32::new(0),
    });
    node.register_shared("Racy", service.clone(), ServiceOptions::default())
        .unwrap();
    node.leader_changed(Term(4), Some("om1"));
    node.leader_ready(Term(4), LogIndex(0));
    assert!(node.wait_settled(SETTLE));
    assert_eq!(service.starts.load(Ordering::SeqCst), 0);
    assert_eq!(
        node.service_status("Racy").unwrap().status,
        ServiceStatus::Pausing
    );
}

#[test]
fn the_delay_after_ready_holds_on_every_path_into_leader_ready() {
    let delay = Duration::from_millis(400);
    let node = node("om1");
    let service = Recorder::new("Delayed", Arc::new(Mutex::new(Vec::new())));
    let options = ServiceOptions::default().with_delay_after_ready(delay);
    node.register_shared("Delayed", service.clone(), options)
        .unwrap();
    node.leader_changed(Term(5), Some("om1"));
    node.leader_ready(Term(5), LogIndex(0));
    assert!(eventually(SETTLE, || service.starts() == [5]));
    // A stale event demotes; a later election must wait out the whole delay again.
    node.leader_changed(Term(4), Some("om2"));
    node.leader_changed(Term(6), Some("om1"));
    let ready_at = Instant::now();
    node.leader_ready(Term(6), LogIndex(0));
    assert!(eventually(SETTLE, || service.starts() == [5, 6]));
    assert!(
        ready_at.elapsed() >= delay,
        "started {:?} after ready, before the {delay:?} delay",
        ready_at.elapsed()
    );
    // After the barrier is reached late, the delay counts from then.
    node.leader_changed(Term(7), Some("om1"));
    node.leader_ready(Term(7), LogIndex(50));
    std::thread::sleep(delay);
    let reached_at = Instant::now();
    node.applied(Term(7), LogIndex(50));
    assert!(eventually(SETTLE, || service.starts() == [5, 6, 7]));
    assert!(reached_at.elapsed() >= delay);
}

/// A service whose `stop` waits until the test releases it.
struct SlowStop {
    started: AtomicBool,
    release: Mutex<Option<mpsc::Receiver<()>>>,
    stopped: AtomicBool,
}

impl SlowStop {
    fn new() -> (Arc<SlowStop>, mpsc::Sender<()>) {
        let (sender, receiver) = mpsc::channel();
        let service = Arc::new(SlowStop {
            started: AtomicBool::new(false),
            release: Mutex::new(Some(receiver)),
            stopped: AtomicBool::new(false),
        });
        (service, sender)
    }
}

impl Service for SlowStop {
    fn start(&self, _epoch: EpochToken) -> Result<(), ServiceError> {
        self.started.store(true, Ordering::SeqCst);
        Ok(())
    }
    fn stop(&self) -> Result<(), ServiceError> {
        if let Some(release) = self.release.lock().unwrap().take() {
            let _ = release.recv_timeout(Duration::from_secs(30));
        }
        self.stopped.store(true, Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn one_slow_stop_does_not_keep_the_other_services_running_and_status_says_stopping() {
    let node = node("om1");
    let (slow, release) = SlowStop::new();
    node.register_shared("Slow", slow.clone(), ServiceOptions::default())
        .unwrap();
    let plain = register(&node, "Plain");
    node.leader_changed(Term(2), Some("om1"));
    node.leader_ready(Term(2), LogIndex(0));
    assert!(node.wait_settled(SETTLE));
    assert!(slow.started.load(Ordering::SeqCst) && plain.running.load(Ordering::SeqCst));

    let asked = std::time::SystemTime::now();
    node.not_leader(Term(2));
    // Plain stops while Slow's stop is still blocked.
    assert!(eventually(SETTLE, || !plain.running.load(Ordering::SeqCst)));
    assert!(!slow.stopped.load(Ordering::SeqCst));
    let view = node.service_status("Slow").unwrap();
    assert_eq!(view.status, ServiceStatus::Stopping);
    assert!(view.since >= asked - Duration::from_millis(1));
    assert_eq!(view.epoch, Some(Term(2)));
    assert_eq!(
        omsvc_core::Node::status(&node).to_json()["services"][0]["status"],
        "STOPPING"
    );

    release.send(()).unwrap();
    assert!(node.wait_settled(SETTLE));
    assert!(slow.stopped.load(Ordering::SeqCst));
    assert_eq!(
        node.service_status("Slow").unwrap().status,
        ServiceStatus::Pausing
    );
}

#[test]
fn a_running_service_whose_permission_ended_reads_stopping_before_the_runner_reaches_it() {
    let node = node("om1");
    let (slow, release) = SlowStop::new();
    node.register_shared("Slow", slow.clone(), ServiceOptions::default())
        .unwrap();
    node.leader_changed(Term(2), Some("om1"));
    node.leader_ready(Term(2), LogIndex(0));
    assert!(node.wait_settled(SETTLE));
    node.not_leader(Term(2));
    // Whether or not the runner has picked the stop up yet, it is not RUNNING.
    assert_eq!(
        node.service_status("Slow").unwrap().status,
        ServiceStatus::Stopping
    );
    release.send(()).unwrap();
    assert!(node.wait_settled(SETTLE));
}

#[test]
fn a_lease_bounds_the_token_and_the_service_by_time() {
    let node = node("om1");
    let keeper = Arc::new(Keeper::default());
    keeper.should_run.store(true, Ordering::SeqCst);
    node.register_shared("Keeper", keeper.clone(), ServiceOptions::default())
        .unwrap();
    node.leader_changed(Term(8), Some("om1"));
    let lease = Duration::from_millis(300);
    node.lease_renewed(Term(8), Instant::now() + lease);
    node.leader_ready(Term(8), LogIndex(0));
    assert!(eventually(SETTLE, || keeper.tokens.lock().unwrap().len() == 1));
    let token = keeper.tokens.lock().unwrap()[0].clone();
    // Like a process paused past its lease: no event arrives, time alone ends the epoch.
    std::thread::sleep(lease);
    assert!(!token.is_current());
    assert!(!node.is_epoch_current(Term(8)));
    assert!(eventually(SETTLE, || node
        .service_status("Keeper")
        .unwrap()
        .status
        == ServiceStatus::Pausing));
    assert_eq!(
        node.status().blocker,
        Some(omsvc_core::Blocker::LeaseExpired { term: Term(8) })
    );
}
