//! `term_index_updated` with nothing new must not allocate (docs/design.md R6). A counting global
//! allocator sees every allocation of this test binary, so this file holds this test alone.

use omsvc_core::{DbLocation, EventOutcome, Node, NodeOptions};
use omsvc_core::{LogIndex, Term};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every method forwards to `System`, a correct allocator, with the arguments it was given.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: `layout` comes from our caller, under `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` and `layout` come from our caller, under `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the arguments come from our caller, under `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn term_index_updated_with_nothing_new_does_not_allocate() {
    let node = Node::open(NodeOptions::new("om1", DbLocation::Ephemeral)).unwrap();
    node.leader_changed(Term(4), Some("om1"));
    node.leader_ready(Term(4), LogIndex(0));
    node.configuration_changed(Term(4), LogIndex(1), &["om1", "om2", "om3"]);
    assert!(node.wait_settled(std::time::Duration::from_secs(10)));

    COUNTING.store(true, Ordering::SeqCst);
    for index in 2..100_002 {
        assert_eq!(
            node.term_index_updated(Term(4), LogIndex(index)),
            EventOutcome::Unchanged
        );
    }
    let counted = ALLOCATIONS.load(Ordering::SeqCst);
    // The control: a term change is news and may allocate; the counter must see it.
    node.leader_changed(Term(5), Some("om2"));
    COUNTING.store(false, Ordering::SeqCst);
    assert_eq!(
        counted, 0,
        "{counted} allocations in 100000 fast-path events"
    );
    assert!(
        ALLOCATIONS.load(Ordering::SeqCst) > 0,
        "the counting allocator saw nothing: it is not installed"
    );
}
