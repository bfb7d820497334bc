//! A node: one Raft peer's view of libomsvc, wiring the service manager (with its leadership
//! model) to the configuration table. Every adapter (C, Java, openraft, CLI) drives a `Node`.

mod local_submitter;

pub use local_submitter::LocalSubmitter;

use crate::error::Error;
use crate::leadership::{Blocker, EventOutcome, LogIndex, Permission, Role, Term, TermIndex};
use crate::proto::TableSnapshot;
use crate::services::{
    Service, ServiceManager, ServiceObserver, ServiceOptions, ServiceStatusView,
};
use crate::stateful::{ConfigSubmitter, StatefulConfig};
use crate::table::{ApplyOutcome, ConfigTable, TableOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Where a node keeps its RocksDB database.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DbLocation {
    /// A directory the host owns; configuration survives restarts.
    Dir(PathBuf),
    /// A private temporary directory, removed when the node is dropped: for demos and tests.
    /// Nothing survives a restart.
    Ephemeral,
}

/// How a node is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeOptions {
    /// This peer's id as the Raft group names it (Ratis's RaftPeerId, openraft's node id).
    pub self_id: String,
    /// Where its database lives.
    pub db: DbLocation,
    /// How its configuration table is opened.
    pub table: TableOptions,
}

impl NodeOptions {
    /// Options for peer `self_id` with its database at `db` and the default table options.
    pub fn new(self_id: impl Into<String>, db: DbLocation) -> Self {
        NodeOptions {
            self_id: self_id.into(),
            db,
            table: TableOptions::default(),
        }
    }
}

/// Everything an operator needs to see why a service runs or not.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeStatus {
    /// This peer's id.
    pub self_id: String,
    /// The newest term seen.
    pub term: Term,
    /// The leader of that term, if known.
    pub leader: Option<String>,
    /// This node's role in that term.
    pub role: Role,
    /// The barrier of the current leadership (0 before leader-ready).
    pub barrier: LogIndex,
    /// The highest index the host reported applied.
    pub applied: LogIndex,
    /// The peer set last reported.
    pub peers: Vec<String>,
    /// Stale or contradictory events received and ignored.
    pub ignored_events: u64,
    /// Why services may not run, when they may not.
    pub blocker: Option<Blocker>,
    /// The last entry applied into the configuration table.
    pub last_applied_entry: TermIndex,
    /// Every registered service, in registration order.
    pub services: Vec<ServiceStatusView>,
}

/// One Raft peer's libomsvc: the leadership model, the registered services with their runner,
/// and the configuration table. Hosts forward Raft events to it and apply entries through it.
pub struct Node {
    inner: Arc<NodeInner>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("id", &self.inner.self_id)
            .field("table", &self.inner.table)
            .finish_non_exhaustive()
    }
}

pub(crate) struct NodeInner {
    // Field order is drop order: services stop before the table closes.
    pub(crate) manager: ServiceManager,
    pub(crate) table: Arc<ConfigTable>,
    self_id: String,
    _ephemeral_dir: Option<tempfile::TempDir>,
}

impl Node {
    /// Opens (or creates) the node's database and starts its runner thread. The peer id must be
    /// 1 to 255 bytes with no control characters ([`Error::InvalidPeerId`] otherwise).
    pub fn open(options: NodeOptions) -> Result<Node, Error> {
        crate::table::validate_peer_id(&options.self_id)?;
        let (path, ephemeral_dir) = match options.db {
            DbLocation::Dir(path) => (path, None),
            DbLocation::Ephemeral => {
                let dir = tempfile::Builder::new()
                    .prefix(&format!("omsvc-{}-", sanitize(&options.self_id)))
                    .tempdir()
                    .map_err(|source| Error::Io {
                        operation: "create an ephemeral database directory in",
                        path: std::env::temp_dir(),
                        source,
                    })?;
                (dir.path().join("db"), Some(dir))
            }
        };
        let table = Arc::new(ConfigTable::open(&path, options.table)?);
        let manager = ServiceManager::new(&options.self_id)?;
        let last = table.last_applied();
        manager.applied(last.term, last.index);
        tracing::info!(self_id = %options.self_id, db = %path.display(), ephemeral = ephemeral_dir.is_some(), "node opened");
        Ok(Node {
            inner: Arc::new(NodeInner {
                manager,
                table,
                self_id: options.self_id,
                _ephemeral_dir: ephemeral_dir,
            }),
        })
    }

    /// This peer's id.
    pub fn self_id(&self) -> &str {
        &self.inner.self_id
    }

    /// The database directory.
    pub fn db_path(&self) -> &Path {
        self.inner.table.path()
    }

    /// Registers a service; it starts once this node may run it.
    pub fn register(
        &self,
        name: &str,
        service: impl Service,
        options: ServiceOptions,
    ) -> Result<(), Error> {
        self.register_shared(name, Arc::new(service), options)
    }

    /// Registers a service the caller keeps a handle to.
    pub fn register_shared(
        &self,
        name: &str,
        service: Arc<dyn Service>,
        options: ServiceOptions,
    ) -> Result<(), Error> {
        self.inner.manager.register(name, service, options)
    }

