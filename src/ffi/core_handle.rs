//! `omsvc_node_core`: a non-owning handle on a node owned elsewhere (a raft node's core). It
//! registers services and reads configuration and status; it never changes the node's Raft
//! state, and releasing it drops only its reference.

use super::buffers::{omsvc_bytes, omsvc_name_list};
use super::node::{omsvc_node, omsvc_str, NODE_HANDLE_TAG};
use super::service::{omsvc_service_callbacks, omsvc_service_options};
use super::status::{omsvc_status, FfiError};
use super::status_view::omsvc_service_status;
use omsvc_adapter_shared::handles::{HandleTable, Lease};
use omsvc_core::node::Node;
use std::ffi::c_void;
use std::sync::Arc;

/// A raft node's core, shared with the raft node that owns it. Opaque; from
/// `omsvc_raft_node_core`, released with `omsvc_node_core_release` (which only drops this
/// handle: the raft node and its services keep running). The `omsvc_node_core_*` functions
/// register services and read configuration and status; Raft events, applied entries and
/// shutdown belong to the raft node. Passed where an `omsvc_node` or `omsvc_raft_node` is
/// expected (or the reverse), it gives OMSVC_INVALID_HANDLE.
#[derive(Debug)]
pub struct omsvc_node_core {
    _private: [u8; 0],
}

pub(crate) const CORE_HANDLE_TAG: u8 = 0x43;
const _: () = assert!(CORE_HANDLE_TAG != NODE_HANDLE_TAG);

static CORES: HandleTable<Node> = HandleTable::of_type(CORE_HANDLE_TAG, "omsvc_node_core");

/// Issues a core handle holding one reference to `node`.
pub(crate) fn issue_core(node: Arc<Node>) -> *mut omsvc_node_core {
    CORES.insert_shared(node) as *mut omsvc_node_core
}

/// A node reached through either handle type, for the functions both types offer.
#[derive(Clone, Copy)]
pub(crate) enum NodeRef {
    /// An owning `omsvc_node` handle.
    Owner(*const omsvc_node),
    /// A sharing `omsvc_node_core` handle.
    Core(*const omsvc_node_core),
}

impl NodeRef {
    /// The node for the length of one call; a handle of another type is refused.
    pub(crate) fn lease(self) -> Result<Lease<'static, Node>, FfiError> {
        match self {
            NodeRef::Owner(handle) => super::node::node(handle),
            NodeRef::Core(handle) => Ok(CORES.lease(handle as usize)?),
        }
    }
}

/// Releases a core handle: drops its reference only. NULL is allowed (OMSVC_OK); a handle
/// released before, or a handle of another type, gives OMSVC_INVALID_HANDLE. Callable at any
/// time, before or after the raft node stops.
///
/// # Safety
/// `core` is NULL or a value libomsvc returned (checked: any other value is refused).
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_core_release(
    core: *mut omsvc_node_core,
) -> super::status::omsvc_status {
    if core.is_null() {
        return super::status::omsvc_status::OMSVC_OK;
    }
    ffi_boundary!({
        drop(CORES.remove(core as usize)?);
        Ok(())
    })
}

/// `omsvc_node_read_run_control` on a raft node's core.
///
/// # Safety
/// - `core` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `present_out` is NULL or writable for one `bool`, suitably aligned.
/// - `should_run_out` is NULL or writable for one `bool`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_core_read_run_control(
    core: *const omsvc_node_core,
    name: omsvc_str,
    present_out: *mut bool,
    should_run_out: *mut bool,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `omsvc_node_read_run_control`'s.
    unsafe {
        super::config::read_run_control(NodeRef::Core(core), name, present_out, should_run_out)
    }
}

/// `omsvc_node_read_configuration` on a raft node's core.
///
/// # Safety
/// - `core` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `buf` is writable for `buf_len` bytes (NULL only with `buf_len` 0).
/// - `present_out` is NULL or writable for one `bool`, suitably aligned.
/// - `len_out` is NULL or writable for one `usize`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_core_read_configuration(
    core: *const omsvc_node_core,
    name: omsvc_str,
    buf: *mut u8,
    buf_len: usize,
    present_out: *mut bool,
    len_out: *mut usize,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `omsvc_node_read_configuration`'s.
    unsafe {
        super::config::read_configuration(
            NodeRef::Core(core),
            name,
            buf,
            buf_len,
            present_out,
            len_out,
        )
    }
}

