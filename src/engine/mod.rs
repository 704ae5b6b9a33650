//! Inference: the model and voices, a bounded job queue, and one dedicated worker
//! thread (with ONNX Runtime's pinned intra-op pool) — never tokio's threads.

pub mod affinity;
mod model;
mod optcache;
mod preempt;
mod queue;
pub mod voices;

pub use model::{trim_heap, Model, Tuning, MAX_TOKENS, SAMPLE_RATE};
pub use preempt::Stop;
use preempt::{Preemptor, Stoppable};
pub use queue::{Deadline, Priority};
use queue::{JobQueue, PushError};
pub use voices::{
    info_for, language_of, ResolvedVoice, VoiceError, VoiceInfo, VoiceName, VoiceStyle, Voices,
};

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Engine errors.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// ONNX Runtime could not be loaded.
    #[error("cannot load ONNX Runtime from {path} (run `kokorod fetch`, or point ORT_DYLIB_PATH / --ort-lib at a libonnxruntime.so, 1.22 or newer)")]
    Runtime {
        /// The library path.
        path: String,
        /// The cause.
        #[source]
        source: RuntimeError,
    },
    /// The model could not be loaded.
    #[error("cannot load model {path}")]
    Model {
        /// The model path.
        path: String,
        /// The cause (for a damaged default model it names `kokorod fetch`).
        #[source]
        source: ModelError,
    },
    /// The request itself is unusable.
    #[error("{0}")]
    BadInput(String),
    /// ONNX Runtime failed on this input.
    #[error("inference failed")]
    Inference(#[source] ort::Error),
    /// The model ran but gave nothing back.
    #[error("inference failed: the model returned no audio")]
    NoAudio,
    /// ONNX Runtime panicked on this input (contained to the job).
    #[error("inference failed: the runtime panicked on this input")]
    Panicked,
    /// The worker thread could not be started.
    #[error("cannot start the inference thread")]
    Thread(#[source] std::io::Error),
    /// The engine is gone (shut down or its thread died).
    #[error("the inference engine is not running")]
    Stopped,
    /// The queue is full: too much work is waiting.
    #[error("the server is busy ({0} requests waiting); try again shortly")]
    Busy(usize),
}

/// Why ONNX Runtime could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// Nothing at the path.
    #[error("no such file")]
    Missing,
    /// The file is not the library the manifest lists.
    #[error(transparent)]
    Damaged(#[from] crate::assets::VerifyError),
    /// The library refused to initialise (shared: it is loaded once per process).
    #[error(transparent)]
    Init(std::sync::Arc<dyn std::error::Error + Send + Sync>),
}

/// Why the model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file is not the model the manifest lists.
    #[error("the file is damaged; run `kokorod fetch` to download it again")]
    Damaged(#[source] crate::assets::VerifyError),
    /// ONNX Runtime refused a session setting.
    #[error("ONNX Runtime refused the session settings")]
    Settings(#[source] ort::Error),
    /// ONNX Runtime cannot read the file as a model.
    #[error("not a model ONNX Runtime can run; is it a Kokoro v1.0 ONNX export? `kokorod fetch` installs the default model")]
    Unreadable(#[source] ort::Error),
    /// A Kokoro input is missing.
    #[error("no {what} input (inputs: {names:?})")]
    MissingInput {
        /// The input looked for.
        what: &'static str,
        /// The inputs the model has.
        names: Vec<String>,
    },
    /// The model has no output.
    #[error("the model has no output")]
    NoOutput,
}

/// What runs the inferences: the ONNX model, or a stand-in in tests.
pub trait Backend: Send + 'static {
    /// One inference: token ids (without padding), the voice's style row, speed;
    /// f32 samples at 24 kHz.
    fn run(&mut self, tokens: &[i64], style: &[f32], speed: f32) -> Result<Vec<f32>, EngineError>;

    /// Ends a run early from another thread, so a first piece need not wait out a
    /// later one; `None` (the default): runs always go to the end.
    fn stopper(&self) -> Option<Arc<dyn Stop>> {
        None
    }
}

impl Backend for Model {
    fn run(&mut self, tokens: &[i64], style: &[f32], speed: f32) -> Result<Vec<f32>, EngineError> {
        Model::run(self, tokens, style, speed)
    }

    fn stopper(&self) -> Option<Arc<dyn Stop>> {
        Some(Arc::new(self.run_stop()))
    }
}

/// How to start the engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The ONNX model.
    pub model: PathBuf,
    /// `libonnxruntime.so`.
    pub runtime: PathBuf,
    /// CPUs to run on (one thread each); see [`affinity::plan`].
    pub cpus: Vec<usize>,
    /// Jobs that may wait in the queue.
    pub queue_depth: usize,
    /// Run one inference before the first job. It runs after the engine reports
    /// ready, so a daemon answers (and tells systemd it is ready) while it warms; a job
    /// queued meanwhile waits for it.
    pub warm_up: bool,
    /// Keep ONNX Runtime's optimized graph here (see `optcache`); `None` optimizes at
    /// every start.
    pub optimized_cache: Option<PathBuf>,
}

/// One inference request.
pub struct InferRequest {
    /// Phoneme token ids, 1..=510, without padding.
    pub tokens: Vec<i64>,
    /// The voice; the engine picks the row for the token count.
    pub style: VoiceStyle,
    /// Speed factor.
    pub speed: f32,
    /// Scheduling level: the first piece of a request goes first (the one with the
    /// fewest tokens first among those).
    pub priority: Priority,
    /// For a later piece: when its listener runs out of audio (later pieces go
    /// earliest deadline first); `None`: due when queued.
    pub due: Option<Deadline>,
}

struct Job {
    req: InferRequest,
    reply: oneshot::Sender<Result<Vec<f32>, EngineError>>,
    /// Stopped once for a first piece already: it runs to the end now.
    stopped: bool,
}

/// Facts about the running engine.
#[derive(Debug)]
pub struct EngineInfo {
    /// CPUs inference is pinned to.
    pub cpus: Vec<usize>,
    /// Model load time.
    pub load_time: Duration,
    /// Warm-up inference time, once it has run (see [`EngineConfig::warm_up`]).
    pub warm_up_time: OnceLock<Duration>,
    /// Inferences completed (also the watchdog's proof of life).
    pub completed: AtomicU64,
    /// Jobs waiting or running.
    pub queued: AtomicUsize,
    /// Runs stopped for a new first piece (each then ran again): later pieces, and
    /// first pieces many times longer than the new one.
    pub preempted: AtomicU64,
    /// The worker thread is running (cleared when it ends, also by a panic).
    alive: AtomicBool,
    /// Milliseconds after `epoch` of the engine's last progress: a job finished, or
    /// work arrived at an idle engine. Two atomic stores per job: free when idle.
    progress_ms: AtomicU64,
    epoch: Instant,
}

impl EngineInfo {
    fn mark_progress(&self) {
        self.progress_ms
            .store(self.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
}

/// What the engine is doing, for the service watchdog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Nothing to do.
    Idle,
    /// Working, and it finished a job (or got its work) within the bound.
    Busy,
    /// Work is waiting but no job has finished for longer than the bound: wedged.
    Stalled {
        /// Since the last progress.
        for_ms: u64,
    },
    /// The inference thread has ended.
    Dead,
}

impl Health {
    /// Idle or busy: the engine still completes work.
    pub fn is_healthy(self) -> bool {
        matches!(self, Health::Idle | Health::Busy)
    }
}

/// Reads the engine's health without keeping the engine alive (see [`Engine::probe`]).
#[derive(Clone)]
pub struct HealthProbe(Arc<EngineInfo>);

impl HealthProbe {
    /// Healthy when the thread lives and, if work is queued or running, a job finished
    /// within `stall` (the longest plausible inference). Costs two atomic loads.
    pub fn check(&self, stall: Duration) -> Health {
        self.check_at(stall, Instant::now())
    }

    /// [`HealthProbe::check`] as it would be at `now` (tests look ahead in time).
    pub fn check_at(&self, stall: Duration, now: Instant) -> Health {
        let info = &self.0;
        if !info.alive.load(Ordering::Acquire) {
            return Health::Dead;
        }
        if info.queued.load(Ordering::Relaxed) == 0 {
            return Health::Idle;
        }
        let now = now.saturating_duration_since(info.epoch).as_millis() as u64;
        let since = now.saturating_sub(info.progress_ms.load(Ordering::Relaxed));
        if u128::from(since) > stall.as_millis() {
            Health::Stalled { for_ms: since }
        } else {
            Health::Busy
        }
    }
}

/// Clears `alive` when the worker thread ends, however it ends.
struct AliveGuard(Arc<EngineInfo>);

impl Drop for AliveGuard {
    fn drop(&mut self) {
        self.0.alive.store(false, Ordering::Release);
    }
}

/// Handle to the inference worker; cheap to clone. The worker ends when the last
/// handle is dropped.
#[derive(Clone)]
pub struct Engine {
    queue: Arc<Closer>,
    info: Arc<EngineInfo>,
    preempt: Arc<Preemptor>,
}

/// Closes the queue when the last [`Engine`] handle goes, so the worker thread ends.
struct Closer(Arc<JobQueue<Job>>);

impl Drop for Closer {
    fn drop(&mut self) {
        self.0.close();
    }
}

impl Engine {
    /// Starts the worker thread, loads the model there, and returns once it is ready
    /// or has failed; the warm-up, if asked for, runs after that.
    pub fn start(cfg: EngineConfig) -> Result<Engine, EngineError> {
        let (cpus, warm_up) = (cfg.cpus.clone(), cfg.warm_up);
        Self::spawn(
            cpus,
            cfg.queue_depth,
            move || match &cfg.optimized_cache {
                Some(dir) => Model::load_cached(&cfg.model, &cfg.runtime, &cfg.cpus, dir),
                None => Model::load(&cfg.model, &cfg.runtime, &cfg.cpus),
            },
            move |model: &mut Model| {
                if warm_up {
                    // A short phrase: the first run pays for kernel selection and arena growth.
                    let warm: Vec<i64> =
                        vec![50, 83, 54, 156, 57, 135, 16, 65, 156, 87, 123, 54, 46, 4];
                    model.run(&warm, &[0.0; voices::STYLE_DIM], 1.0)?;
                }
                Ok(())
            },
        )
    }

    /// Starts the worker thread on any [`Backend`]: `load` runs on that thread (pinned
    /// to the first of `cpus`); this returns once it has succeeded or failed.
    pub fn start_with<B, F>(
        cpus: Vec<usize>,
        queue_depth: usize,
        load: F,
    ) -> Result<Engine, EngineError>
    where
        B: Backend,
        F: FnOnce() -> Result<B, EngineError> + Send + 'static,
    {
        Self::spawn(cpus, queue_depth, load, |_: &mut B| Ok(()))
    }

    /// [`Engine::start_with`], then `warm_up` on the worker thread after ready and
    /// before the first job.
    fn spawn<B, F, W>(
        cpus: Vec<usize>,
        queue_depth: usize,
        load: F,
        warm_up: W,
    ) -> Result<Engine, EngineError>
    where
        B: Backend,
        F: FnOnce() -> Result<B, EngineError> + Send + 'static,
        W: FnOnce(&mut B) -> Result<(), EngineError> + Send + 'static,
    {
        let queue = Arc::new(JobQueue::<Job>::new(queue_depth));
        let rx = queue.clone();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("kokorod-infer".into())
            .spawn(move || {
                if let Some(&cpu) = cpus.first() {
                    affinity::pin_current_thread(cpu);
                }
                let t0 = Instant::now();
                let mut backend = match load() {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let info = Arc::new(EngineInfo {
                    cpus,
                    load_time: t0.elapsed(),
                    warm_up_time: OnceLock::new(),
                    completed: AtomicU64::new(0),
                    queued: AtomicUsize::new(0),
                    preempted: AtomicU64::new(0),
                    alive: AtomicBool::new(true),
                    progress_ms: AtomicU64::new(0),
                    epoch: Instant::now(),
                });
                let _alive = AliveGuard(info.clone());
                let preempt = Arc::new(Preemptor::new(backend.stopper()));
                if ready_tx.send(Ok((info.clone(), preempt.clone()))).is_err() {
                    return;
                }
                let t = Instant::now();
                match std::panic::catch_unwind(AssertUnwindSafe(|| warm_up(&mut backend))) {
                    Ok(Ok(())) => {
                        let took = t.elapsed();
                        let _ = info.warm_up_time.set(took);
                        if !took.is_zero() {
                            tracing::info!(ms = took.as_millis() as u64, "engine warmed up");
                        }
                    }
                    // Only a slower first request: not a reason to stop.
                    Ok(Err(e)) => tracing::warn!(error = %e, "warm-up inference failed"),
                    Err(_) => tracing::warn!("warm-up inference panicked"),
                }
                // Sleeps on a condvar while idle; ends when every Engine handle is dropped.
                while let Some(job) = rx.pop() {
                    if job.reply.is_closed() {
                        // The requester went away (client vanished): skip the work.
                        info.mark_progress();
                        info.queued.fetch_sub(1, Ordering::Relaxed);
                        continue;
                    }
                    let n = job.req.tokens.len();
                    let stoppable = match (job.stopped, job.req.priority) {
                        (true, _) => Stoppable::No,
                        (false, Priority::Rest) => Stoppable::ByAnyFirst,
                        (false, Priority::First) => Stoppable::ByShorterFirst,
                    };
                    preempt.begin(n, stoppable);
                    let began = Instant::now();
                    let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        backend.run(&job.req.tokens, job.req.style.row(n), job.req.speed)
                    }))
                    .unwrap_or_else(|_| Err(EngineError::Panicked));
                    tracing::trace!(
                        tokens = n,
                        priority = ?job.req.priority,
                        ms = began.elapsed().as_millis() as u64,
                        ok = r.is_ok(),
                        "inference"
                    );
                    if preempt.end(n, r.is_ok()) && r.is_err() {
                        // Stopped for a first piece: run it again after that one.
                        info.preempted.fetch_add(1, Ordering::Relaxed);
                        let priority = job.req.priority;
                        tracing::debug!(tokens = n, ?priority, "stopped for a first piece");
                        let due = job.req.due.clone();
                        rx.requeue(
                            Job {
                                stopped: true,
                                ..job
                            },
                            priority,
                            n,
                            due,
                        );
                        continue;
                    }
                    info.mark_progress();
                    info.queued.fetch_sub(1, Ordering::Relaxed);
                    info.completed.fetch_add(1, Ordering::Relaxed);
                    let _ = job.reply.send(r);
                }
            })
            .map_err(EngineError::Thread)?;
        let (info, preempt) = ready_rx.recv().map_err(|_| EngineError::Stopped)??;
        Ok(Engine {
            queue: Arc::new(Closer(queue)),
            info,
            preempt,
        })
    }

    /// Facts about the engine.
    pub fn info(&self) -> &EngineInfo {
        &self.info
    }

    /// A health reader for the watchdog; it does not keep the engine running.
    pub fn probe(&self) -> HealthProbe {
        HealthProbe(self.info.clone())
    }

    fn check(req: &InferRequest) -> Result<(), EngineError> {
        if req.tokens.is_empty() || req.tokens.len() > MAX_TOKENS {
            return Err(EngineError::BadInput(format!(
                "{} tokens; one inference takes 1 to {MAX_TOKENS}",
                req.tokens.len()
            )));
        }
        Ok(())
    }

    fn submit(
        &self,
        req: InferRequest,
    ) -> Result<oneshot::Receiver<Result<Vec<f32>, EngineError>>, EngineError> {
        Self::check(&req)?;
        let (reply, rx) = oneshot::channel();
        let (priority, cost, due) = (req.priority, req.tokens.len(), req.due.clone());
        if self.info.queued.fetch_add(1, Ordering::Relaxed) == 0 {
            // An idle engine gets work: the stall clock starts now, not at its last job.
            self.info.mark_progress();
        }
        self.queue
            .0
            .push(
                Job {
                    req,
                    reply,
                    stopped: false,
                },
                priority,
                cost,
                due,
            )
            .map_err(|e| {
                self.info.queued.fetch_sub(1, Ordering::Relaxed);
                match e {
                    PushError::Full => EngineError::Busy(self.queue.0.len()),
                    PushError::Closed => EngineError::Stopped,
                }
            })?;
        if priority == Priority::First {
            self.preempt.first_arrived(cost);
        }
        Ok(rx)
    }

    /// Queues an inference and waits for its audio. Dropping the future before the
    /// job starts cancels it (the worker skips jobs nobody waits for).
    pub async fn infer(&self, req: InferRequest) -> Result<Vec<f32>, EngineError> {
        self.queue(req)?.await
    }

    /// Queues an inference now and returns its audio as a future: jobs queued one after
    /// another at one priority run in that order. Dropping the future cancels the job if
    /// it has not started.
    pub fn queue(&self, req: InferRequest) -> Result<Pending, EngineError> {
        self.submit(req).map(Pending)
    }

    /// [`Engine::infer`] for code outside an async runtime.
    pub fn infer_blocking(&self, req: InferRequest) -> Result<Vec<f32>, EngineError> {
        self.submit(req)?
            .blocking_recv()
            .map_err(|_| EngineError::Stopped)?
    }
}

