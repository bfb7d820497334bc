//! The `omsvc` command under test, built on first use.
//!
//! Cargo gives a package's tests the path of that package's own binaries only; the command lives
//! in `omsvc-cli`, so the tests ask Cargo for it, with the profile they were built with. Building
//! it here, not assuming it is already there, means a test never runs a stale command.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The path of the `omsvc` executable, built (once per test process) with the tests' profile.
///
/// # Panics
/// When Cargo cannot build it; the message carries Cargo's exit status.
pub fn omsvc_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(build_omsvc).clone()
}

fn build_omsvc() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../cli/Cargo.toml");
    let mut build = Command::new(cargo);
    build.args([
        "build",
        "--locked",
        "--quiet",
        "--message-format=json",
        "--bin",
        "omsvc",
    ]);
    build.arg("--manifest-path").arg(manifest);
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    let output = build
        .stderr(Stdio::inherit())
        .output()
        .expect("cannot run cargo to build the omsvc command");
    assert!(
        output.status.success(),
        "cargo build --bin omsvc failed ({})",
        output.status
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("cargo built no omsvc executable")
}
