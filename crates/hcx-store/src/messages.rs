//! Table `messages`: every protocol message as it travelled, deduplicated by
//! `(profile, direction, sender, api_call_id)`; the per-thread timeline rows; and the
//! suspicious list (incoming messages ingest stored but refused to apply).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use crate::values::{json_text, opt_json_col, opt_time_col, time_col, to_ms};
use crate::{MessageDirection, OutboxState, Reader, Result, StoreError, Writer};

/// A message to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// The profile that sent or received it.
    pub profile_id: String,
    /// `x-hcx-api_call_id`: the dedupe key.
    pub api_call_id: String,
    /// Received or sent.
    pub direction: MessageDirection,
    /// `x-hcx-correlation_id`.
    pub correlation_id: String,
    /// `x-hcx-workflow_id`, if any.
    pub workflow_id: Option<String>,
    /// The action path as on the wire (`/coverageeligibility/on_check`).
    pub action: String,
    /// `x-hcx-sender_code`.
    pub sender_code: Option<String>,
    /// `x-hcx-recipient_code`.
    pub recipient_code: Option<String>,
    /// `x-hcx-status`.
    pub protocol_status: Option<String>,
    /// The protected (or plain-JSON) headers as a JSON object.
    pub protected_headers: Option<Value>,
    /// The body exactly as received or sent.
    pub raw_body: String,
    /// The decrypted FHIR payload, when already known.
    pub decrypted_payload: Option<Value>,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
    /// When it was received (incoming messages).
    pub received_at: Option<DateTime<Utc>>,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Row id.
    pub id: i64,
    /// The profile.
    pub profile_id: String,
    /// `x-hcx-api_call_id`.
    pub api_call_id: String,
    /// Received or sent.
    pub direction: MessageDirection,
    /// `x-hcx-correlation_id`.
    pub correlation_id: String,
    /// `x-hcx-workflow_id`.
    pub workflow_id: Option<String>,
    /// The action path.
    pub action: String,
    /// `x-hcx-sender_code`.
    pub sender_code: Option<String>,
    /// `x-hcx-recipient_code`.
    pub recipient_code: Option<String>,
    /// `x-hcx-status`.
    pub protocol_status: Option<String>,
    /// Protected headers.
    pub protected_headers: Option<Value>,
    /// The body as it travelled.
    pub raw_body: String,
    /// The decrypted payload.
    pub decrypted_payload: Option<Value>,
    /// The gateway's synchronous answer to our send (ack or error body).
    pub gateway_response: Option<Value>,
    /// An error code from the gateway or from local processing (e.g. decryption failed).
    pub error_code: Option<String>,
    /// Why an incoming message could not be read (its content could not be summarised or
    /// stored); the message is kept as received and moved nothing.
    pub problem: Option<String>,
    /// Row creation.
    pub created_at: DateTime<Utc>,
    /// When the HTTP call was made.
    pub sent_at: Option<DateTime<Utc>>,
    /// When the gateway accepted it.
    pub acked_at: Option<DateTime<Utc>>,
    /// When it was received.
    pub received_at: Option<DateTime<Utc>>,
    /// Why ingest refused to apply this incoming message (it moved nothing).
    pub rejected_reason: Option<String>,
}

/// Whether [`Writer::insert_message`] stored a new row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "type", content = "id")]
pub enum InsertOutcome {
    /// A new message; the row id.
    New(i64),
    /// Already stored (a redelivery); the existing row id. Nothing was changed.
    Duplicate(i64),
}

impl InsertOutcome {
    /// True for a new message.
    pub fn is_new(self) -> bool {
        matches!(self, InsertOutcome::New(_))
    }

    /// The row id either way.
    pub fn id(self) -> i64 {
        match self {
            InsertOutcome::New(id) | InsertOutcome::Duplicate(id) => id,
        }
    }
}

/// Where a message stands, derived from its timestamps, error and outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Delivery {
    /// Outgoing, not yet sent.
    Queued,
    /// Outgoing, the HTTP call was made, no answer recorded.
    Sent,
    /// Outgoing, accepted by the gateway.
    Acknowledged,
    /// Outgoing, refused by the gateway (see `error_code`).
    Rejected,
    /// Outgoing, given up after retries.
    Failed,
    /// Incoming.
    Received,
}

/// The outbox status shown next to an outgoing message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineOutbox {
    /// Outbox row id.
    pub id: i64,
    /// Its state.
    pub state: OutboxState,
    /// Attempts so far.
    pub attempts: u32,
    /// Next attempt.
    pub next_try_at: DateTime<Utc>,
    /// The last failure.
    pub last_error: Option<String>,
}

/// One message in a thread's timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    /// The message.
    pub message: Message,
    /// Its delivery state.
    pub delivery: Delivery,
    /// Its outbox row, for outgoing messages sent through the outbox.
    pub outbox: Option<TimelineOutbox>,
}

