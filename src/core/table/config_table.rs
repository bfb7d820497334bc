//! The RocksDB-backed configuration table of one node.
//!
//! Every change is an applied log entry: the configuration change and the entry's
//! (term, index) go into one atomic write batch, so replaying an entry is a no-op and a crash
//! never leaves one without the other.

use super::command::{decode_request, Command, Request};
use super::dir_lock::DirLock;
use super::format::{check_existing, current_format_value, FORMAT_VERSION_KEY};
use super::limits::validate_service_name;
use super::{CONFIG_COLUMN_FAMILY, META_COLUMN_FAMILY};
use crate::error::{Cause, Error};
use crate::leadership::{LogIndex, Term, TermIndex};
use crate::proto;
use prost::Message;
use rocksdb::checkpoint::Checkpoint;
use rocksdb::{
    ColumnFamily, ColumnFamilyDescriptor, IteratorMode, Options, WriteBatch, WriteOptions, DB,
};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

const TRANSACTION_INFO_KEY: &[u8] = b"#TRANSACTIONINFO";
/// Prefix of records a replication layer keeps with the table (e.g. openraft's membership).
const HOST_METADATA_PREFIX: &str = "#HOST:";
/// Prefix of the run-control records (a user's start or stop), in the meta column family so
/// that no service name can collide with them. The value is `run` or `stop`.
const RUN_CONTROL_PREFIX: &str = "#RUN_CONTROL:";
const RUN: &[u8] = b"run";
const STOP: &[u8] = b"stop";

/// What applying an entry did. Exhaustive on purpose: a host must handle every outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyOutcome {
    /// The entry changed the table; `info` is now the last applied entry.
    Applied {
        /// The entry just applied.
        info: TermIndex,
    },
    /// The entry's index was at or below the last applied one: nothing was written.
    AlreadyApplied {
        /// The last entry applied before it.
        last: TermIndex,
    },
}

/// How a table is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableOptions {
    /// fsync the write-ahead log before an apply returns, so an acknowledged entry survives a
    /// machine crash. Without it, entries survive a process crash only.
    pub sync_writes: bool,
    /// Create the directory and a new database when none exists.
    pub create_if_missing: bool,
}

impl TableOptions {
    /// These options with [`TableOptions::sync_writes`] set to `sync`.
    pub fn with_sync_writes(mut self, sync: bool) -> Self {
        self.sync_writes = sync;
        self
    }

    /// These options with [`TableOptions::create_if_missing`] set to `create`.
    pub fn with_create_if_missing(mut self, create: bool) -> Self {
        self.create_if_missing = create;
        self
    }
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            sync_writes: true,
            create_if_missing: true,
        }
    }
}

/// The configuration table of one node: `statefulServiceConfigTable` and the transaction
/// info in one RocksDB database (docs/design.md T1-T11).
pub struct ConfigTable {
    db: DB,
    path: PathBuf,
    writable: bool,
    sync_writes: bool,
    /// Serializes writers and caches the last applied entry.
    /// None until the first entry is applied (log indexes may start at 0).
    last_applied: Mutex<Option<TermIndex>>,
    /// A writable table's hold on its directory in this process. Declared after `db`, so it
    /// is released only once RocksDB has closed.
    _dir_lock: Option<DirLock>,
}

impl std::fmt::Debug for ConfigTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigTable")
            .field("path", &self.path)
            .field("writable", &self.writable)
            .finish()
    }
}

impl ConfigTable {
    /// Opens (or, if allowed, creates) the node's database for reading and applying entries.
    pub fn open(path: impl AsRef<Path>, options: TableOptions) -> Result<Self, Error> {
        let path = path.as_ref().to_owned();
        let exists = path.join("CURRENT").exists();
        if !exists {
            if !options.create_if_missing {
                return Err(Error::DatabaseMissing { path });
            }
            std::fs::create_dir_all(&path).map_err(|source| Error::Io {
                operation: "create the database directory",
                path: path.clone(),
                source,
            })?;
        }
        // Before RocksDB looks at the directory: its own lock tells spellings apart.
        let dir_lock = DirLock::acquire(&path)?;
        let column_families = if exists {
            check_existing(&path)?
        } else {
            vec![
                CONFIG_COLUMN_FAMILY.to_owned(),
                META_COLUMN_FAMILY.to_owned(),
            ]
        };
        let mut db_options = Options::default();
        db_options.create_if_missing(!exists);
        db_options.create_missing_column_families(!exists);
        db_options.set_keep_log_file_num(4);
        let descriptors = column_families
            .iter()
            .map(|name| ColumnFamilyDescriptor::new(name, Options::default()));
        let db = DB::open_cf_descriptors(&db_options, &path, descriptors)
            .map_err(|source| open_error(&path, source))?;
        let table = ConfigTable {
            db,
            path,
            writable: true,
            sync_writes: options.sync_writes,
            last_applied: Mutex::new(None),
            _dir_lock: Some(dir_lock),
        };
        if !exists {
            let mut batch = WriteBatch::default();
            batch.put_cf(table.meta(), FORMAT_VERSION_KEY, current_format_value());
            table.write(batch, "record the format version")?;
        }
        *table.lock_writes() = table.read_transaction_info()?;
        tracing::info!(path = %table.path.display(), created = !exists, "configuration table opened");
        Ok(table)
    }

