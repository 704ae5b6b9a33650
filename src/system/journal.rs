//! A `tracing` layer that writes records to the systemd journal through
//! `systemd-journal-logger`: the message as `MESSAGE`, the level as `PRIORITY`,
//! and every field as `KOKOROD_<NAME>` (`voice` → `KOKOROD_VOICE`, `peer` →
//! `KOKOROD_PEER`), so `journalctl -u kokorod KOKOROD_VOICE=bf_emma` works. Fields of
//! the spans around a record (a connection's `peer`) come first, as if the record
//! had them, unless it has a field of the same name.

use std::fmt::Write as _;

use systemd_journal_logger::JournalLog;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use super::logging::escape_control;

/// Sends every record to journald.
pub struct JournalLayer {
    journal: JournalLog,
}

impl JournalLayer {
    /// Connects to journald's socket.
    pub fn new() -> std::io::Result<Self> {
        Ok(JournalLayer {
            journal: JournalLog::new()?.with_syslog_identifier("kokorod".into()),
        })
    }
}

/// A record's message and fields, ready for the journal.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fields {
    /// The message, escaped; other fields are appended `key=value` for readers of
    /// the plain message.
    pub message: String,
    /// `(KOKOROD_NAME, value)`, values escaped.
    pub fields: Vec<(String, String)>,
}

/// `voice` → `KOKOROD_VOICE`; journald allows `A-Z`, `0-9` and `_` only.
pub fn journal_key(field: &str) -> String {
    let mut key = String::from("KOKOROD_");
    key.extend(field.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    key.truncate(64);
    key
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, format!("{value:?}"));
    }
}

impl Fields {
    fn put(&mut self, field: &Field, value: String) {
        let value = escape_control(&value).into_owned();
        if field.name() == "message" {
            self.message.insert_str(0, &value);
        } else {
            self.fields.push((journal_key(field.name()), value));
        }
    }

    /// Collects an event's fields.
    pub fn of(event: &Event<'_>) -> Fields {
        let mut f = Fields::default();
        event.record(&mut f);
        f
    }

    /// Puts `outer`'s fields (a span's) before this record's, but none whose name
    /// the record has already.
    fn inherit(&mut self, outer: &Fields) {
        let mut fields: Vec<_> = outer
            .fields
            .iter()
            .filter(|(k, _)| !self.fields.iter().any(|(own, _)| own == k))
            .cloned()
            .collect();
        fields.append(&mut self.fields);
        self.fields = fields;
    }

    /// The message with the fields appended, as `journalctl` shows it.
    pub fn full_message(&self) -> String {
        let mut m = self.message.clone();
        for (k, v) in &self.fields {
            let _ = write!(
                m,
                " {}={v}",
                k.trim_start_matches("KOKOROD_").to_ascii_lowercase()
            );
        }
        m
    }
}

fn log_level(level: &Level) -> log::Level {
    match *level {
        Level::ERROR => log::Level::Error,
        Level::WARN => log::Level::Warn,
        Level::INFO => log::Level::Info,
        Level::DEBUG => log::Level::Debug,
        Level::TRACE => log::Level::Trace,
    }
}

/// Keeps a new span's fields, for the records inside it.
fn keep_span_fields<S>(attrs: &Attributes<'_>, id: &Id, ctx: &Context<'_, S>)
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let mut fields = Fields::default();
    attrs.record(&mut fields);
    if let Some(span) = ctx.span(id) {
        span.extensions_mut().insert(fields);
    }
}

/// An event's fields after those of the spans around it.
fn fields_in_scope<S>(event: &Event<'_>, ctx: &Context<'_, S>) -> Fields
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let mut fields = Fields::of(event);
    if let Some(scope) = ctx.event_scope(event) {
        // Innermost first: each outer span's fields go before the inner ones.
        for span in scope {
            if let Some(outer) = span.extensions().get::<Fields>() {
                fields.inherit(outer);
            }
        }
    }
    fields
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for JournalLayer {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        keep_span_fields(attrs, id, &ctx);
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        let fields = fields_in_scope(event, &ctx);
        let kvs: Vec<(&str, &str)> = fields
            .fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let message = fields.full_message();
        // A lost log record cannot be reported anywhere better.
        let _ = self.journal.journal_send(
            &log::Record::builder()
                .level(log_level(meta.level()))
                .target(meta.target())
                .module_path(meta.module_path())
                .file(meta.file())
                .line(meta.line())
                .key_values(&kvs)
                .args(format_args!("{message}"))
                .build(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Records what the journal layer would send.
    struct Capture(Arc<Mutex<Vec<Fields>>>);

    impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
        fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
            keep_span_fields(attrs, id, &ctx);
        }

        fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
            self.0.lock().unwrap().push(fields_in_scope(event, &ctx));
        }
    }

    #[test]
    fn fields_map_to_journal_keys_and_are_escaped() {
        use tracing_subscriber::layer::SubscriberExt;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(seen.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let voice = "bf_emma\nMESSAGE=forged";
            tracing::info!(
                peer = "127.0.0.1:4000",
                voice,
                chars = 42_u64,
                rtf = 0.25_f64,
                "spoke for {voice}"
            );
        });
        let seen = seen.lock().unwrap();
        let f = &seen[0];
        assert_eq!(f.message, "spoke for bf_emma\\nMESSAGE=forged");
        assert_eq!(
            f.fields,
            [
                ("KOKOROD_PEER".into(), "127.0.0.1:4000".into()),
                ("KOKOROD_VOICE".into(), "bf_emma\\nMESSAGE=forged".into()),
                ("KOKOROD_CHARS".into(), "42".into()),
                ("KOKOROD_RTF".into(), "0.25".into()),
            ]
        );
        assert!(!f.full_message().contains('\n'));
        assert!(f
            .full_message()
            .ends_with(" peer=127.0.0.1:4000 voice=bf_emma\\nMESSAGE=forged chars=42 rtf=0.25"));
    }

    #[test]
    fn span_fields_come_first_unless_the_record_has_them() {
        use tracing_subscriber::layer::SubscriberExt;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(seen.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let _conn = tracing::info_span!("conn", peer = "unix (pid 7, uid 0)").entered();
            tracing::info!(voice = "bf_emma", "spoke");
            tracing::info!(peer = "own", "closing");
        });
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen[0].full_message(),
            "spoke peer=unix (pid 7, uid 0) voice=bf_emma"
        );
        assert_eq!(seen[1].full_message(), "closing peer=own");
    }

    #[test]
    fn keys_are_valid_journal_field_names() {
        assert_eq!(journal_key("voice"), "KOKOROD_VOICE");
        assert_eq!(journal_key("audio.ms-x"), "KOKOROD_AUDIO_MS_X");
        assert!(journal_key(&"x".repeat(100)).len() <= 64);
    }
}
