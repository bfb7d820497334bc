//! The JNI adapter (jni 0.22): the native methods of `org.libomsvc.internal.NativeOmsvc`.
//! Like the C ABI it only converts and forwards: handles in a `long` checked against a handle
//! table (several nodes in one JVM never share state), errors and panics thrown as typed
//! `org.libomsvc` exceptions, Java services called from the runner thread (attached to the JVM
//! once, as a daemon), and the library's tracing events forwarded to a Java log sink.

mod daemon;
#[doc(hidden)] // Public for tests/error_table.rs only.
pub mod errors;
mod logging;
mod natives;
mod service;
