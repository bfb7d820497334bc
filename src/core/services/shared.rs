//! The state the service manager and its runner thread share: the manager writes events and
//! registrations into it, the runner reads it to decide what to start and stop.

use super::fence::Fence;
use super::observer::ServiceObserver;
use super::slot::Slot;
use crate::leadership::LeadershipModel;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Instant, SystemTime};

/// What the service manager and its runner thread share.
pub(super) struct Shared {
    pub state: Mutex<ManagerState>,
    /// Wakes the runner: leadership, registrations or configuration changed.
    pub work: Condvar,
    /// Wakes `wait_settled` callers when the runner goes idle.
    pub settled: Condvar,
    /// The permission to run, as `EpochToken::is_current` reads it.
    pub fence: Arc<Fence>,
    /// The current term, for `term_index_updated`'s lock-free fast path.
    pub fast_path_term: AtomicU64,
    pub shut_down: AtomicBool,
    /// Told of service starts, if the host set one.
    pub observer: OnceLock<Arc<dyn ServiceObserver>>,
}

/// The state under [`Shared::state`]: the leadership model and the registered services.
pub(super) struct ManagerState {
    pub leadership: LeadershipModel,
    pub slots: Vec<Slot>,
    /// Bumped whenever the runner has something new to look at.
    pub generation: u64,
    /// The generation the runner last finished with.
    pub processed: u64,
    /// Bumped on every configuration change, so running services re-check `should_run`.
    pub config_generation: u64,
    pub shutdown_requested: bool,
    pub runner_exited: bool,
    /// When the last grant ended (a running service is STOPPING from then).
    pub revoked_at: Option<SystemTime>,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, ManagerState> {
        // Service code never runs under this lock, so a poisoned lock only means a panic in
        // libomsvc itself between two consistent states; the state is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Called with the lock held after the leadership model changed: publishes the new
    /// permission and wakes the runner when the grant changed.
    pub fn leadership_changed(&self, state: &mut ManagerState) {
        let model = &state.leadership;
        self.fast_path_term.store(model.term().0, Ordering::Release);
        if model.is_shut_down() {
            self.shut_down.store(true, Ordering::Release);
        }
        let grant = model.grant();
        let allowed = model.allowed_epoch().zip(grant);
        let previous = self.fence.publish(allowed, model.lease_until());
        if grant != previous {
            if previous.is_some() {
                state.revoked_at = Some(SystemTime::now());
            }
            state.generation += 1;
            self.work.notify_one();
        }
    }

    /// Has the runner look at every service again (a run reported that it failed).
    pub fn wake(&self) {
        let mut state = self.lock();
        state.generation += 1;
        self.work.notify_one();
    }

    /// Looks at the clock under the lock: an expired lease ends the grant now.
    pub fn observe_time(&self, state: &mut ManagerState, now: Instant) {
        if state.leadership.observe_time(now) {
            tracing::warn!(
                node = state.leadership.self_id(),
                term = state.leadership.term().0,
                "leader lease expired: services stop"
            );
            self.leadership_changed(state);
        }
    }
}