const COLUMNS: &str = "m.id, m.profile_id, m.api_call_id, m.direction, m.correlation_id, \
     m.workflow_id, m.action, m.sender_code, m.recipient_code, m.protocol_status, \
     m.protected_headers_json, m.raw_body, m.decrypted_payload_json, m.gateway_response_json, \
     m.error_code, m.problem, m.created_at, m.sent_at, m.acked_at, m.received_at, \
     m.rejected_reason";

impl Message {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            profile_id: row.get("profile_id")?,
            api_call_id: row.get("api_call_id")?,
            direction: row.get("direction")?,
            correlation_id: row.get("correlation_id")?,
            workflow_id: row.get("workflow_id")?,
            action: row.get("action")?,
            sender_code: row.get("sender_code")?,
            recipient_code: row.get("recipient_code")?,
            protocol_status: row.get("protocol_status")?,
            protected_headers: opt_json_col(row, "protected_headers_json")?,
            raw_body: row.get("raw_body")?,
            decrypted_payload: opt_json_col(row, "decrypted_payload_json")?,
            gateway_response: opt_json_col(row, "gateway_response_json")?,
            error_code: row.get("error_code")?,
            problem: row.get("problem")?,
            created_at: time_col(row, "created_at")?,
            sent_at: opt_time_col(row, "sent_at")?,
            acked_at: opt_time_col(row, "acked_at")?,
            received_at: opt_time_col(row, "received_at")?,
            rejected_reason: row.get("rejected_reason")?,
        })
    }

    fn delivery(&self, outbox: Option<&TimelineOutbox>) -> Delivery {
        match self.direction {
            MessageDirection::In => Delivery::Received,
            MessageDirection::Out if self.error_code.is_some() => Delivery::Rejected,
            MessageDirection::Out if self.acked_at.is_some() => Delivery::Acknowledged,
            MessageDirection::Out if self.sent_at.is_some() => Delivery::Sent,
            MessageDirection::Out => match outbox.map(|o| o.state) {
                Some(OutboxState::Failed) => Delivery::Failed,
                _ => Delivery::Queued,
            },
        }
    }
}

impl TimelineEntry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let message = Message::from_row(row)?;
        let outbox = match row.get::<_, Option<i64>>("outbox_id")? {
            Some(id) => Some(TimelineOutbox {
                id,
                state: row.get("outbox_state")?,
                attempts: row.get("outbox_attempts")?,
                next_try_at: time_col(row, "outbox_next_try_at")?,
                last_error: row.get("outbox_last_error")?,
            }),
            None => None,
        };
        let delivery = message.delivery(outbox.as_ref());
        Ok(Self { message, delivery, outbox })
    }
}

