//! Who decides when this node stands for election: this gate, not openraft's tick.
//!
//! openraft 0.9 has no pre-vote. Its tick starts an election once no leader was heard from for
//! the leader lease plus an election timeout, measured on the monotonic clock, which runs on
//! while a process is stopped. A follower resumed after a pause (SIGSTOP, a long GC-like stall,
//! a VM freeze) therefore stands at once, before it has read the heartbeats waiting in its
//! sockets, and its higher term ends a healthy leader's term.
//!
//! The gate takes elections over (`runtime_config().elect(false)`; `trigger().elect()` is not
//! affected by it) and applies openraft's own rule with one addition: a gap in its own ticks
//! longer than [`pause_threshold`] means this process was not running, and counts as fresh
//! contact, so a resumed node first gives the current leader a whole election timeout to be
//! heard. A real failover is not slowed: without a pause the timing is openraft's (plus at most
//! one tick). The server reports contact: an append-entries or snapshot a leader sent and this
//! node accepted, or a vote it granted.

use super::leadership_history::{LeadershipChange, LeadershipHistory};
use super::types::{Raft, RaftNodeId};
use openraft::ServerState;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Election timing, as openraft's `Config` has it.
#[derive(Debug, Clone, Copy)]
pub struct ElectionTiming {
    /// How often the leader sends heartbeats.
    pub heartbeat: Duration,
    /// The shortest election timeout.
    pub election_min: Duration,
    /// The longest election timeout, also the followers' leader lease.
    pub election_max: Duration,
}

/// A tick gap longer than this is a pause of the process (or of its runtime), not scheduling
/// noise: half the shortest election timeout, so a pause long enough to matter is always seen.
pub fn pause_threshold(timing: &ElectionTiming) -> Duration {
    timing.election_min / 2
}

fn tick_interval(timing: &ElectionTiming) -> Duration {
    (timing.heartbeat / 5).clamp(Duration::from_millis(2), Duration::from_millis(20))
}

/// Decides when this node stands for election, instead of openraft's timer (see the module
/// documentation).
#[derive(Debug)]
pub struct ElectionGate {
    origin: Instant,
    /// Milliseconds after `origin` of the last contact with a leader (or a granted vote).
    last_contact_ms: AtomicU64,
    pauses: AtomicU64,
    leadership: LeadershipHistory,
}

impl Default for ElectionGate {
    fn default() -> Self {
        ElectionGate {
            origin: Instant::now(),
            last_contact_ms: AtomicU64::new(0),
            pauses: AtomicU64::new(0),
            leadership: LeadershipHistory::default(),
        }
    }
}

impl ElectionGate {
    /// A leader was heard from (its append-entries or snapshot was accepted), or this node
    /// granted a vote: no election for a while.
    pub fn heard_from_leader(&self) {
        self.touch(Instant::now());
    }

    /// How many pauses of this process the gate has seen.
    pub fn pauses_seen(&self) -> u64 {
        self.pauses.load(Ordering::Relaxed)
    }

    /// The last leadership change seen (term or leader), with its wall-clock time.
    pub fn last_leadership_change(&self) -> Option<LeadershipChange> {
        self.leadership.last()
    }

    /// The leadership changes seen: the last few, and how many leaders were seen.
    pub fn leadership_history(&self) -> &LeadershipHistory {
        &self.leadership
    }

    /// Time since a leader was last heard from (on a leader: since its last tick).
    pub fn since_leader_contact(&self) -> Duration {
        self.since_contact(Instant::now())
    }

    fn touch(&self, now: Instant) {
        let ms = now.saturating_duration_since(self.origin).as_millis() as u64;
        self.last_contact_ms.fetch_max(ms, Ordering::Relaxed);
    }

    fn since_contact(&self, now: Instant) -> Duration {
        let contact =
            self.origin + Duration::from_millis(self.last_contact_ms.load(Ordering::Relaxed));
        now.saturating_duration_since(contact)
    }

    /// Records `term` and `leader` if they differ from the last seen (the gate's tick does;
    /// a status report does too, so the change time it shows matches the leader it shows).
    pub(crate) fn note_leadership(&self, term: u64, leader: Option<RaftNodeId>) {
        self.leadership.note(term, leader);
    }

