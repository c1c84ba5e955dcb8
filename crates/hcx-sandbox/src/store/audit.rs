//! The audit trail: one row per accepted message (and per gateway-generated error callback).
//! The gateway's history rules (§4.3–§4.5) and `/audit/search` read it.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value, json};

use crate::error::{Result, SandboxError};

/// One audited message.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Message id given by the sandbox.
    pub mid: String,
    /// Path without version, e.g. `/preauth/submit`.
    pub action: String,
    /// `x-hcx-api_call_id`.
    pub api_call_id: String,
    /// `x-hcx-correlation_id`.
    pub correlation_id: String,
    /// `x-hcx-workflow_id`, when present.
    pub workflow_id: Option<String>,
    /// `x-hcx-sender_code`.
    pub sender_code: String,
    /// `x-hcx-recipient_code`.
    pub recipient_code: String,
    /// Sender's registry roles.
    pub sender_role: Vec<String>,
    /// Recipient's registry roles.
    pub recipient_role: Vec<String>,
    /// Protocol status: `request.queued|dispatched` for actions, the `x-hcx-status` of an
    /// `on_*`, `response.error` after a failed dispatch.
    pub status: String,
    /// Protocol headers as received (decoded JWE protected header or the plain-JSON body).
    pub headers: Map<String, Value>,
    /// Size of the HTTP body in bytes.
    pub payload_size: i64,
    /// When the sandbox accepted it (epoch ms).
    pub request_ms: i64,
    /// Last status change (epoch ms).
    pub updated_ms: i64,
    /// Error details recorded on dispatch failure.
    pub error_details: Option<Value>,
    /// HCX instances the message passed before it reached this one, in order (empty when a
    /// participant sent it here).
    pub relay_path: Vec<String>,
    /// The peer instance this one forwarded it to (set when that hop was acknowledged).
    pub relayed_to: Option<String>,
}

impl AuditEvent {
    /// True for `on_*` paths.
    pub fn is_on_action(&self) -> bool {
        self.action.contains("/on_")
    }

    /// Entity name as the gateway derives it (`status`, `search`, or the first path segment).
    pub fn entity(&self) -> &str {
        entity_of(&self.action)
    }

    /// The record `/audit/search` returns.
    pub fn to_json(&self) -> Value {
        let mut out = self.headers.clone();
        out.insert("mid".into(), json!(self.mid));
        out.insert("action".into(), json!(self.action));
        out.insert("status".into(), json!(self.status));
        out.insert("requestTimeStamp".into(), json!(self.request_ms));
        out.insert("updatedTimestamp".into(), json!(self.updated_ms));
        out.insert("senderRole".into(), json!(self.sender_role));
        out.insert("recipientRole".into(), json!(self.recipient_role));
        out.insert("payload_size".into(), json!(self.payload_size));
        if let Some(e) = &self.error_details {
            out.insert("error_details".into(), e.clone());
        }
        // Only relayed messages carry the relay fields, so a single-instance record keeps the
        // platform's shape.
        if !self.relay_path.is_empty() {
            out.insert("relay_path".into(), json!(self.relay_path));
        }
        if let Some(to) = &self.relayed_to {
            out.insert("relayed_to".into(), json!(to));
        }
        Value::Object(out)
    }
}

/// Entity name of a path the way the gateway's `getEntity` computes it.
pub fn entity_of(path: &str) -> &str {
    if path.contains("status") {
        "status"
    } else if path.contains("search") {
        "search"
    } else {
        path.trim_matches('/').split('/').next().unwrap_or_default()
    }
}

const COLUMNS: &str = "mid, action, api_call_id, correlation_id, workflow_id, sender_code, recipient_code, \
     sender_role, recipient_role, status, headers, payload_size, request_ms, updated_ms, error_details, \
     relay_path, relayed_to";

