//! Service lifecycle on one node, driven through the Rust API (docs/design.md B1-B5, B12).

use omsvc_core::{
    Blocker, DbLocation, Error, EventOutcome, NameProblem, Node, NodeOptions, ServiceOptions,
    ServiceStatus, ServiceWait,
};
use omsvc_core::{LogIndex, Term};
use omsvc_testkit::poll::{eventually, SETTLE};
use omsvc_testkit::recording_service::{Call, Recorder};
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

fn node(id: &str) -> Node {
    Node::open(NodeOptions::new(id, DbLocation::Ephemeral)).unwrap()
}

fn status(node: &Node, name: &str) -> omsvc_core::ServiceStatusView {
    node.service_status(name).unwrap()
}

fn register(node: &Node, name: &str) -> Arc<Recorder> {
    let recorder = Recorder::new(name, Arc::new(Mutex::new(Vec::new())));
    node.register_shared(name, recorder.clone(), ServiceOptions::default())
        .unwrap();
    recorder
}

#[test]
fn empty_and_duplicate_names_are_refused() {
    let node = node("om1");
    let log = Arc::new(Mutex::new(Vec::new()));
    let err = node
        .register_shared(
            "",
            Recorder::new("", log.clone()),
            ServiceOptions::default(),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidServiceName {
                problem: NameProblem::Empty,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("empty"));
    node.register_shared(
        "Trash",
        Recorder::new("Trash", log.clone()),
        ServiceOptions::default(),
    )
    .unwrap();
    let err = node
        .register_shared(
            "Trash",
            Recorder::new("Trash", log),
            ServiceOptions::default(),
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::DuplicateService { ref name } if name == "Trash"),
        "{err}"
    );
    assert_eq!(node.status().services.len(), 1);
}

#[test]
fn services_start_in_registration_order_and_stop_in_reverse_at_shutdown() {
    let node = node("om1");
    let log = Arc::new(Mutex::new(Vec::new()));
    for name in ["Lifecycle", "Trash", "Balancer"] {
        node.register_shared(
            name,
            Recorder::new(name, log.clone()),
            ServiceOptions::default(),
        )
        .unwrap();
    }
    node.leader_changed(Term(1), Some("om1"));
    node.leader_ready(Term(1), LogIndex(0));
    assert!(node.wait_settled(SETTLE));
    node.shutdown();
    let names: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .map(|call| match call {
            Call::Start { service, .. } => format!("start {service}"),
            Call::Stop { service } => format!("stop {service}"),
        })
        .collect();
    assert_eq!(
        names,
        [
            "start Lifecycle",
            "start Trash",
            "start Balancer",
            "stop Balancer",
            "stop Trash",
            "stop Lifecycle"
        ]
    );
}

#[test]
fn pausing_until_leader_ready_and_barrier_then_running_then_pausing() {
    let node = node("om1");
    let service = register(&node, "Lifecycle");
    assert!(node.wait_settled(SETTLE));
    assert_eq!(status(&node, "Lifecycle").status, ServiceStatus::Pausing);

    // Elected but not ready: nothing starts (docs/design.md B3).
    node.leader_changed(Term(4), Some("om1"));
    assert!(node.wait_settled(SETTLE));
    let view = status(&node, "Lifecycle");
    assert_eq!(view.status, ServiceStatus::Pausing);
    assert_eq!(
        view.waiting_for,
        Some(ServiceWait::Leadership(Blocker::AwaitingLeaderReady {
            term: Term(4)
        }))
    );

    // Ready, but entries up to 12 are still being applied.
    node.applied(Term(3), LogIndex(10));
    node.leader_ready(Term(4), LogIndex(12));
    assert!(node.wait_settled(SETTLE));
    assert_eq!(
        node.status().blocker,
        Some(Blocker::AwaitingBarrier {
            term: Term(4),
            barrier: LogIndex(12),
            applied: LogIndex(10)
        })
    );
    assert_eq!(
        node.status().blocker.unwrap().to_string(),
        "waiting for barrier 12, applied 10"
    );
    assert!(service.starts().is_empty());

    node.applied(Term(3), LogIndex(12));
    assert!(node.wait_settled(SETTLE));
    let view = status(&node, "Lifecycle");
    assert_eq!(view.status, ServiceStatus::Running);
    assert_eq!(view.epoch, Some(Term(4)));
    assert_eq!(service.starts(), [4]);

    node.not_leader(Term(4));
    assert!(node.wait_settled(SETTLE));
    let view = status(&node, "Lifecycle");
    assert_eq!(
        (view.status, view.start_count, view.stop_count),
        (ServiceStatus::Pausing, 1, 1)
    );
}