/// `omsvc_node_read_configuration_owned` on a raft node's core.
///
/// # Safety
/// - `core` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `value_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_core_read_configuration_owned(
    core: *const omsvc_node_core,
    name: omsvc_str,
    value_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `omsvc_node_read_configuration_owned`'s.
    unsafe { super::config::read_configuration_owned(NodeRef::Core(core), name, value_out) }
}

/// `omsvc_node_list_configurations` on a raft node's core.
///
/// # Safety
/// - `core` may be any value: handles are checked, never dereferenced.
/// - `names_out` is NULL or writable for one `omsvc_name_list *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_core_list_configurations(
    core: *const omsvc_node_core,
    names_out: *mut *mut omsvc_name_list,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `omsvc_node_list_configurations`'s.
    unsafe { super::config::list_configurations(NodeRef::Core(core), names_out) }
}

/// `omsvc_node_last_applied_entry` on a raft node's core.
///
/// # Safety
/// - `core` may be any value: handles are checked, never dereferenced.
/// - `term_out` is NULL or writable for one `u64`, suitably aligned.
/// - `index_out` is NULL or writable for one `u64`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_core_last_applied_entry(
    core: *const omsvc_node_core,
    term_out: *mut u64,
    index_out: *mut u64,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `omsvc_node_last_applied_entry`'s.
    unsafe { super::config::last_applied_entry(NodeRef::Core(core), term_out, index_out) }
}

/// `omsvc_node_service_status` on a raft node's core.
///
/// # Safety
/// - `core` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `status_out` is NULL or writable for its `struct_size` bytes, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_core_service_status(
    core: *const omsvc_node_core,
    name: omsvc_str,
    status_out: *mut omsvc_service_status,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `omsvc_node_service_status`'s.
    unsafe { super::status_view::service_status(NodeRef::Core(core), name, status_out) }
}

/// `omsvc_node_status_json` on a raft node's core.
///
/// # Safety
/// - `core` may be any value: handles are checked, never dereferenced.
/// - `json_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_core_status_json(
    core: *const omsvc_node_core,
    json_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `omsvc_node_status_json`'s.
    unsafe { super::status_view::status_json(NodeRef::Core(core), json_out) }
}

/// `omsvc_node_service_last_error` on a raft node's core.
///
/// # Safety
/// - `core` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `error_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_core_service_last_error(
    core: *const omsvc_node_core,
    name: omsvc_str,
    error_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `omsvc_node_service_last_error`'s.
    unsafe { super::status_view::service_last_error(NodeRef::Core(core), name, error_out) }
}

/// `omsvc_node_status_proto` on a raft node's core.
///
/// # Safety
/// - `core` may be any value: handles are checked, never dereferenced.
/// - `proto_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_core_status_proto(
    core: *const omsvc_node_core,
    proto_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `omsvc_node_status_proto`'s.
    unsafe { super::status_view::status_proto(NodeRef::Core(core), proto_out) }
}

/// `omsvc_node_wait_settled` on a raft node's core.
///
/// # Safety
/// - `core` may be any value: handles are checked, never dereferenced.
/// - `settled_out` is NULL or writable for one `bool`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_core_wait_settled(
    core: *const omsvc_node_core,
    timeout_ms: u64,
    settled_out: *mut bool,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `omsvc_node_wait_settled`'s.
    unsafe { super::node::wait_settled(NodeRef::Core(core), timeout_ms, settled_out) }
}

/// `omsvc_node_epoch_is_current` on a raft node's core.
///
/// # Safety
/// - `core` may be any value: handles are checked, never dereferenced.
/// - `current_out` is NULL or writable for one `bool`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_core_epoch_is_current(
    core: *const omsvc_node_core,
    epoch: u64,
    current_out: *mut bool,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `omsvc_node_epoch_is_current`'s.
    unsafe { super::node::epoch_is_current(NodeRef::Core(core), epoch, current_out) }
}

/// `omsvc_node_register_service` on a raft node's core.
///
/// # Safety
/// - `core` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `callbacks` is NULL or readable for its `struct_size` bytes, its functions behaving as it documents.
/// - `userdata` is not dereferenced by libomsvc; it must allow what the callbacks do with it.
/// - `options` is NULL or readable for its `struct_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_core_register_service(
    core: *const omsvc_node_core,
    name: omsvc_str,
    callbacks: *const omsvc_service_callbacks,
    userdata: *mut c_void,
    options: *const omsvc_service_options,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `omsvc_node_register_service`'s.
    unsafe {
        super::service::register_service(NodeRef::Core(core), name, callbacks, userdata, options)
    }
}
