//! openraft's state machine *is* the node's configuration table: each entry is applied with
//! its log id in one RocksDB batch (through the core `Node`, so the leadership model sees the
//! applied index too). Snapshots are the table at its last applied entry.

use super::types::{CommandResponse, LogId, RaftNodeId, StorageError, TypeConfig};
use omsvc_core::error::Error;
use omsvc_core::node::Node;
use omsvc_core::proto::TableSnapshot;
use omsvc_core::table::ApplyOutcome;
use omsvc_core::{LogIndex, Term};
use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{
    BasicNode, CommittedLeaderId, Entry, EntryPayload, ErrorSubject, ErrorVerb, OptionalSend,
    RaftSnapshotBuilder, SnapshotMeta, StorageIOError, StoredMembership,
};
use prost::Message;
use std::io::Cursor;
use std::sync::{Arc, Mutex};

/// Where the membership of the last applied membership entry is kept (host metadata).
const MEMBERSHIP_KEY: &str = "raft_membership";

type Membership = StoredMembership<RaftNodeId, BasicNode>;
/// The last snapshot built or installed: its meta and its encoded `TableSnapshot`.
type CurrentSnapshot = Option<(SnapshotMeta<RaftNodeId, BasicNode>, Vec<u8>)>;

/// openraft's state machine: the node's configuration table, each entry applied with its log
/// id in one batch, and snapshots of the table.
#[derive(Clone)]
pub struct StateMachine {
    node: Arc<Node>,
    self_id: RaftNodeId,
    /// The last snapshot built or installed, served to lagging followers.
    current: Arc<Mutex<CurrentSnapshot>>,
    built: Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for StateMachine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateMachine")
            .field("node", &self.node)
            .field("self_id", &self.self_id)
            .finish_non_exhaustive()
    }
}

impl StateMachine {
    /// The state machine of node `self_id`, applying into `node`'s table.
    pub fn new(node: Arc<Node>, self_id: RaftNodeId) -> Self {
        StateMachine {
            node,
            self_id,
            current: Default::default(),
            built: Default::default(),
        }
    }

    fn membership(&self) -> Result<Membership, StorageError> {
        match self
            .node
            .host_metadata(MEMBERSHIP_KEY)
            .map_err(|e| sm_error(ErrorVerb::Read, &e))?
        {
            None => Ok(Membership::default()),
            Some(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| sm_error(ErrorVerb::Read, &e))
            }
        }
    }

    fn build(&self) -> Result<Snapshot<TypeConfig>, StorageError> {
        let table = self
            .node
            .export_snapshot()
            .map_err(|e| sm_error(ErrorVerb::Read, &e))?;
        let info = table.transaction_info.unwrap_or_default();
        let last_log_id = table
            .transaction_info
            .map(|info| log_id(info.term, info.index, self.self_id));
        let last_membership = table
            .host_metadata
            .iter()
            .find(|record| record.key == MEMBERSHIP_KEY)
            .map(|record| serde_json::from_slice(&record.value))
            .transpose()
            .map_err(|e| sm_error(ErrorVerb::Read, &e))?
            .unwrap_or_default();
        let sequence = self.built.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let meta = SnapshotMeta {
            last_log_id,
            last_membership,
            snapshot_id: format!("{}-{}-{sequence}", info.term, info.index),
        };
        let data = table.encode_to_vec();
        tracing::info!(
            term = info.term,
            index = info.index,
            bytes = data.len(),
            "snapshot built"
        );
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((meta.clone(), data.clone()));
        Ok(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(data)),
        })
    }
}

fn log_id(term: u64, index: u64, node: RaftNodeId) -> LogId {
    LogId::new(CommittedLeaderId::new(term, node), index)
}

fn sm_error(verb: ErrorVerb, error: &impl std::fmt::Display) -> StorageError {
    StorageIOError::new(
        ErrorSubject::StateMachine,
        verb,
        openraft::AnyError::error(error.to_string()),
    )
    .into()
}

impl RaftSnapshotBuilder<TypeConfig> for StateMachine {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError> {
        self.build()
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = Self;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, Membership), StorageError> {
        let applied = self
            .node
            .applied_position()
            .map(|last| log_id(last.term.0, last.index.0, self.self_id));
        Ok((applied, self.membership()?))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<CommandResponse>, StorageError>
    where
        I: IntoIterator<Item = Entry<TypeConfig>> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut responses = Vec::new();
        for entry in entries {
            let (term, index) = (entry.log_id.leader_id.term, entry.log_id.index);
            let response = match entry.payload {
                EntryPayload::Blank => {
                    self.node
                        .apply_marker(Term(term), LogIndex(index), None)
                        .map_err(|e| sm_error(ErrorVerb::Write, &e))?;
                    CommandResponse::Marker
                }
                EntryPayload::Membership(membership) => {
                    let stored = Membership::new(Some(entry.log_id), membership);
                    let json =
                        serde_json::to_vec(&stored).map_err(|e| sm_error(ErrorVerb::Write, &e))?;
                    self.node
                        .apply_marker(Term(term), LogIndex(index), Some((MEMBERSHIP_KEY, &json)))
                        .map_err(|e| sm_error(ErrorVerb::Write, &e))?;
                    CommandResponse::Marker
                }
                EntryPayload::Normal(command) => {
                    match self
                        .node
                        .apply_entry(Term(term), LogIndex(index), &command.0)
                    {
                        Ok(ApplyOutcome::Applied { .. }) => CommandResponse::Applied,
                        Ok(ApplyOutcome::AlreadyApplied { .. }) => CommandResponse::AlreadyApplied,
                        Err(Error::StaleWriterEpoch {
                            name,
                            writer_epoch,
                            term,
                            ..
                        }) => CommandResponse::Fenced {
                            service: name,
                            writer_epoch,
                            term,
                        },
                        Err(error) if error.is_refused_command() => CommandResponse::Refused {
                            reason: error.to_string(),
                        },
                        Err(error) => return Err(sm_error(ErrorVerb::Write, &error)),
                    }
                }
            };
            responses.push(response);
        }
        Ok(responses)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        self.clone()
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, StorageError> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<RaftNodeId, BasicNode>,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError> {
        let data = snapshot.into_inner();
        let table =
            TableSnapshot::decode(data.as_slice()).map_err(|e| sm_error(ErrorVerb::Read, &e))?;
        let info = self
            .node
            .install_snapshot(&table)
            .map_err(|e| sm_error(ErrorVerb::Write, &e))?;
        tracing::info!(term = info.term.0, index = info.index.0, snapshot = %meta.snapshot_id, "snapshot installed");
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some((meta.clone(), data));
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, StorageError> {
        let current = self
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match current {
            Some((meta, data)) => Ok(Some(Snapshot {
                meta,
                snapshot: Box::new(Cursor::new(data)),
            })),
            // The table is small: build one on demand rather than keep snapshots on disk.
            None => self
                .build()
                .map(|snapshot| snapshot.meta.last_log_id.is_some().then_some(snapshot)),
        }
    }
}
