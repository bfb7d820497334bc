//! The server half of the TCP transport: accepts connections and answers frames, Raft RPCs
//! and client requests alike. A bad frame closes its connection only; the node keeps serving.

use super::frame::{read_frame, write_frame};
use super::network::FaultSwitch;
use super::rpc::{
    AddMemberRequest, ClientError, InitializeRequest, MemberStatus, NodeReport, ReadRequest,
    ReadResponse, RemoveMemberRequest, ServiceReport, WriteReceipt, WriteRequest,
};
use super::types::{Raft, RaftNodeId};
use crate::core::node::Node;
use crate::core::proto::{raft_frame::Kind, RaftFrame};
use openraft::error::{ClientWriteError, RaftError};
use openraft::BasicNode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};

pub struct ServerContext {
    pub id: RaftNodeId,
    pub addr: String,
    pub cluster: String,
    pub raft: Raft,
    pub node: Arc<Node>,
    pub fault: Arc<FaultSwitch>,
}

pub async fn serve(listener: TcpListener, context: Arc<ServerContext>) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let context = context.clone();
                tokio::spawn(async move {
                    if let Err(error) = handle_connection(stream, &context).await {
                        if error.kind() != std::io::ErrorKind::UnexpectedEof {
                            tracing::warn!(node = context.id, %peer, %error, "closed a connection after a bad frame");
                        }
                    }
                });
            }
            Err(error) => {
                tracing::warn!(node = context.id, %error, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

async fn handle_connection(mut stream: TcpStream, context: &ServerContext) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    loop {
        let frame = read_frame(&mut stream).await?;
        let kind = Kind::try_from(frame.kind).unwrap_or(Kind::Unspecified);
        let is_raft_rpc = matches!(
            kind,
            Kind::AppendEntries | Kind::Vote | Kind::InstallSnapshot
        );
        if is_raft_rpc && context.fault.is_isolated() {
            return Ok(()); // partitioned: drop the connection unanswered
        }
        let answer = if frame.cluster != context.cluster {
            Err(format!(
                "this is node {} of cluster {:?}, not of cluster {:?}",
                context.id, context.cluster, frame.cluster
            ))
        } else {
            dispatch(kind, &frame.payload, context).await
        };
        let (payload, error) = match answer {
            Ok(payload) => (payload, String::new()),
            Err(error) => (Vec::new(), error),
        };
        let reply = RaftFrame {
            cluster: context.cluster.clone(),
            request_id: frame.request_id,
            kind: frame.kind,
            payload,
            error,
        };
        write_frame(&mut stream, &reply).await?;
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
        Kind::AppendEntries => encode(&raft.append_entries(decode(payload, kind)?).await),
        Kind::Vote => encode(&raft.vote(decode(payload, kind)?).await),
        Kind::InstallSnapshot => encode(&raft.install_snapshot(decode(payload, kind)?).await),
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
        Kind::Status => encode(&report(context)),
        Kind::Initialize => {
            let request: InitializeRequest = decode(payload, kind)?;
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
    match context.raft.client_write(request.command).await {
        Ok(written) => Ok(WriteReceipt {
            term: written.log_id.leader_id.term,
            index: written.log_id.index,
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

async fn add_member(context: &ServerContext, request: AddMemberRequest) -> Result<(), ClientError> {
    let raft = &context.raft;
    raft.add_learner(request.id, BasicNode { addr: request.addr }, true)
        .await
        .map_err(|e| ClientError::Raft(format!("adding node {} as a learner: {e}", request.id)))?;
    let mut voters = voters(context);
    voters.insert(request.id);
    raft.change_membership(voters, false)
        .await
        .map_err(|e| ClientError::Raft(format!("making node {} a voter: {e}", request.id)))?;
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

pub(crate) fn report(context: &ServerContext) -> NodeReport {
    let metrics = context.raft.metrics().borrow().clone();
    let membership = metrics.membership_config.membership();
    let voter_ids: BTreeSet<RaftNodeId> = membership.voter_ids().collect();
    let members = membership
        .nodes()
        .map(|(id, node)| MemberStatus {
            id: *id,
            addr: node.addr.clone(),
            voter: voter_ids.contains(id),
        })
        .collect();
    let leader_addr = metrics
        .current_leader
        .and_then(|leader| membership.get_node(&leader).map(|node| node.addr.clone()));
    let status = context.node.status();
    NodeReport {
        id: context.id,
        addr: context.addr.clone(),
        cluster: context.cluster.clone(),
        term: metrics.current_term,
        state: format!("{:?}", metrics.state),
        leader: metrics.current_leader,
        leader_addr,
        last_applied_index: metrics.last_applied.map_or(0, |log_id| log_id.index),
        members,
        blocker: status.blocker.map(|blocker| blocker.to_string()),
        services: status
            .services
            .into_iter()
            .map(|service| ServiceReport {
                name: service.name,
                status: if service.status.is_running() {
                    "RUNNING"
                } else {
                    "PAUSING"
                }
                .to_owned(),
                epoch: service.epoch,
                start_count: service.start_count,
                stop_count: service.stop_count,
                last_error: service.last_error,
                waiting_for: service.waiting_for.map(|wait| wait.to_string()),
            })
            .collect(),
    }
}