    /// Sets the observer told of service events (a host's metrics); only the first call
    /// takes effect (false for the others).
    pub fn set_service_observer(&self, observer: Arc<dyn ServiceObserver>) -> bool {
        self.inner.manager.set_observer(observer)
    }

    // Raft events, forwarded 1:1 from the host (docs/design.md, section 3).

    /// `notifyLeaderChanged`: `leader` leads `term` (`None`: no leader known).
    pub fn leader_changed(&self, term: Term, leader: Option<&str>) -> EventOutcome {
        self.inner.manager.leader_changed(term, leader)
    }
    /// `notifyNotLeader`: this node does not lead; it demotes whatever the term.
    pub fn not_leader(&self, term: Term) -> EventOutcome {
        self.inner.manager.not_leader(term)
    }
    /// `notifyLeaderReady` for `term`, the term this node was elected in; services wait until
    /// every entry up to `barrier` is applied.
    pub fn leader_ready(&self, term: Term, barrier: LogIndex) -> EventOutcome {
        self.inner.manager.leader_ready(term, barrier)
    }
    /// `notifyTermIndexUpdated`: one atomic load unless the term is new.
    #[inline]
    pub fn term_index_updated(&self, term: Term, index: LogIndex) -> EventOutcome {
        self.inner.manager.term_index_updated(term, index)
    }
    /// `notifyConfigurationChanged`: the peer set as of entry `index` of `term`.
    pub fn configuration_changed<S: AsRef<str>>(
        &self,
        term: Term,
        index: LogIndex,
        peers: &[S],
    ) -> EventOutcome {
        self.inner.manager.configuration_changed(term, index, peers)
    }
    /// The host finished applying every entry up to `index` (any entry, not only configuration).
    pub fn applied(&self, term: Term, index: LogIndex) -> EventOutcome {
        self.inner.manager.applied(term, index)
    }
    /// The host confirmed with a quorum that this node leads `term`, and no other node can
    /// be elected before `until`: from the first renewal in a term on, services run only
    /// while the lease holds (hosts that can bound leadership by time, like the openraft mode).
    pub fn lease_renewed(&self, term: Term, until: std::time::Instant) -> EventOutcome {
        self.inner.manager.lease_renewed(term, until)
    }
    /// Stops every running service (reverse registration order) and waits for them.
    pub fn shutdown(&self) {
        self.inner.manager.shutdown()
    }
    /// Like [`Node::shutdown`] without waiting: safe from a Raft callback or a service.
    pub fn request_shutdown(&self) {
        self.inner.manager.request_shutdown()
    }

    /// Applies a committed configuration entry and reports it applied. An invalid command, or
    /// one stamped with a writer epoch other than the entry's term, is refused with nothing
    /// written, but its index still counts as applied: the entry is in the log and every peer
    /// refuses it alike. An entry whose term is below the last applied entry's is refused and
    /// does not count (the host passed a wrong term).
    pub fn apply_entry(
        &self,
        term: Term,
        index: LogIndex,
        request: &[u8],
    ) -> Result<ApplyOutcome, Error> {
        self.inner.apply_entry(term, index, request)
    }

    /// Service `name`'s configuration, or `None` when it has none.
    pub fn read_configuration(&self, name: &str) -> Result<Option<Vec<u8>>, Error> {
        self.inner.table.read(name)
    }
    /// A user's start (`true`) or stop (`false`) of service `name`, as every peer applied it;
    /// `None` when none was ever recorded.
    pub fn read_run_control(&self, name: &str) -> Result<Option<bool>, Error> {
        self.inner.table.run_control(name)
    }
    /// The names of the services that have a configuration, in order.
    pub fn list_configurations(&self) -> Result<Vec<String>, Error> {
        self.inner.table.list()
    }
    /// The last entry applied into the table (term and index 0 before the first).
    pub fn last_applied_entry(&self) -> TermIndex {
        self.inner.table.last_applied()
    }

    /// The last applied entry, or `None` before the first (for logs that start at index 0).
    pub fn applied_position(&self) -> Option<TermIndex> {
        self.inner.table.applied_position()
    }
    /// Writes a checkpoint of the table into the new directory `dir`, for a snapshot; returns
    /// the last entry it contains.
    pub fn checkpoint(&self, dir: impl AsRef<Path>) -> Result<TermIndex, Error> {
        self.inner.table.checkpoint(dir)
    }

    /// Installs a snapshot: the table becomes the checkpoint's content, and its last entry
    /// counts as applied.
    pub fn reinitialize(&self, checkpoint_dir: impl AsRef<Path>) -> Result<TermIndex, Error> {
        self.inner.require_open()?;
        let info = self.inner.table.reinitialize(checkpoint_dir)?;
        self.inner.manager.applied(info.term, info.index);
        self.inner.manager.configuration_updated();
        Ok(info)
    }

    /// Applies a log entry with no configuration command (a replication layer's no-op or
    /// membership entry), with an optional metadata record kept in the same batch.
    pub fn apply_marker(
        &self,
        term: Term,
        index: LogIndex,
        host_metadata: Option<(&str, &[u8])>,
    ) -> Result<ApplyOutcome, Error> {
        self.inner.require_open()?;
        let outcome = self.inner.table.apply_marker(term, index, host_metadata)?;
        self.inner.manager.applied(term, index);
        Ok(outcome)
    }

