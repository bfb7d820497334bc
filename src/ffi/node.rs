//! Node handles and the Raft events a host forwards, 1:1 (docs/design.md, section 3).

use super::args;
use super::core_handle::NodeRef;
use super::extensible::{self, Extensible};
use super::service::in_service_callback;
use super::status::{omsvc_status, FfiError};
use omsvc_adapter_shared::handles::{HandleTable, Lease};
use omsvc_core::leadership::EventOutcome;
use omsvc_core::node::{DbLocation, Node, NodeOptions};
use omsvc_core::table::TableOptions;
use omsvc_core::{LogIndex, Term};
use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

/// One Raft peer: its leadership model, services and configuration table. Opaque; from
/// `omsvc_node_open`, which makes the handle the node's owner: `omsvc_node_free` shuts the
/// node down. Handles are checked: a freed handle, or a handle of another type (an
/// `omsvc_node_core`, an `omsvc_raft_node`), gives `OMSVC_INVALID_HANDLE`.
#[derive(Debug)]
pub struct omsvc_node {
    _private: [u8; 0],
}

/// A UTF-8 string as pointer and length (no NUL terminator needed).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct omsvc_str {
    /// The first byte. NULL only where a field or function gives NULL a meaning (then `len` is
    /// ignored).
    pub ptr: *const c_char,
    /// The length in bytes.
    pub len: usize,
}

/// How `omsvc_node_open` opens a node. Initialize it with
/// `omsvc_node_options_init(&options, sizeof options)`, then set the fields: a zeroed struct
/// is refused (OMSVC_INVALID_ARGUMENT), never read as options with fsync off. It can grow (see
/// "Structs that grow" at the top): fields after the caller's `struct_size` take their
/// defaults, and a newer caller's fields unknown to this library must be zero.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct omsvc_node_options {
    /// The size of the caller's struct, set by `omsvc_node_options_init`: at least
    /// `OMSVC_NODE_OPTIONS_SIZE_1_0`, else OMSVC_INVALID_ARGUMENT (0: a zeroed struct).
    pub struct_size: usize,
    /// This peer's id as the Raft group names it. Required, 1 to 255 bytes of UTF-8.
    pub self_id: omsvc_str,
    /// The RocksDB directory. `ptr` NULL: a private temporary directory removed at free
    /// (nothing survives a restart).
    pub db_dir: omsvc_str,
    /// fsync each applied entry before returning. Default: true.
    pub sync_writes: bool,
    /// Create the directory and database when missing (otherwise OMSVC_DATABASE_MISSING).
    /// Default: true.
    pub create_if_missing: bool,
}

/// The size of `omsvc_node_options` in libomsvc 1.0, the smallest `struct_size` accepted.
pub const OMSVC_NODE_OPTIONS_SIZE_1_0: usize = 48;
const _: () = assert!(OMSVC_NODE_OPTIONS_SIZE_1_0 == std::mem::size_of::<omsvc_node_options>());
const _: () = assert!(std::mem::offset_of!(omsvc_node_options, struct_size) == 0);

// SAFETY: `#[repr(C)]`, starting with `struct_size: usize` (asserted above); its fields are
// pointers, lengths and C `bool`s, the latter listed in BOOL_FIELDS.
unsafe impl Extensible for omsvc_node_options {
    const NAME: &'static str = "omsvc_node_options";
    const BOOL_FIELDS: &'static [(usize, &'static str)] = &[
        (
            std::mem::offset_of!(omsvc_node_options, sync_writes),
            "sync_writes",
        ),
        (
            std::mem::offset_of!(omsvc_node_options, create_if_missing),
            "create_if_missing",
        ),
    ];
    const MIN_SIZE: usize = OMSVC_NODE_OPTIONS_SIZE_1_0;
    const HOW_TO_SIZE: &'static str =
        "initialize it with omsvc_node_options_init(&options, sizeof options), then set the fields";
}

impl omsvc_node_options {
    /// The defaults, `struct_size` this library's size.
    fn defaults() -> Self {
        let defaults = TableOptions::default();
        omsvc_node_options {
            struct_size: std::mem::size_of::<omsvc_node_options>(),
            self_id: omsvc_str::NULL,
            db_dir: omsvc_str::NULL,
            sync_writes: defaults.sync_writes,
            create_if_missing: defaults.create_if_missing,
        }
    }
}

