//! Handle tables for the foreign adapters (C and Java): a handle encodes a slot and its
//! generation and is never dereferenced, so a freed, forged or stale handle fails the lookup
//! with an error instead of touching freed memory. Each adapter maps [`HandleError`] to its own
//! form (a status, an exception).

use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HandleError {
    /// The handle is 0 (NULL).
    Null,
    /// Never issued, or already freed.
    Invalid(usize),
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
        }
    }
}

struct Slot<T> {
    generation: u32,
    value: Option<Arc<T>>,
}

pub(crate) struct HandleTable<T> {
    slots: RwLock<Vec<Slot<T>>>,
}

impl<T> HandleTable<T> {
    pub const fn new() -> Self {
        HandleTable {
            slots: RwLock::new(Vec::new()),
        }
    }

    pub fn insert(&self, value: T) -> usize {
        self.insert_shared(Arc::new(value))
    }

    /// Issues a handle to a value others share; freeing the handle drops only its reference.
    pub fn insert_shared(&self, value: Arc<T>) -> usize {
        let mut slots = self
            .slots
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let value = Some(value);
        let index = match slots.iter().position(|slot| slot.value.is_none()) {
            Some(index) => {
                slots[index].value = value;
                index
            }
            None => {
                slots.push(Slot {
                    generation: 1,
                    value,
                });
                slots.len() - 1
            }
        };
        encode(index, slots[index].generation)
    }

    /// The live value behind `handle`; the caller's clone keeps it alive through the call even
    /// if another thread frees the handle meanwhile.
    pub fn get(&self, handle: usize) -> Result<Arc<T>, HandleError> {
        self.with_shared(handle, Arc::clone)
    }

    /// Runs `f` on the live value behind `handle` under the table's read lock, without taking
    /// a reference: for calls that never block (event forwarding). A concurrent free waits for
    /// `f` to return.
    pub fn with<R>(&self, handle: usize, f: impl FnOnce(&T) -> R) -> Result<R, HandleError> {
        self.with_shared(handle, |value| f(value))
    }

    fn with_shared<R>(
        &self,
        handle: usize,
        f: impl FnOnce(&Arc<T>) -> R,
    ) -> Result<R, HandleError> {
        let (index, generation) = decode(handle)?;
        let slots = self
            .slots
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match slots.get(index) {
            Some(Slot {
                generation: live,
                value: Some(value),
            }) if *live == generation => Ok(f(value)),
            _ => Err(HandleError::Invalid(handle)),
        }
    }

    /// Removes `handle`'s value; its generation moves on so the handle never matches again.
    pub fn remove(&self, handle: usize) -> Result<Arc<T>, HandleError> {
        let (index, generation) = decode(handle)?;
        let mut slots = self
            .slots
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match slots.get_mut(index) {
            Some(slot) if slot.generation == generation && slot.value.is_some() => {
                slot.generation = slot.generation.wrapping_add(1).max(1);
                Ok(slot.value.take().expect("checked above"))
            }
            _ => Err(HandleError::Invalid(handle)),
        }
    }
}

fn encode(index: usize, generation: u32) -> usize {
    ((generation as usize) << 32) | (index + 1)
}

fn decode(handle: usize) -> Result<(usize, u32), HandleError> {
    let index = handle & 0xffff_ffff;
    let generation = (handle >> 32) as u32;
    if handle == 0 {
        return Err(HandleError::Null);
    }
    if index == 0 || generation == 0 {
        return Err(HandleError::Invalid(handle));
    }
    Ok((index - 1, generation))
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
}
