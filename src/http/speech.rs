//! `POST /v1/audio/speech`: OpenAI's request → [`SpeakRequest`] → PCM pieces →
//! the chosen encoder → the response body, piece by piece. `POST /v1/audio/stream`
//! (LiteTTS's progressive endpoint) takes the same body and always streams.
//!
//! The first piece is awaited before the status line is sent, so errors found only
//! when synthesis starts (the queue is full) still get their status; after that,
//! every piece is encoded and sent as soon as it is ready. A failure mid-stream
//! aborts the response (the client sees a truncated body, never a silent gap).

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Deserialize;

use super::error::ApiError;
use super::voices::{map_voice, MODELS};
use super::AppState;
use crate::audio::encode::{Encoder, Format};
use crate::metrics::Protocol;
use crate::speech::{
    ErrorKind, PieceStream, SpeakRequest, SpeechError, TextFormat, VoiceChoice, SAMPLE_RATE,
};

/// The speed range OpenAI's API accepts.
const OPENAI_SPEED: std::ops::RangeInclusive<f64> = 0.25..=4.0;

/// The request body (OpenAI's fields; `stream` is ours, true by default).
#[derive(Debug, Deserialize)]
struct SpeechBody {
    model: Option<String>,
    input: Option<String>,
    voice: Option<String>,
    response_format: Option<String>,
    speed: Option<f64>,
    stream: Option<bool>,
    stream_format: Option<String>,
}

/// The route a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    /// `/v1/audio/speech`: streamed or whole, as `stream` says.
    Speech,
    /// `/v1/audio/stream`: streamed, whatever `stream` and `stream_format` say.
    Stream,
}

impl Route {
    /// The `endpoint` label of its metrics and logs.
    pub(super) fn endpoint(self) -> &'static str {
        match self {
            Route::Speech => "speech",
            Route::Stream => "stream",
        }
    }
}

/// A checked request.
struct Checked {
    req: SpeakRequest,
    format: Format,
    stream: bool,
}

/// Reads the request body: at most `body_limit` bytes (413 beyond, from the declared
/// length when there is one), within the read timeout (408). Either error leaves body
/// bytes unread, so the connection closes after the answer.
async fn read_body(st: &AppState, headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request_too_large",
            format!("the request body is over {} bytes", st.body_limit),
        )
        .closing()
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > st.body_limit as u64) {
        return Err(too_large());
    }
    let mut data = body.into_data_stream();
    let mut bytes = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    let read = async {
        while let Some(chunk) = data.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    format!("cannot read the request body: {e}"),
                )
                .closing()
            })?;
            if bytes.len() + chunk.len() > st.body_limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(())
    };
    match tokio::time::timeout(st.cfg.read_timeout, read).await {
        Ok(Ok(())) => Ok(Bytes::from(bytes)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the request body did not arrive within {:?}",
                st.cfg.read_timeout
            ),
        )
        .closing()),
    }
}

fn check(st: &AppState, bytes: &[u8], route: Route) -> Result<Checked, ApiError> {
    let body: SpeechBody = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not a valid JSON speech request: {e}"),
        )
    })?;
    let model = body.model.as_deref().map(str::trim).unwrap_or("kokoro");
    if !MODELS.iter().any(|m| m.eq_ignore_ascii_case(model)) {
        let shown: String = model.chars().take(64).collect();
        return Err(ApiError {
            param: Some("model"),
            ..ApiError::new(
                StatusCode::NOT_FOUND,
                "model_not_found",
                format!(
                    "the model {shown:?} does not exist; use one of: {}",
                    MODELS.join(", ")
                ),
            )
        });
    }
    let Some(input) = body.input else {
        return Err(ApiError::invalid(
            "input",
            "missing_input",
            "the request has no `input` (the text to speak)",
        ));
    };
    let len = input.chars().count();
    if len > st.cfg.max_text_chars {
        return Err(ApiError::from_speech(
            &SpeechError::TooLong {
                len,
                max: st.cfg.max_text_chars,
            },
            false,
        ));
    }
    let format = match body.response_format.as_deref() {
        None => Format::Mp3,
        Some(f) => f.parse::<Format>().map_err(|e| {
            ApiError::invalid(
                "response_format",
                "unsupported_response_format",
                e.to_string(),
            )
        })?,
    };
    if let Some(sf) = body
        .stream_format
        .as_deref()
        .filter(|f| route == Route::Speech && !f.eq_ignore_ascii_case("audio"))
    {
        let shown: String = sf.chars().take(32).collect();
        return Err(ApiError::invalid(
            "stream_format",
            "unsupported_stream_format",
            format!(
                "stream_format {shown:?} is not supported; kokorod streams raw audio (`audio`)"
            ),
        ));
    }
    let speed = body.speed.unwrap_or(1.0);
    if !OPENAI_SPEED.contains(&speed) {
        return Err(ApiError::invalid(
            "speed",
            "invalid_speed",
            format!("speed {speed} is out of range: it must be between 0.25 and 4.0"),
        ));
    }
    let speed = speed as f32;
    if !crate::speech::kokoro::SPEED_RANGE.contains(&speed) {
        return Err(ApiError::from_speech(&SpeechError::Speed(speed), false));
    }
    let voice = body
        .voice
        .as_deref()
        .map(map_voice)
        .filter(|v| !v.is_empty());
    // SSML is recognised by its root element, as OpenAI's API has no flag for it.
    let text_format = if input.trim_start().starts_with("<speak") {
        TextFormat::Ssml
    } else {
        TextFormat::Text
    };
    Ok(Checked {
        req: SpeakRequest {
            text: input,
            format: text_format,
            voice: VoiceChoice {
                name: voice,
                language: None,
            },
            speed,
            continues: false,
            due: None,
        },
        format,
        stream: route == Route::Stream || body.stream.unwrap_or(true),
    })
}

