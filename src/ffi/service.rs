//! Services written in C: callbacks plus `userdata`, called by the node's runner.

use super::args;
use super::core_handle::NodeRef;
use super::extensible::{self, Extensible};
use super::node::{omsvc_node, omsvc_str};
use super::status::{omsvc_status, FfiError};
use omsvc_core::services::{EpochToken, Service, ServiceError, ServiceOptions};
use std::cell::Cell;
use std::ffi::c_void;
use std::sync::Arc;
use std::time::Duration;

/// A C service's callbacks, each called with the `userdata` given at registration.
///
/// Threads: a service's callbacks never overlap one another, but they do not all run on one
/// thread. `start` and `should_run` run on the node's runner thread; when leadership ends, the
/// `stop`s of the node's services run at the same time, each on a thread of its own; `release`
/// runs on whichever thread drops the service last (the caller of `omsvc_node_free`,
/// `omsvc_raft_node_free`, `omsvc_node_core_release` or `omsvc_node_register_service`, or a
/// library thread). So `userdata` must be usable from any thread, one callback at a time;
/// memory written by one callback is visible to the next.
///
/// Callbacks may call back into libomsvc. From inside a callback (`release` included),
/// `omsvc_node_free` and `omsvc_node_shutdown` (of any node) only request the shutdown and do
/// not wait for it, so callbacks that free each other's nodes cannot deadlock.
///
/// Initialize it with `omsvc_service_callbacks_init(&callbacks, sizeof callbacks)` (every
/// callback NULL), then set the callbacks. It can grow (see "Structs that grow" at the top):
/// callbacks after the caller's `struct_size` are NULL, and a newer caller's callbacks unknown
/// to this library must be NULL.
///
/// Lifetime of `userdata`: once `omsvc_node_register_service` (or its core variant) is called
/// with `callbacks` it accepts (not NULL, a valid `struct_size`; otherwise nothing is called
/// and `userdata` stays the caller's), libomsvc owns the `userdata` until it calls `release`
/// (when that is not NULL) exactly once, whatever the status: on failure before the registration function
/// returns, on success after the last callback of the service has returned, at the latest while
/// the node is freed (for a raft node: stopped, with every core handle released). After
/// `release`, no callback of that service runs again.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct omsvc_service_callbacks {
    /// The size of the caller's struct, set by `omsvc_service_callbacks_init`: at least
    /// `OMSVC_SERVICE_CALLBACKS_SIZE_1_0`, else OMSVC_INVALID_ARGUMENT (0: a zeroed struct).
    pub struct_size: usize,
    /// Required. Starts the service as the leader of `epoch`; returns 0 on success, anything
    /// else on failure (retried with backoff while the node should still run it).
    pub start: Option<unsafe extern "C" fn(userdata: *mut c_void, epoch: u64) -> i32>,
    /// Required. Stops the service; returns 0 on success (a failure is recorded and the
    /// service counts as stopped).
    pub stop: Option<unsafe extern "C" fn(userdata: *mut c_void) -> i32>,
    /// Optional (NULL: always run). The service's own gate: 1 run, 0 do not run, anything
    /// else: failed (treated as a failed start).
    pub should_run: Option<unsafe extern "C" fn(userdata: *mut c_void) -> i32>,
    /// Optional (NULL: nothing to release). Called exactly once, after the last callback (see
    /// above), to free `userdata`.
    pub release: Option<unsafe extern "C" fn(userdata: *mut c_void)>,
}

/// The size of `omsvc_service_callbacks` in libomsvc 1.0, the smallest `struct_size` accepted.
pub const OMSVC_SERVICE_CALLBACKS_SIZE_1_0: usize = 40;
const _: () =
    assert!(OMSVC_SERVICE_CALLBACKS_SIZE_1_0 == std::mem::size_of::<omsvc_service_callbacks>());
const _: () = assert!(std::mem::offset_of!(omsvc_service_callbacks, struct_size) == 0);

