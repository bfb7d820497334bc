//! One registered service as the runner tracks it, and the decision of what it needs next.

use super::service::{EpochToken, Service, ServiceOptions};
use super::status::{ServiceStatus, ServiceStatusView, ServiceWait};
use crate::leadership::{GrantId, Permission, Term};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// What the runner must do for one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// Ask `should_run`, then start in `epoch` under `grant` if it agrees.
    Start {
        epoch: Term,
        grant: GrantId,
    },
    Stop,
    /// Running, but the configuration changed: ask `should_run` again.
    Recheck,
}

/// The next step for one service: act now, or nothing before `wake_at` (if any).
pub(super) enum Next {
    Act(Action),
    Idle { wake_at: Option<Instant> },
}

pub(super) struct Slot {
    pub name: Arc<str>,
    pub service: Arc<dyn Service>,
    pub options: ServiceOptions,
    /// The token of the run in progress.
    pub running: Option<EpochToken>,
    /// When the run in progress started.
    pub running_since: Option<Instant>,
    /// `should_run` turned false while running: stop, whatever the permission says.
    pub must_stop: bool,
    /// When the runner began stopping the run in progress.
    pub stopping_since: Option<SystemTime>,
    pub since: SystemTime,
    pub start_count: u64,
    pub stop_count: u64,
    pub consecutive_failures: u32,
    pub failed_start_count: u64,
    /// A failed start (or run) in this epoch is retried at this instant.
    pub retry: Option<(Term, Instant)>,
    /// The pending retry restarts a run that failed while running (not a failed start).
    pub restarting: bool,
    /// Runs in a row that failed within `retry_max` of their start (their restarts back off).
    pub run_failures_in_a_row: u32,
    /// Runs that failed while running since the service was registered.
    pub failed_run_count: u64,
    pub last_error: Option<String>,
    /// `should_run` said no in this epoch at this configuration generation.
    pub declined: Option<(Term, u64)>,
    /// While running: the configuration generation `should_run` was last asked at.
    pub checked_generation: u64,
}

impl Slot {
    pub fn new(name: Arc<str>, service: Arc<dyn Service>, options: ServiceOptions) -> Self {
        Slot {
            name,
            service,
            options,
            running: None,
            running_since: None,
            must_stop: false,
            stopping_since: None,
            since: SystemTime::now(),
            start_count: 0,
            stop_count: 0,
            consecutive_failures: 0,
            failed_start_count: 0,
            retry: None,
            restarting: false,
            run_failures_in_a_row: 0,
            failed_run_count: 0,
            last_error: None,
            declined: None,
            checked_generation: 0,
        }
    }

    pub fn next(&mut self, permission: &Permission, config_generation: u64, now: Instant) -> Next {
        let allowed_grant = match permission {
            Permission::Allowed { grant, .. } => Some(*grant),
            Permission::Denied(_) => None,
        };
        match (&self.running, permission) {
            (Some(run), _)
                if self.must_stop
                    || run.failure().is_some()
                    || Some(run.grant()) != allowed_grant =>
            {
                Next::Act(Action::Stop)
            }
            (Some(_), _) if self.checked_generation < config_generation => {
                Next::Act(Action::Recheck)
            }
            (Some(_), _) => Next::Idle { wake_at: None },
            (None, Permission::Denied(_)) => {
                self.consecutive_failures = 0;
                self.run_failures_in_a_row = 0;
                self.retry = None;
                self.restarting = false;
                self.declined = None;
                Next::Idle { wake_at: None }
            }
            (
                None,
                Permission::Allowed {
                    epoch,
                    grant,
                    since,
                },
            ) => {
                if self.declined == Some((*epoch, config_generation)) {
                    return Next::Idle { wake_at: None };
                }
                let ready_at = *since + self.options.delay_after_ready;
                if now < ready_at {
                    return Next::Idle {
                        wake_at: Some(ready_at),
                    };
                }
                match self.retry {
                    Some((retry_epoch, at)) if retry_epoch == *epoch && now < at => {
                        Next::Idle { wake_at: Some(at) }
                    }
                    _ => Next::Act(Action::Start {
                        epoch: *epoch,
                        grant: *grant,
                    }),
                }
            }
        }
    }

    /// The runner is about to call `stop`: the run's token turns false now, before `stop`
    /// is even called, and the status says STOPPING.
    pub fn begin_stop(&mut self) {
        if let Some(run) = &self.running {
            run.end();
        }
        self.stopping_since = Some(SystemTime::now());
    }

