//! `JNI_OnLoad`: registers the native methods of `NativeOmsvc` when the JVM loads the library,
//! so the library exports no `Java_...` symbols and a Java declaration that no longer matches
//! its Rust implementation fails the load (`UnsatisfiedLinkError`) instead of the first call.

use super::natives::METHODS;
use super::service::take_pending;
use jni::strings::{JNIStr, JNIString};
use jni::sys::{jint, JNI_ERR, JNI_VERSION_1_8};
use jni::{jni_str, AttachConfig, AttachmentExceptionPolicy, Env, JavaVM};
use std::ffi::c_void;

/// Called by the JVM on the thread that runs `System.load`; `FindClass` there uses the class
/// loader of the class that loads the library (`org.libomsvc.NativeLibrary`), which is
/// `NativeOmsvc`'s. On failure `System.load` throws the `UnsatisfiedLinkError` left pending.
#[no_mangle]
pub extern "system" fn JNI_OnLoad(vm: *mut jni::sys::JavaVM, _reserved: *mut c_void) -> jint {
    let registered = std::panic::catch_unwind(|| {
        // SAFETY: the JVM passes its own, live JavaVM.
        let vm = unsafe { JavaVM::from_raw(vm) };
        // The loading thread is a Java thread: this attaches nothing, and `Ignore` leaves the
        // exception thrown below pending for `System.load` to throw.
        vm.attach_current_thread_with_config(
            || AttachConfig::new().exceptions_policy(AttachmentExceptionPolicy::Ignore),
            None,
            |env| -> jni::errors::Result<()> {
                let outcome = register(env);
                if let Err(error) = &outcome {
                    let cause = if env.exception_check() {
                        take_pending(env)
                    } else {
                        error.to_string()
                    };
                    let message = format!(
                        "libomsvc could not register the native methods of \
                         org.libomsvc.internal.NativeOmsvc (is the jar of another version than \
                         the library?): {cause}"
                    );
                    let _ = env.throw_new(
                        jni_str!("java/lang/UnsatisfiedLinkError"),
                        JNIString::from(message),
                    );
                }
                outcome
            },
        )
    });
    match registered {
        Ok(Ok(())) => JNI_VERSION_1_8,
        Ok(Err(_)) | Err(_) => JNI_ERR,
    }
}

/// The class whose native methods `JNI_OnLoad` registers.
pub(crate) const NATIVES_CLASS: &JNIStr = jni_str!("org/libomsvc/internal/NativeOmsvc");

fn register(env: &mut Env) -> jni::errors::Result<()> {
    let class = env.find_class(NATIVES_CLASS)?;
    // SAFETY: every entry of METHODS comes from `native_method!`, which checks the Rust
    // function against the Java signature; all are declared `static`, as in NativeOmsvc, so
    // each takes the class as its second parameter.
    unsafe { env.register_native_methods(&class, METHODS) }
}
