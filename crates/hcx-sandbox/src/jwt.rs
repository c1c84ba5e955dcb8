//! RS256 JWTs signed with the sandbox's own key: participant access tokens (shaped like the
//! platform's re-signed Keycloak tokens, wire facts §2) and the bearer token the dispatcher
//! sends to recipients (§4.7: `iss` = `sub` = the HCX code).
//!
//! Dispatch tokens are minted and checked by `hcx_protocol::gateway_jwt`, the implementation
//! the bridge verifies with, and live [`DISPATCH_TOKEN_LIFETIME`] (one per dispatch), unlike
//! the platform's 24 h. Login tokens carry participant claims, which that verifier refuses,
//! so a participant's own token never passes as the HCX's.

use std::time::{Duration, SystemTime};

use hcx_protocol::gateway_jwt::{GatewayPolicy, GatewaySigner, GatewayVerifier};
use josekit::jws::alg::rsassa::{RsassaJwsSigner, RsassaJwsVerifier};
use josekit::jws::{JwsHeader, RS256};
use josekit::jwt::{self, JwtPayload};
use serde_json::{Value, json};

use crate::error::{Result, SandboxError};
use hcx_protocol::Secret;

/// Which realm a token belongs to (the platform's `entity` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRealm {
    /// Participant password login (`swasth-hcx-participants`, entity `Organisation`).
    Participant,
    /// Per-user API access (`api-access`): roles in `participant_roles`, plus `user_roles`.
    ApiAccess,
}

/// What a verified access token says about its caller.
#[derive(Debug, Clone)]
pub struct TokenClaims {
    /// The participant's `osOwner[0]`.
    pub sub: String,
    /// Participant code the token was issued for.
    pub participant_code: String,
    /// Participant roles (`realm_access.roles` or `realm_access.participant_roles`).
    pub roles: Vec<String>,
    /// `realm_access.user_roles` on api-access tokens.
    pub user_roles: Vec<String>,
    /// Realm.
    pub realm: TokenRealm,
}

/// How long a dispatch token lives. Minted per dispatch, so it only has to outlast the POST
/// (the dispatch timeout) plus clock skew; well inside the bridge's default limit of 300 s.
pub const DISPATCH_TOKEN_LIFETIME: Duration = Duration::from_secs(120);

/// Signs and verifies the sandbox's tokens.
pub struct TokenService {
    signer: RsassaJwsSigner,
    verifier: RsassaJwsVerifier,
    dispatch_signer: GatewaySigner,
    dispatch_verifier: GatewayVerifier,
    issuer: String,
    ttl: Duration,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService").field("issuer", &self.issuer).finish_non_exhaustive()
    }
}

/// A freshly issued access token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The compact JWT.
    pub access_token: Secret,
    /// Lifetime in seconds.
    pub expires_in: u64,
}

impl TokenService {
    /// Builds the service from the sandbox's private key (PKCS#8 PEM).
    pub fn new(private_pem: &Secret, issuer: String, ttl: Duration) -> Result<Self> {
        let pkey = openssl::pkey::PKey::private_key_from_pem(private_pem.expose().as_bytes())?;
        let public_pem = pkey.public_key_to_pem()?;
        let signer = RS256.signer_from_pem(private_pem.expose().as_bytes())?;
        let verifier = RS256.verifier_from_pem(&public_pem)?;
        let key_err = |e: hcx_protocol::gateway_jwt::KeyError| SandboxError::Invalid(e.to_string());
        let dispatch_signer = GatewaySigner::from_pem(private_pem.expose()).map_err(key_err)?;
        let dispatch_verifier =
            GatewayVerifier::from_pem(&String::from_utf8_lossy(&public_pem)).map_err(key_err)?;
        Ok(Self { signer, verifier, dispatch_signer, dispatch_verifier, issuer, ttl })
    }

