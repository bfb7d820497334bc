//! openraft mode through the C ABI: a C daemon starts a replicated node, registers its C
//! services on the node's core, and proposes configuration writes.

use super::args;
use super::buffers::{new_bytes, omsvc_bytes};
use super::core_handle::{issue_core, omsvc_node_core};
use super::extensible::{self, Extensible};
use super::node::{omsvc_str, RAFT_NODE_HANDLE_TAG};
use super::status::{omsvc_status, FfiError};
use omsvc_adapter_shared::handles::HandleTable;
use omsvc_raft::{RaftNode, RaftNodeOptions, RaftTimeouts};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// A replicated node (openraft over TCP). Opaque; from `omsvc_raft_node_start`, released with
/// `omsvc_raft_node_free`. Handles are checked like `omsvc_node` handles, and the two types
/// never stand for each other: either passed as the other gives OMSVC_INVALID_HANDLE.
#[derive(Debug)]
pub struct omsvc_raft_node {
    _private: [u8; 0],
}

/// How `omsvc_raft_node_start` starts an openraft-mode node. Initialize it with
/// `omsvc_raft_node_options_init(&options, sizeof options)`, then set the fields; a zeroed
/// struct is refused (OMSVC_INVALID_ARGUMENT). It can grow (see "Structs that grow" at the
/// top): fields after the caller's `struct_size` take their defaults, and a newer caller's
/// fields unknown to this library must be zero.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct omsvc_raft_node_options {
    /// The size of the caller's struct, set by `omsvc_raft_node_options_init`: at least
    /// `OMSVC_RAFT_NODE_OPTIONS_SIZE_1_0`, else OMSVC_INVALID_ARGUMENT (0: a zeroed struct).
    pub struct_size: usize,
    /// This node's id: positive and unique in the cluster.
    pub id: u64,
    /// Address to listen on, e.g. "127.0.0.1:7001" (port 0: any free port, see
    /// `omsvc_raft_node_addr`). Required.
    pub listen: omsvc_str,
    /// Data directory (holds table/ and raft/). `ptr` NULL: a temporary directory removed at
    /// stop.
    pub data_dir: omsvc_str,
    /// Cluster name. `ptr` NULL: "omsvc".
    pub cluster: omsvc_str,
    /// 0: the default of each (50 ms heartbeat, elections between 250 and 500 ms). Otherwise
    /// heartbeat_ms < election_min_ms <= election_max_ms <= 3600000 (one hour), or
    /// OMSVC_INVALID_ARGUMENT naming the field.
    pub heartbeat_ms: u64,
    /// The shortest election timeout, in milliseconds (0: the default).
    pub election_min_ms: u64,
    /// The longest election timeout, in milliseconds (0: the default); a follower withholds its
    /// vote this long after hearing from its leader.
    pub election_max_ms: u64,
    /// Take a snapshot (and purge the log before it) every this many entries. 0 (also what a
    /// caller struct of the 1.0 layout, which ends before this field, gets): 1000.
    pub snapshot_every: u64,
}

/// The size of `omsvc_raft_node_options` in libomsvc 1.0 (up to `election_max_ms`), the
/// smallest `struct_size` accepted.
pub const OMSVC_RAFT_NODE_OPTIONS_SIZE_1_0: usize = 88;
const _: () = assert!(
    OMSVC_RAFT_NODE_OPTIONS_SIZE_1_0
        == std::mem::offset_of!(omsvc_raft_node_options, snapshot_every)
);
const _: () = assert!(std::mem::offset_of!(omsvc_raft_node_options, struct_size) == 0);

// SAFETY: `#[repr(C)]`, starting with `struct_size: usize` (asserted above); its fields are
// integers, pointers and lengths.
unsafe impl Extensible for omsvc_raft_node_options {
    const NAME: &'static str = "omsvc_raft_node_options";
    const MIN_SIZE: usize = OMSVC_RAFT_NODE_OPTIONS_SIZE_1_0;
    const HOW_TO_SIZE: &'static str = "initialize it with omsvc_raft_node_options_init(&options, \
         sizeof options), then set the fields";
}

