//! Access tokens: where they come from ([`TokenSource`]) and how long we keep them.
//!
//! One token is shared by every call. It is fetched once (concurrent callers wait for the same
//! fetch), kept until shortly before `expires_in` runs out, and dropped when any call gets a
//! 401 so the next call fetches a fresh one. Tokens live only in memory, wrapped in [`Secret`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::RequestBuilder;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::config::{Credentials, GatewayConfig, NhcxAuth};
use crate::error::{ClientError, GatewayError};
use crate::http::{Reply, Transport};
use hcx_protocol::Secret;

/// Lifetime assumed when the token response gives none: short, so a wrong guess costs one
/// extra token fetch, not a failed send.
const FALLBACK_LIFETIME: Duration = Duration::from_secs(60);

/// Path of the Swasth participant token API, after the version.
const TOKEN_PATH: &str = "/participant/auth/token/generate";

/// NHCX (CARE, nhcx-adapter) sends the token in this header; Swasth reads `Authorization`.
const NHCX_BEARER_HEADER: &str = "bearer_auth";

/// Where tokens come from. The seam between the Swasth and NHCX auth flows.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// Swasth `POST {base}/{version}/participant/auth/token/generate`, form-encoded.
    HcxForm {
        /// Full token URL.
        url: String,
        /// Password or API-secret credentials.
        credentials: Credentials,
    },
    /// NHA ABDM session: JSON `client_credentials` to the sessions URL (wire facts §10).
    AbdmSession(NhcxAuth),
}

impl TokenSource {
    /// The source a configuration implies: ABDM sessions when NHCX credentials are set,
    /// otherwise the gateway's own token API.
    pub fn from_config(cfg: &GatewayConfig) -> Self {
        match &cfg.nhcx {
            Some(n) => Self::AbdmSession(n.clone()),
            None => {
                Self::HcxForm { url: cfg.api_url(TOKEN_PATH), credentials: cfg.credentials.clone() }
            }
        }
    }

    /// Puts the token on a request the way this gateway family reads it.
    pub(crate) fn authorize(&self, req: RequestBuilder, token: &Secret) -> RequestBuilder {
        let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {}", token.expose())) else {
            // A token with bytes a header cannot carry: send none and let the gateway's 401
            // trigger a refresh, rather than panic or log the token.
            return req;
        };
        // Sensitive values are redacted by reqwest/hyper's Debug and not HPACK-indexed.
        value.set_sensitive(true);
        match self {
            Self::HcxForm { .. } => req.header(AUTHORIZATION, value),
            Self::AbdmSession(_) => req
                .header(HeaderName::from_static(NHCX_BEARER_HEADER), value.clone())
                .header(AUTHORIZATION, value),
        }
    }

    fn url(&self) -> &str {
        match self {
            Self::HcxForm { url, .. } => url,
            Self::AbdmSession(n) => &n.session_url,
        }
    }

    /// Builds one token request (called again for each retry).
    fn request(&self, http: &reqwest::Client) -> RequestBuilder {
        match self {
            Self::HcxForm { url, credentials } => {
                let form: Vec<(&str, &str)> = match credentials {
                    Credentials::Password { username, password } => {
                        vec![("username", username), ("password", password.expose())]
                    }
                    Credentials::ApiSecret { participant_code, username, secret } => vec![
                        ("participant_code", participant_code),
                        ("username", username),
                        ("secret", secret.expose()),
                    ],
                };
                http.post(url).form(&form)
            }
            Self::AbdmSession(n) => {
                let body = serde_json::json!({
                    "clientId": n.client_id,
                    "clientSecret": n.client_secret.expose(),
                    "grantType": "client_credentials",
                });
                let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                http.post(&n.session_url)
                    .header("REQUEST-ID", uuid::Uuid::new_v4().to_string())
                    .header("TIMESTAMP", now)
                    .header("X-CM-ID", &n.cm_id)
                    .json(&body)
            }
        }
    }
}

/// The token JSON: Keycloak (`access_token`) or ABDM (`accessToken`).
#[derive(Deserialize)]
struct TokenResponse {
    #[serde(alias = "accessToken")]
    access_token: Option<String>,
    #[serde(alias = "expiresIn", default)]
    expires_in: Option<serde_json::Value>,
}

/// A token freshly obtained from the source.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    /// The bearer token.
    pub access_token: Secret,
    /// Lifetime the server announced (or [`FALLBACK_LIFETIME`]).
    pub lifetime: Duration,
    /// Whether the lifetime came from the server.
    pub lifetime_announced: bool,
    /// Tries the fetch took.
    pub attempts: u32,
}

