//! The native methods of `org.libomsvc.internal.NativeOmsvc`, each a thin adapter over
//! [`omsvc_core::Node`]: check arguments, look the handle up, forward, convert the result. They are
//! registered by `JNI_OnLoad` from [`METHODS`] rather than found by exported symbol names.

use super::errors::{JniError, JniResult, ThrowTyped};
use super::registered_natives::registered_natives;
use super::service::JavaService;
use jni::objects::{JByteArray, JClass, JLongArray, JObject, JObjectArray, JString};
use jni::sys::{jboolean, jint, jlong};
use jni::{native_method, Env, EnvUnowned, NativeMethod};
use omsvc_adapter_shared::handles::HandleTable;
use omsvc_core::leadership::EventOutcome;
use omsvc_core::node::{DbLocation, Node, NodeOptions};
use omsvc_core::services::ServiceOptions;
use omsvc_core::table::ApplyOutcome;
use omsvc_core::{LogIndex, Term};
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
    Ok(match outcome.into_result().map_err(JniError::Core)? {
        EventOutcome::Changed => 0,
        EventOutcome::Unchanged => 1,
        EventOutcome::Stale => 2,
        EventOutcome::Contradicted => 3,
        EventOutcome::InvalidTerm | EventOutcome::AfterShutdown => {
            unreachable!("into_result turns {outcome:?} into an error")
        }
    })
}

fn term(value: jlong, what: &'static str) -> JniResult<Term> {
    non_negative(value, what).map(Term)
}

fn log_index(value: jlong, what: &'static str) -> JniResult<LogIndex> {
    non_negative(value, what).map(LogIndex)
}

fn non_negative(value: jlong, what: &'static str) -> JniResult<u64> {
    u64::try_from(value)
        .map_err(|_| JniError::InvalidArgument(format!("{what} must not be negative, got {value}")))
}

/// Every native method of `NativeOmsvc`, registered by `JNI_OnLoad`: the macro checks each
/// Rust signature against the Java one at compile time.
pub(crate) const METHODS: &[NativeMethod] = &[
    native_method! {
        static fn version() -> JString,
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn error_table() -> JString[],
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn registered_natives() -> JString[],
        error_policy = ThrowTyped,
    },
    native_method! {
        static raw fn noop(),
    },
    native_method! {
        static fn node_open(self_id: JString, db_dir: JString, sync_writes: jboolean) -> jlong,
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn node_free(handle: jlong),
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn leader_changed(handle: jlong, term_value: jlong, leader: JString) -> jint,
        error_policy = ThrowTyped,
    },
    native_method! {
        static raw fn not_leader(handle: jlong, term_value: jlong) -> jint,
    },
    native_method! {
        static raw fn leader_ready(handle: jlong, term_value: jlong, barrier: jlong) -> jint,
    },
    native_method! {
        static raw fn term_index_updated(handle: jlong, term_value: jlong, index: jlong) -> jint,
    },
    native_method! {
        static fn configuration_changed(
            handle: jlong, term_value: jlong, index: jlong, peers: JString[]
        ) -> jint,
        error_policy = ThrowTyped,
    },
    native_method! {
        static raw fn applied(handle: jlong, term_value: jlong, index: jlong) -> jint,
    },
    native_method! {
        static raw fn lease_renewed(
            handle: jlong, term_value: jlong, valid_for_millis: jlong
        ) -> jint,
    },
    native_method! {
        static fn shutdown(handle: jlong),
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn request_shutdown(handle: jlong),
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn wait_settled(handle: jlong, timeout_millis: jlong) -> jboolean,
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn is_epoch_current(handle: jlong, epoch: jlong) -> jboolean,
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn register_service(
            handle: jlong,
            name: JString,
            service: org.libomsvc.internal.NativeService,
            delay_after_ready_millis: jlong,
            retry_initial_millis: jlong,
            retry_max_millis: jlong,
        ),
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn status_json(handle: jlong) -> JString,
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn status_proto(handle: jlong) -> jbyte[],
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn apply_entry(
            handle: jlong, term_value: jlong, index: jlong, request: jbyte[]
        ) -> jint,
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn read_configuration(handle: jlong, name: JString) -> jbyte[],
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn read_run_control(handle: jlong, name: JString) -> jint,
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn list_configurations(handle: jlong) -> JString[],
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn last_applied_entry(handle: jlong) -> jlong[],
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn checkpoint(handle: jlong, dir: JString),
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn reinitialize(handle: jlong, dir: JString),
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn install_log_sink(sink: org.libomsvc.internal.NativeLogSink, max_level: jint),
        error_policy = ThrowTyped,
    },
    native_method! {
        static fn await_logs_delivered(timeout_millis: jlong) -> jboolean,
        error_policy = ThrowTyped,
    },
];

fn version<'local>(env: &mut Env<'local>, _class: JClass<'local>) -> JniResult<JString<'local>> {
    Ok(env.new_string(env!("CARGO_PKG_VERSION"))?)
}

