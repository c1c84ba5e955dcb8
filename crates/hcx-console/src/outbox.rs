//! The durable outbox: every outgoing message is queued here first and sent by a worker.
//!
//! Decision (README "Outbox sealing"): a row stores the action, the recipient, the protocol
//! headers with a FIXED `x-hcx-api_call_id`, and the plaintext payload (the store already keeps
//! decrypted payloads; never a secret). At send time the worker refreshes `x-hcx-timestamp`,
//! fetches (or takes from the cache) the recipient's certificate, seals and posts. So:
//!
//! * a message queued offline, before the recipient's certificate was ever fetched, still goes
//!   out later;
//! * a re-send after a crash carries the same api_call_id, and the gateway's answer
//!   `ERR_INVALID_API_CALL_ID` "Request exist with same api call id" means "already accepted"
//!   (hcx-client returns [`SendOutcome::AlreadyAccepted`]; its in-call retries re-post the same
//!   sealed bytes, see hcx-client's README);
//! * the payer dedupes on the api_call_id too, so a message is processed once.

use chrono::{DateTime, Utc};
use hcx_client::{ClientError, SendOutcome};
use hcx_protocol::{Action, Headers};
use hcx_store::{
    AmountUpdate, MessageDirection, NewMessage, NewOutboxItem, NewThread, OutboxItem, OutboxState,
    Profile, Writer,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::console::{Console, audit};
use crate::dto::SendReceipt;
use crate::error::{ConsoleError, Result};
use crate::thread_state::{self, Event, Step};

/// What an outbox row's `body` column holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OutboxBody {
    /// `jwe` (sealed at send time) or `plain` (a plain-JSON protocol response).
    pub kind: BodyKind,
    /// Protocol headers; the api_call_id is fixed for the row's life.
    pub headers: Map<String, Value>,
    /// The FHIR payload (JWE rows only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
}

/// How an outbox row travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum BodyKind {
    /// Sealed to the recipient.
    Jwe,
    /// Plain JSON (`response.error`, `response.redirect`).
    Plain,
}

/// A message to queue, with its effect on the cycle.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub action: Action,
    pub headers: Headers,
    /// `None` for a plain-JSON response.
    pub payload: Option<Value>,
    /// A cycle this message opens.
    pub new_thread: Option<NewThread>,
    /// What the message does to its (existing) cycle when queued.
    pub event: Option<Event>,
    /// Amounts to record on the cycle.
    pub amounts: Option<AmountUpdate>,
    /// Audit event name.
    pub audit_event: &'static str,
}

/// Moves a cycle by `event` if the state machine says so. Returns the resulting state, or
/// `None` when the profile has no such cycle.
pub(crate) fn advance(
    w: &Writer<'_>,
    profile_id: &str,
    correlation_id: &str,
    event: Event,
    at: DateTime<Utc>,
) -> Result<Option<hcx_store::ThreadState>> {
    let Some(thread) = w.get_thread(profile_id, correlation_id)? else {
        return Ok(None);
    };
    match thread_state::apply(thread.state, event) {
        Step::Move(to) => {
            w.set_thread_state(profile_id, correlation_id, to, at)?;
            Ok(Some(to))
        }
        Step::Stay => Ok(Some(thread.state)),
    }
}

