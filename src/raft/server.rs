//! The server half of the TCP transport: accepts connections and answers frames, Raft RPCs
//! and client requests alike. A bad frame closes its connection only; the node keeps serving.

use super::connections::{Admission, ConnectionLimits};
use super::election_gate::ElectionGate;
use super::frame::{
    is_clean_close, read_frame_charged, write_frame, ReadBudget, MAX_COMMAND_BYTES,
};
use super::metrics::{FrameRefusal, NodeMetrics};
use super::network::{Connection, FaultSwitch};
use super::rpc::{
    AddMemberRequest, ClientError, InitializeRequest, ReadRequest, ReadResponse,
    RemoveMemberRequest, WriteReceipt, WriteRequest,
};
use super::status;
use super::types::{Raft, RaftNodeId};
use omsvc_core::node::Node;
use omsvc_core::proto::{raft_frame::Kind, RaftFrame};
use omsvc_core::TermIndex;
use omsvc_core::{LogIndex, Term};
use openraft::error::{ClientWriteError, RaftError};
use openraft::metrics::WaitError;
use openraft::raft::AppendEntriesResponse;
use openraft::BasicNode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

/// What the server of one node works with.
pub struct ServerContext {
    /// The node's id.
    pub id: RaftNodeId,
    /// The address it listens on.
    pub addr: String,
    /// Its cluster's name: frames of another cluster are refused.
    pub cluster: String,
    /// Its openraft instance.
    pub raft: Raft,
    /// The core node (services and table).
    pub node: Arc<Node>,
    /// Cuts the node off from Raft traffic in tests.
    pub fault: Arc<FaultSwitch>,
    /// A write that has not committed by then fails (a leader cut off from its quorum would
    /// otherwise keep the writer, possibly a service's start on the runner thread, waiting).
    pub write_timeout: Duration,
    /// What inbound connections may take.
    pub connection_limits: ConnectionLimits,
    /// Decides elections; told here when a leader is heard from.
    pub election: Arc<ElectionGate>,
    /// What `/metrics` reports beyond the state read at scrape time.
    pub metrics: Arc<NodeMetrics>,
}

impl std::fmt::Debug for ServerContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerContext")
            .field("id", &self.id)
            .field("addr", &self.addr)
            .field("cluster", &self.cluster)
            .finish_non_exhaustive()
    }
}

/// Accepts connections on `listener` within the connection limits and answers Raft RPCs and
/// client requests, until the task is dropped.
pub async fn serve(listener: TcpListener, context: Arc<ServerContext>) {
    let limits = context.connection_limits.fit_to_file_limit();
    tracing::info!(
        node = context.id,
        max_connections = limits.max_connections,
        member_reserve = limits.member_reserve,
        max_per_address = limits.max_per_address,
        "accepting connections"
    );
    let budget = ReadBudget::new(limits.untrusted_read_budget);
    let admission = Admission::new(limits);

    let mut membership_seen = None;
    let mut last_refusal_warning: Option<Instant> = None;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors, mostly: wait for some to close.
                tracing::warn!(node = context.id, %error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        refresh_members(&context, &admission, &mut membership_seen).await;
        let admitted = match admission.admit(peer.ip()) {
            Ok(admitted) => admitted,
            Err(refusal) => {
                drop(stream);
                context.metrics.connection_refused();
                // One line per 10 s at most: a flood must not flood the log too.
                if last_refusal_warning.is_none_or(|at| at.elapsed() >= Duration::from_secs(10)) {
                    last_refusal_warning = Some(Instant::now());
                    tracing::warn!(node = context.id, %peer, reason = %refusal, refused_so_far = admission.refused(), "refused inbound connections");
                } else {
                    tracing::debug!(node = context.id, %peer, reason = %refusal, "refused a connection");
                }
                continue;
            }
        };
        let context = context.clone();
        let budget = (!admitted.is_member).then(|| budget.clone());
        context.metrics.connection_opened();
        tokio::spawn(async move {
            let ended = handle_connection(stream, peer, &context, budget.as_ref()).await;
            drop(admitted);
            context.metrics.connection_closed();
            count_refused_frame(&context.metrics, &ended);
            log_end(&context, peer, ended);
        });
    }
}

