//! The daemon's Prometheus metrics, shared by every protocol (Wyoming, HTTP) and the
//! response cache. Counters are atomics: recording costs nothing while idle, and
//! [`Metrics::render`] produces the text exposition format on demand (no background
//! work, no periodic sampling).

use std::sync::atomic::{AtomicI64, AtomicU64};
use std::time::{Duration, Instant};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::speech::EngineLoad;

/// Which protocol a request came in on.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Protocol {
    /// The Wyoming protocol (Home Assistant).
    Wyoming,
    /// The OpenAI-compatible HTTP API.
    Http,
}

impl Protocol {
    /// The label value: `wyoming` or `http`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Wyoming => "wyoming",
            Protocol::Http => "http",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabels {
    protocol: &'static str,
    endpoint: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    protocol: &'static str,
    endpoint: &'static str,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProtocolLabels {
    protocol: &'static str,
}

type HistogramFamily = Family<ProtocolLabels, Histogram, fn() -> Histogram>;

/// Every metric kokorod exports. Cheap to share behind an `Arc`.
pub struct Metrics {
    registry: Registry,
    started: Instant,
    requests: Family<EndpointLabels, Counter>,
    errors: Family<ErrorLabels, Counter>,
    audio_seconds: Family<ProtocolLabels, Counter<f64, AtomicU64>>,
    first_audio: HistogramFamily,
    real_time_factor: HistogramFamily,
    open_connections: Family<ProtocolLabels, Gauge>,
    queue_depth: Gauge<i64, AtomicI64>,
    preempted: Counter,
    uptime: Gauge<f64, AtomicU64>,
    /// Requests answered from the response cache.
    pub cache_hits: Counter,
    /// Requests the response cache could not answer.
    pub cache_misses: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn first_audio_histogram() -> Histogram {
    // 50 ms … ~13 s: a short sentence on a fast machine to a long one on a Pi.
    Histogram::new([
        0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 13.0,
    ])
}

fn rtf_histogram() -> Histogram {
    // Synthesis time over audio time: below 1 is faster than real time.
    Histogram::new([0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0])
}

impl Metrics {
    /// A fresh registry with every metric at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kokorod");
        let requests = Family::<EndpointLabels, Counter>::default();
        registry.register(
            "requests",
            "Requests received, by protocol and endpoint",
            requests.clone(),
        );
        let errors = Family::<ErrorLabels, Counter>::default();
        registry.register(
            "errors",
            "Requests answered with an error, by protocol, endpoint and error code",
            errors.clone(),
        );
        let audio_seconds = Family::<ProtocolLabels, Counter<f64, AtomicU64>>::default();
        registry.register_with_unit(
            "audio",
            "Audio produced",
            Unit::Seconds,
            audio_seconds.clone(),
        );
        let first_audio: HistogramFamily = Family::new_with_constructor(first_audio_histogram);
        registry.register_with_unit(
            "time_to_first_audio",
            "From request to its first audio",
            Unit::Seconds,
            first_audio.clone(),
        );
        let real_time_factor: HistogramFamily = Family::new_with_constructor(rtf_histogram);
        registry.register(
            "real_time_factor",
            "Synthesis time divided by the audio's duration, per request",
            real_time_factor.clone(),
        );
        let open_connections = Family::<ProtocolLabels, Gauge>::default();
        registry.register(
            "open_connections",
            "Connections open now",
            open_connections.clone(),
        );
        let queue_depth = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "queue_depth",
            "Inference jobs waiting or running",
            queue_depth.clone(),
        );
        let preempted = Counter::default();
        registry.register(
            "inferences_preempted",
            "Inferences stopped for a new answer's first piece (each ran again after it)",
            preempted.clone(),
        );
        let uptime = Gauge::<f64, AtomicU64>::default();
        registry.register_with_unit(
            "uptime",
            "Time since the daemon started",
            Unit::Seconds,
            uptime.clone(),
        );
        let cache_hits = Counter::default();
        registry.register(
            "cache_hits",
            "Requests answered from the response cache",
            cache_hits.clone(),
        );
        let cache_misses = Counter::default();
        registry.register(
            "cache_misses",
            "Requests the response cache could not answer",
            cache_misses.clone(),
        );
        Metrics {
            registry,
            started: Instant::now(),
            requests,
            errors,
            audio_seconds,
            first_audio,
            real_time_factor,
            open_connections,
            queue_depth,
            preempted,
            uptime,
            cache_hits,
            cache_misses,
        }
    }

    /// Time since this registry was made (the daemon's start).
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Counts a request to `endpoint`.
    pub fn request(&self, protocol: Protocol, endpoint: &'static str) {
        self.requests
            .get_or_create(&EndpointLabels {
                protocol: protocol.as_str(),
                endpoint,
            })
            .inc();
    }

    /// Counts an error answered on `endpoint` (`code` as sent to the client).
    pub fn error(&self, protocol: Protocol, endpoint: &'static str, code: &str) {
        self.errors
            .get_or_create(&ErrorLabels {
                protocol: protocol.as_str(),
                endpoint,
                code: code.to_owned(),
            })
            .inc();
    }

    /// Adds `samples` of produced audio at `rate`.
    pub fn audio(&self, protocol: Protocol, samples: usize, rate: u32) {
        self.audio_seconds
            .get_or_create(&ProtocolLabels {
                protocol: protocol.as_str(),
            })
            .inc_by(samples as f64 / f64::from(rate.max(1)));
    }

