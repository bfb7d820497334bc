//! The documented limits on service names and configuration values. Every write path checks
//! them before anything is written.

use crate::error::{Error, NameProblem};

/// Longest service name, in UTF-8 bytes.
pub const MAX_SERVICE_NAME_BYTES: usize = 255;
/// Largest configuration value, in bytes (4 MiB, below Ratis's default log entry limits).
pub const MAX_CONFIGURATION_BYTES: usize = 4 * 1024 * 1024;

/// A service name is 1 to 255 bytes of UTF-8 with no control characters (so it is a valid C
/// string and prints safely in logs).
pub fn validate_service_name(name: &str) -> Result<(), Error> {
    let problem = if name.is_empty() {
        Some(NameProblem::Empty)
    } else if name.len() > MAX_SERVICE_NAME_BYTES {
        Some(NameProblem::TooLong {
            len: name.len(),
            max: MAX_SERVICE_NAME_BYTES,
        })
    } else {
        name.char_indices()
            .find(|(_, c)| c.is_control())
            .map(|(position, _)| NameProblem::ControlCharacter { position })
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(Error::InvalidServiceName {
            name: printable(name),
            problem,
        }),
    }
}

/// A peer id follows a service name's rules (1 to 255 bytes, no control characters), but is
/// refused as [`Error::InvalidPeerId`].
pub fn validate_peer_id(id: &str) -> Result<(), Error> {
    match validate_service_name(id) {
        Err(Error::InvalidServiceName { name, problem }) => {
            Err(Error::InvalidPeerId { id: name, problem })
        }
        other => other,
    }
}

/// Checks a name given as raw bytes (from C, or from a decoded entry).
pub fn validate_service_name_bytes(name: &[u8]) -> Result<&str, Error> {
    let name = std::str::from_utf8(name).map_err(|_| Error::InvalidServiceName {
        // Only the shown prefix is converted: a huge invalid name must not make a huge error.
        name: printable(&String::from_utf8_lossy(&name[..name.len().min(4 * 64)])),
        problem: NameProblem::NotUtf8,
    })?;
    validate_service_name(name)?;
    Ok(name)
}

/// [`Error::ConfigurationTooLarge`] when `configuration` is over [`MAX_CONFIGURATION_BYTES`].
pub fn validate_configuration(name: &str, configuration: &[u8]) -> Result<(), Error> {
    if configuration.len() > MAX_CONFIGURATION_BYTES {
        return Err(Error::ConfigurationTooLarge {
            name: name.to_owned(),
            len: configuration.len(),
            max: MAX_CONFIGURATION_BYTES,
        });
    }
    Ok(())
}

/// Long names are cut in error messages so one bad input cannot flood a log.
fn printable(name: &str) -> String {
    const SHOWN: usize = 64;
    match name.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}...", &name[..cut]),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(name: &str) -> NameProblem {
        match validate_service_name(name) {
            Err(Error::InvalidServiceName { problem, .. }) => problem,
            other => panic!("expected an invalid name, got {other:?}"),
        }
    }

    #[test]
    fn names_within_limits_pass() {
        validate_service_name("KeyLifecycleService").unwrap();
        validate_service_name("ключ-服务").unwrap();
        validate_service_name(&"n".repeat(MAX_SERVICE_NAME_BYTES)).unwrap();
    }

    #[test]
    fn bad_names_say_why() {
        assert_eq!(problem(""), NameProblem::Empty);
        assert_eq!(
            problem(&"n".repeat(256)),
            NameProblem::TooLong { len: 256, max: 255 }
        );
        assert_eq!(
            problem("a\0b"),
            NameProblem::ControlCharacter { position: 1 }
        );
        assert_eq!(
            problem("tab\there"),
            NameProblem::ControlCharacter { position: 3 }
        );
        assert!(matches!(
            validate_service_name_bytes(b"bad\xff"),
            Err(Error::InvalidServiceName {
                problem: NameProblem::NotUtf8,
                ..
            })
        ));
    }

    #[test]
    fn oversized_configuration_is_refused() {
        validate_configuration("s", &vec![0; MAX_CONFIGURATION_BYTES]).unwrap();
        assert!(matches!(
            validate_configuration("s", &vec![0; MAX_CONFIGURATION_BYTES + 1]),
            Err(Error::ConfigurationTooLarge { len, .. }) if len == MAX_CONFIGURATION_BYTES + 1
        ));
    }
}