/// Keeps the members' addresses current: looked up again whenever the membership changed.
async fn refresh_members(
    context: &ServerContext,
    admission: &Admission,
    seen: &mut Option<Option<openraft::LogId<RaftNodeId>>>,
) {
    let (log_id, addrs): (_, Vec<String>) = {
        let metrics = context.raft.metrics();
        let metrics = metrics.borrow();
        let config = &metrics.membership_config;
        (
            config.log_id().to_owned(),
            config
                .membership()
                .nodes()
                .map(|(_, node)| node.addr.clone())
                .collect(),
        )
    };
    if seen.as_ref() == Some(&log_id) {
        return;
    }
    let mut ips = BTreeSet::new();
    for addr in addrs {
        match tokio::net::lookup_host(&addr).await {
            Ok(found) => ips.extend(found.map(|socket| socket.ip())),
            Err(error) => {
                tracing::warn!(node = context.id, member = %addr, %error, "cannot resolve a member's address: its connections are not recognized as a member's");
            }
        }
    }
    admission.set_members(ips);
    *seen = Some(log_id);
}

/// How a connection ended.
enum Ended {
    /// The peer closed it between frames: the ordinary end.
    Closed,
    /// No frame began within the idle timeout.
    Idle,
    /// A frame began and did not complete in time.
    SlowFrame,
    /// The fault switch dropped it.
    Isolated,
    Failed(std::io::Error),
}

/// A connection closed over a frame it sent counts as a refused frame.
fn count_refused_frame(metrics: &NodeMetrics, ended: &Ended) {
    match ended {
        Ended::SlowFrame => metrics.frame_refused(FrameRefusal::Incomplete),
        Ended::Failed(error) if error.kind() == std::io::ErrorKind::InvalidData => {
            metrics.frame_refused(FrameRefusal::Malformed)
        }
        _ => {}
    }
}

fn log_end(context: &ServerContext, peer: SocketAddr, ended: Ended) {
    let node = context.id;
    match ended {
        Ended::Closed | Ended::Isolated => {}
        Ended::Idle => tracing::debug!(node, %peer, "closed an idle connection"),
        Ended::SlowFrame => tracing::info!(
            node,
            %peer,
            timeout_ms = context.connection_limits.frame_timeout.as_millis() as u64,
            "closed a connection whose frame did not complete in time"
        ),
        Ended::Failed(error) if error.kind() == std::io::ErrorKind::InvalidData => {
            tracing::warn!(node, %peer, %error, "closed a connection after a bad frame")
        }
        Ended::Failed(error) => {
            tracing::debug!(node, %peer, %error, "a connection failed")
        }
    }
}

async fn handle_connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    context: &ServerContext,
    budget: Option<&ReadBudget>,
) -> Ended {
    if let Err(error) = stream.set_nodelay(true) {
        return Ended::Failed(error);
    }
    let limits = context.connection_limits;
    // One line per connection: a peer that repeats a refused request must not flood the log.
    let mut refusal_logged = false;
    loop {
        let mut first = [0u8; 1];
        match tokio::time::timeout(limits.idle_timeout, stream.peek(&mut first)).await {
            Err(_) => return Ended::Idle,
            Ok(Ok(0)) => return Ended::Closed,
            Ok(Ok(_)) => {}
            Ok(Err(error)) => return Ended::Failed(error),
        }
        let read = tokio::time::timeout(
            limits.frame_timeout,
            read_frame_charged(&mut stream, budget),
        );
        let (frame, charge) = match read.await {
            Err(_) => return Ended::SlowFrame,
            Ok(Ok(read)) => read,
            Ok(Err(error)) if is_clean_close(&error) => return Ended::Closed,
            Ok(Err(error)) => return Ended::Failed(error),
        };
        let kind = Kind::try_from(frame.kind).unwrap_or(Kind::Unspecified);
        let is_raft_rpc = matches!(
            kind,
            Kind::AppendEntries | Kind::Vote | Kind::InstallSnapshot
        );
        if is_raft_rpc && context.fault.is_isolated() {
            return Ended::Isolated; // partitioned: drop the connection unanswered
        }
        let answer = if frame.cluster != context.cluster {
            context.metrics.frame_refused(FrameRefusal::WrongCluster);
            Err(format!(
                "this is node {} of cluster {:?}, not of cluster {:?}",
                context.id, context.cluster, frame.cluster
            ))
        } else {
            dispatch(kind, &frame.payload, context).await
        };
        let (request_id, kind_number) = (frame.request_id, frame.kind);
        drop(frame);
        drop(charge);
        let (payload, error) = match answer {
            Ok(payload) => (payload, String::new()),
            Err(error) => {
                if !refusal_logged {
                    refusal_logged = true;
                    tracing::info!(node = context.id, %peer, ?kind, %error, "refused a request");
                }
                (Vec::new(), error)
            }
        };
        let reply = RaftFrame {
            cluster: context.cluster.clone(),
            request_id,
            kind: kind_number,
            payload,
            error,
        };
        if let Err(error) = write_frame(&mut stream, &reply).await {
            return Ended::Failed(error);
        }
    }
}

