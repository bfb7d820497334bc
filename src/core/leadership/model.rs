//! The leadership state machine. Pure rules, no threads and no I/O: the service manager owns
//! one per node behind its lock and asks it, after every event, whether services may run.
//!
//! The rules (DESIGN section 3):
//! 1. Terms only grow. An event whose term is below the current one is stale: counted and
//!    ignored, except that an event saying "you are not leader" always demotes.
//! 2. Services may run only while leader-ready in the current term with every entry before
//!    the barrier applied.
//! 3. `term_index_updated` with nothing new is O(1) and allocation-free.

use super::{Blocker, LogIndex, Permission, Term};
use std::time::Instant;

/// This node's role in the current term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Follower,
    /// Elected, waiting for Raft's leader-ready (its startup entry applied).
    LeaderNotReady,
    LeaderReady,
}

/// What an event did to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// The state changed.
    Changed,
    /// Nothing new (a repeated notification, or an index that does not matter).
    Unchanged,
    /// The event's term is below the current term: counted and ignored, but a stale
    /// "not leader" still demoted.
    Stale,
    /// The event contradicts what is known of its term (leader-ready after stepping down in
    /// the same term, or while another peer is the known leader): counted and ignored.
    Contradicted,
    /// The node was shut down; events no longer change anything.
    AfterShutdown,
    InvalidTerm, // placeholder for the core's variant: a leadership event with term 0
}

/// What an event may change, compared before and after it.
type Fingerprint = (Term, Role, LogIndex, LogIndex, bool, bool);

#[derive(Debug)]
pub struct LeadershipModel {
    self_id: String,
    term: Term,
    leader: Option<String>,
    role: Role,
    /// Set by `not_leader` in the current term: a leader that stepped down cannot become
    /// ready again in the same term.
    stepped_down_in_term: bool,
    barrier: LogIndex,
    applied: LogIndex,
    peers: Vec<String>,
    ignored_events: u64,
    shut_down: bool,
    /// False while a leader has not heard from a quorum (reported by hosts that can tell, like
    /// the openraft mode): services pause until contact returns or the term ends.
    quorum_contact: bool,
    allowed_since: Option<Instant>,
}

impl LeadershipModel {
    pub fn new(self_id: impl Into<String>) -> Self {
        LeadershipModel {
            self_id: self_id.into(),
            term: 0,
            leader: None,
            role: Role::Follower,
            stepped_down_in_term: false,
            barrier: 0,
            applied: 0,
            peers: Vec::new(),
            ignored_events: 0,
            shut_down: false,
            quorum_contact: true,
            allowed_since: None,
        }
    }

    /// `notifyLeaderChanged`: `leader` leads in `term` (None: no leader known).
    pub fn leader_changed(&mut self, term: Term, leader: Option<&str>) -> EventOutcome {
        if self.shut_down {
            return EventOutcome::AfterShutdown;
        }
        let names_self = leader == Some(self.self_id.as_str());
        if term < self.term {
            self.ignored_events += 1;
            if !names_self {
                self.demote();
            }
            return EventOutcome::Stale;
        }
        let before = self.fingerprint();
        self.enter_term(term);
        if names_self {
            if self.role == Role::Follower && !self.stepped_down_in_term {
                self.role = Role::LeaderNotReady;
            }
        } else {
            self.demote();
        }
        if self.leader.as_deref() != leader {
            self.leader = leader.map(str::to_owned);
        }
        self.finish(before)
    }

    /// `notifyNotLeader`: always demotes, whatever its term.
    pub fn not_leader(&mut self, term: Term) -> EventOutcome {
        if self.shut_down {
            return EventOutcome::AfterShutdown;
        }
        let stale = term < self.term;
        let before = self.fingerprint();
        if stale {
            self.ignored_events += 1;
        } else {
            self.enter_term(term);
            self.stepped_down_in_term = true;
        }
        self.demote();
        if self.leader.as_deref() == Some(self.self_id.as_str()) {
            self.leader = None;
        }
        let outcome = self.finish(before);
        if stale {
            EventOutcome::Stale
        } else {
            outcome
        }
    }

