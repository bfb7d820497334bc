//! The service manager: registration, event intake and the status view. Events update the
//! leadership model under a short lock and wake the runner; they never wait for a service.

use super::fence::Fence;
use super::observer::ServiceObserver;
use super::runner;
use super::service::{Service, ServiceOptions};
use super::shared::{ManagerState, Shared};
use super::slot::Slot;
use super::status::ServiceStatusView;
use crate::error::Error;
use crate::leadership::{EventOutcome, LeadershipModel, LogIndex, Term};
use crate::table::validate_service_name;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Owns the leadership model of one node, its registered services and their runner thread.
pub struct ServiceManager {
    shared: Arc<Shared>,
    runner: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for ServiceManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Reading the state would take the manager's lock, which the caller may hold.
        f.debug_struct("ServiceManager").finish_non_exhaustive()
    }
}

impl ServiceManager {
    /// A manager for peer `self_id`, with its runner thread started.
    pub fn new(self_id: &str) -> Result<Self, Error> {
        let shared = Arc::new(Shared {
            state: Mutex::new(ManagerState {
                leadership: LeadershipModel::new(self_id),
                slots: Vec::new(),
                generation: 0,
                processed: 0,
                config_generation: 0,
                shutdown_requested: false,
                runner_exited: false,
                revoked_at: None,
            }),
            work: Condvar::new(),
            settled: Condvar::new(),
            fence: Arc::new(Fence::new()),
            fast_path_term: AtomicU64::new(0),
            shut_down: AtomicBool::new(false),
            observer: OnceLock::new(),
        });
        let runner_shared = shared.clone();
        let handle = std::thread::Builder::new()
            .name(format!("omsvc-runner-{self_id}"))
            .spawn(move || runner::run(runner_shared))
            .map_err(|source| Error::Io {
                operation: "spawn the service runner thread for",
                path: self_id.into(),
                source,
            })?;
        Ok(ServiceManager {
            shared,
            runner: Mutex::new(Some(handle)),
        })
    }

    /// Registers a service. It starts as soon as this node may run it.
    pub fn register(
        &self,
        name: &str,
        service: Arc<dyn Service>,
        options: ServiceOptions,
    ) -> Result<(), Error> {
        validate_service_name(name)?;
        let mut state = self.shared.lock();
        if state.shutdown_requested {
            return Err(Error::ShutDown);
        }
        if state.slots.iter().any(|slot| &*slot.name == name) {
            return Err(Error::DuplicateService {
                name: name.to_owned(),
            });
        }
        state
            .slots
            .push(Slot::new(Arc::from(name), service, options));
        state.generation += 1;
        self.shared.work.notify_one();
        tracing::info!(service = name, "service registered");
        Ok(())
    }

    /// Sets the observer told of service events; only the first call takes effect (false for
    /// the others).
    pub fn set_observer(&self, observer: Arc<dyn ServiceObserver>) -> bool {
        self.shared.observer.set(observer).is_ok()
    }

    /// Raft's `notifyLeaderChanged`: `leader` leads `term` (`None`: no leader known).
    pub fn leader_changed(&self, term: Term, leader: Option<&str>) -> EventOutcome {
        self.on_event("leader_changed", term, |model| {
            model.leader_changed(term, leader)
        })
    }

    /// Raft's `notifyNotLeader`: demotes this node, whatever the term.
    pub fn not_leader(&self, term: Term) -> EventOutcome {
        self.on_event("not_leader", term, |model| model.not_leader(term))
    }

    /// Raft's `notifyLeaderReady` for the term this node was elected in; services wait until
    /// every entry up to `barrier` is applied.
    pub fn leader_ready(&self, term: Term, barrier: LogIndex) -> EventOutcome {
        self.on_event("leader_ready", term, |model| {
            model.leader_ready(term, barrier)
        })
    }

    /// The hot path: Ratis calls it for every configuration and metadata entry. With the
    /// current term it is one atomic load (no lock, no allocation); racing a term change it
    /// answers as if it came just before the change, which is equally a no-op.
    #[inline]
    pub fn term_index_updated(&self, term: Term, index: LogIndex) -> EventOutcome {
        if term.0 == self.shared.fast_path_term.load(Ordering::Acquire)
            && !self.shared.shut_down.load(Ordering::Acquire)
        {
            return EventOutcome::Unchanged;
        }
        let mut state = self.shared.lock();
        let outcome = state.leadership.term_index_updated(term, index);
        if outcome != EventOutcome::Unchanged {
            self.after_event(&mut state, "term_index_updated", term, outcome);
        }
        outcome
    }

    /// Raft's `notifyConfigurationChanged`: the peer set as of entry `index` of `term`.
    pub fn configuration_changed<S: AsRef<str>>(
        &self,
        term: Term,
        index: LogIndex,
        peers: &[S],
    ) -> EventOutcome {
        self.on_event("configuration_changed", term, |model| {
            model.configuration_changed(term, index, peers)
        })
    }