    /// Issues a participant access token.
    pub fn issue(
        &self,
        realm: TokenRealm,
        sub: &str,
        participant_code: &str,
        roles: &[String],
        user: Option<(&str, &[String])>,
        email: &str,
    ) -> Result<IssuedToken> {
        let now = whole_seconds(SystemTime::now());
        let mut p = JwtPayload::new();
        p.set_subject(sub);
        p.set_issuer(&self.issuer);
        p.set_issued_at(&now);
        p.set_expires_at(&(now + self.ttl));
        p.set_jwt_id(uuid::Uuid::new_v4().to_string());
        p.set_claim("typ", Some(json!("Bearer")))?;
        p.set_claim("participant_code", Some(json!(participant_code)))?;
        p.set_claim("preferred_username", Some(json!(email)))?;
        p.set_claim("email", Some(json!(email)))?;
        match realm {
            TokenRealm::Participant => {
                p.set_claim("entity", Some(json!(["Organisation"])))?;
                p.set_claim("realm_access", Some(json!({ "roles": roles })))?;
            }
            TokenRealm::ApiAccess => {
                let (user_id, user_roles) = user.unwrap_or((email, &[]));
                p.set_claim("entity", Some(json!(["api-access"])))?;
                p.set_claim("user_id", Some(json!(user_id)))?;
                p.set_claim(
                    "realm_access",
                    Some(json!({ "participant_roles": roles, "user_roles": user_roles })),
                )?;
            }
        }
        let mut h = JwsHeader::new();
        h.set_token_type("JWT");
        let token = jwt::encode_with_signer(&p, &h, &self.signer)?;
        Ok(IssuedToken { access_token: Secret::new(token), expires_in: self.ttl.as_secs() })
    }

    /// The token the dispatcher sends with one dispatch: `iss` = `sub` = the HCX code, valid
    /// for [`DISPATCH_TOKEN_LIFETIME`] from now.
    pub fn dispatch_token(&self, hcx_code: &str) -> Result<Secret> {
        let now = chrono::Utc::now().timestamp();
        self.dispatch_signer
            .mint_for(hcx_code, now, DISPATCH_TOKEN_LIFETIME)
            .map(Secret::new)
            .map_err(|e| SandboxError::Invalid(e.to_string()))
    }

    /// The token this instance sends a peer instance on a relay hop or registry look-up: like a
    /// dispatch token, plus `aud` = the peer's code (see `crate::relay`).
    pub fn relay_token(&self, hcx_code: &str, peer_code: &str) -> Result<Secret> {
        let now = chrono::Utc::now().timestamp();
        self.dispatch_signer
            .mint_for_audience(hcx_code, peer_code, now, crate::relay::RELAY_TOKEN_LIFETIME)
            .map(Secret::new)
            .map_err(|e| SandboxError::Invalid(e.to_string()))
    }

    /// Verifies signature and expiry of an access token and extracts its claims.
    pub fn verify(&self, token: &str) -> Result<TokenClaims> {
        let (p, _h) = jwt::decode_with_verifier(token, &self.verifier)?;
        let expired = p.expires_at().is_none_or(|exp| exp <= SystemTime::now());
        if expired {
            return Err(SandboxError::Invalid("token expired".into()));
        }
        let sub = p.subject().unwrap_or_default().to_string();
        let participant_code =
            p.claim("participant_code").and_then(Value::as_str).unwrap_or_default().to_string();
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default()
        };
        let realm_access = p.claim("realm_access");
        let entity = strings(p.claim("entity"));
        let realm = if entity.iter().any(|e| e == "api-access") {
            TokenRealm::ApiAccess
        } else if entity.iter().any(|e| e == "Organisation") {
            TokenRealm::Participant
        } else {
            return Err(SandboxError::Invalid("unknown token entity".into()));
        };
        let (roles, user_roles) = match realm {
            TokenRealm::Participant => (strings(realm_access.and_then(|r| r.get("roles"))), vec![]),
            TokenRealm::ApiAccess => (
                strings(realm_access.and_then(|r| r.get("participant_roles"))),
                strings(realm_access.and_then(|r| r.get("user_roles"))),
            ),
        };
        if sub.is_empty() {
            return Err(SandboxError::Invalid("token has no subject".into()));
        }
        Ok(TokenClaims { sub, participant_code, roles, user_roles, realm })
    }

    /// Verifies a dispatch token with the bridge's rules (hosted endpoints use this to check
    /// the caller is the HCX): signature, `iss` = `sub` = `hcx_code`, a short life, no
    /// participant claims.
    pub fn verify_dispatch(&self, token: &str, hcx_code: &str) -> bool {
        let verifier = self.dispatch_verifier.with_policy(GatewayPolicy::for_hcx(hcx_code));
        match verifier.verify(token, chrono::Utc::now().timestamp()) {
            Ok(_) => true,
            Err(e) => {
                tracing::info!(error = %e, "dispatch token refused");
                false
            }
        }
    }
}