// SAFETY: `#[repr(C)]`, starting with `struct_size: usize` (asserted above); its other fields
// are nullable function pointers.
unsafe impl Extensible for omsvc_service_callbacks {
    const NAME: &'static str = "omsvc_service_callbacks";
    const MIN_SIZE: usize = OMSVC_SERVICE_CALLBACKS_SIZE_1_0;
    const HOW_TO_SIZE: &'static str =
        "initialize it with omsvc_service_callbacks_init(&callbacks, \
         sizeof callbacks), then set the callbacks";
}

impl omsvc_service_callbacks {
    /// No callbacks, `struct_size` this library's size.
    fn none() -> Self {
        omsvc_service_callbacks {
            struct_size: std::mem::size_of::<omsvc_service_callbacks>(),
            start: None,
            stop: None,
            should_run: None,
            release: None,
        }
    }
}

/// Fills the caller's `*callbacks` of `struct_size` bytes (pass `sizeof callbacks`) with NULL
/// callbacks and sets its `struct_size`. Errors: OMSVC_NULL_ARGUMENT, OMSVC_INVALID_ARGUMENT
/// (`struct_size` below `OMSVC_SERVICE_CALLBACKS_SIZE_1_0`).
///
/// # Safety
/// `callbacks` is NULL or points to writable memory for `struct_size` bytes, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_service_callbacks_init(
    callbacks: *mut omsvc_service_callbacks,
    struct_size: usize,
) -> omsvc_status {
    ffi_boundary!({
        // SAFETY: the C caller passes `callbacks` NULL or writable for `struct_size` bytes.
        unsafe {
            extensible::init(
                callbacks,
                struct_size,
                omsvc_service_callbacks::none(),
                "callbacks",
            )
        }
    })
}

type StartFn = unsafe extern "C" fn(*mut c_void, u64) -> i32;
type StopFn = unsafe extern "C" fn(*mut c_void) -> i32;
type ShouldRunFn = unsafe extern "C" fn(*mut c_void) -> i32;
type ReleaseFn = unsafe extern "C" fn(*mut c_void);

/// Per-service gates and retry policy for `omsvc_node_register_service` (NULL there: the
/// defaults). Initialize it with `omsvc_service_options_init(&options, sizeof options)`, then
/// set the fields; a zeroed struct is refused (OMSVC_INVALID_ARGUMENT). It can grow (see
/// "Structs that grow" at the top): fields after the caller's `struct_size` take their
/// defaults, and a newer caller's fields unknown to this library must be zero.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct omsvc_service_options {
    /// The size of the caller's struct, set by `omsvc_service_options_init`: at least
    /// `OMSVC_SERVICE_OPTIONS_SIZE_1_0`, else OMSVC_INVALID_ARGUMENT (0: a zeroed struct).
    pub struct_size: usize,
    /// Wait this long after the node becomes leader-ready before starting. Default: 0.
    pub delay_after_ready_ms: u64,
    /// First retry wait after a failed start (doubles each time). Default: 100; 0 also means
    /// the default.
    pub retry_initial_ms: u64,
    /// Longest retry wait. Default: 30000; 0 also means the default.
    pub retry_max_ms: u64,
}

/// The size of `omsvc_service_options` in libomsvc 1.0, the smallest `struct_size` accepted.
pub const OMSVC_SERVICE_OPTIONS_SIZE_1_0: usize = 32;
const _: () =
    assert!(OMSVC_SERVICE_OPTIONS_SIZE_1_0 == std::mem::size_of::<omsvc_service_options>());
const _: () = assert!(std::mem::offset_of!(omsvc_service_options, struct_size) == 0);

