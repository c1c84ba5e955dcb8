//! `/participant/search`, `/participant/create`, `/participant/update` and certificate serving.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hcx_protocol::ErrorCode;
use serde_json::{Map, Value, json};

use crate::api::auth::{self, PARTICIPANT_ROLES};
use crate::api::error::ApiError;
use crate::onboard::{self, NewParticipant, OnboardError, ParticipantUpdate};
use crate::state::SharedState;
use crate::store::registry;
use hcx_protocol::Secret;

fn parse_object(body: &[u8], code: ErrorCode) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::bad_request(code, "Request body must be a JSON object")),
    }
}

fn onboard_error(e: OnboardError) -> ApiError {
    match e {
        OnboardError::Details(m) => {
            ApiError::bad_request(ErrorCode::ErrInvalidParticipantDetails, m)
        }
        OnboardError::Certificate(m) => ApiError::bad_request(ErrorCode::ErrInvalidCertificate, m),
        OnboardError::UnknownCode(m) => {
            ApiError::bad_request(ErrorCode::ErrInvalidParticipantCode, m)
        }
    }
}

/// `POST /participant/search` → `{timestamp, participants: [...]}`.
pub async fn search(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let claims = auth::authenticate(&state, &headers)?;
    auth::require_role(&claims, PARTICIPANT_ROLES, false)?;
    let req = parse_object(&body, ErrorCode::ErrInvalidSearch)?;
    let filters = match req.get("filters") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(f)) => f.clone(),
        Some(_) => {
            return Err(ApiError::bad_request(
                ErrorCode::ErrInvalidSearch,
                "filters must be an object",
            ));
        }
    };
    let limit = req.get("limit").and_then(Value::as_u64).and_then(|l| usize::try_from(l).ok());
    let offset = req
        .get("offset")
        .and_then(Value::as_u64)
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(0);
    // The look-up follows the peers: their matching participants are cached here first, with
    // `relay_via` naming the peer, so the answer (and the rules later) see them.
    if !state.peers.is_empty() {
        crate::relay::refresh_from_peers(&state, &filters).await;
    }
    let found = state
        .store
        .run(move |c| Ok(registry::search(c, &filters, limit, offset)))
        .await?
        .map_err(|m| ApiError::bad_request(ErrorCode::ErrInvalidSearch, m))?;
    Ok(Json(json!({ "timestamp": crate::store::now_ms(), "participants": found })))
}

fn take_string(m: &mut Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    match m.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::bad_request(
            ErrorCode::ErrInvalidParticipantDetails,
            format!("{key} must be a string"),
        )),
    }
}