#[test]
fn repeated_notifications_start_nothing_twice() {
    let node = node("om1");
    let service = register(&node, "Lifecycle");
    for _ in 0..3 {
        node.leader_changed(Term(2), Some("om1"));
        node.leader_ready(Term(2), LogIndex(0));
        node.term_index_updated(Term(2), LogIndex(7));
        node.configuration_changed(Term(2), LogIndex(7), &["om1", "om2", "om3"]);
        node.applied(Term(2), LogIndex(7));
        assert!(node.wait_settled(SETTLE));
    }
    assert_eq!(service.starts(), [2]);
    assert_eq!(status(&node, "Lifecycle").start_count, 1);
    for _ in 0..3 {
        node.not_leader(Term(2));
    }
    assert!(node.wait_settled(SETTLE));
    assert_eq!(status(&node, "Lifecycle").stop_count, 1);
}

#[test]
fn stale_events_never_start_and_any_not_leader_stops() {
    let node = node("om1");
    let service = register(&node, "Lifecycle");
    node.leader_changed(Term(7), Some("om2"));
    assert_eq!(
        node.leader_changed(Term(6), Some("om1")),
        EventOutcome::Stale
    );
    assert_eq!(node.leader_ready(Term(6), LogIndex(0)), EventOutcome::Stale);
    assert!(node.wait_settled(SETTLE));
    assert!(service.starts().is_empty());
    assert_eq!(node.status().ignored_events, 2);

    node.leader_changed(Term(8), Some("om1"));
    node.leader_ready(Term(8), LogIndex(0));
    assert!(node.wait_settled(SETTLE));
    assert_eq!(service.starts(), [8]);
    assert_eq!(node.not_leader(Term(3)), EventOutcome::Stale);
    assert!(node.wait_settled(SETTLE));
    assert_eq!(status(&node, "Lifecycle").status, ServiceStatus::Pausing);
}

#[test]
fn failing_start_is_retried_with_its_error_visible_and_others_unaffected() {
    let node = node("om1");
    let log = Arc::new(Mutex::new(Vec::new()));
    let flaky = Recorder::new("Flaky", log.clone());
    flaky.failures_left.store(2, Ordering::SeqCst);
    let options = ServiceOptions::default().with_retry(
        Duration::from_millis(20),
        ServiceOptions::default().retry_max,
    );
    node.register_shared("Flaky", flaky.clone(), options)
        .unwrap();
    let steady = Recorder::new("Steady", log);
    node.register_shared("Steady", steady.clone(), ServiceOptions::default())
        .unwrap();

    node.leader_changed(Term(1), Some("om1"));
    node.leader_ready(Term(1), LogIndex(0));
    assert!(eventually(SETTLE, || status(&node, "Steady")
        .status
        .is_running()));
    assert!(eventually(SETTLE, || status(&node, "Flaky")
        .consecutive_failures
        >= 1));
    let failing = status(&node, "Flaky");
    assert!(
        failing
            .last_error
            .as_deref()
            .unwrap()
            .contains("disk not mounted"),
        "{failing:?}"
    );

    assert!(eventually(SETTLE, || status(&node, "Flaky")
        .status
        .is_running()));
    let recovered = status(&node, "Flaky");
    assert_eq!(
        (
            recovered.start_count,
            recovered.consecutive_failures,
            recovered.failed_start_count
        ),
        (1, 0, 2)
    );
    assert_eq!(flaky.failures_left.load(Ordering::SeqCst), 0);
    assert_eq!(steady.starts(), [1]);
}

#[test]
fn a_panicking_service_is_reported_and_does_not_kill_the_runner() {
    struct Panics;
    impl omsvc_core::Service for Panics {
        fn start(&self, _: omsvc_core::EpochToken) -> Result<(), omsvc_core::ServiceError> {
            panic!("index out of bounds in scanner")
        }
        fn stop(&self) -> Result<(), omsvc_core::ServiceError> {
            Ok(())
        }
    }
    let node = node("om1");
    node.register("Panics", Panics, ServiceOptions::default())
        .unwrap();
    let other = register(&node, "Other");
    node.leader_changed(Term(1), Some("om1"));
    node.leader_ready(Term(1), LogIndex(0));
    assert!(eventually(SETTLE, || status(&node, "Panics")
        .last_error
        .is_some()));
    assert!(status(&node, "Panics")
        .last_error
        .unwrap()
        .contains("start panicked: index out of bounds"));
    assert!(eventually(SETTLE, || other.starts() == [1]));
}

