//! The runner thread: one per node. It alone decides when services are called, one call per
//! service at a time, so a service's start and stop never overlap. Each pass re-reads the
//! latest wanted state, so a burst of leader flaps collapses into whatever is wanted last.
//! Services whose permission ended stop at the same time, each on a thread of its own.

use super::service::EpochToken;
use super::shared::{ManagerState, Shared};
use super::slot::{Action, Next};
use crate::services::ServiceError;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

thread_local! {
    /// The manager whose service this thread is calling into, if any (see [`in_callback_of`]).
    static SERVING: Cell<usize> = const { Cell::new(0) };
}

fn manager_id(shared: &Arc<Shared>) -> usize {
    Arc::as_ptr(shared) as usize
}

/// Whether the calling thread is inside a callback of `shared`'s services: waiting there for
/// the runner would wait on itself.
pub(super) fn in_callback_of(shared: &Arc<Shared>) -> bool {
    SERVING.with(|serving| serving.get() == manager_id(shared))
}

pub(super) fn run(shared: Arc<Shared>) {
    SERVING.with(|serving| serving.set(manager_id(&shared)));
    let mut state = shared.lock();
    let node: Arc<str> = Arc::from(state.leadership.self_id());
    loop {
        let now = Instant::now();
        shared.observe_time(&mut state, now);
        match plan(&mut state, now) {
            Planned::Act { slot, action } => {
                let config_generation = state.config_generation;
                let epoch = state.slots[slot].running.as_ref().map(EpochToken::epoch);
                let token = match action {
                    Action::Start { epoch, grant } => Some(EpochToken::new(
                        epoch,
                        grant,
                        shared.fence.clone(),
                        Arc::downgrade(&shared),
                    )),
                    Action::Stop => {
                        state.slots[slot].begin_stop();
                        None
                    }
                    Action::Recheck => None,
                };
                let service = state.slots[slot].service.clone();
                let target = Target {
                    node: &node,
                    name: &state.slots[slot].name.clone(),
                    epoch,
                };
                drop(state);
                let result = perform(&*service, &target, action, token.as_ref());
                if let (Action::Start { epoch, .. }, Outcome::Started) = (action, &result) {
                    if let Some(observer) = shared.observer.get() {
                        observer.started(target.name, epoch);
                    }
                }
                state = shared.lock();
                record(
                    &node,
                    &mut state,
                    slot,
                    action,
                    result,
                    token,
                    config_generation,
                );
            }
            Planned::Stops(slots) => {
                let config_generation = state.config_generation;
                let calls: Vec<_> = slots
                    .iter()
                    .map(|&slot| {
                        state.slots[slot].begin_stop();
                        let slot = &state.slots[slot];
                        (
                            slot.service.clone(),
                            slot.name.clone(),
                            slot.running.as_ref().map(EpochToken::epoch),
                        )
                    })
                    .collect();
                drop(state);
                let results = stop_concurrently(manager_id(&shared), &node, &calls);
                state = shared.lock();
                for (slot, result) in slots.into_iter().zip(results) {
                    record(
                        &node,
                        &mut state,
                        slot,
                        Action::Stop,
                        result,
                        None,
                        config_generation,
                    );
                }
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
    Act {
        slot: usize,
        action: Action,
    },
    /// Services whose permission ended: stopped at the same time, so one slow `stop` does not
    /// keep the others running on a node that no longer leads.
    Stops(Vec<usize>),
    Idle {
        wake_at: Option<Instant>,
    },
}

/// Every service that must stop now, if any; else the first service, in registration order,
/// that needs an action now; else the earliest instant a timer (a delay, a retry, the end of
/// the lease) needs the runner again. While shutting down, services stop one at a time in
/// reverse registration order.
fn plan(state: &mut ManagerState, now: Instant) -> Planned {
    let permission = state.leadership.permission();
    let config_generation = state.config_generation;
    if state.shutdown_requested {
        for slot in (0..state.slots.len()).rev() {
            if let Next::Act(action) = state.slots[slot].next(&permission, config_generation, now) {
                return Planned::Act { slot, action };
            }
        }
        return Planned::Idle { wake_at: None };
    }
    let mut first_action = None;
    let mut stops = Vec::new();
    let mut wake_at = state.leadership.grant().and(state.leadership.lease_until());
    for slot in 0..state.slots.len() {
        match state.slots[slot].next(&permission, config_generation, now) {
            Next::Act(Action::Stop) => stops.push(slot),
            Next::Act(action) => {
                first_action.get_or_insert(Planned::Act { slot, action });
            }
            Next::Idle { wake_at: Some(at) } => wake_at = Some(wake_at.map_or(at, |w| w.min(at))),
            Next::Idle { wake_at: None } => {}
        }
    }
    match (stops.len(), first_action) {
        (0, Some(action)) => action,
        (0, None) => Planned::Idle { wake_at },
        (1, _) => Planned::Act {
            slot: stops[0],
            action: Action::Stop,
        },
        _ => Planned::Stops(stops),
    }
}

/// The service a call is for, as the logs name it.
struct Target<'a> {
    node: &'a str,
    name: &'a str,
    /// The epoch of the run in progress, if any.
    epoch: Option<crate::leadership::Term>,
}

type StopCall = (
    Arc<dyn super::Service>,
    Arc<str>,
    Option<crate::leadership::Term>,
);

/// Runs each `stop` on its own thread (the first on this one) and waits for all of them.
fn stop_concurrently(manager: usize, node: &str, calls: &[StopCall]) -> Vec<Outcome> {
    fn target<'a>(node: &'a str, (_, name, epoch): &'a StopCall) -> Target<'a> {
        Target {
            node,
            name,
            epoch: *epoch,
        }
    }
    std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(calls.len());
        for call in calls.iter().skip(1) {
            let name = &call.1;
            let spawned = std::thread::Builder::new()
                .name(format!("omsvc-stop-{name}"))
                .spawn_scoped(scope, move || {
                    SERVING.with(|serving| serving.set(manager));
                    stop(&*call.0, &target(node, call))
                });
            handles.push(spawned.map_err(|error| {
                tracing::warn!(node, service = %name, %error, "no thread for a concurrent stop: stopping in turn");
            }));
        }
        let mut outcomes = vec![stop(&*calls[0].0, &target(node, &calls[0]))];
        for (handle, call) in handles.into_iter().zip(calls.iter().skip(1)) {
            outcomes.push(match handle {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|_| Outcome::Stopped(Some("stop panicked".to_owned()))),
                Err(()) => stop(&*call.0, &target(node, call)),
            });
        }
        outcomes
    })
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
    /// The permission ended while `should_run` was asked: the start was skipped.
    Superseded,
    StartFailed(String),
    Stopped(Option<String>),
    StillWanted,
    /// `should_run` turned false while running: the service must stop.
    NoLongerWanted,
    CheckFailed(String),
}