/// Records a request's audio and timings as its pieces pass.
struct Progress {
    metrics: Arc<crate::metrics::Metrics>,
    started: Instant,
    samples: usize,
}

impl Progress {
    fn piece(&mut self, n: usize) {
        if self.samples == 0 && n > 0 {
            self.metrics
                .first_audio(Protocol::Http, self.started.elapsed());
        }
        self.samples += n;
        self.metrics.audio(Protocol::Http, n, SAMPLE_RATE);
    }

    fn done(&self) {
        self.metrics.real_time_factor(
            Protocol::Http,
            self.started.elapsed(),
            self.samples as f64 / f64::from(SAMPLE_RATE),
        );
    }
}

/// The handler of `/v1/audio/speech`.
pub(super) async fn speech(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    answer(st, headers, body, Route::Speech).await
}

/// The handler of `/v1/audio/stream`.
pub(super) async fn stream(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    answer(st, headers, body, Route::Stream).await
}

async fn answer(st: Arc<AppState>, headers: HeaderMap, body: Body, route: Route) -> Response {
    let mut asked = None;
    match speak(st, headers, body, route, &mut asked).await {
        Ok(resp) => resp,
        Err(e) => {
            let mut resp = e.into_response();
            if let Some(voice) = asked {
                resp.extensions_mut().insert(super::AskedVoice(voice));
            }
            resp
        }
    }
}

/// The voice a request names, for logs: cut short, `default` when it names none.
fn voice_label(req: &SpeakRequest) -> String {
    req.voice
        .name
        .as_deref()
        .map_or_else(|| "default".into(), |v| v.chars().take(64).collect())
}

