//! The Kokoro ONNX model behind ONNX Runtime: loading (with clear errors for a
//! missing runtime or a damaged model), input-name discovery, one inference.

use super::affinity::ort_affinity_string;
use super::{EngineError, ModelError, RuntimeError};
use crate::assets::{verify_file, VerifyError, MANIFEST};
use ort::session::builder::GraphOptimizationLevel;
use ort::session::{NoSelectedOutputs, RunOptions, Session};
use ort::value::Tensor;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Kokoro's context: 512 positions, two of them the padding tokens.
pub const MAX_TOKENS: usize = 510;
/// Output sample rate.
pub const SAMPLE_RATE: u32 = 24_000;

/// The error is shared: every later load reports the first one's cause.
type SharedError = Arc<dyn std::error::Error + Send + Sync>;

static ENV: OnceLock<Result<ort::environment::Environment, SharedError>> = OnceLock::new();

/// Loads ONNX Runtime from `lib` once per process.
fn environment(lib: &Path) -> Result<&'static ort::environment::Environment, EngineError> {
    let r = ENV.get_or_init(|| {
        let builder = ort::init_from(lib).map_err(|e| Arc::new(e) as SharedError)?;
        builder
            .with_name("kokorod")
            .with_telemetry(false)
            .build()
            .map_err(|e| Arc::new(e) as SharedError)
    });
    r.as_ref().map_err(|e| EngineError::Runtime {
        path: lib.display().to_string(),
        source: RuntimeError::Init(e.clone()),
    })
}

/// Checks a file we know from the manifest (by name) against its size and hash.
fn check_known(path: &Path, name: &str, size: u64, sha256: &str) -> Result<(), VerifyError> {
    if path.file_name().and_then(|f| f.to_str()) == Some(name) {
        verify_file(path, size, sha256)?;
    }
    Ok(())
}

/// ONNX Runtime session settings. The defaults are what kokorod runs with; the other
/// values exist so `examples/ort_settings.rs` can measure them (docs/benchmarks.md).
#[derive(Debug, Clone)]
pub struct Tuning {
    /// Graph optimization level, 0 (none) to 3 (all).
    pub opt_level: u8,
    /// Write the optimized graph here after loading (to measure loading it back).
    pub save_optimized: Option<std::path::PathBuf>,
    /// ONNX Runtime's memory-pattern planning.
    pub memory_pattern: bool,
    /// Pre-pack weights for the kernels at load.
    pub prepacking: bool,
    /// Intra-op threads spin between the operators of one run instead of sleeping.
    pub spinning: bool,
    /// Give the arena's free memory back to the system after every run.
    pub trim_after_run: bool,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            opt_level: 3,
            save_optimized: None,
            memory_pattern: true,
            prepacking: true,
            spinning: false,
            trim_after_run: true,
        }
    }
}

/// A loaded model and the names of its inputs and output.
pub struct Model {
    session: Session,
    /// Shared with [`RunStop`], which ends a run from another thread.
    run_options: Arc<RunOptions<NoSelectedOutputs>>,
    tokens: String,
    style: String,
    speed: String,
    output: String,
    trim_after_run: bool,
}

impl Model {
    /// Loads the model; inference uses `cpus.len()` intra-op threads pinned to `cpus`
    /// (the calling thread being the first), and no thread spins while idle.
    pub fn load(model: &Path, runtime: &Path, cpus: &[usize]) -> Result<Self, EngineError> {
        Self::load_tuned(model, runtime, cpus, &Tuning::default())
    }

