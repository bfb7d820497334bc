//! Structs that grow: the rule of Linux's `copy_struct_from_user` (openat2, clone3), with
//! defaults. Each such struct starts with `size_t struct_size`, the size of the struct the
//! caller was compiled with. The library touches only those bytes of the caller's struct:
//! - reading a smaller (older) struct, the fields past it take their defaults;
//! - reading a larger (newer) struct, its bytes past this library's struct must be zero (an
//!   option left at its default), else OMSVC_INVALID_ARGUMENT: this library cannot honour it;
//! - writing a result, the library writes what fits, zeroes the rest of a larger struct, and
//!   sets `struct_size` to the bytes it filled;
//! - a `struct_size` of 0 or above 4096 (a page, as Linux caps these structs) is an
//!   uninitialized struct's, refused before any byte past it is touched.

use super::status::{omsvc_status, FfiError};
use std::mem::size_of;

/// A `#[repr(C)]` struct whose first field is `struct_size: usize`.
///
/// # Safety
/// The implementer is `#[repr(C)]`, starts with `struct_size: usize`, and every byte pattern a
/// C caller can store in its fields is a valid value of it, except in the `bool` fields, which
/// it lists in `BOOL_FIELDS` (a Rust `bool` must be 0 or 1; a C program may store any byte).
pub(crate) unsafe trait Extensible: Copy {
    /// The C name of the struct, for messages.
    const NAME: &'static str;
    /// Each `bool` field's offset and name: [`read`] refuses a byte other than 0 or 1 there.
    const BOOL_FIELDS: &'static [(usize, &'static str)] = &[];
    /// The smallest `struct_size` accepted (for input structs, the layout of libomsvc 1.0).
    const MIN_SIZE: usize;
    /// How a caller sets `struct_size` (named in messages).
    const HOW_TO_SIZE: &'static str;
}

fn invalid(message: String) -> FfiError {
    FfiError::new(omsvc_status::OMSVC_INVALID_ARGUMENT, message)
}

fn null(what: &str) -> FfiError {
    FfiError::new(omsvc_status::OMSVC_NULL_ARGUMENT, format!("{what} is NULL"))
}

/// The largest `struct_size` believed, as Linux caps these structs at a page: a larger one is
/// an uninitialized struct's garbage, and reading that many bytes would run off the caller's.
const MAX_STRUCT_SIZE: usize = 4096;

/// Refuses a size below the 1.0 layout (0: a zeroed struct, never initialized) or above
/// [`MAX_STRUCT_SIZE`].
fn plausible_size<T: Extensible>(size: usize, what: &str) -> Result<(), FfiError> {
    if (T::MIN_SIZE..=MAX_STRUCT_SIZE).contains(&size) {
        return Ok(());
    }
    let why = if size == 0 {
        "0: the struct was not initialized".to_owned()
    } else if size > MAX_STRUCT_SIZE {
        format!(
            "{size}, more than any libomsvc struct can be ({MAX_STRUCT_SIZE} bytes): the \
             struct was not initialized"
        )
    } else {
        format!(
            "{size}, less than the {} bytes this library accepts for {}",
            T::MIN_SIZE,
            T::NAME
        )
    };
    Err(invalid(format!(
        "{what}.struct_size is {why}; {}",
        T::HOW_TO_SIZE
    )))
}

fn check_aligned<T>(ptr: *const T, what: &str) -> Result<(), FfiError> {
    if (ptr as usize).is_multiple_of(std::mem::align_of::<T>()) {
        Ok(())
    } else {
        Err(invalid(format!("{what} is not aligned for its struct")))
    }
}