    /// Records a request's time to first audio.
    pub fn first_audio(&self, protocol: Protocol, elapsed: Duration) {
        self.first_audio
            .get_or_create(&ProtocolLabels {
                protocol: protocol.as_str(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Records a finished request's real-time factor (`took` for `audio_secs` of audio).
    pub fn real_time_factor(&self, protocol: Protocol, took: Duration, audio_secs: f64) {
        if audio_secs > 0.0 {
            self.real_time_factor
                .get_or_create(&ProtocolLabels {
                    protocol: protocol.as_str(),
                })
                .observe(took.as_secs_f64() / audio_secs);
        }
    }

    /// Counts an open connection until the guard is dropped.
    pub fn connection(&self, protocol: Protocol) -> ConnectionGuard {
        let gauge = self
            .open_connections
            .get_or_create(&ProtocolLabels {
                protocol: protocol.as_str(),
            })
            .clone();
        gauge.inc();
        ConnectionGuard(gauge)
    }

    /// Connections of `protocol` open now.
    pub fn open_connections(&self, protocol: Protocol) -> i64 {
        self.open_connections
            .get_or_create(&ProtocolLabels {
                protocol: protocol.as_str(),
            })
            .get()
    }

    /// The Prometheus text exposition (format 0.0.4, which every scraper reads), with
    /// the engine's load and the uptime read now.
    pub fn render(&self, load: EngineLoad) -> String {
        openmetrics_to_prometheus(&self.render_openmetrics(load))
    }

    /// The OpenMetrics text exposition (what Prometheus asks for first).
    pub fn render_openmetrics(&self, load: EngineLoad) -> String {
        self.queue_depth
            .set(i64::try_from(load.queue_depth).unwrap_or(i64::MAX));
        // The engine counts; the counter mirrors it, so it never goes back.
        self.preempted
            .inner()
            .fetch_max(load.preempted, std::sync::atomic::Ordering::Relaxed);
        self.uptime.set(self.uptime().as_secs_f64());
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Keeps a connection counted in `kokorod_open_connections` while alive.
#[derive(Debug)]
pub struct ConnectionGuard(Gauge);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
/// Content type of [`Metrics::render_openmetrics`]'s output.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// OpenMetrics text to the classic Prometheus format: a counter's family is named
/// with its `_total` suffix there, and `# UNIT` and `# EOF` do not exist. Samples
/// and histograms are written alike in both.
fn openmetrics_to_prometheus(om: &str) -> String {
    let mut out = String::with_capacity(om.len());
    let mut help: Option<&str> = None;
    for line in om.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        if line.starts_with("# HELP ") {
            // Written once the TYPE line tells whether the name needs `_total`.
            help = Some(line);
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, "untyped"));
            let (name_out, kind_out) = match kind {
                "counter" => (format!("{name}_total"), "counter"),
                "unknown" => (name.to_owned(), "untyped"),
                other => (name.to_owned(), other),
            };
            if let Some(h) = help.take() {
                let text = h
                    .strip_prefix("# HELP ")
                    .and_then(|r| r.split_once(' '))
                    .map_or("", |(_, t)| t);
                out.push_str(&format!("# HELP {name_out} {text}\n"));
            }
            out.push_str(&format!("# TYPE {name_out} {kind_out}\n"));
            continue;
        }
        if let Some(h) = help.take() {
            out.push_str(h);
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_what_was_recorded() {
        let m = Metrics::new();
        m.request(Protocol::Http, "speech");
        m.request(Protocol::Http, "speech");
        m.error(Protocol::Wyoming, "synthesize", "unknown-voice");
        m.audio(Protocol::Http, 48_000, 24_000);
        m.first_audio(Protocol::Http, Duration::from_millis(250));
        m.real_time_factor(Protocol::Http, Duration::from_secs(1), 4.0);
        m.cache_hits.inc();
        let guard = m.connection(Protocol::Wyoming);
        let load = EngineLoad {
            queue_depth: 3,
            preempted: 2,
        };
        let text = m.render(load);
        assert!(
            text.contains("kokorod_requests_total{protocol=\"http\",endpoint=\"speech\"} 2"),
            "{text}"
        );
        assert!(text.contains("kokorod_errors_total{protocol=\"wyoming\",endpoint=\"synthesize\",code=\"unknown-voice\"} 1"), "{text}");
        assert!(
            text.contains("kokorod_audio_seconds_total{protocol=\"http\"} 2.0"),
            "{text}"
        );
        assert!(
            text.contains(
                "kokorod_time_to_first_audio_seconds_bucket{le=\"0.3\",protocol=\"http\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("kokorod_real_time_factor_bucket{le=\"0.3\",protocol=\"http\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("kokorod_open_connections{protocol=\"wyoming\"} 1"),
            "{text}"
        );
        assert!(text.contains("kokorod_queue_depth 3\n"), "{text}");
        assert!(
            text.contains("kokorod_inferences_preempted_total 2\n"),
            "{text}"
        );
        assert!(text.contains("kokorod_cache_hits_total 1"), "{text}");
        assert!(
            text.contains("# TYPE kokorod_requests_total counter\n"),
            "{text}"
        );
        assert!(
            !text.contains("# EOF") && !text.contains("# UNIT"),
            "{text}"
        );
        let om = m.render_openmetrics(load);
        assert!(
            om.contains("# TYPE kokorod_requests counter\n") && om.ends_with("# EOF\n"),
            "{om}"
        );
        drop(guard);
        assert!(m
            .render(EngineLoad::default())
            .contains("kokorod_open_connections{protocol=\"wyoming\"} 0"));
    }
}