    /// [`Model::load`] through the optimized-graph cache in `cache_dir` (see
    /// [`super::optcache`]): loads the saved graph when there is one, else loads the
    /// model and saves its optimized graph. Any trouble with the cache falls back to a
    /// plain load; the model itself is checked against the manifest either way.
    pub fn load_cached(
        model: &Path,
        runtime: &Path,
        cpus: &[usize],
        cache_dir: &Path,
    ) -> Result<Self, EngineError> {
        let m = &MANIFEST.model;
        check_known(model, &m.file, m.size, &m.sha256).map_err(|e| EngineError::Model {
            path: model.display().to_string(),
            source: ModelError::Damaged(e),
        })?;
        let tuning = Tuning::default();
        let Ok(file) = super::optcache::path(cache_dir, model, runtime, &tuning) else {
            return Self::load(model, runtime, cpus);
        };
        if file.is_file() {
            match Self::load_tuned(
                &file,
                runtime,
                cpus,
                &Tuning {
                    opt_level: 0,
                    ..tuning.clone()
                },
            ) {
                Ok(loaded) => {
                    tracing::debug!(path = %file.display(), "loaded the optimized graph");
                    return Ok(loaded);
                }
                Err(e) => {
                    tracing::warn!(path = %file.display(), "optimized graph unusable, rebuilding it: {}", crate::error::Chain(&e));
                    let _ = std::fs::remove_file(&file);
                }
            }
        }
        if !super::optcache::writable(cache_dir) {
            return Self::load(model, runtime, cpus);
        }
        // Per process: two daemons starting at once must not write one file together.
        let partial = file.with_extension(format!("partial-{}", std::process::id()));
        match Self::load_tuned(
            model,
            runtime,
            cpus,
            &Tuning {
                save_optimized: Some(partial.clone()),
                ..tuning
            },
        ) {
            Ok(loaded) => {
                if std::fs::rename(&partial, &file).is_ok() {
                    super::optcache::remove_others(&file);
                    tracing::info!(path = %file.display(), "saved the optimized graph for faster starts");
                }
                Ok(loaded)
            }
            Err(_) => {
                let _ = std::fs::remove_file(&partial);
                Self::load(model, runtime, cpus)
            }
        }
    }

