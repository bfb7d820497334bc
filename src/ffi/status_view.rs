//! The status view through the C ABI, all from the one status model (`omsvc.v1.NodeStatus`): a
//! fixed struct per service for programs, a service's last error as text, and the whole node as
//! the encoded message or as JSON for operators (`NodeStatus::to_json`).

use super::args;
use super::buffers::{new_bytes, omsvc_bytes};
use super::core_handle::NodeRef;
use super::extensible::{self, Extensible};
use super::node::{omsvc_node, omsvc_str};
use super::status::{omsvc_status, FfiError};
use omsvc_core::proto::service_status::State;

/// A service's state (`omsvc.v1.ServiceStatus.State`, same numbers).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum omsvc_service_state {
    /// Started and still permitted to run.
    OMSVC_SERVICE_RUNNING = 1,
    /// Its permission to run ended (or should_run turned false) and its `stop` has not
    /// returned yet; its epoch is no longer current.
    OMSVC_SERVICE_STOPPING = 2,
    /// Not running.
    OMSVC_SERVICE_PAUSING = 3,
}

/// One service's status, as `omsvc_node_service_status` writes it (`omsvc.v1.ServiceStatus`
/// without its texts). Set `struct_size` to `sizeof status` before the call. It can grow (see
/// "Structs that grow" at the top): the library writes at most `struct_size` bytes, zeroes
/// the fields of a newer header's struct that it does not know, and sets `struct_size` to the
/// bytes it filled.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct omsvc_service_status {
    /// Set by the caller to the size of its struct (at least `sizeof(size_t)`, else
    /// OMSVC_INVALID_ARGUMENT); on return, the bytes the library filled.
    pub struct_size: usize,
    /// RUNNING, STOPPING or PAUSING.
    pub state: omsvc_service_state,
    /// Failed starts since the last successful one.
    pub consecutive_failures: u32,
    /// The epoch it runs (or is stopping) in; 0 when pausing.
    pub epoch: u64,
    /// When the state last changed, in milliseconds since the Unix epoch: when it started
    /// (RUNNING), when its stop was requested (STOPPING), when it stopped or was registered
    /// (PAUSING).
    pub since_unix_ms: u64,
    /// Successful starts since registration.
    pub start_count: u64,
    /// Stops since registration.
    pub stop_count: u64,
    /// Failed starts since registration.
    pub failed_start_count: u64,
    /// Runs that failed while running, since registration.
    pub failed_run_count: u64,
    /// Whether a start, stop or should_run has failed: read the error with
    /// `omsvc_node_service_last_error`.
    pub has_error: bool,
}

const _: () = assert!(std::mem::offset_of!(omsvc_service_status, struct_size) == 0);

// SAFETY: `#[repr(C)]`, starting with `struct_size: usize` (asserted above); the library only
// writes it.
unsafe impl Extensible for omsvc_service_status {
    const NAME: &'static str = "omsvc_service_status";
    const MIN_SIZE: usize = std::mem::size_of::<usize>();
    const HOW_TO_SIZE: &'static str = "set it to sizeof status before the call";
}

impl Default for omsvc_service_status {
    /// A pausing service's status, `struct_size` this library's size: ready to pass.
    fn default() -> Self {
        omsvc_service_status {
            struct_size: std::mem::size_of::<omsvc_service_status>(),
            state: omsvc_service_state::OMSVC_SERVICE_PAUSING,
            consecutive_failures: 0,
            epoch: 0,
            since_unix_ms: 0,
            start_count: 0,
            stop_count: 0,
            failed_start_count: 0,
            failed_run_count: 0,
            has_error: false,
        }
    }
}

/// One service's status. Unknown names give OMSVC_UNKNOWN_SERVICE.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `status_out` is NULL or writable for its `struct_size` bytes, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_service_status(
    node: *const omsvc_node,
    name: omsvc_str,
    status_out: *mut omsvc_service_status,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `service_status`'s.
    unsafe { service_status(NodeRef::Owner(node), name, status_out) }
}

