//! The status view through the C ABI, all from the one status model (`omsvc.v1.NodeStatus`): a
//! fixed struct per service for programs, a service's last error as text, and the whole node as
//! the encoded message or as JSON for operators (`NodeStatus::to_json`).

use super::args;
use super::buffers::{new_bytes, omsvc_bytes};
use super::core_handle::NodeRef;
use super::node::{omsvc_node, omsvc_str};
use super::status::omsvc_status;
use omsvc_core::proto::service_status::State;

/// One service's status, as `omsvc_node_service_status` reads it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct omsvc_service_status {
    /// Started and still permitted to run.
    pub running: bool,
    /// Its permission to run ended (or should_run turned false) and its `stop` has not
    /// returned yet; its epoch is no longer current. Never true together with `running`.
    pub stopping: bool,
    /// The epoch it runs (or is stopping) in; 0 otherwise.
    pub epoch: u64,
    /// Successful starts since registration.
    pub start_count: u64,
    /// Stops since registration.
    pub stop_count: u64,
    /// Failed starts since the last successful one.
    pub consecutive_failures: u32,
    /// Whether a start, stop or should_run has failed: read the error with
    /// `omsvc_node_service_last_error`.
    pub has_error: bool,
}

/// One service's status. Unknown names give OMSVC_UNKNOWN_SERVICE.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `status_out` is NULL or writable for one `omsvc_service_status`, suitably aligned.
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
        // SAFETY: the C caller passes `status_out` writable (NULL is refused).
        let status_out = unsafe { args::out(status_out, "status_out")? };
        let status = node.service_status(name)?.to_proto();
        *status_out = omsvc_service_status {
            running: status.state() == State::Running,
            stopping: status.state() == State::Stopping,
            epoch: status.epoch.unwrap_or(0),
            start_count: status.start_count,
            stop_count: status.stop_count,
            consecutive_failures: status.consecutive_failures,
            has_error: status.last_error.is_some(),
        };
        Ok(())
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
