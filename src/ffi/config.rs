//! Configuration entries through the C ABI: building request bytes, applying committed
//! entries, reading, listing, checkpoints.

use super::args;
use super::buffers::{new_bytes, new_name_list, omsvc_bytes, omsvc_name_list};
use super::core_handle::NodeRef;
use super::node::{node, omsvc_node, omsvc_str};
use super::status::{omsvc_status, quoted, FfiError};
use omsvc_core::table::{
    encode_delete_request, encode_run_control_request, encode_set_request,
    encode_stamped_delete_request, encode_stamped_set_request, ApplyOutcome,
};
use omsvc_core::{LogIndex, Term};

/// What applying an entry did.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum omsvc_apply_outcome {
    /// The entry changed the table.
    OMSVC_APPLY_APPLIED = 0,
    /// Its index was at or below the last applied one: nothing was written.
    OMSVC_APPLY_ALREADY_APPLIED = 1,
}

/// Builds the request bytes (a ServiceConfigurationCommand) that set `name`'s configuration,
/// for the host to replicate as a log entry. `value` may be NULL when `value_len` is 0.
///
/// # Safety
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `value` is readable for `value_len` bytes (NULL only with `value_len` 0).
/// - `request_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_encode_set_request(
    name: omsvc_str,
    value: *const u8,
    value_len: usize,
    request_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    ffi_boundary!({
        // SAFETY: the C caller passes `name.ptr` readable for `name.len` bytes (NULL is refused).
        let name = unsafe { args::service_name(name.ptr, name.len)? };
        // SAFETY: the C caller passes `value` readable for `value_len` bytes (NULL only with 0).
        let value = unsafe { args::bytes(value, value_len, "value")? };
        // SAFETY: the C caller passes `request_out` writable (NULL is refused).
        let request_out = unsafe { args::out(request_out, "request_out")? };
        *request_out = new_bytes(encode_set_request(name, value)?);
        Ok(())
    })
}

/// Builds the request bytes that delete `name`'s configuration.
///
/// # Safety
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `request_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_encode_delete_request(
    name: omsvc_str,
    request_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    ffi_boundary!({
        // SAFETY: the C caller passes `name.ptr` readable for `name.len` bytes (NULL is refused).
        let name = unsafe { args::service_name(name.ptr, name.len)? };
        // SAFETY: the C caller passes `request_out` writable (NULL is refused).
        let request_out = unsafe { args::out(request_out, "request_out")? };
        *request_out = new_bytes(encode_delete_request(name)?);
        Ok(())
    })
}

/// Like `omsvc_encode_set_request`, for a service's save in the run it was handed
/// `writer_epoch` for: every peer refuses the entry (OMSVC_STALE_EPOCH, nothing written) unless
/// it is appended in term `writer_epoch`, so a deposed leader never takes the configuration
/// backwards. Check `omsvc_node_epoch_is_current` before submitting.
///
/// # Safety
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `value` is readable for `value_len` bytes (NULL only with `value_len` 0).
/// - `request_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_encode_stamped_set_request(
    name: omsvc_str,
    value: *const u8,
    value_len: usize,
    writer_epoch: u64,
    request_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    ffi_boundary!({
        // SAFETY: the C caller passes `name.ptr` readable for `name.len` bytes (NULL is refused).
        let name = unsafe { args::service_name(name.ptr, name.len)? };
        // SAFETY: the C caller passes `value` readable for `value_len` bytes (NULL only with 0).
        let value = unsafe { args::bytes(value, value_len, "value")? };
        // SAFETY: the C caller passes `request_out` writable (NULL is refused).
        let request_out = unsafe { args::out(request_out, "request_out")? };
        *request_out = new_bytes(encode_stamped_set_request(name, value, Term(writer_epoch))?);
        Ok(())
    })
}

