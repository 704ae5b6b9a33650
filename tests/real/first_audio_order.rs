//! The first piece of an answer reaches the client before the engine computes the
//! second: through the real pipeline (normalizer, splitter, G2P, piece scheduling),
//! the response cache (on and off) and the real Wyoming and HTTP servers. The engine
//! runs a stand-in backend that, for every inference after a request's first, waits
//! until the client has audio in hand; if the pipeline queued a later piece ahead of
//! the first, that wait can never be met and the stand-in records the violation.
//! The `real_model_` tests run the real model and check the order of its inferences:
//! the first piece's audio leaves before the second is done, a first piece stops a
//! running later piece (or a much longer first piece), questions asked together all
//! start before an answer goes on, and later pieces go to the listener who runs out of
//! audio first. A streamed text's later sentences continue its answer: they do not go
//! ahead of a new answer, and they are due when the audio before them runs out.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use kokorod::engine::{Backend, Engine, EngineError, Voices};
use kokorod::http::HttpConfig;
use kokorod::server::ServerConfig;
use kokorod::speech::{CachedSpeech, KokoroConfig, KokoroSpeech, Speech};
use kokorod::wyoming::{Event, SynthesizeChunk, SynthesizeStart};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::model;
use crate::support::wyoming::{synthesize, Conn, TestServer};
use crate::support::{tone, GUARD};

/// How long the stand-in waits for the client before it calls the order broken.
/// Never reached when the order is right: the wait ends the moment audio arrives.
const ORDER_GUARD: Duration = Duration::from_secs(10);

/// What the client has seen of the current request.
#[derive(Default)]
struct Seen {
    /// The client holds audio of this request.
    audio: bool,
    /// Inferences run for this request.
    runs: usize,
    /// Inferences after the first that ran without the client holding audio.
    violations: Vec<String>,
}

#[derive(Default)]
struct Gate {
    seen: Mutex<Seen>,
    changed: Condvar,
}

impl Gate {
    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new request begins.
    fn reset(&self) {
        *self.lock() = Seen::default();
    }

    /// The client got audio.
    fn audio_arrived(&self) {
        self.lock().audio = true;
        self.changed.notify_all();
    }

    fn violations(&self) -> Vec<String> {
        self.lock().violations.clone()
    }

    fn runs(&self) -> usize {
        self.lock().runs
    }
}

/// Speech-like samples (loud enough to survive the silence trim), 600 per token.
struct Ordered(Arc<Gate>);

impl Backend for Ordered {
    fn run(
        &mut self,
        tokens: &[i64],
        _style: &[f32],
        _speed: f32,
    ) -> Result<Vec<f32>, EngineError> {
        let gate = &self.0;
        let mut seen = gate.lock();
        seen.runs += 1;
        if seen.runs > 1 {
            let deadline = Instant::now() + ORDER_GUARD;
            while !seen.audio {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    let n = seen.runs;
                    seen.violations.push(format!("inference {n} ({} tokens) was needed before the client could get any audio", tokens.len()));
                    break;
                }
                seen = gate
                    .changed
                    .wait_timeout(seen, left)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
        drop(seen);
        Ok(tone(tokens.len()))
    }
}

/// The real pipeline over the stand-in engine, with a zero voice named af_heart.
fn pipeline(gate: Arc<Gate>) -> (Arc<KokoroSpeech>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("af_heart.bin"), vec![0u8; 510 * 256 * 4]).unwrap();
    let voices = Arc::new(Voices::load(dir.path()).unwrap());
    let engine = Engine::start_with(vec![0], 32, move || Ok(Ordered(gate))).unwrap();
    (
        Arc::new(KokoroSpeech::new(engine, voices, KokoroConfig::default()).unwrap()),
        dir,
    )
}

/// Sentences whose first piece is a clause and whose rest is another piece; distinct
/// so that no answer comes from the cache.
fn texts(tag: &str) -> Vec<String> {
    (1..=6)
        .map(|n| {
            format!("The weather today number {n} {tag} is sunny and warm with a light breeze.")
        })
        .collect()
}

