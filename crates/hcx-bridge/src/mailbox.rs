//! The console-facing mailbox API: long-poll for envelopes, ack to release them.
//!
//! Each participant's mailbox has its own bearer token; the bridge keeps only its SHA-256 and
//! compares in constant time. Any failure (no token, wrong token, another participant's token,
//! unknown participant) is the same 401 with no data, so the answer reveals nothing.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::envelope::{AckRequest, AckResponse, MailboxPage};
use crate::state::AppState;
use crate::token::TokenHash;
use crate::wire;

/// Default and maximum page length.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1_000;

#[derive(Debug, Deserialize)]
pub(crate) struct PollQuery {
    after: Option<u64>,
    wait: Option<u64>,
    limit: Option<u32>,
}

/// `GET /mailbox/{participant}?after=&wait=&limit=`
pub(crate) async fn poll(
    State(st): State<Arc<AppState>>,
    Path(participant): Path<String>,
    headers: HeaderMap,
    query: Result<Query<PollQuery>, QueryRejection>,
) -> Response {
    if !authorized(&st, &participant, &headers) {
        return unauthorized();
    }
    let Query(q) = match query {
        Ok(q) => q,
        Err(e) => return wire::bad_request(&format!("invalid query: {e}")),
    };
    let after = q.after.unwrap_or(0);
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let wait = Duration::from_secs(q.wait.unwrap_or(0)).min(st.cfg.max_wait);
    let deadline = tokio::time::Instant::now() + wait;
    // Subscribe before the first query: a commit landing between query and wait still wakes us.
    let mut changes = st.store.subscribe(&participant);
    loop {
        match st.store.fetch(&participant, after, limit, st.cfg.page_max_bytes).await {
            Ok(envelopes) if !envelopes.is_empty() => {
                return Json(MailboxPage { envelopes }).into_response();
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "mailbox fetch failed");
                return wire::unavailable("mailbox storage unavailable");
            }
        }
        let Some(rx) = changes.as_mut() else { break };
        tokio::select! {
            changed = rx.changed() => if changed.is_err() { break },
            () = tokio::time::sleep_until(deadline) => break,
            () = st.cancel.cancelled() => break,
        }
    }
    Json(MailboxPage { envelopes: vec![] }).into_response()
}

/// `POST /mailbox/{participant}/ack` with `{"cursor": N}`.
pub(crate) async fn ack(
    State(st): State<Arc<AppState>>,
    Path(participant): Path<String>,
    headers: HeaderMap,
    body: Result<Json<AckRequest>, JsonRejection>,
) -> Response {
    if !authorized(&st, &participant, &headers) {
        return unauthorized();
    }
    let Json(req) = match body {
        Ok(b) => b,
        Err(e) => return wire::bad_request(&format!("expected {{\"cursor\": N}}: {e}")),
    };
    match st.store.ack(&participant, req.cursor).await {
        Ok(released) => Json(AckResponse { released }).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "mailbox ack failed");
            wire::unavailable("mailbox storage unavailable")
        }
    }
}

fn authorized(st: &AppState, participant: &str, headers: &HeaderMap) -> bool {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    // Hash even when the participant is unknown, so timing does not reveal which codes exist.
    let stored = st.participant(participant).map(|p| p.token_hash);
    match (presented, stored) {
        (Some(token), Some(hash)) => hash.matches(token),
        (Some(token), None) => {
            let _ = TokenHash::of("").matches(token);
            false
        }
        (None, _) => false,
    }
}

fn unauthorized() -> Response {
    let mut r = wire::error_response(
        StatusCode::UNAUTHORIZED,
        wire::Code::AccessDenied,
        "mailbox token missing or not valid for this participant",
    );
    r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    r
}