impl omsvc_raft_node_options {
    /// The defaults, `struct_size` this library's size.
    fn defaults() -> Self {
        let timeouts = RaftTimeouts::default();
        omsvc_raft_node_options {
            struct_size: std::mem::size_of::<omsvc_raft_node_options>(),
            id: 0,
            listen: omsvc_str::NULL,
            data_dir: omsvc_str::NULL,
            cluster: omsvc_str::NULL,
            heartbeat_ms: timeouts.heartbeat.as_millis() as u64,
            election_min_ms: timeouts.election_min.as_millis() as u64,
            election_max_ms: timeouts.election_max.as_millis() as u64,
            snapshot_every: 0,
        }
    }
}

/// Fills the caller's `*options` of `struct_size` bytes (pass `sizeof options`) with the
/// defaults and sets its `struct_size`: `id` 0 and `listen` unset (both required: set them),
/// `data_dir` NULL (a temporary directory), `cluster` NULL ("omsvc"), the default timeouts
/// (50 ms heartbeat, elections between 250 and 500 ms) and `snapshot_every` 0 (1000); bytes
/// of a newer header's struct that this library does not know are zeroed. Errors:
/// OMSVC_NULL_ARGUMENT, OMSVC_INVALID_ARGUMENT (`struct_size` below
/// `OMSVC_RAFT_NODE_OPTIONS_SIZE_1_0`).
///
/// # Safety
/// `options` is NULL or points to writable memory for `struct_size` bytes, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_raft_node_options_init(
    options: *mut omsvc_raft_node_options,
    struct_size: usize,
) -> omsvc_status {
    ffi_boundary!({
        // SAFETY: the C caller passes `options` NULL or writable for `struct_size` bytes.
        unsafe {
            extensible::init(
                options,
                struct_size,
                omsvc_raft_node_options::defaults(),
                "options",
            )
        }
    })
}

static RAFT_NODES: HandleTable<RaftNode> =
    HandleTable::of_type(RAFT_NODE_HANDLE_TAG, "omsvc_raft_node");

fn raft_node(handle: *const omsvc_raft_node) -> Result<Arc<RaftNode>, FfiError> {
    Ok(RAFT_NODES.get(handle as usize)?)
}

/// The C options' timeouts, 0 meaning the default of that field, checked.
fn timeouts(options: &omsvc_raft_node_options) -> Result<RaftTimeouts, FfiError> {
    let defaults = RaftTimeouts::default();
    let pick = |ms: u64, default: Duration| {
        if ms == 0 {
            default
        } else {
            Duration::from_millis(ms)
        }
    };
    let timeouts = RaftTimeouts {
        heartbeat: pick(options.heartbeat_ms, defaults.heartbeat),
        election_min: pick(options.election_min_ms, defaults.election_min),
        election_max: pick(options.election_max_ms, defaults.election_max),
    };
    timeouts.validate().map_err(|error| {
        FfiError::new(
            omsvc_status::OMSVC_INVALID_ARGUMENT,
            format!(
                "options (heartbeat_ms {}, election_min_ms {}, election_max_ms {}; 0 is the \
                 default): {error}",
                options.heartbeat_ms, options.election_min_ms, options.election_max_ms
            ),
        )
    })?;
    Ok(timeouts)
}

