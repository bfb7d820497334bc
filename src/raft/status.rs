//! The openraft node's status: the `omsvc.v1.RaftNodeStatus` message of `proto/omsvc.proto`,
//! which embeds the core's `NodeStatus` and adds what openraft knows. Built here only, from
//! the core's status and openraft's metrics; it crosses the transport as the encoded message,
//! and reads as JSON through [`crate::status_json`] (`/status`, `omsvc status --json`).

use super::server::ServerContext;
use super::types::RaftNodeId;
use omsvc_core::proto::raft_node_status::{LeadershipChange, Member, ServerState};
use omsvc_core::proto::{self, RaftNodeStatus};
use omsvc_core::{LogIndex, Term};
use prost::Message;
use std::collections::BTreeSet;
use std::ops::Deref;
use std::time::SystemTime;

/// A node's view of itself and its cluster (`omsvc status`): a `RaftNodeStatus` message that
/// holds the core's `NodeStatus` of a node with a decimal id. Its fields read through
/// [`Deref`]; the methods read the embedded core status.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeReport {
    message: RaftNodeStatus,
}

impl NodeReport {
    /// The report a message makes; `None` without the core's status or with an id that is
    /// not a node id.
    pub fn from_message(message: RaftNodeStatus) -> Option<NodeReport> {
        let node = message.node.as_ref()?;
        node.self_id.parse::<RaftNodeId>().ok()?;
        Some(NodeReport { message })
    }

    /// Decodes an encoded `RaftNodeStatus`, as a node's status call answers it.
    pub fn decode(bytes: &[u8]) -> Result<NodeReport, String> {
        let message = RaftNodeStatus::decode(bytes).map_err(|e| e.to_string())?;
        NodeReport::from_message(message)
            .ok_or_else(|| "the status has no node status with a node id".to_owned())
    }

    /// The encoded message.
    pub fn encode(&self) -> Vec<u8> {
        self.message.encode_to_vec()
    }

    /// The message.
    pub fn message(&self) -> &RaftNodeStatus {
        &self.message
    }

    /// The message, taken out.
    pub fn into_message(self) -> RaftNodeStatus {
        self.message
    }

    /// The core's status of the node (term, leader, role, applied entry, services...).
    pub fn node(&self) -> &proto::NodeStatus {
        self.message
            .node
            .as_ref()
            .expect("a NodeReport holds a node status (checked when made)")
    }

    /// The node's id.
    pub fn id(&self) -> RaftNodeId {
        self.node()
            .self_id
            .parse()
            .expect("a NodeReport's id is a node id (checked when made)")
    }

    /// The newest term the node's core saw.
    pub fn term(&self) -> Term {
        Term(self.node().term)
    }

    /// The leader the node's core knows of, if any.
    pub fn leader(&self) -> Option<RaftNodeId> {
        self.node().leader.as_deref()?.parse().ok()
    }

    /// The index of the last log entry the node applied: every entry counts, a command every
    /// peer refused (a deposed writer's) too, though the table records no position for it.
    pub fn last_applied_index(&self) -> LogIndex {
        LogIndex(self.node().applied)
    }

    /// Every service registered on the node.
    pub fn services(&self) -> &[proto::ServiceStatus] {
        &self.node().services
    }

    /// Service `name`, if registered on the node.
    pub fn service(&self, name: &str) -> Option<&proto::ServiceStatus> {
        self.services().iter().find(|service| service.name == name)
    }

    /// When the node last saw the term or the leader change, in Unix milliseconds.
    pub fn leadership_changed_unix_ms(&self) -> Option<u64> {
        self.message
            .leadership_changes
            .last()
            .map(|change| change.at_unix_ms)
    }

    /// The report as JSON ([`crate::status_json::to_json`]).
    pub fn to_json(&self) -> serde_json::Value {
        super::status_json::to_json(&self.message)
    }
}

impl Deref for NodeReport {
    type Target = RaftNodeStatus;

    fn deref(&self) -> &RaftNodeStatus {
        &self.message
    }
}

/// The node's report now: the core's status and openraft's metrics, read once each.
pub(crate) fn build(context: &ServerContext) -> NodeReport {
    let metrics = context.raft.metrics().borrow().clone();
    context
        .election
        .note_leadership(metrics.current_term, metrics.current_leader);
    let node = context.node.status().to_proto();
    let membership = metrics.membership_config.membership();
    let voter_ids: BTreeSet<RaftNodeId> = membership.voter_ids().collect();
    let members = membership
        .nodes()
        .map(|(id, node)| Member {
            id: *id,
            addr: node.addr.clone(),
            voter: voter_ids.contains(id),
        })
        .collect();
    let leader_addr = node
        .leader
        .as_deref()
        .and_then(|leader| leader.parse::<RaftNodeId>().ok())
        .and_then(|leader| membership.get_node(&leader).map(|node| node.addr.clone()));
    let leadership_changes = context
        .election
        .leadership_history()
        .recent()
        .into_iter()
        .map(|change| LeadershipChange {
            term: change.term,
            leader: change.leader,
            at_unix_ms: unix_ms(change.at),
        })
        .collect();
    NodeReport {
        message: RaftNodeStatus {
            node: Some(node),
            addr: context.addr.clone(),
            cluster: context.cluster.clone(),
            server_state: server_state(metrics.state) as i32,
            leader_addr,
            members,
            leadership_changes,
            pauses_seen: context.election.pauses_seen(),
        },
    }
}

fn server_state(state: openraft::ServerState) -> ServerState {
    match state {
        openraft::ServerState::Leader => ServerState::Leader,
        openraft::ServerState::Follower => ServerState::Follower,
        openraft::ServerState::Candidate => ServerState::Candidate,
        openraft::ServerState::Learner => ServerState::Learner,
        openraft::ServerState::Shutdown => ServerState::Shutdown,
    }
}

/// Wall-clock milliseconds since the Unix epoch (0 for a time before it).
fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(self_id: &str) -> RaftNodeStatus {
        RaftNodeStatus {
            node: Some(proto::NodeStatus {
                self_id: self_id.to_owned(),
                leader: Some("3".to_owned()),
                applied: 42,
                last_applied_entry: Some(proto::TransactionInfo { term: 2, index: 41 }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_report_reads_its_node_status() {
        let report = NodeReport::decode(&message("2").encode_to_vec()).unwrap();
        assert_eq!(report.id(), 2);
        assert_eq!(report.leader(), Some(3));
        assert_eq!(
            report.last_applied_index(),
            LogIndex(42),
            "every applied entry counts, not only those the table recorded"
        );
    }

    #[test]
    fn a_status_without_a_node_id_is_refused() {
        assert!(NodeReport::decode(&message("om1").encode_to_vec()).is_err());
        let without_node = RaftNodeStatus::default().encode_to_vec();
        assert!(NodeReport::decode(&without_node).is_err());
    }
}