/// The audio of a queued inference (see [`Engine::queue`]).
pub struct Pending(oneshot::Receiver<Result<Vec<f32>, EngineError>>);

impl std::future::Future for Pending {
    type Output = Result<Vec<f32>, EngineError>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.map_err(|_| EngineError::Stopped)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Notes each run in a shared log.
    struct Noted(Arc<Mutex<Vec<&'static str>>>);

    impl Backend for Noted {
        fn run(&mut self, _: &[i64], _: &[f32], _: f32) -> Result<Vec<f32>, EngineError> {
            self.0.lock().unwrap().push("job");
            Ok(vec![0.0; 24])
        }
    }

    #[test]
    fn the_engine_is_ready_before_its_warm_up_and_a_job_waits_for_it() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let (noted, warmed) = (log.clone(), log.clone());
        let (release, held) = std::sync::mpsc::channel::<()>();
        let engine = Engine::spawn(
            vec![0],
            4,
            move || Ok(Noted(noted)),
            move |_: &mut Noted| {
                held.recv().ok();
                warmed.lock().unwrap().push("warm-up");
                Ok(())
            },
        )
        .unwrap();
        // Started while the warm-up is held back.
        assert!(engine.info().warm_up_time.get().is_none());
        let job = engine
            .submit(InferRequest {
                tokens: vec![1; 4],
                style: voices::VoiceStyle::from_vec(vec![
                    0.0;
                    voices::STYLE_ROWS * voices::STYLE_DIM
                ]),
                speed: 1.0,
                priority: Priority::First,
                due: None,
            })
            .unwrap();
        release.send(()).unwrap();
        job.blocking_recv().unwrap().unwrap();
        assert_eq!(*log.lock().unwrap(), ["warm-up", "job"]);
        assert!(engine.info().warm_up_time.get().is_some());
    }
}