/// Fills the caller's `*options` of `struct_size` bytes (pass `sizeof options`) with the
/// defaults and sets its `struct_size`: `self_id` unset (NULL, which `omsvc_node_open`
/// refuses: set it), `db_dir` NULL (a temporary directory), `sync_writes` and
/// `create_if_missing` true; bytes of a newer header's struct that this library does not know
/// are zeroed. Errors: OMSVC_NULL_ARGUMENT, OMSVC_INVALID_ARGUMENT (`struct_size` below
/// `OMSVC_NODE_OPTIONS_SIZE_1_0`).
///
/// # Safety
/// `options` is NULL or points to writable memory for `struct_size` bytes, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_options_init(
    options: *mut omsvc_node_options,
    struct_size: usize,
) -> omsvc_status {
    ffi_boundary!({
        // SAFETY: the C caller passes `options` NULL or writable for `struct_size` bytes.
        unsafe {
            extensible::init(
                options,
                struct_size,
                omsvc_node_options::defaults(),
                "options",
            )
        }
    })
}

impl omsvc_str {
    /// No string (`ptr` NULL).
    pub(crate) const NULL: omsvc_str = omsvc_str {
        ptr: std::ptr::null(),
        len: 0,
    };
}

/// What an event did.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum omsvc_event_outcome {
    /// The node's state changed.
    OMSVC_EVENT_CHANGED = 0,
    /// Nothing new: a repeated notification, or an index that does not matter.
    OMSVC_EVENT_UNCHANGED = 1,
    /// Its term is below the current term: counted and ignored (a stale "not leader" still
    /// demotes).
    OMSVC_EVENT_STALE = 2,
    /// It contradicts what is known of its term (e.g. ready after stepping down): ignored.
    OMSVC_EVENT_CONTRADICTED = 3,
}

/// Tags of the C ABI's handle types: a handle of one type is never taken for another.
pub(crate) const NODE_HANDLE_TAG: u8 = 0x4e;
pub(crate) const RAFT_NODE_HANDLE_TAG: u8 = 0x52;

/// Only owning handles: a raft node's core has a table and a type of its own.
static NODES: HandleTable<Node> = HandleTable::of_type(NODE_HANDLE_TAG, "omsvc_node");

/// Forwards an event (which never blocks) to the node behind `handle`.
fn forward(
    handle: *mut omsvc_node,
    event: impl FnOnce(&Node) -> EventOutcome,
) -> Result<EventOutcome, FfiError> {
    Ok(NODES.with(handle as usize, event)?)
}

/// The node behind `handle` for the length of one call (`omsvc_node_free` waits for it).
pub(crate) fn node(handle: *const omsvc_node) -> Result<Lease<'static, Node>, FfiError> {
    Ok(NODES.lease(handle as usize)?)
}

/// Opens a node. On success writes the handle to `*node_out`.
///
/// # Safety
/// - `options` is NULL or readable for its `struct_size` bytes, its strings readable as `omsvc_str` requires.
/// - `node_out` is NULL or writable for one `omsvc_node *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_open(
    options: *const omsvc_node_options,
    node_out: *mut *mut omsvc_node,
) -> omsvc_status {
    ffi_boundary!({
        // SAFETY: the C caller passes `options` NULL or readable for its `struct_size` bytes.
        let options =
            unsafe { extensible::read(options, omsvc_node_options::defaults(), "options")? };
        // SAFETY: the C caller passes `node_out` writable (NULL is refused).
        let node_out = unsafe { args::out(node_out, "node_out")? };
        // SAFETY: the C caller passes `options.self_id.ptr` readable for `options.self_id.len`
        // bytes (NULL is refused).
        let self_id =
            unsafe { args::text(options.self_id.ptr, options.self_id.len, "options.self_id")? };
        let db = if options.db_dir.ptr.is_null() {
            DbLocation::Ephemeral
        } else {
            DbLocation::Dir(
                // SAFETY: the C caller passes `options.db_dir.ptr` readable for
                // `options.db_dir.len` bytes (NULL is refused).
                unsafe { args::text(options.db_dir.ptr, options.db_dir.len, "options.db_dir")? }
                    .into(),
            )
        };
        let mut node_options = NodeOptions::new(self_id, db);
        node_options.table = TableOptions::default()
            .with_sync_writes(options.sync_writes)
            .with_create_if_missing(options.create_if_missing);
        let node = Node::open(node_options)?;
        *node_out = NODES.insert(node) as *mut omsvc_node;
        Ok(())
    })
}