fn with_cache(speech: Arc<KokoroSpeech>, cache: bool) -> Arc<dyn Speech> {
    Arc::new(CachedSpeech::new(speech, if cache { 32 << 20 } else { 0 }))
}

/// Reads one Wyoming answer; tells the gate at the first chunk of audio.
async fn read_answer(conn: &mut Conn, gate: &Gate) -> usize {
    let mut samples = 0;
    loop {
        match conn.next().await {
            Event::AudioStart(_) => {}
            Event::AudioChunk(chunk) => {
                gate.audio_arrived();
                samples += chunk.audio.len() / 2;
            }
            Event::AudioStop(_) => return samples,
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn check(gate: &Gate, what: &str) {
    let v = gate.violations();
    assert!(v.is_empty(), "{what}: {v:?}");
    assert!(
        gate.runs() >= 2,
        "{what}: {} inferences; the text should make two pieces",
        gate.runs()
    );
}

async fn wyoming_plain(cache: bool) {
    let gate = Arc::new(Gate::default());
    let (speech, _dir) = pipeline(gate.clone());
    let server = TestServer::start_with(with_cache(speech, cache), ServerConfig::default()).await;
    let mut conn = Conn::open(&server.tcp).await;
    for text in texts(if cache { "cached" } else { "uncached" }) {
        gate.reset();
        conn.send(synthesize(&text, None)).await;
        assert!(read_answer(&mut conn, &gate).await > 0);
        check(&gate, &format!("synthesize {text:?}, cache {cache}"));
    }
    server.stop().await;
}

async fn wyoming_streamed(cache: bool) {
    let gate = Arc::new(Gate::default());
    let (speech, _dir) = pipeline(gate.clone());
    let server = TestServer::start_with(with_cache(speech, cache), ServerConfig::default()).await;
    let mut conn = Conn::open(&server.unix).await;
    for text in texts(if cache {
        "streamed and cached"
    } else {
        "streamed"
    }) {
        gate.reset();
        conn.send(Event::SynthesizeStart(SynthesizeStart::default()))
            .await;
        let (a, b) = text.split_at(text.len() / 2);
        for part in [a, b] {
            conn.send(Event::SynthesizeChunk(SynthesizeChunk {
                text: part.into(),
            }))
            .await;
        }
        conn.send(Event::SynthesizeStop).await;
        assert!(read_answer(&mut conn, &gate).await > 0);
        assert!(matches!(conn.next().await, Event::SynthesizeStopped));
        check(&gate, &format!("streamed {text:?}, cache {cache}"));
    }
    server.stop().await;
}

/// A streamed HTTP answer, read off the socket: the gate opens at the first audio byte.
async fn http_streamed(cache: bool) {
    let gate = Arc::new(Gate::default());
    let (speech, _dir) = pipeline(gate.clone());
    let server =
        crate::support::http::TestHttp::start(with_cache(speech, cache), HttpConfig::default())
            .await;
    for text in texts(if cache {
        "over HTTP and cached"
    } else {
        "over HTTP"
    }) {
        gate.reset();
        let body = serde_json::json!({"model": "kokoro", "input": text, "voice": "af_heart", "response_format": "pcm"}).to_string();
        let mut s = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
        let head = format!("POST /v1/audio/speech HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", server.addr, body.len());
        s.write_all(head.as_bytes()).await.unwrap();
        s.write_all(body.as_bytes()).await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            let n = tokio::time::timeout(GUARD, s.read(&mut buf))
                .await
                .expect("HTTP answer stalled")
                .unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            if !gate.lock().audio && audio_bytes(&got) > 0 {
                gate.audio_arrived();
            }
        }
        assert!(
            got.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&got[..got.len().min(200)])
        );
        check(&gate, &format!("HTTP {text:?}, cache {cache}"));
    }
    server.stop().await;
}

/// Bytes of audio in a chunked HTTP answer read so far.
fn audio_bytes(raw: &[u8]) -> usize {
    let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return 0;
    };
    let mut body = &raw[at + 4..];
    let mut total = 0;
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let Ok(size) =
            usize::from_str_radix(std::str::from_utf8(&body[..eol]).unwrap_or("").trim(), 16)
        else {
            break;
        };
        let have = body.len() - eol - 2;
        total += size.min(have);
        if size == 0 || have < size + 2 {
            break;
        }
        body = &body[eol + 2 + size + 2..];
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wyoming_synthesize_first_piece_first_cache_off() {
    wyoming_plain(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wyoming_synthesize_first_piece_first_cache_on() {
    wyoming_plain(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wyoming_streamed_text_first_piece_first_cache_off() {
    wyoming_streamed(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wyoming_streamed_text_first_piece_first_cache_on() {
    wyoming_streamed(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_stream_first_piece_first_cache_off() {
    http_streamed(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_stream_first_piece_first_cache_on() {
    http_streamed(true).await;
}

/// The real model in a recording backend: which inference ran when.
struct Recorded {
    model: kokorod::engine::Model,
    log: Arc<Mutex<Vec<(usize, Instant)>>>,
}

impl Backend for Recorded {
    fn run(&mut self, tokens: &[i64], style: &[f32], speed: f32) -> Result<Vec<f32>, EngineError> {
        let out = self.model.run(tokens, style, speed);
        self.log
            .lock()
            .unwrap()
            .push((tokens.len(), Instant::now()));
        out
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_model_first_inference_is_the_first_piece_and_its_audio_leaves_before_the_second_is_done(
) {
    let paths = model::assets();
    let cpus = kokorod::engine::affinity::plan(None, None);
    let log = Arc::new(Mutex::new(Vec::new()));
    let recorded = log.clone();
    let engine = Engine::start_with(cpus.clone(), 32, move || {
        let model = kokorod::engine::Model::load(&paths.model, &paths.runtime, &cpus)?;
        Ok(Recorded {
            model,
            log: recorded,
        })
    })
    .unwrap();
    let speech =
        Arc::new(KokoroSpeech::new(engine, model::voices(), KokoroConfig::default()).unwrap());
    let lexicon = kokorod::text::Lexicon::default();
    let server = TestServer::start_with(
        Arc::new(CachedSpeech::new(speech, 32 << 20)),
        ServerConfig::default(),
    )
    .await;
    let mut conn = Conn::open(&server.tcp).await;
    for text in texts("for real") {
        let plan = kokorod::speech::kokoro::explain(
            &text,
            kokorod::speech::TextFormat::Text,
            kokorod::text::Lang::EnUs,
            &lexicon,
        )
        .unwrap();
        assert!(
            plan.pieces.len() >= 2,
            "{text:?} makes {} pieces",
            plan.pieces.len()
        );
        log.lock().unwrap().clear();
        conn.send(synthesize(&text, None)).await;
        let mut first_chunk = None;
        loop {
            match conn.next().await {
                Event::AudioStart(_) => {}
                Event::AudioChunk(_) => {
                    first_chunk.get_or_insert_with(Instant::now);
                }
                Event::AudioStop(_) => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        let runs = log.lock().unwrap().clone();
        assert_eq!(
            runs.len(),
            plan.pieces.len(),
            "{text:?}: one inference per piece"
        );
        assert_eq!(
            runs[0].0, plan.pieces[0].tokens,
            "{text:?}: the first inference was not the first piece ({:?})",
            plan.pieces
        );
        assert!(
            first_chunk.unwrap() < runs[1].1,
            "{text:?}: the first audio left only after the second piece was computed"
        );
    }
    server.stop().await;
}

/// The real model, stoppable as the daemon's is, in a backend that counts the runs
/// it began and logs each run's token count, whether it went to the end, and when it
/// returned.
struct Logged {
    model: kokorod::engine::Model,
    began: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<(usize, bool, Instant)>>>,
}

impl Backend for Logged {
    fn run(&mut self, tokens: &[i64], style: &[f32], speed: f32) -> Result<Vec<f32>, EngineError> {
        self.began.fetch_add(1, Ordering::SeqCst);
        let out = self.model.run(tokens, style, speed);
        self.log
            .lock()
            .unwrap()
            .push((tokens.len(), out.is_ok(), Instant::now()));
        out
    }

    fn stopper(&self) -> Option<Arc<dyn kokorod::engine::Stop>> {
        Backend::stopper(&self.model)
    }
}

/// The real model behind a [`Logged`] backend, the real pipeline and a Wyoming server:
/// the engine, the server, the run log and the count of runs begun.
struct LoggedServer {
    engine: Engine,
    server: TestServer,
    log: Arc<Mutex<Vec<(usize, bool, Instant)>>>,
    began: Arc<AtomicUsize>,
}

async fn logged_server() -> LoggedServer {
    let paths = model::assets();
    let cpus = kokorod::engine::affinity::plan(None, None);
    let log = Arc::new(Mutex::new(Vec::new()));
    let began = Arc::new(AtomicUsize::new(0));
    let (logged, counted) = (log.clone(), began.clone());
    let engine = Engine::start_with(cpus.clone(), 32, move || {
        let model = kokorod::engine::Model::load(&paths.model, &paths.runtime, &cpus)?;
        Ok(Logged {
            model,
            began: counted,
            log: logged,
        })
    })
    .unwrap();
    let speech = Arc::new(
        KokoroSpeech::new(engine.clone(), model::voices(), KokoroConfig::default()).unwrap(),
    );
    let server = TestServer::start_with(speech, ServerConfig::default()).await;
    LoggedServer {
        engine,
        server,
        log,
        began,
    }
}

/// Reads one answer to its end: its samples, and when its first chunk came.
async fn answer(conn: &mut Conn) -> (usize, Instant) {
    let mut first = None;
    let mut bytes = 0;
    loop {
        match conn.next().await {
            Event::AudioStart(_) => {}
            Event::AudioChunk(c) => {
                first.get_or_insert_with(Instant::now);
                bytes += c.audio.len();
            }
            Event::AudioStop(_) => return (bytes / 2, first.expect("audio")),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_model_a_new_answer_stops_another_answers_running_later_piece() {
    let LoggedServer {
        engine,
        server,
        log,
        ..
    } = logged_server().await;
    let (mut a, mut b) = (Conn::open(&server.tcp).await, Conn::open(&server.tcp).await);
    let long = "Okay. Seven bright yellow birds sat quietly on the old wooden fence beside \
                the tall green hedge behind the small red barn at the far end of the long \
                narrow field today.";
    a.send(synthesize(long, None)).await;
    match a.next().await {
        Event::AudioStart(_) => {}
        other => panic!("unexpected {other:?}"),
    }
    // A's first piece is out, so its long second piece is what the engine runs now.
    let Event::AudioChunk(first) = a.next().await else {
        panic!("no audio")
    };
    b.send(synthesize("Lights on.", None)).await;
    let (_, b_first) = answer(&mut b).await;
    let (rest, _) = answer(&mut a).await;
    let a_samples = first.audio.len() / 2 + rest;

    let runs = log.lock().unwrap().clone();
    let stopped = runs
        .iter()
        .position(|r| !r.1)
        .unwrap_or_else(|| panic!("no run was stopped: {runs:?}"));
    let again = runs[stopped + 1..]
        .iter()
        .find(|r| r.0 == runs[stopped].0)
        .unwrap_or_else(|| panic!("the stopped piece never ran again: {runs:?}"));
    assert!(again.1, "{runs:?}");
    assert!(
        b_first < again.2,
        "the new answer's audio came only after the long piece was done: {runs:?}"
    );
    assert_eq!(engine.info().preempted.load(Ordering::Relaxed), 1);

    // Nothing was lost or doubled: the same answer alone has the same length.
    a.send(synthesize(long, None)).await;
    let (alone, _) = answer(&mut a).await;
    let diff = (a_samples as f64 - alone as f64).abs() / alone as f64;
    assert!(diff < 0.02, "{a_samples} samples against {alone} alone");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_model_a_short_question_stops_a_running_long_first_piece() {
    let LoggedServer {
        engine,
        server,
        log,
        began,
    } = logged_server().await;
    let (mut a, mut b) = (Conn::open(&server.tcp).await, Conn::open(&server.tcp).await);
    // One sentence with nowhere to cut: its first piece is one long inference.
    let long = format!("{}.", "Bright cats jump high ".repeat(5).trim_end());
    a.send(synthesize(&long, None)).await;
    let deadline = Instant::now() + GUARD;
    while began.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the long answer never started");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    b.send(synthesize("Lights on.", None)).await;
    let (_, b_first) = answer(&mut b).await;
    let (a_samples, a_first) = answer(&mut a).await;

    let runs = log.lock().unwrap().clone();
    let [(long_n, false, _), (short_n, true, _), (again_n, true, again), ..] = runs[..] else {
        panic!("the long first piece was not stopped for the short one: {runs:?}")
    };
    assert!(short_n * 4 <= long_n && again_n == long_n, "{runs:?}");
    assert!(b_first < a_first && b_first < again, "{runs:?}");
    assert_eq!(engine.info().preempted.load(Ordering::Relaxed), 1);

    // Nothing was lost or doubled: the same answer alone has the same length.
    a.send(synthesize(&long, None)).await;
    let (alone, _) = answer(&mut a).await;
    let diff = (a_samples as f64 - alone as f64).abs() / alone as f64;
    assert!(diff < 0.02, "{a_samples} samples against {alone} alone");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_model_questions_asked_together_all_start_before_an_answer_goes_on() {
    let LoggedServer { server, log, .. } = logged_server().await;
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(Conn::open(&server.tcp).await);
    }
    // A two-piece answer and two short ones, asked together.
    let texts = [
        "Okay. Seven bright yellow birds sat quietly on the old wooden fence today.",
        "Lights on.",
        "Door locked.",
    ];
    for (c, t) in conns.iter_mut().zip(texts) {
        c.send(synthesize(t, None)).await;
    }
    for c in &mut conns {
        assert!(answer(c).await.0 > 0);
    }
    let runs = log.lock().unwrap().clone();
    assert_eq!(runs.len(), 4, "{runs:?}");
    let second = runs.iter().map(|r| r.0).max().unwrap();
    // The answer's second piece is its longest run; it runs after all three first pieces.
    assert_eq!(
        runs[3].0, second,
        "a short answer waited for another's later piece: {runs:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_model_the_later_piece_whose_listener_runs_out_first_goes_first() {
    let LoggedServer {
        engine,
        server,
        log,
        began,
    } = logged_server().await;
    let (mut a, mut b) = (Conn::open(&server.tcp).await, Conn::open(&server.tcp).await);
    // A: a first piece of ~10 s of audio (nowhere to cut), then a long second one.
    // B: a first piece of a few seconds (too long to stop A's), then a short one.
    let a_text = format!(
        "{}. Then they all rest for a long while.",
        "Bright cats jump high ".repeat(7).trim_end()
    );
    let b_text = "Seven bright yellow birds sat quietly today. Yes.";
    a.send(synthesize(&a_text, None)).await;
    let deadline = Instant::now() + GUARD;
    while began.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the first answer never started");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // A's second piece is queued while its first runs; B's pieces queue after it.
    b.send(synthesize(b_text, None)).await;
    assert!(answer(&mut a).await.0 > 0);
    assert!(answer(&mut b).await.0 > 0);

    let runs = log.lock().unwrap().clone();
    assert_eq!(runs.len(), 4, "{runs:?}");
    assert!(runs.iter().all(|r| r.1), "a run was stopped: {runs:?}");
    assert_eq!(engine.info().preempted.load(Ordering::Relaxed), 0);
    let [a1, b1, first_later, second_later] = [0, 1, 2, 3].map(|i| runs[i].0);
    // The premise: A's first piece is the longest run, B's first a few times shorter.
    assert!(
        a1 > b1 * 2 && b1 > first_later.min(second_later),
        "{runs:?}"
    );
    // When B's first piece is done B's listener has seconds of audio, A's still
    // most of its ten: B's short second piece goes before A's, queued earlier.
    assert!(
        first_later < second_later,
        "A's later piece went first though B's listener ran out sooner: {runs:?}"
    );
    server.stop().await;
}

/// A stand-in whose `n`th run waits until `n` runs are let through; records each
/// run's token count.
struct Turns {
    let_through: Arc<(Mutex<usize>, Condvar)>,
    log: Arc<Mutex<Vec<usize>>>,
}

impl Backend for Turns {
    fn run(
        &mut self,
        tokens: &[i64],
        _style: &[f32],
        _speed: f32,
    ) -> Result<Vec<f32>, EngineError> {
        let n = {
            let mut log = self.log.lock().unwrap();
            log.push(tokens.len());
            log.len()
        };
        let (allowed, changed) = &*self.let_through;
        let _allowed = changed
            .wait_timeout_while(allowed.lock().unwrap(), GUARD, |a| *a < n)
            .unwrap();
        Ok(tone(tokens.len()))
    }
}

fn tokens_of(text: &str) -> usize {
    let ex = kokorod::speech::kokoro::explain(
        text,
        kokorod::speech::TextFormat::Text,
        kokorod::text::Lang::EnUs,
        &kokorod::text::Lexicon::default(),
    )
    .unwrap();
    assert_eq!(ex.pieces.len(), 1, "{text} is not one piece");
    ex.pieces[0].tokens
}

/// The real pipeline, response cache and Wyoming server over a [`Turns`] engine.
struct HeldServer {
    engine: Engine,
    server: TestServer,
    let_through: Arc<(Mutex<usize>, Condvar)>,
    log: Arc<Mutex<Vec<usize>>>,
    _voices: tempfile::TempDir,
}

impl HeldServer {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("af_heart.bin"), vec![0u8; 510 * 256 * 4]).unwrap();
        let voices = Arc::new(Voices::load(dir.path()).unwrap());
        let let_through = Arc::new((Mutex::new(0), Condvar::new()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (lt, lg) = (let_through.clone(), log.clone());
        let engine = Engine::start_with(vec![0], 32, move || {
            Ok(Turns {
                let_through: lt,
                log: lg,
            })
        })
        .unwrap();
        let speech =
            Arc::new(KokoroSpeech::new(engine.clone(), voices, KokoroConfig::default()).unwrap());
        let server =
            TestServer::start_with(with_cache(speech, true), ServerConfig::default()).await;
        HeldServer {
            engine,
            server,
            let_through,
            log,
            _voices: dir,
        }
    }

    /// Lets the first `n` runs go to their end.
    fn let_go(&self, n: usize) {
        *self.let_through.0.lock().unwrap() = n;
        self.let_through.1.notify_all();
    }

    /// Waits until `runs` runs have begun and `queued` jobs are in the engine (the
    /// running one counts).
    fn until(&self, what: &str, runs: usize, queued: usize) {
        let queued_now = || self.engine.info().queued.load(Ordering::SeqCst);
        let deadline = Instant::now() + GUARD;
        while self.log.lock().unwrap().len() != runs || queued_now() != queued {
            assert!(
                Instant::now() < deadline,
                "{what}: runs {:?}, {} queued",
                self.log.lock().unwrap(),
                queued_now()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The token counts of the runs so far.
    fn runs(&self) -> Vec<usize> {
        self.log.lock().unwrap().clone()
    }

    /// Opens a connection and streams `text` to it in one chunk.
    async fn stream(&self, text: &str) -> Conn {
        let mut conn = Conn::open(&self.server.tcp).await;
        conn.send(Event::SynthesizeStart(SynthesizeStart::default()))
            .await;
        conn.send(Event::SynthesizeChunk(SynthesizeChunk {
            text: text.into(),
        }))
        .await;
        conn.send(Event::SynthesizeStop).await;
        conn
    }

    /// Opens a connection and asks it to speak `text`.
    async fn synthesize(&self, text: &str) -> Conn {
        let mut conn = Conn::open(&self.server.tcp).await;
        conn.send(synthesize(text, None)).await;
        conn
    }
}

/// Reads a streamed text's answers, one per sentence, and the end of the stream.
async fn streamed_answers(conn: &mut Conn, sentences: usize) {
    for _ in 0..sentences {
        assert!(answer(conn).await.0 > 0);
    }
    assert!(matches!(conn.next().await, Event::SynthesizeStopped));
}

/// Order, not time: the engine is held run by run while the queue fills.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_texts_later_sentence_does_not_go_ahead_of_a_new_answer() {
    let (s1, s2, other, new) = (
        "Door locked.",
        "Lights on.",
        "Okay then, goodbye.",
        "The lights in the kitchen are on now.",
    );
    // The premise: the new answer costs more than the later sentence, so among first
    // pieces (cheapest first) the later sentence would win.
    assert!(tokens_of(new) > tokens_of(s2));
    assert_ne!(tokens_of(other), tokens_of(s2));
    let held = HeldServer::start().await;

    // A streamed answer: its first sentence runs (held).
    let mut streamed = held.stream(&format!("{s1} {s2}")).await;
    held.until("the first sentence runs", 1, 1);
    // Another answer waits behind it; then the first sentence is let through, the other
    // answer runs (held) and the streamed text's second sentence queues.
    let mut other_conn = held.synthesize(other).await;
    held.until("the other answer queues", 1, 2);
    held.let_go(1);
    held.until("the second sentence queues", 2, 2);
    // A new answer arrives while the second sentence waits.
    let mut new_conn = held.synthesize(new).await;
    held.until("the new answer queues", 2, 3);
    held.let_go(usize::MAX);

    for c in [&mut other_conn, &mut new_conn] {
        assert!(answer(c).await.0 > 0);
    }
    streamed_answers(&mut streamed, 2).await;
    let runs = held.runs();
    assert_eq!(
        runs[..2],
        [tokens_of(s1), tokens_of(other)],
        "the premise: the streamed text's first sentence, then the other answer"
    );
    assert_eq!(
        runs[2..],
        [tokens_of(new), tokens_of(s2)],
        "the streamed text's second sentence went ahead of a new answer's first audio"
    );
    held.server.stop().await;
}

/// Order, not time: the engine is held run by run; the listeners' audio (seconds of it)
/// is far longer than the test's steps (milliseconds).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_texts_later_sentence_is_due_when_the_audio_before_it_runs_out() {
    // B, plain: a first piece of about a second, then two short ones.
    let (b1, b2, b3) = (
        "Seven bright yellow birds sat quietly today.",
        "Yes indeed.",
        "The door is locked now.",
    );
    // A, streamed: a first sentence of seconds (nowhere to cut), then a short one.
    let (s1, s2) = (
        "Seventeen enormous purple elephants quietly marched home yesterday evening \
         singing cheerful songs loudly together.",
        "Lights on.",
    );
    let counts = [b1, b2, b3, s1, s2].map(tokens_of);
    let mut distinct = counts.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        5,
        "tell the runs apart by their tokens: {counts:?}"
    );
    assert!(
        counts[3] > 2 * counts[0],
        "A's first sentence sounds longest: {counts:?}"
    );
    let held = HeldServer::start().await;

    // B's first piece runs (held), its second waits; A's first sentence waits too.
    let mut b = held.synthesize(&format!("{b1} {b2} {b3}")).await;
    held.until("B's first piece runs", 1, 2);
    let mut a = held.stream(&format!("{s1} {s2}")).await;
    held.until("A's first sentence queues", 1, 3);
    // B's listener now has about a second of audio; A's first sentence runs.
    held.let_go(1);
    held.until("A's first sentence runs", 2, 3);
    // A's listener has seconds of audio; B's second piece runs and A's second sentence
    // queues beside B's third piece.
    held.let_go(2);
    held.until("A's second sentence queues", 3, 3);
    held.let_go(usize::MAX);

    assert!(answer(&mut b).await.0 > 0);
    streamed_answers(&mut a, 2).await;
    let runs = held.runs();
    let [b1, b2, b3, s1, s2] = counts;
    assert_eq!(runs[..3], [b1, s1, b2], "the premise");
    assert_eq!(
        runs[3..],
        [b3, s2],
        "A's second sentence went first though B's listener runs out sooner"
    );
    held.server.stop().await;
}
