//! The load driver: N clients over TCP and Unix sockets mixing `describe`, short and
//! long `synthesize`, streamed text, mid-stream disconnects, slow readers and one
//! expected error kind — and, when the daemon's HTTP API is given, OpenAI-style speech
//! requests (PCM and WAV), an unknown voice and `/health` beside them; every answer is
//! checked for completeness and well-formedness, and the daemon's RSS and open file
//! descriptors are sampled from /proc.
//!
//! Shared by the `kokorod_load` example (`make load`) and the system tests' CI load
//! run, which include this file.

#![allow(dead_code)] // each includer uses a different part

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use kokorod::net::{Endpoint, Stream};
use kokorod::wyoming::{
    Event, Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeVoice, WyomingCodec,
};
use tokio_util::codec::Framed;

/// The rate every answer must have.
const RATE: u32 = 24_000;

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Servers to spread the clients over (`tcp://…`, `unix://…`).
    pub uris: Vec<String>,
    /// The daemon's HTTP API (`127.0.0.1:PORT`): adds the HTTP kinds to the mix.
    pub http: Option<String>,
    /// Concurrent clients.
    pub clients: usize,
    /// Requests in total (split over the clients).
    pub requests: usize,
    /// The daemon's PID, to sample its RSS and fds (none: no sampling).
    pub pid: Option<u32>,
    /// Seed of the request mix.
    pub seed: u64,
    /// Longest any one request may take before it counts as a `timeout` error (a hang
    /// guard, not a speed target).
    pub request_timeout: Duration,
    /// How often the daemon is sampled.
    pub sample_every: Duration,
}

impl Default for LoadConfig {
    fn default() -> Self {
        Self {
            uris: Vec::new(),
            http: None,
            clients: 10,
            requests: 200,
            pid: None,
            seed: 1,
            request_timeout: Duration::from_secs(600),
            sample_every: Duration::from_secs(2),
        }
    }
}

/// The kinds of request in the mix, with their weights (out of 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `describe` → `info`.
    Describe,
    /// One short sentence.
    Short,
    /// A paragraph of four sentences.
    Long,
    /// `synthesize-start`, chunks cut anywhere, `synthesize-stop`.
    Streaming,
    /// Asks for a paragraph, reads the first chunk, hangs up.
    Disconnect,
    /// Reads its audio slowly (sleeps between events).
    SlowReader,
    /// An unknown voice: the `unknown-voice` error is the expected answer.
    BadVoice,
    /// `POST /v1/audio/speech`, a sentence as streamed raw PCM.
    HttpSpeech,
    /// The same as a streamed WAV file.
    HttpWav,
    /// An unknown voice over HTTP: a 400 with OpenAI's error JSON is expected.
    HttpBad,
    /// `GET /health`.
    HttpHealth,
}

const MIX: [(Kind, u32); 7] = [
    (Kind::Describe, 20),
    (Kind::Short, 35),
    (Kind::Long, 8),
    (Kind::Streaming, 15),
    (Kind::Disconnect, 10),
    (Kind::SlowReader, 5),
    (Kind::BadVoice, 7),
];

/// The mix with the HTTP API: 18 % HTTP, taken from the others in proportion.
const MIX_WITH_HTTP: [(Kind, u32); 11] = [
    (Kind::Describe, 16),
    (Kind::Short, 29),
    (Kind::Long, 7),
    (Kind::Streaming, 12),
    (Kind::Disconnect, 8),
    (Kind::SlowReader, 4),
    (Kind::BadVoice, 6),
    (Kind::HttpSpeech, 8),
    (Kind::HttpWav, 5),
    (Kind::HttpBad, 3),
    (Kind::HttpHealth, 2),
];

const SHORT: [&str; 8] = [
    "Turn on the lights.",
    "The front door is locked.",
    "It is 21 degrees inside.",
    "Timer set for 5 minutes.",
    "Good night!",
    "The washing machine has finished.",
    "Rain is expected at 3 p.m.",
    "Okay.",
];

const LONG: &str = "Here is the weather for today. It will be cloudy in the morning, with a \
    high of 18 degrees. In the afternoon the sun comes out. Tonight, expect light rain.";

