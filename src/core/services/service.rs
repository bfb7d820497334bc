//! What a leader-only service implements, and what it is handed when it starts.

use super::fence::Fence;
use super::shared::Shared;
use crate::leadership::{GrantId, Term};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

/// The error a service returns from its callbacks; its message shows in the status view.
pub type ServiceError = Box<dyn std::error::Error + Send + Sync>;

/// A background service that must run on the leader only.
///
/// The node's runner calls these methods one at a time per service: `start` and `stop` never
/// overlap, and a stop returns before the next start. Starts and `should_run` run on the
/// runner thread; when leadership ends, the services' stops run at the same time, each on a
/// thread of its own, so one slow `stop` does not keep the others running. A panic in any of
/// them is caught and reported like an error.
pub trait Service: Send + Sync + 'static {
    /// Begins work as the leader of `epoch.epoch()`. Return promptly (spawn long work): the
    /// runner serves the node's other services in between. An error means the service did not
    /// start; it is retried with backoff while this node should still run it.
    fn start(&self, epoch: EpochToken) -> Result<(), ServiceError>;

    /// Ends work. Called after leadership is lost, before a restart in a newer epoch, when
    /// `should_run` turns false, and at shutdown. Never changes persisted configuration.
    fn stop(&self) -> Result<(), ServiceError>;

    /// The service's own gate, asked before each start and again, while running, after every
    /// configuration change. A stateful service answers from its persisted configuration.
    fn should_run(&self) -> Result<bool, ServiceError> {
        Ok(true)
    }
}

/// The fencing token a service gets at start: the term it started in, and a cheap way to ask
/// whether this run may still act as the leader of it. Stamp the epoch on anything written
/// outside the node so a store can refuse writes from an older leader.
///
/// The token belongs to one run: once `is_current` answers false it never answers true again,
/// even if the node later runs the service again in the same epoch (with a new token).
/// `is_current` is this node's belief, not a guarantee: on a host that bounds leadership by
/// time (the openraft mode) it turns false when the leader lease runs out, so a process
/// resumed after a pause learns at its first check that it may no longer act; on a Ratis host
/// it follows Ratis's notifications. Fence external writes with the epoch as well.
#[derive(Clone)]
pub struct EpochToken {
    epoch: Term,
    grant: GrantId,
    fence: Arc<Fence>,
    run: Arc<AtomicBool>,
    /// Why the run failed while running, once the service said so ([`EpochToken::fail`]).
    failure: Arc<OnceLock<String>>,
    /// The runner to wake when the run fails (dangling for a token made outside a runner).
    runner: Weak<Shared>,
}

impl std::fmt::Debug for EpochToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EpochToken")
            .field("epoch", &self.epoch)
            .field("grant", &self.grant)
            .field("current", &self.is_current())
            .field("failure", &self.failure.get())
            .finish()
    }
}

/// How long this node may still act as the leader of an epoch, for work that must stop by
/// itself in time (a child process, say) when this process cannot tell it to.
/// Exhaustive on purpose: a user must treat every case, as a wrong guess would outlive the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochLease {
    /// Leadership of the epoch holds until this instant unless the host renews it.
    Until(Instant),
    /// Leadership of the epoch holds and the host does not bound it by time (a Ratis host
    /// without leases): it ends only when the host says so.
    Unbounded,
    /// This node no longer leads the epoch.
    Ended,
}

impl EpochToken {
    pub(super) fn new(
        epoch: Term,
        grant: GrantId,
        fence: Arc<Fence>,
        runner: Weak<Shared>,
    ) -> Self {
        EpochToken {
            epoch,
            grant,
            fence,
            run: Arc::new(AtomicBool::new(true)),
            failure: Arc::new(OnceLock::new()),
            runner,
        }
    }

    /// The term this run started in.
    pub fn epoch(&self) -> Term {
        self.epoch
    }

    /// True while this run may still act as the leader of its epoch: the permission it started
    /// under has not ended, its lease (if any) holds, and the runner has not begun to stop it.
    #[inline]
    pub fn is_current(&self) -> bool {
        self.run.load(Ordering::Acquire) && self.fence.holds(self.grant)
    }

