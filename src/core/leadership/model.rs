//! The leadership state machine. Pure rules, no threads and no I/O: the service manager owns
//! one per node behind its lock and asks it, after every event, whether services may run.
//!
//! It enforces rules R1-R9 of docs/design.md, among them:
//! - R1: terms only grow. An event whose term is below the current one is stale: counted and
//!   ignored, except that an event saying "you are not leader" always demotes.
//! - R2: services may run only while leader-ready in the current term with every entry before
//!   the barrier applied.
//! - R3: leader-ready promotes only a node told it was elected in that same term.
//! - R6: `term_index_updated` with nothing new is O(1) and allocation-free.

use super::{Blocker, GrantId, LogIndex, Permission, Term};
use crate::error::Error;
use std::time::Instant;

/// This node's role in the current term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Role {
    /// Another peer leads, or no leader is known.
    Follower,
    /// Elected, waiting for Raft's leader-ready (its startup entry applied).
    LeaderNotReady,
    /// Elected and ready: services run once the barrier is applied.
    LeaderReady,
}

/// What an event did to the model. Exhaustive on purpose: the adapters map each outcome to a
/// fixed number, so a new outcome must be a deliberate change to each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// The state changed.
    Changed,
    /// Nothing new (a repeated notification, or an index that does not matter).
    Unchanged,
    /// The event's term is below the current term: counted and ignored, but a stale
    /// "not leader" still demoted.
    Stale,
    /// The event contradicts what is known of its term (leader-ready without having been told
    /// of the election, or after stepping down in the same term): counted and ignored. A newer
    /// term it names is still entered, as a follower.
    Contradicted,
    /// A leadership event for term 0: Raft never elects in term 0. Nothing changed.
    InvalidTerm,
    /// The node was shut down; events no longer change anything.
    AfterShutdown,
}

impl EventOutcome {
    /// The outcome as the C and Java surfaces report it: after shutdown the error every call on
    /// a shut down node gives ([`Error::ShutDown`]), for term 0 [`Error::InvalidArgument`];
    /// any other outcome is `Ok` (stale and contradicted events are counted, not failed).
    pub fn into_result(self) -> Result<EventOutcome, Error> {
        match self {
            EventOutcome::AfterShutdown => Err(Error::ShutDown),
            EventOutcome::InvalidTerm => Err(Error::InvalidArgument {
                name: "term",
                reason: "term 0 carries no leadership (Raft terms start at 1)".to_owned(),
            }),
            other => Ok(other),
        }
    }
}

/// What an event may change, compared before and after it.
type Fingerprint = (Term, Role, LogIndex, LogIndex, bool, Option<GrantId>);

#[derive(Debug, Clone, Copy)]
struct ActiveGrant {
    id: GrantId,
    since: Instant,
}

/// The leadership state of one node and the rules of docs/design.md R1-R9: Raft events in,
/// [`Permission`] out.
#[derive(Debug)]
pub struct LeadershipModel {
    self_id: String,
    term: Term,
    leader: Option<String>,
    role: Role,
    /// Set when this node stops leading the current term: it cannot become ready again in it.
    stepped_down_in_term: bool,
    barrier: LogIndex,
    applied: LogIndex,
    peers: Vec<String>,
    ignored_events: u64,
    shut_down: bool,
    /// Set by hosts that bound leadership by time (the openraft mode): services may run in the
    /// current term only before this instant. `None`: the host gives no lease (Ratis).
    lease_until: Option<Instant>,
    /// Whether `lease_until` had passed when the model last looked at the clock.
    lease_expired: bool,
    grant: Option<ActiveGrant>,
    grants_issued: u64,
}

impl LeadershipModel {
    /// A follower in term 0 that knows no leader; `self_id` is this peer's id in the group.
    pub fn new(self_id: impl Into<String>) -> Self {
        LeadershipModel {
            self_id: self_id.into(),
            term: Term(0),
            leader: None,
            role: Role::Follower,
            stepped_down_in_term: false,
            barrier: LogIndex(0),
            applied: LogIndex(0),
            peers: Vec::new(),
            ignored_events: 0,
            shut_down: false,
            lease_until: None,
            lease_expired: false,
            grant: None,
            grants_issued: 0,
        }
    }

