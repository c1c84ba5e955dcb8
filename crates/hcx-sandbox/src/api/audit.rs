//! `POST /audit/search` (wire facts §7.3): a JSON array of audit events, limited to messages
//! the caller sent (the gateway forces `x-hcx-sender_code` to the caller), `offset` is a page
//! index, and any search problem answers `[]` as the platform does.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Map, Value};

use crate::api::auth::{self, PARTICIPANT_ROLES};
use crate::api::error::ApiError;
use crate::state::SharedState;
use crate::store::audit;

const DEFAULT_LIMIT: usize = 50;

/// The handler.
pub async fn search(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let claims = auth::authenticate(&state, &headers)?;
    auth::require_role(&claims, PARTICIPANT_ROLES, false)?;
    let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(&body) else {
        return Ok(Json(Value::Array(vec![])));
    };
    let mut filters = match req.get("filters") {
        Some(Value::Object(f)) => f.clone(),
        _ => Map::new(),
    };
    let limit = req
        .get("limit")
        .and_then(Value::as_u64)
        .and_then(|l| usize::try_from(l).ok())
        .filter(|l| *l > 0)
        .unwrap_or(DEFAULT_LIMIT);
    let page = req
        .get("offset")
        .and_then(Value::as_u64)
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(0);
    let start = take_time(&mut filters, "start_datetime");
    let stop = take_time(&mut filters, "stop_datetime");
    let sender = claims.participant_code.clone();
    let events = state.store.run(move |c| audit::sent_by(c, Some(&sender))).await?;
    let out: Vec<Value> = events
        .into_iter()
        .filter(|e| in_range(e, start, stop))
        .map(|e| e.to_json())
        .filter(|j| filters.iter().all(|(k, want)| field_matches(j.get(k), want)))
        .skip(page.saturating_mul(limit))
        .take(limit)
        .collect();
    Ok(Json(Value::Array(out)))
}

fn take_time(filters: &mut Map<String, Value>, key: &str) -> Option<i64> {
    let v = filters.remove(key)?;
    let s = v.as_str()?;
    hcx_protocol::time::parse_timestamp(s).ok().map(|t| t.timestamp_millis())
}

fn in_range(e: &audit::AuditEvent, start: Option<i64>, stop: Option<i64>) -> bool {
    let t = e
        .headers
        .get(hcx_protocol::names::TIMESTAMP)
        .and_then(Value::as_str)
        .and_then(|s| hcx_protocol::time::parse_timestamp(s).ok())
        .map_or(e.request_ms, |t| t.timestamp_millis());
    start.is_none_or(|s| t >= s) && stop.is_none_or(|s| t <= s)
}

fn field_matches(have: Option<&Value>, want: &Value) -> bool {
    match (have, want) {
        (Some(Value::Array(items)), w) => items.iter().any(|i| i == w),
        (Some(h), w) => h == w,
        (None, _) => false,
    }
}
