//! The Raft log and vote in RocksDB (`<data>/raft`). Appends are written with fsync before
//! openraft is told they are flushed; the vote is fsynced before it is acknowledged.

use super::types::{LogId, RaftNodeId, StorageError, TypeConfig};
use omsvc_core::error::{Cause, Error};
use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{Entry, ErrorSubject, ErrorVerb, OptionalSend, RaftLogReader, StorageIOError, Vote};
use rocksdb::{
    ColumnFamily, ColumnFamilyDescriptor, Direction, IteratorMode, Options, WriteBatch,
    WriteOptions, DB,
};
use std::fmt::Debug;
use std::ops::{Bound, RangeBounds};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const LOGS: &str = "raftLog";
const META: &str = "raftMeta";
const VOTE_KEY: &[u8] = b"vote";
const COMMITTED_KEY: &[u8] = b"committed";
const PURGED_KEY: &[u8] = b"last_purged";
const IDENTITY_KEY: &[u8] = b"identity";

/// openraft's log and vote in RocksDB (`<data>/raft`), fsynced before openraft is told they
/// are flushed.
#[derive(Clone)]
pub struct LogStore {
    db: Arc<DB>,
    /// The index of the last committed log id saved, for the node's metrics.
    committed_index: Arc<AtomicU64>,
}

impl std::fmt::Debug for LogStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogStore")
            .field("path", &self.db.path())
            .field("committed_index", &self.committed_index)
            .finish()
    }
}

/// Which node and cluster a data directory belongs to, recorded at first start.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Identity {
    node_id: RaftNodeId,
    cluster: String,
}

impl LogStore {
    /// Opens (or creates) the log at `path`, refusing a directory that belongs to another node
    /// or cluster.
    pub fn open(path: &Path, node_id: RaftNodeId, cluster: &str) -> Result<LogStore, Error> {
        let mut options = Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        options.set_keep_log_file_num(4);
        // The log is purged after each snapshot: small memtables bound a node's memory.
        options.set_write_buffer_size(8 * 1024 * 1024);
        let descriptors =
            [LOGS, META].map(|name| ColumnFamilyDescriptor::new(name, Options::default()));
        let db = DB::open_cf_descriptors(&options, path, descriptors).map_err(|source| {
            if source.as_ref().contains("LOCK") {
                Error::DatabaseLocked {
                    path: path.to_owned(),
                }
            } else {
                Error::Storage {
                    operation: "open the raft log",
                    path: path.to_owned(),
                    source: Cause::new(source),
                }
            }
        })?;
        let store = LogStore {
            db: Arc::new(db),
            committed_index: Arc::default(),
        };
        store.check_identity(
            path,
            Identity {
                node_id,
                cluster: cluster.to_owned(),
            },
        )?;
        if let Ok(Some(Some(committed))) =
            store.get_json::<Option<LogId>>(COMMITTED_KEY, ErrorSubject::Store)
        {
            store
                .committed_index
                .store(committed.index, Ordering::Relaxed);
        }
        Ok(store)
    }

    /// The index of the last committed log id openraft saved, kept current.
    pub fn committed_index(&self) -> Arc<AtomicU64> {
        self.committed_index.clone()
    }

    fn check_identity(&self, path: &Path, expected: Identity) -> Result<(), Error> {
        let storage = |source| Error::Storage {
            operation: "read the node identity",
            path: path.to_owned(),
            source: Cause::new(source),
        };
        match self.db.get_cf(self.meta(), IDENTITY_KEY).map_err(storage)? {
            None => {
                let value = serde_json::to_vec(&expected).unwrap_or_default();
                let mut write = WriteOptions::default();
                write.set_sync(true);
                self.db
                    .put_cf_opt(self.meta(), IDENTITY_KEY, value, &write)
                    .map_err(|source| Error::Storage {
                        operation: "record the node identity",
                        path: path.to_owned(),
                        source: Cause::new(source),
                    })
            }
            Some(bytes) => {
                let found: Identity =
                    serde_json::from_slice(&bytes).map_err(|e| Error::MalformedCommand {
                        reason: format!(
                            "the identity record in {} does not decode: {e}",
                            path.display()
                        ),
                    })?;
                if found == expected {
                    Ok(())
                } else {
                    Err(Error::ForeignDataDirectory {
                        path: PathBuf::from(path),
                        found: format!("node {} of cluster {:?}", found.node_id, found.cluster),
                        expected: format!(
                            "node {} of cluster {:?}",
                            expected.node_id, expected.cluster
                        ),
                    })
                }
            }
        }
    }

    fn logs(&self) -> &ColumnFamily {
        self.db
            .cf_handle(LOGS)
            .expect("opened with the log column family")
    }

    fn meta(&self) -> &ColumnFamily {
        self.db
            .cf_handle(META)
            .expect("opened with the meta column family")
    }

    fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &[u8],
        subject: ErrorSubject<RaftNodeId>,
    ) -> Result<Option<T>, StorageError> {
        let io = |e: String| {
            StorageIOError::new(
                subject.clone(),
                ErrorVerb::Read,
                openraft::AnyError::error(e),
            )
        };
        match self
            .db
            .get_cf(self.meta(), key)
            .map_err(|e| io(e.to_string()))?
        {
            None => Ok(None),
            Some(bytes) => Ok(Some(
                serde_json::from_slice(&bytes).map_err(|e| io(e.to_string()))?,
            )),
        }
    }

    fn put_json<T: serde::Serialize>(
        &self,
        key: &[u8],
        value: &T,
        subject: ErrorSubject<RaftNodeId>,
        sync: bool,
    ) -> Result<(), StorageError> {
        let io = |e: String| {
            StorageIOError::new(
                subject.clone(),
                ErrorVerb::Write,
                openraft::AnyError::error(e),
            )
        };
        let bytes = serde_json::to_vec(value).map_err(|e| io(e.to_string()))?;
        let mut write = WriteOptions::default();
        write.set_sync(sync);
        self.db
            .put_cf_opt(self.meta(), key, bytes, &write)
            .map_err(|e| io(e.to_string()).into())
    }
}

fn index_key(index: u64) -> [u8; 8] {
    index.to_be_bytes()
}

fn logs_error(verb: ErrorVerb, error: &impl std::fmt::Display) -> StorageError {
    StorageIOError::new(
        ErrorSubject::Logs,
        verb,
        openraft::AnyError::error(error.to_string()),
    )
    .into()
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry<TypeConfig>>, StorageError> {
        let start = match range.start_bound() {
            Bound::Included(x) => *x,
            Bound::Excluded(x) => *x + 1,
            Bound::Unbounded => 0,
        };
        let start_key = index_key(start);
        let mut entries = Vec::new();
        for item in self.db.iterator_cf(
            self.logs(),
            IteratorMode::From(&start_key, Direction::Forward),
        ) {
            let (key, value) = item.map_err(|e| logs_error(ErrorVerb::Read, &e))?;
            let index = u64::from_be_bytes(
                key.as_ref()
                    .try_into()
                    .map_err(|e| logs_error(ErrorVerb::Read, &e))?,
            );
            if !range.contains(&index) {
                break;
            }
            entries
                .push(serde_json::from_slice(&value).map_err(|e| logs_error(ErrorVerb::Read, &e))?);
        }
        Ok(entries)
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = Self;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let last = match self.db.iterator_cf(self.logs(), IteratorMode::End).next() {
            None => None,
            Some(item) => {
                let (_, value) = item.map_err(|e| logs_error(ErrorVerb::Read, &e))?;
                let entry: Entry<TypeConfig> =
                    serde_json::from_slice(&value).map_err(|e| logs_error(ErrorVerb::Read, &e))?;
                Some(entry.log_id)
            }
        };
        let last_purged_log_id: Option<LogId> = self.get_json(PURGED_KEY, ErrorSubject::Store)?;
        Ok(LogState {
            last_purged_log_id,
            last_log_id: last.or(last_purged_log_id),
        })
    }

    /// Not fsynced: the state machine persists what it applied, and openraft recovers the
    /// committed index from that when this record is behind.
    /// Not fsynced: the state machine persists what it applied, and openraft recovers the
    /// committed index from that when this record is behind.
    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), StorageError> {
        self.put_json(COMMITTED_KEY, &committed, ErrorSubject::Store, false)?;
        if let Some(committed) = committed {
            self.committed_index
                .fetch_max(committed.index, Ordering::Relaxed);
        }
        Ok(())
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, StorageError> {
        Ok(self
            .get_json::<Option<LogId>>(COMMITTED_KEY, ErrorSubject::Store)?
            .flatten())
    }

    async fn save_vote(&mut self, vote: &Vote<RaftNodeId>) -> Result<(), StorageError> {
        self.put_json(VOTE_KEY, vote, ErrorSubject::Vote, true)
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<RaftNodeId>>, StorageError> {
        self.get_json(VOTE_KEY, ErrorSubject::Vote)
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry<TypeConfig>> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut batch = WriteBatch::default();
        for entry in entries {
            let value = serde_json::to_vec(&entry).map_err(|e| logs_error(ErrorVerb::Write, &e))?;
            batch.put_cf(self.logs(), index_key(entry.log_id.index), value);
        }
        let mut write = WriteOptions::default();
        write.set_sync(true);
        let result = self
            .db
            .write_opt(batch, &write)
            .map_err(|e| std::io::Error::other(e.to_string()));
        let failed = result
            .as_ref()
            .err()
            .map(|e| logs_error(ErrorVerb::Write, e));
        callback.log_io_completed(result);
        failed.map_or(Ok(()), Err)
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        self.db
            .delete_range_cf(self.logs(), index_key(log_id.index), index_key(u64::MAX))
            .map_err(|e| logs_error(ErrorVerb::Write, &e))
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        self.put_json(PURGED_KEY, &log_id, ErrorSubject::Store, true)?;
        self.db
            .delete_range_cf(self.logs(), index_key(0), index_key(log_id.index + 1))
            .map_err(|e| logs_error(ErrorVerb::Write, &e))
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }
}
