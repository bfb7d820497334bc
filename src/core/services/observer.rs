//! A hook for hosts that measure what services do (the openraft mode's metrics), so the core
//! reports events without knowing how they are counted or exported.

use crate::leadership::Term;

/// Told of service events as they happen, on the runner thread and outside its lock: keep
/// each call short (record and return).
pub trait ServiceObserver: Send + Sync + 'static {
    /// `service`'s `start` returned successfully in `epoch`.
    fn started(&self, service: &str, epoch: Term);
}
