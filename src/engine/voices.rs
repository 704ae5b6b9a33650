//! Voice style vectors: loading (a dir of `<name>.bin` or kokoro-onnx's npz), lookup
//! with near-name suggestions, and mixing (`af_heart(2)+am_adam(1)`).
//!
//! A dir of `.bin` files is not held in memory whole: each is 510 KiB and a daemon
//! speaks with a few voices, so a voice's styles are read from its file when a request
//! first uses it (about 50 µs from the page cache) and the last [`KEPT`] voices used are
//! kept — against ~28 MiB resident for Kokoro's 54 voices held. A kept voice is what its
//! file held when first read: like the voice list, a changed file takes effect at the
//! next reload. The npz archive is compressed and stays in memory.

use crate::assets::{read_npz_voices, MANIFEST};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows in a style file: one per phoneme-count, 1..=510.
pub const STYLE_ROWS: usize = 510;
/// Values per style row.
pub const STYLE_DIM: usize = 256;
const STYLE_LEN: usize = STYLE_ROWS * STYLE_DIM;
/// At most this many voices in one mix.
pub const MAX_MIX: usize = 8;
/// Voices read from files that stay in memory, the most recently used.
pub const KEPT: usize = 4;

/// Voice loading and lookup errors.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    /// A voice file could not be read or has the wrong size.
    #[error("voice file {path}")]
    BadFile {
        /// The file.
        path: String,
        /// What is wrong.
        #[source]
        source: VoiceFileError,
    },
    /// No voices at the path.
    #[error("no voices found in {0}")]
    Empty(String),
    /// The requested voice does not exist.
    #[error("unknown voice {name:?}{}", suggest(.suggestions))]
    Unknown {
        /// What was asked for (sanitised for display).
        name: String,
        /// Near names.
        suggestions: Vec<String>,
    },
    /// The voice spec does not parse.
    #[error("invalid voice {spec:?}: {why}")]
    Spec {
        /// What was asked for (sanitised for display).
        spec: String,
        /// What is wrong.
        why: String,
    },
}

/// What is wrong with a voice file.
#[derive(Debug, thiserror::Error)]
pub enum VoiceFileError {
    /// It cannot be read.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A `.bin` voice of the wrong size.
    #[error("{0} bytes, expected {expected} (510×256 f32); run `kokorod fetch` to repair", expected = STYLE_LEN * 4)]
    Size(usize),
    /// A malformed `.npz` archive.
    #[error(transparent)]
    Npz(#[from] crate::assets::NpyError),
}

fn suggest(s: &[String]) -> String {
    if s.is_empty() {
        "; `kokorod voices` lists them".into()
    } else {
        format!("; did you mean {}?", s.join(", "))
    }
}

/// One voice's styles: 510 rows of 256 values.
#[derive(Clone, Debug)]
pub struct VoiceStyle(Arc<[f32]>);

impl VoiceStyle {
    /// The style row for an input of `n_tokens` phoneme tokens (1..=510): row n-1,
    /// as Kokoro's reference pipeline indexes it.
    pub fn row(&self, n_tokens: usize) -> &[f32] {
        let r = n_tokens.clamp(1, STYLE_ROWS) - 1;
        &self.0[r * STYLE_DIM..(r + 1) * STYLE_DIM]
    }

    pub(crate) fn from_vec(v: Vec<f32>) -> Self {
        VoiceStyle(v.into())
    }

    /// Reads a `.bin` style file (raw f32 LE [510,256]).
    fn read(path: &Path) -> Result<Self, VoiceError> {
        let bad = |source: VoiceFileError| VoiceError::BadFile {
            path: path.display().to_string(),
            source,
        };
        let bytes = std::fs::read(path).map_err(|e| bad(e.into()))?;
        if bytes.len() != STYLE_LEN * 4 {
            return Err(bad(VoiceFileError::Size(bytes.len())));
        }
        Ok(Self::from_vec(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ))
    }
}

/// Where a voice's styles are.
#[derive(Debug)]
enum Source {
    /// A `.bin` file, read when a request first uses the voice.
    File(PathBuf),
    /// In memory (from an npz archive).
    Held(VoiceStyle),
}

/// What the voice list shows about a voice.
#[derive(Clone, Debug, serde::Serialize)]
pub struct VoiceInfo {
    /// Name, e.g. `af_heart`.
    pub name: String,
    /// BCP-47 tag, e.g. `en-us`.
    pub language: String,
    /// `female` / `male`.
    pub gender: String,
    /// Quality grade where known.
    pub grade: Option<String>,
}

/// Kokoro's voice-name prefix letter to BCP-47 language.
pub fn language_of(name: &str) -> Option<&'static str> {
    Some(match name.chars().next()? {
        'a' => "en-us",
        'b' => "en-gb",
        'e' => "es",
        'f' => "fr-fr",
        'h' => "hi",
        'i' => "it",
        'j' => "ja",
        'p' => "pt-br",
        'z' => "zh",
        _ => return None,
    })
}

