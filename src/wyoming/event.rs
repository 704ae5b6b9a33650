//! Typed events ⇄ frames. Lenient on input (unknown fields ignored, `null` means
//! absent), exact on output (the fields the reference library writes and requires).

use bytes::{Bytes, BytesMut};
use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio_util::codec::Encoder;

use super::codec::{Frame, WyomingCodec};
use super::{CodecError, EventError};

/// A Wyoming event this crate understands, or [`Event::Unknown`] for the rest.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `describe`: asks for [`Event::Info`].
    Describe,
    /// `info`: the services offered.
    Info(Info),
    /// `synthesize`: speak a whole text.
    Synthesize(Synthesize),
    /// `synthesize-start`: a streamed text begins.
    SynthesizeStart(SynthesizeStart),
    /// `synthesize-chunk`: a piece of streamed text.
    SynthesizeChunk(SynthesizeChunk),
    /// `synthesize-stop`: the streamed text is complete.
    SynthesizeStop,
    /// `synthesize-stopped`: all audio for the streamed text has been sent.
    SynthesizeStopped,
    /// `audio-start`: an audio stream begins.
    AudioStart(AudioStart),
    /// `audio-chunk`: raw PCM.
    AudioChunk(AudioChunk),
    /// `audio-stop`: an audio stream ends.
    AudioStop(AudioStop),
    /// `error`: something went wrong.
    Error(ErrorEvent),
    /// `ping`: asks for [`Event::Pong`].
    Ping(Ping),
    /// `pong`: answer to a ping.
    Pong(Pong),
    /// Any other event type (e.g. `select-program`), kept as it came.
    Unknown(Frame),
}

impl Event {
    /// The wire name of this event's type.
    pub fn kind(&self) -> &str {
        match self {
            Event::Describe => "describe",
            Event::Info(_) => "info",
            Event::Synthesize(_) => "synthesize",
            Event::SynthesizeStart(_) => "synthesize-start",
            Event::SynthesizeChunk(_) => "synthesize-chunk",
            Event::SynthesizeStop => "synthesize-stop",
            Event::SynthesizeStopped => "synthesize-stopped",
            Event::AudioStart(_) => "audio-start",
            Event::AudioChunk(_) => "audio-chunk",
            Event::AudioStop(_) => "audio-stop",
            Event::Error(_) => "error",
            Event::Ping(_) => "ping",
            Event::Pong(_) => "pong",
            Event::Unknown(frame) => &frame.kind,
        }
    }
}

impl TryFrom<Frame> for Event {
    type Error = EventError;

    fn try_from(frame: Frame) -> Result<Self, EventError> {
        let Frame {
            kind,
            data,
            payload,
        } = frame;
        let event = match kind.as_str() {
            "describe" => Event::Describe,
            "info" => Event::Info(parse(&kind, data)?),
            "synthesize" => Event::Synthesize(parse(&kind, data)?),
            "synthesize-start" => Event::SynthesizeStart(parse(&kind, data)?),
            "synthesize-chunk" => Event::SynthesizeChunk(parse(&kind, data)?),
            "synthesize-stop" => Event::SynthesizeStop,
            "synthesize-stopped" => Event::SynthesizeStopped,
            "audio-start" => Event::AudioStart(parse(&kind, data)?),
            "audio-chunk" => {
                let format: AudioStart = parse(&kind, data)?;
                Event::AudioChunk(AudioChunk {
                    rate: format.rate,
                    width: format.width,
                    channels: format.channels,
                    timestamp: format.timestamp,
                    audio: payload.unwrap_or_default(),
                })
            }
            "audio-stop" => Event::AudioStop(parse(&kind, data)?),
            "error" => Event::Error(parse(&kind, data)?),
            "ping" => Event::Ping(parse(&kind, data)?),
            "pong" => Event::Pong(parse(&kind, data)?),
            _ => Event::Unknown(Frame {
                kind,
                data,
                payload,
            }),
        };
        Ok(event)
    }
}