#[test]
fn a_burst_of_flaps_collapses_to_the_last_wanted_state() {
    struct Slow {
        entered: mpsc::SyncSender<u64>,
        release: Mutex<mpsc::Receiver<()>>,
        epochs: Mutex<Vec<u64>>,
    }
    impl omsvc_core::Service for Slow {
        fn start(&self, epoch: omsvc_core::EpochToken) -> Result<(), omsvc_core::ServiceError> {
            self.epochs.lock().unwrap().push(epoch.epoch().0);
            self.entered.send(epoch.epoch().0).unwrap();
            if epoch.epoch() == Term(1) {
                self.release.lock().unwrap().recv().unwrap();
            }
            Ok(())
        }
        fn stop(&self) -> Result<(), omsvc_core::ServiceError> {
            Ok(())
        }
    }
    let (entered_tx, entered) = mpsc::sync_channel(8);
    let (release, release_rx) = mpsc::channel();
    let slow = Arc::new(Slow {
        entered: entered_tx,
        release: Mutex::new(release_rx),
        epochs: Mutex::new(vec![]),
    });
    let node = node("om1");
    node.register_shared("Slow", slow.clone(), ServiceOptions::default())
        .unwrap();
    node.leader_changed(Term(1), Some("om1"));
    node.leader_ready(Term(1), LogIndex(0));
    assert_eq!(entered.recv_timeout(SETTLE).unwrap(), 1);
    // The runner is inside start(1): the calling thread must not block while leadership flaps.
    for term in 2..=6 {
        node.not_leader(Term(term - 1));
        node.leader_changed(Term(term), Some("om1"));
        node.leader_ready(Term(term), LogIndex(0));
    }
    release.send(()).unwrap();
    assert_eq!(entered.recv_timeout(SETTLE).unwrap(), 6);
    assert!(node.wait_settled(SETTLE));
    assert_eq!(*slow.epochs.lock().unwrap(), [1, 6]);
    let view = status(&node, "Slow");
    assert_eq!(
        (view.epoch, view.start_count, view.stop_count),
        (Some(Term(6)), 2, 1)
    );
}

#[test]
fn delay_after_ready_holds_the_start_back() {
    let node = node("om1");
    let service = Recorder::new("Delayed", Arc::new(Mutex::new(Vec::new())));
    let options = ServiceOptions::default().with_delay_after_ready(Duration::from_millis(1500));
    node.register_shared("Delayed", service.clone(), options)
        .unwrap();
    node.leader_changed(Term(1), Some("om1"));
    node.leader_ready(Term(1), LogIndex(0));
    assert!(node.wait_settled(SETTLE));
    assert!(matches!(
        status(&node, "Delayed").waiting_for,
        Some(ServiceWait::DelayAfterReady { .. })
    ));
    assert!(service.starts().is_empty());
    assert!(eventually(SETTLE, || service.starts() == [1]));
}

#[test]
fn should_run_false_keeps_a_service_paused_until_configuration_changes() {
    let node = node("om1");
    let service = register(&node, "Gated");
    service.should_run.store(false, Ordering::SeqCst);
    node.leader_changed(Term(1), Some("om1"));
    node.leader_ready(Term(1), LogIndex(0));
    assert!(node.wait_settled(SETTLE));
    assert_eq!(
        status(&node, "Gated").waiting_for,
        Some(ServiceWait::ShouldRunFalse)
    );
    service.should_run.store(true, Ordering::SeqCst);
    node.apply_entry(
        Term(1),
        LogIndex(1),
        &omsvc_core::encode_set_request("Gated", b"go").unwrap(),
    )
    .unwrap();
    assert!(eventually(SETTLE, || service.starts() == [1]));
}