/// Starts a replicated node: opens its data directory, listens, and joins Raft. On success
/// writes the handle to `*node_out`.
///
/// # Safety
/// - `options` is NULL or readable for its `struct_size` bytes, its strings readable as `omsvc_str` requires.
/// - `node_out` is NULL or writable for one `omsvc_raft_node *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_raft_node_start(
    options: *const omsvc_raft_node_options,
    node_out: *mut *mut omsvc_raft_node,
) -> omsvc_status {
    ffi_boundary!({
        // SAFETY: the C caller passes `options` NULL or readable for its `struct_size` bytes.
        let options =
            unsafe { extensible::read(options, omsvc_raft_node_options::defaults(), "options")? };
        let options = &options;
        // SAFETY: the C caller passes `node_out` writable (NULL is refused).
        let node_out = unsafe { args::out(node_out, "node_out")? };
        if options.id == 0 {
            return Err(FfiError::new(
                omsvc_status::OMSVC_INVALID_ARGUMENT,
                "options.id must be positive",
            ));
        }
        // SAFETY: the C caller passes `options.listen.ptr` readable for `options.listen.len`
        // bytes (NULL is refused).
        let listen =
            unsafe { args::text(options.listen.ptr, options.listen.len, "options.listen")? };
        let data_dir = match options.data_dir.ptr.is_null() {
            true => None,
            false => Some(
                // SAFETY: the C caller passes `options.data_dir.ptr` readable for
                // `options.data_dir.len` bytes (NULL is handled above).
                unsafe {
                    args::text(
                        options.data_dir.ptr,
                        options.data_dir.len,
                        "options.data_dir",
                    )?
                }
                .into(),
            ),
        };
        let mut raft_options = RaftNodeOptions::new(options.id, listen, data_dir);
        if !options.cluster.ptr.is_null() {
            // SAFETY: the C caller passes `options.cluster.ptr` readable for
            // `options.cluster.len` bytes (NULL is refused).
            raft_options.cluster =
                unsafe { args::text(options.cluster.ptr, options.cluster.len, "options.cluster")? }
                    .to_owned();
        }
        raft_options.timeouts = timeouts(options)?;
        if options.snapshot_every > 0 {
            raft_options.snapshot_every = options.snapshot_every;
        }
        let node = RaftNode::start(raft_options)?;
        *node_out = RAFT_NODES.insert(node) as *mut omsvc_raft_node;
        Ok(())
    })
}

/// Shuts the node down (Raft, the server, then the services: their `stop` callbacks have
/// returned when this returns, even if other threads are inside calls on this node: those
/// calls fail with OMSVC_SHUT_DOWN) and frees the handle, as `omsvc_node_free` does for an
/// `omsvc_node`. NULL is allowed; a handle freed before gives OMSVC_INVALID_HANDLE.
/// `omsvc_node_core` handles stay valid for reads until released.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
#[no_mangle]
pub unsafe extern "C" fn omsvc_raft_node_free(node: *mut omsvc_raft_node) -> omsvc_status {
    if node.is_null() {
        return omsvc_status::OMSVC_OK;
    }
    ffi_boundary!({
        let node = RAFT_NODES.remove(node as usize)?;
        node.shutdown();
        // If another thread's call still holds the node, its runtime ends when that call does.
        drop(node);
        Ok(())
    })
}

/// A handle sharing this node's core: register C services on it and read configuration and
/// status with the `omsvc_node_core_*` functions (the replicated node drives its own
/// leadership, so the core has no event functions). Release it with `omsvc_node_core_release`,
/// at any time: that drops only this handle, and the raft node and its services keep running.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `core_out` is NULL or writable for one `omsvc_node_core *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_raft_node_core(
    node: *const omsvc_raft_node,
    core_out: *mut *mut omsvc_node_core,
) -> omsvc_status {
    ffi_boundary!({
        let node = raft_node(node)?;
        // SAFETY: the C caller passes `core_out` writable (NULL is refused).
        let core_out = unsafe { args::out(core_out, "core_out")? };
        *core_out = issue_core(node.shared_node());
        Ok(())
    })
}