fn parse<T: DeserializeOwned>(kind: &str, data: Map<String, Value>) -> Result<T, EventError> {
    serde_json::from_value(Value::Object(data)).map_err(|source| EventError {
        kind: kind.to_owned(),
        source,
    })
}

impl From<Event> for Frame {
    fn from(event: Event) -> Frame {
        let kind = event.kind().to_owned();
        let (data, payload) = match event {
            Event::Describe | Event::SynthesizeStop | Event::SynthesizeStopped => {
                (Map::new(), None)
            }
            Event::Info(info) => (info.to_data(), None),
            Event::Synthesize(s) => (s.to_data(), None),
            Event::SynthesizeStart(s) => (s.to_data(), None),
            Event::SynthesizeChunk(c) => (object([("text", c.text.into())]), None),
            Event::AudioStart(a) => (audio_format(a.rate, a.width, a.channels, a.timestamp), None),
            Event::AudioChunk(a) => (
                audio_format(a.rate, a.width, a.channels, a.timestamp),
                Some(a.audio),
            ),
            // The reference writes `timestamp` and ping/pong `text` even when null.
            Event::AudioStop(a) => (object([("timestamp", a.timestamp.into())]), None),
            Event::Error(e) => {
                let mut data = object([("text", e.text.into())]);
                if let Some(code) = e.code {
                    data.insert("code".into(), code.into());
                }
                (data, None)
            }
            Event::Ping(p) => (object([("text", p.text.into())]), None),
            Event::Pong(p) => (object([("text", p.text.into())]), None),
            Event::Unknown(frame) => return frame,
        };
        Frame {
            kind,
            data,
            payload,
        }
    }
}

impl Encoder<Event> for WyomingCodec {
    type Error = CodecError;

    fn encode(&mut self, event: Event, dst: &mut BytesMut) -> Result<(), CodecError> {
        let frame = Frame::from(event);
        Encoder::<&Frame>::encode(self, &frame, dst)
    }
}

fn object<const N: usize>(fields: [(&str, Value); N]) -> Map<String, Value> {
    fields
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

fn audio_format(
    rate: u32,
    width: u32,
    channels: u32,
    timestamp: Option<i64>,
) -> Map<String, Value> {
    object([
        ("rate", rate.into()),
        ("width", width.into()),
        ("channels", channels.into()),
        ("timestamp", timestamp.into()),
    ])
}

/// `null` counts as absent: the type's default.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Who made something and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Attribution {
    /// Who made it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Where it is from.
    #[serde(default, deserialize_with = "null_as_default")]
    pub url: String,
}

impl Attribution {
    fn to_value(&self) -> Value {
        Value::Object(object([
            ("name", self.name.clone().into()),
            ("url", self.url.clone().into()),
        ]))
    }
}

/// One speaker of a multi-speaker voice.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TtsVoiceSpeaker {
    /// Name of the speaker.
    pub name: String,
}

/// A voice in `info`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TtsVoice {
    /// Voice id, as sent back in `synthesize.voice.name`.
    pub name: String,
    /// Human-readable name (Home Assistant shows it instead of `name` when set).
    #[serde(default)]
    pub description: Option<String>,
    /// Who made the voice.
    #[serde(default, deserialize_with = "null_as_default")]
    pub attribution: Attribution,
    /// Whether the voice can be used now (Home Assistant skips the others).
    #[serde(default, deserialize_with = "null_as_default")]
    pub installed: bool,
    /// Version of the voice.
    #[serde(default)]
    pub version: Option<String>,
    /// BCP-47 languages the voice speaks (Home Assistant groups voices by these).
    #[serde(default, deserialize_with = "null_as_default")]
    pub languages: Vec<String>,
    /// Speakers within the voice, if it has several.
    #[serde(default)]
    pub speakers: Option<Vec<TtsVoiceSpeaker>>,
}

