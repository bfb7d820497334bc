//! Encoding and decoding of replicated configuration commands (`ServiceConfigurationCommand`).

use super::limits::{validate_configuration, validate_service_name};
use crate::core::error::Error;
use crate::core::proto::{
    service_configuration_command, DeleteServiceConfigurationRequest, ServiceConfigurationCommand,
    SetServiceConfigurationRequest,
};
use prost::Message;

/// A validated configuration command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Set {
        name: String,
        configuration: Vec<u8>,
    },
    Delete {
        name: String,
    },
}

impl Command {
    pub fn name(&self) -> &str {
        match self {
            Command::Set { name, .. } | Command::Delete { name } => name,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let command = match self {
            Command::Set {
                name,
                configuration,
            } => service_configuration_command::Command::Set(SetServiceConfigurationRequest {
                service_name: name.clone(),
                configuration: configuration.clone(),
            }),
            Command::Delete { name } => {
                service_configuration_command::Command::Delete(DeleteServiceConfigurationRequest {
                    service_name: name.clone(),
                })
            }
        };
        ServiceConfigurationCommand {
            command: Some(command),
        }
        .encode_to_vec()
    }
}

/// Builds the log entry payload that sets `name`'s configuration, checking the limits first.
pub fn encode_set_request(name: &str, configuration: &[u8]) -> Result<Vec<u8>, Error> {
    validate_service_name(name)?;
    validate_configuration(name, configuration)?;
    Ok(Command::Set {
        name: name.to_owned(),
        configuration: configuration.to_vec(),
    }
    .encode())
}

/// Builds the log entry payload that deletes `name`'s configuration.
pub fn encode_delete_request(name: &str) -> Result<Vec<u8>, Error> {
    validate_service_name(name)?;
    Ok(Command::Delete {
        name: name.to_owned(),
    }
    .encode())
}

/// Decodes and validates a log entry payload.
pub fn decode_command(bytes: &[u8]) -> Result<Command, Error> {
    let decoded =
        ServiceConfigurationCommand::decode(bytes).map_err(|error| Error::MalformedCommand {
            reason: format!("not a ServiceConfigurationCommand: {error}"),
        })?;
    let command = match decoded.command {
        Some(service_configuration_command::Command::Set(set)) => Command::Set {
            name: set.service_name,
            configuration: set.configuration,
        },
        Some(service_configuration_command::Command::Delete(delete)) => Command::Delete {
            name: delete.service_name,
        },
        None => {
            return Err(Error::MalformedCommand {
                reason: "the command holds neither a set nor a delete request".to_owned(),
            })
        }
    };
    validate_service_name(command.name())?;
    if let Command::Set {
        name,
        configuration,
    } = &command
    {
        validate_configuration(name, configuration)?;
    }
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::NameProblem;

    #[test]
    fn set_and_delete_round_trip() {
        let set = encode_set_request("svc", b"\x01\x02").unwrap();
        assert_eq!(
            decode_command(&set).unwrap(),
            Command::Set {
                name: "svc".into(),
                configuration: vec![1, 2]
            }
        );
        let delete = encode_delete_request("svc").unwrap();
        assert_eq!(
            decode_command(&delete).unwrap(),
            Command::Delete { name: "svc".into() }
        );
    }

    #[test]
    fn garbage_empty_and_invalid_utf8_are_refused() {
        assert!(matches!(
            decode_command(b"\xff\xff\xff"),
            Err(Error::MalformedCommand { .. })
        ));
        assert!(matches!(
            decode_command(b""),
            Err(Error::MalformedCommand { .. })
        ));
        // field 1 (set) { field 1 (name) = "b\xff" }
        let bad_utf8 = [0x0a, 0x04, 0x0a, 0x02, b'b', 0xff];
        assert!(matches!(
            decode_command(&bad_utf8),
            Err(Error::MalformedCommand { .. })
        ));
        // field 2 (delete) { field 1 (name) = "" }
        let empty_name = [0x12, 0x00];
        assert!(matches!(
            decode_command(&empty_name),
            Err(Error::InvalidServiceName {
                problem: NameProblem::Empty,
                ..
            })
        ));
    }
}
