//! The agent's allocator in front of another: small blocks freed are kept by size, each class a
//! list, and handed out again at once, never searched for.
//!
//! The Wasm's allocator is `lol_alloc`'s free list (small code, docs/decisions.md 2026-11-24),
//! which walks its list of free blocks for every allocation and to place every free. A tracked
//! event makes and drops a few hundred small blocks (ids, strings, the request's values), so
//! those walks were about a fifth of the event's time in the Wasm, and the small blocks freed
//! between the large ones made every walk longer. Here a block of at most [`LARGEST`] bytes
//! (rounded up to [`STEP`]) freed goes on its class's list and the next allocation of that
//! class takes it back; only larger blocks, and small ones of a class whose list is empty, reach
//! the allocator behind. Small blocks are never given back to it: the memory they take is at
//! most the most the page ever held of them at once.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;

/// Sizes are rounded up to a multiple of this, which is also the blocks' alignment.
pub const STEP: usize = 8;
/// The largest block kept by class.
pub const LARGEST: usize = 256;
const CLASSES: usize = LARGEST / STEP;

/// Small blocks by class in front of the allocator `A`. Not thread-safe: wrap it in something
/// that makes it `Sync` only where one thread uses it (the agent's Wasm module).
pub struct SizeClasses<A> {
    inner: A,
    /// Each class's first free block; a free block's first word points to the next one.
    free: UnsafeCell<[*mut u8; CLASSES]>,
}

impl<A> SizeClasses<A> {
    pub const fn new(inner: A) -> SizeClasses<A> {
        SizeClasses { inner, free: UnsafeCell::new([std::ptr::null_mut(); CLASSES]) }
    }

    /// The allocator behind.
    pub fn inner(&self) -> &A {
        &self.inner
    }
}

/// The class of a layout, or `None` when it is not kept by class.
fn class(layout: Layout) -> Option<usize> {
    (layout.size() <= LARGEST && layout.align() <= STEP)
        .then(|| layout.size().max(1).div_ceil(STEP) - 1)
}

// SAFETY: every block handed out is one `inner` allocated with at least the layout asked for
// (its class's whole size, at `STEP` alignment), or one freed by the caller with a layout of
// the same class; a free block is used only to hold the pointer to the next one (a class's
// size is at least a pointer's). One thread at a time (see the type's doc).
unsafe impl<A: GlobalAlloc> GlobalAlloc for SizeClasses<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class(layout) else {
            // SAFETY: forwarded.
            return unsafe { self.inner.alloc(layout) };
        };
        // SAFETY: one thread at a time; no reference to the lists outlives this call.
        let free = unsafe { &mut *self.free.get() };
        let block = free[class];
        if block.is_null() {
            // SAFETY: a non-zero size and a power-of-two alignment.
            return unsafe {
                self.inner.alloc(Layout::from_size_align_unchecked((class + 1) * STEP, STEP))
            };
        }
        // SAFETY: a free block's first word holds the next free block of its class.
        free[class] = unsafe { block.cast::<*mut u8>().read() };
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(class) = class(layout) else {
            // SAFETY: forwarded: a large block came from `inner` with this layout.
            return unsafe { self.inner.dealloc(block, layout) };
        };
        // SAFETY: one thread at a time; the block is the caller's no more, so its first word
        // (aligned to `STEP`) may hold the list's next block.
        unsafe {
            let free = &mut *self.free.get();
            block.cast::<*mut u8>().write(free[class]);
            free[class] = block;
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's layout and size are valid for `realloc`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class(layout), class(new_layout)) {
            // Still within its block.
            (Some(old), Some(new)) if old == new => block,
            // SAFETY: both large: `inner` made the block and may move it as it likes.
            (None, None) => unsafe { self.inner.realloc(block, layout, new_size) },
            _ => {
                // SAFETY: a new block, the old one's bytes that fit copied, the old one freed.
                unsafe {
                    let moved = self.alloc(new_layout);
                    if !moved.is_null() {
                        std::ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                    moved
                }
            }
        }
    }
}