/// The address this node listens on, as UTF-8 bytes (free with `omsvc_bytes_free`).
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `addr_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_raft_node_addr(
    node: *const omsvc_raft_node,
    addr_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    ffi_boundary!({
        let node = raft_node(node)?;
        // SAFETY: the C caller passes `addr_out` writable (NULL is refused).
        let addr_out = unsafe { args::out(addr_out, "addr_out")? };
        *addr_out = new_bytes(node.addr().as_bytes().to_vec());
        Ok(())
    })
}

/// Creates the cluster with `count` members (`ids[i]` at `addrs[i]`); call once, on one node,
/// which must be among the members (otherwise OMSVC_INVALID_ARGUMENT).
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `ids` points to `count` initialized, aligned `u64` values (NULL only with `count` 0).
/// - `addrs` points to `count` initialized, aligned `omsvc_str` values (NULL only with `count` 0), each string readable as `omsvc_str` requires.
#[no_mangle]
pub unsafe extern "C" fn omsvc_raft_node_initialize(
    node: *mut omsvc_raft_node,
    ids: *const u64,
    addrs: *const omsvc_str,
    count: usize,
) -> omsvc_status {
    ffi_boundary!({
        let node = raft_node(node)?;
        if count == 0 {
            return Err(FfiError::new(
                omsvc_status::OMSVC_INVALID_ARGUMENT,
                "a cluster needs at least one member",
            ));
        }
        // SAFETY: the C caller passes `count` initialized elements at `ids` (NULL only with 0).
        let ids = unsafe { args::array(ids, count, "ids")? };
        // SAFETY: the C caller passes `count` initialized elements at `addrs` (NULL only with 0).
        let addrs = unsafe { args::array(addrs, count, "addrs")? };
        if !ids.contains(&node.id()) {
            return Err(FfiError::new(
                omsvc_status::OMSVC_INVALID_ARGUMENT,
                format!(
                    "the members must include this node (id {}) with its address: initialize \
                     the cluster on one of its members",
                    node.id()
                ),
            ));
        }
        let mut members = BTreeMap::new();
        for (id, addr) in ids.iter().zip(addrs) {
            // SAFETY: the C caller passes `addr.ptr` readable for `addr.len` bytes (NULL is
            // refused).
            let addr = unsafe { args::text(addr.ptr, addr.len, "a member address")? };
            if members.insert(*id, addr.to_owned()).is_some() {
                return Err(FfiError::new(
                    omsvc_status::OMSVC_INVALID_ARGUMENT,
                    format!("node id {id} is given twice"),
                ));
            }
        }
        node.initialize(members)?;
        Ok(())
    })
}

/// Asks this node to stand for election now (openraft has no directed leadership transfer:
/// this is how a host moves leadership, and the node is not guaranteed to win). Returns once
/// the request is taken, not when an election is decided.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
#[no_mangle]
pub unsafe extern "C" fn omsvc_raft_node_trigger_election(
    node: *mut omsvc_raft_node,
) -> omsvc_status {
    ffi_boundary!({
        raft_node(node)?.trigger_election()?;
        Ok(())
    })
}

/// Proposes setting `name`'s configuration; returns once it is committed and applied here.
/// On a follower: OMSVC_NOT_LEADER, and `omsvc_last_error` names the leader. Writes the
/// entry's index to `*index_out` if that is not NULL.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `value` is readable for `value_len` bytes (NULL only with `value_len` 0).
/// - `index_out` is NULL or writable for one `u64`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_raft_node_set(
    node: *mut omsvc_raft_node,
    name: omsvc_str,
    value: *const u8,
    value_len: usize,
    index_out: *mut u64,
) -> omsvc_status {
    ffi_boundary!({
        let node = raft_node(node)?;
        // SAFETY: the C caller passes `name.ptr` readable for `name.len` bytes (NULL is refused).
        let name = unsafe { args::service_name(name.ptr, name.len)? };
        // SAFETY: the C caller passes `value` readable for `value_len` bytes (NULL only with 0).
        let value = unsafe { args::bytes(value, value_len, "value")? };
        let request = omsvc_core::table::encode_set_request(name, value)?;
        // SAFETY: the C caller passes `index_out` NULL or writable.
        unsafe { propose(&node, request, index_out) }
    })
}

/// Proposes deleting `name`'s configuration (see `omsvc_raft_node_set`).
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `name.ptr` is NULL or readable for `name.len` bytes.
/// - `index_out` is NULL or writable for one `u64`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_raft_node_delete(
    node: *mut omsvc_raft_node,
    name: omsvc_str,
    index_out: *mut u64,
) -> omsvc_status {
    ffi_boundary!({
        let node = raft_node(node)?;
        // SAFETY: the C caller passes `name.ptr` readable for `name.len` bytes (NULL is refused).
        let name = unsafe { args::service_name(name.ptr, name.len)? };
        let request = omsvc_core::table::encode_delete_request(name)?;
        // SAFETY: the C caller passes `index_out` NULL or writable.
        unsafe { propose(&node, request, index_out) }
    })
}

/// Writes `*index_out` only when the entry was applied: a refused entry, or one that changed
/// nothing (OMSVC_SUBMIT_FAILED), is an error, never reported saved. Safety: `index_out` is
/// NULL or writable.
unsafe fn propose(node: &RaftNode, request: Vec<u8>, index_out: *mut u64) -> Result<(), FfiError> {
    let receipt = omsvc_raft::node::applied(node.write(request)?, node.node())?;
    // SAFETY: our caller passes `index_out` NULL or writable.
    if let Some(index_out) = unsafe { index_out.as_mut() } {
        *index_out = receipt.index.0;
    }
    Ok(())
}

/// This node's view of the cluster as UTF-8 JSON: its `omsvc.v1.RaftNodeStatus` message (the
/// core's status of the node under `node`, with the address, openraft's server state, the
/// leader's address, members, leadership changes), the same as `omsvc status --json`. Free
/// with `omsvc_bytes_free`.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `json_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_raft_node_status_json(
    node: *const omsvc_raft_node,
    json_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    ffi_boundary!({
        let node = raft_node(node)?;
        // SAFETY: the C caller passes `json_out` writable (NULL is refused).
        let json_out = unsafe { args::out(json_out, "json_out")? };
        let json = serde_json::to_vec(&node.report().to_json()).map_err(|e| {
            FfiError::new(
                omsvc_status::OMSVC_PANIC,
                format!("status does not encode: {e}"),
            )
        })?;
        *json_out = new_bytes(json);
        Ok(())
    })
}

