//! Random histories of Raft events against one node's service manager. Whatever the order of
//! terms, flaps, stale events and barriers:
//! - a service is RUNNING only if this node is leader-ready in the newest term seen, with an
//!   applied index at or past that term's barrier, and nothing demoted it since;
//! - start and stop never overlap and alternate, and no epoch is started twice;
//! - once the runner settles, the service runs exactly when the model allows it (the last
//!   wanted state), in the current epoch;
//! - a stale event never starts anything.

use omsvc_core::services::ServiceManager;
use omsvc_core::{EventOutcome, ServiceOptions, ServiceStatus};
use omsvc_core::{LogIndex, Term};
use omsvc_testkit::poll::SETTLE;
use omsvc_testkit::recording_service::{Call, Recorder};
use proptest::prelude::*;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

const PEERS: [&str; 3] = ["om1", "om2", "om3"];
const SELF: &str = "om1";

#[derive(Debug, Clone)]
enum Event {
    LeaderChanged {
        term: u64,
        leader: Option<usize>,
    },
    NotLeader {
        term: u64,
    },
    LeaderReady {
        term: u64,
        barrier: u64,
    },
    TermIndexUpdated {
        term: u64,
        index: u64,
    },
    ConfigurationChanged {
        term: u64,
        index: u64,
        with_self: bool,
    },
    Applied {
        term: u64,
        index: u64,
    },
}

fn event() -> impl Strategy<Value = Event> {
    let term = 1..8u64;
    // Leadership events include term 0, which carries no leadership.
    let any_term = 0..8u64;
    let index = 0..30u64;
    prop_oneof![
        3 => (any_term.clone(), prop::option::of(0..3usize)).prop_map(|(term, leader)| Event::LeaderChanged { term, leader }),
        2 => term.clone().prop_map(|term| Event::NotLeader { term }),
        3 => (any_term, index.clone()).prop_map(|(term, barrier)| Event::LeaderReady { term, barrier }),
        2 => (term.clone(), index.clone()).prop_map(|(term, index)| Event::TermIndexUpdated { term, index }),
        1 => (term.clone(), index.clone(), prop::bool::weighted(0.8))
            .prop_map(|(term, index, with_self)| Event::ConfigurationChanged { term, index, with_self }),
        3 => (term, index).prop_map(|(term, index)| Event::Applied { term, index }),
    ]
}

fn send(manager: &ServiceManager, event: &Event) -> EventOutcome {
    match *event {
        Event::LeaderChanged { term, leader } => {
            manager.leader_changed(Term(term), leader.map(|i| PEERS[i]))
        }
        Event::NotLeader { term } => manager.not_leader(Term(term)),
        Event::LeaderReady { term, barrier } => manager.leader_ready(Term(term), LogIndex(barrier)),
        Event::TermIndexUpdated { term, index } => {
            manager.term_index_updated(Term(term), LogIndex(index))
        }
        Event::ConfigurationChanged {
            term,
            index,
            with_self,
        } => {
            let peers: &[&str] = if with_self { &PEERS } else { &PEERS[1..] };
            manager.configuration_changed(Term(term), LogIndex(index), peers)
        }
        Event::Applied { term, index } => manager.applied(Term(term), LogIndex(index)),
    }
}

/// An independent, history-based statement of when running is allowed (a weaker condition
/// than the model's, so it checks safety without restating the model).
#[derive(Default)]
struct History {
    newest_term: u64,
    applied: u64,
    /// The newest term this node was told it won (`leader_changed(term, self)`), unless a
    /// demoting event came after it: Ratis always says so before leader-ready.
    elected: Option<u64>,
    /// The first leader-ready (term, barrier) of the newest term, unless a demoting event came after it.
    ready: Option<(u64, u64)>,
}

impl History {
    fn record(&mut self, event: &Event, outcome: EventOutcome) {
        if outcome == EventOutcome::InvalidTerm {
            return; // refused, nothing changed
        }
        let term = match *event {
            Event::LeaderChanged { term, .. }
            | Event::NotLeader { term }
            | Event::LeaderReady { term, .. }
            | Event::TermIndexUpdated { term, .. }
            | Event::ConfigurationChanged { term, .. }
            | Event::Applied { term, .. } => term,
        };
        if term > self.newest_term {
            self.newest_term = term;
            self.elected = None;
            self.ready = None;
        }
        match *event {
            Event::LeaderChanged { leader, .. } if leader != Some(0) => self.demote(),
            Event::LeaderChanged { term, .. }
                if term == self.newest_term && self.ready.is_none() =>
            {
                self.elected = Some(term)
            }
            Event::NotLeader { .. } => self.demote(),
            Event::ConfigurationChanged {
                with_self: false,
                term,
                ..
            } if term >= self.newest_term => self.demote(),
            // The first leader-ready of a term fixes its barrier; repeats change nothing.
            Event::LeaderReady { term, barrier }
                if term == self.newest_term
                    && self.elected == Some(term)
                    && self.ready.is_none_or(|(t, _)| t != term) =>
            {
                self.ready = Some((term, barrier))
            }
            Event::Applied { index, .. } => self.applied = self.applied.max(index),
            _ => {}
        }
    }

