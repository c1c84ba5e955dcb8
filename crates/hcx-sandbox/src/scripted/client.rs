//! How a scripted counterparty talks to the sandbox: through [`hcx_client::HcxClient`], exactly
//! like an outside participant's console (its token cache with the 401 refresh, registry search,
//! certificate cache, `send` / `send_plain` / `send_raw`), plus the participant's own private key
//! to open what it receives.
//!
//! The client does not retry inside a call: a scripted payer's tasks already retry on their own
//! schedule (`payer::TASK_RETRY_MS`), and an answer to a live request that fails is logged, as it
//! always was.

use hcx_client::{Credentials, GatewayConfig, HcxClient, RetryPolicy, SendOutcome};
use hcx_protocol::{Action, Headers, Opened, PrivateKey, Secret};
use serde_json::Value;

use crate::error::Result;

/// A participant's client to the sandbox.
pub struct ParticipantClient {
    /// Own participant code.
    pub code: String,
    gateway: HcxClient,
    key: PrivateKey,
}

impl std::fmt::Debug for ParticipantClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParticipantClient").field("code", &self.code).finish_non_exhaustive()
    }
}

impl ParticipantClient {
    /// `origin` is `http://127.0.0.1:<port>`; the participant logs in with the password form.
    pub fn new(
        origin: &str,
        code: String,
        username: String,
        password: Secret,
        key: PrivateKey,
        http: reqwest::Client,
    ) -> Result<Self> {
        let mut config = GatewayConfig::new(
            format!("{origin}/api"),
            code.clone(),
            Credentials::Password { username, password },
        );
        config.retry = RetryPolicy::no_retry();
        let gateway = HcxClient::with_http(config, http)?;
        Ok(Self { code, gateway, key })
    }

    /// Opens a JWE addressed to this participant.
    pub fn open(&self, compact: &str) -> Result<Opened> {
        Ok(hcx_protocol::open(compact, &self.key).map_err(hcx_protocol::Error::from)?)
    }

    /// Seals `payload` for the recipient named in `headers` and posts it.
    pub async fn send_jwe(
        &self,
        action: Action,
        headers: &Headers,
        payload: &Value,
    ) -> Result<SendOutcome> {
        let bytes = serde_json::to_vec(payload)?;
        Ok(self.gateway.send(action, headers.clone(), &bytes).await?)
    }

    /// Posts a plain-JSON protocol response (error or redirect) to an `on_*` API.
    pub async fn send_plain(&self, action: Action, headers: &Headers) -> Result<SendOutcome> {
        Ok(self.gateway.send_plain(action, headers.clone()).await?)
    }

    /// Posts an already-built body byte for byte (the conformance provider's faulty messages).
    pub async fn send_raw(&self, action: Action, body: &[u8]) -> Result<SendOutcome> {
        Ok(self.gateway.send_raw(action, body).await?)
    }
}
