//! What the suite receives: callbacks drained from the participant's bridge mailbox, kept in a
//! buffer so a message that arrives early (a payment notice while waiting for a decision) is
//! still there when its scenario asks for it.

use std::time::Duration;

use hcx_bridge::{Envelope, MailboxClient};
use hcx_protocol::{Action, Body, Headers, PrivateKey};
use serde_json::Value;
use tokio::time::Instant;

/// One received callback.
#[derive(Debug, Clone)]
pub struct Received {
    /// Path without version (`/preauth/on_submit`).
    pub path: String,
    /// The protected headers (JWE) or the flat plain-JSON headers.
    pub headers: Headers,
    /// The raw body.
    pub body: String,
    /// The gateway's `x-hcx-api_call_id` as the bridge recorded it.
    pub api_call_id: String,
    /// When the bridge received it.
    pub received_at: chrono::DateTime<chrono::Utc>,
}

impl Received {
    /// What the bridge delivered.
    pub fn from_envelope(e: Envelope) -> Self {
        Self {
            path: e.path,
            headers: Headers::from_value(e.headers).unwrap_or_default(),
            body: e.body,
            api_call_id: e.api_call_id,
            received_at: e.received_at,
        }
    }

    /// True for a message on `action` in cycle `correlation_id`.
    pub fn is(&self, action: Action, correlation_id: &str) -> bool {
        self.path == action.path() && self.headers.correlation_id() == Some(correlation_id)
    }

    /// The body, parsed.
    pub fn parsed(&self) -> Result<Body, String> {
        hcx_protocol::parse_body(self.body.as_bytes()).map_err(|e| format!("unreadable body: {e}"))
    }

    /// Decrypts a JWE body; `Err` for plain JSON or a key mismatch.
    pub fn open(&self, key: &PrivateKey) -> Result<(Headers, Value), String> {
        match self.parsed()? {
            Body::Jwe(compact) => {
                let opened = hcx_protocol::open(&compact, key)
                    .map_err(|e| format!("cannot decrypt {}: {e}", self.path))?;
                let payload = opened
                    .payload_json()
                    .map_err(|e| format!("{} carries no JSON: {e}", self.path))?;
                Ok((opened.headers, payload))
            }
            Body::Plain(h) => Err(format!(
                "{} came back as plain JSON ({}: {})",
                self.path,
                h.get_str(hcx_protocol::names::STATUS).unwrap_or("no status"),
                h.error_details()
                    .and_then(Result::ok)
                    .map(|d| format!("{} {}", d.code, d.message))
                    .unwrap_or_default()
            )),
        }
    }
}

/// The mailbox plus what was drained but not yet claimed by a scenario.
pub struct Inbox<'a> {
    mailbox: &'a MailboxClient,
    buffer: Vec<Received>,
    after: Option<u64>,
}

impl<'a> Inbox<'a> {
    /// Reads `mailbox` from its current position.
    pub fn new(mailbox: &'a MailboxClient) -> Self {
        Self { mailbox, buffer: Vec::new(), after: None }
    }

    /// What was drained (and acknowledged to the bridge) but claimed by no scenario.
    pub fn into_unclaimed(self) -> Vec<Received> {
        self.buffer
    }

    /// The first message matching `pred`, waiting up to `timeout`.
    pub async fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Received) -> bool,
    ) -> Result<Received, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.buffer.iter().position(&pred) {
                return Ok(self.buffer.remove(i));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("no {what} arrived within {} s", timeout.as_secs()));
            }
            // The bridge's long-poll counts whole seconds.
            let wait = left.clamp(Duration::from_secs(1), Duration::from_secs(5));
            let envelopes = self
                .mailbox
                .poll(self.after, wait, 100)
                .await
                .map_err(|e| format!("the callback mailbox failed: {e}"))?;
            for e in envelopes {
                self.after = Some(self.after.map_or(e.cursor, |a| a.max(e.cursor)));
                self.buffer.push(Received::from_envelope(e));
            }
            if let Some(last) = self.after {
                // The suite owns this mailbox; release what it has buffered.
                let _ = self.mailbox.ack(last).await;
            }
        }
    }
}