fn perform(
    service: &dyn super::Service,
    target: &Target<'_>,
    action: Action,
    token: Option<&EpochToken>,
) -> Outcome {
    let (node, name) = (target.node, target.name);
    match (action, token) {
        (Action::Start { epoch, .. }, Some(token)) => {
            match call(target, "should_run", || service.should_run()) {
                Ok(true) => {}
                Ok(false) => {
                    tracing::info!(
                        node,
                        service = name,
                        epoch = epoch.0,
                        "not starting: should_run is false"
                    );
                    return Outcome::Declined;
                }
                Err(error) => return Outcome::StartFailed(error),
            }
            if !token.is_current() {
                tracing::info!(
                    node,
                    service = name,
                    epoch = epoch.0,
                    "not starting: the epoch ended meanwhile"
                );
                return Outcome::Superseded;
            }
            let began = Instant::now();
            match call(target, "start", || service.start(token.clone())) {
                Ok(()) => {
                    tracing::info!(
                        node,
                        service = name,
                        epoch = epoch.0,
                        elapsed_ms = began.elapsed().as_millis() as u64,
                        "service started"
                    );
                    Outcome::Started
                }
                Err(error) => Outcome::StartFailed(error),
            }
        }
        (Action::Start { .. }, None) => Outcome::Superseded,
        (Action::Stop, _) => stop(service, target),
        (Action::Recheck, _) => match call(target, "should_run", || service.should_run()) {
            Ok(true) => Outcome::StillWanted,
            Ok(false) => {
                tracing::info!(
                    node,
                    service = name,
                    epoch = target.epoch.map(|epoch| epoch.0),
                    "stopping: should_run turned false"
                );
                Outcome::NoLongerWanted
            }
            Err(error) => Outcome::CheckFailed(error),
        },
    }
}