/// Like `omsvc_encode_delete_request`, stamped with the writer's epoch (see
/// `omsvc_encode_stamped_set_request`).
///
/// # Safety
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `request_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_encode_stamped_delete_request(
    name: omsvc_str,
    writer_epoch: u64,
    request_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    ffi_boundary!({
        // SAFETY: the C caller passes `name.ptr` readable for `name.len` bytes (NULL is refused).
        let name = unsafe { args::service_name(name.ptr, name.len)? };
        // SAFETY: the C caller passes `request_out` writable (NULL is refused).
        let request_out = unsafe { args::out(request_out, "request_out")? };
        *request_out = new_bytes(encode_stamped_delete_request(name, Term(writer_epoch))?);
        Ok(())
    })
}

/// Builds the request bytes of a user's start (`should_run` true) or stop of `name`: kept in the
/// service's run-control record, apart from its configuration, so no save of the
/// configuration undoes it (read it with `omsvc_node_read_run_control`).
///
/// # Safety
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `request_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_encode_run_control_request(
    name: omsvc_str,
    should_run: bool,
    request_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    ffi_boundary!({
        // SAFETY: the C caller passes `name.ptr` readable for `name.len` bytes (NULL is refused).
        let name = unsafe { args::service_name(name.ptr, name.len)? };
        // SAFETY: the C caller passes `request_out` writable (NULL is refused).
        let request_out = unsafe { args::out(request_out, "request_out")? };
        *request_out = new_bytes(encode_run_control_request(name, should_run)?);
        Ok(())
    })
}

/// Reads the user's last start or stop of `name`: `*present_out` says whether one was recorded,
/// and when it was, `*should_run_out` what it says (otherwise it is written false).
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `present_out` is NULL or writable for one `bool`, suitably aligned.
/// - `should_run_out` is NULL or writable for one `bool`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_read_run_control(
    node: *const omsvc_node,
    name: omsvc_str,
    present_out: *mut bool,
    should_run_out: *mut bool,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `read_run_control`'s.
    unsafe { read_run_control(NodeRef::Owner(node), name, present_out, should_run_out) }
}

/// The body of `omsvc_node_read_run_control` and `omsvc_node_core_read_run_control`.
pub(crate) unsafe fn read_run_control(
    node: NodeRef,
    name: omsvc_str,
    present_out: *mut bool,
    should_run_out: *mut bool,
) -> omsvc_status {
    ffi_boundary!({
        let node = node.lease()?;
        // SAFETY: the C caller passes `name.ptr` readable for `name.len` bytes (NULL is refused).
        let name = unsafe { args::service_name(name.ptr, name.len)? };
        // SAFETY: the C caller passes `present_out` writable (NULL is refused).
        let present_out = unsafe { args::out(present_out, "present_out")? };
        // SAFETY: the C caller passes `should_run_out` writable (NULL is refused).
        let should_run_out = unsafe { args::out(should_run_out, "should_run_out")? };
        let run_control = node.read_run_control(name)?;
        *present_out = run_control.is_some();
        *should_run_out = run_control.unwrap_or(false);
        Ok(())
    })
}

/// Applies a committed configuration entry (set, delete or run control) at (`term`, `index`)
/// and counts it as applied. An invalid request, or one stamped with a writer epoch other than
/// `term` (OMSVC_STALE_EPOCH), writes nothing, still counts as applied, and returns its status.
/// A `term` below the last applied entry's is OMSVC_INVALID_ARGUMENT: nothing is written and
/// the entry does not count. `outcome_out` may be NULL.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `request` is readable for `request_len` bytes (NULL only with `request_len` 0).
/// - `outcome_out` is NULL or writable for one `omsvc_apply_outcome`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_apply_entry(
    node: *mut omsvc_node,
    term: u64,
    index: u64,
    request: *const u8,
    request_len: usize,
    outcome_out: *mut omsvc_apply_outcome,
) -> omsvc_status {
    ffi_boundary!({
        let node = self::node(node)?;
        // SAFETY: the C caller passes `request` readable for `request_len` bytes (NULL only with
        // 0).
        let request = unsafe { args::bytes(request, request_len, "request")? };
        let outcome = match node.apply_entry(Term(term), LogIndex(index), request)? {
            ApplyOutcome::Applied { .. } => omsvc_apply_outcome::OMSVC_APPLY_APPLIED,
            ApplyOutcome::AlreadyApplied { .. } => omsvc_apply_outcome::OMSVC_APPLY_ALREADY_APPLIED,
        };
        // SAFETY: the C caller passes `outcome_out` NULL or writable.
        if let Some(out) = unsafe { outcome_out.as_mut() } {
            *out = outcome;
        }
        Ok(())
    })
}