    /// `notifyLeaderChanged`: `leader` leads in `term` (None: no leader known).
    pub fn leader_changed(&mut self, term: Term, leader: Option<&str>) -> EventOutcome {
        if self.shut_down {
            return EventOutcome::AfterShutdown;
        }
        let names_self = leader == Some(self.self_id.as_str());
        if names_self && term == Term(0) {
            return self.invalid_term();
        }
        let before = self.fingerprint();
        if term < self.term {
            self.ignored_events += 1;
            if !names_self {
                self.demote();
            }
            self.finish(before);
            return EventOutcome::Stale;
        }
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

    /// `notifyNotLeader`: always demotes, whatever its term. In the current term it is a
    /// step-down for good; a newer term is entered as a follower, free to be elected in it.
    pub fn not_leader(&mut self, term: Term) -> EventOutcome {
        if self.shut_down {
            return EventOutcome::AfterShutdown;
        }
        let before = self.fingerprint();
        let stale = term < self.term;
        if stale {
            self.ignored_events += 1;
        } else if term == self.term {
            self.stepped_down_in_term = true;
        } else {
            self.enter_term(term);
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

    /// `notifyLeaderReady`: this node's startup entry of `term` is applied. It promotes only a
    /// node told it was elected in that same term (`leader_changed(term, self)`, which Ratis
    /// always sends first). Services wait until every entry up to `barrier` is applied.
    pub fn leader_ready(&mut self, term: Term, barrier: LogIndex) -> EventOutcome {
        if self.shut_down {
            return EventOutcome::AfterShutdown;
        }
        if term == Term(0) {
            return self.invalid_term();
        }
        if term < self.term {
            self.ignored_events += 1;
            return EventOutcome::Stale;
        }
        let before = self.fingerprint();
        if term > self.term {
            // Ready for a term this node was never told it won: a host that read the term
            // late. The newer term is news (nobody leads the old one any more), not a promotion.
            self.ignored_events += 1;
            self.enter_term(term);
            self.finish(before);
            return EventOutcome::Contradicted;
        }
        match self.role {
            Role::LeaderReady => EventOutcome::Unchanged, // the first barrier of a term holds
            Role::Follower => {
                self.ignored_events += 1;
                EventOutcome::Contradicted
            }
            Role::LeaderNotReady => {
                self.role = Role::LeaderReady;
                self.barrier = barrier;
                self.finish(before)
            }
        }
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

    /// The host confirmed, with a quorum, that this node still leads `term`, and no other node
    /// can be elected before `until` (minus the time services need to stop). From the first
    /// renewal in a term, services run only while the lease holds; after it expires they
    /// stop, and a later renewal in the same term lets them start again under a new grant.
    pub fn lease_renewed(&mut self, term: Term, until: Instant) -> EventOutcome {
        if self.shut_down {
            return EventOutcome::AfterShutdown;
        }
        if term == Term(0) {
            return self.invalid_term();
        }
        if term < self.term {
            self.ignored_events += 1;
            return EventOutcome::Stale;
        }
        let before = self.fingerprint();
        if term > self.term || self.role == Role::Follower {
            // A lease for a term this node does not lead: a newer term is still news.
            self.ignored_events += 1;
            self.enter_term(term);
            self.finish(before);
            return EventOutcome::Contradicted;
        }
        self.lease_until = Some(self.lease_until.map_or(until, |held| held.max(until)));
        self.finish(before)
    }

    /// Looks at the clock: a lease that ran out ends the grant. Returns true if it did.
    pub fn observe_time(&mut self, now: Instant) -> bool {
        let before = self.grant.map(|grant| grant.id);
        self.update_grant(now);
        self.grant.map(|grant| grant.id) != before
    }

    /// The host is closing this node: nothing may run any more.
    pub fn shutdown(&mut self) -> EventOutcome {
        if self.shut_down {
            return EventOutcome::AfterShutdown;
        }
        self.shut_down = true;
        self.demote();
        self.grant = None;
        EventOutcome::Changed
    }

    /// As of the last event or [`LeadershipModel::observe_time`].
    pub fn permission(&self) -> Permission {
        if let Some(grant) = self.grant {
            return Permission::Allowed {
                epoch: self.term,
                grant: grant.id,
                since: grant.since,
            };
        }
        Permission::Denied(if self.shut_down {
            Blocker::ShutDown
        } else {
            match self.role {
                Role::Follower => Blocker::NotLeader {
                    term: self.term,
                    leader: self.leader.clone(),
                },
                Role::LeaderNotReady => Blocker::AwaitingLeaderReady { term: self.term },
                Role::LeaderReady if self.lease_expired => {
                    Blocker::LeaseExpired { term: self.term }
                }
                Role::LeaderReady => Blocker::AwaitingBarrier {
                    term: self.term,
                    barrier: self.barrier,
                    applied: self.applied,
                },
            }
        })
    }

    /// The epoch services may run in now, if they may.
    pub fn allowed_epoch(&self) -> Option<Term> {
        self.grant.map(|_| self.term)
    }

    /// The current grant, if services may run.
    pub fn grant(&self) -> Option<GrantId> {
        self.grant.map(|grant| grant.id)
    }

    /// The instant the current lease ends, if the host bounds leadership by time.
    pub fn lease_until(&self) -> Option<Instant> {
        self.lease_until
    }

    /// This peer's id in the group.
    pub fn self_id(&self) -> &str {
        &self.self_id
    }
    /// The newest term seen.
    pub fn term(&self) -> Term {
        self.term
    }
    /// The leader of the current term, if known.
    pub fn leader(&self) -> Option<&str> {
        self.leader.as_deref()
    }
    /// This node's role in the current term.
    pub fn role(&self) -> Role {
        self.role
    }
    /// The barrier given at leader-ready in the current term (0 before).
    pub fn barrier(&self) -> LogIndex {
        self.barrier
    }
    /// The highest index the host reported applied.
    pub fn applied_index(&self) -> LogIndex {
        self.applied
    }
    /// The peer set last reported, sorted.
    pub fn peers(&self) -> &[String] {
        &self.peers
    }
    /// Stale, contradicted and invalid events received so far.
    pub fn ignored_events(&self) -> u64 {
        self.ignored_events
    }
    /// Whether [`LeadershipModel::shutdown`] was called.
    pub fn is_shut_down(&self) -> bool {
        self.shut_down
    }

    fn invalid_term(&mut self) -> EventOutcome {
        self.ignored_events += 1;
        EventOutcome::InvalidTerm
    }

    /// Moves to a newer term: whatever this node was, it leads the new term only once a
    /// leader-changed event for that term names it.
    fn enter_term(&mut self, term: Term) {
        if term > self.term {
            self.demote();
            self.term = term;
            self.leader = None;
            self.stepped_down_in_term = false;
            self.lease_until = None;
            self.lease_expired = false;
        }
    }

    /// Leaves leadership of the current term for good: a leader that stepped down (for any
    /// reason, stale news included) cannot become ready again in the same term.
    fn demote(&mut self) {
        if self.role != Role::Follower {
            self.stepped_down_in_term = true;
        }
        self.role = Role::Follower;
        self.barrier = LogIndex(0);
    }

    /// Issues a grant when services may start, and ends it for good when they may not.
    fn update_grant(&mut self, now: Instant) {
        self.lease_expired = self.lease_until.is_some_and(|until| now >= until);
        let allowed = !self.shut_down
            && self.role == Role::LeaderReady
            && !self.lease_expired
            && self.applied >= self.barrier;
        match (allowed, self.grant) {
            (true, None) => {
                self.grants_issued += 1;
                self.grant = Some(ActiveGrant {
                    id: GrantId(self.grants_issued),
                    since: now,
                });
            }
            (false, Some(_)) => self.grant = None,
            _ => {}
        }
    }

    fn fingerprint(&self) -> Fingerprint {
        (
            self.term,
            self.role,
            self.barrier,
            self.applied,
            self.stepped_down_in_term,
            self.grant.map(|grant| grant.id),
        )
    }

    fn finish(&mut self, before: Fingerprint) -> EventOutcome {
        self.update_grant(Instant::now());
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
    use std::time::Duration;

    fn ready_leader(term: u64, barrier: u64) -> LeadershipModel {
        let mut model = LeadershipModel::new("om1");
        model.leader_changed(Term(term), Some("om1"));
        model.leader_ready(Term(term), LogIndex(barrier));
        model
    }

    #[test]
    fn new_leader_is_allowed_only_after_ready_and_barrier() {
        let mut model = LeadershipModel::new("om1");
        model.leader_changed(Term(2), Some("om1"));
        assert_eq!(model.role(), Role::LeaderNotReady);
        assert_eq!(model.allowed_epoch(), None);
        model.leader_ready(Term(2), LogIndex(10));
        assert_eq!(
            model.permission(),
            Permission::Denied(Blocker::AwaitingBarrier {
                term: Term(2),
                barrier: LogIndex(10),
                applied: LogIndex(0)
            })
        );
        model.applied(Term(1), LogIndex(9));
        assert_eq!(model.allowed_epoch(), None);
        model.applied(Term(1), LogIndex(10));
        assert_eq!(model.allowed_epoch(), Some(Term(2)));
    }

    #[test]
    fn stale_events_are_counted_and_never_promote() {
        let mut model = LeadershipModel::new("om1");
        model.leader_changed(Term(5), Some("om2"));
        assert_eq!(
            model.leader_changed(Term(4), Some("om1")),
            EventOutcome::Stale
        );
        assert_eq!(
            model.leader_ready(Term(4), LogIndex(0)),
            EventOutcome::Stale
        );
        assert_eq!(
            model.term_index_updated(Term(3), LogIndex(7)),
            EventOutcome::Stale
        );
        assert_eq!(model.role(), Role::Follower);
        assert_eq!(model.ignored_events(), 3);
    }

    #[test]
    fn stale_not_leader_still_demotes() {
        let mut model = ready_leader(5, 0);
        assert_eq!(model.allowed_epoch(), Some(Term(5)));
        assert_eq!(model.not_leader(Term(3)), EventOutcome::Stale);
        assert_eq!(model.allowed_epoch(), None);
        assert_eq!(model.ignored_events(), 1);
    }

    #[test]
    fn stale_leader_changed_naming_another_peer_demotes() {
        let mut model = ready_leader(5, 0);
        assert_eq!(
            model.leader_changed(Term(4), Some("om2")),
            EventOutcome::Stale
        );
        assert_eq!(model.role(), Role::Follower);
    }

    #[test]
    fn ready_after_stepping_down_in_the_same_term_is_contradicted() {
        let mut model = ready_leader(5, 0);
        model.not_leader(Term(5));
        assert_eq!(
            model.leader_ready(Term(5), LogIndex(0)),
            EventOutcome::Contradicted
        );
        assert_eq!(
            model.leader_changed(Term(5), Some("om1")),
            EventOutcome::Unchanged
        );
        assert_eq!(model.allowed_epoch(), None);
        model.leader_changed(Term(6), Some("om1"));
        model.leader_ready(Term(6), LogIndex(0));
        assert_eq!(model.allowed_epoch(), Some(Term(6)));
    }

    #[test]
    fn a_leader_demoted_by_stale_news_cannot_be_ready_again_in_that_term() {
        let mut model = ready_leader(7, 0);
        assert_eq!(model.leader_changed(Term(1), None), EventOutcome::Stale);
        assert_eq!(
            model.leader_ready(Term(7), LogIndex(0)),
            EventOutcome::Contradicted
        );
        assert_eq!(model.allowed_epoch(), None);
    }

    #[test]
    fn ready_while_another_peer_leads_the_term_is_contradicted() {
        let mut model = LeadershipModel::new("om1");
        model.leader_changed(Term(5), Some("om2"));
        assert_eq!(
            model.leader_ready(Term(5), LogIndex(0)),
            EventOutcome::Contradicted
        );
        assert_eq!(model.allowed_epoch(), None);
    }

    #[test]
    fn a_newer_term_seen_anywhere_demotes() {
        let mut model = ready_leader(5, 0);
        assert_eq!(
            model.term_index_updated(Term(6), LogIndex(100)),
            EventOutcome::Changed
        );
        assert_eq!(model.allowed_epoch(), None);
        let mut model = ready_leader(5, 0);
        model.applied(Term(7), LogIndex(100));
        assert_eq!(model.allowed_epoch(), None);
        assert_eq!(model.term(), Term(7));
    }

    #[test]
    fn repeated_notifications_change_nothing() {
        let mut model = ready_leader(5, 3);
        model.applied(Term(5), LogIndex(3));
        assert_eq!(
            model.leader_changed(Term(5), Some("om1")),
            EventOutcome::Unchanged
        );
        assert_eq!(
            model.leader_ready(Term(5), LogIndex(3)),
            EventOutcome::Unchanged
        );
        assert_eq!(
            model.leader_ready(Term(5), LogIndex(90)),
            EventOutcome::Unchanged
        );
        assert_eq!(model.barrier(), LogIndex(3));
        assert_eq!(
            model.term_index_updated(Term(5), LogIndex(4)),
            EventOutcome::Unchanged
        );
        assert_eq!(model.allowed_epoch(), Some(Term(5)));
    }

    #[test]
    fn removal_from_the_ring_demotes() {
        let mut model = ready_leader(5, 0);
        assert_eq!(
            model.configuration_changed(Term(5), LogIndex(9), &["om1", "om2", "om3"]),
            EventOutcome::Changed
        );
        assert_eq!(
            model.configuration_changed(Term(5), LogIndex(10), &["om3", "om2", "om1"]),
            EventOutcome::Unchanged
        );
        assert_eq!(model.allowed_epoch(), Some(Term(5)));
        model.configuration_changed(Term(5), LogIndex(11), &["om2", "om3"]);
        assert_eq!(model.allowed_epoch(), None);
        assert_eq!(model.peers(), ["om2".to_string(), "om3".to_string()]);
    }

    #[test]
    fn an_expired_lease_ends_the_grant_and_a_renewal_issues_a_new_one() {
        let mut model = LeadershipModel::new("om1");
        model.leader_changed(Term(5), Some("om1"));
        let now = Instant::now();
        model.lease_renewed(Term(5), now + Duration::from_secs(60));
        model.leader_ready(Term(5), LogIndex(0));
        let first = model.grant().expect("allowed under a valid lease");
        assert!(!model.observe_time(now + Duration::from_secs(59)));
        assert!(model.observe_time(now + Duration::from_secs(60)));
        assert_eq!(
            model.permission(),
            Permission::Denied(Blocker::LeaseExpired { term: Term(5) })
        );
        assert_eq!(
            model.lease_renewed(Term(4), now + Duration::from_secs(600)),
            EventOutcome::Stale
        );
        assert_eq!(model.allowed_epoch(), None);
        model.lease_renewed(Term(5), Instant::now() + Duration::from_secs(60));
        let second = model.grant().expect("a renewal within the term resumes");
        assert_ne!(first, second, "a grant once ended is never current again");
        assert_eq!(model.allowed_epoch(), Some(Term(5)));
    }

    #[test]
    fn a_lease_for_a_newer_term_demotes_and_never_promotes() {
        let mut model = ready_leader(5, 0);
        assert_eq!(
            model.lease_renewed(Term(6), Instant::now() + Duration::from_secs(60)),
            EventOutcome::Contradicted
        );
        assert_eq!(model.term(), Term(6));
        assert_eq!(model.allowed_epoch(), None);
        let mut follower = LeadershipModel::new("om1");
        follower.leader_changed(Term(3), Some("om2"));
        follower.lease_renewed(Term(3), Instant::now() + Duration::from_secs(60));
        assert_eq!(follower.role(), Role::Follower);
    }

    #[test]
    fn a_new_term_starts_without_a_lease() {
        let mut model = LeadershipModel::new("om1");
        model.leader_changed(Term(5), Some("om1"));
        model.lease_renewed(Term(5), Instant::now());
        model.leader_ready(Term(5), LogIndex(0));
        assert_eq!(model.allowed_epoch(), None, "an expired lease blocks");
        model.leader_changed(Term(6), Some("om1"));
        model.leader_ready(Term(6), LogIndex(0));
        assert_eq!(model.allowed_epoch(), Some(Term(6)));
    }

    #[test]
    fn ready_for_a_term_the_node_was_not_told_it_won_never_promotes() {
        let mut model = LeadershipModel::new("om1");
        model.leader_changed(Term(5), Some("om1"));
        assert_eq!(
            model.leader_ready(Term(6), LogIndex(0)),
            EventOutcome::Contradicted
        );
        assert_eq!(model.allowed_epoch(), None);
        assert_eq!(model.term(), Term(6), "the newer term is still entered");
        assert_eq!(model.role(), Role::Follower);
        // Ratis's order for term 6 still works: elected, then ready.
        model.leader_changed(Term(6), Some("om1"));
        model.leader_ready(Term(6), LogIndex(0));
        assert_eq!(model.allowed_epoch(), Some(Term(6)));
        let mut fresh = LeadershipModel::new("om1");
        assert_eq!(
            fresh.leader_ready(Term(3), LogIndex(0)),
            EventOutcome::Contradicted
        );
        assert_eq!(fresh.allowed_epoch(), None);
    }

    #[test]
    fn not_leader_for_a_newer_term_leaves_the_node_free_to_win_it() {
        let mut model = ready_leader(5, 0);
        assert_eq!(model.not_leader(Term(6)), EventOutcome::Changed);
        assert_eq!(model.allowed_epoch(), None);
        model.leader_changed(Term(6), Some("om1"));
        model.leader_ready(Term(6), LogIndex(0));
        assert_eq!(model.allowed_epoch(), Some(Term(6)));
    }

    #[test]
    fn term_zero_carries_no_leadership() {
        let mut model = LeadershipModel::new("om1");
        assert_eq!(
            model.leader_changed(Term(0), Some("om1")),
            EventOutcome::InvalidTerm
        );
        assert_eq!(
            model.leader_ready(Term(0), LogIndex(0)),
            EventOutcome::InvalidTerm
        );
        assert_eq!(
            model.lease_renewed(Term(0), Instant::now() + Duration::from_secs(1)),
            EventOutcome::InvalidTerm
        );
        assert_eq!(model.role(), Role::Follower);
        assert_eq!(model.allowed_epoch(), None);
        assert_eq!(model.ignored_events(), 3);
        assert_eq!(model.leader_changed(Term(0), None), EventOutcome::Unchanged);
    }

    #[test]
    fn every_way_into_permission_starts_a_new_grant_now() {
        // A stale demotion must end the grant, so the next grant's clock (the delay after
        // ready counts from it) starts afresh.
        let mut model = ready_leader(5, 0);
        let first = model.permission();
        model.leader_changed(Term(4), Some("om2"));
        assert_eq!(model.allowed_epoch(), None);
        model.leader_changed(Term(6), Some("om1"));
        std::thread::sleep(Duration::from_millis(5));
        model.leader_ready(Term(6), LogIndex(0));
        match (first, model.permission()) {
            (
                Permission::Allowed {
                    grant: g1,
                    since: s1,
                    ..
                },
                Permission::Allowed {
                    grant: g2,
                    since: s2,
                    ..
                },
            ) => {
                assert_ne!(g1, g2);
                assert!(s2 >= s1 + Duration::from_millis(5));
            }
            other => panic!("expected two grants, got {other:?}"),
        }
    }

    #[test]
    fn an_event_after_shutdown_reports_the_shutdown_error_as_calls_do() {
        let mut model = ready_leader(5, 0);
        model.shutdown();
        let outcome = model.leader_ready(Term(6), LogIndex(0));
        assert_eq!(outcome, EventOutcome::AfterShutdown);
        assert!(matches!(outcome.into_result(), Err(Error::ShutDown)));
        let invalid = LeadershipModel::new("om1").leader_ready(Term(0), LogIndex(0));
        assert_eq!(
            invalid.into_result().map_err(|error| error.kind()),
            Err(crate::ErrorKind::InvalidArgument)
        );
        assert_eq!(
            EventOutcome::Stale.into_result().ok(),
            Some(EventOutcome::Stale)
        );
    }

    #[test]
    fn shutdown_is_final() {
        let mut model = ready_leader(5, 0);
        model.shutdown();
        assert_eq!(
            model.leader_ready(Term(6), LogIndex(0)),
            EventOutcome::AfterShutdown
        );
        assert_eq!(model.permission(), Permission::Denied(Blocker::ShutDown));
    }
}