impl Reader<'_> {
    /// One message by row id.
    pub fn get_message(&self, id: i64) -> Result<Option<Message>> {
        let sql = format!("SELECT {COLUMNS} FROM messages m WHERE m.id = ?1");
        Ok(self.conn.query_row(&sql, [id], Message::from_row).optional()?)
    }

    /// One message by its dedupe key (`sender` `None` matches a message without a sender).
    pub fn find_message(
        &self,
        profile_id: &str,
        direction: MessageDirection,
        sender: Option<&str>,
        api_call_id: &str,
    ) -> Result<Option<Message>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM messages m \
             WHERE m.profile_id = ?1 AND m.direction = ?2 \
             AND IFNULL(m.sender_code, '') = IFNULL(?3, '') AND m.api_call_id = ?4"
        );
        Ok(self
            .conn
            .query_row(&sql, params![profile_id, direction, sender, api_call_id], Message::from_row)
            .optional()?)
    }

    /// The suspicious list: incoming messages of a profile that ingest stored but refused to
    /// apply, newest first, at most `limit` (capped at 1000).
    pub fn list_rejected_messages(&self, profile_id: &str, limit: u32) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM messages m \
             WHERE m.profile_id = ?1 AND m.rejected_reason IS NOT NULL \
             ORDER BY COALESCE(m.received_at, m.created_at) DESC, m.id DESC LIMIT ?2"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![profile_id, limit.min(1000)], Message::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many messages are on a profile's suspicious list.
    pub fn count_rejected_messages(&self, profile_id: &str) -> Result<u64> {
        let count: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM messages WHERE profile_id = ?1 AND rejected_reason IS NOT NULL",
            [profile_id],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    pub(crate) fn timeline_entries(
        &self,
        profile_id: &str,
        correlation_id: &str,
    ) -> Result<Vec<TimelineEntry>> {
        // Messages are ordered by when they happened on the wire; the row id breaks ties so
        // the order is stable.
        let sql = format!(
            "SELECT {COLUMNS}, o.id AS outbox_id, o.state AS outbox_state, \
             o.attempts AS outbox_attempts, o.next_try_at AS outbox_next_try_at, \
             o.last_error AS outbox_last_error \
             FROM messages m LEFT JOIN outbox o ON m.direction = 'out' \
             AND o.profile_id = m.profile_id AND o.api_call_id = m.api_call_id \
             WHERE m.profile_id = ?1 AND m.correlation_id = ?2 \
             ORDER BY COALESCE(m.received_at, m.sent_at, m.created_at), m.id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![profile_id, correlation_id], TimelineEntry::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Writer<'_> {
    /// Stores a message unless one with the same `(profile, direction, sender, api_call_id)`
    /// exists. This is how ingest dedupes redeliveries: store first, and acknowledge only after
    /// this returns (new or duplicate alike, since either way the message is safe on disk). The
    /// sender is part of the key so that one participant reusing another's api_call_id cannot
    /// make that participant's message look like a redelivery.
    pub fn insert_message(&self, message: &NewMessage) -> Result<InsertOutcome> {
        let inserted = self.conn().execute(
            "INSERT INTO messages (profile_id, api_call_id, direction, correlation_id, \
             workflow_id, action, sender_code, recipient_code, protocol_status, \
             protected_headers_json, raw_body, decrypted_payload_json, created_at, received_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
             ON CONFLICT DO NOTHING",
            params![
                message.profile_id,
                message.api_call_id,
                message.direction,
                message.correlation_id,
                message.workflow_id,
                message.action,
                message.sender_code,
                message.recipient_code,
                message.protocol_status,
                message.protected_headers.as_ref().map(json_text).transpose()?,
                message.raw_body,
                message.decrypted_payload.as_ref().map(json_text).transpose()?,
                to_ms(message.created_at),
                message.received_at.map(to_ms),
            ],
        )?;
        if inserted > 0 {
            return Ok(InsertOutcome::New(self.conn().last_insert_rowid()));
        }
        let existing: i64 = self.conn().query_row(
            "SELECT id FROM messages WHERE profile_id = ?1 AND direction = ?2 \
             AND IFNULL(sender_code, '') = IFNULL(?3, '') AND api_call_id = ?4",
            params![
                message.profile_id,
                message.direction,
                message.sender_code,
                message.api_call_id
            ],
            |row| row.get(0),
        )?;
        Ok(InsertOutcome::Duplicate(existing))
    }

    /// Records that an outgoing message's HTTP call was made.
    pub fn mark_message_sent(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        self.update_message(
            id,
            "UPDATE messages SET sent_at = ?2 WHERE id = ?1",
            params![id, to_ms(at)],
        )
    }

    /// Records the gateway's synchronous answer to an outgoing message: with `error_code`
    /// `None` it was accepted (`acked_at` = `at`), otherwise it was refused.
    pub fn record_gateway_response(
        &self,
        id: i64,
        response: &Value,
        error_code: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let acked_at = error_code.is_none().then_some(to_ms(at));
        self.update_message(
            id,
            "UPDATE messages SET gateway_response_json = ?2, error_code = ?3, acked_at = ?4 \
             WHERE id = ?1",
            params![id, json_text(response)?, error_code, acked_at],
        )
    }

    /// Stores the decrypted payload of a message.
    pub fn set_decrypted_payload(&self, id: i64, payload: &Value) -> Result<()> {
        self.update_message(
            id,
            "UPDATE messages SET decrypted_payload_json = ?2 WHERE id = ?1",
            params![id, json_text(payload)?],
        )
    }

    /// Records a local processing error on a message (for example a payload that would not
    /// decrypt), keeping the raw body for a later retry.
    pub fn set_message_error(&self, id: i64, error_code: &str) -> Result<()> {
        self.update_message(
            id,
            "UPDATE messages SET error_code = ?2 WHERE id = ?1",
            params![id, error_code],
        )
    }

    /// Marks an incoming message as stored but not applied, with the reason shown to the
    /// clerk. The message stays as received.
    pub fn reject_message(&self, id: i64, reason: &str) -> Result<()> {
        self.update_message(
            id,
            "UPDATE messages SET rejected_reason = ?2 WHERE id = ?1",
            params![id, reason],
        )
    }

    /// Records why an incoming message could not be read, with its error code.
    pub fn set_message_problem(&self, id: i64, error_code: &str, problem: &str) -> Result<()> {
        self.update_message(
            id,
            "UPDATE messages SET error_code = ?2, problem = ?3 WHERE id = ?1",
            params![id, error_code, problem],
        )
    }

    fn update_message(&self, id: i64, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Result<()> {
        if self.conn().execute(sql, params)? == 0 {
            return Err(StoreError::NotFound { what: "message", key: id.to_string() });
        }
        Ok(())
    }
}
