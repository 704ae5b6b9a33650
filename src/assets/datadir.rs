//! Where the assets are: the data dir search order and per-file overrides.

use super::MANIFEST;
use std::path::{Path, PathBuf};

/// Assets that could not be located.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// No candidate dir holds a model.
    #[error("no Kokoro model found (looked for {file} in: {searched}); {fix}")]
    NoModel {
        /// The file name looked for.
        file: String,
        /// The dirs searched, comma-separated.
        searched: String,
        /// The command that fixes it, for this process (see [`fetch_hint`]).
        fix: String,
    },
    /// A path given explicitly does not exist.
    #[error("{what} {path} does not exist")]
    Missing {
        /// What it was meant to be.
        what: &'static str,
        /// The path given.
        path: PathBuf,
    },
    /// No voices beside the model.
    #[error("no voices found in {dir} (expected {dir}/voices/*.bin or {dir}/voices-v1.0.bin); run `kokorod fetch`, or pass --voices")]
    NoVoices {
        /// The data dir.
        dir: PathBuf,
    },
    /// No data dir holds the watermark network.
    #[error("watermark model {file} not found (looked in: {searched}); {fix}")]
    NoWatermark {
        /// The file name looked for.
        file: String,
        /// The dirs searched, comma-separated.
        searched: String,
        /// The command that fixes it.
        fix: String,
    },
    /// No ONNX Runtime library.
    #[error("ONNX Runtime library not found (looked for {looked}); run `kokorod fetch`, or set ORT_DYLIB_PATH / --ort-lib to a libonnxruntime.so")]
    NoRuntime {
        /// Where it looked.
        looked: String,
    },
}

/// The data dirs, in search order: `explicit` (from `--data-dir`), `$KOKOROD_DATA_DIR`,
/// `$XDG_DATA_HOME/kokorod` (default `~/.local/share/kokorod`), `/var/lib/kokorod`,
/// `/usr/share/kokorod`. An explicit dir is the only candidate.
pub fn candidate_dirs(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(d) = explicit {
        return vec![d.to_path_buf()];
    }
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("KOKOROD_DATA_DIR").filter(|s| !s.is_empty()) {
        return vec![PathBuf::from(d)];
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|s| !s.is_empty()) {
        dirs.push(PathBuf::from(d).join("kokorod"));
    } else if let Some(h) = std::env::var_os("HOME").filter(|s| !s.is_empty()) {
        dirs.push(PathBuf::from(h).join(".local/share/kokorod"));
    }
    dirs.push(PathBuf::from("/var/lib/kokorod"));
    dirs.push(PathBuf::from("/usr/share/kokorod"));
    dirs
}

/// The watermark network's checkpoint: in the first data dir that holds it.
pub fn find_watermark(explicit: Option<&Path>) -> Result<PathBuf, DataDirError> {
    let file = &MANIFEST.watermark.file;
    let dirs = candidate_dirs(explicit);
    dirs.iter()
        .map(|d| d.join(file))
        .find(|p| p.is_file())
        .ok_or_else(|| DataDirError::NoWatermark {
            file: file.clone(),
            searched: dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            fix: fetch_hint(),
        })
}

/// The cache dir, for files the daemon can rebuild: `$KOKOROD_CACHE_DIR`, systemd's
/// `$CACHE_DIRECTORY` (`CacheDirectory=` in the unit), `$XDG_CACHE_HOME/kokorod`, else
/// `~/.cache/kokorod`.
#[must_use]
pub fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|s| !s.is_empty());
    if let Some(d) = var("KOKOROD_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = var("CACHE_DIRECTORY") {
        // systemd lists several as a colon-separated list; the first is ours.
        let first = d
            .to_string_lossy()
            .split(':')
            .next()
            .unwrap_or_default()
            .to_owned();
        if !first.is_empty() {
            return Some(PathBuf::from(first));
        }
    }
    var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("kokorod"))
}

/// Where the Debian package puts ONNX Runtime: searched after the data dir's `lib/`.
pub const SYSTEM_RUNTIME_DIR: &str = "/usr/lib/kokorod";

/// The exact command that installs the assets for this process. Under systemd with
/// `StateDirectory=` (the packaged service) it is the fetch into that dir as the
/// service's user, since the service cannot download anything itself.
#[must_use]
pub fn fetch_hint() -> String {
    let state = std::env::var("STATE_DIRECTORY")
        .ok()
        .and_then(|s| s.split(':').next().map(str::to_owned))
        .filter(|s| !s.is_empty());
    match state {
        Some(dir) => {
            let user = nix::unistd::User::from_uid(nix::unistd::geteuid())
                .ok()
                .flatten()
                .map_or_else(|| "kokorod".to_owned(), |u| u.name);
            // HOME: pip's and npm's caches, and fetch's own, must be the user's.
            format!("as root, run `runuser -u {user} -- env HOME={dir} kokorod fetch --data-dir {dir}` (or install the package kokorod-model-int8), then restart the service")
        }
        None => "run `kokorod fetch` to download it, or pass --model / --data-dir".to_owned(),
    }
}

/// Resolved locations of everything the engine loads.
#[derive(Debug, Clone)]
pub struct AssetPaths {
    /// The data dir the defaults came from.
    pub data_dir: PathBuf,
    /// The ONNX model.
    pub model: PathBuf,
    /// A dir of `<voice>.bin` files, or a kokoro-onnx `voices-v1.0.bin` npz.
    pub voices: PathBuf,
    /// `libonnxruntime.so`.
    pub runtime: PathBuf,
    /// The watermarking network's checkpoint (read only when marking is on).
    pub watermark: PathBuf,
}