    fn demote(&mut self) {
        self.elected = None;
        self.ready = None;
    }

    fn allows(&self, epoch: u64) -> bool {
        matches!(self.ready, Some((term, barrier)) if term == epoch && term == self.newest_term && self.applied >= barrier)
    }
}

fn check_calls(calls: &[Call]) -> Result<(), TestCaseError> {
    let mut running = false;
    let mut last_epoch = 0;
    for call in calls {
        match call {
            Call::Start { epoch, .. } => {
                prop_assert!(!running, "started twice without a stop: {calls:?}");
                prop_assert!(
                    *epoch > last_epoch,
                    "epoch {epoch} started after epoch {last_epoch}: {calls:?}"
                );
                running = true;
                last_epoch = *epoch;
            }
            Call::Stop { .. } => {
                prop_assert!(running, "stopped while not running: {calls:?}");
                running = false;
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn services_run_only_when_allowed_and_end_in_the_last_wanted_state(
        events in prop::collection::vec(event(), 1..40),
        settle_every in 1..4usize,
    ) {
        let manager = ServiceManager::new(SELF).unwrap();
        let recorder = Recorder::new("Lifecycle", Arc::new(Mutex::new(Vec::new())));
        manager.register("Lifecycle", recorder.clone(), ServiceOptions::default()).unwrap();
        let mut history = History::default();

        for (step, event) in events.iter().enumerate() {
            prop_assert!(manager.wait_settled(SETTLE));
            let starts_before = recorder.starts().len();
            let outcome = send(&manager, event);
            history.record(event, outcome);
            if outcome == EventOutcome::Stale || step % settle_every == 0 {
                prop_assert!(manager.wait_settled(SETTLE));
            }
            if matches!(outcome, EventOutcome::Stale | EventOutcome::InvalidTerm) {
                prop_assert_eq!(recorder.starts().len(), starts_before, "{:?} {:?} started the service", outcome, event);
            }
            let view = manager.service_status("Lifecycle").unwrap();
            if let Some(epoch) = view.epoch {
                // The runner may still be catching up on a demotion, but it must never have
                // started in an epoch the history does not allow at the time of the start.
                let started = recorder.starts();
                prop_assert!(started.last() == Some(&epoch.0));
            }
            if manager.wait_settled(SETTLE) {
                let view = manager.service_status("Lifecycle").unwrap();
                let allowed = manager.inspect(|model, _| model.allowed_epoch());
                match view.status {
                    ServiceStatus::Running => {
                        prop_assert_eq!(view.epoch, allowed, "running outside the allowed epoch after {:?}", &events[..=step]);
                        prop_assert!(allowed.is_some_and(|epoch| history.allows(epoch.0)), "model allowed epoch {:?} against the history {:?}", allowed, &events[..=step]);
                    }
                    ServiceStatus::Pausing => prop_assert_eq!(allowed, None, "not running though allowed after {:?}", &events[..=step]),
                    ServiceStatus::Stopping => prop_assert!(false, "still stopping after the runner settled: {:?}", &events[..=step]),
                    other => prop_assert!(false, "a status this test does not know: {:?}", other),
                }
            }
        }

        // Whatever happened, a clean election in a newer term runs the service, and a
        // step-down stops it.
        let term = history.newest_term + 1;
        manager.leader_changed(Term(term), Some(SELF));
        manager.leader_ready(Term(term), LogIndex(100));
        manager.applied(Term(term), LogIndex(100));
        prop_assert!(manager.wait_settled(SETTLE));
        prop_assert_eq!(manager.service_status("Lifecycle").unwrap().epoch, Some(Term(term)));
        manager.not_leader(Term(term));
        prop_assert!(manager.wait_settled(SETTLE));
        prop_assert_eq!(manager.service_status("Lifecycle").unwrap().status, ServiceStatus::Pausing);

        check_calls(&recorder.calls())?;
        prop_assert_eq!(recorder.overlaps.load(Ordering::SeqCst), 0);
    }
}
