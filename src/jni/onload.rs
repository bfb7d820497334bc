//! `JNI_OnLoad`: registers the native methods of `NativeOmsvc` when the JVM loads the library,
//! so the library exports no `Java_...` symbols and a Java declaration that no longer matches
//! its Rust implementation fails the load (`UnsatisfiedLinkError`) instead of the first call.

use super::natives::METHODS;
use jni::sys::{jint, JNI_ERR, JNI_VERSION_1_8};
use jni::{jni_str, JavaVM};
use std::ffi::c_void;

/// Called by the JVM on the thread that runs `System.load`; `FindClass` there uses the class
/// loader of the class that loads the library (`org.libomsvc.NativeLibrary`), which is
/// `NativeOmsvc`'s.
#[no_mangle]
pub extern "system" fn JNI_OnLoad(vm: *mut jni::sys::JavaVM, _reserved: *mut c_void) -> jint {
    let registered = std::panic::catch_unwind(|| {
        // SAFETY: the JVM passes its own, live JavaVM.
        let vm = unsafe { JavaVM::from_raw(vm) };
        vm.attach_current_thread(|env| -> jni::errors::Result<()> {
            let class = env.find_class(jni_str!("org/libomsvc/internal/NativeOmsvc"))?;
            // SAFETY: every entry of METHODS comes from `native_method!`, which checks the
            // Rust function against the Java signature; all are declared `static`, as in
            // NativeOmsvc, so each takes the class as its second parameter.
            unsafe { env.register_native_methods(&class, METHODS) }
        })
    });
    match registered {
        Ok(Ok(())) => JNI_VERSION_1_8,
        Ok(Err(_)) | Err(_) => JNI_ERR,
    }
}
