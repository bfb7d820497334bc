//! A synchronous client for a node's address: what the CLI tools use. Writes sent to a
//! follower are retried on the leader it names.

use super::error::RaftError;
use super::network::{CallError, Connection};
use super::rpc::{
    AddMemberRequest, ClientError, InitializeRequest, ReadRequest, ReadResponse,
    RemoveMemberRequest, WriteReceipt, WriteRequest,
};
use super::status::NodeReport;
use super::types::{ConfigCommand, RaftNodeId};
use omsvc_core::proto::raft_frame::Kind;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// A connection to one node of a cluster, with a runtime of its own; every call waits up to
/// its timeout.
pub struct RaftClient {
    runtime: tokio::runtime::Runtime,
    cluster: String,
    connection: Connection,
    timeout: Duration,
}

impl std::fmt::Debug for RaftClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RaftClient")
            .field("connection", &self.connection)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RaftClient {
    /// A client of the node at `addr` in cluster `cluster` (another cluster's node refuses it).
    pub fn new(addr: &str, cluster: &str, timeout: Duration) -> Result<RaftClient, RaftError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClientError::Transport(format!("cannot start a tokio runtime: {e}")))?;
        Ok(RaftClient {
            runtime,
            cluster: cluster.to_owned(),
            connection: Connection::new(addr, cluster),
            timeout,
        })
    }

    fn call<Req: Serialize, T: DeserializeOwned>(
        &mut self,
        kind: Kind,
        request: &Req,
    ) -> Result<T, RaftError> {
        let answer: Result<T, ClientError> = self
            .runtime
            .block_on(self.connection.call(kind, request, self.timeout))
            .map_err(|error: CallError| ClientError::Transport(error.to_string()))?;
        Ok(answer?)
    }

    /// The node's view of itself and its cluster.
    pub fn status(&mut self) -> Result<NodeReport, RaftError> {
        self.runtime
            .block_on(self.connection.status(self.timeout))
            .map_err(|error| ClientError::Transport(error.to_string()).into())
    }

    /// Service `name`'s configuration in the node's table, or `None`.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, RaftError> {
        let answer: ReadResponse = self.call(
            Kind::ClientRead,
            &ReadRequest {
                name: name.to_owned(),
            },
        )?;
        Ok(answer.value)
    }

    /// The names of the services that have a configuration in the node's table.
    pub fn list(&mut self) -> Result<Vec<String>, RaftError> {
        self.call(Kind::List, &())
    }

    /// Proposes a command, following the leader a follower names (up to 3 hops).
    pub fn write(&mut self, command: Vec<u8>) -> Result<WriteReceipt, RaftError> {
        let request = WriteRequest {
            command: ConfigCommand(command),
        };
        let mut hops = 0;
        loop {
            match self.call(Kind::ClientWrite, &request) {
                Err(RaftError::Request(ClientError::NotLeader {
                    leader_addr: Some(addr),
                    ..
                })) if hops < 3 => {
                    hops += 1;
                    self.connection = Connection::new(addr, self.cluster.clone());
                }
                other => return other,
            }
        }
    }

    /// Makes a new cluster of `members` (node id -> address).
    pub fn initialize(&mut self, members: BTreeMap<RaftNodeId, String>) -> Result<(), RaftError> {
        self.call(Kind::Initialize, &InitializeRequest { members })
    }

    /// Adds node `id` at `addr` as a voting member (sent to the leader).
    pub fn add_member(&mut self, id: RaftNodeId, addr: &str) -> Result<(), RaftError> {
        self.call(
            Kind::AddMember,
            &AddMemberRequest {
                id,
                addr: addr.to_owned(),
            },
        )
    }

    /// Removes member `id` (sent to the leader).
    pub fn remove_member(&mut self, id: RaftNodeId) -> Result<(), RaftError> {
        self.call(Kind::RemoveMember, &RemoveMemberRequest { id })
    }

    /// Makes the node stand for election now (it usually wins; nothing guarantees it).
    pub fn trigger_election(&mut self) -> Result<(), RaftError> {
        self.call(Kind::TriggerElection, &())
    }
}
