//! The agent's allocator in front of `lol_alloc` (`src/alloc.rs`), here in front of the
//! system's, which it asks for what it cannot give from its classes (recorded, to check).

use concierge::alloc::{SizeClasses, LARGEST, STEP};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;

/// The system's allocator, recording each layout it is asked for.
#[derive(Default)]
struct Recorded {
    asked: RefCell<Vec<Layout>>,
    freed: RefCell<usize>,
}

unsafe impl GlobalAlloc for Recorded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.asked.borrow_mut().push(layout);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        *self.freed.borrow_mut() += 1;
        unsafe { System.dealloc(block, layout) }
    }
}

fn layout(size: usize) -> Layout {
    Layout::from_size_align(size, 1).unwrap()
}

/// (size asked, size the block behind it has): a small size rounded up to its class, a large
/// one as asked.
#[test]
fn a_small_block_freed_is_handed_out_again_for_its_class_and_only_for_it() {
    let cases = [(1, 8), (8, 8), (9, 16), (31, 32), (LARGEST, LARGEST), (LARGEST + 1, LARGEST + 1)];
    for (size, behind) in cases {
        let classes = SizeClasses::new(Recorded::default());
        unsafe {
            let first = classes.alloc(layout(size));
            // Every byte asked for is the caller's: written whole, read back whole.
            std::ptr::write_bytes(first, 0xab, size);
            let other = classes.alloc(layout(size));
            std::ptr::write_bytes(other, 0xcd, size);
            assert!((0..size).all(|i| *first.add(i) == 0xab), "{size}: blocks do not overlap");
            let asked = classes_inner(&classes).asked.borrow().clone();
            assert_eq!(asked.len(), 2, "{size}");
            assert!(
                asked.iter().all(|l| l.size() == behind && l.align() >= 1),
                "{size}: {asked:?}"
            );
            classes.dealloc(first, layout(size));
            let again = classes.alloc(layout(size));
            let small = size <= LARGEST;
            if small {
                assert_eq!(again, first, "{size}: a freed small block comes back");
            }
            assert_eq!(classes_inner(&classes).asked.borrow().len(), if small { 2 } else { 3 });
            assert_eq!(*classes_inner(&classes).freed.borrow(), usize::from(!small), "{size}");
            // Not for another class.
            classes.dealloc(again, layout(size));
            let elsewhere = classes.alloc(layout(behind + STEP));
            assert_ne!(elsewhere, again, "{size}");
            for block in [other, elsewhere] {
                let size = if block == other { size } else { behind + STEP };
                classes.dealloc(block, layout(size));
            }
        }
    }
}

#[test]
fn a_block_grown_or_shrunk_keeps_its_bytes_and_its_place_within_its_class() {
    let classes = SizeClasses::new(Recorded::default());
    unsafe {
        let block = classes.alloc(layout(10));
        for i in 0..10 {
            *block.add(i) = i as u8;
        }
        assert_eq!(classes.realloc(block, layout(10), 16), block, "within the class of 16");
        let grown = classes.realloc(block, layout(16), 100);
        assert!((0..10).all(|i| *grown.add(i) == i as u8), "the bytes moved with it");
        let large = classes.realloc(grown, layout(100), 1000);
        assert!((0..10).all(|i| *large.add(i) == i as u8));
        let small = classes.realloc(large, layout(1000), 5);
        assert!((0..5).all(|i| *small.add(i) == i as u8));
        // The class of 104 got its block back when it grew to 1,000.
        let reused = classes.alloc(layout(100));
        assert_eq!(reused, grown);
        classes.dealloc(reused, layout(100));
        classes.dealloc(small, layout(5));
    }
}

fn classes_inner(classes: &SizeClasses<Recorded>) -> &Recorded {
    classes.inner()
}