/// The body of `omsvc_node_service_status` and `omsvc_node_core_service_status`.
pub(crate) unsafe fn service_status(
    node: NodeRef,
    name: omsvc_str,
    status_out: *mut omsvc_service_status,
) -> omsvc_status {
    ffi_boundary!({
        let node = node.lease()?;
        // SAFETY: the C caller passes `name.ptr` readable for `name.len` bytes (NULL is refused).
        let name = unsafe { args::service_name(name.ptr, name.len)? };
        if status_out.is_null() {
            return Err(FfiError::new(
                omsvc_status::OMSVC_NULL_ARGUMENT,
                "status_out is NULL",
            ));
        }
        let status = node.service_status(name)?.to_proto();
        let view = omsvc_service_status {
            struct_size: std::mem::size_of::<omsvc_service_status>(),
            state: match status.state() {
                State::Running => omsvc_service_state::OMSVC_SERVICE_RUNNING,
                State::Stopping => omsvc_service_state::OMSVC_SERVICE_STOPPING,
                State::Pausing | State::Unspecified => omsvc_service_state::OMSVC_SERVICE_PAUSING,
            },
            consecutive_failures: status.consecutive_failures,
            epoch: status.epoch.unwrap_or(0),
            since_unix_ms: status.since_unix_ms,
            start_count: status.start_count,
            stop_count: status.stop_count,
            failed_start_count: status.failed_start_count,
            failed_run_count: status.failed_run_count,
            has_error: status.last_error.is_some(),
        };
        // SAFETY: the C caller passes `status_out` writable for its `struct_size` bytes (NULL
        // is refused).
        unsafe { extensible::write(status_out, &view, "status_out") }
    })
}

/// The node's whole status as UTF-8 JSON, NUL-terminated (print it with `%s`): term,
/// leader, role, barrier, applied index, peers, ignored events, why services wait, and each
/// service's status with its last error. Free with `omsvc_bytes_free`.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `json_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_status_json(
    node: *const omsvc_node,
    json_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `status_json`'s.
    unsafe { status_json(NodeRef::Owner(node), json_out) }
}

/// The body of `omsvc_node_status_json` and `omsvc_node_core_status_json`.
pub(crate) unsafe fn status_json(node: NodeRef, json_out: *mut *mut omsvc_bytes) -> omsvc_status {
    ffi_boundary!({
        let node = node.lease()?;
        // SAFETY: the C caller passes `json_out` writable (NULL is refused).
        let json_out = unsafe { args::out(json_out, "json_out")? };
        *json_out = new_bytes(node.status().to_json().to_string().into_bytes());
        Ok(())
    })
}

/// The latest error from a service's start, stop or should_run, as NUL-terminated UTF-8 text
/// (print it with `%s`), kept after the service recovers. Writes NULL to `*error_out` when the
/// service has had no error (then `has_error` of its `omsvc_service_status` is false). Unknown
/// names give OMSVC_UNKNOWN_SERVICE. Free the text with `omsvc_bytes_free`.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `error_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_service_last_error(
    node: *const omsvc_node,
    name: omsvc_str,
    error_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `service_last_error`'s.
    unsafe { service_last_error(NodeRef::Owner(node), name, error_out) }
}

/// The body of `omsvc_node_service_last_error` and `omsvc_node_core_service_last_error`.
pub(crate) unsafe fn service_last_error(
    node: NodeRef,
    name: omsvc_str,
    error_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    ffi_boundary!({
        let node = node.lease()?;
        // SAFETY: the C caller passes `name.ptr` readable for `name.len` bytes (NULL is refused).
        let name = unsafe { args::service_name(name.ptr, name.len)? };
        // SAFETY: the C caller passes `error_out` writable (NULL is refused).
        let error_out = unsafe { args::out(error_out, "error_out")? };
        let last_error = node.service_status(name)?.to_proto().last_error;
        *error_out = match last_error {
            Some(error) => new_bytes(error.into_bytes()),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// The node's whole status as an encoded `omsvc.v1.NodeStatus` message (`proto/omsvc.proto`,
/// whose field numbers are stable): the same model as `omsvc_node_status_json`, for programs
/// that decode protobuf. Free with `omsvc_bytes_free`.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `proto_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_status_proto(
    node: *const omsvc_node,
    proto_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `status_proto`'s.
    unsafe { status_proto(NodeRef::Owner(node), proto_out) }
}

/// The body of `omsvc_node_status_proto` and `omsvc_node_core_status_proto`.
pub(crate) unsafe fn status_proto(node: NodeRef, proto_out: *mut *mut omsvc_bytes) -> omsvc_status {
    ffi_boundary!({
        let node = node.lease()?;
        // SAFETY: the C caller passes `proto_out` writable (NULL is refused).
        let proto_out = unsafe { args::out(proto_out, "proto_out")? };
        *proto_out = new_bytes(node.status().encode_proto());
        Ok(())
    })
}
