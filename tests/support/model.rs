//! The real model: its assets, and one engine, voice set and speech pipeline per
//! process, loaded on first use.

use futures::StreamExt;
use kokorod::assets::AssetPaths;
use kokorod::engine::{affinity, Engine, EngineConfig, Voices};
use kokorod::speech::{KokoroConfig, KokoroSpeech, SpeakRequest, Speech, SpeechError};
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
    E.get_or_init(start_engine).clone()
}

/// An engine and pipeline of their own for the tests that wait until the engine has
/// nothing left to do: every other test in the process keeps [`engine`] busy.
pub fn quiet_speech() -> (Engine, Arc<KokoroSpeech>) {
    static Q: OnceLock<(Engine, Arc<KokoroSpeech>)> = OnceLock::new();
    Q.get_or_init(|| {
        let engine = start_engine();
        let speech = KokoroSpeech::new(engine.clone(), voices(), KokoroConfig::default())
            .unwrap_or_else(|e| panic!("speech: {e}"));
        (engine, Arc::new(speech))
    })
    .clone()
}

fn start_engine() -> Engine {
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

/// Every piece of `speech`'s answer to `req`, in order; the first error ends it.
pub async fn pieces(speech: &dyn Speech, req: SpeakRequest) -> Result<Vec<Vec<i16>>, SpeechError> {
    let mut stream = speech.speak(req)?;
    let mut out = Vec::new();
    while let Some(piece) = stream.next().await {
        out.push(piece?);
    }
    Ok(out)
}

/// Root-mean-square of 16-bit samples, 0..1.
pub fn rms(s: &[i16]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    (s.iter().map(|&x| (x as f64 / 32768.0).powi(2)).sum::<f64>() / s.len() as f64).sqrt()
}

/// A short sentence in each of Kokoro's nine languages, with a voice that speaks it.
pub const A_SENTENCE_PER_LANGUAGE: [(&str, &str); 9] = [
    ("af_heart", "The lights are on."),
    ("bf_emma", "The heating is set to twenty degrees."),
    ("ef_dora", "Las luces están encendidas."),
    ("ff_siwis", "Les lumières sont allumées."),
    ("hf_alpha", "बत्तियाँ जल रही हैं।"),
    ("if_sara", "Le luci sono accese."),
    ("jf_alpha", "電気がついています。"),
    ("pf_dora", "As luzes estão acesas."),
    ("zf_xiaobei", "灯亮着。"),
];
