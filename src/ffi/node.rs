//! Node handles and the Raft events a host forwards (DESIGN section 3), 1:1.

use super::args;
use super::status::{omsvc_status, FfiError};
use crate::core::config::TableOptions;
use crate::core::leadership::EventOutcome;
use crate::core::node::{DbLocation, Node, NodeOptions};
use crate::handles::HandleTable;
use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

/// One Raft peer: its leadership model, services and configuration table. Opaque; obtained
/// from `omsvc_node_open`, released with `omsvc_node_free`. Handles are checked: a freed
/// handle gives `OMSVC_INVALID_HANDLE`.
pub struct omsvc_node {
    _private: [u8; 0],
}

/// A UTF-8 string as pointer and length (no NUL terminator needed).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct omsvc_str {
    pub ptr: *const c_char,
    pub len: usize,
}

#[repr(C)]
pub struct omsvc_node_options {
    /// This peer's id as the Raft group names it. Required, 1 to 255 bytes of UTF-8.
    pub self_id: omsvc_str,
    /// The RocksDB directory. `ptr` NULL: a private temporary directory removed at free
    /// (nothing survives a restart).
    pub db_dir: omsvc_str,
    /// fsync each applied entry before returning (recommended: true).
    pub sync_writes: bool,
    /// Create the directory and database when missing (otherwise OMSVC_DATABASE_MISSING).
    pub create_if_missing: bool,
}

/// What an event did.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum omsvc_event_outcome {
    OMSVC_EVENT_CHANGED = 0,
    OMSVC_EVENT_UNCHANGED = 1,
    /// Its term is below the current term: counted and ignored (a stale "not leader" still
    /// demotes).
    OMSVC_EVENT_STALE = 2,
    /// It contradicts what is known of its term (e.g. ready after stepping down): ignored.
    OMSVC_EVENT_CONTRADICTED = 3,
}

static NODES: HandleTable<Node> = HandleTable::new();

/// Forwards an event (which never blocks) to the node behind `handle`.
fn forward(
    handle: *mut omsvc_node,
    event: impl FnOnce(&Node) -> EventOutcome,
) -> Result<EventOutcome, FfiError> {
    Ok(NODES.with(handle as usize, event)?)
}

pub(crate) fn node(handle: *const omsvc_node) -> Result<Arc<Node>, FfiError> {
    Ok(NODES.get(handle as usize)?)
}

/// Issues an `omsvc_node` handle for a node owned elsewhere (a raft node's core).
pub(crate) fn share_node(node: Arc<Node>) -> *mut omsvc_node {
    NODES.insert_shared(node) as *mut omsvc_node
}

/// Opens a node. On success writes the handle to `*node_out`.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_open(
    options: *const omsvc_node_options,
    node_out: *mut *mut omsvc_node,
) -> omsvc_status {
    ffi_boundary!({
        let options = unsafe { options.as_ref() }
            .ok_or_else(|| FfiError::new(omsvc_status::OMSVC_NULL_ARGUMENT, "options is NULL"))?;
        let node_out = unsafe { args::out(node_out, "node_out")? };
        let self_id =
            unsafe { args::text(options.self_id.ptr, options.self_id.len, "options.self_id")? };
        crate::core::config::validate_service_name(self_id).map_err(|_| {
            FfiError::new(
                omsvc_status::OMSVC_INVALID_ARGUMENT,
                format!("self_id {self_id:?} must be 1 to 255 bytes with no control characters"),
            )
        })?;
        let db = if options.db_dir.ptr.is_null() {
            DbLocation::Ephemeral
        } else {
            DbLocation::Dir(
                unsafe { args::text(options.db_dir.ptr, options.db_dir.len, "options.db_dir")? }
                    .into(),
            )
        };
        let mut node_options = NodeOptions::new(self_id, db);
        node_options.table = TableOptions {
            sync_writes: options.sync_writes,
            create_if_missing: options.create_if_missing,
        };
        let node = Node::open(node_options)?;
        *node_out = NODES.insert(node) as *mut omsvc_node;
        Ok(())
    })
}

/// Shuts the node down (stopping its services, in reverse registration order, and waiting
/// for them) and releases the handle. NULL is allowed (OMSVC_OK); a handle freed before gives
/// OMSVC_INVALID_HANDLE. Called from a service callback, the shutdown completes after the
/// callback returns.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_free(node: *mut omsvc_node) -> omsvc_status {
    if node.is_null() {
        return omsvc_status::OMSVC_OK;
    }
    ffi_boundary!({
        let node = NODES.remove(node as usize)?;
        node.shutdown();
        Ok(())
    })
}