impl TtsVoice {
    fn to_value(&self) -> Value {
        let speakers = self.speakers.as_ref().map(|speakers| {
            speakers
                .iter()
                .map(|s| Value::Object(object([("name", s.name.clone().into())])))
                .collect::<Vec<_>>()
        });
        Value::Object(object([
            ("name", self.name.clone().into()),
            ("attribution", self.attribution.to_value()),
            ("installed", self.installed.into()),
            ("description", self.description.clone().into()),
            ("version", self.version.clone().into()),
            ("languages", self.languages.clone().into()),
            ("speakers", speakers.into()),
        ]))
    }
}

/// A text-to-speech program in `info`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TtsProgram {
    /// Program name (Home Assistant names its entity after it).
    pub name: String,
    /// Human-readable description.
    #[serde(default)]
    pub description: Option<String>,
    /// Who made the program.
    #[serde(default, deserialize_with = "null_as_default")]
    pub attribution: Attribution,
    /// Whether the program can be used now (Home Assistant takes the first installed one).
    #[serde(default, deserialize_with = "null_as_default")]
    pub installed: bool,
    /// Program version.
    #[serde(default)]
    pub version: Option<String>,
    /// The voices offered.
    #[serde(default, deserialize_with = "null_as_default")]
    pub voices: Vec<TtsVoice>,
    /// Whether `synthesize-start`/`-chunk`/`-stop` are supported.
    #[serde(default, deserialize_with = "null_as_default")]
    pub supports_synthesize_streaming: bool,
}

impl TtsProgram {
    fn to_value(&self) -> Value {
        Value::Object(object([
            ("name", self.name.clone().into()),
            ("attribution", self.attribution.to_value()),
            ("installed", self.installed.into()),
            ("description", self.description.clone().into()),
            ("version", self.version.clone().into()),
            (
                "voices",
                Value::Array(self.voices.iter().map(TtsVoice::to_value).collect()),
            ),
            (
                "supports_synthesize_streaming",
                self.supports_synthesize_streaming.into(),
            ),
        ]))
    }
}

/// `info`: the services offered. Only text-to-speech is modelled; other sections are
/// ignored on input and written as empty lists.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Info {
    /// Text-to-speech programs.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tts: Vec<TtsProgram>,
}

impl Info {
    fn to_data(&self) -> Map<String, Value> {
        let empty = || Value::Array(Vec::new());
        object([
            ("asr", empty()),
            (
                "tts",
                Value::Array(self.tts.iter().map(TtsProgram::to_value).collect()),
            ),
            ("handle", empty()),
            ("intent", empty()),
            ("wake", empty()),
            ("mic", empty()),
            ("snd", empty()),
        ])
    }
}

/// The voice asked for in `synthesize` / `synthesize-start`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct SynthesizeVoice {
    /// Voice name from `info` (takes precedence over `language`).
    #[serde(default)]
    pub name: Option<String>,
    /// Language (BCP-47) to pick a voice for.
    #[serde(default)]
    pub language: Option<String>,
    /// Speaker within the voice.
    #[serde(default)]
    pub speaker: Option<String>,
}

impl SynthesizeVoice {
    fn to_value(&self) -> Value {
        let mut map = Map::new();
        for (key, value) in [
            ("name", &self.name),
            ("language", &self.language),
            ("speaker", &self.speaker),
        ] {
            if let Some(value) = value {
                map.insert(key.to_owned(), value.clone().into());
            }
        }
        Value::Object(map)
    }
}

/// A voice object with no field set means no voice preference.
fn voice_or_none<'de, D>(deserializer: D) -> Result<Option<SynthesizeVoice>, D::Error>
where
    D: Deserializer<'de>,
{
    let voice = Option::<SynthesizeVoice>::deserialize(deserializer)?;
    Ok(voice.filter(|v| *v != SynthesizeVoice::default()))
}

/// Format of the text to speak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextFormat {
    /// Plain text.
    Text,
    /// SSML markup.
    Ssml,
    /// Anything else, kept as sent (the reference keeps unknown values too).
    Other(String),
}

