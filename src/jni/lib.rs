//! The JNI adapter (jni 0.22): the native methods of `org.libomsvc.internal.NativeOmsvc`,
//! registered by `JNI_OnLoad` with signatures checked at compile time. Like the C ABI it only
//! converts and forwards: handles in a `long` checked against a handle table (several nodes in
//! one JVM never share state), errors and panics thrown as typed `org.libomsvc` exceptions,
//! Java services called from the runner thread (attached to the JVM for each call, through
//! method IDs looked up once), and the library's tracing events forwarded to a Java log sink.

mod attach;
#[doc(hidden)] // Public for tests/error_table.rs only.
pub mod errors;
mod logging;
mod natives;
mod onload;
mod registered_natives;
mod service;
mod upcalls;