#[test]
fn the_epoch_token_fences_after_leadership_is_lost() {
    struct Keeps(Mutex<Option<omsvc_core::EpochToken>>);
    impl omsvc_core::Service for Keeps {
        fn start(&self, epoch: omsvc_core::EpochToken) -> Result<(), omsvc_core::ServiceError> {
            *self.0.lock().unwrap() = Some(epoch);
            Ok(())
        }
        fn stop(&self) -> Result<(), omsvc_core::ServiceError> {
            Ok(())
        }
    }
    let keeps = Arc::new(Keeps(Mutex::new(None)));
    let node = node("om1");
    node.register_shared("Keeps", keeps.clone(), ServiceOptions::default())
        .unwrap();
    node.leader_changed(Term(3), Some("om1"));
    node.leader_ready(Term(3), LogIndex(0));
    assert!(node.wait_settled(SETTLE));
    let token = keeps.0.lock().unwrap().clone().unwrap();
    assert!(token.is_current());
    node.not_leader(Term(3));
    assert!(
        !token.is_current(),
        "the token must be fenced as soon as the event returns"
    );
}

#[test]
fn after_shutdown_nothing_starts_and_writes_are_refused() {
    let node = node("om1");
    let service = register(&node, "Lifecycle");
    node.leader_changed(Term(1), Some("om1"));
    node.leader_ready(Term(1), LogIndex(0));
    assert!(node.wait_settled(SETTLE));
    node.shutdown();
    assert_eq!(status(&node, "Lifecycle").status, ServiceStatus::Pausing);
    assert_eq!(
        node.leader_ready(Term(2), LogIndex(0)),
        EventOutcome::AfterShutdown
    );
    assert!(matches!(
        node.register_shared(
            "Late",
            Recorder::new("Late", service.log.clone()),
            ServiceOptions::default()
        ),
        Err(Error::ShutDown)
    ));
    let entry = omsvc_core::encode_set_request("Lifecycle", b"x").unwrap();
    assert!(matches!(
        node.apply_entry(Term(2), LogIndex(1), &entry),
        Err(Error::ShutDown)
    ));
    assert_eq!(node.read_configuration("Lifecycle").unwrap(), None);
    node.shutdown(); // twice is fine
    assert_eq!(service.starts(), [1]);
}

#[test]
fn the_observer_hears_each_successful_start_with_its_epoch_and_no_failed_one() {
    struct Starts(Mutex<Vec<(String, u64)>>);
    impl omsvc_core::ServiceObserver for Starts {
        fn started(&self, service: &str, epoch: Term) {
            self.0.lock().unwrap().push((service.to_owned(), epoch.0));
        }
    }
    let node = node("om1");
    let observer = Arc::new(Starts(Mutex::new(Vec::new())));
    assert!(node.set_service_observer(observer.clone()));
    assert!(
        !node.set_service_observer(Arc::new(Starts(Mutex::new(Vec::new())))),
        "a second observer is refused"
    );
    let log = Arc::new(Mutex::new(Vec::new()));
    let flaky = Recorder::new("Flaky", log);
    flaky.failures_left.store(1, Ordering::SeqCst);
    let options = ServiceOptions::default().with_retry(
        Duration::from_millis(20),
        ServiceOptions::default().retry_max,
    );
    node.register_shared("Flaky", flaky.clone(), options)
        .unwrap();

    node.leader_changed(Term(3), Some("om1"));
    node.leader_ready(Term(3), LogIndex(0));
    assert!(eventually(SETTLE, || status(&node, "Flaky")
        .status
        .is_running()));
    node.not_leader(Term(3));
    node.leader_changed(Term(5), Some("om1"));
    node.leader_ready(Term(5), LogIndex(0));
    assert!(eventually(SETTLE, || status(&node, "Flaky").epoch == Some(Term(5))));
    assert_eq!(status(&node, "Flaky").failed_start_count, 1);
    assert_eq!(
        *observer.0.lock().unwrap(),
        [("Flaky".to_owned(), 3), ("Flaky".to_owned(), 5)]
    );
}

/// Keeps the token of each run, so a test can fail a run from outside, as a service's worker
/// would.
struct Runs(Mutex<Vec<(std::time::Instant, omsvc_core::EpochToken)>>);

impl omsvc_core::Service for Runs {
    fn start(&self, epoch: omsvc_core::EpochToken) -> Result<(), omsvc_core::ServiceError> {
        self.0
            .lock()
            .unwrap()
            .push((std::time::Instant::now(), epoch));
        Ok(())
    }
    fn stop(&self) -> Result<(), omsvc_core::ServiceError> {
        Ok(())
    }
}