/// Shuts the node down and releases the handle. NULL is allowed (OMSVC_OK); a handle freed before, or a handle of
/// another type, gives OMSVC_INVALID_HANDLE.
///
/// A handle from `omsvc_node_open` owns its node: free shuts it down (stopping its services in
/// reverse registration order and waiting for them), waits for calls on the node that other
/// threads are inside (e.g. a checkpoint), and closes the database before it returns, so the
/// directory can be opened again at once.
///
/// Called from a service callback (of this or any other node), free only requests the
/// shutdown and returns: waiting there could wait on the calling thread itself, or on a
/// runner that waits for it (two nodes whose `stop` callbacks free each other). The services
/// then stop and the database closes on another thread after the callback returns, so an
/// immediate reopen of the directory may get OMSVC_DATABASE_LOCKED.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_free(node: *mut omsvc_node) -> omsvc_status {
    if node.is_null() {
        return omsvc_status::OMSVC_OK;
    }
    ffi_boundary!({
        let node = NODES.remove(node as usize)?;
        if in_service_callback() {
            close_later(node);
        } else {
            close(node);
        }
        Ok(())
    })
}

/// Shuts an owned node down, waits for every call still using it, and closes its database.
fn close(node: Arc<Node>) {
    node.shutdown();
    drop(NODES.wait_unshared(node));
}

/// [`close`] on a thread of its own, for a free called where waiting could deadlock.
fn close_later(node: Arc<Node>) {
    node.request_shutdown();
    let (sender, receiver) = std::sync::mpsc::channel::<Arc<Node>>();
    let spawned = std::thread::Builder::new()
        .name("omsvc-close".to_owned())
        .spawn(move || {
            if let Ok(node) = receiver.recv() {
                close(node);
            }
        });
    match spawned {
        Ok(_) => {
            let _ = sender.send(node);
        }
        Err(error) => {
            // Dropping here cannot wait on a runner: the last reference may be another call's.
            tracing::error!(%error, "no thread to close a node freed from a service callback; it closes when its last call ends");
            drop(node);
        }
    }
}

/// Writes `result` to `out` unless it is NULL, or turns it into an error. Safety: `out` is NULL
/// or writable.
unsafe fn outcome(result: EventOutcome, out: *mut omsvc_event_outcome) -> Result<(), FfiError> {
    let converted = match result.into_result()? {
        EventOutcome::Changed => omsvc_event_outcome::OMSVC_EVENT_CHANGED,
        EventOutcome::Unchanged => omsvc_event_outcome::OMSVC_EVENT_UNCHANGED,
        EventOutcome::Stale => omsvc_event_outcome::OMSVC_EVENT_STALE,
        EventOutcome::Contradicted => omsvc_event_outcome::OMSVC_EVENT_CONTRADICTED,
        EventOutcome::InvalidTerm | EventOutcome::AfterShutdown => {
            unreachable!("into_result turns {result:?} into an error")
        }
    };
    // SAFETY: our caller passes `out` NULL or writable.
    if let Some(out) = unsafe { out.as_mut() } {
        *out = converted;
    }
    Ok(())
}

/// Ratis `notifyLeaderChanged`: `leader` leads in `term` (`leader.ptr` NULL: no leader known).
/// `outcome_out` may be NULL.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `leader.ptr` is NULL or readable for `leader.len` bytes.
/// - `outcome_out` is NULL or writable for one `omsvc_event_outcome`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_leader_changed(
    node: *mut omsvc_node,
    term: u64,
    leader: omsvc_str,
    outcome_out: *mut omsvc_event_outcome,
) -> omsvc_status {
    ffi_boundary!({
        let leader = if leader.ptr.is_null() {
            None
        } else {
            // SAFETY: the C caller passes `leader.ptr` readable for `leader.len` bytes (NULL is
            // refused).
            Some(unsafe { args::text(leader.ptr, leader.len, "leader")? })
        };
        let result = forward(node, |node| node.leader_changed(Term(term), leader))?;
        // SAFETY: the C caller passes `outcome_out` NULL or writable.
        unsafe { outcome(result, outcome_out) }
    })
}

