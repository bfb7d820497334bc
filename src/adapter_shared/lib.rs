//! What libomsvc's two foreign-language adapters, the C ABI (`omsvc`) and JNI (`omsvc-jni`),
//! share, so that they behave alike:
//!
//! - [`handles`]: the table that turns the integers handed to C and Java into checked
//!   references (a freed or foreign handle is an error, never undefined behaviour);
//! - [`log_text`]: one `tracing` event rendered as the level number and text both log hooks pass on.

pub mod handles;
pub mod log_text;