    /// The host confirmed with a quorum that this node leads `term`, and no other node can
    /// be elected before `until`: services run only while such a lease holds (from the first
    /// renewal of a term on), and `EpochToken::is_current` turns false when it runs out.
    pub fn lease_renewed(&self, term: Term, until: Instant) -> EventOutcome {
        let mut state = self.shared.lock();
        let outcome = state.leadership.lease_renewed(term, until);
        self.after_event(&mut state, "lease_renewed", term, outcome);
        if outcome == EventOutcome::Unchanged {
            // A longer lease changes no state the runner acts on, but tokens must see it.
            self.shared.leadership_changed(&mut state);
        }
        outcome
    }

    /// The host applied every entry up to `index` (whose own term is `term`).
    pub fn applied(&self, term: Term, index: LogIndex) -> EventOutcome {
        self.on_event("applied", term, |model| model.applied(term, index))
    }

    /// Whether services may still run in `epoch` (what `EpochToken::is_current` answers).
    pub fn is_epoch_current(&self, epoch: Term) -> bool {
        self.shared.fence.holds_epoch(epoch)
    }

    /// Tells running services that configuration changed: each re-checks `should_run`, and
    /// one that declined to start asks again. Other services are not woken.
    pub fn configuration_updated(&self) {
        let mut state = self.shared.lock();
        state.config_generation += 1;
        if state
            .slots
            .iter()
            .any(|slot| slot.running.is_some() || slot.declined.is_some())
        {
            state.generation += 1;
            self.shared.work.notify_one();
        }
    }

    /// True once shut down; one atomic load.
    pub fn is_shut_down(&self) -> bool {
        self.shared.shut_down.load(Ordering::Acquire)
    }

    /// Stops every running service in reverse registration order and waits for them. Events
    /// after this change nothing. Called from a service's own callback it only requests the
    /// shutdown (waiting there would wait on itself).
    pub fn shutdown(&self) {
        self.request_shutdown();
        if runner::in_callback_of(&self.shared) {
            return;
        }
        let handle = self
            .runner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(handle) = handle {
            if handle.join().is_err() {
                tracing::error!("the service runner thread panicked");
            }
        }
    }

    /// Marks the node shut down and asks the runner to stop everything, without waiting.
    pub fn request_shutdown(&self) {
        let mut state = self.shared.lock();
        if !state.shutdown_requested {
            state.leadership.shutdown();
            state.shutdown_requested = true;
            self.shared.leadership_changed(&mut state);
            state.generation += 1;
            self.shared.work.notify_one();
        }
    }

    /// Waits until the runner has acted on every event so far (timers such as retries and
    /// delays may still be pending). Returns false on timeout.
    pub fn wait_settled(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        loop {
            if state.processed == state.generation || state.runner_exited {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = match self.shared.settled.wait_timeout(state, deadline - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Reads the leadership model and the services' status under one lock.
    pub fn inspect<R>(
        &self,
        read: impl FnOnce(&LeadershipModel, Vec<ServiceStatusView>) -> R,
    ) -> R {
        let mut state = self.shared.lock();
        let now = Instant::now();
        self.shared.observe_time(&mut state, now);
        let permission = state.leadership.permission();
        let views = state
            .slots
            .iter()
            .map(|slot| slot.view(&permission, state.config_generation, state.revoked_at, now))
            .collect();
        read(&state.leadership, views)
    }

    /// The status of service `name`.
    pub fn service_status(&self, name: &str) -> Result<ServiceStatusView, Error> {
        self.inspect(|_, views| views.into_iter().find(|view| view.name == name))
            .ok_or_else(|| Error::UnknownService {
                name: name.to_owned(),
            })
    }

    fn on_event(
        &self,
        event: &'static str,
        term: Term,
        apply: impl FnOnce(&mut LeadershipModel) -> EventOutcome,
    ) -> EventOutcome {
        let mut state = self.shared.lock();
        let outcome = apply(&mut state.leadership);
        self.after_event(&mut state, event, term, outcome);
        outcome
    }

    fn after_event(
        &self,
        state: &mut ManagerState,
        event: &'static str,
        term: Term,
        outcome: EventOutcome,
    ) {
        match outcome {
            EventOutcome::Changed => {
                tracing::debug!(
                    event,
                    term = term.0,
                    current_term = state.leadership.term().0,
                    "leadership changed"
                );
                self.shared.leadership_changed(state);
            }
            EventOutcome::InvalidTerm => {
                tracing::warn!(
                    event,
                    term = term.0,
                    "refused a leadership event for term 0 (Raft terms start at 1)"
                );
            }
            EventOutcome::Stale | EventOutcome::Contradicted => {
                // Old-term entries applied after an election are routine (debug); a stale or
                // contradicting leadership event deserves a warning.
                let routine = matches!(
                    event,
                    "term_index_updated" | "configuration_changed" | "applied"
                );
                if routine {
                    tracing::debug!(
                        event,
                        term = term.0,
                        current_term = state.leadership.term().0,
                        ?outcome,
                        "ignored an out-of-date event"
                    );
                } else {
                    tracing::warn!(
                        event,
                        term = term.0,
                        current_term = state.leadership.term().0,
                        ignored_events = state.leadership.ignored_events(),
                        ?outcome,
                        "ignored an out-of-date event"
                    );
                }
                // A stale "not leader" still demotes.
                self.shared.leadership_changed(state);
            }
            EventOutcome::Unchanged | EventOutcome::AfterShutdown => {}
        }
    }
}

impl Drop for ServiceManager {
    fn drop(&mut self) {
        self.shutdown();
    }
}
