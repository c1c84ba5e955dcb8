//! What the mailbox hands to a console: one received callback, untouched.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One callback as the bridge received it. The body is byte-for-byte what the gateway posted
/// (a `{"payload": "<JWE>"}` object or a plain-JSON protocol response); the bridge never
/// decrypts anything.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Position in the participant's mailbox; strictly increasing in arrival (commit) order.
    /// Pass the last one you processed to `ack` and as `after`.
    pub cursor: u64,
    /// When the bridge committed it (UTC).
    pub received_at: DateTime<Utc>,
    /// The participant (recipient) code this mailbox belongs to.
    pub participant: String,
    /// The protocol path it arrived on, without prefix or version, e.g. `/preauth/on_submit`.
    pub path: String,
    /// The sender's `x-hcx-api_call_id` (dedupe key together with the sender).
    pub api_call_id: String,
    /// The protected headers (JWE) or the flat protocol headers (plain JSON), as JSON.
    pub headers: serde_json::Value,
    /// The raw HTTP body as received (always JSON text, so always UTF-8).
    pub body: String,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Bodies can be 100 MB and carry PHI in plain-JSON errors; print their size only.
        f.debug_struct("Envelope")
            .field("cursor", &self.cursor)
            .field("received_at", &self.received_at)
            .field("participant", &self.participant)
            .field("path", &self.path)
            .field("api_call_id", &self.api_call_id)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// The answer to `GET /mailbox/{participant}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailboxPage {
    /// Unacknowledged envelopes after the requested cursor, oldest first.
    pub envelopes: Vec<Envelope>,
}

/// The body of `POST /mailbox/{participant}/ack`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckRequest {
    /// Release every envelope with a cursor up to and including this one.
    pub cursor: u64,
}

/// The answer to an ack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckResponse {
    /// How many envelopes this ack newly released.
    pub released: u64,
}
