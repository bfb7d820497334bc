//! Checking C arguments: NULL pointers, lengths and UTF-8, before anything is done.

use super::status::{omsvc_status, FfiError};
use omsvc_core::table::validate_service_name_bytes;
use std::ffi::c_char;

fn null(what: &str) -> FfiError {
    FfiError::new(omsvc_status::OMSVC_NULL_ARGUMENT, format!("{what} is NULL"))
}

/// A byte buffer: NULL is allowed only with length 0.
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a [u8], FfiError> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(null(what));
    }
    if len > isize::MAX as usize {
        return Err(FfiError::new(
            omsvc_status::OMSVC_INVALID_ARGUMENT,
            format!("{what} length {len} is too large"),
        ));
    }
    // SAFETY: the caller promises `len` readable bytes at `ptr` (checked non-NULL above).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A C array of `count` values of `T`: NULL is allowed only with count 0; a count whose byte
/// size does not fit in `isize` (e.g. `SIZE_MAX`) and a misaligned pointer are refused before
/// anything is read.
pub(crate) unsafe fn array<'a, T>(
    ptr: *const T,
    count: usize,
    what: &str,
) -> Result<&'a [T], FfiError> {
    if count == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(null(what));
    }
    let fits = count
        .checked_mul(std::mem::size_of::<T>())
        .is_some_and(|size| size <= isize::MAX as usize);
    if !fits {
        return Err(FfiError::new(
            omsvc_status::OMSVC_INVALID_ARGUMENT,
            format!(
                "{what}: a count of {count} elements of {} bytes is larger than any array",
                std::mem::size_of::<T>()
            ),
        ));
    }
    if !(ptr as usize).is_multiple_of(std::mem::align_of::<T>()) {
        return Err(FfiError::new(
            omsvc_status::OMSVC_INVALID_ARGUMENT,
            format!("{what} is not aligned for its element type"),
        ));
    }
    // SAFETY: the caller promises `count` readable, initialized elements at `ptr` (checked
    // non-NULL, aligned, and within isize::MAX bytes above).
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// A UTF-8 string given as pointer and length (no NUL terminator needed).
pub(crate) unsafe fn text<'a>(
    ptr: *const c_char,
    len: usize,
    what: &str,
) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(null(what));
    }
    // SAFETY: our caller promises `len` readable bytes at `ptr`, which `bytes` needs.
    let raw = unsafe { bytes(ptr.cast(), len, what)? };
    std::str::from_utf8(raw).map_err(|_| {
        FfiError::new(
            omsvc_status::OMSVC_INVALID_UTF8,
            format!("{what} is not valid UTF-8"),
        )
    })
}

/// A service name: NULL, invalid UTF-8, empty, over-long and control characters are refused.
pub(crate) unsafe fn service_name<'a>(ptr: *const c_char, len: usize) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(null("the service name"));
    }
    // SAFETY: our caller promises `len` readable bytes at `ptr`, which `bytes` needs.
    let raw = unsafe { bytes(ptr.cast(), len, "the service name")? };
    Ok(validate_service_name_bytes(raw)?)
}

/// An out-parameter, which must not be NULL.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T, FfiError> {
    // SAFETY: the caller promises a writable T at a non-NULL `ptr`.
    unsafe { ptr.as_mut() }.ok_or_else(|| null(what))
}