impl TextFormat {
    /// The wire value.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            TextFormat::Text => "text",
            TextFormat::Ssml => "ssml",
            TextFormat::Other(other) => other,
        }
    }
}

impl<'de> Deserialize<'de> for TextFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.as_str() {
            "text" => TextFormat::Text,
            "ssml" => TextFormat::Ssml,
            _ => TextFormat::Other(text),
        })
    }
}

/// Writes `voice`, `text_format` and `context` when set, as the reference does.
fn insert_request_options(
    data: &mut Map<String, Value>,
    voice: Option<&SynthesizeVoice>,
    text_format: Option<&TextFormat>,
    context: Option<&Value>,
) {
    if let Some(voice) = voice {
        data.insert("voice".into(), voice.to_value());
    }
    if let Some(format) = text_format {
        data.insert("text_format".into(), format.as_str().into());
    }
    if let Some(context) = context {
        data.insert("context".into(), context.clone());
    }
}

/// `synthesize`: speak a whole text.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Synthesize {
    /// The text to speak.
    pub text: String,
    /// The voice asked for; `None` means the server's default.
    #[serde(default, deserialize_with = "voice_or_none")]
    pub voice: Option<SynthesizeVoice>,
    /// `text` or `ssml`; `None` means plain text.
    #[serde(default)]
    pub text_format: Option<TextFormat>,
    /// Opaque context for the next interaction (a JSON object in the reference).
    #[serde(default)]
    pub context: Option<Value>,
}

impl Synthesize {
    fn to_data(&self) -> Map<String, Value> {
        let mut data = object([("text", self.text.clone().into())]);
        insert_request_options(
            &mut data,
            self.voice.as_ref(),
            self.text_format.as_ref(),
            self.context.as_ref(),
        );
        data
    }
}

/// `synthesize-start`: a streamed text begins.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct SynthesizeStart {
    /// The voice asked for; `None` means the server's default.
    #[serde(default, deserialize_with = "voice_or_none")]
    pub voice: Option<SynthesizeVoice>,
    /// `text` or `ssml`; `None` means plain text.
    #[serde(default)]
    pub text_format: Option<TextFormat>,
    /// Opaque context for the next interaction.
    #[serde(default)]
    pub context: Option<Value>,
}

impl SynthesizeStart {
    fn to_data(&self) -> Map<String, Value> {
        let mut data = Map::new();
        insert_request_options(
            &mut data,
            self.voice.as_ref(),
            self.text_format.as_ref(),
            self.context.as_ref(),
        );
        data
    }
}

/// `synthesize-chunk`: a piece of streamed text.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SynthesizeChunk {
    /// The piece of text.
    pub text: String,
}

/// `audio-start`: an audio stream begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct AudioStart {
    /// Samples per second.
    pub rate: u32,
    /// Bytes per sample.
    pub width: u32,
    /// Number of channels.
    pub channels: u32,
    /// Milliseconds since the stream began.
    #[serde(default)]
    pub timestamp: Option<i64>,
}

/// `audio-chunk`: raw PCM with its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioChunk {
    /// Samples per second.
    pub rate: u32,
    /// Bytes per sample.
    pub width: u32,
    /// Number of channels.
    pub channels: u32,
    /// Milliseconds since the stream began.
    pub timestamp: Option<i64>,
    /// Interleaved little-endian samples (the payload).
    pub audio: Bytes,
}

/// `audio-stop`: an audio stream ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct AudioStop {
    /// Milliseconds since the stream began.
    #[serde(default)]
    pub timestamp: Option<i64>,
}

/// `error`: a human-readable text and an optional machine-readable code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorEvent {
    /// What went wrong.
    pub text: String,
    /// A stable code for programs.
    #[serde(default)]
    pub code: Option<String>,
}

/// `ping`: asks for a `pong` with the same text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Ping {
    /// Text to copy into the pong.
    #[serde(default)]
    pub text: Option<String>,
}