// SAFETY: `#[repr(C)]`, starting with `struct_size: usize` (asserted above); its fields are
// integers.
unsafe impl Extensible for omsvc_service_options {
    const NAME: &'static str = "omsvc_service_options";
    const MIN_SIZE: usize = OMSVC_SERVICE_OPTIONS_SIZE_1_0;
    const HOW_TO_SIZE: &'static str = "initialize it with omsvc_service_options_init(&options, \
         sizeof options), then set the fields";
}

impl omsvc_service_options {
    /// The defaults, `struct_size` this library's size.
    fn defaults() -> Self {
        let defaults = ServiceOptions::default();
        omsvc_service_options {
            struct_size: std::mem::size_of::<omsvc_service_options>(),
            delay_after_ready_ms: defaults.delay_after_ready.as_millis() as u64,
            retry_initial_ms: defaults.retry_initial.as_millis() as u64,
            retry_max_ms: defaults.retry_max.as_millis() as u64,
        }
    }
}

/// Fills the caller's `*options` of `struct_size` bytes (pass `sizeof options`) with the
/// defaults (see the fields) and sets its `struct_size`. Errors: OMSVC_NULL_ARGUMENT,
/// OMSVC_INVALID_ARGUMENT (`struct_size` below `OMSVC_SERVICE_OPTIONS_SIZE_1_0`).
///
/// # Safety
/// `options` is NULL or points to writable memory for `struct_size` bytes, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_service_options_init(
    options: *mut omsvc_service_options,
    struct_size: usize,
) -> omsvc_status {
    ffi_boundary!({
        // SAFETY: the C caller passes `options` NULL or writable for `struct_size` bytes.
        unsafe {
            extensible::init(
                options,
                struct_size,
                omsvc_service_options::defaults(),
                "options",
            )
        }
    })
}

struct CService {
    start: StartFn,
    stop: StopFn,
    should_run: Option<ShouldRunFn>,
    userdata: Userdata,
}

/// The host's `userdata`, released with its `release` callback when dropped: after the last
/// callback (every callback borrows the service), or when registration fails.
struct Userdata {
    pointer: *mut c_void,
    release: Option<ReleaseFn>,
}

impl Drop for Userdata {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: `release` is the function the host registered with this `userdata`, as
            // `omsvc_service_callbacks` defines it; a drop happens once.
            callback(|| unsafe { release(self.pointer) });
        }
    }
}

// SAFETY: as for `CService` below: the header requires `userdata` to be usable from any thread.
unsafe impl Send for Userdata {}
// SAFETY: a `&Userdata` only hands the pointer to the host's callbacks (see `CService`).
unsafe impl Sync for Userdata {}

// SAFETY: the header documents that callbacks run on the runner thread or, for concurrent
// stops, on threads of their own, and that `userdata` must be usable from any thread;
// libomsvc never touches `userdata` itself.
unsafe impl Send for CService {}
// SAFETY: a `&CService` only reads its fields and calls the host's callbacks, which the runner
// never runs at the same time for one service; `userdata` is usable from any thread (above).
unsafe impl Sync for CService {}

thread_local! {
    /// How many C service callbacks this thread is inside.
    static IN_CALLBACK: Cell<u32> = const { Cell::new(0) };
}

/// Runs a C callback marked as such, so that a free or shutdown it calls knows not to wait.
fn callback<R>(call: impl FnOnce() -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            IN_CALLBACK.with(|depth| depth.set(depth.get().saturating_sub(1)));
        }
    }
    IN_CALLBACK.with(|depth| depth.set(depth.get() + 1));
    let _leave = Leave;
    call()
}

/// True on a thread while it runs a C service's callback (of any node). Waiting there
/// for a node's runner could wait on this very thread, or on a runner that waits for it.
pub(crate) fn in_service_callback() -> bool {
    IN_CALLBACK.with(Cell::get) > 0
}

