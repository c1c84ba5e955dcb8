//! Every protocol action and `on_*` path: bearer token → rbac → [`crate::rules::accept`] →
//! 202 ack (or the gateway's error body).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hcx_protocol::{Action, ApiVersion, Caller, Role};

use crate::api::auth;
use crate::api::error::ApiError;
use crate::rules::{self, RuleContext};
use crate::state::SharedState;

/// Roles allowed on an API. `/hcx/search` follows the spec (regulators and observers search,
/// payers answer) because the platform's own route is unusable (wire facts §1.2).
pub fn allowed_roles(action: Action, version: ApiVersion) -> Vec<Role> {
    match action {
        Action::HcxSearch => vec![Role::AgencyRegulator, Role::Research, Role::HieHioHcx],
        Action::HcxOnSearch => vec![Role::Payor, Role::AgencyTpa, Role::HieHioHcx],
        other => other.allowed_roles(version),
    }
}

/// `POST /api/{version}/{resource}/{action}`.
pub async fn handle(
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
    let claims = auth::authenticate(&state, &headers)?;
    let allowed: Vec<&str> = allowed_roles(action, version).iter().map(|r| r.as_str()).collect();
    auth::require_role(&claims, &allowed, true)?;
    let caller = Caller {
        sub: claims.sub.clone(),
        roles: claims.roles.iter().filter_map(|r| r.parse().ok()).collect(),
    };
    let raw = body.to_vec();
    // A recipient hosted on a peer may not be cached yet: look it up before the rules run.
    if !state.peers.is_empty()
        && let Some(to) = recipient_of(&raw)
    {
        crate::relay::resolve(&state, &to).await?;
    }
    accept_and_answer(&state, action, caller, raw, Vec::new()).await
}

/// `x-hcx-recipient_code` of a body, when it can be read.
pub(crate) fn recipient_of(raw: &[u8]) -> Option<String> {
    let headers = hcx_protocol::parse_body(raw).ok()?.headers().ok()?;
    headers.recipient_code().map(str::to_string)
}

/// Runs the gateway's rules and answers 202 with the ack, or the rule's error body.
pub(crate) async fn accept_and_answer(
    state: &SharedState,
    action: Action,
    caller: Caller,
    raw: Vec<u8>,
    relay_path: Vec<String>,
) -> Result<Response, ApiError> {
    let ctx = RuleContext {
        hcx_code: state.hcx_code.clone(),
        timestamp_range_hours: state.config.timestamp_range_hours,
    };
    let verdict =
        state.store.run(move |c| rules::accept(c, &ctx, action, &caller, raw, relay_path)).await?;
    match verdict {
        Ok(accepted) => {
            if accepted.queued {
                state.dispatch_wakeup.notify_one();
            }
            let json = serde_json::to_value(&accepted.ack)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            Ok((StatusCode::ACCEPTED, axum::Json(json)).into_response())
        }
        Err(r) => {
            let status = StatusCode::from_u16(r.http_status).unwrap_or(StatusCode::BAD_REQUEST);
            Err(ApiError::new(status, r.code, r.message)
                .with_ids(r.correlation_id.as_deref(), r.api_call_id.as_deref()))
        }
    }
}