    /// `notifyLeaderReady`: this node's startup entry of `term` is applied. Services wait until
    /// every entry up to `barrier` is applied as well.
    pub fn leader_ready(&mut self, term: Term, barrier: LogIndex) -> EventOutcome {
        if self.shut_down {
            return EventOutcome::AfterShutdown;
        }
        if term < self.term {
            self.ignored_events += 1;
            return EventOutcome::Stale;
        }
        let another_leads = term == self.term
            && self
                .leader
                .as_deref()
                .is_some_and(|leader| leader != self.self_id);
        if term == self.term && (self.stepped_down_in_term || another_leads) {
            self.ignored_events += 1;
            return EventOutcome::Contradicted;
        }
        if term == self.term && self.role == Role::LeaderReady {
            // A repeated notification: the barrier of a term is fixed by its first one.
            return EventOutcome::Unchanged;
        }
        let before = self.fingerprint();
        self.enter_term(term);
        self.role = Role::LeaderReady;
        self.barrier = barrier;
        if self.leader.as_deref() != Some(self.self_id.as_str()) {
            self.leader = Some(self.self_id.clone());
        }
        self.finish(before)
    }

    /// `notifyTermIndexUpdated`: fires for every configuration and metadata entry; only a
    /// term change is news (a newer term means another peer leads). The index does not
    /// matter: applied progress comes from `applied`.
    #[inline]
    pub fn term_index_updated(&mut self, term: Term, _index: LogIndex) -> EventOutcome {
        if term == self.term && !self.shut_down {
            return EventOutcome::Unchanged;
        }
        self.term_index_updated_slow(term)
    }

    #[cold]
    fn term_index_updated_slow(&mut self, term: Term) -> EventOutcome {
        if self.shut_down {
            return EventOutcome::AfterShutdown;
        }
        if term < self.term {
            self.ignored_events += 1;
            return EventOutcome::Stale;
        }
        let before = self.fingerprint();
        self.enter_term(term);
        self.finish(before)
    }

    /// `notifyConfigurationChanged`: the peer set as of the entry at `_index` of `term`.
    /// A node that is not in the new peer set does not lead.
    pub fn configuration_changed<S: AsRef<str>>(
        &mut self,
        term: Term,
        _index: LogIndex,
        peers: &[S],
    ) -> EventOutcome {
        if self.shut_down {
            return EventOutcome::AfterShutdown;
        }
        if term < self.term {
            self.ignored_events += 1;
            return EventOutcome::Stale;
        }
        let before = self.fingerprint();
        self.enter_term(term);
        let same_ring = self.peers.len() == peers.len()
            && peers
                .iter()
                .all(|peer| self.peers.iter().any(|known| known == peer.as_ref()));
        if !same_ring {
            self.peers = peers.iter().map(|peer| peer.as_ref().to_owned()).collect();
            self.peers.sort();
        }
        let is_member = peers.iter().any(|peer| peer.as_ref() == self.self_id);
        if !is_member {
            self.demote();
        }
        let outcome = self.finish(before);
        if !same_ring {
            EventOutcome::Changed
        } else {
            outcome
        }
    }

    /// The host applied every entry up to `index` (of `term`, the entry's own term, which is
    /// often older than the current one). Applied progress only grows.
    pub fn applied(&mut self, term: Term, index: LogIndex) -> EventOutcome {
        if self.shut_down {
            return EventOutcome::AfterShutdown;
        }
        if term <= self.term && index <= self.applied {
            return EventOutcome::Unchanged;
        }
        let before = self.fingerprint();
        self.enter_term(term);
        self.applied = self.applied.max(index);
        self.finish(before)
    }

    /// The leader of `term` has not heard from a quorum for longer than an election timeout:
    /// another peer may be elected any moment, so services pause. Unlike `not_leader` this is
    /// not a step-down: if contact returns within the term, services resume in it.
    pub fn quorum_contact_lost(&mut self, term: Term) -> EventOutcome {
        self.set_quorum_contact(term, false)
    }

    /// The leader of `term` hears from a quorum again.
    pub fn quorum_contact_restored(&mut self, term: Term) -> EventOutcome {
        self.set_quorum_contact(term, true)
    }

    fn set_quorum_contact(&mut self, term: Term, contact: bool) -> EventOutcome {
        if self.shut_down {
            return EventOutcome::AfterShutdown;
        }
        if term != self.term {
            // Only news about the current term's leadership matters; a newer term arrives
            // through the other events.
            self.ignored_events += 1;
            return EventOutcome::Stale;
        }
        let before = self.fingerprint();
        self.quorum_contact = contact;
        self.finish(before)
    }

    /// The host is closing this node: nothing may run any more.
    pub fn shutdown(&mut self) -> EventOutcome {
        if self.shut_down {
            return EventOutcome::AfterShutdown;
        }
        self.shut_down = true;
        self.demote();
        self.allowed_since = None;
        EventOutcome::Changed
    }

