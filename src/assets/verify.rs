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
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{} {} {}\n", meta.len(), mtime, sha256)
}

/// Creates `path` anew: whatever is there (a stale partial file, or a symlink someone
/// planted to have us write elsewhere) is removed, and the file is created with
/// `O_EXCL`, which never follows a symlink.
pub(crate) fn create_fresh(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o644)
        .open(path)
}

/// The stamp's content, if it is a small regular file (never read through a symlink).
fn read_stamp(stamp: &Path) -> Option<String> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(stamp)
        .ok()?;
    let mut text = String::new();
    f.take(256).read_to_string(&mut text).ok()?;
    Some(text)
}

/// Writes the stamp; a failure only costs a hash at the next start.
fn write_stamp(stamp: &Path, line: &str) {
    use std::io::Write;
    if let Ok(mut f) = create_fresh(stamp) {
        let _ = f.write_all(line.as_bytes());
    }
}

/// Checks `path` against the expected size and sha256. A stamp beside the file
/// (`<file>.verified`: size, mtime, hash) lets a later check skip hashing while the
/// file is unchanged; a stamp that cannot be written is not an error.
pub fn verify_file(path: &Path, size: u64, sha256: &str) -> Result<(), VerifyError> {
    let io_err = |source| VerifyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(VerifyError::Missing {
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(io_err(e)),
    };
    if meta.len() != size {
        return Err(VerifyError::Size {
            path: path.to_path_buf(),
            actual: meta.len(),
            expected: size,
        });
    }
    let stamp = stamp_path(path);
    if read_stamp(&stamp).as_deref() == Some(stamp_line(&meta, sha256).as_str()) {
        return Ok(());
    }
    let actual = sha256_file(path).map_err(io_err)?;
    if actual != sha256 {
        let _ = fs::remove_file(&stamp);
        return Err(VerifyError::Digest {
            path: path.to_path_buf(),
            actual,
            expected: sha256.to_string(),
        });
    }
    write_stamp(&stamp, &stamp_line(&meta, sha256));
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
        assert!(matches!(
            verify_file(&p, 4, good),
            Err(VerifyError::Size { .. })
        ));
        assert!(matches!(
            verify_file(&p, 5, &"0".repeat(64)),
            Err(VerifyError::Digest { .. })
        ));
        verify_file(&p, 5, good).unwrap();
        assert!(stamp_path(&p).exists());
        verify_file(&p, 5, good).unwrap();
        // Same size, different content, new mtime: the stamp no longer matches.
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&p, b"hellp").unwrap();
        assert!(matches!(
            verify_file(&p, 5, good),
            Err(VerifyError::Digest { .. })
        ));
        assert!(matches!(
            verify_file(&dir.path().join("nope"), 5, good),
            Err(VerifyError::Missing { .. })
        ));
    }

    #[test]
    fn planted_symlinks_are_replaced_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"precious").unwrap();
        let p = dir.path().join("f.bin");
        fs::write(&p, b"hello").unwrap();
        let good = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
        // A stamp that is a link to someone else's file.
        std::os::unix::fs::symlink(&victim, stamp_path(&p)).unwrap();
        verify_file(&p, 5, good).unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert!(!fs::symlink_metadata(stamp_path(&p))
            .unwrap()
            .file_type()
            .is_symlink());
        // A file created anew where a link was.
        let partial = dir.path().join("g.bin.partial");
        std::os::unix::fs::symlink(&victim, &partial).unwrap();
        use std::io::Write;
        create_fresh(&partial)
            .unwrap()
            .write_all(b"download")
            .unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert_eq!(fs::read(&partial).unwrap(), b"download");
    }
}
