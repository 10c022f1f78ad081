//! The C allocator's settings for librdkafka's threads.
//!
//! librdkafka compresses every produce batch with a fresh LZ4 frame context: about 80 KB
//! `calloc`ed and freed per batch. With glibc's defaults the free hands the top of the broker
//! thread's arena back to the kernel (`madvise`) whenever more than 128 KB lies free there, so
//! the next batch faults those pages in again and zeroes them. At 2,000 events/s in small
//! batches that was about 7 % of the ingest service's CPU (page faults under `memset` in the
//! broker thread). Keeping up to [`TRIM_THRESHOLD`] free per arena, and serving allocations below
//! [`MMAP_THRESHOLD`] from the arenas rather than fresh mappings, removes the churn for a few
//! MiB of memory that stays reserved.

/// Free bytes an arena keeps at its top before returning them to the kernel.
const TRIM_THRESHOLD: i32 = 8 << 20;

/// Allocations from this size up get a mapping of their own (glibc starts at 128 KB and moves
/// it up to 32 MiB as large blocks are freed; a fixed trim threshold stops that adaptation).
const MMAP_THRESHOLD: i32 = 4 << 20;

/// Applies the settings once per process; later calls do nothing.
pub(crate) fn tune() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(apply);
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn apply() {
    // SAFETY: `mallopt` only changes glibc's allocator parameters (under its own lock); both
    // values are in range. A refusal (0) leaves the defaults, which are correct, only slower.
    let ok = unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
            && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    };
    if !ok {
        tracing::debug!("the c allocator kept its default thresholds");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn apply() {}
