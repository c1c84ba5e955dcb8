//! Bearer-token checks (wire facts §2.3): missing / malformed / expired → 401
//! `ERR_ACCESS_DENIED`; a path the caller's roles may not call → 401 "Does not have access to
//! the called API".

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

use crate::api::error::ApiError;
use crate::jwt::{TokenClaims, TokenRealm};
use crate::state::AppState;

/// The role the HCX's admin token carries.
pub const HCX_ROLE: &str = "HIE/HIO.HCX";

/// Every participant role (who may call the registry and audit APIs).
pub const PARTICIPANT_ROLES: &[&str] = &[
    "provider",
    "provider.hospital",
    "provider.clinic",
    "provider.practitioner",
    "provider.diagnostics",
    "provider.pharmacy",
    "bsp",
    "payor",
    "agency.tpa",
    "agency.regulator",
    "research",
    "member.isnp",
    "agency.sponsor",
    HCX_ROLE,
];

/// Verifies the bearer token.
pub fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<TokenClaims, ApiError> {
    let value = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::unauthorized("Authorization header is missing"))?;
    let mut parts = value.split_whitespace();
    let (Some(scheme), Some(token), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ApiError::unauthorized("Authorization header is malformed"));
    };
    if scheme != "Bearer" {
        return Err(ApiError::unauthorized("Authorization scheme must be Bearer"));
    }
    state.tokens.verify(token).map_err(|e| ApiError::unauthorized(format!("Invalid token: {e}")))
}

/// 401 unless the caller has one of `allowed` roles. Api-access tokens also need the `admin`
/// user role for protocol APIs (`allowedUserRolesForProtocolApiAccess`).
pub fn require_role(
    claims: &TokenClaims,
    allowed: &[&str],
    protocol: bool,
) -> Result<(), ApiError> {
    let ok = claims.roles.iter().any(|r| allowed.contains(&r.as_str()));
    let user_ok = !protocol
        || claims.realm != TokenRealm::ApiAccess
        || claims.user_roles.iter().any(|r| r == "admin");
    if ok && user_ok {
        Ok(())
    } else {
        Err(ApiError::unauthorized("Does not have access to the called API"))
    }
}

/// True for the sandbox admin (the HCX's own credential).
pub fn is_admin(claims: &TokenClaims) -> bool {
    claims.roles.iter().any(|r| r == HCX_ROLE)
}
