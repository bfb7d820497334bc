//! Waiting for a condition: one polling loop for every test, bench and node report.

use omsvc_raft::{NodeReport, RaftNode};
use std::time::{Duration, Instant};

/// Calls `check` every `interval` until it returns `Ok`, or returns its last `Err` (why it did
/// not hold yet) once `timeout` passed. `check` runs at least once, and once more at the
/// deadline.
pub fn poll_every<T>(
    interval: Duration,
    timeout: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    loop {
        match check() {
            Ok(value) => return Ok(value),
            Err(reason) if Instant::now() >= deadline => return Err(reason),
            Err(_) => std::thread::sleep(interval),
        }
    }
}

/// [`poll_every`] 50 ms: for checks that cost a call to another process.
pub fn poll<T>(timeout: Duration, check: impl FnMut() -> Result<T, String>) -> Result<T, String> {
    poll_every(Duration::from_millis(50), timeout, check)
}

/// Whether `condition` holds within `timeout`, checked every 5 ms.
pub fn eventually(timeout: Duration, condition: impl Fn() -> bool) -> bool {
    poll_every(Duration::from_millis(5), timeout, || {
        if condition() {
            Ok(())
        } else {
            Err(String::new())
        }
    })
    .is_ok()
}

/// Polls `node`'s report every 10 ms until `condition` holds: that report, or on timeout the
/// last one.
pub fn wait_for_report(
    node: &RaftNode,
    timeout: Duration,
    condition: impl Fn(&NodeReport) -> bool,
) -> Result<NodeReport, Box<NodeReport>> {
    let mut last = None;
    poll_every(Duration::from_millis(10), timeout, || {
        let report = node.report();
        if condition(&report) {
            return Ok(report);
        }
        last = Some(report);
        Err(String::new())
    })
    .map_err(|_| Box::new(last.take().expect("a report was taken before the timeout")))
}

/// How long a core node may take to settle its services (`Node::wait_settled`) on a loaded
/// 2-core machine.
pub const SETTLE: Duration = Duration::from_secs(10);