fn take_roles(m: &mut Map<String, Value>) -> Result<Option<Vec<String>>, ApiError> {
    match m.remove("roles") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(ApiError::bad_request(
                    ErrorCode::ErrInvalidParticipantDetails,
                    "roles must be strings",
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(ApiError::bad_request(
            ErrorCode::ErrInvalidParticipantDetails,
            "roles must be a list",
        )),
    }
}

/// Fields the caller may not set directly (the registry owns them).
const SYSTEM_FIELDS: &[&str] =
    &["osid", "osOwner", "osCreatedAt", "osUpdatedAt", "encryption_cert_expiry", "primary_email"];

/// `POST /participant/create` (sandbox admin only). Takes an inline PEM `encryption_cert` and a
/// `password`; answers `{timestamp, participant_code}`.
pub async fn create(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let claims = auth::authenticate(&state, &headers)?;
    auth::require_role(&claims, &[auth::HCX_ROLE], false)?;
    let mut m = parse_object(&body, ErrorCode::ErrInvalidParticipantDetails)?;
    let missing = |k: &str| {
        ApiError::bad_request(ErrorCode::ErrInvalidParticipantDetails, format!("{k} is required"))
    };
    let n = NewParticipant {
        participant_code: take_string(&mut m, "participant_code")?,
        participant_name: take_string(&mut m, "participant_name")?
            .ok_or_else(|| missing("participant_name"))?,
        primary_email: take_string(&mut m, "primary_email")?
            .ok_or_else(|| missing("primary_email"))?,
        primary_mobile: take_string(&mut m, "primary_mobile")?.unwrap_or_default(),
        roles: take_roles(&mut m)?.ok_or_else(|| missing("roles"))?,
        endpoint_url: take_string(&mut m, "endpoint_url")?
            .ok_or_else(|| missing("endpoint_url"))?,
        encryption_cert_pem: take_string(&mut m, "encryption_cert")?
            .ok_or_else(|| missing("encryption_cert"))?,
        scheme_code: take_string(&mut m, "scheme_code")?,
        status: take_string(&mut m, "status")?.unwrap_or_else(|| "Active".into()),
        password: Secret::new(take_string(&mut m, "password")?.ok_or_else(|| missing("password"))?),
        secret: take_string(&mut m, "secret")?.map(Secret::new),
        relay_via: take_string(&mut m, "relay_via")?,
        extra: strip_system(m),
        os_owner: None,
    };
    check_endpoint(&state, &n.endpoint_url)?;
    let instance = state.config.instance_code.clone();
    let st = state.clone();
    let created = state
        .store
        .run(move |c| onboard::create(c, n, &instance, &|code| st.cert_url(code)))
        .await?
        .map_err(onboard_error)?;
    Ok(Json(
        json!({ "timestamp": crate::store::now_ms(), "participant_code": created.participant_code }),
    ))
}

fn strip_system(mut m: Map<String, Value>) -> Map<String, Value> {
    for k in SYSTEM_FIELDS {
        m.remove(*k);
    }
    m
}

/// The platform refuses its own URL as a participant endpoint (`hcx.urls.notallowed`).
fn check_endpoint(state: &SharedState, url: &str) -> Result<(), ApiError> {
    let own_api = format!("{}/api", state.origin);
    if url.starts_with(&own_api) {
        return Err(ApiError::bad_request(
            ErrorCode::ErrInvalidParticipantDetails,
            "endpoint_url must not be the HCX's own URL",
        ));
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(ApiError::bad_request(
            ErrorCode::ErrInvalidParticipantDetails,
            "endpoint_url must be an http(s) URL",
        ));
    }
    Ok(())
}

/// `POST /participant/update`: the owner may change its own record (endpoint, certificate,
/// name, password, optional fields); `roles` and `status` need the admin.
pub async fn update(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let claims = auth::authenticate(&state, &headers)?;
    auth::require_role(&claims, PARTICIPANT_ROLES, false)?;
    let mut m = parse_object(&body, ErrorCode::ErrInvalidParticipantDetails)?;
    let code = take_string(&mut m, "participant_code")?.ok_or_else(|| {
        ApiError::bad_request(ErrorCode::ErrInvalidParticipantCode, "participant_code is required")
    })?;
    let admin = auth::is_admin(&claims);
    let lookup = code.clone();
    let existing = state.store.run(move |c| registry::get(c, &lookup)).await?.ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::ErrInvalidParticipantCode,
            format!("participant {code} does not exist"),
        )
    })?;
    let owner = existing.os_owner.first().is_some_and(|o| *o == claims.sub);
    if !admin && !owner {
        return Err(ApiError::unauthorized("Participant can update only its own record"));
    }
    let roles = take_roles(&mut m)?;
    let status = take_string(&mut m, "status")?;
    if !admin && (roles.is_some() || status.is_some()) {
        return Err(ApiError::unauthorized("Only the HCX admin may change roles or status"));
    }
    let endpoint_url = take_string(&mut m, "endpoint_url")?;
    if let Some(u) = &endpoint_url {
        check_endpoint(&state, u)?;
    }
    let cert = take_string(&mut m, "encryption_cert")?;
    // A URL (what search returns) is not a new certificate: keep the stored one.
    let encryption_cert_pem = cert.filter(|c| c.contains("-----BEGIN"));
    let u = ParticipantUpdate {
        participant_name: take_string(&mut m, "participant_name")?,
        primary_mobile: take_string(&mut m, "primary_mobile")?,
        endpoint_url,
        encryption_cert_pem,
        roles,
        status,
        scheme_code: take_string(&mut m, "scheme_code")?,
        password: take_string(&mut m, "password")?.map(Secret::new),
        relay_via: take_string(&mut m, "relay_via")?,
        extra: strip_system(m),
    };
    let updated =
        state.store.run(move |c| onboard::update(c, &code, u)).await?.map_err(onboard_error)?;
    Ok(Json(
        json!({ "timestamp": crate::store::now_ms(), "participant_code": updated.participant_code }),
    ))
}

/// `GET /certs/{code}/encryption_cert.pem`: the PEM a participant registered.
pub async fn cert(State(state): State<SharedState>, Path(code): Path<String>) -> Response {
    match state.store.run(move |c| registry::cert_pem(c, &code)).await {
        // A record cached from a peer has no certificate here: it is served by its own instance.
        Ok(Some(pem)) if !pem.is_empty() => {
            ([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response()
        }
        Ok(_) => (StatusCode::NOT_FOUND, "no such certificate").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
