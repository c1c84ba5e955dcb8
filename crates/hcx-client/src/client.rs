//! [`HcxClient`]: token-carrying calls, registry, certificates and sending.
//!
//! Every gateway call goes through [`HcxClient::authed`]: it takes the shared token, retries
//! connection errors / 5xx / 429 with back-off (`http.rs`), and on a 401 drops the token,
//! fetches a fresh one and tries that call once more.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::{RequestBuilder, StatusCode};
use tokio::sync::OnceCell;

use hcx_protocol::body::payload_body_for;
use hcx_protocol::{Ack, Action, ErrorCode, Headers, RecipientKey, Role, StatusResult};

use crate::certs::{CertCache, CertSource, Certificate, is_inline_pem};
use crate::config::GatewayConfig;
use crate::error::{ClientError, GatewayError, Result};
use crate::http::{Reply, Transport};
use crate::registry::{ParticipantRecord, SearchQuery, SearchResult, parse_search};
use crate::token::{TokenCache, TokenSource};

/// Registry path of the participant search (after the registry base).
const SEARCH_PATH: &str = "/participant/search";
/// NHCX registry path returning a participant's certificate inline.
const NHCX_FETCH_CERTS_PATH: &str = "/fetch/certs";
/// The gateway's message for a reused api_call_id (`BaseRequest.validateUsingAuditData`).
const DUPLICATE_API_CALL_TEXT: &str = "same api call id";

/// How a send ended when it did not fail.
#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    /// The gateway accepted the message now and returned its acknowledgement.
    Accepted {
        /// The parsed ack (timestamp in epoch ms; NHCX string timestamps converted).
        ack: Ack,
        /// HTTP tries this took (including any after a 401 refresh).
        attempts: u32,
    },
    /// 2xx, but the body was not an acknowledgement. The gateway took the message.
    AcceptedWithoutAck {
        /// HTTP status.
        http_status: u16,
        /// Start of the body, for the message history.
        body: String,
        /// HTTP tries.
        attempts: u32,
    },
    /// The gateway answered "Request exist with same api call id": it already holds this
    /// exact message (accepted by an earlier try of this call or by an earlier process).
    /// Treat as delivered; no ack is available. See README "Retries and api_call_id".
    AlreadyAccepted {
        /// The api_call_id the gateway echoed (or that the body carries).
        api_call_id: Option<String>,
        /// The correlation id echoed (or carried).
        correlation_id: Option<String>,
        /// True when an earlier try of THIS call may have reached the gateway (a timeout,
        /// reset or 5xx); false means the acceptance happened before this call.
        after_uncertain_try: bool,
        /// HTTP tries.
        attempts: u32,
    },
}

impl SendOutcome {
    /// HTTP tries the send took.
    pub fn attempts(&self) -> u32 {
        match self {
            Self::Accepted { attempts, .. }
            | Self::AcceptedWithoutAck { attempts, .. }
            | Self::AlreadyAccepted { attempts, .. } => *attempts,
        }
    }

    /// The ack, when the gateway sent one.
    pub fn ack(&self) -> Option<&Ack> {
        match self {
            Self::Accepted { ack, .. } => Some(ack),
            _ => None,
        }
    }
}

/// A message sealed and ready to post: what the outbox stores before the first try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The API to post to.
    pub action: Action,
    /// The exact HTTP body (`{"payload": "<compact JWE>"}`), to be re-sent byte for byte.
    pub body: String,
    /// `x-hcx-api_call_id` sealed inside.
    pub api_call_id: String,
    /// `x-hcx-correlation_id` sealed inside.
    pub correlation_id: String,
    /// Recipient participant code.
    pub recipient_code: String,
}

/// Answer of `/hcx/status`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusReport {
    /// The synchronous `result` (omitted by the gateway unless the original is
    /// `request.queued` or `request.dispatched`).
    pub result: Option<StatusResult>,
    /// The whole ack, when one came back.
    pub ack: Option<Ack>,
}

/// What an authenticated call answered, whatever its status (see [`HcxClient::call`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body, at most the client's response limit.
    pub body: Vec<u8>,
}

struct Inner {
    config: GatewayConfig,
    transport: Transport,
    tokens: TokenCache,
    certs: CertCache,
    roles: OnceCell<Vec<Role>>,
}