fn from_row(r: &Row<'_>) -> rusqlite::Result<(AuditEvent, [String; 4], Option<String>)> {
    Ok((
        AuditEvent {
            mid: r.get(0)?,
            action: r.get(1)?,
            api_call_id: r.get(2)?,
            correlation_id: r.get(3)?,
            workflow_id: r.get(4)?,
            sender_code: r.get(5)?,
            recipient_code: r.get(6)?,
            sender_role: vec![],
            recipient_role: vec![],
            status: r.get(9)?,
            headers: Map::new(),
            payload_size: r.get(11)?,
            request_ms: r.get(12)?,
            updated_ms: r.get(13)?,
            error_details: None,
            relay_path: vec![],
            relayed_to: r.get(16)?,
        },
        [r.get(7)?, r.get(8)?, r.get(10)?, r.get(15)?],
        r.get(14)?,
    ))
}

fn finish(raw: (AuditEvent, [String; 4], Option<String>)) -> Result<AuditEvent> {
    let (mut e, [sr, rr, h, path], err) = raw;
    let bad =
        |what: &str, x: serde_json::Error| SandboxError::Corrupt(format!("audit {what}: {x}"));
    e.sender_role = serde_json::from_str(&sr).map_err(|x| bad("sender_role", x))?;
    e.recipient_role = serde_json::from_str(&rr).map_err(|x| bad("recipient_role", x))?;
    e.headers = serde_json::from_str(&h).map_err(|x| bad("headers", x))?;
    e.relay_path = serde_json::from_str(&path).map_err(|x| bad("relay_path", x))?;
    e.error_details =
        err.map(|s| serde_json::from_str(&s)).transpose().map_err(|x| bad("error", x))?;
    Ok(e)
}

fn query(
    conn: &Connection,
    where_sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<AuditEvent>> {
    let sql = format!("SELECT {COLUMNS} FROM audit {where_sql} ORDER BY seq");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(args, from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(finish(row?)?);
    }
    Ok(out)
}

/// Inserts an event. A duplicate (sender, api_call_id) fails with a constraint error.
pub fn insert(conn: &Connection, e: &AuditEvent) -> Result<()> {
    conn.execute(
        &format!("INSERT INTO audit ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"),
        params![
            e.mid,
            e.action,
            e.api_call_id,
            e.correlation_id,
            e.workflow_id,
            e.sender_code,
            e.recipient_code,
            serde_json::to_string(&e.sender_role)?,
            serde_json::to_string(&e.recipient_role)?,
            e.status,
            serde_json::to_string(&e.headers)?,
            e.payload_size,
            e.request_ms,
            e.updated_ms,
            e.error_details.as_ref().map(serde_json::to_string).transpose()?,
            serde_json::to_string(&e.relay_path)?,
            e.relayed_to,
        ],
    )?;
    Ok(())
}

/// Every event of a correlation id, oldest first.
pub fn by_correlation(conn: &Connection, correlation_id: &str) -> Result<Vec<AuditEvent>> {
    query(conn, "WHERE correlation_id = ?1", &[&correlation_id])
}

/// True when `sender` already used `api_call_id`.
pub fn api_call_used(conn: &Connection, sender: &str, api_call_id: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM audit WHERE sender_code = ?1 AND api_call_id = ?2",
            params![sender, api_call_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// One event by message id.
pub fn get(conn: &Connection, mid: &str) -> Result<Option<AuditEvent>> {
    Ok(query(conn, "WHERE mid = ?1", &[&mid])?.into_iter().next())
}

/// Changes an event's status (and optionally records error details).
pub fn set_status(
    conn: &Connection,
    mid: &str,
    status: &str,
    error: Option<&Value>,
    now: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE audit SET status = ?2, updated_ms = ?3, error_details = COALESCE(?4, error_details) WHERE mid = ?1",
        params![mid, status, now, error.map(serde_json::to_string).transpose()?],
    )?;
    Ok(())
}

/// Records the peer instance a message was forwarded to.
pub fn set_relayed_to(conn: &Connection, mid: &str, peer: &str, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE audit SET relayed_to = ?2, updated_ms = ?3 WHERE mid = ?1",
        params![mid, peer, now],
    )?;
    Ok(())
}

/// Events a participant sent (or all when `sender` is `None`), oldest first.
pub fn sent_by(conn: &Connection, sender: Option<&str>) -> Result<Vec<AuditEvent>> {
    match sender {
        Some(s) => query(conn, "WHERE sender_code = ?1", &[&s]),
        None => query(conn, "", &[]),
    }
}
