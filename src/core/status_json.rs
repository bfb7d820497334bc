//! The status as JSON: the one rendering of the `omsvc.v1.NodeStatus` message, for the C and
//! Java adapters and for operators. Field names are the message's; enums read as text.

use crate::node::NodeStatus;
use crate::proto;
use crate::proto::node_status::Role;
use serde_json::json;

impl NodeStatus {
    /// The status as JSON: [`NodeStatus::to_proto`] rendered by [`to_json`].
    pub fn to_json(&self) -> serde_json::Value {
        to_json(&self.to_proto())
    }
}

/// A `NodeStatus` message as JSON: every field, absent optional ones as `null`, the role as
/// `follower` / `leader-not-ready` / `leader-ready`, a service's state (under `status`) as
/// `RUNNING` / `STOPPING` / `PAUSING`.
pub fn to_json(status: &proto::NodeStatus) -> serde_json::Value {
    let services: Vec<_> = status.services.iter().map(service_json).collect();
    let last_applied_entry = status.last_applied_entry.unwrap_or_default();
    json!({
        "self_id": status.self_id,
        "term": status.term,
        "leader": status.leader,
        "role": match status.role() {
            Role::Follower => "follower",
            Role::LeaderNotReady => "leader-not-ready",
            Role::LeaderReady => "leader-ready",
            Role::Unspecified => "unspecified",
        },
        "barrier": status.barrier,
        "applied": status.applied,
        "peers": status.peers,
        "ignored_events": status.ignored_events,
        "blocker": status.blocker,
        "last_applied_entry": {
            "term": last_applied_entry.term,
            "index": last_applied_entry.index,
        },
        "services": services,
    })
}

/// A `ServiceStatus` message as JSON: the shape every surface shows a service in (the node's
/// status JSON here, the openraft node's report through `omsvc status --json`).
pub fn service_json(service: &proto::ServiceStatus) -> serde_json::Value {
    json!({
        "name": service.name,
        "status": service.state().as_str_name(),
        "epoch": service.epoch,
        "since_unix_ms": service.since_unix_ms,
        "start_count": service.start_count,
        "stop_count": service.stop_count,
        "consecutive_failures": service.consecutive_failures,
        "failed_start_count": service.failed_start_count,
        "failed_run_count": service.failed_run_count,
        "last_error": service.last_error,
        "waiting_for": service.waiting_for,
    })
}

#[cfg(test)]
mod tests {
    use crate::status_proto::tests::sample_status;
    use serde_json::json;

    #[test]
    fn the_json_has_every_field_under_its_name() {
        let json = sample_status().to_json();
        assert_eq!(
            json,
            json!({
                "self_id": "om1",
                "term": 7,
                "leader": "om1",
                "role": "leader-ready",
                "barrier": 120,
                "applied": 118,
                "peers": ["om1", "om2"],
                "ignored_events": 9,
                "blocker": "waiting for barrier 120, applied 118",
                "last_applied_entry": { "term": 6, "index": 117 },
                "services": [
                    {
                        "name": "Stopping",
                        "status": "STOPPING",
                        "epoch": 6,
                        "since_unix_ms": 1_700_000_000_123u64,
                        "start_count": 4,
                        "stop_count": 3,
                        "consecutive_failures": 2,
                        "failed_start_count": 5,
                        "failed_run_count": 1,
                        "last_error": null,
                        "waiting_for": null,
                    },
                    {
                        "name": "Failing",
                        "status": "PAUSING",
                        "epoch": null,
                        "since_unix_ms": 1_700_000_000_123u64,
                        "start_count": 4,
                        "stop_count": 3,
                        "consecutive_failures": 2,
                        "failed_start_count": 5,
                        "failed_run_count": 1,
                        "last_error": "start failed: disk full",
                        "waiting_for": "should_run is false",
                    },
                ],
            })
        );
    }

    #[test]
    fn a_message_without_its_table_entry_renders_zeros() {
        let mut message = sample_status().to_proto();
        message.last_applied_entry = None;
        message.role = 0;
        let json = super::to_json(&message);
        assert_eq!(json["last_applied_entry"], json!({ "term": 0, "index": 0 }));
        assert_eq!(json["role"], "unspecified");
    }
}
