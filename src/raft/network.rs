//! The client half of the TCP transport: one reconnecting connection per peer, used by
//! openraft for its RPCs and by [`super::RaftClient`] for client requests.

use super::frame::{
    read_frame, write_frame, FRAME_ENVELOPE_BYTES, MAX_FRAME_BYTES, MAX_SNAPSHOT_PIECE_BYTES,
};
use super::status::NodeReport;
use super::types::{RaftNodeId, TypeConfig};
use omsvc_core::proto::{raft_frame::Kind, RaftFrame};
use openraft::error::{
    InstallSnapshotError, NetworkError, PayloadTooLarge, RPCError, RaftError, RemoteError,
    Unreachable,
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
#[cfg(feature = "fault-injection")]
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// A transport-level fault switch for tests: while isolated, a node neither sends nor answers
/// Raft RPCs (client requests still work), like a network partition around it. It can be
/// thrown only with the `fault-injection` feature; without it a node is never isolated.
#[derive(Debug, Default)]
pub struct FaultSwitch {
    #[cfg(feature = "fault-injection")]
    isolated: AtomicBool,
}

impl FaultSwitch {
    /// Cuts the node off (`true`) or reconnects it (`false`).
    #[cfg(feature = "fault-injection")]
    pub fn set_isolated(&self, isolated: bool) {
        self.isolated.store(isolated, Ordering::SeqCst);
    }

    /// Whether the node is cut off now.
    #[cfg(feature = "fault-injection")]
    pub fn is_isolated(&self) -> bool {
        self.isolated.load(Ordering::SeqCst)
    }

    /// Whether the node is cut off now: never, without the `fault-injection` feature.
    #[cfg(not(feature = "fault-injection"))]
    pub fn is_isolated(&self) -> bool {
        false
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
    /// The request would not fit in one frame; nothing was sent.
    TooLarge {
        /// The encoded request's size.
        bytes: usize,
    },
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Unreachable(e) => write!(f, "unreachable: {e}"),
            CallError::Network(e) => write!(f, "network: {e}"),
            CallError::Refused(reason) => write!(f, "refused: {reason}"),
            CallError::TooLarge { bytes } => write!(
                f,
                "a request of {bytes} bytes does not fit in a frame ({MAX_FRAME_BYTES} bytes at most)"
            ),
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

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("addr", &self.addr)
            .field("cluster", &self.cluster)
            .field("connected", &self.stream.is_some())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A connection to `addr` in cluster `cluster`, opened at the first call.
    pub fn new(addr: impl Into<String>, cluster: impl Into<String>) -> Self {
        Connection {
            addr: addr.into(),
            cluster: cluster.into(),
            stream: None,
            next_request: 1,
        }
    }

    /// The address it connects to.
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
        let answer = self.call_raw(kind, payload, timeout).await?;
        serde_json::from_slice(&answer).map_err(|e| self.bad_answer(e))
    }

    /// Asks the node for its status (answered as an encoded `RaftNodeStatus`), within
    /// `timeout`.
    pub async fn status(&mut self, timeout: Duration) -> Result<NodeReport, CallError> {
        let answer = self.call_raw(Kind::Status, Vec::new(), timeout).await?;
        NodeReport::decode(&answer).map_err(|e| self.bad_answer(e))
    }

    fn bad_answer(&self, error: impl std::fmt::Display) -> CallError {
        CallError::Network(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("bad answer from {}: {error}", self.addr),
        ))
    }

    /// Sends `payload` as a `kind` frame and returns the answer's payload, within `timeout`.
    async fn call_raw(
        &mut self,
        kind: Kind,
        payload: Vec<u8>,
        timeout: Duration,
    ) -> Result<Vec<u8>, CallError> {
        if payload.len() + self.cluster.len() + FRAME_ENVELOPE_BYTES / 2 > MAX_FRAME_BYTES {
            return Err(CallError::TooLarge {
                bytes: payload.len(),
            });
        }
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
        Ok(answer.payload)
    }

    async fn exchange(&mut self, frame: &RaftFrame) -> Result<RaftFrame, CallError> {
        // A node closes connections idle for too long: notice it before sending, rather than
        // losing the request to a closed socket.
        if self
            .stream
            .as_ref()
            .is_some_and(|stream| !still_open(stream))
        {
            self.stream = None;
        }
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

/// False when the peer has closed `stream` (or sent a byte nobody asked for): asks the socket
/// directly, since the runtime may not have seen the close yet.
fn still_open(stream: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut byte = 0u8;
    // SAFETY: a one-byte peek into a local buffer, on a socket this stream owns.
    let peeked = unsafe {
        libc::recv(
            stream.as_raw_fd(),
            (&mut byte as *mut u8).cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    peeked < 0 && io::Error::last_os_error().kind() == io::ErrorKind::WouldBlock
}

/// The entries of one append-entries request, encoded, at most: one frame less its envelope.
const APPEND_BYTES_MAX: usize = MAX_FRAME_BYTES - FRAME_ENVELOPE_BYTES;

/// An entry's size in an append-entries frame, at most: commands travel as hex, the rest (log
/// id, a membership) is small and bounded by a generous allowance.
fn entry_wire_bytes(entry: &openraft::Entry<TypeConfig>) -> usize {
    const ENTRY_OVERHEAD: usize = 256;
    match &entry.payload {
        openraft::EntryPayload::Normal(command) => 2 * command.0.len() + ENTRY_OVERHEAD,
        openraft::EntryPayload::Blank => ENTRY_OVERHEAD,
        openraft::EntryPayload::Membership(membership) => {
            serde_json::to_vec(membership).map_or(FRAME_ENVELOPE_BYTES, |json| json.len())
                + ENTRY_OVERHEAD
        }
    }
}

/// Creates openraft's per-peer clients.
pub struct Network {
    /// The cluster name every frame carries.
    pub cluster: String,
    /// The node's fault switch, which its clients obey.
    pub fault: Arc<FaultSwitch>,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("cluster", &self.cluster)
            .finish_non_exhaustive()
    }
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

/// openraft's client of one peer: its RPCs over one [`Connection`].
pub struct PeerClient {
    target: RaftNodeId,
    connection: Connection,
    fault: Arc<FaultSwitch>,
}

impl std::fmt::Debug for PeerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerClient")
            .field("target", &self.target)
            .field("connection", &self.connection)
            .finish_non_exhaustive()
    }
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
        entries: usize,
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
                if let CallError::TooLarge { bytes } = error {
                    // openraft divides append-entries on this hint and retries at once.
                    let fits = (entries as u64 * MAX_FRAME_BYTES as u64 / 2 / bytes as u64).max(1);
                    return RPCError::PayloadTooLarge(PayloadTooLarge::new_entries_hint(fits));
                }
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
        // Measured before encoding: openraft may hand over up to `max_payload_entries` large
        // entries, which would not fit in a frame (nor be worth encoding to find out).
        let mut bytes = 0;
        for (count, entry) in request.entries.iter().enumerate() {
            bytes += entry_wire_bytes(entry);
            // One entry always goes: commands are bounded so that one fits in a frame.
            if bytes > APPEND_BYTES_MAX && count > 0 {
                let fits = count as u64;
                return Err(RPCError::PayloadTooLarge(
                    PayloadTooLarge::new_entries_hint(fits),
                ));
            }
        }
        let entries = request.entries.len();
        self.rpc(Kind::AppendEntries, &request, entries, &option)
            .await
    }

    async fn install_snapshot(
        &mut self,
        request: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<RaftNodeId>,
        RPCError<RaftNodeId, BasicNode, RaftError<RaftNodeId, InstallSnapshotError>>,
    > {
        // openraft's chunks (`snapshot_max_chunk_size`) may exceed a frame once encoded: send
        // each as consecutive pieces, the last one carrying `done`.
        if request.data.len() <= MAX_SNAPSHOT_PIECE_BYTES {
            return self.rpc(Kind::InstallSnapshot, &request, 0, &option).await;
        }
        let InstallSnapshotRequest {
            vote,
            meta,
            offset,
            data,
            done,
        } = request;
        let pieces = data.len().div_ceil(MAX_SNAPSHOT_PIECE_BYTES);
        let mut answer = None;
        for (number, piece) in data.chunks(MAX_SNAPSHOT_PIECE_BYTES).enumerate() {
            let piece: InstallSnapshotRequest<TypeConfig> = InstallSnapshotRequest {
                vote,
                meta: meta.clone(),
                offset: offset + (number * MAX_SNAPSHOT_PIECE_BYTES) as u64,
                data: piece.to_vec(),
                done: done && number + 1 == pieces,
            };
            let response: InstallSnapshotResponse<RaftNodeId> =
                self.rpc(Kind::InstallSnapshot, &piece, 0, &option).await?;
            if response.vote > vote {
                return Ok(response); // a newer leader exists: the rest would be refused
            }
            answer = Some(response);
        }
        answer.ok_or_else(|| {
            let error = io::Error::other("a snapshot chunk of no pieces");
            RPCError::Network(NetworkError::new(&error))
        })
    }

    async fn vote(
        &mut self,
        request: VoteRequest<RaftNodeId>,
        option: RPCOption,
    ) -> Result<VoteResponse<RaftNodeId>, RPCError<RaftNodeId, BasicNode, RaftError<RaftNodeId>>>
    {
        self.rpc(Kind::Vote, &request, 0, &option).await
    }

    /// A peer that cannot be reached is retried every 250 ms: soon enough to catch a restart,
    /// rarely enough not to spin.
    fn backoff(&self) -> Backoff {
        Backoff::new(std::iter::repeat(Duration::from_millis(250)))
    }
}
