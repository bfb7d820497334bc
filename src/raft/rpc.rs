//! The client side of the transport: requests a CLI or an application sends to a node, and
//! what it answers. Carried as JSON in `RaftFrame` payloads.

use super::types::{CommandResponse, ConfigCommand, RaftNodeId};
use omsvc_core::proto;
use omsvc_core::TermIndex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Replicate a configuration command (leader only).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WriteRequest {
    /// The encoded `ServiceConfigurationCommand`.
    pub command: ConfigCommand,
}

/// Where a write landed and what applying it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteReceipt {
    /// The entry the write landed in (on the wire as `term` and `index`).
    #[serde(flatten)]
    pub entry: TermIndex,
    /// What applying it did.
    pub response: CommandResponse,
}

/// Read one service's configuration from the node's table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadRequest {
    /// The service.
    pub name: String,
}

/// The configuration read, if any.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadResponse {
    /// The stored bytes; `None` when the service has no configuration.
    #[serde(with = "optional_hex")]
    pub value: Option<Vec<u8>>,
}

/// Make a new cluster of the given members (once, on one node).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InitializeRequest {
    /// Node id -> address of every initial member.
    pub members: BTreeMap<RaftNodeId, String>,
}

/// Add a voting member (leader only): it catches up first, then votes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddMemberRequest {
    /// The new member's id.
    pub id: RaftNodeId,
    /// Its address.
    pub addr: String,
}

/// Remove a member (leader only).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveMemberRequest {
    /// The member's id.
    pub id: RaftNodeId,
}

/// One member of the cluster as a node knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberStatus {
    /// Its id.
    pub id: RaftNodeId,
    /// Its address.
    pub addr: String,
    /// Whether it votes (a learner does not).
    pub voter: bool,
}

/// One service on a node, as `omsvc status` shows it: the core's `ServiceStatus` message, in
/// the JSON shape of the core's status ([`omsvc_core::status_json::service_json`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceReport {
    /// The name it was registered with.
    pub name: String,
    /// `RUNNING`, `STOPPING` or `PAUSING`.
    pub status: String,
    /// The epoch it runs or is stopping in.
    pub epoch: Option<u64>,
    /// When the status last changed (started, stop requested, stopped), in Unix milliseconds
    /// (wall clock).
    #[serde(default)]
    pub since_unix_ms: u64,
    /// Successful starts since registration.
    pub start_count: u64,
    /// Stops since registration.
    pub stop_count: u64,
    /// Failed starts since the last successful one.
    #[serde(default)]
    pub consecutive_failures: u32,
    /// Failed starts since the service was registered.
    #[serde(default)]
    pub failed_start_count: u64,
    /// Runs that failed while running, since registration.
    #[serde(default)]
    pub failed_run_count: u64,
    /// The latest error from start, stop or should_run.
    pub last_error: Option<String>,
    /// Why it is not running, when it is not.
    pub waiting_for: Option<String>,
}

impl From<proto::ServiceStatus> for ServiceReport {
    fn from(service: proto::ServiceStatus) -> Self {
        ServiceReport {
            status: service.state().as_str_name().to_owned(),
            name: service.name,
            epoch: service.epoch,
            since_unix_ms: service.since_unix_ms,
            start_count: service.start_count,
            stop_count: service.stop_count,
            consecutive_failures: service.consecutive_failures,
            failed_start_count: service.failed_start_count,
            failed_run_count: service.failed_run_count,
            last_error: service.last_error,
            waiting_for: service.waiting_for,
        }
    }
}

/// A change of the term or the leader, as a node saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadershipChangeReport {
    /// The term seen.
    pub term: u64,
    /// None: no leader known in this term yet (an election was running).
    pub leader: Option<RaftNodeId>,
    /// When the node saw it, in Unix milliseconds (wall clock).
    pub at_unix_ms: u64,
}

/// A node's view of itself and its cluster (`omsvc status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeReport {
    /// The node's id.
    pub id: RaftNodeId,
    /// The address it listens on.
    pub addr: String,
    /// Its cluster's name.
    pub cluster: String,
    /// The current term.
    pub term: u64,
    /// openraft's server state (`Leader`, `Follower`, `Candidate`, `Learner`, ...).
    pub state: String,
    /// The leader it knows of, if any.
    pub leader: Option<RaftNodeId>,
    /// That leader's address.
    pub leader_addr: Option<String>,
    /// The index of the last entry applied to its table.
    pub last_applied_index: u64,
    /// When this node last saw the term or the leader change, in Unix milliseconds (wall
    /// clock); None before it saw any.
    #[serde(default)]
    pub leadership_changed_unix_ms: Option<u64>,
    /// The last changes of term or leader this node saw, oldest first (a few dozen at most).
    #[serde(default)]
    pub leadership_changes: Vec<LeadershipChangeReport>,
    /// Pauses of this process seen (see `election_gate`): each delayed its next election.
    #[serde(default)]
    pub pauses_seen: u64,
    /// The cluster's members, as this node knows them.
    pub members: Vec<MemberStatus>,
    /// Why services may not run here, when they may not.
    pub blocker: Option<String>,
    /// Every service registered on this node.
    pub services: Vec<ServiceReport>,
}

/// Why a client request failed. Every variant says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ClientError {
    /// The request must go to the leader.
    #[error("node {node} is not the leader; {}", match (leader, leader_addr) {
        (Some(id), Some(addr)) => format!("the leader is node {id} at {addr}"),
        _ => "no leader is known yet (an election may be running): retry shortly".to_owned(),
    })]
    NotLeader {
        /// The node asked.
        node: RaftNodeId,
        /// The leader it knows of, if any.
        leader: Option<RaftNodeId>,
        /// That leader's address.
        leader_addr: Option<String>,
    },
    /// The node refused the request (bad input, an oversized command, an unfit new member).
    #[error("refused: {0}")]
    Refused(String),
    /// openraft reported an error, or a write or membership change did not commit in time.
    #[error("raft: {0}")]
    Raft(String),
    /// The request or its answer did not get through.
    #[error("{0}")]
    Transport(String),
}

mod optional_hex {
    pub fn serialize<S: serde::Serializer>(
        bytes: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => serializer.serialize_some(&crate::hex::encode(bytes)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        let text = <Option<String> as serde::Deserialize>::deserialize(deserializer)?;
        text.map(|text| crate::hex::decode(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::ServiceReport;
    use omsvc_core::proto::{service_status::State, ServiceStatus};
    use omsvc_core::status_json::service_json;

    #[test]
    fn a_service_reads_the_same_in_the_report_and_in_the_core_status_json() {
        let failing = ServiceStatus {
            name: "KeyLifecycleService".to_owned(),
            state: State::Pausing as i32,
            epoch: None,
            since_unix_ms: 1_764_000_000_123,
            start_count: 4,
            stop_count: 4,
            consecutive_failures: 2,
            failed_start_count: 3,
            failed_run_count: 1,
            last_error: Some("start failed: disk full".to_owned()),
            waiting_for: Some("retrying in 400 ms".to_owned()),
        };
        let running = ServiceStatus {
            name: "Scanner".to_owned(),
            state: State::Running as i32,
            epoch: Some(7),
            ..failing.clone()
        };
        for service in [failing, running] {
            let report = serde_json::to_value(ServiceReport::from(service.clone())).unwrap();
            assert_eq!(report, service_json(&service));
        }
    }
}