fn error_table<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
) -> JniResult<JObjectArray<'local, JString<'local>>> {
    let rows = super::errors::error_table_rows();
    let array = JObjectArray::<JString>::new(env, rows.len(), JString::null())?;
    for (i, row) in rows.iter().enumerate() {
        let row = env.new_string(row)?;
        array.set_element(env, i, &row)?;
    }
    Ok(array)
}

fn noop<'local>(_env: EnvUnowned<'local>, _class: JClass<'local>) {}

fn node_open<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    self_id: JString<'local>,
    db_dir: JString<'local>,
    sync_writes: jboolean,
) -> JniResult<jlong> {
    let self_id = text(env, &self_id, "selfId")?;
    let db = match optional_text(env, &db_dir, "dbDir")? {
        Some(dir) => DbLocation::Dir(dir.into()),
        None => DbLocation::Ephemeral,
    };
    let mut options = NodeOptions::new(self_id, db);
    options.table.sync_writes = sync_writes;
    let node = Node::open(options)?;
    Ok(NODES.insert(node) as jlong)
}

fn node_free<'local>(
    _env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JniResult<()> {
    // Shut down while the handle still resolves: a service's stop may read the node
    // (its status, its configuration) until the runner has stopped everything.
    node(handle)?.shutdown();
    NODES.remove(handle as usize)?;
    Ok(())
}

fn leader_changed<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
    leader: JString<'local>,
) -> JniResult<jint> {
    let leader = optional_text(env, &leader, "leaderId")?;
    let term = term(term_value, "term")?;
    forward(handle, |node| node.leader_changed(term, leader.as_deref()))
}

fn not_leader<'local>(
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

fn leader_ready<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
    barrier: jlong,
) -> jint {
    primitive_event(&mut env, || {
        let (term, barrier) = (
            term(term_value, "term")?,
            log_index(barrier, "barrierIndex")?,
        );
        forward(handle, |node| node.leader_ready(term, barrier))
    })
}

fn term_index_updated<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
    index: jlong,
) -> jint {
    primitive_event(&mut env, || {
        let (term, index) = (term(term_value, "term")?, log_index(index, "index")?);
        forward(handle, |node| node.term_index_updated(term, index))
    })
}

fn configuration_changed<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
    index: jlong,
    peers: JObjectArray<'local, JString<'local>>,
) -> JniResult<jint> {
    if peers.is_null() {
        return Err(JniError::Null("peers"));
    }
    let mut ids = Vec::new();
    for i in 0..peers.len(env)? {
        let peer = peers.get_element(env, i)?;
        ids.push(text(env, &peer, "a peer id")?);
    }
    let (term, index) = (term(term_value, "term")?, log_index(index, "index")?);
    forward(handle, |node| node.configuration_changed(term, index, &ids))
}

fn applied<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
    index: jlong,
) -> jint {
    primitive_event(&mut env, || {
        let (term, index) = (term(term_value, "term")?, log_index(index, "index")?);
        forward(handle, |node| node.applied(term, index))
    })
}

fn lease_renewed<'local>(
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

fn shutdown<'local>(
    _env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JniResult<()> {
    node(handle)?.shutdown();
    Ok(())
}

fn request_shutdown<'local>(
    _env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JniResult<()> {
    node(handle)?.request_shutdown();
    Ok(())
}

fn wait_settled<'local>(
    _env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
    timeout_millis: jlong,
) -> JniResult<jboolean> {
    let timeout = Duration::from_millis(timeout_millis.max(0) as u64);
    Ok(node(handle)?.wait_settled(timeout))
}

fn is_epoch_current<'local>(
    _env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
    epoch: jlong,
) -> JniResult<jboolean> {
    Ok(node(handle)?.is_epoch_current(term(epoch, "epoch")?))
}

// The Java method's parameters, one by one, as JNI passes them.
#[allow(clippy::too_many_arguments)]
fn register_service<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
    name: JString<'local>,
    service: JObject<'local>,
    delay_after_ready_millis: jlong,
    retry_initial_millis: jlong,
    retry_max_millis: jlong,
) -> JniResult<()> {
    let name = text(env, &name, "name")?;
    if service.is_null() {
        return Err(JniError::Null("service"));
    }
    let options = service_options(
        delay_after_ready_millis,
        retry_initial_millis,
        retry_max_millis,
    )?;
    let node = node(handle)?;
    let methods = super::upcalls::service_methods(env)?;
    let service = JavaService::new(env.get_java_vm()?, env.new_global_ref(&service)?, methods);
    node.register(&name, service, options)?;
    Ok(())
}