const STREAMED: &str = "Sure, I can help with that. The kitchen lights are now on, \
    and the oven is preheating to 200 degrees. Anything else?";

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Describe => "describe",
            Kind::Short => "short",
            Kind::Long => "long",
            Kind::Streaming => "streaming",
            Kind::Disconnect => "disconnect",
            Kind::SlowReader => "slow-reader",
            Kind::BadVoice => "bad-voice",
            Kind::HttpSpeech => "http-speech",
            Kind::HttpWav => "http-wav",
            Kind::HttpBad => "http-bad",
            Kind::HttpHealth => "http-health",
        }
    }

    /// Sent to the HTTP API rather than over Wyoming.
    fn is_http(self) -> bool {
        matches!(
            self,
            Kind::HttpSpeech | Kind::HttpWav | Kind::HttpBad | Kind::HttpHealth
        )
    }
}

/// A request kind drawn by the weights of `mix` (percent); the mix is reproducible by
/// the generator's seed.
fn pick_kind(rng: &mut fastrand::Rng, mix: &[(Kind, u32)]) -> Kind {
    let mut roll = rng.u32(..100);
    for &(kind, weight) in mix {
        if roll < weight {
            return kind;
        }
        roll -= weight;
    }
    Kind::Short
}

/// How one request ended.
#[derive(Debug)]
enum Outcome {
    /// Complete and well-formed; audio seconds received and time to first audio.
    Done {
        audio_s: f64,
        first_audio: Option<Duration>,
    },
    /// An outcome the mix asks for (a disconnect, the `unknown-voice` error).
    Expected(&'static str),
    /// Anything else: the run fails.
    Unexpected(String),
}

/// One sample of the daemon.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Seconds since the run began.
    pub at_s: f64,
    /// Requests finished by then.
    pub done: u64,
    /// Resident set size, KiB.
    pub rss_kib: u64,
    /// Open file descriptors.
    pub fds: usize,
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Report {
    /// Clients and requests.
    pub clients: usize,
    pub requests: usize,
    /// Requests per kind.
    pub by_kind: BTreeMap<&'static str, u64>,
    /// Complete, well-formed answers.
    pub completed: u64,
    /// Expected non-audio outcomes, by kind.
    pub expected: BTreeMap<&'static str, u64>,
    /// Unexpected errors, by kind (a few examples each).
    pub unexpected: BTreeMap<String, u64>,
    pub unexpected_examples: Vec<String>,
    /// Audio seconds received in complete answers.
    pub audio_s: f64,
    /// Wall time of the run.
    pub wall_s: f64,
    /// Times to first audio of the complete answers, sorted (HTTP: the first byte of
    /// audio in the body).
    pub first_audio: Vec<Duration>,
    /// The same for the HTTP answers alone.
    pub first_audio_http: Vec<Duration>,
    /// Outcomes per kind.
    pub outcomes: BTreeMap<&'static str, Outcomes>,
    /// The daemon over time.
    pub samples: Vec<Sample>,
    /// Open fds before the run and after it settled.
    pub fds_before: Option<usize>,
    pub fds_after: Option<usize>,
}

/// How the requests of one kind ended.
#[derive(Debug, Default, Clone, Copy)]
pub struct Outcomes {
    /// Complete, well-formed answers.
    pub completed: u64,
    /// Outcomes the mix asks for.
    pub expected: u64,
    /// Unexpected errors.
    pub unexpected: u64,
}

/// The `p`th percentile (0–100) of sorted times.
fn percentile_of(sorted: &[Duration], p: f64) -> Option<Duration> {
    let last = sorted.len().checked_sub(1)?;
    let rank = ((p / 100.0) * last as f64).round() as usize;
    Some(sorted[rank.min(last)])
}

impl Report {
    /// Zero unexpected errors, and the daemon's fds back to their baseline.
    pub fn ok(&self) -> bool {
        self.unexpected.is_empty()
            && match (self.fds_before, self.fds_after) {
                (Some(before), Some(after)) => after <= before,
                _ => true,
            }
    }

    /// The `p`th percentile (0–100) of first-audio times.
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        percentile_of(&self.first_audio, p)
    }

