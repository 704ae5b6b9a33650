//! The load driver: N clients over TCP and Unix sockets mixing `describe`, short and
//! long `synthesize`, streamed text, mid-stream disconnects, slow readers and one
//! expected error kind; every answer is checked for completeness and well-formedness,
//! and the daemon's RSS and open file descriptors are sampled from /proc.
//!
//! Shared by the `kokorod_load` example (`make load`) and `tests/load_real.rs` (the CI
//! run), which include this file.

#![allow(dead_code)] // each includer uses a different part

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use kokorod::server::{Endpoint, Stream};
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
        }
    }
}

/// A small deterministic generator (xorshift64*): the mix is reproducible by seed.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn kind(&mut self) -> Kind {
        let mut roll = self.below(100) as u32;
        for (kind, weight) in MIX {
            if roll < weight {
                return kind;
            }
            roll -= weight;
        }
        Kind::Short
    }
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
    /// Times to first audio of the complete answers, sorted.
    pub first_audio: Vec<Duration>,
    /// The daemon over time.
    pub samples: Vec<Sample>,
    /// Open fds before the run and after it settled.
    pub fds_before: Option<usize>,
    pub fds_after: Option<usize>,
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
        if self.first_audio.is_empty() {
            return None;
        }
        let rank = ((p / 100.0) * (self.first_audio.len() - 1) as f64).round() as usize;
        Some(self.first_audio[rank.min(self.first_audio.len() - 1)])
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
            let mut rng = Rng::new(cfg.seed.wrapping_add(c as u64 * 7919));
            let mut conn: Option<Framed<Stream, WyomingCodec>> = None;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= cfg.requests as u64 {
                    break;
                }
                let kind = rng.kind();
                // Alternate transports; sometimes keep the connection for the next request.
                let uri = &cfg.uris[(c + i as usize) % cfg.uris.len()];
                let fresh = conn.is_none() || rng.below(2) == 0;
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
                // A connection we hung up on, or one that failed, is not reused.
                // (After the expected `unknown-voice` error it stays usable: keep it.)
                if matches!(outcome, Outcome::Unexpected(_)) || kind == Kind::Disconnect {
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
        match outcome {
            Outcome::Done {
                audio_s,
                first_audio,
            } => {
                report.completed += 1;
                report.audio_s += audio_s;
                report.first_audio.extend(first_audio);
            }
            Outcome::Expected(what) => *report.expected.entry(what).or_default() += 1,
            Outcome::Unexpected(what) => {
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
    rng: &mut Rng,
) -> Outcome {
    let sent = Instant::now();
    let request = match kind {
        Kind::Describe => Event::Describe,
        Kind::Short => synthesize(SHORT[rng.below(SHORT.len() as u64) as usize], None),
        Kind::Long | Kind::Disconnect => synthesize(LONG, None),
        Kind::SlowReader => synthesize(
            SHORT[rng.below(SHORT.len() as u64) as usize],
            Some("bf_emma"),
        ),
        Kind::BadVoice => synthesize("Hello.", Some("../../etc/passwd")),
        Kind::Streaming => Event::SynthesizeStart(SynthesizeStart {
            voice: voice("am_adam"),
            ..SynthesizeStart::default()
        }),
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
    rng: &mut Rng,
) -> Outcome {
    let chars: Vec<char> = STREAMED.chars().collect();
    let mut at = 0;
    while at < chars.len() {
        let n = 1 + rng.below(24) as usize;
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

/// A daemon this program started: killed if still running when dropped.
pub struct Daemon {
    pub child: Child,
    pub tcp: String,
    pub unix: String,
    pub dir: PathBuf,
    /// The daemon's log, as read so far (the reader thread keeps appending).
    pub log: Arc<Mutex<String>>,
}

impl Daemon {
    /// Starts `bin` on 127.0.0.1:0 and a Unix socket in `dir`; waits until it listens.
    pub fn spawn(bin: &Path, dir: &Path, extra: &[&str]) -> Result<Daemon, String> {
        let socket = dir.join("kokorod.sock");
        let unix = format!("unix://{}", socket.display());
        let mut child = Command::new(bin)
            .args(["--uri", "tcp://127.0.0.1:0", "--uri", &unix])
            .args(extra)
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info,ort=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", bin.display()))?;
        let stderr = child.stderr.take().expect("piped");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut tx = Some(tx);
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    // Both listeners are bound before the server logs either address.
                    if let Some(at) = line.find("listening on tcp://") {
                        let tcp = line[at + "listening on ".len()..].trim().to_owned();
                        if let Some(tx) = tx.take() {
                            let _ = tx.send(Some(tcp));
                        }
                    }
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
                if let Some(tx) = tx.take() {
                    let _ = tx.send(None);
                }
            });
        }
        let tcp = rx.recv_timeout(Duration::from_secs(120)).ok().flatten();
        let Some(tcp) = tcp else {
            let _ = child.kill();
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(100));
            return Err(format!(
                "the daemon did not get ready:\n{}",
                log.lock().unwrap()
            ));
        };
        Ok(Daemon {
            child,
            tcp,
            unix,
            dir: dir.to_owned(),
            log,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then the exit status (killed after `within`).
    pub fn terminate(&mut self, within: Duration) -> Result<std::process::ExitStatus, String> {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM)
            .map_err(|e| e.to_string())?;
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return Err(format!("still running {within:?} after SIGTERM"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