    /// Whether, and until when, this node leads the run's epoch. Unlike
    /// [`EpochToken::is_current`] it stays valid while the runner stops this run for a reason
    /// of its own (a user stop, say): it follows the node's leadership only. A lease it names
    /// is one the node holds: no other node can be elected before it ends.
    pub fn epoch_lease(&self) -> EpochLease {
        if !self.fence.holds_epoch(self.epoch) {
            return EpochLease::Ended;
        }
        match self.fence.lease_until() {
            Some(until) => EpochLease::Until(until),
            None => EpochLease::Unbounded,
        }
    }

    /// Reports that this run failed while running (its work ended by itself: a child process
    /// exited, a worker died): the run ends now, the runner calls `stop`, shows `reason` as
    /// the service's last error and starts it again after the retry backoff while this node
    /// may still run it. Runs that keep failing soon after they start back off like failed
    /// starts. Ignored once the run has ended (the runner may already be stopping it).
    pub fn fail(&self, reason: impl Into<String>) {
        if !self.run.swap(false, Ordering::AcqRel) {
            return;
        }
        let _ = self.failure.set(reason.into());
        if let Some(runner) = self.runner.upgrade() {
            runner.wake();
        }
    }

    /// Why the run failed, once [`EpochToken::fail`] was called.
    pub(crate) fn failure(&self) -> Option<&str> {
        self.failure.get().map(String::as_str)
    }

    /// Ends this run for good (the runner calls it before `stop`).
    pub(crate) fn end(&self) {
        self.run.store(false, Ordering::Release);
    }

    pub(crate) fn grant(&self) -> GrantId {
        self.grant
    }
}

/// Per-service gates and retry policy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceOptions {
    /// Wait this long after the node becomes leader-ready before starting (like SCM's
    /// BackgroundSCMService wait time), so a flapping leader does not churn the service.
    pub delay_after_ready: Duration,
    /// First wait before retrying a failed start; doubles on each failure.
    pub retry_initial: Duration,
    /// Longest wait between retries.
    pub retry_max: Duration,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        ServiceOptions {
            delay_after_ready: Duration::ZERO,
            retry_initial: Duration::from_millis(100),
            retry_max: Duration::from_secs(30),
        }
    }
}

impl ServiceOptions {
    /// These options with `delay` as [`ServiceOptions::delay_after_ready`].
    pub fn with_delay_after_ready(mut self, delay: Duration) -> Self {
        self.delay_after_ready = delay;
        self
    }

    /// These options retrying a failed start after `initial`, doubling up to `max`.
    pub fn with_retry(mut self, initial: Duration, max: Duration) -> Self {
        self.retry_initial = initial;
        self.retry_max = max;
        self
    }

    /// The wait before retry number `failures` (1 for the first retry).
    pub(crate) fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.retry_initial
            .saturating_mul(1u32 << doublings)
            .min(self.retry_max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let options = ServiceOptions {
            retry_initial: Duration::from_millis(100),
            retry_max: Duration::from_millis(350),
            ..ServiceOptions::default()
        };
        assert_eq!(options.backoff(1), Duration::from_millis(100));
        assert_eq!(options.backoff(2), Duration::from_millis(200));
        assert_eq!(options.backoff(3), Duration::from_millis(350));
        assert_eq!(options.backoff(400), Duration::from_millis(350));
    }

    #[test]
    fn a_token_once_not_current_is_never_current_again() {
        let fence = Arc::new(Fence::new());
        fence.publish(Some((Term(4), GrantId(1))), None);
        let token = EpochToken::new(Term(4), GrantId(1), fence.clone(), Weak::new());
        assert!(token.is_current());
        fence.publish(None, None);
        assert!(!token.is_current());
        fence.publish(Some((Term(4), GrantId(2))), None);
        assert!(
            !token.is_current(),
            "a new grant in the same epoch is another run's"
        );
        let again = EpochToken::new(Term(4), GrantId(2), fence.clone(), Weak::new());
        assert!(again.is_current());
        again.end();
        assert!(
            !again.is_current(),
            "a run the runner is stopping is not current"
        );
    }
}