/// Ratis `notifyNotLeader`: always demotes. `outcome_out` may be NULL.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `outcome_out` is NULL or writable for one `omsvc_event_outcome`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_not_leader(
    node: *mut omsvc_node,
    term: u64,
    outcome_out: *mut omsvc_event_outcome,
) -> omsvc_status {
    ffi_boundary!({
        let result = forward(node, |node| node.not_leader(Term(term)))?;
        // SAFETY: the C caller passes `outcome_out` NULL or writable.
        unsafe { outcome(result, outcome_out) }
    })
}

/// Ratis `notifyLeaderReady`, with the barrier: services wait until every entry up to
/// `barrier_index` is applied. `outcome_out` may be NULL.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `outcome_out` is NULL or writable for one `omsvc_event_outcome`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_leader_ready(
    node: *mut omsvc_node,
    term: u64,
    barrier_index: u64,
    outcome_out: *mut omsvc_event_outcome,
) -> omsvc_status {
    ffi_boundary!({
        let result = forward(node, |node| {
            node.leader_ready(Term(term), LogIndex(barrier_index))
        })?;
        // SAFETY: the C caller passes `outcome_out` NULL or writable.
        unsafe { outcome(result, outcome_out) }
    })
}

/// Ratis `notifyTermIndexUpdated`: O(1) and allocation-free when the term is unchanged.
/// `outcome_out` may be NULL.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `outcome_out` is NULL or writable for one `omsvc_event_outcome`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_term_index_updated(
    node: *mut omsvc_node,
    term: u64,
    index: u64,
    outcome_out: *mut omsvc_event_outcome,
) -> omsvc_status {
    ffi_boundary!({
        let result = forward(node, |node| {
            node.term_index_updated(Term(term), LogIndex(index))
        })?;
        // SAFETY: the C caller passes `outcome_out` NULL or writable.
        unsafe { outcome(result, outcome_out) }
    })
}

/// Ratis `notifyConfigurationChanged`: the peer ids of the configuration at `index`.
/// `peers` may be NULL only when `peer_count` is 0. `outcome_out` may be NULL.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `peers` points to `peer_count` initialized, aligned `omsvc_str` values (NULL only with `peer_count` 0), each string readable as `omsvc_str` requires.
/// - `outcome_out` is NULL or writable for one `omsvc_event_outcome`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_configuration_changed(
    node: *mut omsvc_node,
    term: u64,
    index: u64,
    peers: *const omsvc_str,
    peer_count: usize,
    outcome_out: *mut omsvc_event_outcome,
) -> omsvc_status {
    ffi_boundary!({
        // SAFETY: the C caller passes `peer_count` initialized elements at `peers` (NULL only with
        // 0).
        let peers = unsafe { args::array(peers, peer_count, "peers")? };
        let peers = peers
            .iter()
            // SAFETY: the C caller passes `peer.ptr` readable for `peer.len` bytes (NULL is
            // refused).
            .map(|peer| unsafe { args::text(peer.ptr, peer.len, "a peer id") })
            .collect::<Result<Vec<&str>, FfiError>>()?;
        let result = forward(node, |node| {
            node.configuration_changed(Term(term), LogIndex(index), &peers)
        })?;
        // SAFETY: the C caller passes `outcome_out` NULL or writable.
        unsafe { outcome(result, outcome_out) }
    })
}

/// The host applied every entry up to `index` (`term`: that entry's term). `outcome_out` may
/// be NULL.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `outcome_out` is NULL or writable for one `omsvc_event_outcome`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_applied(
    node: *mut omsvc_node,
    term: u64,
    index: u64,
    outcome_out: *mut omsvc_event_outcome,
) -> omsvc_status {
    ffi_boundary!({
        let result = forward(node, |node| node.applied(Term(term), LogIndex(index)))?;
        // SAFETY: the C caller passes `outcome_out` NULL or writable.
        unsafe { outcome(result, outcome_out) }
    })
}