impl Service for CService {
    fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
        // SAFETY: `start` is the non-NULL function the host registered with this `userdata`, as
        // `omsvc_service_callbacks` defines it.
        match callback(|| unsafe { (self.start)(self.userdata.pointer, epoch.epoch().0) }) {
            0 => Ok(()),
            code => Err(format!("the C start callback returned {code}").into()),
        }
    }

    fn stop(&self) -> Result<(), ServiceError> {
        // SAFETY: `stop` is the non-NULL function the host registered with this `userdata`, as
        // `omsvc_service_callbacks` defines it.
        match callback(|| unsafe { (self.stop)(self.userdata.pointer) }) {
            0 => Ok(()),
            code => Err(format!("the C stop callback returned {code}").into()),
        }
    }

    fn should_run(&self) -> Result<bool, ServiceError> {
        let Some(should_run) = self.should_run else {
            return Ok(true);
        };
        // SAFETY: `should_run` is the function the host registered with this `userdata`, as
        // `omsvc_service_callbacks` defines it.
        match callback(|| unsafe { should_run(self.userdata.pointer) }) {
            0 => Ok(false),
            1 => Ok(true),
            code => Err(format!("the C should_run callback returned {code}").into()),
        }
    }
}

/// Registers a C service named `name` (1 to 255 bytes of UTF-8). `options` may be NULL for
/// the defaults. The service starts once this node may run it. With `callbacks` accepted (not
/// NULL, a valid `struct_size`), `userdata` is released exactly once whatever this returns
/// (see `omsvc_service_callbacks`).
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `callbacks` is NULL or readable for its `struct_size` bytes, its functions behaving as it documents.
/// - `userdata` is not dereferenced by libomsvc; it must allow what the callbacks do with it.
/// - `options` is NULL or readable for its `struct_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_register_service(
    node: *mut omsvc_node,
    name: omsvc_str,
    callbacks: *const omsvc_service_callbacks,
    userdata: *mut c_void,
    options: *const omsvc_service_options,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `register_service`'s.
    unsafe { register_service(NodeRef::Owner(node), name, callbacks, userdata, options) }
}

/// The body of `omsvc_node_register_service` and `omsvc_node_core_register_service`.
pub(crate) unsafe fn register_service(
    node: NodeRef,
    name: omsvc_str,
    callbacks: *const omsvc_service_callbacks,
    userdata: *mut c_void,
    options: *const omsvc_service_options,
) -> omsvc_status {
    ffi_boundary!({
        // SAFETY: the C caller passes `callbacks` NULL or readable for its `struct_size` bytes.
        let callbacks =
            unsafe { extensible::read(callbacks, omsvc_service_callbacks::none(), "callbacks")? };
        // From here on every return, failures included, releases `userdata` exactly once.
        let userdata = Userdata {
            pointer: userdata,
            release: callbacks.release,
        };
        let node = node.lease()?;
        // SAFETY: the C caller passes `name.ptr` readable for `name.len` bytes (NULL is refused).
        let name = unsafe { args::service_name(name.ptr, name.len)? };
        let (Some(start), Some(stop)) = (callbacks.start, callbacks.stop) else {
            return Err(FfiError::new(
                omsvc_status::OMSVC_NULL_ARGUMENT,
                "callbacks.start and callbacks.stop are required",
            ));
        };
        let mut service_options = ServiceOptions::default();
        if !options.is_null() {
            // SAFETY: the C caller passes `options` readable for its `struct_size` bytes.
            let options =
                unsafe { extensible::read(options, omsvc_service_options::defaults(), "options")? };
            service_options.delay_after_ready = Duration::from_millis(options.delay_after_ready_ms);
            if options.retry_initial_ms > 0 {
                service_options.retry_initial = Duration::from_millis(options.retry_initial_ms);
            }
            if options.retry_max_ms > 0 {
                service_options.retry_max = Duration::from_millis(options.retry_max_ms);
            }
        }
        let service = CService {
            start,
            stop,
            should_run: callbacks.should_run,
            userdata,
        };
        node.register_shared(name, Arc::new(service), service_options)?;
        Ok(())
    })
}