    pub fn permission(&self) -> Permission {
        if self.shut_down {
            return Permission::Denied(Blocker::ShutDown);
        }
        match self.role {
            Role::Follower => Permission::Denied(Blocker::NotLeader {
                term: self.term,
                leader: self.leader.clone(),
            }),
            Role::LeaderNotReady => {
                Permission::Denied(Blocker::AwaitingLeaderReady { term: self.term })
            }
            Role::LeaderReady if !self.quorum_contact => {
                Permission::Denied(Blocker::QuorumContactLost { term: self.term })
            }
            Role::LeaderReady if self.applied < self.barrier => {
                Permission::Denied(Blocker::AwaitingBarrier {
                    term: self.term,
                    barrier: self.barrier,
                    applied: self.applied,
                })
            }
            Role::LeaderReady => Permission::Allowed {
                epoch: self.term,
                since: self.allowed_since.unwrap_or_else(Instant::now),
            },
        }
    }

    /// The epoch services may run in now, or 0 when they may not. Terms start at 1 in Raft.
    pub fn allowed_epoch(&self) -> Term {
        if self.is_allowed() {
            self.term
        } else {
            0
        }
    }

    pub fn self_id(&self) -> &str {
        &self.self_id
    }
    pub fn term(&self) -> Term {
        self.term
    }
    pub fn leader(&self) -> Option<&str> {
        self.leader.as_deref()
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn barrier(&self) -> LogIndex {
        self.barrier
    }
    pub fn applied_index(&self) -> LogIndex {
        self.applied
    }
    pub fn peers(&self) -> &[String] {
        &self.peers
    }
    /// Stale and contradicted events received so far.
    pub fn ignored_events(&self) -> u64 {
        self.ignored_events
    }
    pub fn is_shut_down(&self) -> bool {
        self.shut_down
    }

    fn is_allowed(&self) -> bool {
        !self.shut_down
            && self.role == Role::LeaderReady
            && self.quorum_contact
            && self.applied >= self.barrier
    }

    /// Moves to a newer term: whatever this node was, it leads the new term only once a
    /// leader-changed or leader-ready event for that term says so.
    fn enter_term(&mut self, term: Term) {
        if term > self.term {
            self.demote();
            self.term = term;
            self.leader = None;
            self.stepped_down_in_term = false;
            self.quorum_contact = true;
        }
    }

    /// Leaves leadership of the current term for good: a leader that stepped down (for any
    /// reason, stale news included) cannot become ready again in the same term.
    fn demote(&mut self) {
        if self.role != Role::Follower {
            self.stepped_down_in_term = true;
        }
        self.role = Role::Follower;
        self.barrier = 0;
    }

    fn fingerprint(&self) -> Fingerprint {
        (
            self.term,
            self.role,
            self.barrier,
            self.applied,
            self.stepped_down_in_term,
            self.quorum_contact,
        )
    }

    fn finish(&mut self, before: Fingerprint) -> EventOutcome {
        match (self.is_allowed(), self.allowed_since) {
            (true, None) => self.allowed_since = Some(Instant::now()),
            (false, Some(_)) => self.allowed_since = None,
            _ => {}
        }
        if self.fingerprint() == before {
            EventOutcome::Unchanged
        } else {
            EventOutcome::Changed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready_leader(term: Term, barrier: LogIndex) -> LeadershipModel {
        let mut model = LeadershipModel::new("om1");
        model.leader_changed(term, Some("om1"));
        model.leader_ready(term, barrier);
        model
    }

    #[test]
    fn new_leader_is_allowed_only_after_ready_and_barrier() {
        let mut model = LeadershipModel::new("om1");
        model.leader_changed(2, Some("om1"));
        assert_eq!(model.role(), Role::LeaderNotReady);
        assert_eq!(model.allowed_epoch(), 0);
        model.leader_ready(2, 10);
        assert_eq!(
            model.permission(),
            Permission::Denied(Blocker::AwaitingBarrier {
                term: 2,
                barrier: 10,
                applied: 0
            })
        );
        model.applied(1, 9);
        assert_eq!(model.allowed_epoch(), 0);
        model.applied(1, 10);
        assert_eq!(model.allowed_epoch(), 2);
    }

    #[test]
    fn stale_events_are_counted_and_never_promote() {
        let mut model = LeadershipModel::new("om1");
        model.leader_changed(5, Some("om2"));
        assert_eq!(model.leader_changed(4, Some("om1")), EventOutcome::Stale);
        assert_eq!(model.leader_ready(4, 0), EventOutcome::Stale);
        assert_eq!(model.term_index_updated(3, 7), EventOutcome::Stale);
        assert_eq!(model.role(), Role::Follower);
        assert_eq!(model.ignored_events(), 3);
    }

    #[test]
    fn stale_not_leader_still_demotes() {
        let mut model = ready_leader(5, 0);
        assert_eq!(model.allowed_epoch(), 5);
        assert_eq!(model.not_leader(3), EventOutcome::Stale);
        assert_eq!(model.allowed_epoch(), 0);
        assert_eq!(model.ignored_events(), 1);
    }

    #[test]
    fn stale_leader_changed_naming_another_peer_demotes() {
        let mut model = ready_leader(5, 0);
        assert_eq!(model.leader_changed(4, Some("om2")), EventOutcome::Stale);
        assert_eq!(model.role(), Role::Follower);
    }

    #[test]
    fn ready_after_stepping_down_in_the_same_term_is_contradicted() {
        let mut model = ready_leader(5, 0);
        model.not_leader(5);
        assert_eq!(model.leader_ready(5, 0), EventOutcome::Contradicted);
        assert_eq!(
            model.leader_changed(5, Some("om1")),
            EventOutcome::Unchanged
        );
        assert_eq!(model.allowed_epoch(), 0);
        model.leader_changed(6, Some("om1"));
        model.leader_ready(6, 0);
        assert_eq!(model.allowed_epoch(), 6);
    }

    #[test]
    fn a_leader_demoted_by_stale_news_cannot_be_ready_again_in_that_term() {
        let mut model = ready_leader(7, 0);
        assert_eq!(model.leader_changed(1, None), EventOutcome::Stale);
        assert_eq!(model.leader_ready(7, 0), EventOutcome::Contradicted);
        assert_eq!(model.allowed_epoch(), 0);
    }

    #[test]
    fn ready_while_another_peer_leads_the_term_is_contradicted() {
        let mut model = LeadershipModel::new("om1");
        model.leader_changed(5, Some("om2"));
        assert_eq!(model.leader_ready(5, 0), EventOutcome::Contradicted);
        assert_eq!(model.allowed_epoch(), 0);
    }

    #[test]
    fn a_newer_term_seen_anywhere_demotes() {
        let mut model = ready_leader(5, 0);
        assert_eq!(model.term_index_updated(6, 100), EventOutcome::Changed);
        assert_eq!(model.allowed_epoch(), 0);
        let mut model = ready_leader(5, 0);
        model.applied(7, 100);
        assert_eq!(model.allowed_epoch(), 0);
        assert_eq!(model.term(), 7);
    }

    #[test]
    fn repeated_notifications_change_nothing() {
        let mut model = ready_leader(5, 3);
        model.applied(5, 3);
        assert_eq!(
            model.leader_changed(5, Some("om1")),
            EventOutcome::Unchanged
        );
        assert_eq!(model.leader_ready(5, 3), EventOutcome::Unchanged);
        assert_eq!(model.leader_ready(5, 90), EventOutcome::Unchanged);
        assert_eq!(model.barrier(), 3);
        assert_eq!(model.term_index_updated(5, 4), EventOutcome::Unchanged);
        assert_eq!(model.allowed_epoch(), 5);
    }

    #[test]
    fn removal_from_the_ring_demotes() {
        let mut model = ready_leader(5, 0);
        assert_eq!(
            model.configuration_changed(5, 9, &["om1", "om2", "om3"]),
            EventOutcome::Changed
        );
        assert_eq!(
            model.configuration_changed(5, 10, &["om3", "om2", "om1"]),
            EventOutcome::Unchanged
        );
        assert_eq!(model.allowed_epoch(), 5);
        model.configuration_changed(5, 11, &["om2", "om3"]);
        assert_eq!(model.allowed_epoch(), 0);
        assert_eq!(model.peers(), ["om2".to_string(), "om3".to_string()]);
    }

    #[test]
    fn losing_quorum_contact_pauses_within_the_term_without_stepping_down() {
        let mut model = ready_leader(5, 0);
        assert_eq!(model.quorum_contact_lost(5), EventOutcome::Changed);
        assert_eq!(
            model.permission(),
            Permission::Denied(Blocker::QuorumContactLost { term: 5 })
        );
        assert_eq!(model.quorum_contact_restored(4), EventOutcome::Stale);
        assert_eq!(model.allowed_epoch(), 0);
        assert_eq!(model.quorum_contact_restored(5), EventOutcome::Changed);
        assert_eq!(model.allowed_epoch(), 5);
        model.quorum_contact_lost(5);
        model.leader_changed(6, Some("om1"));
        model.leader_ready(6, 0);
        assert_eq!(
            model.allowed_epoch(),
            6,
            "a new term starts with quorum contact"
        );
    }

    #[test]
    fn shutdown_is_final() {
        let mut model = ready_leader(5, 0);
        model.shutdown();
        assert_eq!(model.leader_ready(6, 0), EventOutcome::AfterShutdown);
        assert_eq!(model.permission(), Permission::Denied(Blocker::ShutDown));
    }
}