impl Runs {
    fn last(&self) -> omsvc_core::EpochToken {
        self.0.lock().unwrap().last().expect("a run").1.clone()
    }
    fn started_at(&self, run: usize) -> std::time::Instant {
        self.0.lock().unwrap()[run].0
    }
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

#[test]
fn a_run_that_fails_while_running_is_restarted_with_growing_backoff_and_its_reason_shown() {
    let runs = Arc::new(Runs(Mutex::new(Vec::new())));
    let node = node("om1");
    let options =
        ServiceOptions::default().with_retry(Duration::from_millis(200), Duration::from_secs(10));
    node.register_shared("Worker", runs.clone(), options)
        .unwrap();
    node.leader_changed(Term(2), Some("om1"));
    node.leader_ready(Term(2), LogIndex(0));
    assert!(eventually(SETTLE, || runs.count() == 1));

    let first = runs.last();
    let failed_at = std::time::Instant::now();
    first.fail("worker exited with status 3");
    assert!(!first.is_current(), "a failed run ends at once");
    assert!(eventually(SETTLE, || status(&node, "Worker")
        .waiting_for
        .is_some()));
    let failed = status(&node, "Worker");
    assert_eq!(failed.status, ServiceStatus::Pausing, "{failed:?}");
    assert_eq!(
        failed.last_error.as_deref(),
        Some("worker exited with status 3")
    );
    assert_eq!((failed.failed_run_count, failed.stop_count), (1, 1));
    assert!(
        matches!(
            failed.waiting_for,
            Some(ServiceWait::RestartBackoff { failures: 1, remaining }) if remaining <= Duration::from_millis(200)
        ),
        "{failed:?}"
    );
    assert!(failed
        .waiting_for
        .unwrap()
        .to_string()
        .contains("restarting in"));

    assert!(eventually(SETTLE, || runs.count() == 2));
    assert!(runs.started_at(1) - failed_at >= Duration::from_millis(200));
    let second = runs.last();
    assert_eq!(second.epoch(), Term(2));
    assert!(second.is_current());
    first.fail("a second report of an ended run is ignored");
    assert!(second.is_current());

    // A run that fails soon after its start backs off twice as long.
    let failed_at = std::time::Instant::now();
    second.fail("worker exited with status 4");
    assert!(eventually(SETTLE, || status(&node, "Worker")
        .failed_run_count
        == 2));
    assert!(matches!(
        status(&node, "Worker").waiting_for,
        Some(ServiceWait::RestartBackoff { failures: 2, .. })
    ));
    assert!(eventually(SETTLE, || runs.count() == 3));
    assert!(runs.started_at(2) - failed_at >= Duration::from_millis(400));
    let recovered = status(&node, "Worker");
    assert!(recovered.status.is_running(), "{recovered:?}");
    assert_eq!(recovered.start_count, 3);
    assert_eq!(recovered.failed_start_count, 0, "runs failed, no start did");
    assert_eq!(
        recovered.last_error.as_deref(),
        Some("worker exited with status 4"),
        "kept after recovery for diagnosis"
    );
}

#[test]
fn the_epoch_lease_follows_leadership_and_outlives_a_stopping_run() {
    let runs = Arc::new(Runs(Mutex::new(Vec::new())));
    let node = node("om1");
    node.register_shared("Worker", runs.clone(), ServiceOptions::default())
        .unwrap();
    node.leader_changed(Term(5), Some("om1"));
    node.leader_ready(Term(5), LogIndex(0));
    assert!(eventually(SETTLE, || runs.count() == 1));
    let token = runs.last();
    assert_eq!(token.epoch_lease(), omsvc_core::EpochLease::Unbounded);

    let until = std::time::Instant::now() + Duration::from_secs(30);
    node.lease_renewed(Term(5), until);
    assert_eq!(token.epoch_lease(), omsvc_core::EpochLease::Until(until));

    // A failed run is no longer current, but the node still leads its epoch.
    token.fail("exited");
    assert!(!token.is_current());
    assert_eq!(token.epoch_lease(), omsvc_core::EpochLease::Until(until));

    node.not_leader(Term(5));
    assert_eq!(token.epoch_lease(), omsvc_core::EpochLease::Ended);
}