/// The platform's tokens carry whole-second `iat`/`exp` (Keycloak and the dispatcher's JWTUtil);
/// josekit would write fractions, which some verifiers read as an error.
fn whole_seconds(t: SystemTime) -> SystemTime {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(ttl: Duration) -> TokenService {
        let pair = crate::keys::generate("hcx").expect("keygen");
        TokenService::new(&pair.private_pem, "sandbox".into(), ttl).expect("service")
    }

    #[test]
    fn issued_token_verifies_with_its_claims() {
        let s = service(Duration::from_secs(60));
        let roles = vec!["payor".to_string()];
        let t = s
            .issue(TokenRealm::Participant, "owner-1", "payer@x", &roles, None, "p@x")
            .expect("issue");
        let c = s.verify(t.access_token.expose()).expect("own token verifies");
        assert_eq!(c.sub, "owner-1", "sub carries the osOwner id");
        assert_eq!(c.participant_code, "payer@x", "participant_code claim round-trips");
        assert_eq!(c.roles, roles, "realm_access.roles round-trips");
    }

    #[test]
    fn expired_and_foreign_tokens_are_refused() {
        let s = service(Duration::from_secs(0));
        let t = s.issue(TokenRealm::Participant, "o", "c", &[], None, "e").expect("issue");
        assert!(s.verify(t.access_token.expose()).is_err(), "a token with exp = now is expired");
        let other = service(Duration::from_secs(60));
        let t2 = other.issue(TokenRealm::Participant, "o", "c", &[], None, "e").expect("issue");
        assert!(s.verify(t2.access_token.expose()).is_err(), "a token signed by another key fails");
    }

    #[test]
    fn dispatch_tokens_are_short_and_login_tokens_are_not_dispatch_tokens() {
        let pair = crate::keys::generate("hcx").expect("keygen");
        let s = TokenService::new(&pair.private_pem, "sandbox".into(), Duration::from_secs(86_400))
            .expect("service");
        let hcx = "hcx@sandbox";
        let dispatch = s.dispatch_token(hcx).expect("mint");
        assert!(s.verify_dispatch(dispatch.expose(), hcx), "a fresh dispatch token verifies");
        assert!(!s.verify_dispatch(dispatch.expose(), "hcx@other"), "it names this HCX only");
        let bridge = GatewayVerifier::from_pem(&pair.cert_pem)
            .expect("cert")
            .with_policy(GatewayPolicy::for_hcx(hcx));
        let claims = bridge
            .verify(dispatch.expose(), chrono::Utc::now().timestamp())
            .expect("the bridge's default rules accept the sandbox's dispatch token");
        let life = claims.exp.zip(claims.iat).map(|(e, i)| e - i);
        assert_eq!(life, Some(120), "a dispatch token lives two minutes, not a day");
        let later = chrono::Utc::now().timestamp() + 120 + 61;
        assert!(bridge.verify(dispatch.expose(), later).is_err(), "and is useless afterwards");

        let roles = vec!["provider".to_string()];
        let login = s
            .issue(TokenRealm::Participant, hcx, hcx, &roles, None, "p@x")
            .expect("issue a login token even with sub = the HCX code");
        assert!(
            !s.verify_dispatch(login.access_token.expose(), hcx),
            "a participant login token is never a dispatch token"
        );
        assert!(
            matches!(
                bridge.verify(login.access_token.expose(), chrono::Utc::now().timestamp()),
                Err(hcx_protocol::gateway_jwt::JwtError::Issuer { .. }
                    | hcx_protocol::gateway_jwt::JwtError::ParticipantToken(_))
            ),
            "the bridge refuses a login token"
        );
    }
}