fn outcome(result: EventOutcome, out: *mut omsvc_event_outcome) -> Result<(), FfiError> {
    let converted = match result {
        EventOutcome::Changed => omsvc_event_outcome::OMSVC_EVENT_CHANGED,
        EventOutcome::Unchanged => omsvc_event_outcome::OMSVC_EVENT_UNCHANGED,
        EventOutcome::Stale => omsvc_event_outcome::OMSVC_EVENT_STALE,
        EventOutcome::Contradicted => omsvc_event_outcome::OMSVC_EVENT_CONTRADICTED,
        EventOutcome::AfterShutdown => {
            return Err(FfiError::new(
                omsvc_status::OMSVC_SHUT_DOWN,
                "the node is shut down; the event was ignored",
            ))
        }
        EventOutcome::InvalidTerm => {
            return Err(FfiError::new(
                omsvc_status::OMSVC_INVALID_ARGUMENT,
                "term 0 carries no leadership (Raft terms start at 1)",
            ))
        }
    };
    if let Some(out) = unsafe { out.as_mut() } {
        *out = converted;
    }
    Ok(())
}

/// Ratis `notifyLeaderChanged`: `leader` leads in `term` (`leader.ptr` NULL: no leader known).
/// `outcome_out` may be NULL.
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
            Some(unsafe { args::text(leader.ptr, leader.len, "leader")? })
        };
        outcome(
            forward(node, |node| node.leader_changed(term, leader))?,
            outcome_out,
        )
    })
}

/// Ratis `notifyNotLeader`: always demotes. `outcome_out` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_not_leader(
    node: *mut omsvc_node,
    term: u64,
    outcome_out: *mut omsvc_event_outcome,
) -> omsvc_status {
    ffi_boundary!(outcome(
        forward(node, |node| node.not_leader(term))?,
        outcome_out
    ))
}

/// Ratis `notifyLeaderReady`, with the barrier: services wait until every entry up to
/// `barrier_index` is applied. `outcome_out` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_leader_ready(
    node: *mut omsvc_node,
    term: u64,
    barrier_index: u64,
    outcome_out: *mut omsvc_event_outcome,
) -> omsvc_status {
    ffi_boundary!(outcome(
        forward(node, |node| node.leader_ready(term, barrier_index))?,
        outcome_out
    ))
}

/// Ratis `notifyTermIndexUpdated`: O(1) and allocation-free when the term is unchanged.
/// `outcome_out` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_term_index_updated(
    node: *mut omsvc_node,
    term: u64,
    index: u64,
    outcome_out: *mut omsvc_event_outcome,
) -> omsvc_status {
    ffi_boundary!(outcome(
        forward(node, |node| node.term_index_updated(term, index))?,
        outcome_out
    ))
}

/// Ratis `notifyConfigurationChanged`: the peer ids of the configuration at `index`.
/// `peers` may be NULL only when `peer_count` is 0. `outcome_out` may be NULL.
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
        let peers: &[omsvc_str] = if peer_count == 0 {
            &[]
        } else if peers.is_null() {
            return Err(FfiError::new(
                omsvc_status::OMSVC_NULL_ARGUMENT,
                "peers is NULL",
            ));
        } else {
            unsafe { std::slice::from_raw_parts(peers, peer_count) }
        };
        let peers = peers
            .iter()
            .map(|peer| unsafe { args::text(peer.ptr, peer.len, "a peer id") })
            .collect::<Result<Vec<&str>, FfiError>>()?;
        outcome(
            forward(node, |node| node.configuration_changed(term, index, &peers))?,
            outcome_out,
        )
    })
}

/// The host applied every entry up to `index` (`term`: that entry's term). `outcome_out` may
/// be NULL.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_applied(
    node: *mut omsvc_node,
    term: u64,
    index: u64,
    outcome_out: *mut omsvc_event_outcome,
) -> omsvc_status {
    ffi_boundary!(outcome(
        forward(node, |node| node.applied(term, index))?,
        outcome_out
    ))
}

/// Stops every running service (reverse registration order) and waits, unless called from a
/// service callback (then it only requests it). Later events give OMSVC_SHUT_DOWN. The
/// handle stays valid for reads until `omsvc_node_free`.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_shutdown(node: *mut omsvc_node) -> omsvc_status {
    ffi_boundary!({
        self::node(node)?.shutdown();
        Ok(())
    })
}

/// Waits up to `timeout_ms` until the runner has acted on every event so far. Writes whether
/// it did to `*settled_out`.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_wait_settled(
    node: *const omsvc_node,
    timeout_ms: u64,
    settled_out: *mut bool,
) -> omsvc_status {
    ffi_boundary!({
        let node = self::node(node)?;
        let settled_out = unsafe { args::out(settled_out, "settled_out")? };
        *settled_out = node.wait_settled(Duration::from_millis(timeout_ms));
        Ok(())
    })
}

/// Whether this node is still leader-ready in `epoch`: the fencing check.
#[no_mangle]
pub unsafe extern "C" fn omsvc_node_epoch_is_current(
    node: *const omsvc_node,
    epoch: u64,
    current_out: *mut bool,
) -> omsvc_status {
    ffi_boundary!({
        let node = self::node(node)?;
        let current_out = unsafe { args::out(current_out, "current_out")? };
        *current_out = node.is_epoch_current(epoch);
        Ok(())
    })
}
