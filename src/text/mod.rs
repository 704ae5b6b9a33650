//! Text pipeline: normalization and sentence splitting (G2P and tokens live beside them).

pub mod normalize;
pub mod split;