/// A resolved voice request: a single voice or a weighted mix.
#[derive(Clone, Debug)]
pub struct ResolvedVoice {
    /// Canonical spec, e.g. `af_heart` or `af_heart(2)+am_adam(1)`.
    pub spec: String,
    /// The first voice's name: it decides the language.
    pub primary: String,
    /// The (mixed) styles.
    pub style: VoiceStyle,
}

/// A voice spec checked against the installed voices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceName {
    /// Canonical spec, e.g. `af_heart` or `af_heart(2)+am_adam(1)`.
    pub spec: String,
    /// The first voice's name: it decides the language.
    pub primary: String,
}

/// All installed voices.
#[derive(Debug, Default)]
pub struct Voices {
    map: BTreeMap<String, Source>,
    /// Styles read from files, most recently used last (at most [`KEPT`]).
    kept: std::sync::Mutex<std::collections::VecDeque<(String, VoiceStyle)>>,
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 64
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Shows a client-supplied string safely in a message: control characters escaped, length capped.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(64).flat_map(char::escape_debug).collect();
    if s.chars().count() > 64 {
        out.push('…');
    }
    out
}

impl Voices {
    /// Loads a dir of `<name>.bin` (raw f32 LE [510,256]; each file's size is checked
    /// here, its contents when a request uses it) or a kokoro-onnx npz file.
    pub fn load(path: &Path) -> Result<Self, VoiceError> {
        let mut map = BTreeMap::new();
        let bad = |p: &Path, why: VoiceFileError| VoiceError::BadFile {
            path: p.display().to_string(),
            source: why,
        };
        if path.is_dir() {
            let rd = std::fs::read_dir(path).map_err(|e| bad(path, e.into()))?;
            for entry in rd.filter_map(Result::ok) {
                let p = entry.path();
                let Some(name) = p
                    .file_name()
                    .and_then(|f| f.to_str())
                    .and_then(|f| f.strip_suffix(".bin"))
                else {
                    continue;
                };
                if !valid_name(name) {
                    continue;
                }
                let len = std::fs::metadata(&p).map_err(|e| bad(&p, e.into()))?.len();
                if len != (STYLE_LEN * 4) as u64 {
                    return Err(bad(&p, VoiceFileError::Size(len as usize)));
                }
                map.insert(name.to_string(), Source::File(p));
            }
        } else {
            for (name, v) in read_npz_voices(path).map_err(|e| bad(path, e.into()))? {
                if valid_name(&name) {
                    map.insert(name, Source::Held(VoiceStyle::from_vec(v)));
                }
            }
        }
        if map.is_empty() {
            return Err(VoiceError::Empty(path.display().to_string()));
        }
        Ok(Voices {
            map,
            kept: Default::default(),
        })
    }

    /// The styles of the installed voice `name`: kept, or read from its file and kept.
    fn style(&self, name: &str, source: &Source) -> Result<VoiceStyle, VoiceError> {
        let path = match source {
            Source::File(path) => path,
            Source::Held(style) => return Ok(style.clone()),
        };
        let lock = || self.kept.lock().unwrap_or_else(|e| e.into_inner());
        {
            let mut kept = lock();
            if let Some(at) = kept.iter().position(|(n, _)| n == name) {
                let entry = kept.remove(at).expect("found");
                let style = entry.1.clone();
                kept.push_back(entry);
                return Ok(style);
            }
        }
        let style = VoiceStyle::read(path)?;
        let mut kept = lock();
        if !kept.iter().any(|(n, _)| n == name) {
            kept.push_back((name.to_owned(), style.clone()));
            if kept.len() > KEPT {
                kept.pop_front();
            }
        }
        Ok(style)
    }

    /// Number of voices.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are none (never, once loaded).
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Voice names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    /// Metadata of every voice, sorted by name.
    pub fn infos(&self) -> Vec<VoiceInfo> {
        self.names().map(info_for).collect()
    }

