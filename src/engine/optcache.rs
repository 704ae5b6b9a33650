//! The optimized-graph cache: ONNX Runtime spends most of a model load optimizing the
//! graph (measured: 650 ms of CPU to load the int8 model, 280 ms to load the graph it
//! saved). The first start saves the optimized graph beside the model; later starts
//! load that with optimizations off. The file's name carries a key of everything the
//! optimized graph depends on — the model file, the runtime library, the CPU's feature
//! flags (level-3 optimizations pick kernels and layouts for the CPU) and the settings —
//! so any change makes a new file, and older ones are removed.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::model::Tuning;

const PREFIX: &str = "ort-optimized-";

/// The cache file for this model, runtime, CPU and tuning in `dir`.
pub fn path(dir: &Path, model: &Path, runtime: &Path, tuning: &Tuning) -> std::io::Result<PathBuf> {
    let mut h = Sha256::new();
    for f in [model, runtime] {
        let m = fs::metadata(f)?;
        let mtime = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        h.update(format!("{}\0{}\0{}\0", f.display(), m.len(), mtime));
    }
    h.update(cpu_flags());
    h.update(format!(
        "{}\0{}\0{}",
        tuning.opt_level, tuning.memory_pattern, tuning.prepacking
    ));
    let key: String = h
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(dir.join(format!("{PREFIX}{key}.onnx")))
}

/// The first CPU's feature flags (x86 `flags`, arm `Features`).
fn cpu_flags() -> String {
    let info = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    info.lines()
        .find(|l| l.starts_with("flags") || l.starts_with("Features"))
        .unwrap_or_default()
        .to_owned()
}

/// Whether we may write in `dir` (a read-only data dir simply goes without the cache).
pub fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".{PREFIX}probe-{}", std::process::id()));
    let ok = fs::write(&probe, b"").is_ok();
    let _ = fs::remove_file(&probe);
    ok
}

/// Removes cache files other than `keep` (older models, runtimes or settings).
pub fn remove_others(keep: &Path) {
    let (Some(dir), Some(name)) = (keep.parent(), keep.file_name()) else {
        return;
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name();
        if n != name && n.to_string_lossy().starts_with(PREFIX) {
            let _ = fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_follows_the_files_and_the_settings() {
        let d = tempfile::tempdir().unwrap();
        let (m, r) = (d.path().join("m.onnx"), d.path().join("lib.so"));
        fs::write(&m, b"model").unwrap();
        fs::write(&r, b"runtime").unwrap();
        let t = Tuning::default();
        let a = path(d.path(), &m, &r, &t).unwrap();
        assert_eq!(a, path(d.path(), &m, &r, &t).unwrap());
        assert_ne!(
            a,
            path(
                d.path(),
                &m,
                &r,
                &Tuning {
                    opt_level: 2,
                    ..t.clone()
                }
            )
            .unwrap()
        );
        fs::write(&m, b"another model").unwrap();
        let b = path(d.path(), &m, &r, &t).unwrap();
        assert_ne!(a, b);
        assert!(writable(d.path()));
        fs::write(&a, b"old").unwrap();
        fs::write(&b, b"new").unwrap();
        remove_others(&b);
        assert!(!a.exists() && b.exists() && m.exists());
    }
}