/// Model file names accepted in a data dir, preferred first: ours, then the
/// fp32/fp16 v1.0 exports users may already have.
const MODEL_NAMES: &[&str] = &[
    "kokoro-v1.0.int8.onnx",
    "kokoro-v1.0.onnx",
    "kokoro-v1.0.fp16.onnx",
];

impl AssetPaths {
    /// Resolves every asset: explicit paths win, the rest come from the first data
    /// dir that holds a model.
    pub fn resolve(
        data_dir: Option<&Path>,
        model: Option<&Path>,
        voices: Option<&Path>,
        runtime: Option<&Path>,
    ) -> Result<Self, DataDirError> {
        let candidates = candidate_dirs(data_dir);
        let found = candidates.iter().find_map(|d| {
            MODEL_NAMES
                .iter()
                .map(|n| d.join(n))
                .find(|p| p.is_file())
                .map(|p| (d.clone(), p))
        });
        let (dir, model) = match (model, found) {
            (Some(m), found) => {
                if !m.is_file() {
                    return Err(DataDirError::Missing {
                        what: "model",
                        path: m.to_path_buf(),
                    });
                }
                let dir = found
                    .map(|f| f.0)
                    .or_else(|| m.parent().map(Path::to_path_buf))
                    .unwrap_or_default();
                (dir, m.to_path_buf())
            }
            (None, Some(f)) => f,
            (None, None) => {
                let searched = candidates
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(DataDirError::NoModel {
                    file: MANIFEST.model.file.clone(),
                    searched,
                    fix: fetch_hint(),
                });
            }
        };
        let voices = match voices {
            Some(v) if v.exists() => v.to_path_buf(),
            Some(v) => {
                return Err(DataDirError::Missing {
                    what: "voices",
                    path: v.to_path_buf(),
                })
            }
            None => [dir.join("voices"), dir.join("voices-v1.0.bin")]
                .into_iter()
                .find(|p| p.exists())
                .ok_or_else(|| DataDirError::NoVoices { dir: dir.clone() })?,
        };
        let runtime = resolve_runtime(&dir, runtime)?;
        Ok(AssetPaths {
            watermark: dir.join(&MANIFEST.watermark.file),
            data_dir: dir,
            model,
            voices,
            runtime,
        })
    }
}

fn resolve_runtime(dir: &Path, explicit: Option<&Path>) -> Result<PathBuf, DataDirError> {
    if let Some(p) = explicit {
        return if p.is_file() {
            Ok(p.to_path_buf())
        } else {
            Err(DataDirError::Missing {
                what: "ONNX Runtime library",
                path: p.to_path_buf(),
            })
        };
    }
    let mut looked = Vec::new();
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
    {
        if p.is_file() {
            return Ok(p);
        }
        looked.push(p);
    }
    if let Some(rt) = MANIFEST.runtime_for_host() {
        looked.push(dir.join("lib").join(&rt.file));
    }
    looked.push(dir.join("lib/libonnxruntime.so"));
    // The Debian package's copy, whichever data dir the model came from.
    let system = Path::new(SYSTEM_RUNTIME_DIR);
    if let Some(rt) = MANIFEST.runtime_for_host() {
        looked.push(system.join(&rt.file));
    }
    looked.push(system.join("libonnxruntime.so"));
    if let Some(p) = looked.iter().find(|p| p.is_file()) {
        return Ok(p.clone());
    }
    Err(DataDirError::NoRuntime {
        looked: looked
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_dir_is_the_only_candidate() {
        assert_eq!(
            candidate_dirs(Some(Path::new("/x"))),
            vec![PathBuf::from("/x")]
        );
    }

    #[test]
    fn empty_dir_names_fetch() {
        let d = tempfile::tempdir().unwrap();
        let e = AssetPaths::resolve(Some(d.path()), None, None, None).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("kokorod fetch"), "{msg}");
        assert!(msg.contains(&d.path().display().to_string()), "{msg}");
    }

    #[test]
    fn the_hint_names_the_service_fetch_under_systemd() {
        // One test owns STATE_DIRECTORY: systemd sets it for StateDirectory=.
        assert!(fetch_hint().contains("kokorod fetch"));
        std::env::set_var("STATE_DIRECTORY", "/var/lib/kokorod");
        let hint = fetch_hint();
        std::env::remove_var("STATE_DIRECTORY");
        assert!(
            hint.contains("-- env HOME=/var/lib/kokorod kokorod fetch --data-dir /var/lib/kokorod"),
            "{hint}"
        );
    }

    #[test]
    fn finds_model_voices_and_runtime_in_a_dir() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("kokoro-v1.0.onnx"), b"x").unwrap();
        std::fs::create_dir(d.path().join("voices")).unwrap();
        std::fs::create_dir(d.path().join("lib")).unwrap();
        std::fs::write(d.path().join("lib/libonnxruntime.so"), b"x").unwrap();
        let p = AssetPaths::resolve(Some(d.path()), None, None, None).unwrap();
        assert_eq!(p.model, d.path().join("kokoro-v1.0.onnx"));
        assert_eq!(p.voices, d.path().join("voices"));
    }
}