    /// A human-readable report.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let ms =
            |d: Option<Duration>| d.map_or("-".to_owned(), |d| format!("{} ms", d.as_millis()));
        let _ = writeln!(
            out,
            "clients: {}, requests: {}",
            self.clients, self.requests
        );
        let kinds: Vec<String> = self
            .by_kind
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let _ = writeln!(out, "mix: {}", kinds.join(", "));
        for (kind, o) in &self.outcomes {
            let _ = writeln!(
                out,
                "  {kind:<12} completed {:4}, expected {:4}, unexpected {:4}",
                o.completed, o.expected, o.unexpected
            );
        }
        let _ = writeln!(
            out,
            "completed (complete, well-formed answers): {}",
            self.completed
        );
        let expected: Vec<String> = self
            .expected
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let _ = writeln!(
            out,
            "expected outcomes: {}",
            if expected.is_empty() {
                "none".into()
            } else {
                expected.join(", ")
            }
        );
        let unexpected: Vec<String> = self
            .unexpected
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let _ = writeln!(
            out,
            "unexpected errors: {}",
            if unexpected.is_empty() {
                "0".into()
            } else {
                unexpected.join(", ")
            }
        );
        for example in &self.unexpected_examples {
            let _ = writeln!(out, "  e.g. {example}");
        }
        let _ = writeln!(
            out,
            "wall: {:.1} s, audio: {:.1} s, throughput: {:.2} audio s per wall s",
            self.wall_s,
            self.audio_s,
            self.audio_s / self.wall_s.max(1e-9)
        );
        let _ = writeln!(
            out,
            "first audio: p50 {}, p95 {}, p99 {} (n = {})",
            ms(self.percentile(50.0)),
            ms(self.percentile(95.0)),
            ms(self.percentile(99.0)),
            self.first_audio.len()
        );
        if !self.first_audio_http.is_empty() {
            let http = |p| ms(percentile_of(&self.first_audio_http, p));
            let _ = writeln!(
                out,
                "  of which HTTP (first byte of audio): p50 {}, p95 {}, p99 {} (n = {})",
                http(50.0),
                http(95.0),
                http(99.0),
                self.first_audio_http.len()
            );
        }
        if !self.samples.is_empty() {
            let _ = writeln!(out, "daemon over time (s, requests done, RSS MiB, fds):");
            for s in &self.samples {
                let _ = writeln!(
                    out,
                    "  {:7.1} {:6} {:8.1} {:5}",
                    s.at_s,
                    s.done,
                    s.rss_kib as f64 / 1024.0,
                    s.fds
                );
            }
            let max = self.samples.iter().map(|s| s.rss_kib).max().unwrap_or(0);
            let _ = writeln!(out, "RSS peak sampled: {:.1} MiB", max as f64 / 1024.0);
        }
        if let (Some(before), Some(after)) = (self.fds_before, self.fds_after) {
            let _ = writeln!(
                out,
                "fds: {before} before, {after} after ({})",
                if after <= before {
                    "back to baseline"
                } else {
                    "LEAK"
                }
            );
        }
        let _ = writeln!(out, "result: {}", if self.ok() { "OK" } else { "FAILED" });
        out
    }
}

/// The daemon's RSS (KiB) and open fds, from /proc.
pub fn sample_process(pid: u32) -> Option<(u64, usize)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count();
    Some((rss, fds))
}

/// Fds once two readings 300 ms apart agree (connections being closed settle first).
async fn settled_fds(pid: u32, within: Duration) -> Option<usize> {
    let deadline = Instant::now() + within;
    let mut last = sample_process(pid)?.1;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = sample_process(pid)?.1;
        if now == last || Instant::now() > deadline {
            return Some(now);
        }
        last = now;
    }
}