/// Queues `out` inside an existing transaction. Returns the row id.
pub(crate) fn enqueue(
    w: &Writer<'_>,
    profile: &Profile,
    out: &Outgoing,
    at: DateTime<Utc>,
) -> Result<i64> {
    let correlation_id = out.headers.correlation_id().unwrap_or_default().to_owned();
    let api_call_id = out
        .headers
        .api_call_id()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ConsoleError::input("headers", "an outgoing message needs an api_call_id"))?
        .to_owned();
    let recipient = out
        .headers
        .recipient_code()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ConsoleError::input("recipient", "is required"))?
        .to_owned();
    if let Some(thread) = &out.new_thread {
        w.insert_thread(thread)?;
    }
    if let Some(event) = out.event {
        advance(w, &profile.id, &correlation_id, event, at)?;
    }
    if let Some(amounts) = &out.amounts
        && w.get_thread(&profile.id, &correlation_id)?.is_some()
    {
        w.set_thread_amounts(&profile.id, &correlation_id, amounts, at)?;
    }
    let body = OutboxBody {
        kind: if out.payload.is_some() { BodyKind::Jwe } else { BodyKind::Plain },
        headers: out.headers.as_map().clone(),
        payload: out.payload.clone(),
    };
    let id = w.enqueue_outbox(&NewOutboxItem {
        profile_id: profile.id.clone(),
        api_call_id: api_call_id.clone(),
        correlation_id: Some(correlation_id.clone()),
        action: out.action.path().to_owned(),
        recipient_code: recipient.clone(),
        body: serde_json::to_string(&body)
            .map_err(|e| ConsoleError::input("payload", e.to_string()))?,
        next_try_at: at,
        created_at: at,
    })?;
    w.append_audit(&audit(
        &profile.id,
        Some(&correlation_id),
        "operator",
        out.audit_event,
        json!({ "action": out.action.path(), "recipient": recipient, "apiCallId": api_call_id }),
        at,
    ))?;
    Ok(id)
}

fn error_json(e: &ClientError) -> Value {
    match e {
        ClientError::Gateway(g) => json!({
            "httpStatus": g.http_status,
            "error": { "code": g.code.as_ref().map(|c| c.as_str()), "message": g.message },
        }),
        other => json!({ "error": { "code": null, "message": other.to_string() } }),
    }
}

fn outcome_json(o: &SendOutcome) -> Value {
    match o {
        SendOutcome::Accepted { ack, .. } => serde_json::to_value(ack).unwrap_or(Value::Null),
        SendOutcome::AcceptedWithoutAck { http_status, body, .. } => {
            json!({ "httpStatus": http_status, "body": body })
        }
        SendOutcome::AlreadyAccepted { api_call_id, correlation_id, .. } => json!({
            "alreadyAccepted": true, "api_call_id": api_call_id, "correlation_id": correlation_id,
        }),
    }
}

impl Console {
    /// Queues one message and wakes the worker.
    pub(crate) fn queue(&self, profile: &Profile, out: Outgoing) -> Result<SendReceipt> {
        let now = Utc::now();
        let correlation_id = out.headers.correlation_id().unwrap_or_default().to_owned();
        let receipt = SendReceipt {
            correlation_id: correlation_id.clone(),
            api_call_id: out.headers.api_call_id().unwrap_or_default().to_owned(),
            workflow_id: out.headers.workflow_id().map(str::to_owned),
            state: "queued".to_owned(),
        };
        self.write(|w| enqueue(w, profile, &out, now))?;
        self.inner.outbox_wakeup.notify_one();
        self.notify([correlation_id], 0);
        Ok(receipt)
    }

    /// Sends every outbox row that is due now (all profiles), one at a time. Returns how many
    /// rows were tried. Failures are recorded on the rows, never returned: one bad message must
    /// not stop the others.
    pub async fn deliver_due(&self) -> Result<usize> {
        let mut tried = 0;
        loop {
            let now = Utc::now();
            let Some(item) = self.write(|w| Ok(w.claim_next_outbox(now)?))? else {
                return Ok(tried);
            };
            tried += 1;
            let id = item.id;
            if let Err(e) = self.attempt(item).await {
                // Only local failures (the database) get here; the row stays `sending` and is
                // re-queued by `recover_interrupted_outbox` at the next start.
                tracing::error!(outbox_id = id, error = %e, "could not record an outbox attempt");
            }
        }
    }

    /// Re-queues rows a crash left in `sending`. Call once at startup, before any worker.
    pub fn recover_outbox(&self) -> Result<usize> {
        let now = Utc::now();
        let n = self.write(|w| Ok(w.recover_interrupted_outbox(now)?))?;
        if n > 0 {
            tracing::info!(rows = n, "re-queued outbox rows interrupted by a previous stop");
        }
        Ok(n)
    }