    /// Resolves `af_heart`, `af_heart+af_bella` (equal weights) or
    /// `af_heart(2)+am_adam(1)` (weighted mean of the style vectors), reading the
    /// styles of the voices named.
    pub fn resolve(&self, spec: &str) -> Result<ResolvedVoice, VoiceError> {
        let (named, items) = self.parse(spec)?;
        if let [(name, _, source)] = items.as_slice() {
            return Ok(ResolvedVoice {
                spec: named.spec,
                primary: named.primary,
                style: self.style(name, source)?,
            });
        }
        let total: f32 = items.iter().map(|i| i.1).sum();
        let mut mixed = vec![0f32; STYLE_LEN];
        for (name, w, source) in &items {
            let style = self.style(name, source)?;
            for (m, v) in mixed.iter_mut().zip(style.0.iter()) {
                *m += v * (w / total);
            }
        }
        Ok(ResolvedVoice {
            spec: named.spec,
            primary: named.primary,
            style: VoiceStyle::from_vec(mixed),
        })
    }

    /// What [`Voices::resolve`] would speak with, without reading any style: the
    /// canonical spec and the voice that decides the language.
    pub fn name(&self, spec: &str) -> Result<VoiceName, VoiceError> {
        self.parse(spec).map(|(named, _)| named)
    }

    #[allow(clippy::type_complexity)]
    fn parse<'a>(
        &'a self,
        spec: &'a str,
    ) -> Result<(VoiceName, Vec<(&'a str, f32, &'a Source)>), VoiceError> {
        let spec_err = |why: &str| VoiceError::Spec {
            spec: shown(spec),
            why: why.into(),
        };
        let trimmed = spec.trim();
        if trimmed.is_empty() {
            return Err(spec_err("empty voice name"));
        }
        let parts: Vec<&str> = trimmed.split('+').map(str::trim).collect();
        if parts.len() > MAX_MIX {
            return Err(spec_err(&format!("at most {MAX_MIX} voices can be mixed")));
        }
        let mut items = Vec::with_capacity(parts.len());
        for p in &parts {
            let (name, weight) = match p.split_once('(') {
                Some((n, w)) => {
                    let w = w
                        .strip_suffix(')')
                        .ok_or_else(|| spec_err("a weight is written `name(2)`"))?;
                    let w: f32 = w
                        .trim()
                        .parse()
                        .map_err(|_| spec_err("a weight must be a number"))?;
                    if !(w.is_finite() && w > 0.0 && w <= 100.0) {
                        return Err(spec_err("a weight must be greater than 0 and at most 100"));
                    }
                    (n.trim(), w)
                }
                None => (*p, 1.0),
            };
            let source = self.map.get(name).ok_or_else(|| VoiceError::Unknown {
                name: shown(name),
                suggestions: self.near(name),
            })?;
            items.push((name, weight, source));
        }
        let primary = items[0].0.to_string();
        let spec = if items.len() == 1 {
            primary.clone()
        } else {
            items
                .iter()
                .map(|(n, w, _)| format!("{n}({w})"))
                .collect::<Vec<_>>()
                .join("+")
        };
        Ok((VoiceName { spec, primary }, items))
    }

    /// Up to three loaded names close to `name`.
    fn near(&self, name: &str) -> Vec<String> {
        let lower = name.to_ascii_lowercase();
        let mut scored: Vec<(usize, &String)> = self
            .map
            .keys()
            .map(|k| {
                // A bare "heart" should find "af_heart".
                let base = k.split_once('_').map_or(k.as_str(), |x| x.1);
                (levenshtein(&lower, k).min(levenshtein(&lower, base)), k)
            })
            .filter(|(d, _)| *d <= 2.max(lower.len() / 3))
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, k)| k.clone()).collect()
    }
}

