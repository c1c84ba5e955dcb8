//! How a scripted counterparty talks to the sandbox: over HTTP, exactly like an outside
//! participant (token form POST, `/participant/search`, certificate URL GET, compact JWE POST),
//! using `hcx-protocol` for headers and JWE.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hcx_protocol::{
    Ack, Action, ApiVersion, Headers, Opened, PrivateKey, RecipientKey, payload_body,
};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::error::{Result, SandboxError};
use crate::secret::Secret;

/// A participant's HTTP client to the sandbox.
pub struct ParticipantClient {
    api_base: String,
    /// Own participant code.
    pub code: String,
    username: String,
    password: Secret,
    key: PrivateKey,
    http: reqwest::Client,
    token: Mutex<Option<(Secret, Instant)>>,
    certs: Mutex<HashMap<String, RecipientKey>>,
}

impl std::fmt::Debug for ParticipantClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParticipantClient").field("code", &self.code).finish_non_exhaustive()
    }
}

impl ParticipantClient {
    /// `origin` is `http://127.0.0.1:<port>`.
    pub fn new(
        origin: &str,
        code: String,
        username: String,
        password: Secret,
        key: PrivateKey,
        http: reqwest::Client,
    ) -> Self {
        Self {
            api_base: format!("{origin}/api/{}", ApiVersion::V0_8.prefix()),
            code,
            username,
            password,
            key,
            http,
            token: Mutex::new(None),
            certs: Mutex::new(HashMap::new()),
        }
    }

    async fn token(&self) -> Result<Secret> {
        let mut cached = self.token.lock().await;
        if let Some((t, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(t.clone());
        }
        let resp = self
            .http
            .post(format!("{}/participant/auth/token/generate", self.api_base))
            .form(&[("username", self.username.as_str()), ("password", self.password.expose())])
            .send()
            .await?;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await?;
        let token = body.get("access_token").and_then(Value::as_str).ok_or_else(|| {
            SandboxError::Unexpected { status, body: "token response without access_token".into() }
        })?;
        let ttl = body.get("expires_in").and_then(Value::as_u64).unwrap_or(300);
        let t = Secret::new(token);
        *cached =
            Some((t.clone(), Instant::now() + Duration::from_secs(ttl.saturating_sub(60).max(1))));
        Ok(t)
    }

    /// The recipient's encryption key: registry search, then GET of the certificate URL.
    pub async fn recipient_key(&self, code: &str) -> Result<RecipientKey> {
        if let Some(k) = self.certs.lock().await.get(code) {
            return Ok(k.clone());
        }
        let token = self.token().await?;
        let resp = self
            .http
            .post(format!("{}/participant/search", self.api_base))
            .bearer_auth(token.expose())
            .json(&serde_json::json!({"filters": {"participant_code": {"eq": code}}}))
            .send()
            .await?;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await?;
        let url =
            body.pointer("/participants/0/encryption_cert").and_then(Value::as_str).ok_or_else(
                || SandboxError::Unexpected { status, body: format!("no participant {code}") },
            )?;
        let pem = if url.contains("-----BEGIN") {
            url.to_string()
        } else {
            self.http.get(url).send().await?.error_for_status()?.text().await?
        };
        let key = RecipientKey::from_pem(pem.as_bytes()).map_err(hcx_protocol::Error::from)?;
        self.certs.lock().await.insert(code.to_string(), key.clone());
        Ok(key)
    }

    /// Opens a JWE addressed to this participant.
    pub fn open(&self, compact: &str) -> Result<Opened> {
        Ok(hcx_protocol::open(compact, &self.key).map_err(hcx_protocol::Error::from)?)
    }

    /// Seals `payload` for the recipient named in `headers` and POSTs it.
    pub async fn send_jwe(
        &self,
        action: Action,
        headers: &Headers,
        payload: &Value,
    ) -> Result<Ack> {
        let recipient = headers.recipient_code().unwrap_or_default().to_string();
        let key = self.recipient_key(&recipient).await?;
        let compact = hcx_protocol::seal(headers, payload.to_string().as_bytes(), &key)
            .map_err(hcx_protocol::Error::from)?;
        self.post(action, payload_body(&compact)).await
    }

    /// POSTs a plain-JSON protocol response (error or redirect).
    pub async fn send_plain(&self, action: Action, headers: &Headers) -> Result<Ack> {
        self.post(action, headers.to_json_string()).await
    }

    async fn post(&self, action: Action, body: String) -> Result<Ack> {
        let token = self.token().await?;
        let resp = self
            .http
            .post(format!("{}{}", self.api_base, action.path()))
            .bearer_auth(token.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        if status != 202 {
            return Err(SandboxError::Unexpected { status, body: text });
        }
        serde_json::from_str(&text).map_err(SandboxError::from)
    }
}
