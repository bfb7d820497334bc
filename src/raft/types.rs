//! openraft's type configuration for libomsvc.

use omsvc_core::Term;
use openraft::BasicNode;
use serde::{Deserialize, Serialize};
use std::io::Cursor;

/// A node id in openraft mode. The core sees it as the string `id.to_string()`.
pub type RaftNodeId = u64;

openraft::declare_raft_types!(
    /// openraft's types for libomsvc: the replicated command, its response, `u64` node ids.
    pub TypeConfig:
        D = ConfigCommand,
        R = CommandResponse,
        NodeId = RaftNodeId,
        Node = BasicNode,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = openraft::TokioRuntime,
);

/// An openraft instance of libomsvc.
pub type Raft = openraft::Raft<TypeConfig>;
/// The position of a log entry: its leader's term and node, and its index.
pub type LogId = openraft::LogId<RaftNodeId>;
/// openraft's storage error, for libomsvc's node ids.
pub type StorageError = openraft::StorageError<RaftNodeId>;

/// The replicated command: an encoded `ServiceConfigurationCommand`, the same bytes a Ratis
/// host replicates. Serialized as hex so JSON frames stay compact and readable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigCommand(#[serde(with = "hex_bytes")] pub Vec<u8>);

/// Serde for byte strings as lowercase hex.
pub mod hex_bytes {
    /// Writes `bytes` as a hex string.
    pub fn serialize<S: serde::Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&crate::hex::encode(bytes))
    }

    /// Reads a hex string; odd lengths and non-hex digits are errors.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        crate::hex::decode(&text).map_err(serde::de::Error::custom)
    }
}

/// What applying one entry did, returned to the writer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommandResponse {
    /// The command changed the table.
    Applied,
    /// The entry had been applied before (a replay): nothing changed.
    AlreadyApplied,
    /// The command was invalid; every node refused it alike and wrote nothing.
    Refused {
        /// Why it was refused.
        reason: String,
    },
    /// The command was stamped with the epoch of a service run whose leader no longer led
    /// when the entry was appended (in `term`); every node refused it alike and wrote nothing.
    Fenced {
        /// The service whose configuration it would have written.
        service: String,
        /// The epoch the write was stamped with.
        writer_epoch: Term,
        /// The term the entry was appended in.
        term: Term,
    },
    /// A no-op or membership entry.
    Marker,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_round_trip_through_json_as_hex() {
        let command = ConfigCommand(vec![0, 1, 0xab, 0xff]);
        let json = serde_json::to_string(&command).unwrap();
        assert_eq!(json, "\"0001abff\"");
        assert_eq!(
            serde_json::from_str::<ConfigCommand>(&json).unwrap(),
            command
        );
        assert!(serde_json::from_str::<ConfigCommand>("\"abc\"").is_err());
        assert!(serde_json::from_str::<ConfigCommand>("\"zz\"").is_err());
    }
}