fn decode<T: DeserializeOwned>(payload: &[u8], kind: Kind) -> Result<T, String> {
    serde_json::from_slice(payload).map_err(|e| format!("malformed {kind:?} request: {e}"))
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| format!("cannot encode the answer: {e}"))
}

async fn dispatch(kind: Kind, payload: &[u8], context: &ServerContext) -> Result<Vec<u8>, String> {
    let raft = &context.raft;
    match kind {
        Kind::AppendEntries => {
            let answer = raft.append_entries(decode(payload, kind)?).await;
            if matches!(&answer, Ok(response) if !matches!(response, AppendEntriesResponse::HigherVote(_)))
            {
                context.election.heard_from_leader();
            }
            encode(&answer)
        }
        Kind::Vote => {
            let answer = raft.vote(decode(payload, kind)?).await;
            if matches!(&answer, Ok(response) if response.vote_granted) {
                context.election.heard_from_leader();
            }
            encode(&answer)
        }
        Kind::InstallSnapshot => {
            let request: openraft::raft::InstallSnapshotRequest<super::types::TypeConfig> =
                decode(payload, kind)?;
            let sender = request.vote;
            let answer = raft.install_snapshot(request).await;
            if matches!(&answer, Ok(response) if response.vote <= sender) {
                context.election.heard_from_leader();
            }
            encode(&answer)
        }
        Kind::ClientWrite => {
            let request: WriteRequest = decode(payload, kind)?;
            encode(&client_write(context, request).await)
        }
        Kind::ClientRead => {
            let request: ReadRequest = decode(payload, kind)?;
            let answer = context
                .node
                .read_configuration(&request.name)
                .map(|value| ReadResponse { value })
                .map_err(|e| ClientError::Refused(e.to_string()));
            encode(&answer)
        }
        Kind::List => encode(
            &context
                .node
                .list_configurations()
                .map_err(|e| ClientError::Refused(e.to_string())),
        ),
        Kind::Status => Ok(status::build(context).encode()),
        Kind::Initialize => {
            let request: InitializeRequest = decode(payload, kind)?;
            if !request.members.contains_key(&context.id) {
                let ids: Vec<_> = request.members.keys().collect();
                let refusal = ClientError::Refused(format!(
                    "initialize must name this node ({}) among the members, with its address; got {ids:?}",
                    context.id
                ));
                return encode(&Result::<(), _>::Err(refusal));
            }
            let members: BTreeMap<RaftNodeId, BasicNode> = request
                .members
                .into_iter()
                .map(|(id, addr)| (id, BasicNode { addr }))
                .collect();
            encode(
                &raft
                    .initialize(members)
                    .await
                    .map_err(|e| ClientError::Raft(e.to_string())),
            )
        }
        Kind::AddMember => {
            let request: AddMemberRequest = decode(payload, kind)?;
            encode(&add_member(context, request).await)
        }
        Kind::RemoveMember => {
            let request: RemoveMemberRequest = decode(payload, kind)?;
            encode(&remove_member(context, request.id).await)
        }
        Kind::TriggerElection => encode(
            &raft
                .trigger()
                .elect()
                .await
                .map_err(|e| ClientError::Raft(e.to_string())),
        ),
        Kind::Unspecified => Err("frame of unknown kind".to_owned()),
    }
}

pub(crate) async fn client_write(
    context: &ServerContext,
    request: WriteRequest,
) -> Result<WriteReceipt, ClientError> {
    // A larger entry could never be replicated in one frame: refuse it before it is logged.
    if request.command.0.len() > MAX_COMMAND_BYTES {
        tracing::info!(
            node = context.id,
            bytes = request.command.0.len(),
            limit = MAX_COMMAND_BYTES,
            "refused a command over the size limit"
        );
        return Err(ClientError::Refused(format!(
            "a command of {} bytes exceeds the {MAX_COMMAND_BYTES}-byte limit of one entry \
             (a configuration value may hold {} bytes)",
            request.command.0.len(),
            omsvc_core::table::MAX_CONFIGURATION_BYTES
        )));
    }
    let proposed = Instant::now();
    let written = tokio::time::timeout(
        context.write_timeout,
        context.raft.client_write(request.command),
    );
    let written = written.await;
    if matches!(written, Ok(Ok(_))) {
        context.metrics.write_committed(proposed.elapsed());
    }
    match written.map_err(|_| {
        ClientError::Raft(format!(
            "node {} could not commit the write within {} ms (no quorum?); it may still commit later",
            context.id,
            context.write_timeout.as_millis()
        ))
    })? {
        Ok(written) => Ok(WriteReceipt {
            entry: TermIndex::new(Term(written.log_id.leader_id.term), LogIndex(written.log_id.index)),
            response: written.data,
        }),
        Err(error) => Err(client_error(context, error)),
    }
}