#[derive(Debug, Clone)]
struct Cached {
    token: Secret,
    renew_at: Instant,
    generation: u64,
}

/// A token handed to one call; `generation` identifies it for [`TokenCache::invalidate`].
#[derive(Debug, Clone)]
pub(crate) struct CurrentToken {
    pub token: Secret,
    pub generation: u64,
}

/// The shared token slot.
#[derive(Debug)]
pub(crate) struct TokenCache {
    pub source: TokenSource,
    margin: Duration,
    slot: Mutex<Option<Cached>>,
    generations: AtomicU64,
}

impl TokenCache {
    pub fn new(source: TokenSource, margin: Duration) -> Self {
        Self { source, margin, slot: Mutex::new(None), generations: AtomicU64::new(0) }
    }

    /// The cached token, fetching one when there is none or it is due for renewal. Holding
    /// the lock across the fetch makes concurrent callers share one fetch.
    pub async fn get(&self, transport: &Transport) -> Result<CurrentToken, ClientError> {
        let mut slot = self.slot.lock().await;
        if let Some(c) = slot.as_ref()
            && Instant::now() < c.renew_at
        {
            return Ok(CurrentToken { token: c.token.clone(), generation: c.generation });
        }
        let grant = self.fetch(transport).await?;
        let current = self.store(&mut slot, &grant);
        Ok(current)
    }

    /// Fetches a new token even if one is cached, and caches it.
    pub async fn refresh(&self, transport: &Transport) -> Result<TokenGrant, ClientError> {
        let mut slot = self.slot.lock().await;
        let grant = self.fetch(transport).await?;
        self.store(&mut slot, &grant);
        Ok(grant)
    }

    /// Drops the cached token if it is still the one a call was rejected with. A newer token
    /// (fetched meanwhile by another call) is kept.
    pub async fn invalidate(&self, generation: u64) {
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_some_and(|c| c.generation == generation) {
            *slot = None;
        }
    }

    fn store(&self, slot: &mut Option<Cached>, grant: &TokenGrant) -> CurrentToken {
        // Renew `margin` early, but never more than half the lifetime early, so very short
        // tokens are still reused a little instead of being fetched for every call.
        let early = self.margin.min(grant.lifetime / 2);
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        *slot = Some(Cached {
            token: grant.access_token.clone(),
            renew_at: Instant::now() + grant.lifetime.saturating_sub(early),
            generation,
        });
        CurrentToken { token: grant.access_token.clone(), generation }
    }

    async fn fetch(&self, transport: &Transport) -> Result<TokenGrant, ClientError> {
        let url = self.source.url().to_owned();
        let http = transport.http.clone();
        let source = self.source.clone();
        let reply = transport.execute(&url, &move || source.request(&http)).await?;
        tracing::debug!(%url, status = reply.status.as_u16(), attempts = reply.attempts, "token fetch");
        parse_grant(&url, reply)
    }
}

/// Turns a token-endpoint reply into a grant or a typed error.
fn parse_grant(url: &str, reply: Reply) -> Result<TokenGrant, ClientError> {
    let status = reply.status;
    if status.is_success() {
        let parsed: TokenResponse =
            serde_json::from_slice(&reply.body).map_err(|e| ClientError::UnexpectedResponse {
                url: url.to_owned(),
                http_status: status.as_u16(),
                reason: format!("token response is not the expected JSON: {e}"),
            })?;
        let Some(token) = parsed.access_token.filter(|t| !t.is_empty()) else {
            return Err(ClientError::UnexpectedResponse {
                url: url.to_owned(),
                http_status: status.as_u16(),
                reason: "token response has no access_token".to_owned(),
            });
        };
        let announced = parsed.expires_in.as_ref().and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        return Ok(TokenGrant {
            access_token: Secret::new(token),
            lifetime: announced.map(Duration::from_secs).unwrap_or(FALLBACK_LIFETIME),
            lifetime_announced: announced.is_some(),
            attempts: reply.attempts,
        });
    }
    let err = GatewayError::from_reply(&reply);
    Err(match status.as_u16() {
        // Keycloak refusals come back as 400 ERR_ACCESS_DENIED (wire facts §2.2); the Java
        // SDK treats 401 the same way. Both mean "these credentials are wrong".
        400 | 401 | 403 => ClientError::CredentialsRejected(err),
        429 => {
            ClientError::RateLimited { attempts: reply.attempts, retry_after: reply.retry_after }
        }
        _ => ClientError::Gateway(err),
    })
}
