//! Size and sha256 checks, with a stamp file so that a verified file is not re-hashed
//! at every start (hashing the model costs a few hundred milliseconds).

use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// Why a file failed verification.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The file is absent.
    #[error("{path} is missing")]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// The size differs from the manifest (a partial download, most often).
    #[error("{path} is {actual} bytes, expected {expected} (truncated or partial download)")]
    Size {
        /// The file.
        path: PathBuf,
        /// Bytes on disk.
        actual: u64,
        /// Bytes the manifest names.
        expected: u64,
    },
    /// The content differs from the manifest.
    #[error("{path} is corrupt: sha256 {actual}, expected {expected}")]
    Digest {
        /// The file.
        path: PathBuf,
        /// Hash on disk.
        actual: String,
        /// Hash the manifest names.
        expected: String,
    },
    /// It could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// Lower-case hex sha256 of a file.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut f = fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn stamp_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".verified");
    PathBuf::from(s)
}

fn stamp_line(meta: &fs::Metadata, sha256: &str) -> String {
    let mtime = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    format!("{} {} {}\n", meta.len(), mtime, sha256)
}

/// Checks `path` against the expected size and sha256. A stamp beside the file
/// (`<file>.verified`: size, mtime, hash) lets a later check skip hashing while the
/// file is unchanged; a stamp that cannot be written is not an error.
pub fn verify_file(path: &Path, size: u64, sha256: &str) -> Result<(), VerifyError> {
    let io_err = |source| VerifyError::Io { path: path.to_path_buf(), source };
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(VerifyError::Missing { path: path.to_path_buf() }),
        Err(e) => return Err(io_err(e)),
    };
    if meta.len() != size {
        return Err(VerifyError::Size { path: path.to_path_buf(), actual: meta.len(), expected: size });
    }
    let stamp = stamp_path(path);
    if fs::read_to_string(&stamp).ok().as_deref() == Some(stamp_line(&meta, sha256).as_str()) {
        return Ok(());
    }
    let actual = sha256_file(path).map_err(io_err)?;
    if actual != sha256 {
        let _ = fs::remove_file(&stamp);
        return Err(VerifyError::Digest { path: path.to_path_buf(), actual, expected: sha256.to_string() });
    }
    let _ = fs::write(&stamp, stamp_line(&meta, sha256));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_size_and_digest_and_uses_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.bin");
        fs::write(&p, b"hello").unwrap();
        let good = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
        assert!(matches!(verify_file(&p, 4, good), Err(VerifyError::Size { .. })));
        assert!(matches!(verify_file(&p, 5, &"0".repeat(64)), Err(VerifyError::Digest { .. })));
        verify_file(&p, 5, good).unwrap();
        assert!(stamp_path(&p).exists());
        verify_file(&p, 5, good).unwrap();
        // Same size, different content, new mtime: the stamp no longer matches.
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&p, b"hellp").unwrap();
        assert!(matches!(verify_file(&p, 5, good), Err(VerifyError::Digest { .. })));
        assert!(matches!(verify_file(&dir.path().join("nope"), 5, good), Err(VerifyError::Missing { .. })));
    }
}
