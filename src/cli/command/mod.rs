//! Leader-only commands for `omsvc node run --service NAME=COMMAND`: any program, run while
//! this node may run the service, stopped when it may not.
//!
//! - [`service`]: [`CommandService`], the libomsvc service that runs one command.
//! - [`keeper`]: `omsvc node keep`, the process that holds the command's process group and
//!   ends it when told, when the node's lease runs out, or when the node is gone.
//! - [`protocol`]: the lines a node and a keeper exchange.
//! - [`output`]: a command's output into the node's log.

pub mod keeper;
mod output;
mod protocol;
mod service;

pub use service::{CommandService, CommandSettings};

/// Parses `NAME=COMMAND` (e.g. `Compactor=./compact --all`): the command runs with `/bin/sh -c`.
pub fn parse_command_spec(text: &str) -> Result<(String, String), String> {
    let (name, command) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=COMMAND, got {text:?}"))?;
    omsvc_core::table::validate_service_name(name)
        .map_err(|error| format!("service name {name:?}: {error}"))?;
    if command.trim().is_empty() {
        return Err(format!("service {name} has an empty command"));
    }
    Ok((name.to_owned(), command.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::parse_command_spec;

    #[test]
    fn a_spec_is_a_valid_name_and_a_command() {
        assert_eq!(
            parse_command_spec("Compactor=./compact --all --ratio=2").unwrap(),
            (
                "Compactor".to_owned(),
                "./compact --all --ratio=2".to_owned()
            )
        );
        assert!(parse_command_spec("Compactor").is_err());
        assert!(parse_command_spec("=sleep 1").is_err());
        assert!(parse_command_spec("Compactor= ").is_err());
    }
}
