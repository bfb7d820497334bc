//! Checking C arguments: NULL pointers, lengths and UTF-8, before anything is done.

use super::status::{omsvc_status, FfiError};
use crate::core::config::validate_service_name_bytes;
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

/// A UTF-8 string given as pointer and length (no NUL terminator needed).
pub(crate) unsafe fn text<'a>(
    ptr: *const c_char,
    len: usize,
    what: &str,
) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(null(what));
    }
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
    let raw = unsafe { bytes(ptr.cast(), len, "the service name")? };
    Ok(validate_service_name_bytes(raw)?)
}

/// An out-parameter, which must not be NULL.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T, FfiError> {
    // SAFETY: the caller promises a writable T at a non-NULL `ptr`.
    unsafe { ptr.as_mut() }.ok_or_else(|| null(what))
}