fn client_error(
    context: &ServerContext,
    error: RaftError<RaftNodeId, ClientWriteError<RaftNodeId, BasicNode>>,
) -> ClientError {
    match error {
        RaftError::APIError(ClientWriteError::ForwardToLeader(forward)) => ClientError::NotLeader {
            node: context.id,
            leader: forward.leader_id,
            leader_addr: forward.leader_node.map(|node| node.addr),
        },
        other => ClientError::Raft(other.to_string()),
    }
}

/// How long the node to add gets to answer the identity check.
const ADD_MEMBER_PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a new learner gets to catch up before it would become a voter. With the probe,
/// below the CLI's default client timeout (10 s), so the leader answers first.
const ADD_MEMBER_CATCH_UP_TIMEOUT: Duration = Duration::from_secs(6);

async fn add_member(context: &ServerContext, request: AddMemberRequest) -> Result<(), ClientError> {
    let (id, addr) = (request.id, request.addr);
    // Before touching membership: an address that does not answer as node `id` of this
    // cluster would become a voter that never votes, costing a one-node cluster its quorum.
    let mut probe = Connection::new(addr.clone(), context.cluster.clone());
    let found = probe
        .status(ADD_MEMBER_PROBE_TIMEOUT)
        .await
        .map_err(|e| ClientError::Refused(format!("node {id} at {addr} cannot be added: {e}")))?;
    if found.id() != id {
        return Err(ClientError::Refused(format!(
            "the node at {addr} is node {}, not node {id}",
            found.id()
        )));
    }
    let raft = &context.raft;
    // Not openraft's blocking add_learner: it counts a learner within
    // `replication_lag_threshold` entries as caught up even if it never answered, and
    // otherwise waits without a bound.
    let added = raft
        .add_learner(id, BasicNode { addr: addr.clone() }, false)
        .await
        .map_err(|e| ClientError::Raft(format!("adding node {id} as a learner: {e}")))?;
    let holds_the_entry_adding_it = |metrics: &openraft::RaftMetrics<RaftNodeId, BasicNode>| {
        metrics.replication.as_ref().is_none_or(|replication| {
            replication
                .get(&id)
                .and_then(Option::as_ref)
                .is_some_and(|matched| matched.index >= added.log_id.index)
        })
    };
    match raft
        .wait(Some(ADD_MEMBER_CATCH_UP_TIMEOUT))
        .metrics(holds_the_entry_adding_it, "the new learner to catch up")
        .await
    {
        Ok(metrics) if metrics.replication.is_some() => {}
        Ok(_) => {
            return Err(ClientError::Raft(format!(
                "node {} stopped leading while adding node {id}: add it again through the leader",
                context.id
            )))
        }
        Err(WaitError::ShuttingDown) => {
            return Err(ClientError::Raft(format!(
                "node {} shut down while adding node {id}",
                context.id
            )))
        }
        Err(WaitError::Timeout(..)) => {
            return Err(ClientError::Raft(format!(
                "node {id} at {addr} was added as a learner but did not catch up within \
                 {ADD_MEMBER_CATCH_UP_TIMEOUT:?}, so it is not a voter: add it again to make it \
                 one (it keeps catching up), or remove it"
            )))
        }
    }
    let mut voters = voters(context);
    voters.insert(id);
    raft.change_membership(voters, false)
        .await
        .map_err(|e| ClientError::Raft(format!("making node {id} a voter: {e}")))?;
    Ok(())
}

async fn remove_member(context: &ServerContext, id: RaftNodeId) -> Result<(), ClientError> {
    let mut voters = voters(context);
    if !voters.remove(&id) {
        return Err(ClientError::Refused(format!(
            "node {id} is not a voting member"
        )));
    }
    context
        .raft
        .change_membership(voters, false)
        .await
        .map_err(|e| ClientError::Raft(format!("removing node {id}: {e}")))?;
    Ok(())
}

fn voters(context: &ServerContext) -> BTreeSet<RaftNodeId> {
    context
        .raft
        .metrics()
        .borrow()
        .membership_config
        .membership()
        .voter_ids()
        .collect()
}
