//! Handle tables for the foreign adapters (C and Java): a handle encodes its table's type tag,
//! a slot and the slot's generation, and is never dereferenced, so a freed, forged, stale or
//! wrongly typed handle fails the lookup with an error instead of touching freed memory or
//! acting on an object of another type. Each adapter maps [`HandleError`] to its own form (a
//! status, an exception).
//!
//! Ownership is fixed per handle when it is issued: an owning handle ([`HandleTable::insert`])
//! is the one whose release ends the object; a sharing handle ([`HandleTable::insert_shared`])
//! holds one reference to an object owned elsewhere, and its release drops only that.

use std::sync::{Arc, Condvar, Mutex, RwLock};

/// Why a handle was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandleError {
    /// The handle is 0 (NULL).
    Null,
    /// Never issued, or already freed.
    Invalid(usize),
    /// A live or stale handle of another type (e.g. a raft node passed as a node).
    WrongType {
        /// The handle as passed.
        handle: usize,
        /// The type the function expected.
        expected: &'static str,
    },
}

impl std::error::Error for HandleError {}

impl std::fmt::Display for HandleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandleError::Null => write!(f, "the handle is NULL"),
            HandleError::Invalid(handle) => write!(
                f,
                "handle {handle:#x} is not a live handle (never issued, or already freed)"
            ),
            HandleError::WrongType { handle, expected } => write!(
                f,
                "handle {handle:#x} is not an {expected} handle (a handle of another type was \
                 passed, or a forged value)"
            ),
        }
    }
}

/// Whether releasing a handle ends its object or only drops a reference to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// The handle owns the object: releasing it is the object's end.
    Owner,
    /// The object is owned elsewhere; the handle holds one reference.
    Sharer,
}

struct Entry<T> {
    value: Arc<T>,
    ownership: Ownership,
}

struct Slot<T> {
    generation: u32,
    entry: Option<Entry<T>>,
}

/// The objects of one type handed out to a foreign caller, by handle.
pub struct HandleTable<T> {
    slots: RwLock<Vec<Slot<T>>>,
    tag: u8,
    kind: &'static str,
    /// Signalled whenever a [`Lease`] ends, for [`HandleTable::wait_unshared`].
    lease_ended: Condvar,
    lease_lock: Mutex<()>,
}

impl<T> std::fmt::Debug for HandleTable<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandleTable")
            .field("kind", &self.kind)
            .field("tag", &self.tag)
            .finish_non_exhaustive()
    }
}

/// A reference to a handle's object for the length of one call, counted so that the owner's
/// release can wait for it to end ([`HandleTable::wait_unshared`]).
pub struct Lease<'t, T> {
    value: Option<Arc<T>>,
    table: &'t HandleTable<T>,
}

impl<T> std::fmt::Debug for Lease<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("table", self.table)
            .finish_non_exhaustive()
    }
}

impl<T> std::ops::Deref for Lease<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("present until dropped")
    }
}

impl<T> Drop for Lease<'_, T> {
    fn drop(&mut self) {
        // The reference goes first; the waiter re-checks the count under the lock.
        drop(self.value.take());
        let _guard = self
            .table
            .lease_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.table.lease_ended.notify_all();
    }
}

const INDEX_BITS: u32 = 32;
const GENERATION_BITS: u32 = 24;
const GENERATION_MASK: u32 = (1 << GENERATION_BITS) - 1;
const TAG_SHIFT: u32 = INDEX_BITS + GENERATION_BITS;

impl<T> Default for HandleTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> HandleTable<T> {
    /// A table whose handles carry tag 0 (for an adapter with one handle type).
    pub const fn new() -> Self {
        Self::of_type(0, "omsvc")
    }

    /// A table whose handles carry `tag`: a handle of a table with another tag is refused
    /// with [`HandleError::WrongType`]. `kind` names the type in errors.
    pub const fn of_type(tag: u8, kind: &'static str) -> Self {
        HandleTable {
            slots: RwLock::new(Vec::new()),
            tag,
            kind,
            lease_ended: Condvar::new(),
            lease_lock: Mutex::new(()),
        }
    }

