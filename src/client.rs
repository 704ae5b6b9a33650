//! A tiny Wyoming client: `kokorod say` and the tests use it to ask a server for speech.

use futures::{SinkExt, StreamExt};
use tokio_util::codec::Framed;

use crate::net::{Endpoint, EndpointError, Stream};
use crate::wyoming::{
    CodecError, Event, EventError, Info, Synthesize, SynthesizeVoice, WyomingCodec,
};

/// The format of the audio received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioFormat {
    /// Samples per second.
    pub rate: u32,
    /// Bytes per sample.
    pub width: u32,
    /// Channels.
    pub channels: u32,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URI is not `tcp://HOST:PORT` or `unix:///path`.
    #[error(transparent)]
    Uri(#[from] EndpointError),
    /// No connection.
    #[error("cannot connect to {endpoint}")]
    Connect {
        /// Where to.
        endpoint: String,
        /// The system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The server sent something that is not Wyoming (or the connection broke).
    #[error("bad reply from the server: {0}")]
    Protocol(#[from] CodecError),
    /// The server sent a malformed event.
    #[error("bad reply from the server: {0}")]
    Event(#[from] EventError),
    /// The server answered with an `error` event.
    #[error("the server says: {text}{}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Server {
        /// Its text.
        text: String,
        /// Its code.
        code: Option<String>,
    },
    /// The connection ended before the answer was complete.
    #[error("the server closed the connection before the {0} ended")]
    Closed(&'static str),
    /// Audio that is not 16-bit PCM.
    #[error("the server sent {width}-byte samples; only 16-bit PCM is supported")]
    Width {
        /// Bytes per sample.
        width: u32,
    },
}

async fn connect(uri: &str) -> Result<Framed<Stream, WyomingCodec>, ClientError> {
    let endpoint: Endpoint = uri.parse()?;
    let stream = endpoint
        .connect()
        .await
        .map_err(|source| ClientError::Connect {
            endpoint: endpoint.to_string(),
            source,
        })?;
    Ok(Framed::new(stream, WyomingCodec::default()))
}

async fn next_event(
    framed: &mut Framed<Stream, WyomingCodec>,
    what: &'static str,
) -> Result<Event, ClientError> {
    match framed.next().await {
        Some(frame) => Ok(Event::try_from(frame?)?),
        None => Err(ClientError::Closed(what)),
    }
}

/// Speaks `text` with `voice` (or the server's default) on the server at `uri`;
/// returns the audio's format and its samples (interleaved if several channels).
pub async fn say(
    uri: &str,
    text: &str,
    voice: Option<&str>,
) -> Result<(AudioFormat, Vec<i16>), ClientError> {
    let mut framed = connect(uri).await?;
    let voice = voice.map(|name| SynthesizeVoice {
        name: Some(name.to_owned()),
        ..SynthesizeVoice::default()
    });
    framed
        .send(Event::Synthesize(Synthesize {
            text: text.to_owned(),
            voice,
            text_format: None,
            context: None,
        }))
        .await?;
    let mut format = None;
    let mut pcm = Vec::new();
    loop {
        match next_event(&mut framed, "audio").await? {
            Event::AudioStart(start) => {
                format.get_or_insert(AudioFormat {
                    rate: start.rate,
                    width: start.width,
                    channels: start.channels,
                });
            }
            Event::AudioChunk(chunk) => {
                format.get_or_insert(AudioFormat {
                    rate: chunk.rate,
                    width: chunk.width,
                    channels: chunk.channels,
                });
                pcm.extend_from_slice(&chunk.audio);
            }
            Event::AudioStop(_) => break,
            Event::Error(error) => {
                return Err(ClientError::Server {
                    text: error.text,
                    code: error.code,
                })
            }
            _ => {}
        }
    }
    let format = format.ok_or(ClientError::Closed("audio"))?;
    if format.width != 2 {
        return Err(ClientError::Width {
            width: format.width,
        });
    }
    let samples = pcm
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    Ok((format, samples))
}

/// Asks the server at `uri` what it offers.
pub async fn describe(uri: &str) -> Result<Info, ClientError> {
    let mut framed = connect(uri).await?;
    framed.send(Event::Describe).await?;
    loop {
        match next_event(&mut framed, "info").await? {
            Event::Info(info) => return Ok(info),
            Event::Error(error) => {
                return Err(ClientError::Server {
                    text: error.text,
                    code: error.code,
                })
            }
            _ => {}
        }
    }
}