    /// When the next queued row is due (for the worker's sleep).
    pub(crate) fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        self.read(|r| Ok(r.next_outbox_due()?))
    }

    async fn attempt(&self, item: OutboxItem) -> Result<()> {
        let body: OutboxBody = match serde_json::from_str(&item.body) {
            Ok(b) => b,
            Err(e) => {
                return self.give_up(&item, None, &format!("unreadable outbox row: {e}"), None);
            }
        };
        let Some((_, action)) = Action::from_path(&item.action) else {
            return self.give_up(&item, None, &format!("unknown action {}", item.action), None);
        };
        let profile = self.profile(&item.profile_id)?;
        let client = match self.client(&profile) {
            Ok(c) => c,
            Err(e) => return self.retry_later(&item, None, &e.to_string()),
        };
        let mut headers = Headers::from_map(body.headers.clone());
        // A fresh timestamp on every attempt: the gateway rejects stale or future ones, and
        // the api_call_id (not the timestamp) is what identifies the message.
        headers.set_timestamp(&hcx_protocol::time::now_timestamp());
        let wire = match (&body.kind, &body.payload) {
            (BodyKind::Jwe, Some(payload)) => {
                let bytes = serde_json::to_vec(payload)
                    .map_err(|e| ConsoleError::input("payload", e.to_string()))?;
                match client.prepare(action, &headers, &bytes).await {
                    Ok(p) => p.body,
                    Err(e) => return self.after_failure(&item, None, &client, e),
                }
            }
            (BodyKind::Jwe, None) => {
                return self.give_up(&item, None, "a sealed message without payload", None);
            }
            (BodyKind::Plain, _) => headers.to_json_string(),
        };
        let now = Utc::now();
        let message_id = self.write(|w| {
            let stored = w.insert_message(&NewMessage {
                profile_id: profile.id.clone(),
                api_call_id: item.api_call_id.clone(),
                direction: MessageDirection::Out,
                correlation_id: item.correlation_id.clone().unwrap_or_default(),
                workflow_id: headers.workflow_id().map(str::to_owned),
                action: action.path().to_owned(),
                sender_code: headers.sender_code().map(str::to_owned),
                recipient_code: Some(item.recipient_code.clone()),
                protocol_status: headers.get_str(hcx_protocol::names::STATUS).map(str::to_owned),
                protected_headers: Some(Value::Object(headers.as_map().clone())),
                raw_body: wire.clone(),
                decrypted_payload: body.payload.clone(),
                created_at: item.created_at,
                received_at: None,
            })?;
            w.mark_message_sent(stored.id(), now)?;
            if let Some(c) = &item.correlation_id {
                advance(w, &profile.id, c, Event::SendAttempted, now)?;
            }
            Ok(stored.id())
        })?;
        self.notify(item.correlation_id.clone(), 0);
        match client.send_raw(action, wire.as_bytes()).await {
            Ok(outcome) => {
                let now = Utc::now();
                self.write(|w| {
                    w.record_gateway_response(message_id, &outcome_json(&outcome), None, now)?;
                    w.mark_outbox_sent(item.id, now)?;
                    if let Some(c) = &item.correlation_id {
                        advance(w, &profile.id, c, Event::Accepted, now)?;
                    }
                    w.append_audit(&audit(
                        &profile.id,
                        item.correlation_id.as_deref(),
                        "outbox",
                        "message.accepted",
                        json!({
                            "action": item.action,
                            "apiCallId": item.api_call_id,
                            "alreadyAccepted": matches!(outcome, SendOutcome::AlreadyAccepted { .. }),
                        }),
                        now,
                    ))?;
                    Ok(())
                })?;
                self.notify(item.correlation_id.clone(), 0);
                Ok(())
            }
            Err(e) => self.after_failure(&item, Some(message_id), &client, e),
        }
    }

    fn after_failure(
        &self,
        item: &OutboxItem,
        message_id: Option<i64>,
        client: &hcx_client::HcxClient,
        e: ClientError,
    ) -> Result<()> {
        if e.error_code().is_some_and(hcx_client::clerk::needs_fresh_certificate) {
            // The recipient could not decrypt with the key we used: fetch its certificate anew.
            client.invalidate_certificate(&item.recipient_code);
        }
        tracing::warn!(
            outbox_id = item.id, action = %item.action, recipient = %item.recipient_code,
            retryable = e.retryable(), error = %e, "send failed"
        );
        if e.retryable() {
            self.retry_later(item, message_id, &e.to_string())
        } else {
            let code = e.error_code().map(|c| c.as_str().to_owned());
            self.give_up(item, message_id, &e.to_string(), Some((error_json(&e), code)))
        }
    }

    fn retry_later(&self, item: &OutboxItem, message_id: Option<i64>, reason: &str) -> Result<()> {
        let now = Utc::now();
        let policy = self.inner.options.outbox_retry;
        let state = self.write(|w| {
            let state = w.record_outbox_failure(item.id, reason, now, &policy)?;
            if state == OutboxState::Failed {
                refused(w, item, message_id, None, reason, now)?;
            }
            Ok(state)
        })?;
        if state == OutboxState::Failed {
            self.notify(item.correlation_id.clone(), 0);
        }
        Ok(())
    }

    fn give_up(
        &self,
        item: &OutboxItem,
        message_id: Option<i64>,
        reason: &str,
        answer: Option<(Value, Option<String>)>,
    ) -> Result<()> {
        let now = Utc::now();
        self.write(|w| {
            w.fail_outbox(item.id, reason, now)?;
            refused(w, item, message_id, answer, reason, now)
        })?;
        self.notify(item.correlation_id.clone(), 0);
        Ok(())
    }

    /// Puts the failed outbox rows of a cycle back in the queue (the clerk's "retry").
    pub(crate) fn requeue_failed(&self, profile: &Profile, correlation_id: &str) -> Result<usize> {
        let now = Utc::now();
        let n = self.write(|w| {
            let failed: Vec<OutboxItem> = w
                .list_outbox(&profile.id, Some(OutboxState::Failed))?
                .into_iter()
                .filter(|o| o.correlation_id.as_deref() == Some(correlation_id))
                .collect();
            for row in &failed {
                w.retry_failed_outbox(row.id, now)?;
            }
            if !failed.is_empty() {
                advance(w, &profile.id, correlation_id, Event::Queued, now)?;
                w.append_audit(&audit(
                    &profile.id,
                    Some(correlation_id),
                    "operator",
                    "outbox.retried",
                    json!({ "rows": failed.len() }),
                    now,
                ))?;
            }
            Ok(failed.len())
        })?;
        self.inner.outbox_wakeup.notify_one();
        Ok(n)
    }
}

/// Records a permanent failure on the message (when one was written) and the cycle.
fn refused(
    w: &Writer<'_>,
    item: &OutboxItem,
    message_id: Option<i64>,
    answer: Option<(Value, Option<String>)>,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    if let Some(id) = message_id {
        let (body, code) =
            answer.unwrap_or_else(|| (json!({ "error": { "message": reason } }), None));
        let code = code.unwrap_or_else(|| "SEND_FAILED".to_owned());
        w.record_gateway_response(id, &body, Some(&code), at)?;
    }
    if let Some(c) = &item.correlation_id {
        advance(w, &item.profile_id, c, Event::Refused, at)?;
    }
    w.append_audit(&audit(
        &item.profile_id,
        item.correlation_id.as_deref(),
        "outbox",
        "message.failed",
        json!({ "action": item.action, "apiCallId": item.api_call_id, "reason": reason }),
        at,
    ))?;
    Ok(())
}
