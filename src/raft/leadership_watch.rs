//! Turns openraft's metrics into the leadership model's events, so services on an openraft
//! node follow the same rules as on a Ratis host:
//! - leader changed: a new term or a new leader in the metrics;
//! - leader (elected): only after `is_leader` confirms it with a quorum round, since a
//!   restarted node can briefly show itself as leader in its metrics;
//! - leader-ready: once an entry of this term (the leader's first, a no-op) is applied;
//! - not leader: on losing leadership, and also when the leader has not heard from a quorum
//!   for longer than the election timeout (a partitioned leader stops its services before it
//!   learns of the new term). That pause is not a step-down: if the leader regains its quorum
//!   within the term (no one else can lead that term), its services resume.

use super::types::{Raft, RaftNodeId};
use crate::core::node::Node;
use openraft::{RaftMetrics, ServerState};
use std::sync::Arc;
use std::time::Duration;

#[derive(Default)]
struct Reported {
    term: u64,
    leader: Option<RaftNodeId>,
    leading: bool,
    ready: bool,
    /// The term in which services were stopped for lack of a quorum.
    lost_quorum_in: Option<u64>,
}

pub async fn watch(
    raft: Raft,
    node: Arc<Node>,
    self_id: RaftNodeId,
    heartbeat: Duration,
    quorum_timeout: Duration,
) {
    let mut metrics = raft.metrics();
    let mut ticker = tokio::time::interval(heartbeat);
    let mut reported = Reported::default();
    loop {
        tokio::select! {
            changed = metrics.changed() => if changed.is_err() { return },
            _ = ticker.tick() => {}
        }
        let current = metrics.borrow_and_update().clone();
        step(
            &raft,
            &node,
            self_id,
            &current,
            quorum_timeout,
            &mut reported,
        )
        .await;
    }
}

async fn step(
    raft: &Raft,
    node: &Node,
    self_id: RaftNodeId,
    metrics: &RaftMetrics<RaftNodeId, openraft::BasicNode>,
    quorum_timeout: Duration,
    reported: &mut Reported,
) {
    let term = metrics.current_term;
    let claims_leadership =
        metrics.state == ServerState::Leader && metrics.current_leader == Some(self_id);
    if !claims_leadership {
        if reported.leading {
            node.not_leader(term);
            tracing::info!(node = self_id, term, "stepped down");
        }
        reported.leading = false;
        reported.ready = false;
        if reported.term != term || reported.leader != metrics.current_leader {
            let leader = metrics.current_leader.map(|id| id.to_string());
            node.leader_changed(term, leader.as_deref());
            reported.term = term;
            reported.leader = metrics.current_leader;
        }
        return;
    }

    let quorum_lost = metrics
        .millis_since_quorum_ack
        .is_some_and(|ms| ms > quorum_timeout.as_millis() as u64);
    if quorum_lost {
        if reported.leading && reported.lost_quorum_in != Some(term) {
            node.quorum_contact_lost(term);
            tracing::warn!(
                node = self_id,
                term,
                since_quorum_ack_ms = metrics.millis_since_quorum_ack,
                "lost quorum: services stopped"
            );
            reported.lost_quorum_in = Some(term);
        }
        return;
    }
    if reported.lost_quorum_in == Some(term) {
        reported.lost_quorum_in = None;
        node.quorum_contact_restored(term);
        tracing::info!(node = self_id, term, "quorum regained: services resume");
    }

    if !reported.leading || reported.term != term {
        match tokio::time::timeout(quorum_timeout, raft.ensure_linearizable()).await {
            Ok(Ok(_)) => {}
            _ => return, // not confirmed (yet): look again on the next tick
        }
        node.leader_changed(term, Some(&self_id.to_string()));
        tracing::info!(node = self_id, term, "leadership confirmed by a quorum");
        *reported = Reported {
            term,
            leader: Some(self_id),
            leading: true,
            ready: false,
            lost_quorum_in: None,
        };
    }

    if !reported.ready {
        if let Some(applied) = metrics
            .last_applied
            .filter(|applied| applied.leader_id.term == term)
        {
            node.leader_ready(term, applied.index);
            reported.ready = true;
        }
    }
}