    /// Opens an existing database without taking its lock, so tools can read the database of
    /// a running node. Sees the database as of the moment it was opened.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref().to_owned();
        if !path.join("CURRENT").exists() {
            return Err(Error::DatabaseMissing { path });
        }
        let column_families = check_existing(&path)?;
        let db = DB::open_cf_for_read_only(&Options::default(), &path, &column_families, false)
            .map_err(|source| open_error(&path, source))?;
        let table = ConfigTable {
            db,
            path,
            writable: false,
            sync_writes: false,
            last_applied: Mutex::new(None),
            _dir_lock: None,
        };
        *table.lock_writes() = table.read_transaction_info()?;
        Ok(table)
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies one committed log entry (`request` is an encoded `ServiceConfigurationCommand`).
    /// An index at or below the last applied one writes nothing and says so. Refused, with
    /// nothing written: an invalid request, a request stamped with a writer epoch other than
    /// `term` (its writer no longer led when the entry was appended), and an entry whose term
    /// is below the last applied entry's (terms in a Raft log never go down).
    pub fn apply(
        &self,
        term: Term,
        index: LogIndex,
        request: &[u8],
    ) -> Result<ApplyOutcome, Error> {
        self.require_writable("applying an entry")?;
        let mut last = self.lock_writes();
        self.apply_locked(&mut last, TermIndex { term, index }, request)
    }

    /// Applies `request` as the entry right after the last applied one, choosing its index
    /// under the write lock, so concurrent writers never pick the same index: for a node that
    /// is its own log (a single-peer group, tests). The entry's term is `term` or the last
    /// applied entry's, whichever is higher. Returns where the entry went and what applying
    /// it did.
    pub fn append(
        &self,
        term: Term,
        request: &[u8],
    ) -> Result<(TermIndex, Result<ApplyOutcome, Error>), Error> {
        self.require_writable("applying an entry")?;
        let mut last = self.lock_writes();
        let previous = last.unwrap_or_default();
        let at = TermIndex {
            term: term.max(previous.term),
            index: previous.index.next(),
        };
        Ok((at, self.apply_locked(&mut last, at, request)))
    }

    fn apply_locked(
        &self,
        last: &mut MutexGuard<'_, Option<TermIndex>>,
        info: TermIndex,
        request: &[u8],
    ) -> Result<ApplyOutcome, Error> {
        let TermIndex { term, index } = info;
        if let Some(already) = already_applied(**last, index) {
            tracing::debug!(
                term = term.0,
                index = index.0,
                last_index = already.index.0,
                "entry already applied"
            );
            return Ok(ApplyOutcome::AlreadyApplied { last: already });
        }
        check_term(**last, info)?;
        let Request {
            command,
            writer_epoch,
        } = decode_request(request)?;
        if let Some(writer_epoch) = writer_epoch.filter(|epoch| *epoch != term) {
            tracing::warn!(
                service = command.name(),
                writer_epoch = writer_epoch.0,
                term = term.0,
                index = index.0,
                "refused a write whose writer's epoch had ended"
            );
            return Err(Error::StaleWriterEpoch {
                name: command.name().to_owned(),
                writer_epoch,
                term,
                index,
            });
        }
        let mut batch = WriteBatch::default();
        match &command {
            Command::Set {
                name,
                configuration,
            } => batch.put_cf(self.configs(), name, configuration),
            Command::Delete { name } => batch.delete_cf(self.configs(), name),
            Command::SetRunControl { name, should_run } => {
                batch.put_cf(
                    self.meta(),
                    run_control_key(name),
                    encode_run_control(*should_run),
                );
            }
        }
        batch.put_cf(
            self.meta(),
            TRANSACTION_INFO_KEY,
            encode_transaction_info(info),
        );
        self.write(batch, "apply a configuration entry")?;
        **last = Some(info);
        tracing::debug!(
            service = command.name(),
            term = term.0,
            index = index.0,
            "configuration entry applied"
        );
        Ok(ApplyOutcome::Applied { info })
    }

