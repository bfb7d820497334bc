//! `omsvc_set_log_callback`: the library's `tracing` events handed to a C function. Without
//! a callback the C library logs nothing anywhere.
//!
//! The callback runs synchronously on the thread that logs, inside the library (possibly
//! while it holds a lock of its own), so it must be quick, thread-safe, and must not call
//! `omsvc_` functions. Replacing the callback waits for calls of the old one in progress:
//! once `omsvc_set_log_callback` returns, the old callback and userdata are never used again.

use super::status::{omsvc_status, FfiError};
use omsvc_adapter_shared::log_text::{level_number, MessageAndFields};
use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Once, RwLock};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// The severity of a log event, and the `max_level` of `omsvc_set_log_callback`: events at
/// `max_level` or more severe (a lower number) reach the callback.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum omsvc_log_level {
    /// As `max_level`: no events (the same as a NULL callback).
    OMSVC_LOG_OFF = 0,
    /// Failures the library could not handle where they happened.
    OMSVC_LOG_ERROR = 1,
    /// Failures handled by retrying or giving up on one action.
    OMSVC_LOG_WARN = 2,
    /// Services started and stopped, nodes and databases opened.
    OMSVC_LOG_INFO = 3,
    /// Detail for diagnosing a problem.
    OMSVC_LOG_DEBUG = 4,
    /// Everything.
    OMSVC_LOG_TRACE = 5,
}

impl omsvc_log_level {
    fn from_number(level: u8) -> omsvc_log_level {
        use omsvc_log_level::*;
        match level {
            1 => OMSVC_LOG_ERROR,
            2 => OMSVC_LOG_WARN,
            3 => OMSVC_LOG_INFO,
            4 => OMSVC_LOG_DEBUG,
            _ => OMSVC_LOG_TRACE,
        }
    }
}

/// Receives one log event: its level, its target (the Rust module that logged, e.g.
/// "omsvc_core::services::runner") and its message with its fields ("service started
/// service=KeyLifecycleService epoch=3"), both NUL-terminated and valid only during the
/// call, and the `userdata` given to `omsvc_set_log_callback`.
pub type omsvc_log_callback = Option<
    unsafe extern "C" fn(
        level: omsvc_log_level,
        target: *const c_char,
        message: *const c_char,
        userdata: *mut c_void,
    ),
>;

type LogFn = unsafe extern "C" fn(omsvc_log_level, *const c_char, *const c_char, *mut c_void);

struct Registered {
    callback: LogFn,
    userdata: *mut c_void,
}

// SAFETY: the header documents that the callback is called from any thread and must be
// thread-safe with its userdata; the library never touches `userdata` itself.
unsafe impl Send for Registered {}
// SAFETY: as above; a `&Registered` only reads the pointers to make the call.
unsafe impl Sync for Registered {}

/// Held for reading by every call of the callback, for writing to replace it.
static CALLBACK: RwLock<Option<Registered>> = RwLock::new(None);
/// 0 (off) .. 5 (trace); read by `enabled` without taking the lock.
static MAX_LEVEL: AtomicU8 = AtomicU8::new(0);
/// Installs this layer as the process's global subscriber, unless another was first.
static INSTALL: Once = Once::new();

thread_local! {
    /// Set while this thread is inside the log layer: what the callback (or formatting) logs
    /// is dropped rather than recursing.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// Sets the function that receives the library's log events at `max_level` (an
/// `omsvc_log_level`) or more severe; `callback` NULL or `max_level` `OMSVC_LOG_OFF`
/// disables logging. Calling again replaces the callback and level; it waits for calls of
/// the previous callback in progress, so once it returns the previous callback and its
/// `userdata` are no longer used and may be released.
///
/// The callback is called on whichever thread logs: the caller's thread inside an `omsvc_`
/// call, a node's runner thread, the threads that stop services, an openraft node's
/// threads. It must be thread-safe, must not block for long, and must not call `omsvc_`
/// functions (the library may hold a lock of its own while it logs); a call of
/// `omsvc_set_log_callback` from inside it returns `OMSVC_INVALID_ARGUMENT`. What the
/// library logs while the callback runs on a thread is dropped.
///
/// The library installs its log forwarding as the process's global `tracing` subscriber on
/// the first call. If the process already has one (a Rust host's, or the Java binding's),
/// that one stays in charge and the callback receives nothing.
///
/// Errors: `OMSVC_INVALID_ARGUMENT` for a `max_level` outside `OMSVC_LOG_OFF`..
/// `OMSVC_LOG_TRACE`, or a call from inside the callback.
#[no_mangle]
pub extern "C" fn omsvc_set_log_callback(
    callback: omsvc_log_callback,
    userdata: *mut c_void,
    max_level: c_int,
) -> omsvc_status {
    ffi_boundary!({
        let level = u8::try_from(max_level)
            .ok()
            .filter(|level| *level <= omsvc_log_level::OMSVC_LOG_TRACE as u8)
            .ok_or_else(|| {
                FfiError::new(
                    omsvc_status::OMSVC_INVALID_ARGUMENT,
                    format!("max_level {max_level} is not an omsvc_log_level (0 off .. 5 trace)"),
                )
            })?;
        if IN_CALLBACK.with(Cell::get) {
            return Err(FfiError::new(
                omsvc_status::OMSVC_INVALID_ARGUMENT,
                "omsvc_set_log_callback was called from inside the log callback",
            ));
        }
        let registered = callback
            .filter(|_| level > 0)
            .map(|callback| Registered { callback, userdata });
        let level = if registered.is_some() { level } else { 0 };
        INSTALL.call_once(|| {
            // An error means the host installed its own subscriber first: it stays in charge.
            let _ = tracing_subscriber::registry().with(CLogLayer).try_init();
        });
        {
            let mut current = CALLBACK.write().unwrap_or_else(|p| p.into_inner());
            MAX_LEVEL.store(level, Ordering::Relaxed);
            *current = registered;
        }
        // Call sites cache whether they are enabled: a new level must reach them.
        tracing::callsite::rebuild_interest_cache();
        Ok(())
    })
}

struct CLogLayer;

impl<S: Subscriber> Layer<S> for CLogLayer {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        level_number(metadata.level()) <= MAX_LEVEL.load(Ordering::Relaxed)
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if IN_CALLBACK.with(|inside| inside.replace(true)) {
            return;
        }
        struct Leave;
        impl Drop for Leave {
            fn drop(&mut self) {
                IN_CALLBACK.with(|inside| inside.set(false));
            }
        }
        let _leave = Leave;
        // A value's `Debug` may panic: the panic stays here (and, inside the boundary, off
        // stderr), the event is lost.
        let _ = super::boundary::inside(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| forward(event)))
        });
    }
}

fn forward(event: &Event<'_>) {
    let level = level_number(event.metadata().level());
    let current = CALLBACK.read().unwrap_or_else(|p| p.into_inner());
    let Some(registered) = current.as_ref() else {
        return;
    };
    if level > MAX_LEVEL.load(Ordering::Relaxed) {
        return;
    }
    let mut text = MessageAndFields::default();
    event.record(&mut text);
    let target = c_string(event.metadata().target());
    let message = c_string(&text.finish());
    // SAFETY: the callback and userdata were given together to omsvc_set_log_callback, whose
    // contract makes the callback callable from any thread; the strings live across the call;
    // the read lock keeps the registration from being replaced during the call.
    unsafe {
        (registered.callback)(
            omsvc_log_level::from_number(level),
            target.as_ptr(),
            message.as_ptr(),
            registered.userdata,
        )
    };
}

/// `text` as a C string, with any NUL shown as `\0`.
fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}