/// This node's view of the cluster as an encoded `omsvc.v1.RaftNodeStatus` message
/// (`proto/omsvc.proto`, whose field numbers are stable): the same model as
/// `omsvc_raft_node_status_json`, for programs that decode protobuf. Free with
/// `omsvc_bytes_free`.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `proto_out` is NULL or writable for one `omsvc_bytes *`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_raft_node_status_proto(
    node: *const omsvc_raft_node,
    proto_out: *mut *mut omsvc_bytes,
) -> omsvc_status {
    ffi_boundary!({
        let node = raft_node(node)?;
        // SAFETY: the C caller passes `proto_out` writable (NULL is refused).
        let proto_out = unsafe { args::out(proto_out, "proto_out")? };
        *proto_out = new_bytes(node.report().encode());
        Ok(())
    })
}

/// The leader this node knows of: writes its id to `*leader_out` and whether one is known to
/// `*known_out`.
///
/// # Safety
/// - `node` may be any value: handles are checked, never dereferenced.
/// - `leader_out` is NULL or writable for one `u64`, suitably aligned.
/// - `known_out` is NULL or writable for one `bool`, suitably aligned.
#[no_mangle]
pub unsafe extern "C" fn omsvc_raft_node_leader(
    node: *const omsvc_raft_node,
    leader_out: *mut u64,
    known_out: *mut bool,
) -> omsvc_status {
    ffi_boundary!({
        let node = raft_node(node)?;
        // SAFETY: the C caller passes `leader_out` writable (NULL is refused).
        let leader_out = unsafe { args::out(leader_out, "leader_out")? };
        // SAFETY: the C caller passes `known_out` writable (NULL is refused).
        let known_out = unsafe { args::out(known_out, "known_out")? };
        let leader = node.report().leader();
        *known_out = leader.is_some();
        *leader_out = leader.unwrap_or(0);
        Ok(())
    })
}