/// Reads `name`'s configuration into the caller's buffer. Always writes `*present_out`
/// and, when present, the value's length to `*len_out`. If the value is longer than `buf_len`,
/// returns OMSVC_BUFFER_TOO_SMALL with only `*present_out` and `*len_out` written (call again
/// with a buffer that large). `buf` may be NULL when `buf_len` is 0.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `buf` is writable for `buf_len` bytes (NULL only with `buf_len` 0).
/// - `present_out` is NULL or writable for one `bool`, suitably aligned.
/// - `len_out` is NULL or writable for one `usize`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_read_configuration(
    node: *const omsvc_node,
    name: omsvc_str,
    buf: *mut u8,
    buf_len: usize,
    present_out: *mut bool,
    len_out: *mut usize,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `read_configuration`'s.
    unsafe {
        read_configuration(
            NodeRef::Owner(node),
            name,
            buf,
            buf_len,
            present_out,
            len_out,
        )
    }
}

/// The body of `omsvc_node_read_configuration` and `omsvc_node_core_read_configuration`.
pub(crate) unsafe fn read_configuration(
    node: NodeRef,
    name: omsvc_str,
    buf: *mut u8,
    buf_len: usize,
    present_out: *mut bool,
    len_out: *mut usize,
) -> omsvc_status {
    ffi_boundary!({
        let node = node.lease()?;
        // SAFETY: the C caller passes `name.ptr` readable for `name.len` bytes (NULL is refused).
        let name = unsafe { args::service_name(name.ptr, name.len)? };
        // SAFETY: the C caller passes `present_out` writable (NULL is refused).
        let present_out = unsafe { args::out(present_out, "present_out")? };
        // SAFETY: the C caller passes `len_out` writable (NULL is refused).
        let len_out = unsafe { args::out(len_out, "len_out")? };
        if buf.is_null() && buf_len > 0 {
            return Err(FfiError::new(
                omsvc_status::OMSVC_NULL_ARGUMENT,
                "buf is NULL but buf_len is not 0",
            ));
        }
        let value = node.read_configuration(name)?;
        *present_out = value.is_some();
        let Some(value) = value else {
            *len_out = 0;
            return Ok(());
        };
        *len_out = value.len();
        if value.len() > buf_len {
            return Err(FfiError::new(
                omsvc_status::OMSVC_BUFFER_TOO_SMALL,
                format!(
                    "configuration of {} is {} bytes; the buffer holds {buf_len}",
                    quoted(name),
                    value.len()
                ),
            ));
        }
        if !value.is_empty() {
            // SAFETY: `buf` holds `buf_len >= value.len()` writable bytes (caller's promise).
            unsafe { std::ptr::copy_nonoverlapping(value.as_ptr(), buf, value.len()) };
        }
        Ok(())
    })
}

/// Reads `name`'s configuration as library-owned bytes: `*value_out` is NULL when absent,
/// otherwise free it with `omsvc_bytes_free`.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `value_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_read_configuration_owned(
    node: *const omsvc_node,
    name: omsvc_str,
    value_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `read_configuration_owned`'s.
    unsafe { read_configuration_owned(NodeRef::Owner(node), name, value_out) }
}