    /// A user's start (`true`) or stop (`false`) of `name`, or `None` when none was recorded.
    pub fn run_control(&self, name: &str) -> Result<Option<bool>, Error> {
        validate_service_name(name)?;
        let stored = self
            .db
            .get_cf(self.meta(), run_control_key(name))
            .map_err(|source| Error::Storage {
                operation: "read a run-control record",
                path: self.path.clone(),
                source: Cause::new(source),
            })?;
        stored
            .map(|value| decode_run_control(&value, &self.path))
            .transpose()
    }

    /// Applies a log entry that carries no configuration command (a Raft no-op or membership
    /// entry): records it as the last applied entry, with an optional host metadata record, in
    /// one batch.
    pub fn apply_marker(
        &self,
        term: Term,
        index: LogIndex,
        host_metadata: Option<(&str, &[u8])>,
    ) -> Result<ApplyOutcome, Error> {
        self.require_writable("applying an entry")?;
        let mut last = self.lock_writes();
        if let Some(already) = already_applied(*last, index) {
            return Ok(ApplyOutcome::AlreadyApplied { last: already });
        }
        let info = TermIndex { term, index };
        check_term(*last, info)?;
        let mut batch = WriteBatch::default();
        if let Some((key, value)) = host_metadata {
            batch.put_cf(self.meta(), host_key(key), value);
        }
        batch.put_cf(
            self.meta(),
            TRANSACTION_INFO_KEY,
            encode_transaction_info(info),
        );
        self.write(batch, "apply a marker entry")?;
        *last = Some(info);
        Ok(ApplyOutcome::Applied { info })
    }

    /// A record stored by [`ConfigTable::apply_marker`].
    pub fn host_metadata(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        self.db
            .get_cf(self.meta(), host_key(key))
            .map_err(|source| Error::Storage {
                operation: "read host metadata",
                path: self.path.clone(),
                source: Cause::new(source),
            })
    }