    /// Turns openraft's own elections off and returns the task that decides instead; it ends
    /// when Raft shuts down.
    pub fn take_over(
        self: &Arc<Self>,
        raft: Raft,
        id: RaftNodeId,
        timing: ElectionTiming,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        raft.runtime_config().elect(false);
        self.touch(Instant::now());
        let gate = self.clone();
        async move { gate.run(raft, id, timing).await }
    }

    async fn run(self: Arc<Self>, raft: Raft, id: RaftNodeId, timing: ElectionTiming) {
        let tick = tick_interval(&timing);
        let pause = pause_threshold(&timing);
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut metrics = raft.metrics();
        let mut last_tick = Instant::now();
        let mut timeout = draw_timeout(&timing, id);
        let mut drawn_at_contact = u64::MAX;
        loop {
            interval.tick().await;
            let now = Instant::now();
            let gap = now.saturating_duration_since(last_tick);
            last_tick = now;
            if gap > pause {
                self.pauses.fetch_add(1, Ordering::Relaxed);
                self.touch(now);
                tracing::info!(
                    node = id,
                    pause_ms = gap.as_millis() as u64,
                    "this process was paused: hearing from the leader before standing for election"
                );
            }
            let (state, term, leader, committed, is_voter, voters) = {
                if metrics.has_changed().is_err() {
                    return; // Raft shut down
                }
                let m = metrics.borrow_and_update();
                let membership = m.membership_config.membership();
                (
                    m.state,
                    m.current_term,
                    m.current_leader,
                    m.vote.is_committed(),
                    membership.voter_ids().any(|voter| voter == id),
                    membership.voter_ids().count(),
                )
            };
            self.note_leadership(term, leader);
            if matches!(state, ServerState::Leader | ServerState::Shutdown) || !is_voter {
                self.touch(now);
                continue;
            }
            if voters == 1 {
                if state != ServerState::Candidate {
                    self.elect(&raft, id, "the only voter").await;
                }
                continue;
            }
            // A new wait starts at each contact: draw its timeout once, as openraft does.
            let contact = self.last_contact_ms.load(Ordering::Relaxed);
            if contact != drawn_at_contact {
                drawn_at_contact = contact;
                timeout = draw_timeout(&timing, id);
            }
            // openraft: a follower that knew a committed leader also waits out its lease.
            let wait = if committed {
                timing.election_max + timeout
            } else {
                timeout
            };
            if self.since_contact(now) >= wait {
                self.touch(now);
                self.elect(&raft, id, "no leader heard within the election timeout")
                    .await;
            }
        }
    }

    async fn elect(&self, raft: &Raft, id: RaftNodeId, why: &'static str) {
        tracing::info!(node = id, reason = why, "standing for election");
        if let Err(error) = raft.trigger().elect().await {
            tracing::warn!(node = id, %error, "could not start an election");
        }
    }
}

/// A timeout in `election_min..election_max`, different per node and per draw.
fn draw_timeout(timing: &ElectionTiming, id: RaftNodeId) -> Duration {
    let spread = timing
        .election_max
        .saturating_sub(timing.election_min)
        .as_millis() as u64;
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(id);
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    let offset = if spread == 0 {
        0
    } else {
        hasher.finish() % spread
    };
    timing.election_min + Duration::from_millis(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_only_moves_forward_and_pauses_are_half_the_shortest_timeout() {
        let gate = ElectionGate::default();
        let later = Instant::now() + Duration::from_secs(5);
        gate.touch(later);
        gate.heard_from_leader();
        assert!(gate.since_contact(later) < Duration::from_millis(1));
        let timing = ElectionTiming {
            heartbeat: Duration::from_millis(50),
            election_min: Duration::from_millis(250),
            election_max: Duration::from_millis(500),
        };
        assert_eq!(pause_threshold(&timing), Duration::from_millis(125));
        for _ in 0..100 {
            let drawn = draw_timeout(&timing, 3);
            assert!(drawn >= timing.election_min && drawn < timing.election_max);
        }
    }
}
