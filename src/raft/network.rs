//! The client half of the TCP transport: one reconnecting connection per peer, used by
//! openraft for its RPCs and by [`super::RaftClient`] for client requests.

use super::frame::{read_frame, write_frame};
use super::types::{RaftNodeId, TypeConfig};
use crate::core::proto::{raft_frame::Kind, RaftFrame};
use openraft::error::{
    InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable,
};
use openraft::network::{Backoff, RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::BasicNode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// A transport-level fault switch for tests: while isolated, a node neither sends nor answers
/// Raft RPCs (client requests still work), like a network partition around it.
#[derive(Debug, Default)]
pub struct FaultSwitch {
    isolated: AtomicBool,
}

impl FaultSwitch {
    pub fn set_isolated(&self, isolated: bool) {
        self.isolated.store(isolated, Ordering::SeqCst);
    }
    pub fn is_isolated(&self) -> bool {
        self.isolated.load(Ordering::SeqCst)
    }
}

/// Why a call failed.
#[derive(Debug)]
pub enum CallError {
    /// Could not connect: the peer is down or the address is wrong.
    Unreachable(io::Error),
    /// Connected, but the exchange failed or timed out.
    Network(io::Error),
    /// The peer answered with an error before reaching Raft (e.g. another cluster's frame).
    Refused(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Unreachable(e) => write!(f, "unreachable: {e}"),
            CallError::Network(e) => write!(f, "network: {e}"),
            CallError::Refused(reason) => write!(f, "refused: {reason}"),
        }
    }
}

/// A request/response connection to one address, reconnecting after any failure.
pub struct Connection {
    addr: String,
    cluster: String,
    stream: Option<TcpStream>,
    next_request: u64,
}

impl Connection {
    pub fn new(addr: impl Into<String>, cluster: impl Into<String>) -> Self {
        Connection {
            addr: addr.into(),
            cluster: cluster.into(),
            stream: None,
            next_request: 1,
        }
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Sends `request` as a `kind` frame and decodes the answer, within `timeout`.
    pub async fn call<Req: Serialize, Resp: DeserializeOwned>(
        &mut self,
        kind: Kind,
        request: &Req,
        timeout: Duration,
    ) -> Result<Resp, CallError> {
        let payload =
            serde_json::to_vec(request).map_err(|e| CallError::Network(io::Error::other(e)))?;
        let frame = RaftFrame {
            cluster: self.cluster.clone(),
            request_id: self.next_request,
            kind: kind as i32,
            payload,
            error: String::new(),
        };
        self.next_request += 1;
        let result = tokio::time::timeout(timeout, self.exchange(&frame)).await;
        let answer = match result {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) => {
                self.stream = None;
                return Err(error);
            }
            Err(_) => {
                self.stream = None;
                return Err(CallError::Network(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{} did not answer a {kind:?} within {} ms",
                        self.addr,
                        timeout.as_millis()
                    ),
                )));
            }
        };
        if !answer.error.is_empty() {
            return Err(CallError::Refused(format!(
                "{} refused a {kind:?}: {}",
                self.addr, answer.error
            )));
        }
        serde_json::from_slice(&answer.payload).map_err(|e| {
            CallError::Network(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("bad answer from {}: {e}", self.addr),
            ))
        })
    }

    async fn exchange(&mut self, frame: &RaftFrame) -> Result<RaftFrame, CallError> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(&self.addr).await.map_err(|e| {
                CallError::Unreachable(io::Error::new(
                    e.kind(),
                    format!("cannot connect to {}: {e}", self.addr),
                ))
            })?;
            stream.set_nodelay(true).map_err(CallError::Network)?;
            self.stream = Some(stream);
        }
        let stream = self.stream.as_mut().expect("connected above");
        let named = |e: io::Error| {
            CallError::Network(io::Error::new(e.kind(), format!("{}: {e}", self.addr)))
        };
        write_frame(stream, frame).await.map_err(named)?;
        let answer = read_frame(stream).await.map_err(named)?;
        if answer.request_id != frame.request_id {
            return Err(CallError::Network(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} answered request {} to request {}",
                    self.addr, answer.request_id, frame.request_id
                ),
            )));
        }
        Ok(answer)
    }
}

/// Creates openraft's per-peer clients.
pub struct Network {
    pub cluster: String,
    pub fault: Arc<FaultSwitch>,
}

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = PeerClient;

    async fn new_client(&mut self, target: RaftNodeId, node: &BasicNode) -> PeerClient {
        PeerClient {
            target,
            connection: Connection::new(node.addr.clone(), self.cluster.clone()),
            fault: self.fault.clone(),
        }
    }
}

pub struct PeerClient {
    target: RaftNodeId,
    connection: Connection,
    fault: Arc<FaultSwitch>,
}

impl PeerClient {
    async fn rpc<
        Req: Serialize,
        Resp: DeserializeOwned,
        E: std::error::Error + DeserializeOwned,
    >(
        &mut self,
        kind: Kind,
        request: &Req,
        option: &RPCOption,
    ) -> Result<Resp, RPCError<RaftNodeId, BasicNode, RaftError<RaftNodeId, E>>> {
        if self.fault.is_isolated() {
            let error = io::Error::new(
                io::ErrorKind::ConnectionRefused,
                "isolated by the fault switch",
            );
            return Err(RPCError::Unreachable(Unreachable::new(&error)));
        }
        let answer: Result<Resp, RaftError<RaftNodeId, E>> = self
            .connection
            .call(kind, request, option.hard_ttl())
            .await
            .map_err(|error| {
                let unreachable = matches!(error, CallError::Unreachable(_));
                let error = io::Error::other(format!(
                    "node {} at {}: {error}",
                    self.target,
                    self.connection.addr()
                ));
                if unreachable {
                    // openraft then backs off (see `backoff`) instead of retrying at once.
                    RPCError::Unreachable(Unreachable::new(&error))
                } else {
                    RPCError::Network(NetworkError::new(&error))
                }
            })?;
        answer.map_err(|error| RPCError::RemoteError(RemoteError::new(self.target, error)))
    }
}

impl RaftNetwork<TypeConfig> for PeerClient {
    async fn append_entries(
        &mut self,
        request: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<
        AppendEntriesResponse<RaftNodeId>,
        RPCError<RaftNodeId, BasicNode, RaftError<RaftNodeId>>,
    > {
        self.rpc(Kind::AppendEntries, &request, &option).await
    }

    async fn install_snapshot(
        &mut self,
        request: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<RaftNodeId>,
        RPCError<RaftNodeId, BasicNode, RaftError<RaftNodeId, InstallSnapshotError>>,
    > {
        self.rpc(Kind::InstallSnapshot, &request, &option).await
    }

    async fn vote(
        &mut self,
        request: VoteRequest<RaftNodeId>,
        option: RPCOption,
    ) -> Result<VoteResponse<RaftNodeId>, RPCError<RaftNodeId, BasicNode, RaftError<RaftNodeId>>>
    {
        self.rpc(Kind::Vote, &request, &option).await
    }

    /// A peer that cannot be reached is retried every 250 ms: soon enough to catch a restart,
    /// rarely enough not to spin.
    fn backoff(&self) -> Backoff {
        Backoff::new(std::iter::repeat(Duration::from_millis(250)))
    }
}
