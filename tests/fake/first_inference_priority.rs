//! Only a request's first inference goes ahead of other requests' work. A request
//! whose first piece needs several inferences (one long sentence with nowhere to cut) must not make a
//! later client's short answer wait for all of them. The real pipeline (normalizer,
//! splitter, G2P) over a stand-in engine that records the order of its inferences.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use kokorod::engine::{Backend, Engine, EngineError, Stop, Voices};
use kokorod::speech::{KokoroConfig, KokoroSpeech, SpeakRequest, Speech};

use crate::support::{tone, GUARD};

/// Holds its first inference until released; records each inference's token count.
struct Held {
    release: mpsc::Receiver<()>,
    started: mpsc::Sender<()>,
    order: Arc<Mutex<Vec<usize>>>,
}

impl Backend for Held {
    fn run(
        &mut self,
        tokens: &[i64],
        _style: &[f32],
        _speed: f32,
    ) -> Result<Vec<f32>, EngineError> {
        let first = {
            let mut order = self.order.lock().unwrap();
            order.push(tokens.len());
            order.len() == 1
        };
        if first {
            let _ = self.started.send(());
            let _ = self.release.recv_timeout(GUARD);
        }
        Ok(tone(tokens.len()))
    }
}

/// One all-zero voice named af_heart (the stand-in engine ignores it).
fn zero_voice() -> (Arc<Voices>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("af_heart.bin"), vec![0u8; 510 * 256 * 4]).unwrap();
    (Arc::new(Voices::load(dir.path()).unwrap()), dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_clients_first_inference_goes_before_a_long_first_pieces_second() {
    let (voices, _dir) = zero_voice();
    let order = Arc::new(Mutex::new(Vec::new()));
    let (release, held) = mpsc::channel();
    let (started_tx, started) = mpsc::channel();
    let backend = Held {
        release: held,
        started: started_tx,
        order: order.clone(),
    };
    let engine = Engine::start_with(vec![0], 32, move || Ok(backend)).unwrap();
    let speech =
        Arc::new(KokoroSpeech::new(engine.clone(), voices, KokoroConfig::default()).unwrap());

    // A sentence with nowhere to cut a first clause: one piece of ~400 bytes, more
    // than one inference.
    let long_sentence = "Bright cats jump high ".repeat(18).trim_end().to_string() + ".";
    let speak = |text: String| {
        let speech = speech.clone();
        tokio::spawn(async move {
            let mut pieces =
                tokio::task::spawn_blocking(move || speech.speak(SpeakRequest::text(text)))
                    .await
                    .unwrap()
                    .unwrap();
            let mut samples = 0;
            while let Some(piece) = pieces.next().await {
                samples += piece.unwrap().len();
            }
            samples
        })
    };
    let long = speak(long_sentence);
    tokio::task::spawn_blocking(move || started.recv_timeout(GUARD))
        .await
        .unwrap()
        .expect("the long request's first inference started");
    let queued = || engine.info().queued.load(Ordering::Relaxed);
    let rest_of_long = queued();
    let short = speak("Lights on.".into());
    // Wait until the short request's inference is queued behind the long one's rest.
    let deadline = tokio::time::Instant::now() + GUARD;
    while queued() <= rest_of_long {
        assert!(tokio::time::Instant::now() < deadline, "nothing queued");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    release.send(()).unwrap();
    assert!(short.await.unwrap() > 0);
    assert!(long.await.unwrap() > 0);

    let order = order.lock().unwrap().clone();
    assert!(
        order.len() >= 3,
        "the long sentence should take at least two inferences: {order:?}"
    );
    let short_tokens = *order.iter().min().unwrap();
    assert!(short_tokens < 30, "{order:?}");
    assert_eq!(
        order[1], short_tokens,
        "the short request's first inference runs right after the long request's first: {order:?}"
    );
}

/// Takes 2 ms per token and logs (tokens, start) of each inference.
struct Paced(Arc<Mutex<Vec<(usize, Instant)>>>);

impl Backend for Paced {
    fn run(
        &mut self,
        tokens: &[i64],
        _style: &[f32],
        _speed: f32,
    ) -> Result<Vec<f32>, EngineError> {
        self.0.lock().unwrap().push((tokens.len(), Instant::now()));
        std::thread::sleep(Duration::from_millis(2 * tokens.len() as u64));
        Ok(tone(tokens.len()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_two_hostile_texts_a_short_answer_waits_for_the_running_inference_only() {
    let (voices, _dir) = zero_voice();
    let log = Arc::new(Mutex::new(Vec::new()));
    let backend = Paced(log.clone());
    let engine = Engine::start_with(vec![0], 32, move || Ok(backend)).unwrap();
    let speech = Arc::new(KokoroSpeech::new(engine, voices, KokoroConfig::default()).unwrap());
    let speak = |text: String| {
        let speech = speech.clone();
        tokio::spawn(async move {
            let mut pieces =
                tokio::task::spawn_blocking(move || speech.speak(SpeakRequest::text(text)))
                    .await
                    .unwrap()
                    .unwrap();
            let first = pieces.next().await.unwrap().unwrap();
            // Keep reading (a hostile client does), so its pieces keep coming.
            while let Some(piece) = pieces.next().await {
                piece.unwrap();
            }
            first.len()
        })
    };
    // Each piece of these is two inferences (~200 and ~100 tokens).
    let hostile: Vec<_> = (0..2).map(|_| speak("a".repeat(100_000))).collect();
    // Both hostile requests are in the engine.
    let deadline = Instant::now() + GUARD;
    while log.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no inference started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let asked = Instant::now();
    let short = speak("Lights on.".into());
    // Wait for the short answer's inference to have run.
    let deadline = Instant::now() + GUARD;
    let started_after = loop {
        let log = log.lock().unwrap().clone();
        if let Some(at) = log.iter().position(|&(n, t)| n < 30 && t > asked) {
            break log[..at].iter().filter(|&&(_, t)| t > asked).count();
        }
        assert!(
            Instant::now() < deadline,
            "the short answer never ran: {log:?}"
        );
        drop(log);
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    for h in hostile {
        h.abort();
    }
    short.abort();
    // The inference running when it asked may finish; then the short one is next.
    assert!(
        started_after <= 1,
        "{started_after} hostile inferences started before the short answer's"
    );
}

/// Stands for ONNX Runtime's terminate flag.
#[derive(Default)]
struct Flag(AtomicBool);

impl Stop for Flag {
    fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    fn clear(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Takes 10 ms per token, checking the stop flag every millisecond as ONNX Runtime
/// does between operators; logs (tokens, how the run ended).
struct Stoppable {
    flag: Arc<Flag>,
    log: RunLog,
}

impl Backend for Stoppable {
    fn run(
        &mut self,
        tokens: &[i64],
        _style: &[f32],
        _speed: f32,
    ) -> Result<Vec<f32>, EngineError> {
        let n = tokens.len();
        self.log.lock().unwrap().push((n, "start"));
        let until = Instant::now() + Duration::from_millis(10 * n as u64);
        while Instant::now() < until {
            if self.flag.0.load(Ordering::SeqCst) {
                self.log.lock().unwrap().push((n, "stopped"));
                return Err(EngineError::BadInput("stopped".into()));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        self.log.lock().unwrap().push((n, "done"));
        Ok(tone(n))
    }

    fn stopper(&self) -> Option<Arc<dyn Stop>> {
        Some(self.flag.clone())
    }
}

type RunLog = Arc<Mutex<Vec<(usize, &'static str)>>>;

/// The real pipeline over a [`Stoppable`] backend: the engine, the speech, the run log.
fn stoppable_speech() -> (Engine, Arc<KokoroSpeech>, RunLog, tempfile::TempDir) {
    let (voices, dir) = zero_voice();
    let log = RunLog::default();
    let backend = Stoppable {
        flag: Arc::default(),
        log: log.clone(),
    };
    let engine = Engine::start_with(vec![0], 32, move || Ok(backend)).unwrap();
    let speech =
        Arc::new(KokoroSpeech::new(engine.clone(), voices, KokoroConfig::default()).unwrap());
    (engine, speech, log, dir)
}

/// Speaks `text` and counts the samples of every piece.
async fn samples_of(speech: Arc<KokoroSpeech>, text: String) -> usize {
    let mut pieces = tokio::task::spawn_blocking(move || speech.speak(SpeakRequest::text(text)))
        .await
        .unwrap()
        .unwrap();
    let mut samples = 0;
    while let Some(piece) = pieces.next().await {
        samples += piece.unwrap().len();
    }
    samples
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_later_piece_is_stopped_for_a_new_first_piece_and_runs_again() {
    let (engine, speech, log, _dir) = stoppable_speech();
    let speak = |text: String| tokio::spawn(samples_of(speech.clone(), text));
    let log_now = || log.lock().unwrap().clone();
    // A short first piece, then one long sentence (one inference of ~100 tokens, ~1 s).
    let long_text = format!("Okay. {}.", "Bright cats jump high".repeat(5));
    let long = speak(long_text.clone());
    let deadline = Instant::now() + GUARD;
    while log_now().iter().filter(|e| e.1 == "start").count() < 2 {
        assert!(
            Instant::now() < deadline,
            "the second piece never started: {:?}",
            log_now()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let short = speak("Lights on.".into());
    let short_samples = short.await.unwrap();
    let long_samples = long.await.unwrap();

    let log = log_now();
    let starts: Vec<usize> = log.iter().filter(|e| e.1 == "start").map(|e| e.0).collect();
    let [okay, second, short_tokens] = starts[..3] else {
        panic!("{log:?}")
    };
    assert_eq!(
        log,
        [
            (okay, "start"),
            (okay, "done"),
            (second, "start"),
            (second, "stopped"),
            (short_tokens, "start"),
            (short_tokens, "done"),
            (second, "start"),
            (second, "done"),
        ],
        "the running later piece stops for the new first piece, then runs again"
    );
    assert_eq!(engine.info().preempted.load(Ordering::Relaxed), 1);
    // Nothing was lost: every piece of both answers arrived once, and a lone request
    // gives the same audio.
    assert!(short_samples > 0);
    let alone = speak(long_text).await.unwrap();
    assert_eq!(long_samples, alone);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_long_first_piece_is_stopped_for_a_much_shorter_one_and_runs_again() {
    let (engine, speech, log, _dir) = stoppable_speech();
    let speak = |text: String| tokio::spawn(samples_of(speech.clone(), text));
    let log_now = || log.lock().unwrap().clone();
    // One sentence with nowhere to cut: a single first inference of ~100 tokens (~1 s).
    let long_text = format!("{}.", "Bright cats jump high ".repeat(5).trim_end());
    let long = speak(long_text.clone());
    let deadline = Instant::now() + GUARD;
    while log_now().is_empty() {
        assert!(Instant::now() < deadline, "nothing started");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let short = speak("Lights on.".into());
    let short_samples = short.await.unwrap();
    let long_samples = long.await.unwrap();

    let log = log_now();
    let (Some(&(long_tokens, _)), Some(&(short_tokens, _))) = (log.first(), log.get(2)) else {
        panic!("{log:?}")
    };
    assert!(short_tokens * 4 <= long_tokens, "{log:?}");
    assert_eq!(
        log,
        [
            (long_tokens, "start"),
            (long_tokens, "stopped"),
            (short_tokens, "start"),
            (short_tokens, "done"),
            (long_tokens, "start"),
            (long_tokens, "done"),
        ],
        "the long first piece stops for the much shorter one, then runs again"
    );
    assert_eq!(engine.info().preempted.load(Ordering::Relaxed), 1);
    assert!(short_samples > 0);
    let alone = speak(long_text).await.unwrap();
    assert_eq!(long_samples, alone);
}
