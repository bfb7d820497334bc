//! Encoding and decoding of replicated configuration commands (`ServiceConfigurationCommand`).

use super::limits::{validate_configuration, validate_service_name};
use crate::error::Error;
use crate::leadership::Term;
use crate::proto::{
    service_configuration_command, DeleteServiceConfigurationRequest, ServiceConfigurationCommand,
    SetRunControlRequest, SetServiceConfigurationRequest,
};
use prost::Message;

/// A validated configuration command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Store `configuration` as service `name`'s configuration.
    Set {
        /// The service.
        name: String,
        /// The new value, opaque to libomsvc.
        configuration: Vec<u8>,
    },
    /// Remove service `name`'s configuration.
    Delete {
        /// The service.
        name: String,
    },
    /// A user's start or stop, kept in a record apart from the configuration.
    SetRunControl {
        /// The service.
        name: String,
        /// `true` for a start, `false` for a stop.
        should_run: bool,
    },
}

/// A decoded log entry payload: the command and, for a write a service made, the epoch of the
/// run that made it (see [`Request::stamped`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// What the entry does.
    pub command: Command,
    /// `None` for an operator's write, which is not fenced.
    pub writer_epoch: Option<Term>,
}

impl Command {
    /// The service the command is about.
    pub fn name(&self) -> &str {
        match self {
            Command::Set { name, .. }
            | Command::Delete { name }
            | Command::SetRunControl { name, .. } => name,
        }
    }

    /// The payload of an operator's write: no writer epoch, never fenced.
    pub fn encode(&self) -> Vec<u8> {
        Request {
            command: self.clone(),
            writer_epoch: None,
        }
        .encode()
    }
}

impl Request {
    /// A service's write in `epoch`: every peer refuses it unless its entry's term is `epoch`.
    pub fn stamped(command: Command, epoch: Term) -> Self {
        Request {
            command,
            writer_epoch: Some(epoch),
        }
    }

    /// The log entry payload: an encoded `ServiceConfigurationCommand`.
    pub fn encode(&self) -> Vec<u8> {
        let command = match &self.command {
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
            Command::SetRunControl { name, should_run } => {
                service_configuration_command::Command::SetRunControl(SetRunControlRequest {
                    service_name: name.clone(),
                    should_run: *should_run,
                })
            }
        };
        ServiceConfigurationCommand {
            command: Some(command),
            writer_epoch: self.writer_epoch.map(|epoch| epoch.0),
        }
        .encode_to_vec()
    }
}

fn set_command(name: &str, configuration: &[u8]) -> Result<Command, Error> {
    validate_service_name(name)?;
    validate_configuration(name, configuration)?;
    Ok(Command::Set {
        name: name.to_owned(),
        configuration: configuration.to_vec(),
    })
}

fn delete_command(name: &str) -> Result<Command, Error> {
    validate_service_name(name)?;
    Ok(Command::Delete {
        name: name.to_owned(),
    })
}

/// Builds the log entry payload that sets `name`'s configuration, checking the limits first.
/// An operator's write: it carries no writer epoch and is not fenced.
pub fn encode_set_request(name: &str, configuration: &[u8]) -> Result<Vec<u8>, Error> {
    Ok(set_command(name, configuration)?.encode())
}

/// Builds the log entry payload that deletes `name`'s configuration (an operator's write).
pub fn encode_delete_request(name: &str) -> Result<Vec<u8>, Error> {
    Ok(delete_command(name)?.encode())
}

/// Like [`encode_set_request`], stamped with the writer's epoch: every peer refuses the entry,
/// writing nothing, unless it is appended in term `epoch` (by the leader that ran the writer).
pub fn encode_stamped_set_request(
    name: &str,
    configuration: &[u8],
    epoch: Term,
) -> Result<Vec<u8>, Error> {
    Ok(Request::stamped(set_command(name, configuration)?, epoch).encode())
}

/// Like [`encode_delete_request`], stamped with the writer's epoch.
pub fn encode_stamped_delete_request(name: &str, epoch: Term) -> Result<Vec<u8>, Error> {
    Ok(Request::stamped(delete_command(name)?, epoch).encode())
}

/// Builds the log entry payload of a user's start (`should_run`) or stop of `name`.
pub fn encode_run_control_request(name: &str, should_run: bool) -> Result<Vec<u8>, Error> {
    validate_service_name(name)?;
    Ok(Command::SetRunControl {
        name: name.to_owned(),
        should_run,
    }
    .encode())
}

/// Decodes and validates a log entry payload.
pub fn decode_request(bytes: &[u8]) -> Result<Request, Error> {
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
        Some(service_configuration_command::Command::SetRunControl(run)) => {
            Command::SetRunControl {
                name: run.service_name,
                should_run: run.should_run,
            }
        }
        None => {
            return Err(Error::MalformedCommand {
                reason: "the command holds no set, delete or run-control request".to_owned(),
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
    Ok(Request {
        command,
        writer_epoch: decoded.writer_epoch.map(Term),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::NameProblem;

    fn operator(command: Command) -> Request {
        Request {
            command,
            writer_epoch: None,
        }
    }

    #[test]
    fn set_and_delete_round_trip() {
        let set = encode_set_request("svc", b"\x01\x02").unwrap();
        assert_eq!(
            decode_request(&set).unwrap(),
            operator(Command::Set {
                name: "svc".into(),
                configuration: vec![1, 2]
            })
        );
        let delete = encode_delete_request("svc").unwrap();
        assert_eq!(
            decode_request(&delete).unwrap(),
            operator(Command::Delete { name: "svc".into() })
        );
        let stop = encode_run_control_request("svc", false).unwrap();
        assert_eq!(
            decode_request(&stop).unwrap(),
            operator(Command::SetRunControl {
                name: "svc".into(),
                should_run: false
            })
        );
    }

    #[test]
    fn a_stamped_epoch_round_trips_and_zero_is_not_absent() {
        let stamped = encode_stamped_set_request("svc", b"x", Term(7)).unwrap();
        assert_eq!(
            decode_request(&stamped).unwrap().writer_epoch,
            Some(Term(7))
        );
        let zero = encode_stamped_delete_request("svc", Term(0)).unwrap();
        assert_eq!(decode_request(&zero).unwrap().writer_epoch, Some(Term(0)));
        assert_ne!(zero, encode_delete_request("svc").unwrap());
    }

    #[test]
    fn garbage_empty_and_invalid_utf8_are_refused() {
        assert!(matches!(
            decode_request(b"\xff\xff\xff"),
            Err(Error::MalformedCommand { .. })
        ));
        assert!(matches!(
            decode_request(b""),
            Err(Error::MalformedCommand { .. })
        ));
        // field 1 (set) { field 1 (name) = "b\xff" }
        let bad_utf8 = [0x0a, 0x04, 0x0a, 0x02, b'b', 0xff];
        assert!(matches!(
            decode_request(&bad_utf8),
            Err(Error::MalformedCommand { .. })
        ));
        // field 2 (delete) { field 1 (name) = "" }
        let empty_name = [0x12, 0x00];
        assert!(matches!(
            decode_request(&empty_name),
            Err(Error::InvalidServiceName {
                problem: NameProblem::Empty,
                ..
            })
        ));
        // only a writer epoch (field 4 = 3), no command
        assert!(matches!(
            decode_request(&[0x20, 0x03]),
            Err(Error::MalformedCommand { .. })
        ));
    }
}
