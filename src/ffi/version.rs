//! The version the header was generated for, and the check that the linked library
//! serves it.

use super::status::{omsvc_status, FfiError};
use std::ffi::c_uint;

/// The major version of the libomsvc this header belongs to: versions with another major are
/// not compatible.
pub const OMSVC_VERSION_MAJOR: u32 = 0;
/// The minor version of the libomsvc this header belongs to: a library with the same major
/// and this minor or a later one serves a caller compiled against this header.
pub const OMSVC_VERSION_MINOR: u32 = 1;
/// The patch version of the libomsvc this header belongs to.
pub const OMSVC_VERSION_PATCH: u32 = 0;

const _: () = assert!(
    OMSVC_VERSION_MAJOR == number(env!("CARGO_PKG_VERSION_MAJOR"))
        && OMSVC_VERSION_MINOR == number(env!("CARGO_PKG_VERSION_MINOR"))
        && OMSVC_VERSION_PATCH == number(env!("CARGO_PKG_VERSION_PATCH")),
    "OMSVC_VERSION_* must be Cargo.toml's version"
);

const fn number(digits: &str) -> u32 {
    let digits = digits.as_bytes();
    let mut value = 0;
    let mut i = 0;
    while i < digits.len() {
        value = value * 10 + (digits[i] - b'0') as u32;
        i += 1;
    }
    value
}

/// Checks that the linked libomsvc serves a caller compiled against version
/// `major`.`minor`; call it as `omsvc_check_version(OMSVC_VERSION_MAJOR,
/// OMSVC_VERSION_MINOR)` before anything else. Compatible, as Cargo's semantic versioning
/// reads versions: the same major version and the library's minor version at least `minor`;
/// while the major version is 0, every minor version may break the API, so the minor versions
/// must be equal.
///
/// Errors: `OMSVC_INCOMPATIBLE_VERSION`, with both versions in `omsvc_last_error`.
#[no_mangle]
pub extern "C" fn omsvc_check_version(major: c_uint, minor: c_uint) -> omsvc_status {
    ffi_boundary!({
        if compatible(major, minor) {
            Ok(())
        } else {
            let needed = if major == 0 {
                format!("a library with version {major}.{minor}.x is needed (before 1.0 each minor version may break the API)")
            } else {
                format!("a library with major version {major} and minor version {minor} or later is needed")
            };
            Err(FfiError::new(
                omsvc_status::OMSVC_INCOMPATIBLE_VERSION,
                format!(
                    "libomsvc {} is linked, but the caller was compiled against omsvc.h \
                     {major}.{minor}: {needed}",
                    env!("CARGO_PKG_VERSION")
                ),
            ))
        }
    })
}

fn compatible(major: u32, minor: u32) -> bool {
    if major != OMSVC_VERSION_MAJOR {
        return false;
    }
    if major == 0 {
        minor == OMSVC_VERSION_MINOR
    } else {
        minor <= OMSVC_VERSION_MINOR
    }
}
