//! Locating, verifying and fetching the model, the voices, the ONNX Runtime library
//! and the watermarking network.

mod datadir;
mod fetch;
mod manifest;
mod npy;
mod verify;

pub use datadir::{
    cache_dir, candidate_dirs, fetch_hint, find_watermark, AssetPaths, DataDirError,
};
pub use fetch::{fetch, FetchError, FetchOptions};
pub use manifest::{Manifest, ModelEntry, RuntimeEntry, VoiceEntry, WatermarkEntry, MANIFEST};
pub use npy::{read_npz_voices, NpyError};
pub use verify::{sha256_file, verify_file, VerifyError};
