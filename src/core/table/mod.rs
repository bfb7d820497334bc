//! The configuration table: `statefulServiceConfigTable` in one RocksDB instance per node,
//! changed only by applying replicated log entries.

mod command;
mod config_table;
mod dir_lock;
mod format;
mod limits;

pub use command::{
    decode_request, encode_delete_request, encode_run_control_request, encode_set_request,
    encode_stamped_delete_request, encode_stamped_set_request, Command, Request,
};
pub use config_table::{ApplyOutcome, ConfigTable, TableOptions};
pub use format::SUPPORTED_FORMAT_VERSION;
pub use limits::{
    validate_configuration, validate_peer_id, validate_service_name, validate_service_name_bytes,
    MAX_CONFIGURATION_BYTES, MAX_SERVICE_NAME_BYTES,
};

/// The column family holding service configurations: service name -> opaque bytes.
pub const CONFIG_COLUMN_FAMILY: &str = "statefulServiceConfigTable";
/// The column family holding the last applied entry and the format version.
pub const META_COLUMN_FAMILY: &str = "transactionInfoTable";
