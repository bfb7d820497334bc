//! What `JNI_OnLoad` registers, readable from Java (`NativeOmsvc.registeredNatives`). A Java
//! `native` method that Rust does not register fails only at its first call (the load checks
//! only the registered ones), so a Java test compares every declared native with this list.

use super::errors::JniResult;
use super::natives::METHODS;
use super::onload::NATIVES_CLASS;
use jni::objects::{JClass, JObjectArray, JString};
use jni::sys::JNINativeMethod;
use jni::{Env, NativeMethod};
use std::ffi::CStr;

/// `class.name(signature)` of one registration, the class by its Java name, e.g.
/// `org.libomsvc.internal.NativeOmsvc.version()Ljava/lang/String;`.
fn describe(method: &NativeMethod) -> String {
    // SAFETY: `NativeMethod` is `#[repr(transparent)]` over `JNINativeMethod` (its documented
    // layout), so the pointer cast reads the very descriptor `RegisterNatives` receives.
    let raw = unsafe { &*(method as *const NativeMethod).cast::<JNINativeMethod>() };
    // SAFETY: `native_method!` fills name and signature from NUL-terminated static strings.
    let (name, signature) = unsafe { (CStr::from_ptr(raw.name), CStr::from_ptr(raw.signature)) };
    format!(
        "{}.{}{}",
        NATIVES_CLASS.to_str().replace('/', "."),
        name.to_string_lossy(),
        signature.to_string_lossy()
    )
}

/// Every registration of `JNI_OnLoad`, as [`describe`] writes it.
pub(crate) fn registered_natives<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
) -> JniResult<JObjectArray<'local, JString<'local>>> {
    let array = JObjectArray::<JString>::new(env, METHODS.len(), JString::null())?;
    for (i, method) in METHODS.iter().enumerate() {
        let row = env.new_string(describe(method))?;
        array.set_element(env, i, &row)?;
    }
    Ok(array)
}
