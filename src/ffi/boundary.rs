//! The panic boundary every exported function runs inside. The library writes nothing to
//! stderr by itself: a panic inside the boundary becomes `OMSVC_PANIC` with its message and
//! place in `omsvc_last_error` (and a `tracing` event), and the panic hook installed on the
//! first call keeps the default hook from printing it. Panics elsewhere in the process go to
//! the hook that was installed before.

/// Runs `$body` (an expression of type `Result<(), FfiError>`) so that neither a panic nor an
/// error crosses into C: an error becomes its status (with the message kept for
/// `omsvc_last_error`), a panic becomes `OMSVC_PANIC`.
macro_rules! ffi_boundary {
    ($body:expr) => {{
        let outcome = $crate::ffi::boundary::inside(|| {
            ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(
                || -> ::std::result::Result<(), $crate::ffi::status::FfiError> { $body },
            ))
        });
        $crate::ffi::boundary::into_status(outcome)
    }};
}

use super::status::{omsvc_status, set_last_error, FfiError};
use omsvc_core::panic_text::panic_text;
use std::cell::{Cell, RefCell};
use std::sync::Once;

thread_local! {
    /// How many boundary calls this thread is inside (a service callback may call back in).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// Where the last panic inside the boundary on this thread happened.
    static PANIC_PLACE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f` counted as inside the boundary, installing the quiet panic hook first.
pub(crate) fn inside<R>(f: impl FnOnce() -> R) -> R {
    static HOOK: Once = Once::new();
    HOOK.call_once(install_hook);
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            DEPTH.with(|depth| depth.set(depth.get().saturating_sub(1)));
        }
    }
    DEPTH.with(|depth| depth.set(depth.get() + 1));
    let _leave = Leave;
    f()
}

fn install_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if DEPTH.with(Cell::get) > 0 {
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()));
            PANIC_PLACE.with(|last| *last.borrow_mut() = place);
        } else if on_library_thread() {
            // The runner and the openraft runtime of a node the C ABI started: the panic is
            // handled where it lands (a failed service, a stopped task); log it, do not print.
            tracing::error!(
                thread = std::thread::current().name().unwrap_or(""),
                panic = panic_text(info.payload()),
                place = ?info.location(),
                "panic on a libomsvc thread"
            );
        } else {
            previous(info);
        }
    }));
}

fn on_library_thread() -> bool {
    std::thread::current()
        .name()
        .is_some_and(|name| name.starts_with("omsvc-"))
}

pub(crate) fn into_status(outcome: std::thread::Result<Result<(), FfiError>>) -> omsvc_status {
    match outcome {
        Ok(Ok(())) => omsvc_status::OMSVC_OK,
        Ok(Err(error)) => {
            set_last_error(&error.message);
            error.status
        }
        Err(panic) => {
            let detail = panic_text(panic.as_ref());
            let place = PANIC_PLACE.with(|last| last.borrow_mut().take());
            tracing::error!(detail, ?place, "panic caught at the C boundary");
            set_last_error(&match place {
                Some(place) => format!("libomsvc panicked at {place}: {detail}"),
                None => format!("libomsvc panicked: {detail}"),
            });
            omsvc_status::OMSVC_PANIC
        }
    }
}

/// For the `void` functions (frees): swallows a panic, logging it.
pub(crate) fn guard_void(f: impl FnOnce()) {
    if inside(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))).is_err() {
        tracing::error!("panic caught at the C boundary in a free function");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_the_boundary_becomes_a_status_naming_its_place() {
        let status = ffi_boundary!({
            let empty: Vec<u8> = Vec::new();
            let _ = empty[usize::from(empty.is_empty())];
            Ok(())
        });
        assert_eq!(status, omsvc_status::OMSVC_PANIC);
        // SAFETY: omsvc_last_error returns a NUL-terminated string, never NULL, valid until the
        // next failing call on this thread.
        let message = unsafe { std::ffi::CStr::from_ptr(super::super::omsvc_last_error()) }
            .to_string_lossy()
            .into_owned();
        assert!(
            message.starts_with("libomsvc panicked at src/ffi/boundary.rs:"),
            "{message}"
        );
        assert!(message.contains("index out of bounds"), "{message}");
        assert_eq!(DEPTH.with(Cell::get), 0);
    }

    /// In a child process (see below): a panic inside the boundary, then one outside it.
    #[test]
    fn child_panics_inside_then_outside_the_boundary() {
        if std::env::var_os("OMSVC_PANIC_CHILD").is_none() {
            return;
        }
        let status = ffi_boundary!(panic!("inside the boundary"));
        assert_eq!(status, omsvc_status::OMSVC_PANIC);
        let outside = std::thread::spawn(|| panic!("outside the boundary")).join();
        assert!(outside.is_err());
    }

    #[test]
    fn the_library_prints_nothing_for_its_own_panics_and_forwards_the_others() {
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "ffi::boundary::tests::child_panics_inside_then_outside_the_boundary",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("OMSVC_PANIC_CHILD", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&child.stderr);
        assert!(child.status.success(), "{stderr}");
        assert!(!stderr.contains("inside the boundary"), "{stderr}");
        assert!(stderr.contains("outside the boundary"), "{stderr}");
    }
}
