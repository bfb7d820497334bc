//! Library-owned results handed to C: byte strings and lists of names, each with its own
//! accessors and a free function that accepts NULL.

use super::boundary::guard_void;
use std::ffi::c_char;

/// Bytes owned by libomsvc (a configuration value, an encoded request, a JSON text, an
/// address). A NUL byte always follows the data (not counted in `omsvc_bytes_len`), so a text
/// result can be printed with `%s`; binary data may hold NULs of its own, so use the length
/// for it. Free with `omsvc_bytes_free`.
#[derive(Debug)]
pub struct omsvc_bytes {
    /// The data followed by one NUL byte.
    data: Vec<u8>,
}

/// A list of service names owned by libomsvc. Free with `omsvc_name_list_free`.
#[derive(Debug)]
pub struct omsvc_name_list {
    /// Each name NUL-terminated, so C can also use it as a C string.
    names: Vec<Vec<u8>>,
}

pub(crate) fn new_bytes(mut data: Vec<u8>) -> *mut omsvc_bytes {
    data.push(0);
    Box::into_raw(Box::new(omsvc_bytes { data }))
}

pub(crate) fn new_name_list(names: Vec<String>) -> *mut omsvc_name_list {
    let names = names
        .into_iter()
        .map(|name| {
            let mut bytes = name.into_bytes();
            bytes.push(0);
            bytes
        })
        .collect();
    Box::into_raw(Box::new(omsvc_name_list { names }))
}

/// The bytes' start, followed by a NUL byte after `omsvc_bytes_len` bytes (NULL if `bytes`
/// is NULL).
///
/// # Safety
/// - `bytes` is NULL or an `omsvc_bytes` libomsvc returned and not yet freed (not checked).
#[no_mangle]
pub unsafe extern "C" fn omsvc_bytes_data(bytes: *const omsvc_bytes) -> *const u8 {
    // SAFETY: the C caller passes `bytes` NULL or as libomsvc returned it, not yet freed.
    match unsafe { bytes.as_ref() } {
        Some(bytes) => bytes.data.as_ptr(),
        None => std::ptr::null(),
    }
}

/// The number of bytes (0 if `bytes` is NULL).
///
/// # Safety
/// - `bytes` is NULL or an `omsvc_bytes` libomsvc returned and not yet freed (not checked).
#[no_mangle]
pub unsafe extern "C" fn omsvc_bytes_len(bytes: *const omsvc_bytes) -> usize {
    // SAFETY: the C caller passes `bytes` NULL or as libomsvc returned it, not yet freed.
    unsafe { bytes.as_ref() }.map_or(0, |bytes| bytes.data.len() - 1)
}

/// Frees bytes from libomsvc. NULL is allowed; free each value once.
///
/// # Safety
/// - `bytes` is NULL or an `omsvc_bytes` libomsvc returned and not yet freed (not checked).
#[no_mangle]
pub unsafe extern "C" fn omsvc_bytes_free(bytes: *mut omsvc_bytes) {
    if !bytes.is_null() {
        // SAFETY: `bytes` is not NULL, so it is the `Box::into_raw` result libomsvc handed out, and
        // the C caller frees it once.
        guard_void(|| drop(unsafe { Box::from_raw(bytes) }));
    }
}

/// The number of names (0 if `list` is NULL).
///
/// # Safety
/// - `list` is NULL or an `omsvc_name_list` libomsvc returned and not yet freed (not checked).
#[no_mangle]
pub unsafe extern "C" fn omsvc_name_list_len(list: *const omsvc_name_list) -> usize {
    // SAFETY: the C caller passes `list` NULL or as libomsvc returned it, not yet freed.
    unsafe { list.as_ref() }.map_or(0, |list| list.names.len())
}

/// Name `index` as a NUL-terminated UTF-8 string owned by the list, with its length (without
/// the NUL) in `*len_out` if that is not NULL. NULL when `list` is NULL or `index` is out of
/// range.
///
/// # Safety
/// - `list` is NULL or an `omsvc_name_list` libomsvc returned and not yet freed (not checked).
/// - `len_out` is NULL or writable for one `usize`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_name_list_get(
    list: *const omsvc_name_list,
    index: usize,
    len_out: *mut usize,
) -> *const c_char {
    // SAFETY: the C caller passes `list` NULL or as libomsvc returned it, not yet freed.
    let Some(name) = unsafe { list.as_ref() }.and_then(|list| list.names.get(index)) else {
        return std::ptr::null();
    };
    // SAFETY: the C caller passes `len_out` NULL or writable.
    if let Some(len_out) = unsafe { len_out.as_mut() } {
        *len_out = name.len() - 1;
    }
    name.as_ptr().cast()
}

/// Frees a name list. NULL is allowed; free each list once.
///
/// # Safety
/// - `list` is NULL or an `omsvc_name_list` libomsvc returned and not yet freed (not checked).
#[no_mangle]
pub unsafe extern "C" fn omsvc_name_list_free(list: *mut omsvc_name_list) {
    if !list.is_null() {
        // SAFETY: `list` is not NULL, so it is the `Box::into_raw` result libomsvc handed out, and
        // the C caller frees it once.
        guard_void(|| drop(unsafe { Box::from_raw(list) }));
    }
}