    /// [`Model::load`] with other session settings.
    pub fn load_tuned(
        model: &Path,
        runtime: &Path,
        cpus: &[usize],
        tuning: &Tuning,
    ) -> Result<Self, EngineError> {
        if !runtime.is_file() {
            return Err(EngineError::Runtime {
                path: runtime.display().to_string(),
                source: RuntimeError::Missing,
            });
        }
        if let Some(rt) = MANIFEST.runtime_for_host() {
            check_known(runtime, &rt.file, rt.size, &rt.sha256).map_err(|e| {
                EngineError::Runtime {
                    path: runtime.display().to_string(),
                    source: e.into(),
                }
            })?;
        }
        let env = environment(runtime)?;
        let m = &MANIFEST.model;
        let model_err = |source: ModelError| EngineError::Model {
            path: model.display().to_string(),
            source,
        };
        check_known(model, &m.file, m.size, &m.sha256)
            .map_err(|e| model_err(ModelError::Damaged(e)))?;
        let setting = |e: ort::Error| model_err(ModelError::Settings(e));
        let mut b = Session::builder(env)
            .map_err(setting)?
            .with_optimization_level(match tuning.opt_level {
                0 => GraphOptimizationLevel::Disable,
                1 => GraphOptimizationLevel::Level1,
                2 => GraphOptimizationLevel::Level2,
                _ => GraphOptimizationLevel::Level3,
            })
            .map_err(|e| setting(e.into()))?
            .with_memory_pattern(tuning.memory_pattern)
            .map_err(|e| setting(e.into()))?
            .with_prepacking(tuning.prepacking)
            .map_err(|e| setting(e.into()))?
            .with_intra_threads(cpus.len().max(1))
            .map_err(|e| setting(e.into()))?
            .with_inter_threads(1)
            .map_err(|e| setting(e.into()))?
            .with_intra_op_spinning(tuning.spinning)
            .map_err(|e| setting(e.into()))?
            .with_inter_op_spinning(false)
            .map_err(|e| setting(e.into()))?;
        if let Some(out) = &tuning.save_optimized {
            b = b
                .with_optimized_model_path(out)
                .map_err(|e| setting(e.into()))?;
        }
        if let Some(aff) = ort_affinity_string(cpus) {
            b = b
                .with_config_entry("session.intra_op_thread_affinities", aff)
                .map_err(|e| setting(e.into()))?;
        }
        let session = b
            .commit_from_file(model)
            .map_err(|e| model_err(ModelError::Unreadable(e)))?;
        let names: Vec<String> = session
            .inputs()
            .iter()
            .map(|i| i.name().to_string())
            .collect();
        let find = |pred: &dyn Fn(&str) -> bool, what: &'static str| {
            names.iter().find(|n| pred(n)).cloned().ok_or_else(|| {
                model_err(ModelError::MissingInput {
                    what,
                    names: names.clone(),
                })
            })
        };
        let tokens = find(
            &|n| n == "tokens" || n == "input_ids",
            "`tokens`/`input_ids`",
        )?;
        let style = find(&|n| n == "style" || n == "ref_s", "`style`")?;
        let speed = find(&|n| n == "speed", "`speed`")?;
        let output = session
            .outputs()
            .first()
            .map(|o| o.name().to_string())
            .ok_or_else(|| model_err(ModelError::NoOutput))?;
        // Give the arena's unused memory back after every run: one long input would
        // otherwise keep the process at its peak (≈1 GB for 510 tokens) forever. The
        // arena itself stays: without it inference is ~25 % slower and peaks higher.
        let mut run_options = RunOptions::new().map_err(setting)?;
        if tuning.trim_after_run {
            run_options
                .set("memory.enable_memory_arena_shrinkage", "cpu:0")
                .map_err(setting)?;
        }
        Ok(Model {
            session,
            run_options: Arc::new(run_options),
            tokens,
            style,
            speed,
            output,
            trim_after_run: tuning.trim_after_run,
        })
    }

    /// Ends this model's run in progress from another thread (see [`RunStop`]).
    pub fn run_stop(&self) -> RunStop {
        RunStop(self.run_options.clone())
    }

    /// Runs one inference: `tokens` (1..=510 ids, without padding), a 256-value style
    /// row, and a speed factor. Returns f32 samples at 24 kHz.
    pub fn run(
        &mut self,
        tokens: &[i64],
        style: &[f32],
        speed: f32,
    ) -> Result<Vec<f32>, EngineError> {
        if tokens.is_empty() || tokens.len() > MAX_TOKENS {
            return Err(EngineError::BadInput(format!(
                "{} tokens; one inference takes 1 to {MAX_TOKENS}",
                tokens.len()
            )));
        }
        let mut ids = Vec::with_capacity(tokens.len() + 2);
        ids.push(0);
        ids.extend_from_slice(tokens);
        ids.push(0);
        let fail = EngineError::Inference;
        let t = Tensor::from_array(([1usize, ids.len()], ids)).map_err(fail)?;
        let s = Tensor::from_array(([1usize, style.len()], style.to_vec())).map_err(fail)?;
        let v = Tensor::from_array(([1usize], vec![speed])).map_err(fail)?;
        let inputs = ort::inputs![self.tokens.as_str() => t, self.style.as_str() => s, self.speed.as_str() => v];
        let out = self
            .session
            .run_with_options(inputs, &self.run_options)
            .map_err(fail)?;
        let audio = out.get(&self.output).ok_or(EngineError::NoAudio)?;
        let (_, samples) = audio.try_extract_tensor::<f32>().map_err(fail)?;
        let samples = samples.to_vec();
        drop(out);
        // The arena frees into glibc, which keeps the pages; hand them to the kernel.
        if self.trim_after_run {
            trim_heap();
        }
        Ok(samples)
    }
}

/// ONNX Runtime's terminate flag on a model's runs: set, the run in progress fails
/// before its next operator (within a few milliseconds); cleared, runs go to the end.
pub struct RunStop(Arc<RunOptions<NoSelectedOutputs>>);

impl super::Stop for RunStop {
    fn stop(&self) {
        if let Err(e) = self.0.terminate() {
            tracing::warn!("cannot stop an inference: {e}");
        }
    }

    fn clear(&self) {
        if let Err(e) = self.0.unterminate() {
            tracing::warn!("cannot clear an inference's stop flag: {e}");
        }
    }
}

/// Returns the free pages of every glibc arena to the kernel: glibc keeps what is
/// freed for reuse, so a burst of allocations (an inference, building a lexicon) would
/// otherwise stay resident.
#[allow(unsafe_code)] // FFI
pub fn trim_heap() {
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe { libc::malloc_trim(0) };
}
