//! The Raft timings clusters run with, in this process and as `omsvc node run` processes.

use omsvc_raft::RaftTimeouts;
use std::time::Duration;

/// In-process clusters: short timings so failovers take well under a second.
pub const IN_PROCESS: RaftTimeouts = RaftTimeouts {
    heartbeat: Duration::from_millis(50),
    election_min: Duration::from_millis(150),
    election_max: Duration::from_millis(300),
};

/// Node processes: `RaftTimeouts::default()` (heartbeat 50 ms, elections after 250..500 ms),
/// spelt out so that a change of the defaults does not silently move every figure.
pub const PROCESS: RaftTimeouts = RaftTimeouts {
    heartbeat: Duration::from_millis(50),
    election_min: Duration::from_millis(250),
    election_max: Duration::from_millis(500),
};

/// The `omsvc node run` arguments that set `timeouts`.
pub fn node_run_args(timeouts: &RaftTimeouts) -> Vec<String> {
    let millis = |duration: Duration| duration.as_millis().to_string();
    vec![
        "--heartbeat-ms".to_owned(),
        millis(timeouts.heartbeat),
        "--election-min-ms".to_owned(),
        millis(timeouts.election_min),
        "--election-max-ms".to_owned(),
        millis(timeouts.election_max),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_timings_are_the_node_defaults() {
        assert_eq!(PROCESS, RaftTimeouts::default());
    }

    #[test]
    fn node_run_args_carry_each_timeout_in_milliseconds() {
        assert_eq!(
            node_run_args(&PROCESS),
            [
                "--heartbeat-ms",
                "50",
                "--election-min-ms",
                "250",
                "--election-max-ms",
                "500"
            ]
        );
    }
}
