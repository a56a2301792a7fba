//! Memory allocator tuning for tensor work. glibc's malloc serves every buffer above its mmap
//! threshold (128 KiB at start, then adapting) with a fresh `mmap` and returns it to the kernel
//! on `free`, so a program that allocates and frees the same large tensors on every step pays
//! page faults and page zeroing each time: a third of a training step's time went there.
//! [`keep_freed_buffers`] makes freed buffers stay in the heap for reuse.
//!
//! [`one_candle_thread`] turns off candle's own threads for callers that run their own.

/// Keep freed buffers up to 32 MiB (glibc's largest mmap threshold) in the heap and stop
/// trimming it, for the rest of the process. Only glibc on Linux has these knobs; elsewhere
/// this does nothing.
pub fn keep_freed_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const MMAP_THRESHOLD: libc::c_int = 32 << 20;
        const TRIM_THRESHOLD: libc::c_int = 256 << 20;
        // SAFETY: mallopt only changes allocator parameters; it is called with documented
        // options and values in range, and a failure (return 0) leaves the defaults in place.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        }
    }
}

/// Make candle run every op on the calling thread, unless the user chose a thread count
/// (`CANDLE_NUM_THREADS` or `RAYON_NUM_THREADS`). For callers that run several candle graphs on
/// their own threads, such as training with batch shards: candle's pool serialises concurrent
/// callers on one lock and spins while it waits, which made two shards slower than one. Must
/// be called before the first tensor op and before the process starts other threads (candle
/// reads these variables when it builds its pool).
pub fn one_candle_thread() {
    for name in ["CANDLE_NUM_THREADS", "RAYON_NUM_THREADS"] {
        if std::env::var_os(name).is_some() {
            return;
        }
    }
    for name in ["CANDLE_NUM_THREADS", "RAYON_NUM_THREADS"] {
        std::env::set_var(name, "1");
    }
}
