//! The leadership changes this node saw (term or leader), with their wall-clock times: the
//! last few for the status page's timeline, and how many times a new leader was seen, for
//! the metrics.

use super::types::RaftNodeId;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::SystemTime;

/// Changes kept for the timeline.
pub const KEPT_CHANGES: usize = 20;

/// One change of the term or the leader, as this node saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadershipChange {
    /// The term seen.
    pub term: u64,
    /// Its leader, if known.
    pub leader: Option<RaftNodeId>,
    /// When the change was seen.
    pub at: SystemTime,
}

#[derive(Debug, Default)]
struct Seen {
    changes: VecDeque<LeadershipChange>,
    /// Changes that named a leader other than the last one named (or in another term).
    leaders_seen: u64,
    last_leader: Option<(u64, RaftNodeId)>,
}

/// The last [`KEPT_CHANGES`] leadership changes this node saw, and a count of new leaders.
#[derive(Debug, Default)]
pub struct LeadershipHistory {
    seen: Mutex<Seen>,
}

impl LeadershipHistory {
    /// Records `term` and `leader` if they differ from the last seen.
    pub fn note(&self, term: u64, leader: Option<RaftNodeId>) {
        let mut seen = self.lock();
        if seen
            .changes
            .back()
            .is_some_and(|last| last.term == term && last.leader == leader)
        {
            return;
        }
        if let Some(id) = leader {
            if seen.last_leader != Some((term, id)) {
                seen.leaders_seen += 1;
                seen.last_leader = Some((term, id));
            }
        }
        if seen.changes.len() == KEPT_CHANGES {
            seen.changes.pop_front();
        }
        seen.changes.push_back(LeadershipChange {
            term,
            leader,
            at: SystemTime::now(),
        });
    }

    /// The last change seen.
    pub fn last(&self) -> Option<LeadershipChange> {
        self.lock().changes.back().copied()
    }

    /// The last [`KEPT_CHANGES`] changes, oldest first.
    pub fn recent(&self) -> Vec<LeadershipChange> {
        self.lock().changes.iter().copied().collect()
    }

    /// How many times a leader was seen taking a term (etcd's "leader changes seen").
    pub fn leaders_seen(&self) -> u64 {
        self.lock().leaders_seen
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_one_change_and_only_named_leaders_count() {
        let history = LeadershipHistory::default();
        history.note(1, None);
        history.note(1, Some(2));
        history.note(1, Some(2));
        history.note(2, None);
        history.note(2, Some(3));
        let seen: Vec<_> = history
            .recent()
            .iter()
            .map(|change| (change.term, change.leader))
            .collect();
        assert_eq!(seen, [(1, None), (1, Some(2)), (2, None), (2, Some(3))]);
        assert_eq!(history.leaders_seen(), 2);
        assert_eq!(history.last().map(|c| c.leader), Some(Some(3)));
    }

    #[test]
    fn only_the_last_changes_are_kept() {
        let history = LeadershipHistory::default();
        for term in 1..=(KEPT_CHANGES as u64 + 5) {
            history.note(term, Some(1));
        }
        let recent = history.recent();
        assert_eq!(recent.len(), KEPT_CHANGES);
        assert_eq!(recent[0].term, 6);
        assert_eq!(history.leaders_seen(), KEPT_CHANGES as u64 + 5);
    }
}
