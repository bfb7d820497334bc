//! The runner thread: one per node. It alone calls into services, one call at a time, so a
//! service's start and stop never overlap. Each pass re-reads the latest wanted state, so a
//! burst of leader flaps collapses into whatever is wanted last.

use super::manager::{ManagerState, Shared};
use super::service::EpochToken;
use super::slot::{Action, Next};
use crate::core::services::ServiceError;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

pub(super) fn run(shared: Arc<Shared>) {
    let mut state = shared.lock();
    loop {
        let now = Instant::now();
        match plan(&mut state, now) {
            Planned::Act { slot, action } => {
                let config_generation = state.config_generation;
                let service = state.slots[slot].service.clone();
                let name = state.slots[slot].name.clone();
                drop(state);
                let result = perform(&shared, &*service, &name, action);
                state = shared.lock();
                record(&mut state, slot, action, result, config_generation);
            }
            Planned::Idle { wake_at } => {
                state.processed = state.generation;
                if state.shutdown_requested {
                    state.runner_exited = true;
                    shared.settled.notify_all();
                    tracing::info!("service runner stopped");
                    return;
                }
                shared.settled.notify_all();
                state = wait_for_work(&shared, state, wake_at);
            }
        }
    }
}

enum Planned {
    Act { slot: usize, action: Action },
    Idle { wake_at: Option<Instant> },
}

/// The first service, in registration order (reverse order while shutting down), that needs
/// an action now; otherwise the earliest instant a timer needs the runner again.
fn plan(state: &mut ManagerState, now: Instant) -> Planned {
    let permission = state.leadership.permission();
    let config_generation = state.config_generation;
    let order: Vec<usize> = if state.shutdown_requested {
        (0..state.slots.len()).rev().collect()
    } else {
        (0..state.slots.len()).collect()
    };
    let mut wake_at: Option<Instant> = None;
    for slot in order {
        match state.slots[slot].next(&permission, config_generation, now) {
            Next::Act(action) => return Planned::Act { slot, action },
            Next::Idle { wake_at: Some(at) } => wake_at = Some(wake_at.map_or(at, |w| w.min(at))),
            Next::Idle { wake_at: None } => {}
        }
    }
    Planned::Idle { wake_at }
}

fn wait_for_work<'a>(
    shared: &'a Shared,
    state: std::sync::MutexGuard<'a, ManagerState>,
    wake_at: Option<Instant>,
) -> std::sync::MutexGuard<'a, ManagerState> {
    let generation = state.generation;
    let unchanged = |state: &mut ManagerState| state.generation == generation;
    match wake_at {
        None => shared
            .work
            .wait_while(state, unchanged)
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
        Some(at) => {
            let timeout = at.saturating_duration_since(Instant::now());
            match shared.work.wait_timeout_while(state, timeout, unchanged) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            }
        }
    }
}

enum Outcome {
    Started,
    Declined,
    StartFailed(String),
    Stopped(Option<String>),
    StillWanted,
    CheckFailed(String),
}

fn perform(shared: &Shared, service: &dyn super::Service, name: &str, action: Action) -> Outcome {
    match action {
        Action::Start { epoch } => {
            match call(name, "should_run", || service.should_run()) {
                Ok(true) => {}
                Ok(false) => {
                    tracing::info!(service = name, epoch, "not starting: should_run is false");
                    return Outcome::Declined;
                }
                Err(error) => return Outcome::StartFailed(error),
            }
            let token = EpochToken::new(epoch, shared.allowed_epoch.clone());
            let began = Instant::now();
            match call(name, "start", || service.start(token)) {
                Ok(()) => {
                    tracing::info!(
                        service = name,
                        epoch,
                        elapsed_ms = began.elapsed().as_millis() as u64,
                        "service started"
                    );
                    Outcome::Started
                }
                Err(error) => Outcome::StartFailed(error),
            }
        }
        Action::Stop => stop(service, name),
        Action::Recheck => match call(name, "should_run", || service.should_run()) {
            Ok(true) => Outcome::StillWanted,
            Ok(false) => {
                tracing::info!(service = name, "stopping: should_run turned false");
                stop(service, name)
            }
            Err(error) => Outcome::CheckFailed(error),
        },
    }
}

fn stop(service: &dyn super::Service, name: &str) -> Outcome {
    let began = Instant::now();
    let error = call(name, "stop", || service.stop()).err();
    tracing::info!(
        service = name,
        elapsed_ms = began.elapsed().as_millis() as u64,
        failed = error.is_some(),
        "service stopped"
    );
    Outcome::Stopped(error)
}

/// Calls into service code, turning an error or a panic into a message for the status view.
fn call<T>(
    name: &str,
    what: &str,
    f: impl FnOnce() -> Result<T, ServiceError>,
) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => {
            let message = format!("{what} failed: {error}");
            tracing::warn!(service = name, error = %message, "service call failed");
            Err(message)
        }
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".to_owned());
            let message = format!("{what} panicked: {detail}");
            tracing::error!(service = name, error = %message, "service call panicked");
            Err(message)
        }
    }
}

fn record(
    state: &mut ManagerState,
    slot: usize,
    action: Action,
    outcome: Outcome,
    config_generation: u64,
) {
    let now = Instant::now();
    let slot = &mut state.slots[slot];
    match (action, outcome) {
        (Action::Start { epoch }, Outcome::Started) => {
            slot.record_started(epoch, config_generation)
        }
        (Action::Start { epoch }, Outcome::Declined) => {
            slot.record_declined(epoch, config_generation)
        }
        (Action::Start { epoch }, Outcome::StartFailed(error)) => {
            slot.record_start_failed(epoch, error, now)
        }
        (_, Outcome::Stopped(error)) => {
            if let (Action::Recheck, Some(epoch)) = (action, slot.running_epoch) {
                slot.record_declined(epoch, config_generation);
            }
            slot.record_stopped(error);
        }
        (Action::Recheck, Outcome::StillWanted) => slot.checked_generation = config_generation,
        (Action::Recheck, Outcome::CheckFailed(error)) => {
            // Keep running: a failing check is not a "no". It is asked again on the next change.
            slot.checked_generation = config_generation;
            slot.last_error = Some(error);
        }
        (action, _) => tracing::error!(
            ?action,
            "runner recorded an outcome that does not match its action"
        ),
    }
}