fn stop(service: &dyn super::Service, target: &Target<'_>) -> Outcome {
    let began = Instant::now();
    let error = call(target, "stop", || service.stop()).err();
    tracing::info!(
        node = target.node,
        service = target.name,
        epoch = target.epoch.map(|epoch| epoch.0),
        elapsed_ms = began.elapsed().as_millis() as u64,
        failed = error.is_some(),
        "service stopped"
    );
    Outcome::Stopped(error)
}

/// Calls into service code, turning an error or a panic into a message for the status view.
fn call<T>(
    target: &Target<'_>,
    what: &str,
    f: impl FnOnce() -> Result<T, ServiceError>,
) -> Result<T, String> {
    let (node, name, epoch) = (target.node, target.name, target.epoch);
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => {
            let message = format!("{what} failed: {error}");
            tracing::warn!(node, service = name, epoch = epoch.map(|epoch| epoch.0), error = %message, "service call failed");
            Err(message)
        }
        Err(panic) => {
            let detail = crate::panic_text::panic_text(panic.as_ref());
            let message = format!("{what} panicked: {detail}");
            tracing::error!(node, service = name, epoch = epoch.map(|epoch| epoch.0), error = %message, "service call panicked");
            Err(message)
        }
    }
}

fn record(
    node: &str,
    state: &mut ManagerState,
    slot: usize,
    action: Action,
    outcome: Outcome,
    token: Option<EpochToken>,
    config_generation: u64,
) {
    let now = Instant::now();
    let slot = &mut state.slots[slot];
    match (action, outcome) {
        (Action::Start { .. }, Outcome::Started) => match token {
            Some(token) => slot.record_started(token, config_generation, now),
            None => tracing::error!("a started service has no token"),
        },
        (Action::Start { epoch, .. }, Outcome::Declined) => {
            slot.record_declined(epoch, config_generation)
        }
        (Action::Start { .. }, Outcome::Superseded) => {}
        (Action::Start { epoch, .. }, Outcome::StartFailed(error)) => {
            slot.record_start_failed(epoch, error, now)
        }
        (Action::Stop, Outcome::Stopped(error)) => {
            let failed = slot
                .running
                .as_ref()
                .and_then(|run| Some((run.epoch(), run.failure()?.to_owned())));
            slot.record_stopped(error, now);
            if let (Some((epoch, reason)), Some((_, at))) = (failed, slot.retry) {
                tracing::warn!(
                    node,
                    service = &*slot.name,
                    epoch = epoch.0,
                    %reason,
                    failures_in_a_row = slot.run_failures_in_a_row,
                    restart_in_ms = at.saturating_duration_since(now).as_millis() as u64,
                    "service run failed: restarting after a backoff"
                );
            }
        }
        (Action::Recheck, Outcome::StillWanted) => slot.checked_generation = config_generation,
        (Action::Recheck, Outcome::NoLongerWanted) => {
            if let Some(epoch) = slot.running.as_ref().map(EpochToken::epoch) {
                slot.record_declined(epoch, config_generation);
            }
            slot.checked_generation = config_generation;
            slot.must_stop = true;
        }
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
