//! The openraft node's status as JSON: the one rendering of the `omsvc.v1.RaftNodeStatus`
//! message (`/status`, `/cluster`, `omsvc status --json`). Field names are the message's; the
//! embedded core status is [`omsvc_core::status_json::to_json`]'s, unchanged.

use omsvc_core::proto::raft_node_status::{LeadershipChange, Member};
use omsvc_core::proto::RaftNodeStatus;
use serde_json::json;

/// A `RaftNodeStatus` message as JSON: every field, absent optional ones as `null`, the server
/// state as `LEADER` / `FOLLOWER` / `CANDIDATE` / `LEARNER` / `SHUTDOWN`.
pub fn to_json(status: &RaftNodeStatus) -> serde_json::Value {
    let members: Vec<_> = status.members.iter().map(member_json).collect();
    let changes: Vec<_> = status.leadership_changes.iter().map(change_json).collect();
    json!({
        "node": status.node.as_ref().map(omsvc_core::status_json::to_json),
        "addr": status.addr,
        "cluster": status.cluster,
        "server_state": status.server_state().as_str_name(),
        "leader_addr": status.leader_addr,
        "members": members,
        "leadership_changes": changes,
        "pauses_seen": status.pauses_seen,
    })
}

fn member_json(member: &Member) -> serde_json::Value {
    json!({ "id": member.id, "addr": member.addr, "voter": member.voter })
}

fn change_json(change: &LeadershipChange) -> serde_json::Value {
    json!({ "term": change.term, "leader": change.leader, "at_unix_ms": change.at_unix_ms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use omsvc_core::proto::raft_node_status::ServerState;
    use omsvc_core::proto::{node_status, service_status, NodeStatus, ServiceStatus};

    fn core_status() -> NodeStatus {
        NodeStatus {
            self_id: "2".to_owned(),
            term: 5,
            leader: Some("1".to_owned()),
            role: node_status::Role::Follower as i32,
            applied: 40,
            peers: vec!["1".to_owned(), "2".to_owned()],
            blocker: Some("not the leader".to_owned()),
            services: vec![ServiceStatus {
                name: "Scanner".to_owned(),
                state: service_status::State::Pausing as i32,
                since_unix_ms: 1_764_000_000_123,
                start_count: 2,
                stop_count: 2,
                last_error: Some("start failed: disk full".to_owned()),
                waiting_for: Some("not the leader".to_owned()),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn the_core_status_is_inside_unchanged_with_what_openraft_adds() {
        let status = RaftNodeStatus {
            node: Some(core_status()),
            addr: "127.0.0.1:7002".to_owned(),
            cluster: "demo".to_owned(),
            server_state: ServerState::Follower as i32,
            leader_addr: Some("127.0.0.1:7001".to_owned()),
            members: vec![
                Member {
                    id: 1,
                    addr: "127.0.0.1:7001".to_owned(),
                    voter: true,
                },
                Member {
                    id: 3,
                    addr: "127.0.0.1:7003".to_owned(),
                    voter: false,
                },
            ],
            leadership_changes: vec![
                LeadershipChange {
                    term: 5,
                    leader: None,
                    at_unix_ms: 1_764_000_000_001,
                },
                LeadershipChange {
                    term: 5,
                    leader: Some(1),
                    at_unix_ms: 1_764_000_000_002,
                },
            ],
            pauses_seen: 1,
        };
        assert_eq!(
            to_json(&status),
            json!({
                "node": omsvc_core::status_json::to_json(&core_status()),
                "addr": "127.0.0.1:7002",
                "cluster": "demo",
                "server_state": "FOLLOWER",
                "leader_addr": "127.0.0.1:7001",
                "members": [
                    { "id": 1, "addr": "127.0.0.1:7001", "voter": true },
                    { "id": 3, "addr": "127.0.0.1:7003", "voter": false },
                ],
                "leadership_changes": [
                    { "term": 5, "leader": null, "at_unix_ms": 1_764_000_000_001u64 },
                    { "term": 5, "leader": 1, "at_unix_ms": 1_764_000_000_002u64 },
                ],
                "pauses_seen": 1,
            })
        );
        // No field of the core status is repeated beside it.
        let outer = to_json(&status);
        let inner = &outer["node"];
        for key in outer.as_object().unwrap().keys() {
            assert!(inner.get(key).is_none(), "{key} is in both");
        }
    }

    #[test]
    fn absent_fields_render_as_null() {
        let json = to_json(&RaftNodeStatus::default());
        assert_eq!(json["node"], serde_json::Value::Null);
        assert_eq!(json["leader_addr"], serde_json::Value::Null);
        assert_eq!(json["server_state"], "SERVER_STATE_UNSPECIFIED");
    }
}
