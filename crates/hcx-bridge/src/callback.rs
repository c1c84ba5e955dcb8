//! `POST [/p/{participant}][/{version}]/{entity}/{action}`: what the gateway calls.
//!
//! Order of checks: route → a request slot (else 503) → who may post, BEFORE the body is
//! read: with `/p/{participant}`, that participant's allow-list (403) and gateway JWT (401);
//! on the bare route, the JWT against every configured gateway (401) → body size and read
//! timeout → body shape and mandatory headers (hcx-protocol) → recipient is served (and matches
//! the URL) → on the bare route, the recipient's own allow-list and JWT rules → mailbox quota
//! (429) → durable store → 202. Nothing is stored unless every check passed; nothing is
//! answered 202 unless it is committed to disk.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::gateway_jwt::{self, GatewayVerifier, JwtError};
use crate::state::{AppState, Participant};
use crate::store::{InsertOutcome, NewEnvelope};
use crate::wire::{self, Code};

/// What the gateway is told to wait before retrying a callback refused for load or quota.
/// The Swasth dispatcher ignores it and retries 20 s later (wire facts §4.7).
const RETRY_AFTER_BUSY: &str = "1";
const RETRY_AFTER_QUOTA: &str = "30";

/// Fallback handler: every path that is not the mailbox API.
pub(crate) async fn handle(
    State(st): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let _permit = match &st.in_flight {
        Some(slots) => match slots.try_acquire() {
            Ok(p) => Some(p),
            Err(_) => {
                return retry_later(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the bridge is at its limit of requests in flight, retry later",
                    RETRY_AFTER_BUSY,
                );
            }
        },
        None => None,
    };
    match receive(&st, peer, method, &uri, &headers, body).await {
        Ok(r) | Err(r) => r,
    }
}

async fn receive(
    st: &AppState,
    peer: SocketAddr,
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
    // Authenticate before reading the body, so an unauthenticated client cannot make us
    // buffer (or wait for) a large body.
    let url_participant = match &route.participant {
        Some(code) => {
            let p = st.participant(code).ok_or_else(|| {
                wire::error_response(
                    StatusCode::NOT_FOUND,
                    Code::InvalidRecipient,
                    &format!("participant {code} is not served by this bridge"),
                )
            })?;
            if let Some(refused) = refuse_source(&p, peer) {
                return Err(refused);
            }
            authenticate(st, &p, headers).map_err(|e| denied(&e))?;
            Some(p)
        }
        None => {
            authenticate_any(st, headers).map_err(|e| denied(&e))?;
            None
        }
    };
    let bytes = read_body(body, headers, st).await?;
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
            if let Some(refused) = refuse_source(&p, peer) {
                return Err(refused);
            }
            // A token one participant's gateway accepts is not enough for another's mailbox.
            authenticate(st, &p, headers).map_err(|e| {
                incoming.reject(StatusCode::UNAUTHORIZED, Code::AccessDenied, &e.to_string())
            })?;
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
    match st.store.insert(env, st.cfg.quota).await {
        Ok(InsertOutcome::Stored { .. }) => Ok(wire::accepted(&incoming, participant.dialect)),
        Ok(InsertOutcome::Duplicate { cursor }) => {
            tracing::debug!(api_call_id = %incoming.api_call_id, cursor, "duplicate callback");
            Ok(wire::accepted(&incoming, participant.dialect))
        }
        Ok(InsertOutcome::OverQuota) => {
            tracing::warn!(participant = %participant.code, quota = ?st.cfg.quota,
                "mailbox over its quota of unacknowledged envelopes; refusing until acks");
            Err(with_retry_after(
                incoming.reject(
                    StatusCode::TOO_MANY_REQUESTS,
                    Code::ServiceUnavailable,
                    "the recipient's mailbox is full until its console acknowledges, retry later",
                ),
                RETRY_AFTER_QUOTA,
            ))
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

/// 403 unless `p` allows callbacks from `peer`.
fn refuse_source(p: &Participant, peer: SocketAddr) -> Option<Response> {
    if p.allows(peer.ip()) {
        return None;
    }
    tracing::warn!(participant = %p.code, peer = %peer.ip(), "callback from outside the allow-list");
    Some(wire::error_response(
        StatusCode::FORBIDDEN,
        Code::AccessDenied,
        "this source address may not post callbacks for this participant",
    ))
}

/// Why a callback's token was refused (every case is a 401).
#[derive(Debug, thiserror::Error)]
enum AuthError {
    #[error(transparent)]
    Jwt(#[from] JwtError),
    #[error("no gateway is configured for this participant")]
    NoGateway,
}

fn warn_insecure(who: &str) {
    tracing::warn!(
        participant = %who,
        "INSECURE: gateway JWT verification is switched off (insecure_skip_gateway_jwt); \
         accepting a callback without checking who sent it. Never run this way in production."
    );
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

fn token(headers: &HeaderMap) -> Result<&str, JwtError> {
    gateway_jwt::bearer(headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()))
}

/// Check the gateway's bearer JWT with `p`'s rules, or warn loudly when verification is off.
fn authenticate(st: &AppState, p: &Participant, headers: &HeaderMap) -> Result<(), AuthError> {
    if st.cfg.insecure_skip_gateway_jwt {
        warn_insecure(&p.code);
        return Ok(());
    }
    // Unreachable by construction (add() requires a gateway unless insecure), but fail closed.
    let verifier = p.verifier.as_ref().ok_or(AuthError::NoGateway)?;
    verifier.verify(token(headers)?, now_secs())?;
    Ok(())
}

/// The bare route does not know the recipient before the body is parsed: accept a token any
/// configured gateway would accept, so the body is read only for a genuine gateway token.
fn authenticate_any(st: &AppState, headers: &HeaderMap) -> Result<(), AuthError> {
    if st.cfg.insecure_skip_gateway_jwt {
        warn_insecure("(bare route)");
        return Ok(());
    }
    let token = token(headers)?;
    let now = now_secs();
    let mut first_error = None;
    for v in st.gateways() {
        match GatewayVerifier::verify(&v, token, now) {
            Ok(_) => return Ok(()),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.map_or(AuthError::NoGateway, AuthError::Jwt))
}

fn denied(e: &AuthError) -> Response {
    wire::error_response(StatusCode::UNAUTHORIZED, Code::AccessDenied, &e.to_string())
}

fn retry_later(status: StatusCode, message: &str, after: &'static str) -> Response {
    with_retry_after(wire::error_response(status, Code::ServiceUnavailable, message), after)
}

fn with_retry_after(mut r: Response, after: &'static str) -> Response {
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(after));
    r
}

async fn read_body(body: Body, headers: &HeaderMap, st: &AppState) -> Result<Bytes, Response> {
    let limit = st.cfg.body_limit;
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
    let timeout = st.cfg.body_read_timeout;
    let Ok(collected) = tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await
    else {
        return Err(wire::error_response(
            StatusCode::REQUEST_TIMEOUT,
            Code::InvalidPayload,
            &format!("the request body did not arrive within {} s", timeout.as_secs()),
        ));
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(wire::error_response(
            StatusCode::BAD_REQUEST,
            Code::InvalidPayload,
            &format!("could not read the request body: {e}"),
        )),
    }
}
