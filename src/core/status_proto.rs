//! [`NodeStatus`] as the `omsvc.v1.NodeStatus` message of `proto/omsvc.proto`: the one status
//! model. Every adapter reports this message (the C ABI, Java, and the JSON of
//! [`crate::status_json`]); this is the only place the core's status becomes it.

use crate::leadership::Role;
use crate::node::NodeStatus;
use crate::proto;
use crate::services::{ServiceStatus, ServiceStatusView};
use prost::Message;
use std::time::{SystemTime, UNIX_EPOCH};

impl NodeStatus {
    /// The status as the `omsvc.v1.NodeStatus` message.
    pub fn to_proto(&self) -> proto::NodeStatus {
        proto::NodeStatus {
            self_id: self.self_id.clone(),
            term: self.term.0,
            leader: self.leader.clone(),
            role: proto_role(self.role) as i32,
            barrier: self.barrier.0,
            applied: self.applied.0,
            peers: self.peers.clone(),
            ignored_events: self.ignored_events,
            blocker: self.blocker.as_ref().map(ToString::to_string),
            last_applied_entry: Some(self.last_applied_entry.into()),
            services: self
                .services
                .iter()
                .map(ServiceStatusView::to_proto)
                .collect(),
        }
    }

    /// The status as encoded `omsvc.v1.NodeStatus` bytes, for adapters that hand it on.
    pub fn encode_proto(&self) -> Vec<u8> {
        self.to_proto().encode_to_vec()
    }
}

impl ServiceStatusView {
    /// The status as the `omsvc.v1.ServiceStatus` message.
    pub fn to_proto(&self) -> proto::ServiceStatus {
        proto::ServiceStatus {
            name: self.name.clone(),
            state: proto_state(self.status) as i32,
            epoch: self.epoch.map(|epoch| epoch.0),
            since_unix_ms: unix_millis(self.since),
            start_count: self.start_count,
            stop_count: self.stop_count,
            consecutive_failures: self.consecutive_failures,
            failed_start_count: self.failed_start_count,
            failed_run_count: self.failed_run_count,
            last_error: self.last_error.clone(),
            waiting_for: self.waiting_for.as_ref().map(ToString::to_string),
        }
    }
}

fn proto_role(role: Role) -> proto::node_status::Role {
    match role {
        Role::Follower => proto::node_status::Role::Follower,
        Role::LeaderNotReady => proto::node_status::Role::LeaderNotReady,
        Role::LeaderReady => proto::node_status::Role::LeaderReady,
    }
}

fn proto_state(status: ServiceStatus) -> proto::service_status::State {
    match status {
        ServiceStatus::Running => proto::service_status::State::Running,
        ServiceStatus::Stopping => proto::service_status::State::Stopping,
        ServiceStatus::Pausing => proto::service_status::State::Pausing,
    }
}

/// Milliseconds since the Unix epoch; 0 for a clock set before it.
fn unix_millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::leadership::{Blocker, LogIndex, Term, TermIndex};
    use crate::services::ServiceWait;
    use std::time::Duration;

    /// A leader waiting for its barrier, with one running service and one that failed to start.
    pub(crate) fn sample_status() -> NodeStatus {
        let service =
            |name: &str, status, epoch, last_error: Option<&str>, waiting_for| ServiceStatusView {
                name: name.to_owned(),
                status,
                epoch,
                since: UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
                start_count: 4,
                stop_count: 3,
                consecutive_failures: 2,
                failed_start_count: 5,
                failed_run_count: 1,
                last_error: last_error.map(str::to_owned),
                waiting_for,
            };
        NodeStatus {
            self_id: "om1".to_owned(),
            term: Term(7),
            leader: Some("om1".to_owned()),
            role: Role::LeaderReady,
            barrier: LogIndex(120),
            applied: LogIndex(118),
            peers: vec!["om1".to_owned(), "om2".to_owned()],
            ignored_events: 9,
            blocker: Some(Blocker::AwaitingBarrier {
                term: Term(7),
                barrier: LogIndex(120),
                applied: LogIndex(118),
            }),
            last_applied_entry: TermIndex {
                term: Term(6),
                index: LogIndex(117),
            },
            services: vec![
                service(
                    "Stopping",
                    ServiceStatus::Stopping,
                    Some(Term(6)),
                    None,
                    None,
                ),
                service(
                    "Failing",
                    ServiceStatus::Pausing,
                    None,
                    Some("start failed: disk full"),
                    Some(ServiceWait::ShouldRunFalse),
                ),
            ],
        }
    }

    #[test]
    fn every_field_reaches_the_message() {
        let message = sample_status().to_proto();
        assert_eq!(message.self_id, "om1");
        assert_eq!(message.term, 7);
        assert_eq!(message.leader.as_deref(), Some("om1"));
        assert_eq!(message.role(), proto::node_status::Role::LeaderReady);
        assert_eq!((message.barrier, message.applied), (120, 118));
        assert_eq!(message.peers, ["om1", "om2"]);
        assert_eq!(message.ignored_events, 9);
        assert_eq!(
            message.blocker.as_deref(),
            Some("waiting for barrier 120, applied 118")
        );
        assert_eq!(
            message.last_applied_entry,
            Some(proto::TransactionInfo {
                term: 6,
                index: 117
            })
        );
        let [stopping, failing] = &message.services[..] else {
            panic!("two services expected: {:?}", message.services);
        };
        assert_eq!(stopping.state(), proto::service_status::State::Stopping);
        assert_eq!(stopping.epoch, Some(6));
        assert_eq!(stopping.last_error, None);
        assert_eq!(stopping.waiting_for, None);
        assert_eq!(failing.name, "Failing");
        assert_eq!(failing.state(), proto::service_status::State::Pausing);
        assert_eq!(failing.epoch, None);
        assert_eq!(failing.since_unix_ms, 1_700_000_000_123);
        assert_eq!((failing.start_count, failing.stop_count), (4, 3));
        assert_eq!(failing.consecutive_failures, 2);
        assert_eq!(
            (failing.failed_start_count, failing.failed_run_count),
            (5, 1)
        );
        assert_eq!(
            failing.last_error.as_deref(),
            Some("start failed: disk full")
        );
        assert_eq!(failing.waiting_for.as_deref(), Some("should_run is false"));
    }

    #[test]
    fn the_encoded_status_decodes_to_the_same_message() {
        let status = sample_status();
        let decoded = proto::NodeStatus::decode(status.encode_proto().as_slice()).unwrap();
        assert_eq!(decoded, status.to_proto());
    }

    #[test]
    fn a_clock_before_1970_reads_as_zero() {
        assert_eq!(unix_millis(UNIX_EPOCH - Duration::from_secs(1)), 0);
    }
}
