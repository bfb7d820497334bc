//! The client side of the transport: requests a CLI or an application sends to a node, and
//! what it answers. Carried as JSON in `RaftFrame` payloads.

use super::types::{CommandResponse, ConfigCommand, RaftNodeId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WriteRequest {
    pub command: ConfigCommand,
}

/// Where a write landed and what applying it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteReceipt {
    pub term: u64,
    pub index: u64,
    pub response: CommandResponse,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadRequest {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadResponse {
    #[serde(with = "optional_hex")]
    pub value: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InitializeRequest {
    /// Node id -> address of every initial member.
    pub members: BTreeMap<RaftNodeId, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddMemberRequest {
    pub id: RaftNodeId,
    pub addr: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveMemberRequest {
    pub id: RaftNodeId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberStatus {
    pub id: RaftNodeId,
    pub addr: String,
    pub voter: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceReport {
    pub name: String,
    pub status: String,
    pub epoch: Option<u64>,
    /// When the status last changed (started, stopped), in Unix milliseconds (wall clock).
    #[serde(default)]
    pub since_unix_ms: u64,
    pub start_count: u64,
    pub stop_count: u64,
    /// Failed starts since the service was registered.
    #[serde(default)]
    pub failed_start_count: u64,
    pub last_error: Option<String>,
    pub waiting_for: Option<String>,
}

/// A change of the term or the leader, as a node saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadershipChangeReport {
    pub term: u64,
    /// None: no leader known in this term yet (an election was running).
    pub leader: Option<RaftNodeId>,
    /// When the node saw it, in Unix milliseconds (wall clock).
    pub at_unix_ms: u64,
}

/// A node's view of itself and its cluster (`omsvc status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeReport {
    pub id: RaftNodeId,
    pub addr: String,
    pub cluster: String,
    pub term: u64,
    pub state: String,
    pub leader: Option<RaftNodeId>,
    pub leader_addr: Option<String>,
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
    pub members: Vec<MemberStatus>,
    /// Why services may not run here, when they may not.
    pub blocker: Option<String>,
    pub services: Vec<ServiceReport>,
}

/// Why a client request failed. Every variant says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ClientError {
    #[error("node {node} is not the leader; {}", match (leader, leader_addr) {
        (Some(id), Some(addr)) => format!("the leader is node {id} at {addr}"),
        _ => "no leader is known yet (an election may be running): retry shortly".to_owned(),
    })]
    NotLeader {
        node: RaftNodeId,
        leader: Option<RaftNodeId>,
        leader_addr: Option<String>,
    },
    #[error("refused: {0}")]
    Refused(String),
    #[error("raft: {0}")]
    Raft(String),
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
