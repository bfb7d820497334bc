//! Calls into Java from the library's own threads (service runners, stop threads, the log
//! thread). Each call attaches its thread for the call only, through jni's scoped attachment,
//! and detaches it when the call returns: an idle runner is no Java thread, so it never keeps
//! the JVM from ending after `main` returns, and a JVM that is torn down finds no native
//! thread of ours attached unless it is inside Java at that moment. The shutdown hook on the
//! Java side (`org.libomsvc.OpenNodes`) closes the open nodes and joins their runners before
//! the JVM goes, so that moment does not come.

use jni::strings::JNIString;
use jni::{AttachConfig, Env, JavaVM, DEFAULT_LOCAL_FRAME_CAPACITY};

/// Runs `call` with the calling thread attached to the JVM, for the call only unless the
/// thread was attached already (a Java thread calling into the library). Java sees an
/// attached thread under its Rust name (e.g. omsvc-runner-om1).
pub(crate) fn with_attached<T, E: From<jni::errors::Error>>(
    vm: &JavaVM,
    call: impl FnOnce(&mut Env) -> Result<T, E>,
) -> Result<T, E> {
    let name = std::thread::current().name().map(JNIString::from);
    vm.attach_current_thread_with_config(
        || {
            let config = AttachConfig::new().scoped(true);
            match &name {
                Some(name) => config.thread_name(name),
                None => config,
            }
        },
        Some(DEFAULT_LOCAL_FRAME_CAPACITY),
        call,
    )
}
