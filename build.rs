//! Names the C library for the dynamic linker: `libomsvc.so` gets the SONAME `libomsvc.so.<major>`,
//! or `libomsvc.so.0.<minor>` before 1.0, where each minor version may change the ABI (the rule
//! `omsvc_check_version` applies). A program linked against one ABI then refuses to start with a
//! library of another, instead of failing later.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("set by cargo");
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").expect("set by cargo");
    let abi = if major == "0" {
        format!("0.{minor}")
    } else {
        major
    };
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" || target_os == "freebsd" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libomsvc.so.{abi}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
