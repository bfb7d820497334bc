//! The permission to run, published lock-free for the checks services make while they work:
//! `EpochToken::is_current` and the host's `is_epoch_current`. Written only by the service
//! manager under its lock, after every change of the leadership model.

use crate::leadership::{GrantId, Term};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Encodes "no lease": the host does not bound leadership by time.
const UNBOUNDED: u64 = u64::MAX;
/// Encodes "no grant" and "no epoch": grants are numbered from 1 and Raft elects from term 1.
const NONE: u64 = 0;

#[derive(Debug)]
pub(crate) struct Fence {
    epoch: AtomicU64,
    grant: AtomicU64,
    /// Nanoseconds after `origin` at which the lease ends.
    lease_deadline: AtomicU64,
    origin: Instant,
}

impl Fence {
    pub fn new() -> Self {
        Fence {
            epoch: AtomicU64::new(NONE),
            grant: AtomicU64::new(NONE),
            lease_deadline: AtomicU64::new(UNBOUNDED),
            origin: Instant::now(),
        }
    }

    /// Publishes the current permission. Returns the grant it replaces.
    pub fn publish(
        &self,
        allowed: Option<(Term, GrantId)>,
        lease_until: Option<Instant>,
    ) -> Option<GrantId> {
        let deadline = lease_until.map_or(UNBOUNDED, |until| {
            let nanos = until.saturating_duration_since(self.origin).as_nanos();
            u64::try_from(nanos).unwrap_or(UNBOUNDED - 1)
        });
        // The deadline first: a token that sees the new grant also sees its lease.
        self.lease_deadline.store(deadline, Ordering::Release);
        let (epoch, grant) = allowed.map_or((NONE, NONE), |(epoch, grant)| (epoch.0, grant.0));
        self.epoch.store(epoch, Ordering::Release);
        match self.grant.swap(grant, Ordering::AcqRel) {
            NONE => None,
            previous => Some(GrantId(previous)),
        }
    }

    /// Whether `grant` is still the permission in force, within its lease.
    #[inline]
    pub fn holds(&self, grant: GrantId) -> bool {
        self.grant.load(Ordering::Acquire) == grant.0 && self.within_lease()
    }

    /// Whether services may still run in `epoch` (any grant of it), within the lease.
    pub fn holds_epoch(&self, epoch: Term) -> bool {
        epoch.0 != NONE
            && self.grant.load(Ordering::Acquire) != NONE
            && self.epoch.load(Ordering::Acquire) == epoch.0
            && self.within_lease()
    }

    /// When the published lease ends; `None` when the host does not bound leadership by time.
    pub fn lease_until(&self) -> Option<Instant> {
        match self.lease_deadline.load(Ordering::Acquire) {
            UNBOUNDED => None,
            nanos => Some(self.origin + std::time::Duration::from_nanos(nanos)),
        }
    }

    #[inline]
    fn within_lease(&self) -> bool {
        let deadline = self.lease_deadline.load(Ordering::Acquire);
        deadline == UNBOUNDED || (self.origin.elapsed().as_nanos() as u64) < deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_grant_holds_only_while_published_and_within_its_lease() {
        let fence = Fence::new();
        assert!(!fence.holds_epoch(Term(0)));
        assert_eq!(fence.publish(Some((Term(4), GrantId(1))), None), None);
        assert!(fence.holds(GrantId(1)) && fence.holds_epoch(Term(4)));
        assert!(!fence.holds(GrantId(2)) && !fence.holds_epoch(Term(5)));
        fence.publish(Some((Term(4), GrantId(1))), Some(Instant::now()));
        assert!(!fence.holds(GrantId(1)), "an expired lease ends it at once");
        assert!(!fence.holds_epoch(Term(4)));
        fence.publish(
            Some((Term(4), GrantId(1))),
            Some(Instant::now() + Duration::from_secs(60)),
        );
        assert!(fence.holds(GrantId(1)));
        let until = fence.lease_until().expect("a lease was published");
        assert!(until > Instant::now() + Duration::from_secs(59));
        assert_eq!(fence.publish(None, None), Some(GrantId(1)));
        assert_eq!(fence.lease_until(), None, "no lease: unbounded");
        assert!(!fence.holds(GrantId(1)) && !fence.holds_epoch(Term(4)));
    }
}
