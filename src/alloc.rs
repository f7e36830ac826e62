//! Allocator settings for the process.

/// Keeps large blocks out of the heap: mapped when allocated, returned when freed.
///
/// glibc raises its mapping threshold each time a large mapped block is freed, and the
/// run frees many (hyper's read buffers); from the heap they fragment it around the
/// items the run keeps, and peak memory grows with the feed list. A fixed threshold
/// (glibc's default starting value) keeps them mapped.
///
/// Call it at start-up, before other threads exist. Returns whether the setting took.
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