    /// Issues an owning handle.
    pub fn insert(&self, value: T) -> usize {
        self.issue(Arc::new(value), Ownership::Owner)
    }

    /// Issues a handle to a value others share; releasing it drops only its reference.
    pub fn insert_shared(&self, value: Arc<T>) -> usize {
        self.issue(value, Ownership::Sharer)
    }

    fn issue(&self, value: Arc<T>, ownership: Ownership) -> usize {
        let mut slots = self
            .slots
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = Some(Entry { value, ownership });
        let index = match slots.iter().position(|slot| slot.entry.is_none()) {
            Some(index) => {
                slots[index].entry = entry;
                index
            }
            None => {
                slots.push(Slot {
                    generation: 1,
                    entry,
                });
                slots.len() - 1
            }
        };
        encode(self.tag, index, slots[index].generation)
    }

    /// The live value behind `handle`; the caller's clone keeps it alive through the call even
    /// if another thread frees the handle meanwhile. Not counted: prefer [`HandleTable::lease`]
    /// where an owner's release waits for calls to end.
    pub fn get(&self, handle: usize) -> Result<Arc<T>, HandleError> {
        self.with_entry(handle, |entry| Arc::clone(&entry.value))
    }

    /// The live value behind `handle` for the length of a call; an owner's release
    /// ([`HandleTable::wait_unshared`]) waits for the lease to end.
    pub fn lease(&self, handle: usize) -> Result<Lease<'_, T>, HandleError> {
        let value = self.get(handle)?;
        Ok(Lease {
            value: Some(value),
            table: self,
        })
    }

    /// Runs `f` on the live value behind `handle` under the table's read lock, without taking
    /// a reference: for calls that never block (event forwarding). A concurrent free waits for
    /// `f` to return.
    pub fn with<R>(&self, handle: usize, f: impl FnOnce(&T) -> R) -> Result<R, HandleError> {
        self.with_entry(handle, |entry| f(&entry.value))
    }

    fn with_entry<R>(
        &self,
        handle: usize,
        f: impl FnOnce(&Entry<T>) -> R,
    ) -> Result<R, HandleError> {
        let (index, generation) = self.decode(handle)?;
        let slots = self
            .slots
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match slots.get(index) {
            Some(Slot {
                generation: live,
                entry: Some(entry),
            }) if *live == generation => Ok(f(entry)),
            _ => Err(HandleError::Invalid(handle)),
        }
    }

    /// Removes `handle`'s value; its generation moves on so the handle never matches again.
    pub fn remove(&self, handle: usize) -> Result<Arc<T>, HandleError> {
        self.release(handle).map(|(value, _)| value)
    }

    /// Removes `handle`'s value and says whether the handle owned it.
    pub fn release(&self, handle: usize) -> Result<(Arc<T>, Ownership), HandleError> {
        let (index, generation) = self.decode(handle)?;
        let mut slots = self
            .slots
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match slots.get_mut(index) {
            Some(slot) if slot.generation == generation && slot.entry.is_some() => {
                slot.generation = next_generation(slot.generation);
                let entry = slot.entry.take().expect("checked above");
                Ok((entry.value, entry.ownership))
            }
            _ => Err(HandleError::Invalid(handle)),
        }
    }

    /// Waits until every [`Lease`] on `value` has ended and returns the value itself, so the
    /// caller decides on which thread it is dropped. `value` must come from
    /// [`HandleTable::release`] of an owning handle whose references were only leased.
    pub fn wait_unshared(&self, value: Arc<T>) -> T {
        let mut value = value;
        let mut guard = self
            .lease_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            match Arc::try_unwrap(value) {
                Ok(value) => return value,
                Err(shared) => value = shared,
            }
            guard = self
                .lease_ended
                .wait(guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn decode(&self, handle: usize) -> Result<(usize, u32), HandleError> {
        if handle == 0 {
            return Err(HandleError::Null);
        }
        let index = handle & ((1usize << INDEX_BITS) - 1);
        let generation = ((handle >> INDEX_BITS) as u32) & GENERATION_MASK;
        let tag = (handle >> TAG_SHIFT) as u8;
        if tag != self.tag {
            return Err(HandleError::WrongType {
                handle,
                expected: self.kind,
            });
        }
        if index == 0 || generation == 0 {
            return Err(HandleError::Invalid(handle));
        }
        Ok((index - 1, generation))
    }
}

fn next_generation(generation: u32) -> u32 {
    (generation.wrapping_add(1) & GENERATION_MASK).max(1)
}

fn encode(tag: u8, index: usize, generation: u32) -> usize {
    ((tag as usize) << TAG_SHIFT) | ((generation as usize) << INDEX_BITS) | (index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_handle_never_matches_again_even_when_its_slot_is_reused() {
        let table = HandleTable::new();
        let first = table.insert("a");
        assert_eq!(*table.get(first).unwrap(), "a");
        table.remove(first).unwrap();
        assert_eq!(table.get(first).unwrap_err(), HandleError::Invalid(first));
        assert_eq!(
            table.remove(first).unwrap_err(),
            HandleError::Invalid(first)
        );
        let second = table.insert("b");
        assert_ne!(first, second);
        assert_eq!(*table.get(second).unwrap(), "b");
        assert_eq!(table.get(first).unwrap_err(), HandleError::Invalid(first));
        assert_eq!(table.get(0).unwrap_err(), HandleError::Null);
        assert_eq!(
            table.get(0xdead_beef).unwrap_err(),
            HandleError::Invalid(0xdead_beef)
        );
    }

    #[test]
    fn a_handle_of_one_table_is_refused_by_a_table_of_another_type() {
        let nodes = HandleTable::of_type(1, "omsvc_node");
        let rafts = HandleTable::of_type(2, "omsvc_raft_node");
        let node = nodes.insert("node");
        let raft = rafts.insert("raft");
        assert_eq!(
            rafts.remove(node).unwrap_err(),
            HandleError::WrongType {
                handle: node,
                expected: "omsvc_raft_node"
            }
        );
        assert!(matches!(
            nodes.get(raft),
            Err(HandleError::WrongType { .. })
        ));
        assert_eq!(*nodes.get(node).unwrap(), "node");
        assert_eq!(*rafts.get(raft).unwrap(), "raft");
    }

    #[test]
    fn ownership_is_fixed_when_the_handle_is_issued() {
        let table = HandleTable::of_type(1, "thing");
        let owned = table.insert(1);
        let shared = table.insert_shared(Arc::new(2));
        assert_eq!(table.with(owned, |v| *v).unwrap(), 1);
        assert_eq!(table.with(shared, |v| *v).unwrap(), 2);
        assert_eq!(table.release(owned).unwrap().1, Ownership::Owner);
        assert_eq!(table.release(shared).unwrap().1, Ownership::Sharer);
    }

    #[test]
    fn an_owners_release_waits_for_every_lease_to_end() {
        static TABLE: HandleTable<Vec<u8>> = HandleTable::of_type(3, "buffer");
        let handle = TABLE.insert(vec![7]);
        let lease = TABLE.lease(handle).unwrap();
        let (ended_tx, ended_rx) = std::sync::mpsc::channel();
        let holder = std::thread::spawn(move || {
            // Holds the lease until the main thread has released the handle.
            ended_rx.recv().unwrap();
            assert_eq!(lease[0], 7);
            drop(lease);
        });
        let (value, ownership) = TABLE.release(handle).unwrap();
        assert_eq!(ownership, Ownership::Owner);
        assert!(TABLE.lease(handle).is_err());
        ended_tx.send(()).unwrap();
        assert_eq!(TABLE.wait_unshared(value), vec![7]);
        holder.join().unwrap();
    }
}