async fn speak(
    st: Arc<AppState>,
    headers: HeaderMap,
    body: Body,
    route: Route,
    asked: &mut Option<String>,
) -> Result<Response, ApiError> {
    if st.shutdown.is_cancelled() {
        return Err(ApiError::from_kind(
            ErrorKind::ShuttingDown,
            "kokorod is shutting down",
        ));
    }
    let bytes = read_body(&st, &headers, body).await?;
    let checked = check(&st, &bytes, route)?;
    *asked = Some(voice_label(&checked.req));
    let mut progress = Progress {
        metrics: st.metrics.clone(),
        started: Instant::now(),
        samples: 0,
    };
    let speech_err = |e: &SpeechError| ApiError::from_speech(e, st.shutdown.is_cancelled());
    let mut pieces = crate::speech::speak_blocking(st.speech.clone(), checked.req)
        .await
        .map_err(|e| speech_err(&e))?;
    let format = checked.format;
    let encode_err = |e: crate::audio::encode::EncodeError| {
        tracing::error!("{e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "encoder_failed",
            e.to_string(),
        )
    };

    if !checked.stream {
        // The whole answer is held until it is complete: bounded, or a few hundred bytes
        // of SSML breaks would hold minutes of samples (and their encoding) at once.
        let max_samples =
            (st.cfg.max_buffered_audio.as_secs_f64() * f64::from(SAMPLE_RATE)) as usize;
        let mut all = Vec::new();
        while let Some(piece) = next_or_killed(&mut pieces, &st).await {
            let piece = piece.map_err(|e| speech_err(&e))?;
            if all.len() + piece.len() > max_samples {
                return Err(audio_too_long(st.cfg.max_buffered_audio));
            }
            progress.piece(piece.len());
            all.extend(piece);
        }
        drop(pieces);
        progress.done();
        // Encoding minutes of audio is CPU work: not on the async threads.
        let encoded = tokio::task::spawn_blocking(move || {
            crate::audio::encode::encode_all(format, SAMPLE_RATE, &all, all.len().max(1))
        })
        .await;
        let bytes = match encoded {
            Ok(r) => r.map_err(encode_err)?,
            Err(e) => {
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "encoder_failed",
                    format!("encoding failed: {e}"),
                ))
            }
        };
        return Ok(([(header::CONTENT_TYPE, format.content_type())], bytes).into_response());
    }

    // Streaming: the first piece decides the status.
    let first = match next_or_killed(&mut pieces, &st).await {
        Some(Ok(p)) => p,
        Some(Err(e)) => return Err(speech_err(&e)),
        None => {
            return Err(ApiError::from_kind(
                ErrorKind::ShuttingDown,
                "kokorod is shutting down",
            ))
        }
    };
    let mut encoder = format.encoder(SAMPLE_RATE, None).map_err(encode_err)?;
    progress.piece(first.len());
    let head = encoder.push(&first).map_err(encode_err)?;
    let state = BodyState {
        pieces: Some(pieces),
        encoder,
        progress,
        st: st.clone(),
        endpoint: route.endpoint(),
    };
    let rest = futures::stream::unfold(state, next_bytes);
    let body = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) })
        .chain(rest);
    Ok((
        [(header::CONTENT_TYPE, format.content_type())],
        Body::from_stream(body),
    )
        .into_response())
}

/// A `"stream": false` answer longer than the server holds in memory.
fn audio_too_long(max: std::time::Duration) -> ApiError {
    ApiError {
        param: Some("stream"),
        ..ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "audio_too_long", format!("the audio is longer than {} s, the most kokorod holds for a response sent whole; send `\"stream\": true` to receive it as it is spoken", max.as_secs()))
    }
}

/// The next piece, or `None` when the stream ends or the server stops serving.
async fn next_or_killed(
    pieces: &mut PieceStream,
    st: &AppState,
) -> Option<Result<Vec<i16>, SpeechError>> {
    tokio::select! {
        p = pieces.next() => p,
        () = st.kill.cancelled() => None,
    }
}

struct BodyState {
    /// `None` once the audio has ended.
    pieces: Option<PieceStream>,
    encoder: Box<dyn Encoder>,
    progress: Progress,
    st: Arc<AppState>,
    /// Where mid-stream errors are counted.
    endpoint: &'static str,
}

/// The body's next bytes: an encoded piece, then the encoder's tail, then the end.
async fn next_bytes(mut s: BodyState) -> Option<(Result<Bytes, std::io::Error>, BodyState)> {
    loop {
        let pieces = s.pieces.as_mut()?;
        match next_or_killed(pieces, &s.st).await {
            Some(Ok(piece)) => {
                s.progress.piece(piece.len());
                match s.encoder.push(&piece) {
                    Ok(b) if b.is_empty() => continue,
                    Ok(b) => return Some((Ok(Bytes::from(b)), s)),
                    Err(e) => return Some((Err(fail(&mut s, "encoder_failed", e.to_string())), s)),
                }
            }
            Some(Err(e)) => {
                // The code the answer would have carried had it failed before any audio.
                let code = ApiError::from_speech(&e, s.st.shutdown.is_cancelled()).code;
                return Some((Err(fail(&mut s, code, e.message())), s));
            }
            None if s.st.kill.is_cancelled() => {
                let code = ErrorKind::ShuttingDown.http().1;
                return Some((Err(fail(&mut s, code, "kokorod stopped".into())), s));
            }
            None => {
                s.pieces = None;
                s.progress.done();
                return match s.encoder.finish() {
                    Ok(b) => Some((Ok(Bytes::from(b)), s)),
                    Err(e) => Some((Err(fail(&mut s, "encoder_failed", e.to_string())), s)),
                };
            }
        }
    }
}

/// Ends the body with an error, which aborts the response.
fn fail(s: &mut BodyState, code: &str, why: String) -> std::io::Error {
    tracing::warn!("speech stream failed after the first audio ({code}): {why}");
    s.st.metrics.error(Protocol::Http, s.endpoint, code);
    s.pieces = None;
    std::io::Error::other(why)
}