/// The body of `omsvc_node_read_configuration_owned` and `omsvc_node_core_read_configuration_owned`.
pub(crate) unsafe fn read_configuration_owned(
    node: NodeRef,
    name: omsvc_str,
    value_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    ffi_boundary!({
        let node = node.lease()?;
        // SAFETY: the C caller passes `name.ptr` readable for `name.len` bytes (NULL is refused).
        let name = unsafe { args::service_name(name.ptr, name.len)? };
        // SAFETY: the C caller passes `value_out` writable (NULL is refused).
        let value_out = unsafe { args::out(value_out, "value_out")? };
        *value_out = match node.read_configuration(name)? {
            Some(value) => new_bytes(value),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// The names with a configuration, in byte order. Free with `omsvc_name_list_free`.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `names_out` is NULL or writable for one `omsvc_name_list *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_list_configurations(
    node: *const omsvc_node,
    names_out: *mut *mut omsvc_name_list,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `list_configurations`'s.
    unsafe { list_configurations(NodeRef::Owner(node), names_out) }
}

/// The body of `omsvc_node_list_configurations` and `omsvc_node_core_list_configurations`.
pub(crate) unsafe fn list_configurations(
    node: NodeRef,
    names_out: *mut *mut omsvc_name_list,
) -> omsvc_status {
    ffi_boundary!({
        let node = node.lease()?;
        // SAFETY: the C caller passes `names_out` writable (NULL is refused).
        let names_out = unsafe { args::out(names_out, "names_out")? };
        *names_out = new_name_list(node.list_configurations()?);
        Ok(())
    })
}

/// The last applied configuration entry, as (term, index).
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `term_out` is NULL or writable for one `u64`, suitably aligned.
/// - `index_out` is NULL or writable for one `u64`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_last_applied_entry(
    node: *const omsvc_node,
    term_out: *mut u64,
    index_out: *mut u64,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `last_applied_entry`'s.
    unsafe { last_applied_entry(NodeRef::Owner(node), term_out, index_out) }
}

/// The body of `omsvc_node_last_applied_entry` and `omsvc_node_core_last_applied_entry`.
pub(crate) unsafe fn last_applied_entry(
    node: NodeRef,
    term_out: *mut u64,
    index_out: *mut u64,
) -> omsvc_status {
    ffi_boundary!({
        let node = node.lease()?;
        // SAFETY: the C caller passes `term_out` writable (NULL is refused).
        let term_out = unsafe { args::out(term_out, "term_out")? };
        // SAFETY: the C caller passes `index_out` writable (NULL is refused).
        let index_out = unsafe { args::out(index_out, "index_out")? };
        let last = node.last_applied_entry();
        *term_out = last.term.0;
        *index_out = last.index.0;
        Ok(())
    })
}

/// Writes a consistent copy of the table to `dir` (which must not exist), for a snapshot.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `dir.ptr` is NULL or readable for `dir.len` bytes.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_checkpoint(
    node: *const omsvc_node,
    dir: omsvc_str,
) -> omsvc_status {
    ffi_boundary!({
        let node = self::node(node)?;
        // SAFETY: the C caller passes `dir.ptr` readable for `dir.len` bytes (NULL is refused).
        let dir = unsafe { args::text(dir.ptr, dir.len, "dir")? };
        node.checkpoint(dir)?;
        Ok(())
    })
}

/// Replaces the table with a checkpoint's content (installing a snapshot).
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `dir.ptr` is NULL or readable for `dir.len` bytes.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_reinitialize(
    node: *mut omsvc_node,
    dir: omsvc_str,
) -> omsvc_status {
    ffi_boundary!({
        let node = self::node(node)?;
        // SAFETY: the C caller passes `dir.ptr` readable for `dir.len` bytes (NULL is refused).
        let dir = unsafe { args::text(dir.ptr, dir.len, "dir")? };
        node.reinitialize(dir)?;
        Ok(())
    })
}
