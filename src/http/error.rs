//! Errors in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}` with
//! the matching HTTP status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::speech::{ErrorKind, SpeechError};

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Human-readable reason.
    pub message: String,
    /// Machine-readable code (also the metrics label).
    pub code: &'static str,
    /// The request field at fault, if one is.
    pub param: Option<&'static str>,
    /// Close the connection after this answer (part of the request was left unread).
    pub close: bool,
}

/// The error code of a response, for the request counter middleware.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

impl ApiError {
    /// An error with no field at fault.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            code,
            param: None,
            close: false,
        }
    }

    /// A 400 about one field.
    pub fn invalid(param: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            param: Some(param),
            ..Self::new(StatusCode::BAD_REQUEST, code, message)
        }
    }

    /// The same, closing the connection after it.
    #[must_use]
    pub fn closing(self) -> Self {
        ApiError {
            close: true,
            ..self
        }
    }

    /// OpenAI's error `type` for the status.
    fn kind(&self) -> &'static str {
        match self.status {
            StatusCode::UNAUTHORIZED => "authentication_error",
            StatusCode::NOT_FOUND => "not_found_error",
            StatusCode::TOO_MANY_REQUESTS => "rate_limit_error",
            s if s.is_server_error() => "server_error",
            _ => "invalid_request_error",
        }
    }

    /// From the speech layer's error; `shutting_down` turns engine failures into 503.
    pub fn from_speech(e: &SpeechError, shutting_down: bool) -> Self {
        let kind = match e.kind() {
            ErrorKind::SynthesisFailed if shutting_down => {
                return Self::from_kind(ErrorKind::ShuttingDown, "kokorod is shutting down")
            }
            kind => kind,
        };
        Self::from_kind(kind, e.message())
    }

    /// The answer for `kind` (see [`ErrorKind::http`]), naming the request field at
    /// fault.
    pub fn from_kind(kind: ErrorKind, message: impl Into<String>) -> Self {
        let (status, code) = kind.http();
        let param = match kind {
            ErrorKind::UnknownVoice => Some("voice"),
            ErrorKind::EmptyText | ErrorKind::TextTooLong | ErrorKind::BadSsml => Some("input"),
            ErrorKind::BadSpeed => Some("speed"),
            _ => None,
        };
        ApiError {
            param,
            ..Self::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                code,
                message,
            )
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"message": self.message, "type": self.kind(), "param": self.param, "code": self.code}});
        let mut resp = (self.status, axum::Json(body)).into_response();
        resp.extensions_mut().insert(ErrorCode(self.code));
        if self.close {
            resp.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        resp
    }
}
