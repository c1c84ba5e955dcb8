//! `POST /participant/auth/token/generate` (form-encoded, both forms of wire facts §2.1) and the
//! legacy Keycloak token URL the gateway rewrites to it.

use std::collections::HashMap;

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::{Form, Json};
use hcx_protocol::ErrorCode;
use serde_json::{Value, json};

use crate::api::error::ApiError;
use crate::jwt::TokenRealm;
use crate::state::SharedState;
use crate::store::credentials::{self, CredentialKind};
use crate::store::registry;

/// Issues an access token for valid credentials; 400 `ERR_ACCESS_DENIED` otherwise.
pub async fn generate(
    State(state): State<SharedState>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Json<Value>, ApiError> {
    let denied = || ApiError::bad_request(ErrorCode::ErrAccessDenied, "Invalid user credentials");
    let Form(form) = form.map_err(|_| denied())?;
    let field = |k: &str| form.get(k).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let username = field("username").ok_or_else(denied)?;
    let (kind, code, secret) = match (field("participant_code"), field("secret"), field("password"))
    {
        (Some(code), Some(secret), _) => (CredentialKind::Secret, Some(code), secret),
        (_, _, Some(password)) => (CredentialKind::Password, None, password),
        _ => return Err(denied()),
    };
    let st = state.clone();
    let found = state
        .store
        .run(move |c| {
            let Some(cred) = credentials::find(c, kind, code.as_deref(), &username)? else {
                return Ok(None);
            };
            if !cred.verify(&secret)? {
                return Ok(None);
            }
            let p = registry::get(c, &cred.participant_code)?;
            Ok(p.map(|p| (cred, p)))
        })
        .await?;
    let (cred, participant) = found.ok_or_else(denied)?;
    let sub = participant.os_owner.first().cloned().unwrap_or_default();
    let (realm, user) = match kind {
        CredentialKind::Password => (TokenRealm::Participant, None),
        CredentialKind::Secret => {
            (TokenRealm::ApiAccess, Some((cred.username.as_str(), cred.user_roles.as_slice())))
        }
    };
    let issued = st.tokens.issue(
        realm,
        &sub,
        &participant.participant_code,
        &participant.roles,
        user,
        &participant.primary_email,
    )?;
    Ok(Json(json!({
        "access_token": issued.access_token.expose(),
        "expires_in": issued.expires_in,
        "refresh_expires_in": 0,
        "refresh_token": "",
        "token_type": "Bearer",
        "not-before-policy": 0,
        "session_state": uuid::Uuid::new_v4().to_string(),
        "scope": "profile email",
    })))
}
