//! Preflight checks the console composes into its "is everything set up?" screen: token,
//! own registry record, certificate ↔ local key, callback endpoint reachability (after the
//! NHA adapter's startup checks). Each returns facts; the console decides what is fatal.

use std::time::Duration;

use base64::Engine;
use serde_json::Value;

use hcx_protocol::{RecipientKey, Role};

use crate::backoff::RetryPolicy;
use crate::certs::CertSource;
use crate::client::HcxClient;
use crate::error::{ClientError, Result};
use crate::http::Transport;
use crate::registry::ParticipantRecord;

/// Path of the registry's update API after the version.
const UPDATE_PATH: &str = "/participant/update";

/// Claims of the access token, read without verifying it (the gateway verifies; we only
/// show them and compare the participant code).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenClaims {
    /// `participant_code` claim added by the platform.
    pub participant_code: Option<String>,
    /// `sub`: must equal our record's `osOwner[0]` to send as us.
    pub sub: Option<String>,
    /// `exp` (epoch seconds).
    pub exp: Option<i64>,
    /// Roles from `realm_access.roles` or `realm_access.participant_roles`.
    pub roles: Vec<String>,
}

impl TokenClaims {
    /// Reads the payload segment of a JWT; `None` if the token is not a readable JWT
    /// (ABDM tokens may be opaque).
    pub fn from_jwt(token: &str) -> Option<Self> {
        let payload = token.split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        let v: Value = serde_json::from_slice(&bytes).ok()?;
        let realm = &v["realm_access"];
        let roles = realm["participant_roles"]
            .as_array()
            .or_else(|| realm["roles"].as_array())
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        Some(Self {
            participant_code: v["participant_code"].as_str().map(str::to_owned),
            sub: v["sub"].as_str().map(str::to_owned),
            exp: v["exp"].as_i64(),
            roles,
        })
    }
}

/// Result of [`HcxClient::check_token`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCheck {
    /// Lifetime the token service announced (or the fallback).
    pub lifetime: Duration,
    /// Whether the service announced it.
    pub lifetime_announced: bool,
    /// HTTP tries the fetch took.
    pub attempts: u32,
    /// Claims, when the token is a readable JWT.
    pub claims: Option<TokenClaims>,
    /// Whether the token's `participant_code` equals ours (`None` when it has none).
    pub participant_matches: Option<bool>,
}

/// Result of [`HcxClient::fetch_own_record`].
#[derive(Debug, Clone, PartialEq)]
pub struct OwnRecord {
    /// Our registry record.
    pub record: ParticipantRecord,
    /// Whether its status is `Active` (only then may we send or receive).
    pub active: bool,
    /// Roles on the record that this console knows.
    pub roles: Vec<Role>,
}

/// Result of [`HcxClient::certificate_matches`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateMatch {
    /// Whether the registered certificate carries the same public key as this computer.
    pub matches: bool,
    /// Where the registered certificate came from.
    pub source: CertSource,
    /// Key size of the registered certificate.
    pub registered_bits: u32,
    /// `encryption_cert_expiry` (epoch ms), when the registry gives it.
    pub expiry_ms: Option<i64>,
    /// True when that expiry is in the past.
    pub expired: bool,
}

/// Result of [`HcxClient::endpoint_reachable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointProbe {
    /// The URL probed.
    pub url: String,
    /// An HTTP answer of any status came back.
    pub reachable: bool,
    /// That status.
    pub http_status: Option<u16>,
    /// Why it was not reachable.
    pub error: Option<String>,
}

impl HcxClient {
    /// Fetches a fresh token now (replacing the cached one) and reports what it says.
    pub async fn check_token(&self) -> Result<TokenCheck> {
        let grant = self.tokens().refresh(self.transport()).await?;
        let claims = TokenClaims::from_jwt(grant.access_token.expose());
        let participant_matches = claims
            .as_ref()
            .and_then(|c| c.participant_code.as_deref())
            .map(|c| c == self.config().participant_code);
        Ok(TokenCheck {
            lifetime: grant.lifetime,
            lifetime_announced: grant.lifetime_announced,
            attempts: grant.attempts,
            claims,
            participant_matches,
        })
    }

    /// Our own record, fresh from the registry (not cached). `ParticipantNotFound` when the
    /// registry does not know our code.
    pub async fn fetch_own_record(&self) -> Result<OwnRecord> {
        let record = self.search_participant(&self.config().participant_code).await?;
        Ok(OwnRecord { active: record.is_active(), roles: record.known_roles(), record })
    }