    /// The whole table as one message, consistent at its last applied entry.
    pub fn export_snapshot(&self) -> Result<proto::TableSnapshot, Error> {
        let last = self.lock_writes();
        let configurations = self
            .entries()?
            .into_iter()
            .map(
                |(service_name, configuration)| proto::ServiceConfiguration {
                    service_name,
                    configuration,
                },
            )
            .collect();
        let host_metadata = self
            .meta_records(HOST_METADATA_PREFIX)?
            .into_iter()
            .map(|(key, value)| proto::HostMetadata { key, value })
            .collect();
        let run_controls = self
            .meta_records(RUN_CONTROL_PREFIX)?
            .into_iter()
            .map(|(service_name, value)| {
                Ok(proto::ServiceRunControl {
                    should_run: decode_run_control(&value, &self.path)?,
                    service_name,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(proto::TableSnapshot {
            transaction_info: last.map(proto::TransactionInfo::from),
            configurations,
            host_metadata,
            run_controls,
        })
    }

    /// The meta records under `prefix`, as (key without the prefix, value), in key order.
    fn meta_records(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, Error> {
        let prefix = prefix.as_bytes();
        self.db
            .prefix_iterator_cf(self.meta(), prefix)
            .map(|item| {
                item.map_err(|source| Error::Storage {
                    operation: "iterate the meta records",
                    path: self.path.clone(),
                    source: Cause::new(source),
                })
            })
            .take_while(|item| {
                item.as_ref()
                    .map_or(true, |(key, _)| key.starts_with(prefix))
            })
            .map(|item| {
                item.map(|(key, value)| {
                    (
                        String::from_utf8_lossy(&key[prefix.len()..]).into_owned(),
                        value.into_vec(),
                    )
                })
            })
            .collect()
    }

    /// Replaces the whole table with a snapshot's content in one atomic batch. Every name and
    /// value is checked first; an invalid snapshot changes nothing.
    pub fn import_snapshot(&self, snapshot: &proto::TableSnapshot) -> Result<TermIndex, Error> {
        self.require_writable("installing a snapshot")?;
        for configuration in &snapshot.configurations {
            validate_service_name(&configuration.service_name)?;
            super::limits::validate_configuration(
                &configuration.service_name,
                &configuration.configuration,
            )?;
        }
        for record in &snapshot.run_controls {
            validate_service_name(&record.service_name)?;
        }
        let position = snapshot.transaction_info.map(TermIndex::from);
        let mut last = self.lock_writes();
        let mut batch = WriteBatch::default();
        for (name, _) in self.entries()? {
            batch.delete_cf(self.configs(), name);
        }
        for configuration in &snapshot.configurations {
            batch.put_cf(
                self.configs(),
                &configuration.service_name,
                &configuration.configuration,
            );
        }
        for record in &snapshot.host_metadata {
            batch.put_cf(self.meta(), host_key(&record.key), &record.value);
        }
        for (name, _) in self.meta_records(RUN_CONTROL_PREFIX)? {
            batch.delete_cf(self.meta(), run_control_key(&name));
        }
        for record in &snapshot.run_controls {
            batch.put_cf(
                self.meta(),
                run_control_key(&record.service_name),
                encode_run_control(record.should_run),
            );
        }
        match position {
            Some(info) => batch.put_cf(
                self.meta(),
                TRANSACTION_INFO_KEY,
                encode_transaction_info(info),
            ),
            None => batch.delete_cf(self.meta(), TRANSACTION_INFO_KEY),
        }
        self.write(batch, "install a snapshot")?;
        *last = position;
        let info = position.unwrap_or_default();
        tracing::info!(
            entries = snapshot.configurations.len(),
            term = info.term.0,
            index = info.index.0,
            "table replaced by a snapshot"
        );
        Ok(info)
    }

    /// The configuration of `name`, or `None` when it has none.
    pub fn read(&self, name: &str) -> Result<Option<Vec<u8>>, Error> {
        validate_service_name(name)?;
        let value = self
            .db
            .get_pinned_cf(self.configs(), name)
            .map_err(|source| Error::Storage {
                operation: "read a configuration",
                path: self.path.clone(),
                source: Cause::new(source),
            })?;
        Ok(value.map(|bytes| bytes.to_vec()))
    }

    /// Service names with a configuration, in byte order.
    pub fn list(&self) -> Result<Vec<String>, Error> {
        Ok(self.entries()?.into_iter().map(|(name, _)| name).collect())
    }

    /// Every (service name, configuration), in name order.
    pub fn entries(&self) -> Result<Vec<(String, Vec<u8>)>, Error> {
        read_entries(&self.db, self.configs(), &self.path)
    }

    /// The last applied entry; (0, 0) when none was applied yet.
    pub fn last_applied(&self) -> TermIndex {
        self.lock_writes().unwrap_or_default()
    }

    /// The last applied entry, or `None` when none was applied yet (a log whose first index
    /// is 0 needs the difference).
    pub fn applied_position(&self) -> Option<TermIndex> {
        *self.lock_writes()
    }

    /// Writes a consistent copy of the database to `dir` (which must not exist yet), for a
    /// Raft snapshot.
    pub fn checkpoint(&self, dir: impl AsRef<Path>) -> Result<TermIndex, Error> {
        let dir = dir.as_ref();
        if dir.exists() {
            return Err(Error::CheckpointExists {
                path: dir.to_owned(),
            });
        }
        // Holding the write lock keeps the reported entry equal to the checkpoint's content.
        let last = self.lock_writes();
        let storage = |source| Error::Storage {
            operation: "create a checkpoint",
            path: dir.to_owned(),
            source: Cause::new(source),
        };
        Checkpoint::new(&self.db)
            .and_then(|checkpoint| checkpoint.create_checkpoint(dir))
            .map_err(storage)?;
        let last = last.unwrap_or_default();
        tracing::info!(dir = %dir.display(), term = last.term.0, index = last.index.0, "checkpoint written");
        Ok(last)
    }

    /// Replaces the whole table with the content of a checkpoint (a follower installing the
    /// leader's snapshot), in one atomic batch. Returns the checkpoint's last applied entry.
    pub fn reinitialize(&self, checkpoint_dir: impl AsRef<Path>) -> Result<TermIndex, Error> {
        self.require_writable("reinitializing from a checkpoint")?;
        let snapshot = ConfigTable::open_read_only(checkpoint_dir)?.export_snapshot()?;
        self.import_snapshot(&snapshot)
    }

    fn configs(&self) -> &ColumnFamily {
        self.db
            .cf_handle(CONFIG_COLUMN_FAMILY)
            .expect("opened with the configuration column family")
    }

    fn meta(&self) -> &ColumnFamily {
        self.db
            .cf_handle(META_COLUMN_FAMILY)
            .expect("opened with the meta column family")
    }

    fn lock_writes(&self) -> MutexGuard<'_, Option<TermIndex>> {
        self.last_applied
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn require_writable(&self, operation: &'static str) -> Result<(), Error> {
        if self.writable {
            Ok(())
        } else {
            Err(Error::ReadOnly {
                path: self.path.clone(),
                operation,
            })
        }
    }

    fn write(&self, batch: WriteBatch, operation: &'static str) -> Result<(), Error> {
        let mut options = WriteOptions::default();
        options.set_sync(self.sync_writes);
        self.db
            .write_opt(batch, &options)
            .map_err(|source| Error::Storage {
                operation,
                path: self.path.clone(),
                source: Cause::new(source),
            })
    }

    fn read_transaction_info(&self) -> Result<Option<TermIndex>, Error> {
        let stored = self
            .db
            .get_cf(self.meta(), TRANSACTION_INFO_KEY)
            .map_err(|source| Error::Storage {
                operation: "read the transaction info",
                path: self.path.clone(),
                source: Cause::new(source),
            })?;
        match stored {
            None => Ok(None),
            Some(bytes) => {
                let info = proto::TransactionInfo::decode(bytes.as_slice()).map_err(|error| {
                    Error::MalformedCommand {
                        reason: format!(
                            "stored transaction info at {} does not decode: {error}",
                            self.path.display()
                        ),
                    }
                })?;
                Ok(Some(TermIndex::from(info)))
            }
        }
    }
}

fn read_entries(db: &DB, cf: &ColumnFamily, path: &Path) -> Result<Vec<(String, Vec<u8>)>, Error> {
    db.iterator_cf(cf, IteratorMode::Start)
        .map(|item| {
            let (key, value) = item.map_err(|source| Error::Storage {
                operation: "iterate the configurations",
                path: path.to_owned(),
                source: Cause::new(source),
            })?;
            Ok((String::from_utf8_lossy(&key).into_owned(), value.into_vec()))
        })
        .collect()
}

/// The last applied entry when `index` is at or below it: replaying it must change nothing.
fn already_applied(last: Option<TermIndex>, index: LogIndex) -> Option<TermIndex> {
    last.filter(|last| index <= last.index)
}

/// Terms in a Raft log never go down: an entry below the last applied entry's term means the
/// host passed a wrong term.
fn check_term(last: Option<TermIndex>, entry: TermIndex) -> Result<(), Error> {
    match last {
        Some(last) if entry.term < last.term => {
            tracing::error!(
                term = entry.term.0,
                index = entry.index.0,
                last_term = last.term.0,
                last_index = last.index.0,
                "refused an entry whose term is below the last applied entry's"
            );
            Err(Error::TermWentBackwards {
                term: entry.term,
                index: entry.index,
                last_term: last.term,
                last_index: last.index,
            })
        }
        _ => Ok(()),
    }
}

fn host_key(key: &str) -> String {
    format!("{HOST_METADATA_PREFIX}{key}")
}

fn run_control_key(name: &str) -> String {
    format!("{RUN_CONTROL_PREFIX}{name}")
}

fn encode_run_control(should_run: bool) -> &'static [u8] {
    if should_run {
        RUN
    } else {
        STOP
    }
}

fn decode_run_control(value: &[u8], path: &Path) -> Result<bool, Error> {
    match value {
        RUN => Ok(true),
        STOP => Ok(false),
        other => Err(Error::MalformedCommand {
            reason: format!(
                "a run-control record at {} holds {:?}, neither \"run\" nor \"stop\"",
                path.display(),
                String::from_utf8_lossy(other)
            ),
        }),
    }
}

fn encode_transaction_info(info: TermIndex) -> Vec<u8> {
    proto::TransactionInfo::from(info).encode_to_vec()
}

fn open_error(path: &Path, source: rocksdb::Error) -> Error {
    if source.as_ref().contains("LOCK") {
        Error::DatabaseLocked {
            path: path.to_owned(),
        }
    } else {
        Error::Storage {
            operation: "open the database",
            path: path.to_owned(),
            source: Cause::new(source),
        }
    }
}