    pub fn record_started(&mut self, token: EpochToken, config_generation: u64, now: Instant) {
        self.running = Some(token);
        self.running_since = Some(now);
        self.since = SystemTime::now();
        self.start_count += 1;
        self.consecutive_failures = 0;
        self.retry = None;
        self.declined = None;
        self.checked_generation = config_generation;
    }

    pub fn record_start_failed(&mut self, epoch: Term, error: String, now: Instant) {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        self.failed_start_count += 1;
        let wait = self.options.backoff(self.consecutive_failures);
        self.retry = Some((epoch, now + wait));
        self.restarting = false;
        self.last_error = Some(error);
    }

    pub fn record_declined(&mut self, epoch: Term, config_generation: u64) {
        self.declined = Some((epoch, config_generation));
    }

    pub fn record_stopped(&mut self, error: Option<String>, now: Instant) {
        let failed = self
            .running
            .take()
            .and_then(|run| run.failure().map(|reason| (run.epoch(), reason.to_owned())));
        let ran_for = self
            .running_since
            .take()
            .map_or(Duration::ZERO, |since| now.saturating_duration_since(since));
        self.must_stop = false;
        self.stopping_since = None;
        self.since = SystemTime::now();
        self.stop_count += 1;
        match (failed, error) {
            (Some((epoch, reason)), Some(error)) => {
                self.record_run_failed(epoch, format!("{reason}; then {error}"), ran_for, now)
            }
            (Some((epoch, reason)), None) => self.record_run_failed(epoch, reason, ran_for, now),
            (None, Some(error)) => self.last_error = Some(error),
            (None, None) => {}
        }
    }

    /// A run that failed while running is restarted after a backoff that grows while runs
    /// keep failing within `retry_max` of their start.
    fn record_run_failed(&mut self, epoch: Term, reason: String, ran_for: Duration, now: Instant) {
        self.run_failures_in_a_row = if ran_for >= self.options.retry_max {
            1
        } else {
            self.run_failures_in_a_row.saturating_add(1)
        };
        self.failed_run_count += 1;
        self.retry = Some((
            epoch,
            now + self.options.backoff(self.run_failures_in_a_row),
        ));
        self.restarting = true;
        self.last_error = Some(reason);
    }

    /// `revoked_at`: when the permission in force last ended, if it has.
    pub fn view(
        &self,
        permission: &Permission,
        config_generation: u64,
        revoked_at: Option<SystemTime>,
        now: Instant,
    ) -> ServiceStatusView {
        let waiting_for = match (&self.running, permission) {
            (Some(_), _) => None,
            (None, Permission::Denied(blocker)) => Some(ServiceWait::Leadership(blocker.clone())),
            (None, Permission::Allowed { epoch, since, .. }) => {
                let ready_at = *since + self.options.delay_after_ready;
                Some(if self.declined == Some((*epoch, config_generation)) {
                    ServiceWait::ShouldRunFalse
                } else if now < ready_at {
                    ServiceWait::DelayAfterReady {
                        remaining: ready_at - now,
                    }
                } else if let Some((_, at)) = self.retry.filter(|(e, at)| e == epoch && now < *at) {
                    if self.restarting {
                        ServiceWait::RestartBackoff {
                            remaining: at - now,
                            failures: self.run_failures_in_a_row,
                        }
                    } else {
                        ServiceWait::RetryBackoff {
                            remaining: at - now,
                            failures: self.consecutive_failures,
                        }
                    }
                } else {
                    ServiceWait::Pending
                })
            }
        };
        let permission_ended = |run: &EpochToken| match permission {
            Permission::Allowed { grant, .. } => *grant != run.grant(),
            Permission::Denied(_) => true,
        };
        // A run whose permission ended is STOPPING from that moment, even before the runner
        // reaches it.
        let (status, since) = match &self.running {
            None => (ServiceStatus::Pausing, self.since),
            Some(_) if self.stopping_since.is_some() => (
                ServiceStatus::Stopping,
                self.stopping_since.unwrap_or(self.since),
            ),
            Some(run) if permission_ended(run) => (
                ServiceStatus::Stopping,
                revoked_at.unwrap_or_else(SystemTime::now),
            ),
            Some(_) => (ServiceStatus::Running, self.since),
        };
        ServiceStatusView {
            name: self.name.to_string(),
            status,
            epoch: self.running.as_ref().map(EpochToken::epoch),
            since,
            start_count: self.start_count,
            stop_count: self.stop_count,
            consecutive_failures: self.consecutive_failures,
            failed_start_count: self.failed_start_count,
            failed_run_count: self.failed_run_count,
            last_error: self.last_error.clone(),
            waiting_for,
        }
    }
}
