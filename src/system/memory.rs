//! Memory the process no longer needs once a phonemizer is built: the heap pages that
//! building freed, and the resident pages of the data embedded in the binary (misaki's
//! lexicons and tagger, ~25 MiB), read once to build it and never again. And one
//! allocator setting that keeps large short-lived blocks from pinning heap pages.

use std::fs;

/// Blocks this large or larger are mapped on their own and unmapped when freed.
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

/// Fixes glibc's mmap threshold at its initial 128 KiB. By default glibc raises the
/// threshold to the size of any mapped block that is freed (up to 32 MiB), after which
/// the per-request buffers of that size (watermark windows, PCM pieces, ONNX Runtime's
/// outputs) come from the arenas, where the long-lived blocks allocated between them
/// keep their pages resident: measured 40 MiB more after two bursts of 20 answers
/// (docs/RELIABILITY.md, *Memory*), at no measurable CPU cost. A
/// `MALLOC_MMAP_THRESHOLD_` in the environment is the administrator's choice and wins.
pub fn fix_mmap_threshold() {
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_some() {
        return;
    }
    // SAFETY: mallopt only changes an allocator parameter; it is thread-safe.
    #[allow(unsafe_code)]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    };
}

/// Gives freed heap pages back and asks the kernel to reclaim the executable's
/// read-only data pages. Those are clean file pages: a later read faults them back in
/// from the file, so nothing changes but what stays resident.
pub fn release_after_build() {
    crate::engine::trim_heap();
    let Ok(exe) = fs::read_link("/proc/self/exe") else {
        return;
    };
    let Ok(maps) = fs::read_to_string("/proc/self/maps") else {
        return;
    };
    let exe = exe.to_string_lossy();
    for line in maps.lines() {
        let mut f = line.split_whitespace();
        let (Some(range), Some(perms)) = (f.next(), f.next()) else {
            continue;
        };
        // Read-only, not executable, private, and backed by our own file.
        if perms != "r--p" || f.nth(3) != Some(&*exe) {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (
            usize::from_str_radix(start, 16),
            usize::from_str_radix(end, 16),
        ) else {
            continue;
        };
        page_out(start, end - start);
    }
}

#[allow(unsafe_code)] // FFI
fn page_out(start: usize, len: usize) {
    // SAFETY: the range is a whole mapping of this process, read from /proc/self/maps;
    // MADV_PAGEOUT only reclaims its pages (clean, file-backed: read again on use) and
    // never changes their contents. An older kernel refuses the advice; that is fine.
    unsafe { libc::madvise(start as *mut libc::c_void, len, libc::MADV_PAGEOUT) };
}
