//! Callback endpoints of participants hosted on the sandbox's own listener (the scripted
//! counterparties): `POST /participants/{slug}/{path…}`. The dispatcher POSTs here exactly as it
//! would to any `endpoint_url`; the handler checks the HCX bearer token, hands the body to the
//! participant's inbox and answers 202 with the usual ack.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hcx_protocol::{Ack, parse_body};

use crate::api::error::ApiError;
use crate::state::{Inbound, SharedState};

/// The handler.
pub async fn receive(
    State(state): State<SharedState>,
    Path((slug, rest)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| ApiError::unauthorized("missing bearer token"))?;
    if !state.tokens.verify_dispatch(token, &state.hcx_code) {
        return Err(ApiError::unauthorized("only the HCX may call a participant endpoint"));
    }
    let parsed = parse_body(&body).map_err(|e| {
        ApiError::bad_request(hcx_protocol::ErrorCode::ErrInvalidPayload, e.to_string())
    })?;
    let sender = state.hosted.read().ok().and_then(|m| m.get(&slug).cloned());
    let Some(sender) = sender else {
        return Err(ApiError::not_found(format!("no hosted participant {slug}")));
    };
    let path = format!("/{}", rest.trim_start_matches('/'));
    sender.send(Inbound { path, body: body.to_vec() }).map_err(|_| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, None, "participant is stopping")
    })?;
    let h = parsed.headers().unwrap_or_default();
    let ack = Ack::for_headers(&h, chrono::Utc::now());
    Ok((StatusCode::ACCEPTED, [(CONTENT_TYPE, "application/json")], ack.to_json_string())
        .into_response())
}