/// Client for one gateway as one participant. Cheap to clone (shared token and caches).
#[derive(Clone)]
pub struct HcxClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for HcxClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HcxClient")
            .field("base_url", &self.inner.config.base_url)
            .field("participant_code", &self.inner.config.participant_code)
            .finish_non_exhaustive()
    }
}

impl HcxClient {
    /// A client with its own HTTP connection pool (native TLS, request timeout from config).
    pub fn new(config: GatewayConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("hcx-console/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Config(format!("cannot build the HTTP client: {e}")))?;
        Self::with_http(config, http)
    }

    /// A client over a caller-built reqwest client (proxy, extra root certificates …).
    pub fn with_http(config: GatewayConfig, http: reqwest::Client) -> Result<Self> {
        config.check().map_err(ClientError::Config)?;
        let tokens =
            TokenCache::new(TokenSource::from_config(&config), config.token_refresh_margin);
        let inner = Inner {
            transport: Transport { http, retry: config.retry.clone() },
            certs: CertCache::new(config.cert_ttl),
            tokens,
            roles: OnceCell::new(),
            config,
        };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The configuration in use.
    pub fn config(&self) -> &GatewayConfig {
        &self.inner.config
    }

    /// Where tokens come from.
    pub fn token_source(&self) -> &TokenSource {
        &self.inner.tokens.source
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    pub(crate) fn tokens(&self) -> &TokenCache {
        &self.inner.tokens
    }

    /// One authenticated call: token on, back-off inside, one fresh-token retry on 401.
    pub(crate) async fn authed(
        &self,
        url: &str,
        make: &(dyn Fn(&reqwest::Client) -> RequestBuilder + Send + Sync),
    ) -> Result<Reply> {
        let t = &self.inner.transport;
        let tokens = &self.inner.tokens;
        let first = tokens.get(t).await?;
        let reply =
            t.execute(url, &|| tokens.source.authorize(make(&t.http), &first.token)).await?;
        if reply.status != StatusCode::UNAUTHORIZED {
            return Ok(reply);
        }
        // Expired or revoked token (wire facts §2.3): the gateway refused before accepting
        // anything, so one more try with a fresh token is safe.
        tracing::info!(%url, "gateway answered 401; fetching a fresh token and trying once more");
        tokens.invalidate(first.generation).await;
        let fresh = tokens.get(t).await?;
        let mut again =
            t.execute(url, &|| tokens.source.authorize(make(&t.http), &fresh.token)).await?;
        again.attempts += reply.attempts;
        again.earlier_try_may_have_landed |= reply.earlier_try_may_have_landed;
        Ok(again)
    }

    /// POSTs JSON bytes with the token; returns the reply whatever its status.
    pub(crate) async fn post_json(&self, url: &str, body: Vec<u8>) -> Result<Reply> {
        self.authed(url, &|h| {
            h.post(url).header(CONTENT_TYPE, "application/json").body(body.clone())
        })
        .await
    }

    /// One authenticated call to `{base}/{version}{path}` on this gateway, for APIs beside the
    /// protocol ones (the onboarding operator's endpoints): the shared token on, the configured
    /// back-off, one fresh-token retry on a 401. `path` starts with `/` and may carry a query;
    /// `json` is sent as the body with `Content-Type: application/json`. The token never leaves
    /// for another host, because the URL is always built from the configured base.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        json: Option<Vec<u8>>,
    ) -> Result<Answer> {
        let url = self.inner.config.api_url(path);
        let reply = self
            .authed(&url, &|h| {
                let req = h.request(method.clone(), &url);
                match &json {
                    Some(body) => req.header(CONTENT_TYPE, "application/json").body(body.clone()),
                    None => req,
                }
            })
            .await?;
        Ok(Answer { status: reply.status.as_u16(), body: reply.body })
    }

    // ---------------------------------------------------------------- registry

    /// `participant/search` with any filters.
    pub async fn search(&self, query: &SearchQuery) -> Result<SearchResult> {
        let url = self.inner.config.registry_url(SEARCH_PATH);
        let body = serde_json::to_vec(query).map_err(|e| ClientError::Config(e.to_string()))?;
        let reply = self.post_json(&url, body).await?;
        if !reply.status.is_success() {
            return Err(error_for(&reply));
        }
        parse_search(&reply.body).map_err(|reason| ClientError::UnexpectedResponse {
            url,
            http_status: reply.status.as_u16(),
            reason,
        })
    }

    /// The record of one participant (`{"filters":{"participant_code":{"eq":code}}}`).
    pub async fn search_participant(&self, code: &str) -> Result<ParticipantRecord> {
        let found = self.search(&SearchQuery::by_code(code)).await?;
        if let Some(rec) = found.participants.into_iter().find(|p| p.participant_code == code) {
            return Ok(rec);
        }
        if let Some(bad) = found.skipped.iter().find(|s| s.raw["participant_code"] == code) {
            return Err(ClientError::UnexpectedResponse {
                url: self.inner.config.registry_url(SEARCH_PATH),
                http_status: 200,
                reason: format!("the record of {code} is unreadable: {}", bad.reason),
            });
        }
        Err(ClientError::ParticipantNotFound(code.to_owned()))
    }

    // ------------------------------------------------------------ certificates

    /// The participant's encryption certificate, from the cache when younger than the TTL.
    pub async fn certificate(&self, code: &str) -> Result<Certificate> {
        if let Some(c) = self.inner.certs.get(code) {
            return Ok(c);
        }
        self.fetch_certificate(code).await
    }

    /// The key to seal to for `code` (cached).
    pub async fn recipient_key(&self, code: &str) -> Result<RecipientKey> {
        Ok(self.certificate(code).await?.key)
    }

    /// Fetches the certificate now, bypassing and then refreshing the cache.
    pub async fn fetch_certificate(&self, code: &str) -> Result<Certificate> {
        let cert = match (&self.inner.config.dialect, &self.inner.config.registry_url) {
            (hcx_protocol::Dialect::Nhcx, Some(_)) => self.nhcx_fetch_cert(code).await?,
            _ => {
                let rec = self.search_participant(code).await?;
                let value = rec.encryption_cert.as_deref().map(str::trim).unwrap_or_default();
                if value.is_empty() {
                    return Err(cert_err(code, "the registry record has no encryption_cert"));
                }
                self.certificate_from_value(code, value).await?
            }
        };
        self.inner.certs.put(cert.clone());
        Ok(cert)
    }

    /// Forgets the cached certificate of `code`, e.g. after the counterparty answered
    /// `ERR_INVALID_ENCRYPTION` (see [`crate::clerk::needs_fresh_certificate`]). Returns
    /// whether one was cached.
    pub fn invalidate_certificate(&self, code: &str) -> bool {
        self.inner.certs.invalidate(code)
    }

    /// Forgets every cached certificate.
    pub fn clear_certificates(&self) {
        self.inner.certs.clear();
    }

    /// Parses an `encryption_cert` value: inline PEM, or a URL to GET.
    pub(crate) async fn certificate_from_value(
        &self,
        code: &str,
        value: &str,
    ) -> Result<Certificate> {
        if is_inline_pem(value) {
            return parse_cert(code, value.as_bytes(), CertSource::Inline);
        }
        let url = reqwest::Url::parse(value)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| cert_err(code, "encryption_cert is neither a PEM nor an http(s) URL"))?;
        // No token on this request: certificates sit on public storage, and a bearer token
        // must never travel to a host other than the gateway.
        let t = &self.inner.transport;
        let reply = t
            .execute(url.as_str(), &|| t.http.get(url.clone()))
            .await
            .map_err(|e| cert_err(code, &format!("downloading {url} failed: {e}")))?;
        if !reply.status.is_success() {
            return Err(cert_err(
                code,
                &format!("downloading {url} answered HTTP {}", reply.status),
            ));
        }
        parse_cert(code, &reply.body, CertSource::Url(url.to_string()))
    }

    async fn nhcx_fetch_cert(&self, code: &str) -> Result<Certificate> {
        let url = self.inner.config.registry_url(NHCX_FETCH_CERTS_PATH);
        let body = serde_json::json!({ "participantid": code }).to_string().into_bytes();
        let reply = self.post_json(&url, body).await?;
        if !reply.status.is_success() {
            return Err(error_for(&reply));
        }
        // Either a JSON object carrying `encryption_cert`, or the PEM (or an error sentence
        // such as "Invalid Certificate Found") as plain text.
        let pem = match serde_json::from_slice::<serde_json::Value>(&reply.body) {
            Ok(v) => v["encryption_cert"].as_str().map(str::to_owned),
            Err(_) => Some(String::from_utf8_lossy(&reply.body).into_owned()),
        };
        match pem {
            Some(p) if is_inline_pem(&p) => {
                parse_cert(code, p.as_bytes(), CertSource::NhcxFetchCerts)
            }
            _ => Err(cert_err(code, &format!("NHCX returned no certificate: {}", reply.snippet()))),
        }
    }

    // -------------------------------------------------------------------- send

    /// Our roles: from the config, else (once) from our own registry record.
    pub async fn our_roles(&self) -> Result<Vec<Role>> {
        let cfg = &self.inner.config;
        if !cfg.roles.is_empty() {
            return Ok(cfg.roles.clone());
        }
        let roles = self
            .inner
            .roles
            .get_or_try_init(|| async {
                Ok::<_, ClientError>(
                    self.search_participant(&cfg.participant_code).await?.known_roles(),
                )
            })
            .await?;
        Ok(roles.clone())
    }

    /// Refuses, before any network send, what the gateway would refuse for who we are: an API
    /// our roles may not call (its 401), or a sender other than us (its ERR_ACCESS_DENIED).
    pub async fn check_may_send(&self, action: Action, headers: &Headers) -> Result<()> {
        let cfg = &self.inner.config;
        let sender = headers.sender_code();
        if sender != Some(cfg.participant_code.as_str()) {
            return Err(ClientError::WrongSender {
                found: sender.map(str::to_owned),
                ours: cfg.participant_code.clone(),
            });
        }
        let roles = self.our_roles().await?;
        if !action.allows_any(cfg.version, &roles) {
            return Err(ClientError::RoleNotAllowed { action, version: cfg.version, roles });
        }
        Ok(())
    }

    /// Seals `fhir_payload` to the recipient's key (from the cache) and returns the exact body
    /// to post. The outbox stores this before the first try, then calls [`Self::send_raw`].
    pub async fn prepare(
        &self,
        action: Action,
        headers: &Headers,
        fhir_payload: &[u8],
    ) -> Result<Prepared> {
        self.check_may_send(action, headers).await?;
        let recipient = headers
            .recipient_code()
            .filter(|r| !r.trim().is_empty())
            .ok_or(ClientError::NoRecipient)?
            .to_owned();
        let key = self.recipient_key(&recipient).await?;
        let compact = hcx_protocol::seal(headers, fhir_payload, &key)?;
        Ok(Prepared {
            action,
            body: payload_body_for(&compact, self.inner.config.dialect),
            api_call_id: headers.api_call_id().unwrap_or_default().to_owned(),
            correlation_id: headers.correlation_id().unwrap_or_default().to_owned(),
            recipient_code: recipient,
        })
    }

    /// Seals and posts a FHIR payload to `{base}/{version}{action.path()}`.
    pub async fn send(
        &self,
        action: Action,
        headers: Headers,
        fhir_payload: &[u8],
    ) -> Result<SendOutcome> {
        let prepared = self.prepare(action, &headers, fhir_payload).await?;
        self.post_protocol(action, prepared.body.into_bytes(), &headers).await
    }

    /// Posts a plain-JSON `ProtocolResponse` (error or redirect headers) to an `on_*` API.
    pub async fn send_plain(&self, action: Action, headers: Headers) -> Result<SendOutcome> {
        if !action.is_callback() {
            return Err(ClientError::PlainNotAllowed(action));
        }
        self.check_may_send(action, &headers).await?;
        self.post_protocol(action, headers.to_json_string().into_bytes(), &headers).await
    }

    /// Posts an already-built body (a stored `{"payload": …}` or plain JSON) byte for byte.
    /// The body is read (not decrypted) to check the sender and API before sending.
    pub async fn send_raw(&self, action: Action, body: &[u8]) -> Result<SendOutcome> {
        let parsed = hcx_protocol::parse_body(body).map_err(hcx_protocol::Error::from)?;
        if !parsed.is_jwe() && !action.is_callback() {
            return Err(ClientError::PlainNotAllowed(action));
        }
        let headers = parsed.headers()?;
        self.check_may_send(action, &headers).await?;
        self.post_protocol(action, body.to_vec(), &headers).await
    }

    async fn post_protocol(
        &self,
        action: Action,
        body: Vec<u8>,
        headers: &Headers,
    ) -> Result<SendOutcome> {
        let url = self.inner.config.api_url(action.path());
        let reply = self.post_json(&url, body).await?;
        classify_send(reply, headers)
    }

    /// `/hcx/status` for an earlier request of ours: returns the synchronous `result`.
    pub async fn hcx_status(&self, correlation_id: &str, recipient: &str) -> Result<StatusReport> {
        let cfg = &self.inner.config;
        let headers =
            Headers::action(&cfg.participant_code, recipient, correlation_id, None, cfg.dialect);
        // The platform reads only the headers (StatusController); the payload is a bare FHIR
        // Task as the spec asks, with nothing the recipient needs.
        let task =
            serde_json::json!({"resourceType": "Task", "status": "requested", "intent": "order"});
        let outcome = self.send(Action::HcxStatus, headers, task.to_string().as_bytes()).await?;
        Ok(match outcome {
            SendOutcome::Accepted { ack, .. } => {
                StatusReport { result: ack.result.clone(), ack: Some(ack) }
            }
            _ => StatusReport { result: None, ack: None },
        })
    }
}

/// Maps a non-success reply to the error a caller sees.
pub(crate) fn error_for(reply: &Reply) -> ClientError {
    if reply.status == StatusCode::TOO_MANY_REQUESTS {
        return ClientError::RateLimited {
            attempts: reply.attempts,
            retry_after: reply.retry_after,
        };
    }
    ClientError::Gateway(GatewayError::from_reply(reply))
}

/// Reads the answer to a protocol POST.
fn classify_send(reply: Reply, headers: &Headers) -> Result<SendOutcome> {
    let attempts = reply.attempts;
    if reply.status.is_success() {
        return Ok(match serde_json::from_slice::<Ack>(&reply.body) {
            Ok(ack) => SendOutcome::Accepted { ack, attempts },
            Err(_) => SendOutcome::AcceptedWithoutAck {
                http_status: reply.status.as_u16(),
                body: reply.snippet(),
                attempts,
            },
        });
    }
    let err = match error_for(&reply) {
        ClientError::Gateway(g) => g,
        other => return Err(other),
    };
    let duplicate_call = err.code == Some(ErrorCode::ErrInvalidApiCallId)
        && err.message.to_ascii_lowercase().contains(DUPLICATE_API_CALL_TEXT);
    // NHCX has no api_call_id audit; it refuses a reused correlation id instead. That is
    // evidence of our own earlier try only when one of this call's tries may have landed.
    let nhcx_duplicate = err.code == Some(ErrorCode::Nhcx1006) && reply.earlier_try_may_have_landed;
    if duplicate_call || nhcx_duplicate {
        tracing::info!(
            attempts,
            after_uncertain_try = reply.earlier_try_may_have_landed,
            "gateway already holds this message; treating it as accepted"
        );
        return Ok(SendOutcome::AlreadyAccepted {
            api_call_id: err.api_call_id.or_else(|| headers.api_call_id().map(str::to_owned)),
            correlation_id: err
                .correlation_id
                .or_else(|| headers.correlation_id().map(str::to_owned)),
            after_uncertain_try: reply.earlier_try_may_have_landed,
            attempts,
        });
    }
    Err(ClientError::Gateway(err))
}

fn cert_err(code: &str, reason: &str) -> ClientError {
    ClientError::Certificate { participant_code: code.to_owned(), reason: reason.to_owned() }
}

fn parse_cert(code: &str, pem: &[u8], source: CertSource) -> Result<Certificate> {
    let key = RecipientKey::from_pem(pem).map_err(|e| cert_err(code, &e.to_string()))?;
    Ok(Certificate {
        participant_code: code.to_owned(),
        pem: Arc::from(String::from_utf8_lossy(pem).as_ref()),
        key,
        source,
    })
}
