//! Whether services may run now, and if not, what they are waiting for.

use super::{LogIndex, Term};
use std::time::Instant;

/// One uninterrupted stretch of permission to run: granted when services may start, ended for
/// good by anything that stops them (losing leadership, an expired lease, shutdown). A later
/// permission in the same epoch is a new grant, so a token from the old one stays invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GrantId(pub(crate) u64);

/// The leadership model's answer to "may leader-only services run?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permission {
    /// Leader-ready in `epoch` with every entry before the barrier applied, since `since`.
    Allowed {
        /// The term services run in.
        epoch: Term,
        /// This stretch of permission.
        grant: GrantId,
        /// When the grant began.
        since: Instant,
    },
    /// Services may not run, for this reason.
    Denied(Blocker),
}

/// Why leader-only services may not run on this node now.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Blocker {
    /// Another peer leads, or no leader is known.
    NotLeader {
        /// The current term.
        term: Term,
        /// Its leader, if known.
        leader: Option<String>,
    },
    /// Elected in `term`, but Raft has not yet reported leader-ready.
    AwaitingLeaderReady {
        /// The term this node was elected in.
        term: Term,
    },
    /// Leader-ready, but the host's leader lease ran out: no quorum has confirmed this
    /// leadership recently enough to rule out another leader (or the process was paused).
    LeaseExpired {
        /// The term this node leads.
        term: Term,
    },
    /// Leader-ready, but entries before the barrier are still being applied.
    AwaitingBarrier {
        /// The term this node leads.
        term: Term,
        /// The index every entry up to which must be applied.
        barrier: LogIndex,
        /// The highest index applied so far.
        applied: LogIndex,
    },
    /// The node was shut down.
    ShutDown,
}

impl std::fmt::Display for Blocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Blocker::NotLeader {
                term,
                leader: Some(leader),
            } => {
                write!(f, "not leader (term {term}, leader {leader})")
            }
            Blocker::NotLeader { term, leader: None } => {
                write!(f, "not leader (term {term}, leader unknown)")
            }
            Blocker::AwaitingLeaderReady { term } => {
                write!(f, "elected in term {term}, waiting for leader-ready")
            }
            Blocker::LeaseExpired { term } => write!(
                f,
                "leader of term {term} whose lease expired (no recent quorum acknowledgement)"
            ),
            Blocker::AwaitingBarrier {
                barrier, applied, ..
            } => {
                write!(f, "waiting for barrier {barrier}, applied {applied}")
            }
            Blocker::ShutDown => write!(f, "shut down"),
        }
    }
}