    /// A record kept by [`Node::apply_marker`].
    pub fn host_metadata(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        self.inner.table.host_metadata(key)
    }

    /// The whole table at its last applied entry, for a Raft snapshot.
    pub fn export_snapshot(&self) -> Result<TableSnapshot, Error> {
        self.inner.table.export_snapshot()
    }

    /// Installs a snapshot received from the leader: the table becomes its content.
    pub fn install_snapshot(&self, snapshot: &TableSnapshot) -> Result<TermIndex, Error> {
        self.inner.require_open()?;
        let info = self.inner.table.import_snapshot(snapshot)?;
        self.inner.manager.applied(info.term, info.index);
        self.inner.manager.configuration_updated();
        Ok(info)
    }

    /// A submitter that applies straight into this node: for a single-peer group and tests.
    /// Every local submitter of a node (and the node's table) picks indexes under one lock.
    /// Do not mix it with [`Node::apply_entry`] from another log: the two would claim the same
    /// indexes, and the later write fails.
    pub fn local_submitter(&self) -> Arc<dyn ConfigSubmitter> {
        Arc::new(LocalSubmitter::new(Arc::downgrade(&self.inner)))
    }

    /// The typed configuration of service `name`, written through `submitter`.
    pub fn stateful_config<M: prost::Message + Default>(
        &self,
        name: &str,
        submitter: Arc<dyn ConfigSubmitter>,
    ) -> Result<StatefulConfig<M>, Error> {
        StatefulConfig::new(name, self.inner.table.clone(), submitter)
    }

    /// The leadership state and every service's status, read at one instant.
    pub fn status(&self) -> NodeStatus {
        let last_applied_entry = self.inner.table.last_applied();
        self.inner.manager.inspect(|model, services| NodeStatus {
            self_id: model.self_id().to_owned(),
            term: model.term(),
            leader: model.leader().map(str::to_owned),
            role: model.role(),
            barrier: model.barrier(),
            applied: model.applied_index(),
            peers: model.peers().to_vec(),
            ignored_events: model.ignored_events(),
            blocker: match model.permission() {
                Permission::Allowed { .. } => None,
                Permission::Denied(blocker) => Some(blocker),
            },
            last_applied_entry,
            services,
        })
    }

    /// The status of service `name`.
    pub fn service_status(&self, name: &str) -> Result<ServiceStatusView, Error> {
        self.inner.manager.service_status(name)
    }

    /// Whether this node is still leader-ready in `epoch`: the fencing check for hosts that
    /// keep the epoch rather than an [`crate::EpochToken`].
    pub fn is_epoch_current(&self, epoch: Term) -> bool {
        self.inner.manager.is_epoch_current(epoch)
    }

    /// Waits until the runner has acted on every event so far; false on timeout.
    pub fn wait_settled(&self, timeout: Duration) -> bool {
        self.inner.manager.wait_settled(timeout)
    }
}

impl NodeInner {
    pub(crate) fn apply_entry(
        &self,
        term: Term,
        index: LogIndex,
        request: &[u8],
    ) -> Result<ApplyOutcome, Error> {
        self.require_open()?;
        let result = self.table.apply(term, index, request);
        self.count_applied(term, index, result)
    }

    /// Applies `request` as this node's next log entry, its index chosen under the table's
    /// write lock (see [`ConfigTable::append`]), in the current term or later. A fresh entry
    /// that changes nothing is an error: the write would otherwise be reported saved.
    pub(crate) fn append_entry(&self, request: &[u8]) -> Result<TermIndex, Error> {
        self.require_open()?;
        let term = self.manager.inspect(|model, _| model.term()).max(Term(1));
        let (at, result) = self.table.append(term, request)?;
        match self.count_applied(at.term, at.index, result)? {
            ApplyOutcome::Applied { info } => Ok(TermIndex {
                term: info.term,
                index: info.index,
            }),
            ApplyOutcome::AlreadyApplied { last } => Err(Error::SubmissionNotApplied {
                term: at.term,
                index: at.index,
                last_index: last.index,
            }),
        }
    }

    /// Reports an applied (or alike refused) entry to the leadership model.
    fn count_applied(
        &self,
        term: Term,
        index: LogIndex,
        result: Result<ApplyOutcome, Error>,
    ) -> Result<ApplyOutcome, Error> {
        match &result {
            Ok(ApplyOutcome::Applied { .. }) => self.manager.configuration_updated(),
            Ok(ApplyOutcome::AlreadyApplied { .. }) => {}
            Err(error) if error.is_refused_command() => {}
            Err(_) => return result, // not applied: the index must not count
        }
        self.manager.applied(term, index);
        result
    }

    fn require_open(&self) -> Result<(), Error> {
        if self.manager.is_shut_down() {
            Err(Error::ShutDown)
        } else {
            Ok(())
        }
    }
}

fn sanitize(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(32)
        .collect()
}
