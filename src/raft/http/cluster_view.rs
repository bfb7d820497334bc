//! `/cluster`: every member's [`NodeReport`], asked by this node over the cluster's own
//! transport (members know each other's Raft addresses, not their HTTP ones), so the status
//! page needs one address only. A member that does not answer within [`MEMBER_TIMEOUT`]
//! shows with the error. One gathering at a time, reused for [`MAX_AGE`], so any number of
//! open pages costs the members one status call each per [`MAX_AGE`] at most.

use crate::network::Connection;
use crate::server::ServerContext;
use crate::status::{self, NodeReport};
use crate::types::RaftNodeId;
use hyper::body::Bytes;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

const MEMBER_TIMEOUT: Duration = Duration::from_millis(800);
const MAX_AGE: Duration = Duration::from_millis(500);

#[derive(Debug, Serialize)]
struct MemberView {
    id: RaftNodeId,
    addr: String,
    voter: bool,
    /// The member's own report, as [`NodeReport::to_json`] renders it; None when it did not
    /// answer.
    report: Option<serde_json::Value>,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct ClusterView {
    /// The node that gathered this view (the one serving the page).
    served_by: RaftNodeId,
    at_unix_ms: u64,
    members: Vec<MemberView>,
}

#[derive(Default)]
struct Gathered {
    last: Option<(Instant, Bytes)>,
    /// Open connections to members, by id and address, kept between gatherings.
    connections: HashMap<(RaftNodeId, String), Connection>,
}

pub struct ClusterViews {
    context: Arc<ServerContext>,
    gathered: tokio::sync::Mutex<Gathered>,
}

impl ClusterViews {
    pub fn new(context: Arc<ServerContext>) -> ClusterViews {
        ClusterViews {
            context,
            gathered: Default::default(),
        }
    }

    /// The cluster view as JSON, gathered now unless the last one is under [`MAX_AGE`] old.
    pub async fn current(&self) -> Bytes {
        let mut gathered = self.gathered.lock().await;
        if let Some((at, body)) = &gathered.last {
            if at.elapsed() < MAX_AGE {
                return body.clone();
            }
        }
        let view = gather(&self.context, &mut gathered.connections).await;
        let body = Bytes::from(serde_json::to_vec(&view).unwrap_or_default());
        gathered.last = Some((Instant::now(), body.clone()));
        body
    }
}

async fn gather(
    context: &ServerContext,
    connections: &mut HashMap<(RaftNodeId, String), Connection>,
) -> ClusterView {
    let own = status::build(context);
    let mut members: Vec<MemberView> = own
        .members
        .iter()
        .map(|member| MemberView {
            id: member.id,
            addr: member.addr.clone(),
            voter: member.voter,
            report: None,
            error: None,
        })
        .collect();
    if !members.iter().any(|member| member.id == own.id()) {
        members.insert(
            0,
            MemberView {
                id: own.id(),
                addr: own.addr.clone(),
                voter: false,
                report: None,
                error: None,
            },
        );
    }
    let mut kept = HashMap::new();
    let calls: Vec<_> = members
        .iter()
        .filter(|member| member.id != own.id())
        .map(|member| {
            let key = (member.id, member.addr.clone());
            let mut connection = connections
                .remove(&key)
                .unwrap_or_else(|| Connection::new(member.addr.clone(), context.cluster.clone()));
            let call = tokio::spawn(async move {
                let answer = connection.status(MEMBER_TIMEOUT).await;
                (connection, answer)
            });
            (key, call)
        })
        .collect();
    let mut answers = HashMap::new();
    for (key, call) in calls {
        let answer = match call.await {
            Ok((connection, answer)) => {
                kept.insert(key.clone(), connection);
                answer.map_err(|error| error.to_string())
            }
            Err(error) => Err(format!("the status call failed: {error}")),
        };
        answers.insert(key.0, answer);
    }
    *connections = kept;
    for member in &mut members {
        let answer: Result<NodeReport, String> = if member.id == own.id() {
            Ok(own.clone())
        } else {
            answers
                .remove(&member.id)
                .unwrap_or_else(|| Err("not asked".to_owned()))
        };
        match answer {
            Ok(report) if report.id() == member.id => member.report = Some(report.to_json()),
            Ok(report) => {
                member.error = Some(format!(
                    "the node at {} answered as node {}",
                    member.addr,
                    report.id()
                ))
            }
            Err(error) => member.error = Some(error),
        }
    }
    ClusterView {
        served_by: own.id(),
        at_unix_ms: SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| since.as_millis() as u64),
        members,
    }
}
