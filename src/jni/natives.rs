//! The native methods of `org.libomsvc.internal.NativeOmsvc`, each a thin adapter over
//! [`crate::Node`]: check arguments, look the handle up, forward, convert the result.

use super::errors::{JniError, JniResult, ThrowTyped};
use super::service::JavaService;
use crate::core::config::ApplyOutcome;
use crate::core::leadership::EventOutcome;
use crate::core::node::{DbLocation, Node, NodeOptions};
use crate::core::services::ServiceOptions;
use crate::handles::HandleTable;
use jni::objects::{JByteArray, JClass, JLongArray, JObject, JObjectArray, JString};
use jni::sys::{jboolean, jint, jlong};
use jni::{Env, EnvUnowned};
use std::sync::Arc;
use std::time::Duration;

static NODES: HandleTable<Node> = HandleTable::new();

fn node(handle: jlong) -> JniResult<Arc<Node>> {
    Ok(NODES.get(handle as usize)?)
}

/// Forwards an event (which never blocks) to the node behind `handle`.
fn forward(handle: jlong, event: impl FnOnce(&Node) -> EventOutcome) -> JniResult<jint> {
    outcome(NODES.with(handle as usize, event)?)
}

fn text(env: &Env, value: &JString, what: &'static str) -> JniResult<String> {
    if value.is_null() {
        return Err(JniError::Null(what));
    }
    Ok(value.try_to_string(env)?)
}

fn optional_text(env: &Env, value: &JString, what: &'static str) -> JniResult<Option<String>> {
    if value.is_null() {
        Ok(None)
    } else {
        text(env, value, what).map(Some)
    }
}

/// Runs an event whose arguments are all primitives without any JNI call on the way: the
/// common, successful case costs no more than the event itself. Only a failure or a panic
/// enters `with_env`, to throw its exception.
fn primitive_event(env: &mut EnvUnowned<'_>, event: impl FnOnce() -> JniResult<jint>) -> jint {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(event)) {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(error)) => env
            .with_env(|_env| -> JniResult<jint> { Err(error) })
            .resolve::<ThrowTyped>(),
        Err(panic) => env
            .with_env(|_env| -> JniResult<jint> { std::panic::resume_unwind(panic) })
            .resolve::<ThrowTyped>(),
    }
}

/// The Java `EVENT_*` code of an outcome; shutdown and a term without leadership are thrown.
fn outcome(outcome: EventOutcome) -> JniResult<jint> {
    Ok(match outcome {
        EventOutcome::Changed => 0,
        EventOutcome::Unchanged => 1,
        EventOutcome::Stale => 2,
        EventOutcome::Contradicted => 3,
        EventOutcome::AfterShutdown => return Err(JniError::Core(crate::Error::ShutDown)),
        EventOutcome::InvalidTerm => {
            return Err(JniError::InvalidArgument(
                "term 0 carries no leadership (Raft terms start at 1)".to_owned(),
            ))
        }
    })
}

