//! The client side of the transport: requests a CLI or an application sends to a node, and
//! what it answers. Carried as JSON in `RaftFrame` payloads, except a status answer: the
//! encoded `RaftNodeStatus` message ([`crate::status::NodeReport`]).

use super::types::{CommandResponse, ConfigCommand, RaftNodeId};
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
