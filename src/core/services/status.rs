//! The status view of one service, as an operator or a host reads it.

use crate::leadership::{Blocker, Term};
use std::time::{Duration, SystemTime};

/// Ozone's `ServiceStatus`, plus the moment between a stop request and `stop` returning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServiceStatus {
    /// Started and still permitted to run.
    Running,
    /// Its permission to run ended (or `should_run` turned false) and its `stop` has not
    /// returned yet: its token is no longer current.
    Stopping,
    /// Not running.
    Pausing,
}

impl ServiceStatus {
    /// Whether this is [`ServiceStatus::Running`].
    pub fn is_running(self) -> bool {
        self == ServiceStatus::Running
    }

    /// The name operators see (Ozone's `RUNNING` / `PAUSING`, and `STOPPING`).
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Running => "RUNNING",
            ServiceStatus::Stopping => "STOPPING",
            ServiceStatus::Pausing => "PAUSING",
        }
    }
}

/// Why a service that is not running has not started.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServiceWait {
    /// This node may not run services now.
    Leadership(Blocker),
    /// The service's delay after ready has not passed.
    DelayAfterReady {
        /// Time left.
        remaining: Duration,
    },
    /// The last start failed; the next attempt comes after a backoff.
    RetryBackoff {
        /// Time left.
        remaining: Duration,
        /// Failed starts in a row.
        failures: u32,
    },
    /// Its last run failed while running ([`crate::EpochToken::fail`]): it starts again after
    /// this backoff, which grows while runs keep failing soon after they start.
    RestartBackoff {
        /// Time left.
        remaining: Duration,
        /// Failed runs in a row.
        failures: u32,
    },
    /// The service's `should_run` answered false (e.g. its persisted configuration says stop).
    ShouldRunFalse,
    /// The runner has not acted on the latest event yet.
    Pending,
}

impl std::fmt::Display for ServiceWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceWait::Leadership(blocker) => write!(f, "{blocker}"),
            ServiceWait::DelayAfterReady { remaining } => {
                write!(f, "delay after ready, {} ms left", remaining.as_millis())
            }
            ServiceWait::RetryBackoff {
                remaining,
                failures,
            } => write!(
                f,
                "start failed {failures} time(s), retrying in {} ms",
                remaining.as_millis()
            ),
            ServiceWait::RestartBackoff {
                remaining,
                failures,
            } => write!(
                f,
                "failed {failures} time(s) in a row while running, restarting in {} ms",
                remaining.as_millis()
            ),
            ServiceWait::ShouldRunFalse => write!(f, "should_run is false"),
            ServiceWait::Pending => write!(f, "starting"),
        }
    }
}

/// One service's status and counters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceStatusView {
    /// The name it was registered with.
    pub name: String,
    /// Running, stopping or pausing.
    pub status: ServiceStatus,
    /// The epoch it runs in, while running.
    pub epoch: Option<Term>,
    /// When the status last changed (for STOPPING: when the stop was requested).
    pub since: SystemTime,
    /// Successful starts since registration.
    pub start_count: u64,
    /// Stops since registration.
    pub stop_count: u64,
    /// Failed starts since the last successful one.
    pub consecutive_failures: u32,
    /// Failed starts since the service was registered.
    pub failed_start_count: u64,
    /// Runs that failed while running ([`crate::EpochToken::fail`]) since it was registered.
    pub failed_run_count: u64,
    /// The latest error from start, stop or should_run, kept after recovery for diagnosis.
    pub last_error: Option<String>,
    /// Why it is not running, when it is not.
    pub waiting_for: Option<ServiceWait>,
}
