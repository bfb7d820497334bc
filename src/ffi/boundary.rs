//! The panic boundary every exported function runs inside.

/// Runs `$body` (an expression of type `Result<(), FfiError>`) so that neither a panic nor an
/// error crosses into C: an error becomes its status (with the message kept for
/// `omsvc_last_error`), a panic becomes `OMSVC_PANIC`.
macro_rules! ffi_boundary {
    ($body:expr) => {{
        let outcome = ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(
            || -> ::std::result::Result<(), $crate::ffi::status::FfiError> { $body },
        ));
        $crate::ffi::boundary::into_status(outcome)
    }};
}

use super::status::{omsvc_status, set_last_error, FfiError};

pub(crate) fn into_status(outcome: std::thread::Result<Result<(), FfiError>>) -> omsvc_status {
    match outcome {
        Ok(Ok(())) => omsvc_status::OMSVC_OK,
        Ok(Err(error)) => {
            set_last_error(&error.message);
            error.status
        }
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(detail, "panic caught at the C boundary");
            set_last_error(&format!("libomsvc panicked: {detail}"));
            omsvc_status::OMSVC_PANIC
        }
    }
}

/// For the `void` functions (frees): swallows a panic, logging it.
pub(crate) fn guard_void(f: impl FnOnce()) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err() {
        tracing::error!("panic caught at the C boundary in a free function");
    }
}