/// Runs the load; returns the report (check [`Report::ok`]).
pub async fn run(cfg: LoadConfig) -> Report {
    assert!(!cfg.uris.is_empty(), "no server to load");
    let fds_before = match cfg.pid {
        Some(pid) => settled_fds(pid, Duration::from_secs(10)).await,
        None => None,
    };
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let results: Arc<Mutex<Vec<(Kind, Outcome)>>> = Arc::default();
    let started = Instant::now();

    let stop = Arc::new(AtomicBool::new(false));
    let sampler = cfg.pid.map(|pid| {
        let (done, stop) = (Arc::clone(&done), Arc::clone(&stop));
        let every = cfg.sample_every;
        tokio::spawn(async move {
            let mut samples = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                if let Some((rss_kib, fds)) = sample_process(pid) {
                    samples.push(Sample {
                        at_s: started.elapsed().as_secs_f64(),
                        done: done.load(Ordering::Relaxed),
                        rss_kib,
                        fds,
                    });
                }
                tokio::time::sleep(every).await;
            }
            samples
        })
    });

    let mut clients = Vec::new();
    for c in 0..cfg.clients {
        let cfg = cfg.clone();
        let (next, done, results) = (Arc::clone(&next), Arc::clone(&done), Arc::clone(&results));
        clients.push(tokio::spawn(async move {
            let mut rng = fastrand::Rng::with_seed(cfg.seed.wrapping_add(c as u64 * 7919));
            let mut conn: Option<Framed<Stream, WyomingCodec>> = None;
            let mut http: Option<HttpConn> = None;
            // Without an HTTP address the mix (and so a seed's sequence) is as before.
            let mix: &[(Kind, u32)] = if cfg.http.is_some() {
                &MIX_WITH_HTTP
            } else {
                &MIX
            };
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= cfg.requests as u64 {
                    break;
                }
                let kind = pick_kind(&mut rng, mix);
                if let (true, Some(addr)) = (kind.is_http(), cfg.http.as_deref()) {
                    // Keep the HTTP connection half the time, as with Wyoming.
                    if rng.bool() {
                        http = None;
                    }
                    let outcome = match tokio::time::timeout(
                        cfg.request_timeout,
                        http_request(&mut http, addr, kind, &mut rng),
                    )
                    .await
                    {
                        Ok(outcome) => outcome,
                        Err(_) => Outcome::Unexpected(format!(
                            "timeout: no complete answer within {:?}",
                            cfg.request_timeout
                        )),
                    };
                    if matches!(outcome, Outcome::Unexpected(_)) {
                        http = None;
                    }
                    results.lock().unwrap().push((kind, outcome));
                    done.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                // Alternate transports; sometimes keep the connection for the next request.
                let uri = &cfg.uris[(c + i as usize) % cfg.uris.len()];
                let fresh = conn.is_none() || rng.bool();
                if fresh {
                    conn = None;
                    match Endpoint::from_str_checked(uri).connect().await {
                        Ok(stream) => conn = Some(Framed::new(stream, WyomingCodec::default())),
                        Err(e) => {
                            results
                                .lock()
                                .unwrap()
                                .push((kind, Outcome::Unexpected(format!("connect: {uri}: {e}"))));
                            done.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                    }
                }
                let framed = conn.as_mut().expect("connected above");
                let outcome = match tokio::time::timeout(
                    cfg.request_timeout,
                    one_request(framed, kind, &mut rng),
                )
                .await
                {
                    Ok(outcome) => outcome,
                    Err(_) => Outcome::Unexpected(format!(
                        "timeout: no complete answer within {:?}",
                        cfg.request_timeout
                    )),
                };
                // A connection we hung up on, one that failed, or one the server
                // closes after its `error` (a refused voice), is not reused.
                if matches!(outcome, Outcome::Unexpected(_))
                    || matches!(kind, Kind::Disconnect | Kind::BadVoice)
                {
                    conn = None;
                }
                results.lock().unwrap().push((kind, outcome));
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for client in clients {
        if let Err(e) = client.await {
            results.lock().unwrap().push((
                Kind::Short,
                Outcome::Unexpected(format!("client task: {e}")),
            ));
        }
    }
    let wall_s = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut samples = match sampler {
        Some(task) => task.await.unwrap_or_default(),
        None => Vec::new(),
    };
    let fds_after = match cfg.pid {
        Some(pid) => settled_fds(pid, Duration::from_secs(10)).await,
        None => None,
    };
    if let Some((rss_kib, fds)) = cfg.pid.and_then(sample_process) {
        samples.push(Sample {
            at_s: started.elapsed().as_secs_f64(),
            done: done.load(Ordering::Relaxed),
            rss_kib,
            fds,
        });
    }

    let mut report = Report {
        clients: cfg.clients,
        requests: cfg.requests,
        wall_s,
        samples,
        fds_before,
        fds_after,
        ..Report::default()
    };
    let results = std::mem::take(&mut *results.lock().unwrap());
    for (kind, outcome) in results {
        *report.by_kind.entry(kind.name()).or_default() += 1;
        let counts = report.outcomes.entry(kind.name()).or_default();
        match outcome {
            Outcome::Done {
                audio_s,
                first_audio,
            } => {
                counts.completed += 1;
                report.completed += 1;
                report.audio_s += audio_s;
                report.first_audio.extend(first_audio);
                if kind.is_http() {
                    report.first_audio_http.extend(first_audio);
                }
            }
            Outcome::Expected(what) => {
                counts.expected += 1;
                *report.expected.entry(what).or_default() += 1;
            }
            Outcome::Unexpected(what) => {
                counts.unexpected += 1;
                let class = what.split(':').next().unwrap_or("other").to_owned();
                *report.unexpected.entry(class).or_default() += 1;
                if report.unexpected_examples.len() < 10 {
                    report
                        .unexpected_examples
                        .push(format!("{}: {what}", kind.name()));
                }
            }
        }
    }
    report.first_audio.sort();
    report.first_audio_http.sort();
    report
}

trait EndpointExt {
    fn from_str_checked(uri: &str) -> Endpoint;
}

impl EndpointExt for Endpoint {
    fn from_str_checked(uri: &str) -> Endpoint {
        uri.parse().unwrap_or_else(|e| panic!("{uri}: {e}"))
    }
}

fn voice(name: &str) -> Option<SynthesizeVoice> {
    Some(SynthesizeVoice {
        name: Some(name.to_owned()),
        ..SynthesizeVoice::default()
    })
}

fn synthesize(text: &str, voice_name: Option<&str>) -> Event {
    Event::Synthesize(Synthesize {
        text: text.to_owned(),
        voice: voice_name.and_then(voice),
        text_format: None,
        context: None,
    })
}

async fn one_request(
    framed: &mut Framed<Stream, WyomingCodec>,
    kind: Kind,
    rng: &mut fastrand::Rng,
) -> Outcome {
    let sent = Instant::now();
    let request = match kind {
        Kind::Describe => Event::Describe,
        Kind::Short => synthesize(SHORT[rng.usize(..SHORT.len())], None),
        Kind::Long | Kind::Disconnect => synthesize(LONG, None),
        Kind::SlowReader => synthesize(SHORT[rng.usize(..SHORT.len())], Some("bf_emma")),
        Kind::BadVoice => synthesize("Hello.", Some("../../etc/passwd")),
        Kind::Streaming => Event::SynthesizeStart(SynthesizeStart {
            voice: voice("am_adam"),
            ..SynthesizeStart::default()
        }),
        // Drawn only when an HTTP address is known, and then sent by `http_request`.
        Kind::HttpSpeech | Kind::HttpWav | Kind::HttpBad | Kind::HttpHealth => {
            return Outcome::Unexpected(format!(
                "internal: {} on a Wyoming connection",
                kind.name()
            ))
        }
    };
    if let Err(e) = framed.send(request).await {
        return Outcome::Unexpected(format!("io: sending: {e}"));
    }
    match kind {
        Kind::Describe => match framed.next().await {
            Some(Ok(frame)) => match Event::try_from(frame) {
                Ok(Event::Info(info)) if info.tts.first().is_some_and(|p| !p.voices.is_empty()) => {
                    Outcome::Done {
                        audio_s: 0.0,
                        first_audio: None,
                    }
                }
                Ok(other) => Outcome::Unexpected(format!(
                    "protocol: `{}` instead of info with voices",
                    other.kind()
                )),
                Err(e) => Outcome::Unexpected(format!("bad-event: {e}")),
            },
            Some(Err(e)) => Outcome::Unexpected(format!("bad-frame: {e}")),
            None => Outcome::Unexpected("closed: before info".into()),
        },
        Kind::BadVoice => match framed.next().await {
            Some(Ok(frame)) => match Event::try_from(frame) {
                Ok(Event::Error(e)) if e.code.as_deref() == Some("unknown-voice") => {
                    Outcome::Expected("unknown-voice")
                }
                Ok(other) => Outcome::Unexpected(format!(
                    "protocol: `{}` instead of error unknown-voice",
                    other.kind()
                )),
                Err(e) => Outcome::Unexpected(format!("bad-event: {e}")),
            },
            Some(Err(e)) => Outcome::Unexpected(format!("bad-frame: {e}")),
            None => Outcome::Unexpected("closed: before error".into()),
        },
        Kind::Disconnect => {
            // audio-start, then one chunk, then hang up.
            for want in ["audio-start", "audio-chunk"] {
                match next_event(framed).await {
                    Ok(event) if event.kind() == want => {}
                    Ok(other) => {
                        return Outcome::Unexpected(format!(
                            "protocol: `{}` instead of {want}",
                            other.kind()
                        ))
                    }
                    Err(e) => return Outcome::Unexpected(e),
                }
            }
            Outcome::Expected("disconnected mid-stream")
        }
        Kind::Short | Kind::Long | Kind::SlowReader => {
            let slow = (kind == Kind::SlowReader).then_some(Duration::from_millis(40));
            match read_audio(framed, sent, slow).await {
                Ok((samples, first)) => Outcome::Done {
                    audio_s: samples as f64 / f64::from(RATE),
                    first_audio: Some(first),
                },
                Err(e) => Outcome::Unexpected(e),
            }
        }
        Kind::Streaming => stream_text(framed, sent, rng).await,
        Kind::HttpSpeech | Kind::HttpWav | Kind::HttpBad | Kind::HttpHealth => {
            unreachable!("returned above")
        }
    }
}

async fn next_event(framed: &mut Framed<Stream, WyomingCodec>) -> Result<Event, String> {
    match framed.next().await {
        Some(Ok(frame)) => Event::try_from(frame).map_err(|e| format!("bad-event: {e}")),
        Some(Err(e)) => Err(format!("bad-frame: {e}")),
        None => Err("closed: in the middle of an answer".into()),
    }
}

/// Reads one `audio-start`, `audio-chunk`*, `audio-stop` and checks it: 24 kHz, 16-bit
/// mono, chunk timestamps that follow the samples sent, a stop stamped with the total.
/// Returns the sample count and the time from `sent` to the first chunk.
async fn read_audio(
    framed: &mut Framed<Stream, WyomingCodec>,
    sent: Instant,
    slow: Option<Duration>,
) -> Result<(u64, Duration), String> {
    match next_event(framed).await? {
        Event::AudioStart(start) => {
            if (start.rate, start.width, start.channels) != (RATE, 2, 1) {
                return Err(format!(
                    "malformed-audio: audio-start {}/{}/{}",
                    start.rate, start.width, start.channels
                ));
            }
        }
        Event::Error(e) => {
            return Err(format!(
                "server-error: {} ({})",
                e.text,
                e.code.unwrap_or_default()
            ))
        }
        other => return Err(format!("protocol: `{}` before audio-start", other.kind())),
    }
    read_audio_after_start(framed, sent, slow).await
}

/// Streams `STREAMED` in pieces cut anywhere, then expects one well-formed audio per
/// sentence and `synthesize-stopped`.
async fn stream_text(
    framed: &mut Framed<Stream, WyomingCodec>,
    sent: Instant,
    rng: &mut fastrand::Rng,
) -> Outcome {
    let chars: Vec<char> = STREAMED.chars().collect();
    let mut at = 0;
    while at < chars.len() {
        let n = 1 + rng.usize(..24);
        let piece: String = chars[at..(at + n).min(chars.len())].iter().collect();
        at += n;
        if let Err(e) = framed
            .send(Event::SynthesizeChunk(SynthesizeChunk { text: piece }))
            .await
        {
            return Outcome::Unexpected(format!("io: sending chunk: {e}"));
        }
    }
    if let Err(e) = framed.send(Event::SynthesizeStop).await {
        return Outcome::Unexpected(format!("io: sending stop: {e}"));
    }
    let (mut samples, mut first, mut audios) = (0u64, None, 0);
    loop {
        // Peek: either another audio or the end of the stream.
        let event = match framed.next().await {
            Some(Ok(frame)) => match Event::try_from(frame) {
                Ok(e) => e,
                Err(e) => return Outcome::Unexpected(format!("bad-event: {e}")),
            },
            Some(Err(e)) => return Outcome::Unexpected(format!("bad-frame: {e}")),
            None => return Outcome::Unexpected("closed: in the middle of a stream".into()),
        };
        match event {
            Event::SynthesizeStopped => break,
            Event::AudioStart(start)
                if (start.rate, start.width, start.channels) == (RATE, 2, 1) =>
            {
                match read_audio_after_start(framed, sent, None).await {
                    Ok((n, f)) => {
                        samples += n;
                        first.get_or_insert(f);
                        audios += 1;
                    }
                    Err(e) => return Outcome::Unexpected(e),
                }
            }
            Event::Error(e) => {
                return Outcome::Unexpected(format!(
                    "server-error: {} ({})",
                    e.text,
                    e.code.unwrap_or_default()
                ))
            }
            other => {
                return Outcome::Unexpected(format!("protocol: `{}` in a stream", other.kind()))
            }
        }
    }
    if audios < 2 {
        return Outcome::Unexpected(format!(
            "malformed-audio: {audios} audio(s) for a three-sentence stream"
        ));
    }
    Outcome::Done {
        audio_s: samples as f64 / f64::from(RATE),
        first_audio: first,
    }
}

/// The rest of one audio after its `audio-start` (see [`read_audio`]).
async fn read_audio_after_start(
    framed: &mut Framed<Stream, WyomingCodec>,
    sent: Instant,
    slow: Option<Duration>,
) -> Result<(u64, Duration), String> {
    let mut samples: u64 = 0;
    let mut first = None;
    loop {
        if let Some(pause) = slow {
            tokio::time::sleep(pause).await;
        }
        match next_event(framed).await? {
            Event::AudioChunk(chunk) => {
                first.get_or_insert_with(|| sent.elapsed());
                if (chunk.rate, chunk.width, chunk.channels) != (RATE, 2, 1) {
                    return Err(format!(
                        "malformed-audio: chunk {}/{}/{}",
                        chunk.rate, chunk.width, chunk.channels
                    ));
                }
                if chunk.audio.is_empty() || chunk.audio.len() % 2 != 0 {
                    return Err(format!(
                        "malformed-audio: chunk of {} bytes",
                        chunk.audio.len()
                    ));
                }
                let expected_ts = (samples * 1000 / u64::from(RATE)) as i64;
                if chunk.timestamp != Some(expected_ts) {
                    return Err(format!(
                        "malformed-audio: chunk timestamp {:?}, expected {expected_ts}",
                        chunk.timestamp
                    ));
                }
                samples += chunk.audio.len() as u64 / 2;
            }
            Event::AudioStop(stop) => {
                let total_ms = (samples * 1000 / u64::from(RATE)) as i64;
                if stop.timestamp != Some(total_ms) {
                    return Err(format!(
                        "malformed-audio: audio-stop at {:?} ms after {total_ms} ms of samples",
                        stop.timestamp
                    ));
                }
                return first
                    .map(|f| (samples, f))
                    .ok_or_else(|| "malformed-audio: no audio between start and stop".into());
            }
            Event::Error(e) => {
                return Err(format!(
                    "server-error: {} ({})",
                    e.text,
                    e.code.unwrap_or_default()
                ))
            }
            other => return Err(format!("protocol: `{}` inside audio", other.kind())),
        }
    }
}

/// One HTTP/1.1 connection to the API, and when it last finished a request.
struct HttpConn {
    send: SendRequest<Full<Bytes>>,
    idle_since: Instant,
}

/// A kept connection is reused only this soon after its last answer, well within any
/// server's keep-alive (as a client's pool does): an idle close racing a new request
/// would be the client's fault, not the daemon's.
const HTTP_KEEP: Duration = Duration::from_secs(5);

/// The WAV header's data size for a stream of unknown length (kokorod's `wav_header`).
const WAV_STREAMING_SIZE: u32 = (u32::MAX - 36) & !1;

/// A new HTTP/1.1 connection; its I/O task ends when the connection is dropped.
async fn http_connect(addr: &str) -> Result<HttpConn, String> {
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {addr}: {e}"))?;
    let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .map_err(|e| format!("http: handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(HttpConn {
        send,
        idle_since: Instant::now(),
    })
}

/// The response's status, content type and body (with the time to its first byte
/// past `skip` bytes): read frame by frame, as a player would. A chunked body cut
/// short is an error here (hyper checks the framing).
struct HttpAnswer {
    status: u16,
    content_type: String,
    chunked: bool,
    body: Vec<u8>,
    first_byte: Option<Duration>,
}

async fn http_exchange(
    http: &mut Option<HttpConn>,
    addr: &str,
    req: hyper::Request<Full<Bytes>>,
    sent: Instant,
    skip: usize,
) -> Result<HttpAnswer, String> {
    // Reuse a recent connection if it is still open; otherwise a new one.
    if let Some(c) = http.as_mut() {
        if c.idle_since.elapsed() > HTTP_KEEP || c.send.ready().await.is_err() {
            *http = None;
        }
    }
    if http.is_none() {
        *http = Some(http_connect(addr).await?);
    }
    let conn = http.as_mut().expect("connected above");
    let resp = conn
        .send
        .send_request(req)
        .await
        .map_err(|e| format!("http: {e}"))?;
    let status = resp.status().as_u16();
    let header = |name: hyper::header::HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let content_type = header(hyper::header::CONTENT_TYPE);
    let chunked = header(hyper::header::TRANSFER_ENCODING).contains("chunked");
    let mut body = resp.into_body();
    let (mut bytes, mut first_byte) = (Vec::new(), None);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| format!("http-body: {e} after {} bytes", bytes.len()))?;
        if let Ok(data) = frame.into_data() {
            bytes.extend_from_slice(&data);
            if bytes.len() > skip {
                first_byte.get_or_insert_with(|| sent.elapsed());
            }
        }
    }
    conn.idle_since = Instant::now();
    Ok(HttpAnswer {
        status,
        content_type,
        chunked,
        body: bytes,
        first_byte,
    })
}

/// Checks a streamed WAV: RIFF/WAVE, PCM 24 kHz 16-bit mono, and a data size that is
/// the body's, or the streaming maximum with whole samples after the header.
fn check_wav(body: &[u8]) -> Result<u64, String> {
    if body.len() < 44 {
        return Err(format!("malformed-audio: a WAV of {} bytes", body.len()));
    }
    let u16_at = |at: usize| u16::from_le_bytes([body[at], body[at + 1]]);
    let u32_at =
        |at: usize| u32::from_le_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);
    if &body[0..4] != b"RIFF" || &body[8..16] != b"WAVEfmt " || &body[36..40] != b"data" {
        return Err("malformed-audio: not a RIFF/WAVE header with fmt and data".into());
    }
    let (format, channels, rate, byte_rate, align, bits) = (
        u16_at(20),
        u16_at(22),
        u32_at(24),
        u32_at(28),
        u16_at(32),
        u16_at(34),
    );
    if (format, channels, rate, byte_rate, align, bits) != (1, 1, RATE, RATE * 2, 2, 16) {
        return Err(format!(
            "malformed-audio: WAV format {format}, {channels} channel(s), {rate} Hz, {bits} bits"
        ));
    }
    let (riff, data, samples) = (u32_at(4), u32_at(40), body.len() - 44);
    let size_ok = (data as usize == samples || data == WAV_STREAMING_SIZE)
        && riff == 36u32.saturating_add(data);
    if !size_ok || samples == 0 || samples % 2 != 0 {
        return Err(format!("malformed-audio: WAV data size {data} (RIFF {riff}) with {samples} bytes after the header"));
    }
    Ok(samples as u64 / 2)
}

/// One HTTP request of `kind`, checked.
async fn http_request(
    http: &mut Option<HttpConn>,
    addr: &str,
    kind: Kind,
    rng: &mut fastrand::Rng,
) -> Outcome {
    let speech = |voice: &str, format: &str, text: &str| {
        let body = serde_json::json!({"model": "tts-1", "input": text, "voice": voice, "response_format": format});
        hyper::Request::post("/v1/audio/speech")
            .header(hyper::header::HOST, addr)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
    };
    let text = SHORT[rng.usize(..SHORT.len())];
    let req = match kind {
        Kind::HttpSpeech => speech("af_heart", "pcm", text),
        Kind::HttpWav => speech("af_heart", "wav", text),
        Kind::HttpBad => speech("../../etc/passwd", "pcm", "Hello."),
        _ => hyper::Request::get("/health")
            .header(hyper::header::HOST, addr)
            .body(Full::new(Bytes::new())),
    };
    let req = match req {
        Ok(req) => req,
        Err(e) => return Outcome::Unexpected(format!("http: building the request: {e}")),
    };
    let skip = if kind == Kind::HttpWav { 44 } else { 0 };
    let sent = Instant::now();
    let answer = match http_exchange(http, addr, req, sent, skip).await {
        Ok(a) => a,
        Err(e) => return Outcome::Unexpected(e),
    };
    let status = answer.status;
    let json = || {
        serde_json::from_slice::<serde_json::Value>(&answer.body)
            .map_err(|e| format!("http-json: {e}: {}", String::from_utf8_lossy(&answer.body)))
    };
    match kind {
        Kind::HttpSpeech | Kind::HttpWav => {
            let want = if kind == Kind::HttpWav {
                "audio/wav"
            } else {
                "audio/pcm"
            };
            if status != 200 {
                return Outcome::Unexpected(format!(
                    "http-status: {status} for speech: {}",
                    String::from_utf8_lossy(&answer.body)
                ));
            }
            if answer.content_type != want || !answer.chunked {
                return Outcome::Unexpected(format!(
                    "http-headers: content-type {:?}, chunked {}",
                    answer.content_type, answer.chunked
                ));
            }
            let samples = if kind == Kind::HttpWav {
                match check_wav(&answer.body) {
                    Ok(n) => n,
                    Err(e) => return Outcome::Unexpected(e),
                }
            } else if answer.body.is_empty() || answer.body.len() % 2 != 0 {
                return Outcome::Unexpected(format!(
                    "malformed-audio: a PCM body of {} bytes",
                    answer.body.len()
                ));
            } else {
                answer.body.len() as u64 / 2
            };
            Outcome::Done {
                audio_s: samples as f64 / f64::from(RATE),
                first_audio: answer.first_byte,
            }
        }
        Kind::HttpBad => {
            let v = match json() {
                Ok(v) => v,
                Err(e) => return Outcome::Unexpected(e),
            };
            let e = &v["error"];
            let shaped =
                e["message"].as_str().is_some_and(|m| !m.is_empty()) && e["type"].is_string();
            if matches!(status, 400 | 404) && shaped && e["code"] == "unknown_voice" {
                Outcome::Expected("http unknown_voice")
            } else {
                Outcome::Unexpected(format!(
                    "http-status: {status} {v} instead of an unknown_voice error"
                ))
            }
        }
        _ => match json() {
            Ok(v) if status == 200 && v["ready"] == true => Outcome::Done {
                audio_s: 0.0,
                first_audio: None,
            },
            Ok(v) => Outcome::Unexpected(format!("http-status: health {status} {v}")),
            Err(e) => Outcome::Unexpected(e),
        },
    }
}
