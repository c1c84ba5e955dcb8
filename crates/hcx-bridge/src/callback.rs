//! `POST [/p/{participant}][/{version}]/{entity}/{action}`: what the gateway calls.
//!
//! Order of checks: route → (participant from URL → gateway JWT) → body size → body shape and
//! mandatory headers (hcx-protocol) → recipient is served (and matches the URL) → durable
//! store → 202. Nothing is stored unless every check passed; nothing is answered 202 unless it
//! is committed to disk.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::gateway_jwt;
use crate::state::{AppState, Participant};
use crate::store::{InsertOutcome, NewEnvelope};
use crate::wire::{self, Code};

/// Fallback handler: every path that is not the mailbox API.
pub(crate) async fn handle(
    State(st): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match receive(&st, method, &uri, &headers, body).await {
        Ok(r) | Err(r) => r,
    }
}

async fn receive(
    st: &AppState,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Response> {
    let Some(route) = wire::parse_route(uri.path()) else {
        return Err(wire::error_response(
            StatusCode::NOT_FOUND,
            Code::InvalidRequest,
            "not an HCX callback path: expected [/p/{participant}][/{version}]/{entity}/{action}",
        ));
    };
    if method != Method::POST {
        return Err(wire::error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            Code::InvalidRequest,
            "callbacks are POST",
        ));
    }
    // With a participant prefix we know whose gateway key to check before reading the body, so
    // an unauthenticated client cannot make us buffer a large body.
    let url_participant = match &route.participant {
        Some(code) => {
            let p = st.participant(code).ok_or_else(|| {
                wire::error_response(
                    StatusCode::NOT_FOUND,
                    Code::InvalidRecipient,
                    &format!("participant {code} is not served by this bridge"),
                )
            })?;
            authenticate(st, &p, headers).map_err(|m| denied(&m))?;
            Some(p)
        }
        None => None,
    };
    let bytes = read_body(body, headers, st.cfg.body_limit).await?;
    let expected = url_participant.as_ref().map(|p| p.code.as_str());
    // With a URL participant, hcx-protocol also checks the recipient header equals it.
    let incoming =
        wire::classify(route.action, &bytes, expected).map_err(IntoResponse::into_response)?;
    let participant = match url_participant {
        Some(p) => p,
        None => {
            let p = st.participant(&incoming.recipient).ok_or_else(|| {
                incoming.reject(
                    StatusCode::BAD_REQUEST,
                    Code::InvalidRecipient,
                    &format!("recipient {} is not served by this bridge", incoming.recipient),
                )
            })?;
            authenticate(st, &p, headers).map_err(|m| denied(&m))?;
            p
        }
    };
    let env = NewEnvelope {
        participant: participant.code.clone(),
        sender_code: incoming.sender.clone(),
        api_call_id: incoming.api_call_id.clone(),
        received_at_ms: chrono::Utc::now().timestamp_millis(),
        path: route.action_path.clone(),
        headers_json: incoming.headers_json.clone(),
        body: bytes,
    };
    match st.store.insert(env).await {
        Ok(outcome) => {
            if let InsertOutcome::Duplicate { cursor } = outcome {
                tracing::debug!(api_call_id = %incoming.api_call_id, cursor, "duplicate callback");
            }
            Ok(wire::accepted(&incoming, participant.dialect))
        }
        Err(e) => {
            // Not stored: the gateway must retry, so answer a retryable 5xx.
            tracing::error!(error = %e, "could not store callback");
            Err(incoming.reject(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::ServiceUnavailable,
                "bridge storage unavailable, retry later",
            ))
        }
    }
}

/// Check the gateway's bearer JWT for `p`, or warn loudly when verification is off.
/// `Err` carries the reason, which becomes a 401.
fn authenticate(st: &AppState, p: &Participant, headers: &HeaderMap) -> Result<(), String> {
    if st.cfg.insecure_skip_gateway_jwt {
        tracing::warn!(
            participant = %p.code,
            "INSECURE: gateway JWT verification is switched off (insecure_skip_gateway_jwt); \
             accepting a callback without checking who sent it. Never run this way in production."
        );
        return Ok(());
    }
    let Some(verifier) = &p.verifier else {
        // Unreachable by construction (add() requires a cert unless insecure), but fail closed.
        return Err("no gateway certificate configured for this participant".to_owned());
    };
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let token = gateway_jwt::bearer(value).map_err(|e| e.to_string())?;
    verifier.verify(token, chrono::Utc::now().timestamp()).map(|_| ()).map_err(|e| e.to_string())
}

fn denied(message: &str) -> Response {
    wire::error_response(StatusCode::UNAUTHORIZED, Code::AccessDenied, message)
}

async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Bytes, Response> {
    let too_large = || {
        wire::error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::InvalidPayload,
            &format!("body larger than the bridge limit of {limit} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(wire::error_response(
            StatusCode::BAD_REQUEST,
            Code::InvalidPayload,
            &format!("could not read the request body: {e}"),
        )),
    }
}