/// Reads the caller's struct at `ptr`: `struct_size` bytes of it, never more, over `defaults`.
///
/// # Safety
/// `ptr` is NULL or readable for its own `struct_size` bytes.
pub(crate) unsafe fn read<T: Extensible>(
    ptr: *const T,
    defaults: T,
    what: &str,
) -> Result<T, FfiError> {
    if ptr.is_null() {
        return Err(null(what));
    }
    check_aligned(ptr, what)?;
    // SAFETY: every struct of this rule starts with its `struct_size`, readable (above).
    let size = unsafe { ptr.cast::<usize>().read() };
    plausible_size::<T>(size, what)?;
    let known = size_of::<T>();
    if size > known {
        // SAFETY: the caller's struct is readable for its `struct_size` bytes.
        let tail = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>().add(known), size - known) };
        if let Some(offset) = tail.iter().position(|&byte| byte != 0) {
            return Err(invalid(format!(
                "{what} sets an option this library version does not know: its {} is {size} \
                 bytes (a newer header) and byte {} is not zero, but libomsvc {} knows only the \
                 first {known} bytes; leave that option unset or load a libomsvc as new as the \
                 header",
                T::NAME,
                known + offset,
                env!("CARGO_PKG_VERSION"),
            )));
        }
    }
    let copied = size.min(known);
    for &(offset, field) in T::BOOL_FIELDS.iter().filter(|(offset, _)| *offset < copied) {
        // SAFETY: `offset` is below the bytes the caller's struct is readable for.
        let byte = unsafe { ptr.cast::<u8>().add(offset).read() };
        if byte > 1 {
            return Err(invalid(format!(
                "{what}.{field} holds {byte}, not a C bool (false or true); was the struct \
                 initialized with its _init function?"
            )));
        }
    }
    let mut value = defaults;
    // SAFETY: `copied` bytes are readable at `ptr` (its struct_size) and writable in `value`
    // (its size); by `Extensible`'s contract and the check above they are valid field values.
    unsafe {
        std::ptr::copy_nonoverlapping(
            ptr.cast::<u8>(),
            (&mut value as *mut T).cast::<u8>(),
            copied,
        )
    };
    Ok(value)
}

/// Writes `value` into the caller's struct at `ptr` for `size` bytes, never more: what fits,
/// zeroes past this library's struct, and `size.min(size_of::<T>())` as its `struct_size`.
///
/// # Safety
/// `ptr` is writable for `size` bytes, suitably aligned, and `size >= size_of::<usize>()`.
unsafe fn write_sized<T: Extensible>(ptr: *mut T, value: &T, size: usize) {
    let known = size_of::<T>();
    let filled = size.min(known);
    // SAFETY: `filled` bytes are readable in `value` and writable at `ptr` (the caller's size).
    unsafe { std::ptr::copy_nonoverlapping((value as *const T).cast::<u8>(), ptr.cast(), filled) };
    if size > known {
        // SAFETY: the caller's struct is writable for `size` bytes.
        unsafe { std::ptr::write_bytes(ptr.cast::<u8>().add(known), 0, size - known) };
    }
    // SAFETY: every struct of this rule starts with its `struct_size`, writable.
    unsafe { ptr.cast::<usize>().write(filled) };
}

/// An `_init` function's body: fills the caller's struct of `size` bytes (its `sizeof`) with
/// `defaults`, zeroing any part this library does not know, and sets `struct_size` to `size`.
///
/// # Safety
/// `ptr` is NULL or writable for `size` bytes.
pub(crate) unsafe fn init<T: Extensible>(
    ptr: *mut T,
    size: usize,
    defaults: T,
    what: &str,
) -> Result<(), FfiError> {
    if ptr.is_null() {
        return Err(null(what));
    }
    check_aligned(ptr, what)?;
    if size < T::MIN_SIZE {
        return Err(invalid(format!(
            "the struct_size argument is {size}, less than the {} bytes this library accepts \
             for {}; pass sizeof the struct",
            T::MIN_SIZE,
            T::NAME
        )));
    }
    if size > MAX_STRUCT_SIZE {
        return Err(invalid(format!(
            "the struct_size argument is {size}, more than any libomsvc struct can be \
             ({MAX_STRUCT_SIZE} bytes); pass sizeof the struct"
        )));
    }
    // SAFETY: `ptr` is writable for `size` bytes, aligned, and `size` >= MIN_SIZE >= a usize.
    unsafe { write_sized(ptr, &defaults, size) };
    // SAFETY: as above; the caller's struct is `size` bytes, which its `struct_size` records.
    unsafe { ptr.cast::<usize>().write(size) };
    Ok(())
}

/// Writes a result into the caller's struct at `ptr`, whose `struct_size` the caller set: at
/// most that many bytes; afterwards `struct_size` is the number of bytes filled.
///
/// # Safety
/// `ptr` is NULL or writable for its own `struct_size` bytes.
pub(crate) unsafe fn write<T: Extensible>(
    ptr: *mut T,
    value: &T,
    what: &str,
) -> Result<(), FfiError> {
    if ptr.is_null() {
        return Err(null(what));
    }
    check_aligned(ptr, what)?;
    // SAFETY: every struct of this rule starts with its `struct_size`, readable (above).
    let size = unsafe { ptr.cast::<usize>().read() };
    plausible_size::<T>(size, what)?;
    // SAFETY: the caller's struct is writable for its `struct_size` bytes, at least a usize.
    unsafe { write_sized(ptr, value, size) };
    Ok(())
}
