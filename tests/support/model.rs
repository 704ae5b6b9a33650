//! Shared set-up for tests against the real model: one engine per test binary.
#![allow(dead_code)]

use kokorod::assets::AssetPaths;
use kokorod::engine::{affinity, Engine, EngineConfig, Voices};
use kokorod::speech::{KokoroConfig, KokoroSpeech};
use std::sync::{Arc, OnceLock};

/// The assets `make fetch` installed; a clear failure when they are missing.
pub fn assets() -> AssetPaths {
    AssetPaths::resolve(None, None, None, None).unwrap_or_else(|e| {
        panic!("{e}\n(the tests need the real model: run `make fetch` or `make test`)")
    })
}

/// The process-wide engine, started once.
pub fn engine() -> Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let p = assets();
        Engine::start(EngineConfig {
            model: p.model,
            runtime: p.runtime,
            cpus: affinity::plan(None, None),
            queue_depth: 32,
            warm_up: true,
            optimized_cache: None,
        })
        .unwrap_or_else(|e| panic!("engine: {e}"))
    })
    .clone()
}

/// The installed voices, loaded once.
pub fn voices() -> Arc<Voices> {
    static V: OnceLock<Arc<Voices>> = OnceLock::new();
    V.get_or_init(|| {
        Arc::new(Voices::load(&assets().voices).unwrap_or_else(|e| panic!("voices: {e}")))
    })
    .clone()
}

/// The real speech pipeline over the shared engine.
pub fn speech() -> Arc<KokoroSpeech> {
    static S: OnceLock<Arc<KokoroSpeech>> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(
            KokoroSpeech::new(engine(), voices(), KokoroConfig::default())
                .unwrap_or_else(|e| panic!("speech: {e}")),
        )
    })
    .clone()
}

/// Root-mean-square of 16-bit samples, 0..1.
pub fn rms(s: &[i16]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    (s.iter().map(|&x| (x as f64 / 32768.0).powi(2)).sum::<f64>() / s.len() as f64).sqrt()
}