    /// Changes our own registry record (`participant/update`, which a participant may call for
    /// itself): a new callback address after moving to another bridge, a new encryption
    /// certificate after a key rotation. `None` leaves a field as it is.
    pub async fn update_own_record(
        &self,
        endpoint_url: Option<&str>,
        encryption_cert_pem: Option<&str>,
    ) -> Result<()> {
        let mut body = serde_json::Map::new();
        body.insert("participant_code".into(), self.config().participant_code.clone().into());
        if let Some(u) = endpoint_url {
            body.insert("endpoint_url".into(), u.into());
        }
        if let Some(c) = encryption_cert_pem {
            body.insert("encryption_cert".into(), c.into());
        }
        let url = self.config().registry_url(UPDATE_PATH);
        let bytes = serde_json::to_vec(&body).map_err(|e| ClientError::Config(e.to_string()))?;
        let reply = self.post_json(&url, bytes).await?;
        if !reply.status.is_success() {
            return Err(crate::client::error_for(&reply));
        }
        // The registry answered for a record we just changed; forget what we cached of it.
        self.invalidate_certificate(&self.config().participant_code);
        Ok(())
    }

    /// Whether the certificate registered on `own_record` carries the public key this computer
    /// holds (`local_public_key_pem`: SPKI/PKCS#1 public key or a certificate PEM). A mismatch
    /// means counterparties encrypt to a key we do not have.
    pub async fn certificate_matches(
        &self,
        own_record: &ParticipantRecord,
        local_public_key_pem: &str,
    ) -> Result<CertificateMatch> {
        let code = &own_record.participant_code;
        let value = own_record.encryption_cert.as_deref().map(str::trim).unwrap_or_default();
        if value.is_empty() {
            return Err(ClientError::Certificate {
                participant_code: code.clone(),
                reason: "the registry record has no encryption_cert".to_owned(),
            });
        }
        let registered = self.certificate_from_value(code, value).await?;
        let local = RecipientKey::from_pem(local_public_key_pem.as_bytes()).map_err(|e| {
            ClientError::Certificate {
                participant_code: code.clone(),
                reason: format!("the local public key is not usable: {e}"),
            }
        })?;
        // SPKI PEM is a canonical encoding of the key, so equal text means the same key.
        let matches = registered.key.to_public_key_pem()? == local.to_public_key_pem()?;
        let now_ms = chrono::Utc::now().timestamp_millis();
        Ok(CertificateMatch {
            matches,
            source: registered.source,
            registered_bits: registered.key.bits(),
            expiry_ms: own_record.encryption_cert_expiry,
            expired: own_record.encryption_cert_expiry.is_some_and(|e| e < now_ms),
        })
    }

    /// Probes a callback endpoint with one GET (no token, no retries). Any HTTP answer, even
    /// 404 or 405, proves something listens there; proving it is THIS console's bridge needs
    /// a nonce round trip, which belongs to the bridge.
    pub async fn endpoint_reachable(&self, endpoint_url: &str) -> EndpointProbe {
        let url = endpoint_url.trim().to_owned();
        let parsed = match reqwest::Url::parse(&url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => u,
            _ => {
                return EndpointProbe {
                    url,
                    reachable: false,
                    http_status: None,
                    error: Some("not an http(s) URL".to_owned()),
                };
            }
        };
        let probe =
            Transport { http: self.transport().http.clone(), retry: RetryPolicy::no_retry() };
        match probe.execute(&url, &|| probe.http.get(parsed.clone())).await {
            Ok(reply) => EndpointProbe {
                url,
                reachable: true,
                http_status: Some(reply.status.as_u16()),
                error: None,
            },
            Err(e) => EndpointProbe {
                url,
                reachable: false,
                http_status: None,
                error: Some(e.to_string()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_read_from_a_keycloak_style_jwt() {
        let payload = serde_json::json!({
            "sub": "owner-1", "exp": 1_900_000_000i64, "participant_code": "hosp_a@x",
            "realm_access": {"roles": ["provider", "default-roles"]}
        });
        let enc = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let jwt =
            format!("{}.{}.sig", enc(br#"{"alg":"RS256"}"#), enc(payload.to_string().as_bytes()));
        let c =
            TokenClaims::from_jwt(&jwt).expect("a three-part JWT with a JSON payload is readable");
        assert_eq!(
            c.participant_code.as_deref(),
            Some("hosp_a@x"),
            "the platform adds participant_code"
        );
        assert_eq!(
            c.sub.as_deref(),
            Some("owner-1"),
            "sub is what the gateway compares to osOwner"
        );
        assert_eq!(
            c.roles,
            vec!["provider".to_owned(), "default-roles".to_owned()],
            "realm roles are listed"
        );
        assert!(
            TokenClaims::from_jwt("opaque-token").is_none(),
            "opaque tokens have no claims, no panic"
        );
    }
}
