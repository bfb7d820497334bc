//! One registered service as the runner tracks it, and the decision of what it needs next.

use super::service::{Service, ServiceOptions};
use super::status::{ServiceStatus, ServiceStatusView, ServiceWait};
use crate::core::leadership::{Permission, Term};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// What the runner must do for one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// Ask `should_run`, then start in `epoch` if it agrees.
    Start {
        epoch: Term,
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
    pub running_epoch: Option<Term>,
    pub since: SystemTime,
    pub start_count: u64,
    pub stop_count: u64,
    pub consecutive_failures: u32,
    /// A failed start in this epoch is retried at this instant.
    pub retry: Option<(Term, Instant)>,
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
            running_epoch: None,
            since: SystemTime::now(),
            start_count: 0,
            stop_count: 0,
            consecutive_failures: 0,
            retry: None,
            last_error: None,
            declined: None,
            checked_generation: 0,
        }
    }

    pub fn next(&mut self, permission: &Permission, config_generation: u64, now: Instant) -> Next {
        let allowed_epoch = match permission {
            Permission::Allowed { epoch, .. } => Some(*epoch),
            Permission::Denied(_) => None,
        };
        match (self.running_epoch, permission) {
            (Some(running), _) if Some(running) != allowed_epoch => Next::Act(Action::Stop),
            (Some(_), _) if self.checked_generation < config_generation => {
                Next::Act(Action::Recheck)
            }
            (Some(_), _) => Next::Idle { wake_at: None },
            (None, Permission::Denied(_)) => {
                self.consecutive_failures = 0;
                self.retry = None;
                self.declined = None;
                Next::Idle { wake_at: None }
            }
            (None, Permission::Allowed { epoch, since }) => {
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
                    _ => Next::Act(Action::Start { epoch: *epoch }),
                }
            }
        }
    }

    pub fn record_started(&mut self, epoch: Term, config_generation: u64) {
        self.running_epoch = Some(epoch);
        self.since = SystemTime::now();
        self.start_count += 1;
        self.consecutive_failures = 0;
        self.retry = None;
        self.declined = None;
        self.checked_generation = config_generation;
    }

    pub fn record_start_failed(&mut self, epoch: Term, error: String, now: Instant) {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        let wait = self.options.backoff(self.consecutive_failures);
        self.retry = Some((epoch, now + wait));
        self.last_error = Some(error);
    }

    pub fn record_declined(&mut self, epoch: Term, config_generation: u64) {
        self.declined = Some((epoch, config_generation));
    }

    pub fn record_stopped(&mut self, error: Option<String>) {
        self.running_epoch = None;
        self.since = SystemTime::now();
        self.stop_count += 1;
        if error.is_some() {
            self.last_error = error;
        }
    }

    pub fn view(
        &self,
        permission: &Permission,
        config_generation: u64,
        now: Instant,
    ) -> ServiceStatusView {
        let waiting_for = match (self.running_epoch, permission) {
            (Some(_), _) => None,
            (None, Permission::Denied(blocker)) => Some(ServiceWait::Leadership(blocker.clone())),
            (None, Permission::Allowed { epoch, since }) => {
                let ready_at = *since + self.options.delay_after_ready;
                Some(if self.declined == Some((*epoch, config_generation)) {
                    ServiceWait::ShouldRunFalse
                } else if now < ready_at {
                    ServiceWait::DelayAfterReady {
                        remaining: ready_at - now,
                    }
                } else if let Some((_, at)) = self.retry.filter(|(e, at)| e == epoch && now < *at) {
                    ServiceWait::RetryBackoff {
                        remaining: at - now,
                        failures: self.consecutive_failures,
                    }
                } else {
                    ServiceWait::Pending
                })
            }
        };
        ServiceStatusView {
            name: self.name.to_string(),
            status: if self.running_epoch.is_some() {
                ServiceStatus::Running
            } else {
                ServiceStatus::Pausing
            },
            epoch: self.running_epoch,
            since: self.since,
            start_count: self.start_count,
            stop_count: self.stop_count,
            consecutive_failures: self.consecutive_failures,
            last_error: self.last_error.clone(),
            waiting_for,
        }
    }
}
