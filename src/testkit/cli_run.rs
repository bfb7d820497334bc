//! Runs of the `omsvc` command, and their description for failure messages.

use crate::binary::omsvc_binary;
use std::process::{Command, Output};

/// Runs the `omsvc` CLI with `args` and waits for it.
pub fn omsvc(args: &[&str]) -> Output {
    Command::new(omsvc_binary())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("expected to run omsvc {args:?}: {e}"))
}

/// A CLI run's exit code and output, for failure messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit {:?}, stdout {:?}, stderr {:?}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
