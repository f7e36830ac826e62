//! Allocator settings for the process.

/// Keeps large blocks out of the heap: they are mapped when allocated and returned to
/// the system when freed.
///
/// glibc raises its mapping threshold each time a large mapped block is freed, after
/// which blocks of that size come from the heap. A run frees many: hyper's read buffer
/// grows to hundreds of KB per connection, and a fetch keeps up to `concurrency`
/// connections busy. From the heap, those blocks fragment it around the items the run
/// keeps, and peak memory grows with the feed list (docs/benchmark.md has
/// the figures). A fixed threshold (glibc's default starting value) keeps them mapped.
///
/// Call it at start-up, before other threads exist. Returns whether the setting took:
/// glibc may refuse it, and other C libraries do not have it.
pub(crate) fn keep_large_blocks_mapped() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets an allocator parameter; no memory is touched.
    // It returns 1 on success and 0 on error.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024) == 1
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}
