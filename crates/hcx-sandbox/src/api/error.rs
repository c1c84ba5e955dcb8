//! Gateway-shaped error answers (wire facts §3.2): `{timestamp, correlation_id?, api_call_id?,
//! error: {code, message, trace}}` with 400 / 401 / 404 / 500.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hcx_protocol::ErrorCode;
use serde_json::{Map, Value, json};

use crate::error::SandboxError;

/// A synchronous error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// `error.code`; `None` serialises as `null` (hcx-apis does that for some failures).
    pub code: Option<ErrorCode>,
    /// `error.message`.
    pub message: String,
    /// Echoed when known.
    pub correlation_id: Option<String>,
    /// Echoed when known.
    pub api_call_id: Option<String>,
}

impl ApiError {
    /// 400 with a code (a gateway `ClientException`).
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(code), message)
    }

    /// 401 `ERR_ACCESS_DENIED` (JWT filter and rbac failures).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, Some(ErrorCode::ErrAccessDenied), message)
    }

    /// 404 for unknown paths and records.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, message)
    }

    /// 500 `INTERNAL_SERVER_ERROR`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, Some(ErrorCode::InternalServerError), message)
    }

    /// Any status and code.
    pub fn new(status: StatusCode, code: Option<ErrorCode>, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), correlation_id: None, api_call_id: None }
    }

    /// Adds the ids the answer echoes.
    pub fn with_ids(mut self, correlation_id: Option<&str>, api_call_id: Option<&str>) -> Self {
        self.correlation_id = correlation_id.map(str::to_string);
        self.api_call_id = api_call_id.map(str::to_string);
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("timestamp".into(), json!(crate::store::now_ms()));
        if let Some(c) = &self.correlation_id {
            m.insert("correlation_id".into(), json!(c));
        }
        if let Some(a) = &self.api_call_id {
            m.insert("api_call_id".into(), json!(a));
        }
        m.insert(
            "error".into(),
            json!({
                "code": self.code.as_ref().map(ErrorCode::as_str),
                "message": self.message,
                "trace": Value::Null,
            }),
        );
        Value::Object(m)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

impl From<SandboxError> for ApiError {
    fn from(e: SandboxError) -> Self {
        tracing::error!(error = %e, "sandbox internal error");
        ApiError::internal(e.to_string())
    }
}
