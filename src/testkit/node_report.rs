//! What a node's status report says, read the same way by every test.

use omsvc_raft::NodeReport;

/// The status and epoch of `service` in a report.
pub fn service_state(report: &NodeReport, service: &str) -> Option<(String, Option<u64>)> {
    report
        .service(service)
        .map(|s| (s.state().as_str_name().to_owned(), s.epoch))
}
