//! Where log records go: the systemd journal, with structured fields, when stderr
//! is the journal stream (`JOURNAL_STREAM` matches stderr); readable lines on
//! stderr otherwise. `--log-level` sets the level, `RUST_LOG` (if set) wins.
//!
//! Clients choose text and voice names that end up in messages: control characters
//! (newlines above all) are escaped at both sinks, so no client can forge a line.

use std::borrow::Cow;
use std::io::Write;
use std::sync::OnceLock;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

type FilterHandle = tracing_subscriber::reload::Handle<EnvFilter, tracing_subscriber::Registry>;

/// The level filter, replaceable on reload (unset when `RUST_LOG` rules).
static LEVEL: OnceLock<FilterHandle> = OnceLock::new();

fn filter_for(level: &str) -> EnvFilter {
    EnvFilter::new(format!("{level},ort=warn"))
}

/// Installs the global subscriber for `level` (`info`, `debug`, …).
pub fn init(level: &str) {
    let (filter, handle) = match EnvFilter::try_from_default_env() {
        Ok(from_env) => (tracing_subscriber::reload::Layer::new(from_env).0, None),
        Err(_) => {
            let (layer, handle) = tracing_subscriber::reload::Layer::new(filter_for(level));
            (layer, Some(handle))
        }
    };
    if let Some(handle) = handle {
        let _ = LEVEL.set(handle);
    }
    let registry = tracing_subscriber::registry().with(filter);
    if systemd_journal_logger::connected_to_journal() {
        match super::journal::JournalLayer::new() {
            Ok(journal) => {
                registry.with(journal).init();
                return;
            }
            Err(e) => eprintln!("kokorod: cannot log to the journal ({e}); logging to stderr"),
        }
    }
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(|| EscapingWriter(std::io::stderr()))
        .with_ansi(false)
        .log_internal_errors(false);
    registry.with(lines).init();
}

/// Changes the level (a reload); a no-op when `RUST_LOG` set the filter.
pub fn set_level(level: &str) -> Result<(), tracing_subscriber::reload::Error> {
    match LEVEL.get() {
        Some(handle) => handle.reload(filter_for(level)),
        None => Ok(()),
    }
}

/// `s` with every control character (and U+2028/U+2029) written as an escape:
/// `\n`, `\r`, `\t`, `\u{1b}`, …
pub fn escape_control(s: &str) -> Cow<'_, str> {
    let bad = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Writes one formatted record per `write` (as tracing's formatter does), keeping
/// only its final newline: any other line break or control character inside is
/// escaped.
pub struct EscapingWriter<W: Write>(pub W);

impl<W: Write> Write for EscapingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (body, newline) = match text.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (&*text, ""),
        };
        let line = format!("{}{newline}", escape_control(body));
        // Nobody reads our stderr any more (a closed pipe): drop the line. A failed
        // write would make tracing report it with eprintln!, which panics on that pipe
        // and kills whatever task was logging — the signal handler, for one.
        let _ = self.0.write_all(line.as_bytes());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// A log sink for tests: what a subscriber wrote, shared between its clones.
#[cfg(test)]
#[derive(Clone, Default)]
pub(crate) struct CapturedLog(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

#[cfg(test)]
impl CapturedLog {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

#[cfg(test)]
impl std::io::Write for CapturedLog {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert!(matches!(escape_control("af_heart"), Cow::Borrowed(_)));
        assert_eq!(
            escape_control("a\nINFO forged\r\u{1b}[31m\u{7f}\u{85}\u{2028}"),
            "a\\nINFO forged\\r\\u{1b}[31m\\u{7f}\\u{85}\\u{2028}"
        );
        assert_eq!(escape_control("日本語 ok"), "日本語 ok");
    }

    #[test]
    fn one_record_stays_one_line() {
        let mut w = EscapingWriter(Vec::new());
        w.write_all(b"INFO voice \"x\nWARN forged\"\n").unwrap();
        w.write_all(b"INFO next\n").unwrap();
        let out = String::from_utf8(w.0).unwrap();
        assert_eq!(
            out.lines().collect::<Vec<_>>(),
            ["INFO voice \"x\\nWARN forged\"", "INFO next"]
        );
    }

    #[test]
    fn a_tracing_record_with_client_text_is_one_line() {
        let buf = CapturedLog::default();
        let sink = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || EscapingWriter(sink.clone()))
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let voice = "nope\n2026-01-01T00:00:00Z ERROR kokorod: forged";
            tracing::warn!(peer = "127.0.0.1:5", "unknown voice {voice}");
            tracing::warn!(voice = %voice, "as a field");
        });
        let out = buf.text();
        assert_eq!(out.lines().count(), 2, "{out}");
        assert!(out.lines().all(|l| l.contains("WARN")), "{out}");
    }
}
