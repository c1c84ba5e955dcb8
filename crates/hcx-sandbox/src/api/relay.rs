//! The instance-to-instance surface (see `crate::relay`): hop calls from peer instances and
//! their registry look-ups. Only a configured peer's relay token opens it.
//!
//! | Path | What |
//! |---|---|
//! | `POST /api/{v}/relay/{resource}/{action}` | a message relayed by a peer: checked against this registry, then delivered or forwarded |
//! | `POST /api/{v}/relay/participant/search` | this instance's own participants, for a peer's look-up |

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hcx_protocol::{Action, ApiVersion, Body, Caller, ErrorCode};
use serde_json::{Map, Value, json};

use crate::api::error::ApiError;
use crate::api::protocol::{accept_and_answer, allowed_roles};
use crate::relay::{self, HopRefusal};
use crate::rules::is_error_status;
use crate::state::SharedState;

fn refused(r: HopRefusal) -> ApiError {
    match r {
        HopRefusal::Unauthenticated(m) => ApiError::unauthorized(m),
        HopRefusal::Loop(m) => ApiError::bad_request(ErrorCode::ErrInvalidForwardReq, m),
    }
}

/// `POST /api/{version}/relay/{resource}/{action}`: leg 2 / leg 4 of a relayed message.
pub async fn hop(
    State(state): State<SharedState>,
    Path((version, resource, operation)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let version: ApiVersion = version
        .parse()
        .map_err(|_| ApiError::not_found(format!("unknown API version {version}")))?;
    let action = Action::from_path(&format!("/{resource}/{operation}"))
        .map(|(_, a)| a)
        .filter(|a| a.available_in(version))
        .ok_or_else(|| ApiError::not_found(format!("no API /{resource}/{operation}")))?;
    let path = state.peers.authenticate(&state.hcx_code, &headers).map_err(refused)?;
    let raw = body.to_vec();
    let parsed = hcx_protocol::parse_body(&raw)
        .map_err(|e| ApiError::bad_request(ErrorCode::ErrInvalidPayload, e.to_string()))?;
    let h = parsed
        .headers()
        .map_err(|e| ApiError::bad_request(ErrorCode::ErrInvalidPayload, e.to_string()))?;
    let sender_code = h.sender_code().unwrap_or_default().to_string();
    let caller_code = path.last().cloned().unwrap_or_default();
    if matches!(parsed, Body::Plain(_)) && sender_code == caller_code && is_error_status(&h) {
        return gateway_callback(&state, action, h, raw, path).await;
    }
    if let Some(to) = h.recipient_code() {
        relay::resolve(&state, to).await?;
    }
    let sender = relay::resolve(&state, &sender_code).await?.ok_or_else(|| {
        ApiError::bad_request(ErrorCode::ErrInvalidSender, "sender does not exist in registry")
    })?;
    // The sender authenticated on the first instance of the path: only a participant hosted
    // there may appear as the sender of a relayed message.
    if sender.relay_via.as_deref() != path.first().map(String::as_str) {
        return Err(ApiError::bad_request(
            ErrorCode::ErrInvalidSender,
            "sender is not registered on the instance the message came from",
        ));
    }
    let allowed: Vec<&str> = allowed_roles(action, version).iter().map(|r| r.as_str()).collect();
    if !sender.has_any_role(&allowed) {
        return Err(ApiError::unauthorized("Does not have access to the called API"));
    }
    let caller = Caller {
        sub: sender.os_owner.first().cloned().unwrap_or_default(),
        roles: sender.roles.iter().filter_map(|r| r.parse().ok()).collect(),
    };
    accept_and_answer(&state, action, caller, raw, path).await
}

async fn gateway_callback(
    state: &SharedState,
    action: Action,
    h: hcx_protocol::Headers,
    raw: Vec<u8>,
    path: Vec<String>,
) -> Result<Response, ApiError> {
    let ids = (h.correlation_id().map(str::to_string), h.api_call_id().map(str::to_string));
    let verdict = state
        .store
        .run(move |c| relay::accept_gateway_callback(c, action.path(), &h, raw, path))
        .await?;
    match verdict {
        Ok(ack) => {
            state.dispatch_wakeup.notify_one();
            let json = serde_json::to_value(&ack).map_err(|e| ApiError::internal(e.to_string()))?;
            Ok((StatusCode::ACCEPTED, Json(json)).into_response())
        }
        Err(m) => Err(ApiError::bad_request(ErrorCode::ErrInvalidRequest, m)
            .with_ids(ids.0.as_deref(), ids.1.as_deref())),
    }
}

/// `POST /api/{version}/relay/participant/search`: a peer's look-up of this instance's own
/// participants (never what this instance cached from others).
pub async fn registry_search(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    state.peers.authenticate(&state.hcx_code, &headers).map_err(refused)?;
    let filters = match serde_json::from_slice::<Value>(&body) {
        Ok(v) => match v.get("filters") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(f)) => f.clone(),
            Some(_) => {
                return Err(ApiError::bad_request(
                    ErrorCode::ErrInvalidSearch,
                    "filters must be an object",
                ));
            }
        },
        Err(_) => {
            return Err(ApiError::bad_request(ErrorCode::ErrInvalidSearch, "body must be JSON"));
        }
    };
    let found = state
        .store
        .run(move |c| Ok(relay::own_participants(c, &filters)))
        .await?
        .map_err(|m| ApiError::bad_request(ErrorCode::ErrInvalidSearch, m))?;
    Ok(Json(json!({ "timestamp": crate::store::now_ms(), "participants": found })))
}
