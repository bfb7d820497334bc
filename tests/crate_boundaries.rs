//! The workspace's crates keep their layers apart: what each one pulls in is checked against
//! Cargo's own dependency graph, so a dependency added to the wrong crate fails here, not in a
//! user's build.

use std::collections::BTreeSet;
use std::process::Command;

/// The crates `package` depends on for a normal build (no dev or build dependencies), by name.
fn normal_dependencies(package: &str) -> BTreeSet<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "tree",
            "--locked",
            "--offline",
            "--edges",
            "normal",
            "--prefix",
            "none",
        ])
        .args(["--format", "{p}", "--package", package])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cannot run cargo tree");
    assert!(
        output.status.success(),
        "cargo tree -p {package} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn assert_free_of(package: &str, forbidden: &[&str]) {
    let dependencies = normal_dependencies(package);
    assert!(
        dependencies.contains("rocksdb") || package != "omsvc-core",
        "the dependency graph was not read: {dependencies:?}"
    );
    let found: Vec<_> = forbidden
        .iter()
        .filter(|name| dependencies.contains(**name))
        .collect();
    assert!(found.is_empty(), "{package} depends on {found:?}");
}

#[test]
fn the_core_builds_without_openraft_tokio_jni_or_the_cli() {
    assert_free_of(
        "omsvc-core",
        &[
            "openraft",
            "tokio",
            "jni",
            "clap",
            "tracing-subscriber",
            "hyper",
            "omsvc-raft",
        ],
    );
}

/// (It carries the openraft mode, and openraft itself depends on clap for its `Config`.)
#[test]
fn the_c_library_carries_no_jni_and_no_cli() {
    assert_free_of("omsvc", &["jni", "omsvc-jni", "omsvc-cli", "omsvc-testkit"]);
}

#[test]
fn the_jni_library_carries_neither_the_c_abi_nor_openraft() {
    assert_free_of(
        "omsvc-jni",
        &["omsvc", "omsvc-raft", "openraft", "clap", "tokio"],
    );
}

/// The command users install carries no test code (its demo runs omsvc-raft's LocalCluster),
/// so it can be published.
#[test]
fn the_cli_carries_no_test_kit() {
    assert_free_of("omsvc-cli", &["omsvc-testkit", "omsvc"]);
}
