//! What a leader-only service implements, and what it is handed when it starts.

use crate::core::leadership::Term;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The error a service returns from its callbacks; its message shows in the status view.
pub type ServiceError = Box<dyn std::error::Error + Send + Sync>;

/// A background service that must run on the leader only.
///
/// The runner calls these methods on its own thread, one at a time per node: `start` and
/// `stop` never overlap, and a stop returns before the next start. A panic in any of them is
/// caught and reported like an error.
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
/// whether this node still leads in it. Stamp the epoch on anything written outside the
/// node so a store can refuse writes from an older leader.
#[derive(Clone, Debug)]
pub struct EpochToken {
    epoch: Term,
    allowed_epoch: Arc<AtomicU64>,
}

impl EpochToken {
    pub(crate) fn new(epoch: Term, allowed_epoch: Arc<AtomicU64>) -> Self {
        EpochToken {
            epoch,
            allowed_epoch,
        }
    }

    pub fn epoch(&self) -> Term {
        self.epoch
    }

    /// True while this node is still leader-ready in this epoch. One atomic load.
    #[inline]
    pub fn is_current(&self) -> bool {
        self.allowed_epoch.load(Ordering::Acquire) == self.epoch
    }
}

/// Per-service gates and retry policy.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    fn token_is_current_only_for_its_epoch() {
        let allowed = Arc::new(AtomicU64::new(4));
        let token = EpochToken::new(4, allowed.clone());
        assert!(token.is_current());
        allowed.store(0, Ordering::Release);
        assert!(!token.is_current());
        allowed.store(5, Ordering::Release);
        assert!(!token.is_current());
    }
}