/// `pong`: answer to a ping.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Pong {
    /// Text copied from the ping.
    #[serde(default)]
    pub text: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame(kind: &str, data: Value) -> Frame {
        match data {
            Value::Object(data) => Frame::with_data(kind, data),
            other => panic!("not an object: {other}"),
        }
    }

    fn event(kind: &str, data: Value) -> Event {
        Event::try_from(frame(kind, data)).unwrap()
    }

    fn sample_info() -> Info {
        Info {
            tts: vec![TtsProgram {
                name: "kokorod".into(),
                description: Some("Kokoro-82M".into()),
                attribution: Attribution {
                    name: "hexgrad".into(),
                    url: "https://example.org".into(),
                },
                installed: true,
                version: Some("0.1.0".into()),
                supports_synthesize_streaming: true,
                voices: vec![TtsVoice {
                    name: "af_heart".into(),
                    description: Some("Heart (American English, female)".into()),
                    attribution: Attribution {
                        name: "hexgrad".into(),
                        url: "https://example.org".into(),
                    },
                    installed: true,
                    version: None,
                    languages: vec!["en-US".into()],
                    speakers: None,
                }],
            }],
        }
    }

    #[test]
    fn synthesize_with_voice() {
        let e = event(
            "synthesize",
            json!({"text": "Hi.", "voice": {"name": "af_heart", "speaker": "0"}, "text_format": "ssml",
                   "context": {"a": 1}, "unknown": true}),
        );
        assert_eq!(
            e,
            Event::Synthesize(Synthesize {
                text: "Hi.".into(),
                voice: Some(SynthesizeVoice {
                    name: Some("af_heart".into()),
                    language: None,
                    speaker: Some("0".into())
                }),
                text_format: Some(TextFormat::Ssml),
                context: Some(json!({"a": 1})),
            })
        );
    }

    #[test]
    fn nulls_and_empty_voice_mean_absent() {
        let plain = Event::Synthesize(Synthesize {
            text: "Hi.".into(),
            voice: None,
            text_format: None,
            context: None,
        });
        assert_eq!(event("synthesize", json!({"text": "Hi."})), plain);
        assert_eq!(
            event(
                "synthesize",
                json!({"text": "Hi.", "voice": null, "text_format": null, "context": null})
            ),
            plain
        );
        assert_eq!(
            event("synthesize", json!({"text": "Hi.", "voice": {}})),
            plain
        );
        assert_eq!(
            event(
                "synthesize",
                json!({"text": "Hi.", "voice": {"name": null, "language": null}})
            ),
            plain
        );
        assert_eq!(
            event(
                "synthesize-start",
                json!({"voice": {"language": "en-GB"}, "text_format": "text"})
            ),
            Event::SynthesizeStart(SynthesizeStart {
                voice: Some(SynthesizeVoice {
                    language: Some("en-GB".into()),
                    ..Default::default()
                }),
                text_format: Some(TextFormat::Text),
                context: None,
            })
        );
        assert_eq!(
            event("synthesize-start", json!({})),
            Event::SynthesizeStart(Default::default())
        );
    }

    #[test]
    fn unknown_text_format_is_kept() {
        let Event::Synthesize(s) = event(
            "synthesize",
            json!({"text": "x", "text_format": "markdown"}),
        ) else {
            panic!()
        };
        assert_eq!(s.text_format, Some(TextFormat::Other("markdown".into())));
    }

    #[test]
    fn simple_events() {
        assert_eq!(event("describe", json!({"ignored": 1})), Event::Describe);
        assert_eq!(event("synthesize-stop", json!({})), Event::SynthesizeStop);
        assert_eq!(
            event("synthesize-stopped", json!({})),
            Event::SynthesizeStopped
        );
        assert_eq!(
            event("synthesize-chunk", json!({"text": "Hello "})),
            Event::SynthesizeChunk(SynthesizeChunk {
                text: "Hello ".into()
            })
        );
        assert_eq!(event("ping", json!({})), Event::Ping(Ping { text: None }));
        assert_eq!(
            event("ping", json!({"text": null})),
            Event::Ping(Ping { text: None })
        );
        assert_eq!(
            event("ping", json!({"text": "x"})),
            Event::Ping(Ping {
                text: Some("x".into())
            })
        );
        assert_eq!(
            event("pong", json!({"text": "x"})),
            Event::Pong(Pong {
                text: Some("x".into())
            })
        );
        assert_eq!(
            event("error", json!({"text": "bad", "code": "voice-not-found"})),
            Event::Error(ErrorEvent {
                text: "bad".into(),
                code: Some("voice-not-found".into())
            })
        );
        assert_eq!(
            event("audio-stop", json!({"timestamp": null})),
            Event::AudioStop(AudioStop::default())
        );
        assert_eq!(
            event(
                "audio-start",
                json!({"rate": 24000, "width": 2, "channels": 1, "timestamp": 0})
            ),
            Event::AudioStart(AudioStart {
                rate: 24000,
                width: 2,
                channels: 1,
                timestamp: Some(0)
            })
        );
    }

    #[test]
    fn audio_chunk_takes_the_payload() {
        let mut f = frame(
            "audio-chunk",
            json!({"rate": 24000, "width": 2, "channels": 1}),
        );
        f.payload = Some(Bytes::from_static(&[1, 0, 2, 0]));
        let chunk = Event::AudioChunk(AudioChunk {
            rate: 24000,
            width: 2,
            channels: 1,
            timestamp: None,
            audio: Bytes::from_static(&[1, 0, 2, 0]),
        });
        assert_eq!(Event::try_from(f).unwrap(), chunk);
        assert_eq!(Event::try_from(Frame::from(chunk.clone())).unwrap(), chunk);
    }

    #[test]
    fn unknown_events_are_kept_whole() {
        let f = frame("select-program", json!({"name": "kokorod"}));
        assert_eq!(
            Event::try_from(f.clone()).unwrap(),
            Event::Unknown(f.clone())
        );
        assert_eq!(Event::Unknown(f.clone()).kind(), "select-program");
        assert_eq!(Frame::from(Event::Unknown(f.clone())), f);
    }

    #[test]
    fn invalid_data_is_an_event_error() {
        for (kind, data) in [
            ("synthesize", json!({})),
            ("synthesize", json!({"text": null})),
            ("synthesize", json!({"text": 5})),
            ("synthesize", json!({"text": "x", "voice": "af_heart"})),
            ("synthesize", json!({"text": "x", "text_format": 1})),
            ("synthesize-chunk", json!({})),
            ("audio-start", json!({"rate": 24000, "width": 2})),
            (
                "audio-chunk",
                json!({"rate": -1, "width": 2, "channels": 1}),
            ),
            ("error", json!({"code": "x"})),
            ("ping", json!({"text": 1})),
        ] {
            let error = Event::try_from(frame(kind, data.clone())).unwrap_err();
            assert_eq!(error.kind, kind, "{data}");
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("invalid `{kind}` event: ")),
                "{error}"
            );
        }
    }

    #[test]
    fn info_is_written_with_every_field_the_reference_requires() {
        let data = Value::Object(Frame::from(Event::Info(sample_info())).data);
        assert_eq!(
            data,
            json!({
                "asr": [], "handle": [], "intent": [], "wake": [], "mic": [], "snd": [],
                "tts": [{
                    "name": "kokorod",
                    "description": "Kokoro-82M",
                    "attribution": {"name": "hexgrad", "url": "https://example.org"},
                    "installed": true,
                    "version": "0.1.0",
                    "supports_synthesize_streaming": true,
                    "voices": [{
                        "name": "af_heart",
                        "description": "Heart (American English, female)",
                        "attribution": {"name": "hexgrad", "url": "https://example.org"},
                        "installed": true,
                        "version": null,
                        "languages": ["en-US"],
                        "speakers": null
                    }]
                }]
            })
        );
    }

    #[test]
    fn info_round_trips_and_reads_leniently() {
        let info = Event::Info(sample_info());
        assert_eq!(Event::try_from(Frame::from(info.clone())).unwrap(), info);
        let lenient = event(
            "info",
            json!({"asr": [{"name": "whisper"}], "tts": [{"name": "p", "voices": null, "attribution": null,
                   "speakers": [{"name": "a"}], "extra": 1}], "satellite": null}),
        );
        let Event::Info(lenient) = lenient else {
            panic!()
        };
        assert_eq!(lenient.tts[0].name, "p");
        assert!(!lenient.tts[0].installed);
        assert!(lenient.tts[0].voices.is_empty());
    }

    #[test]
    fn output_matches_the_reference_shapes() {
        let out = |e: Event| Value::Object(Frame::from(e).data);
        assert_eq!(out(Event::Ping(Ping::default())), json!({"text": null}));
        assert_eq!(
            out(Event::Pong(Pong {
                text: Some("x".into())
            })),
            json!({"text": "x"})
        );
        assert_eq!(
            out(Event::AudioStop(AudioStop::default())),
            json!({"timestamp": null})
        );
        assert_eq!(
            out(Event::AudioStart(AudioStart {
                rate: 24000,
                width: 2,
                channels: 1,
                timestamp: Some(5)
            })),
            json!({"rate": 24000, "width": 2, "channels": 1, "timestamp": 5})
        );
        assert_eq!(
            out(Event::Error(ErrorEvent {
                text: "bad".into(),
                code: None
            })),
            json!({"text": "bad"})
        );
        assert_eq!(out(Event::Describe), json!({}));
        assert_eq!(out(Event::SynthesizeStopped), json!({}));
        assert_eq!(
            out(Event::Synthesize(Synthesize {
                text: "t".into(),
                voice: Some(SynthesizeVoice {
                    name: Some("v".into()),
                    ..Default::default()
                }),
                text_format: Some(TextFormat::Ssml),
                context: None,
            })),
            json!({"text": "t", "voice": {"name": "v"}, "text_format": "ssml"})
        );
    }

    #[test]
    fn every_event_round_trips_through_the_codec() {
        use tokio_util::codec::Decoder;
        let events = vec![
            Event::Describe,
            Event::Info(sample_info()),
            Event::Synthesize(Synthesize {
                text: "Hello, world.".into(),
                voice: Some(SynthesizeVoice {
                    name: Some("af_heart+bf_emma".into()),
                    language: Some("en-US".into()),
                    speaker: Some("1".into()),
                }),
                text_format: Some(TextFormat::Text),
                context: Some(json!({"k": [1, 2]})),
            }),
            Event::SynthesizeStart(SynthesizeStart::default()),
            Event::SynthesizeChunk(SynthesizeChunk {
                text: "Hello".into(),
            }),
            Event::SynthesizeStop,
            Event::SynthesizeStopped,
            Event::AudioStart(AudioStart {
                rate: 24000,
                width: 2,
                channels: 1,
                timestamp: Some(0),
            }),
            Event::AudioChunk(AudioChunk {
                rate: 24000,
                width: 2,
                channels: 1,
                timestamp: Some(42),
                audio: Bytes::from(vec![0x7f; 2048]),
            }),
            Event::AudioStop(AudioStop {
                timestamp: Some(85),
            }),
            Event::Error(ErrorEvent {
                text: "no such voice".into(),
                code: Some("voice-not-found".into()),
            }),
            Event::Ping(Ping {
                text: Some("p".into()),
            }),
            Event::Pong(Pong::default()),
        ];
        let mut codec = WyomingCodec::default();
        let mut buf = BytesMut::new();
        for e in &events {
            codec.encode(e.clone(), &mut buf).unwrap();
        }
        let mut decoded = Vec::new();
        while let Some(f) = codec.decode_eof(&mut buf).unwrap() {
            decoded.push(Event::try_from(f).unwrap());
        }
        assert_eq!(decoded, events);
    }
}
