//! [`NodeStatus`] as JSON: one rendering for every adapter.

use crate::leadership::Role;
use crate::node::NodeStatus;
use serde_json::json;
use std::time::UNIX_EPOCH;

impl NodeStatus {
    /// The status as JSON, for the C and Java adapters and for operators: every field, with
    /// the reasons services wait rendered as text.
    pub fn to_json(&self) -> serde_json::Value {
        let status = self;
        let services: Vec<_> = status
            .services
            .iter()
            .map(|service| {
                json!({
                    "name": service.name,
                    "status": service.status.as_str(),
                    "epoch": service.epoch,
                    "since_unix_ms": service.since.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0),
                    "start_count": service.start_count,
                    "stop_count": service.stop_count,
                    "consecutive_failures": service.consecutive_failures,
                    "failed_start_count": service.failed_start_count,
                    "failed_run_count": service.failed_run_count,
                    "last_error": service.last_error,
                    "waiting_for": service.waiting_for.as_ref().map(|wait| wait.to_string()),
                })
            })
            .collect();
        json!({
            "self_id": status.self_id,
            "term": status.term,
            "leader": status.leader,
            "role": match status.role {
                Role::Follower => "follower",
                Role::LeaderNotReady => "leader-not-ready",
                Role::LeaderReady => "leader-ready",
            },
            "barrier": status.barrier,
            "applied": status.applied,
            "peers": status.peers,
            "ignored_events": status.ignored_events,
            "blocker": status.blocker.as_ref().map(|blocker| blocker.to_string()),
            "last_applied_entry": { "term": status.last_applied_entry.term, "index": status.last_applied_entry.index },
            "services": services,
        })
    }
}
