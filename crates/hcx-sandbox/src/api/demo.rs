//! Demo provider control: `POST /sandbox/demo-provider/send {action, to, scenario?, amount?,
//! workflow_id?}` and `GET /sandbox/demo-provider/inbox`. Both need the sandbox admin token.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use hcx_protocol::{Action, ErrorCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::api::auth;
use crate::api::error::ApiError;
use crate::scripted::provider::SendRequest;
use crate::scripted::scenario::Scenario;
use crate::state::SharedState;

fn provider(
    state: &SharedState,
) -> Result<std::sync::Arc<crate::scripted::provider::DemoProvider>, ApiError> {
    state
        .demo_provider
        .get()
        .cloned()
        .ok_or_else(|| ApiError::not_found("scripted counterparties are disabled"))
}

/// Sends a request from the demo provider.
pub async fn send(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let claims = auth::authenticate(&state, &headers)?;
    auth::require_role(&claims, &[auth::HCX_ROLE], false)?;
    let bad = |m: &str| ApiError::bad_request(ErrorCode::ErrInvalidRequest, m);
    let v: Value = serde_json::from_slice(&body).map_err(|_| bad("body must be JSON"))?;
    let action = v
        .get("action")
        .and_then(Value::as_str)
        .and_then(|a| a.parse::<Action>().ok())
        .ok_or_else(|| bad("action must be e.g. \"preauth/submit\""))?;
    let to = v
        .get("to")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("to (participant code) is required"))?;
    let scenario = match v.get("scenario").and_then(Value::as_str) {
        Some(s) => Scenario::parse(s).ok_or_else(|| bad("unknown scenario"))?,
        None => Scenario::Approve,
    };
    let amount = match v.get("amount") {
        None | Some(Value::Null) => None,
        Some(a) => Some(
            a.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| a.to_string())
                .parse::<Decimal>()
                .map_err(|_| bad("amount must be a decimal number"))?,
        ),
    };
    let req = SendRequest {
        action,
        to: to.to_string(),
        scenario,
        amount,
        workflow_id: v.get("workflow_id").and_then(Value::as_str).map(str::to_string),
    };
    let sent = provider(&state)?.send(req).await.map_err(|e| bad(&e.to_string()))?;
    Ok(Json(json!(sent)))
}

/// What the demo provider received.
pub async fn inbox(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let claims = auth::authenticate(&state, &headers)?;
    auth::require_role(&claims, &[auth::HCX_ROLE], false)?;
    Ok(Json(json!(provider(&state)?.inbox())))
}