/// The host confirmed with a quorum that this node leads `term`, and no other node can be
/// elected within `valid_for_ms` from now (a leader lease; see the README for how a Ratis host
/// computes it). From the first renewal in a term, services run, and
/// `omsvc_node_epoch_is_current` answers true, only while a lease holds: a host paused past its
/// lease learns at its first check that its epoch ended, and its services stop. Hosts that
/// never call it are not bounded by time. `valid_for_ms` is at most 3,600,000 (one hour);
/// longer gives OMSVC_INVALID_ARGUMENT. `outcome_out` may be NULL.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `outcome_out` is NULL or writable for one `omsvc_event_outcome`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_lease_renewed(
    node: *mut omsvc_node,
    term: u64,
    valid_for_ms: u64,
    outcome_out: *mut omsvc_event_outcome,
) -> omsvc_status {
    ffi_boundary!({
        // A lease outlives an election timeout by nothing: an hour is already absurd.
        const LONGEST_LEASE_MS: u64 = 3_600_000;
        if valid_for_ms > LONGEST_LEASE_MS {
            return Err(FfiError::new(
                omsvc_status::OMSVC_INVALID_ARGUMENT,
                format!(
                    "valid_for_ms {valid_for_ms} is over the longest lease ({LONGEST_LEASE_MS} ms); \
                     a lease must end before another node can be elected"
                ),
            ));
        }
        let until = std::time::Instant::now() + std::time::Duration::from_millis(valid_for_ms);
        let result = forward(node, |node| node.lease_renewed(Term(term), until))?;
        // SAFETY: the C caller passes `outcome_out` NULL or writable.
        unsafe { outcome(result, outcome_out) }
    })
}

/// Stops every running service (reverse registration order) and waits, unless called from a
/// service callback of any node (then it only requests it). Later events give
/// OMSVC_SHUT_DOWN. The handle stays valid for reads until `omsvc_node_free`.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_shutdown(node: *mut omsvc_node) -> omsvc_status {
    ffi_boundary!({
        let node = self::node(node)?;
        if in_service_callback() {
            node.request_shutdown();
        } else {
            node.shutdown();
        }
        Ok(())
    })
}

/// Waits up to `timeout_ms` until the runner has acted on every event so far. Writes whether
/// it did to `*settled_out`.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `settled_out` is NULL or writable for one `bool`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_wait_settled(
    node: *const omsvc_node,
    timeout_ms: u64,
    settled_out: *mut bool,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `wait_settled`'s.
    unsafe { wait_settled(NodeRef::Owner(node), timeout_ms, settled_out) }
}

/// The body of `omsvc_node_wait_settled` and `omsvc_node_core_wait_settled`.
pub(crate) unsafe fn wait_settled(
    node: NodeRef,
    timeout_ms: u64,
    settled_out: *mut bool,
) -> omsvc_status {
    ffi_boundary!({
        let node = node.lease()?;
        // SAFETY: the C caller passes `settled_out` writable (NULL is refused).
        let settled_out = unsafe { args::out(settled_out, "settled_out")? };
        *settled_out = node.wait_settled(Duration::from_millis(timeout_ms));
        Ok(())
    })
}

/// Whether this node is still leader-ready in `epoch`: the fencing check.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `current_out` is NULL or writable for one `bool`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_epoch_is_current(
    node: *const omsvc_node,
    epoch: u64,
    current_out: *mut bool,
) -> omsvc_status {
    // SAFETY: the C caller's promises for the arguments are `epoch_is_current`'s.
    unsafe { epoch_is_current(NodeRef::Owner(node), epoch, current_out) }
}

/// The body of `omsvc_node_epoch_is_current` and `omsvc_node_core_epoch_is_current`.
pub(crate) unsafe fn epoch_is_current(
    node: NodeRef,
    epoch: u64,
    current_out: *mut bool,
) -> omsvc_status {
    ffi_boundary!({
        let node = node.lease()?;
        // SAFETY: the C caller passes `current_out` writable (NULL is refused).
        let current_out = unsafe { args::out(current_out, "current_out")? };
        *current_out = node.is_epoch_current(Term(epoch));
        Ok(())
    })
}