fn term(value: jlong, what: &'static str) -> JniResult<u64> {
    u64::try_from(value)
        .map_err(|_| JniError::InvalidArgument(format!("{what} must not be negative, got {value}")))
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_version<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> JString<'local> {
    env.with_env(|env| -> JniResult<JString<'local>> {
        Ok(env.new_string(env!("CARGO_PKG_VERSION"))?)
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_errorTable<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> JObjectArray<'local, JString<'local>> {
    env.with_env(|env| -> JniResult<JObjectArray<'local, JString<'local>>> {
        let rows = super::errors::error_table_rows();
        let array = JObjectArray::<JString>::new(env, rows.len(), JString::null())?;
        for (i, row) in rows.iter().enumerate() {
            let row = env.new_string(row)?;
            array.set_element(env, i, &row)?;
        }
        Ok(array)
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_noop<'local>(
    _env: EnvUnowned<'local>,
    _class: JClass<'local>,
) {
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_nodeOpen<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    self_id: JString<'local>,
    db_dir: JString<'local>,
    sync_writes: jboolean,
) -> jlong {
    env.with_env(|env| -> JniResult<jlong> {
        let self_id = text(env, &self_id, "selfId")?;
        let db = match optional_text(env, &db_dir, "dbDir")? {
            Some(dir) => DbLocation::Dir(dir.into()),
            None => DbLocation::Ephemeral,
        };
        let mut options = NodeOptions::new(self_id, db);
        options.table.sync_writes = sync_writes;
        let node = Node::open(options)?;
        Ok(NODES.insert(node) as jlong)
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_nodeFree<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    env.with_env(|_env| -> JniResult<()> {
        // Shut down while the handle still resolves: a service's stop may read the node
        // (its status, its configuration) until the runner has stopped everything.
        node(handle)?.shutdown();
        NODES.remove(handle as usize)?;
        Ok(())
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_leaderChanged<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
    leader: JString<'local>,
) -> jint {
    env.with_env(|env| -> JniResult<jint> {
        let leader = optional_text(env, &leader, "leaderId")?;
        let term = term(term_value, "term")?;
        forward(handle, |node| node.leader_changed(term, leader.as_deref()))
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_notLeader<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
) -> jint {
    primitive_event(&mut env, || {
        let term = term(term_value, "term")?;
        forward(handle, |node| node.not_leader(term))
    })
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_leaderReady<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
    barrier: jlong,
) -> jint {
    primitive_event(&mut env, || {
        let (term, barrier) = (term(term_value, "term")?, term(barrier, "barrierIndex")?);
        forward(handle, |node| node.leader_ready(term, barrier))
    })
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_termIndexUpdated<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
    index: jlong,
) -> jint {
    primitive_event(&mut env, || {
        let (term, index) = (term(term_value, "term")?, term(index, "index")?);
        forward(handle, |node| node.term_index_updated(term, index))
    })
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_configurationChanged<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
    index: jlong,
    peers: JObjectArray<'local, JString<'local>>,
) -> jint {
    env.with_env(|env| -> JniResult<jint> {
        if peers.is_null() {
            return Err(JniError::Null("peers"));
        }
        let mut ids = Vec::new();
        for i in 0..peers.len(env)? {
            let peer = peers.get_element(env, i)?;
            ids.push(text(env, &peer, "a peer id")?);
        }
        let (term, index) = (term(term_value, "term")?, term(index, "index")?);
        forward(handle, |node| node.configuration_changed(term, index, &ids))
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_applied<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
    index: jlong,
) -> jint {
    primitive_event(&mut env, || {
        let (term, index) = (term(term_value, "term")?, term(index, "index")?);
        forward(handle, |node| node.applied(term, index))
    })
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_leaseRenewed<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
    valid_for_millis: jlong,
) -> jint {
    primitive_event(&mut env, || {
        let term = term(term_value, "term")?;
        let valid_for = match u64::try_from(valid_for_millis) {
            Ok(millis) if millis <= LONGEST_LEASE_MILLIS => Duration::from_millis(millis),
            _ => {
                return Err(JniError::InvalidArgument(format!(
                    "validForMillis must be 0 to {LONGEST_LEASE_MILLIS} (one hour), got \
                     {valid_for_millis}: a lease ends before another peer can be elected"
                )))
            }
        };
        let until = std::time::Instant::now() + valid_for;
        forward(handle, |node| node.lease_renewed(term, until))
    })
}

/// A lease outlives an election timeout by nothing: an hour is already absurd.
const LONGEST_LEASE_MILLIS: u64 = 3_600_000;

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_shutdown<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    env.with_env(|_env| -> JniResult<()> {
        node(handle)?.shutdown();
        Ok(())
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_requestShutdown<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    env.with_env(|_env| -> JniResult<()> {
        node(handle)?.request_shutdown();
        Ok(())
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_waitSettled<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    timeout_millis: jlong,
) -> jboolean {
    env.with_env(|_env| -> JniResult<jboolean> {
        let timeout = Duration::from_millis(timeout_millis.max(0) as u64);
        Ok(node(handle)?.wait_settled(timeout))
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_isEpochCurrent<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    epoch: jlong,
) -> jboolean {
    env.with_env(|_env| -> JniResult<jboolean> {
        Ok(node(handle)?.is_epoch_current(term(epoch, "epoch")?))
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_registerService<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    name: JString<'local>,
    service: JObject<'local>,
    delay_after_ready_millis: jlong,
) {
    env.with_env(|env| -> JniResult<()> {
        let name = text(env, &name, "name")?;
        if service.is_null() {
            return Err(JniError::Null("service"));
        }
        let node = node(handle)?;
        let methods = super::upcalls::service_methods(env)?;
        let service = JavaService::new(env.get_java_vm()?, env.new_global_ref(&service)?, methods);
        let options = ServiceOptions {
            delay_after_ready: Duration::from_millis(delay_after_ready_millis.max(0) as u64),
            ..ServiceOptions::default()
        };
        node.register(&name, service, options)?;
        Ok(())
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_statusJson<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JString<'local> {
    env.with_env(|env| -> JniResult<JString<'local>> {
        let status = node(handle)?.status().to_json();
        Ok(env.new_string(status.to_string())?)
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_applyEntry<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
    index: jlong,
    request: JByteArray<'local>,
) -> jint {
    env.with_env(|env| -> JniResult<jint> {
        if request.is_null() {
            return Err(JniError::Null("request"));
        }
        let request = env.convert_byte_array(&request)?;
        let node = node(handle)?;
        Ok(
            match node.apply_entry(term(term_value, "term")?, term(index, "index")?, &request)? {
                ApplyOutcome::Applied { .. } => 0,
                ApplyOutcome::AlreadyApplied { .. } => 1,
            },
        )
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_readConfiguration<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    name: JString<'local>,
) -> JByteArray<'local> {
    env.with_env(|env| -> JniResult<JByteArray<'local>> {
        let name = text(env, &name, "name")?;
        match node(handle)?.read_configuration(&name)? {
            Some(value) => Ok(env.byte_array_from_slice(&value)?),
            None => Ok(JByteArray::default()),
        }
    })
    .resolve::<ThrowTyped>()
}

/// A user's start (1) or stop (0) of `name`, or -1 when none was recorded.
#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_readRunControl<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    name: JString<'local>,
) -> jint {
    env.with_env(|env| -> JniResult<jint> {
        let name = text(env, &name, "name")?;
        Ok(match node(handle)?.read_run_control(&name)? {
            Some(true) => 1,
            Some(false) => 0,
            None => -1,
        })
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_listConfigurations<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JObjectArray<'local, JString<'local>> {
    env.with_env(|env| -> JniResult<JObjectArray<'local, JString<'local>>> {
        let names = node(handle)?.list_configurations()?;
        let array = JObjectArray::<JString>::new(env, names.len(), JString::null())?;
        for (i, name) in names.iter().enumerate() {
            let name = env.new_string(name)?;
            array.set_element(env, i, &name)?;
        }
        Ok(array)
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_lastAppliedEntry<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JLongArray<'local> {
    env.with_env(|env| -> JniResult<JLongArray<'local>> {
        let last = node(handle)?.last_applied_entry();
        let array = env.new_long_array(2)?;
        array.set_region(env, 0, &[last.term as i64, last.index as i64])?;
        Ok(array)
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_checkpoint<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    dir: JString<'local>,
) {
    env.with_env(|env| -> JniResult<()> {
        let dir = text(env, &dir, "dir")?;
        node(handle)?.checkpoint(dir)?;
        Ok(())
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_reinitialize<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    dir: JString<'local>,
) {
    env.with_env(|env| -> JniResult<()> {
        let dir = text(env, &dir, "dir")?;
        node(handle)?.reinitialize(dir)?;
        Ok(())
    })
    .resolve::<ThrowTyped>()
}

#[no_mangle]
pub extern "system" fn Java_org_libomsvc_internal_NativeOmsvc_installLogSink<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    sink: JObject<'local>,
    max_level: jint,
) {
    env.with_env(|env| -> JniResult<()> {
        if sink.is_null() {
            return Err(JniError::Null("sink"));
        }
        super::logging::install(
            env.get_java_vm()?,
            env.new_global_ref(&sink)?,
            super::upcalls::log_sink_methods(env)?,
            max_level.clamp(1, 5) as u8,
        );
        Ok(())
    })
    .resolve::<ThrowTyped>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leadership_event_for_term_0_is_an_illegal_argument_naming_the_rule() {
        let error = outcome(EventOutcome::InvalidTerm).unwrap_err();
        assert!(matches!(error, JniError::InvalidArgument(_)), "{error:?}");
        assert_eq!(
            error.to_string(),
            "term 0 carries no leadership (Raft terms start at 1)"
        );
        assert!(matches!(
            outcome(EventOutcome::AfterShutdown),
            Err(JniError::Core(crate::Error::ShutDown))
        ));
    }
}