/// Metadata for a voice name, from the manifest or the name's prefix.
pub fn info_for(name: &str) -> VoiceInfo {
    if let Some(v) = MANIFEST.voice(name) {
        return VoiceInfo {
            name: name.into(),
            language: v.language.clone(),
            gender: v.gender.clone(),
            grade: v.grade.clone(),
        };
    }
    let gender = match name.chars().nth(1) {
        Some('f') => "female",
        Some('m') => "male",
        _ => "unknown",
    };
    VoiceInfo {
        name: name.into(),
        language: language_of(name).unwrap_or("und").into(),
        gender: gender.into(),
        grade: None,
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().take(128).enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voices() -> Voices {
        let mut map = BTreeMap::new();
        for (i, n) in ["af_heart", "af_bella", "am_adam"].iter().enumerate() {
            map.insert(
                n.to_string(),
                Source::Held(VoiceStyle::from_vec(vec![i as f32; STYLE_LEN])),
            );
        }
        Voices {
            map,
            kept: Default::default(),
        }
    }

    #[test]
    fn rows_follow_token_count() {
        let v = VoiceStyle::from_vec((0..STYLE_LEN).map(|i| (i / STYLE_DIM) as f32).collect());
        assert_eq!(v.row(1)[0], 0.0);
        assert_eq!(v.row(17)[0], 16.0);
        assert_eq!(v.row(510)[0], 509.0);
        assert_eq!(v.row(9999)[0], 509.0);
    }

    #[test]
    fn mixes_by_weight() {
        let v = voices();
        let m = v.resolve("af_heart(1)+am_adam(3)").unwrap();
        assert_eq!(m.primary, "af_heart");
        assert!((m.style.row(5)[0] - 1.5).abs() < 1e-6);
        let e = v.resolve("af_bella+am_adam").unwrap();
        assert!((e.style.row(5)[0] - 1.5).abs() < 1e-6);
        let same = v.resolve("af_heart+af_heart").unwrap();
        assert_eq!(
            same.style.row(3),
            v.resolve("af_heart").unwrap().style.row(3)
        );
    }

    #[test]
    fn a_dir_of_files_is_read_when_a_voice_is_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, value: f32| {
            let bytes: Vec<u8> = std::iter::repeat_n(value.to_le_bytes(), STYLE_LEN)
                .flatten()
                .collect();
            std::fs::write(dir.path().join(format!("{name}.bin")), bytes).unwrap();
        };
        let names: Vec<String> = (0..=KEPT).map(|i| format!("af_v{i}")).collect();
        for (i, name) in names.iter().enumerate() {
            write(name, i as f32);
        }
        write("am_adam", 3.0);
        let v = Voices::load(dir.path()).unwrap();
        assert_eq!(v.len(), KEPT + 2);
        let mix = v.resolve("af_v1+am_adam").unwrap();
        assert_eq!(mix.spec, "af_v1(1)+am_adam(1)");
        assert!((mix.style.row(7)[0] - 2.0).abs() < 1e-6);
        // A voice in use is kept: what its file held when first read, until a reload.
        std::fs::write(dir.path().join("af_v1.bin"), b"short").unwrap();
        assert_eq!(v.resolve("af_v1").unwrap().style.row(1)[0], 1.0);
        // Unused, a file is read anew: replaced, the new contents; damaged, that request
        // fails and says how to repair. Naming a voice (for logs) reads nothing.
        write("af_v0", 5.0);
        assert_eq!(v.resolve("af_v0").unwrap().style.row(1)[0], 5.0);
        for name in &names[2..] {
            v.resolve(name).unwrap();
        }
        // af_v1 was used longest ago: no longer kept.
        let e = v.resolve("af_v1").unwrap_err();
        assert!(matches!(e, VoiceError::BadFile { .. }), "{e}");
        let why = std::error::Error::source(&e).map(ToString::to_string);
        assert!(why.is_some_and(|w| w.contains("kokorod fetch")), "{e}");
        assert_eq!(v.name("am_adam(2)+af_v1").unwrap().primary, "am_adam");
        // A file of the wrong size is refused at load.
        let e = Voices::load(dir.path()).unwrap_err();
        assert!(matches!(e, VoiceError::BadFile { .. }), "{e}");
    }

    #[test]
    fn unknown_voice_suggests_near_names() {
        let v = voices();
        let e = v.resolve("af_hart").unwrap_err().to_string();
        assert!(e.contains("af_heart"), "{e}");
        let e = v.resolve("heart").unwrap_err().to_string();
        assert!(e.contains("af_heart"), "{e}");
        let e = v.resolve("../../etc/passwd\0").unwrap_err().to_string();
        assert!(e.contains("unknown voice") && !e.contains('\0'), "{e}");
    }

    #[test]
    fn bad_specs_are_refused() {
        let v = voices();
        for s in [
            "",
            "+",
            "af_heart(",
            "af_heart(x)",
            "af_heart(0)",
            "af_heart(-1)",
            "af_heart(nan)",
            &"af_heart+".repeat(9),
        ] {
            assert!(v.resolve(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn info_comes_from_manifest_or_prefix() {
        assert_eq!(info_for("af_heart").grade.as_deref(), Some("A"));
        assert_eq!(info_for("zf_new").language, "zh");
        assert_eq!(info_for("zf_new").gender, "female");
    }
}