/// A service's options from Java's milliseconds: the delay at least 0, the first retry wait at
/// least 1 ms and the longest no shorter than the first (what `StartRetryPolicy` allows).
fn service_options(
    delay_after_ready_millis: jlong,
    retry_initial_millis: jlong,
    retry_max_millis: jlong,
) -> JniResult<ServiceOptions> {
    if retry_initial_millis < 1 || retry_max_millis < retry_initial_millis {
        return Err(JniError::InvalidArgument(format!(
            "the start retry waits must be 1 ms <= initial <= max, got initial \
             {retry_initial_millis} ms and max {retry_max_millis} ms"
        )));
    }
    Ok(ServiceOptions::default()
        .with_delay_after_ready(Duration::from_millis(delay_after_ready_millis.max(0) as u64))
        .with_retry(
            Duration::from_millis(retry_initial_millis as u64),
            Duration::from_millis(retry_max_millis as u64),
        ))
}

fn status_json<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JniResult<JString<'local>> {
    let status = node(handle)?.status().to_json();
    Ok(env.new_string(status.to_string())?)
}

/// The status as an encoded `omsvc.v1.NodeStatus`, which the Java views are read from.
fn status_proto<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JniResult<JByteArray<'local>> {
    let status = node(handle)?.status().encode_proto();
    Ok(env.byte_array_from_slice(&status)?)
}

fn apply_entry<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
    term_value: jlong,
    index: jlong,
    request: JByteArray<'local>,
) -> JniResult<jint> {
    if request.is_null() {
        return Err(JniError::Null("request"));
    }
    let request = env.convert_byte_array(&request)?;
    let node = node(handle)?;
    Ok(
        match node.apply_entry(
            term(term_value, "term")?,
            log_index(index, "index")?,
            &request,
        )? {
            ApplyOutcome::Applied { .. } => 0,
            ApplyOutcome::AlreadyApplied { .. } => 1,
        },
    )
}

fn read_configuration<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
    name: JString<'local>,
) -> JniResult<JByteArray<'local>> {
    let name = text(env, &name, "name")?;
    match node(handle)?.read_configuration(&name)? {
        Some(value) => Ok(env.byte_array_from_slice(&value)?),
        None => Ok(JByteArray::default()),
    }
}

/// A user's start (1) or stop (0) of `name`, or -1 when none was recorded.
fn read_run_control<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
    name: JString<'local>,
) -> JniResult<jint> {
    let name = text(env, &name, "name")?;
    Ok(match node(handle)?.read_run_control(&name)? {
        Some(true) => 1,
        Some(false) => 0,
        None => -1,
    })
}

fn list_configurations<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JniResult<JObjectArray<'local, JString<'local>>> {
    let names = node(handle)?.list_configurations()?;
    let array = JObjectArray::<JString>::new(env, names.len(), JString::null())?;
    for (i, name) in names.iter().enumerate() {
        let name = env.new_string(name)?;
        array.set_element(env, i, &name)?;
    }
    Ok(array)
}

fn last_applied_entry<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JniResult<JLongArray<'local>> {
    let last = node(handle)?.last_applied_entry();
    let array = env.new_long_array(2)?;
    array.set_region(env, 0, &[last.term.0 as i64, last.index.0 as i64])?;
    Ok(array)
}

fn checkpoint<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
    dir: JString<'local>,
) -> JniResult<()> {
    let dir = text(env, &dir, "dir")?;
    node(handle)?.checkpoint(dir)?;
    Ok(())
}

fn reinitialize<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    handle: jlong,
    dir: JString<'local>,
) -> JniResult<()> {
    let dir = text(env, &dir, "dir")?;
    node(handle)?.reinitialize(dir)?;
    Ok(())
}

fn install_log_sink<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    sink: JObject<'local>,
    max_level: jint,
) -> JniResult<()> {
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
}

fn await_logs_delivered<'local>(
    _env: &mut Env<'local>,
    _class: JClass<'local>,
    timeout_millis: jlong,
) -> JniResult<jboolean> {
    let timeout = Duration::from_millis(timeout_millis.max(0) as u64);
    Ok(super::logging::await_delivered(timeout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use omsvc_core::ErrorKind;

    #[test]
    fn the_retry_policy_reaches_the_service_options_and_a_bad_one_is_an_illegal_argument() {
        let options = service_options(5, 20, 400).unwrap();
        assert_eq!(options.delay_after_ready, Duration::from_millis(5));
        assert_eq!(options.retry_initial, Duration::from_millis(20));
        assert_eq!(options.retry_max, Duration::from_millis(400));
        for (initial, max) in [(0, 10), (-1, 10), (20, 10)] {
            let error = service_options(0, initial, max).unwrap_err();
            assert!(matches!(error, JniError::InvalidArgument(_)), "{error:?}");
        }
    }

    #[test]
    fn a_leadership_event_for_term_0_is_an_illegal_argument_naming_the_rule() {
        let error = outcome(EventOutcome::InvalidTerm).unwrap_err();
        assert!(
            matches!(&error, JniError::Core(core) if core.kind() == ErrorKind::InvalidArgument),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "invalid term: term 0 carries no leadership (Raft terms start at 1)"
        );
        assert!(matches!(
            outcome(EventOutcome::AfterShutdown),
            Err(JniError::Core(omsvc_core::Error::ShutDown))
        ));
    }
}
