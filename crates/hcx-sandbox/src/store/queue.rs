//! The delivery queue: bodies waiting to be POSTed to a recipient's `endpoint_url`. A row is
//! written in the same transaction as the audit event, before the 202, and removed from the
//! pending set only after the recipient answered (or delivery finally failed).

use rusqlite::{Connection, params};

use crate::error::Result;

/// One pending delivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Message id (same as the audit row).
    pub mid: String,
    /// The exact bytes to POST.
    pub body: Vec<u8>,
    /// Participant to deliver to.
    pub target_code: String,
    /// Path without version, appended to the target's `endpoint_url`.
    pub path: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// Earliest time of the next attempt (epoch ms).
    pub next_attempt_ms: i64,
    /// HCX instances the message passed before this one (sent on as the hop's relay path).
    pub relay_path: Vec<String>,
}

/// Queues a delivery for `now`.
pub fn enqueue(conn: &Connection, d: &Delivery) -> Result<()> {
    conn.execute(
        "INSERT INTO deliveries (mid, body, target_code, path, attempts, next_attempt_ms, state, relay_path)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7)",
        params![
            d.mid,
            d.body,
            d.target_code,
            d.path,
            d.attempts,
            d.next_attempt_ms,
            serde_json::to_string(&d.relay_path)?
        ],
    )?;
    Ok(())
}

/// Pending deliveries due at `now`, oldest first.
pub fn due(conn: &Connection, now: i64, limit: usize) -> Result<Vec<Delivery>> {
    let mut stmt = conn.prepare(
        "SELECT mid, body, target_code, path, attempts, next_attempt_ms, relay_path FROM deliveries
         WHERE state = 'pending' AND next_attempt_ms <= ?1 ORDER BY next_attempt_ms, rowid LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
        Ok(Delivery {
            mid: r.get(0)?,
            body: r.get(1)?,
            target_code: r.get(2)?,
            path: r.get(3)?,
            attempts: r.get(4)?,
            next_attempt_ms: r.get(5)?,
            // A path that does not parse reads as empty; it only ever holds what enqueue wrote.
            relay_path: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Earliest `next_attempt_ms` among pending deliveries.
pub fn next_due(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn.query_row(
        "SELECT MIN(next_attempt_ms) FROM deliveries WHERE state = 'pending'",
        [],
        |r| r.get(0),
    )?)
}

/// Marks a delivery done.
pub fn mark_done(conn: &Connection, mid: &str, attempts: u32) -> Result<()> {
    conn.execute(
        "UPDATE deliveries SET state = 'done', attempts = ?2, last_error = NULL WHERE mid = ?1",
        params![mid, attempts],
    )?;
    Ok(())
}

/// Schedules another attempt.
pub fn reschedule(
    conn: &Connection,
    mid: &str,
    attempts: u32,
    next_ms: i64,
    error: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE deliveries SET attempts = ?2, next_attempt_ms = ?3, last_error = ?4 WHERE mid = ?1",
        params![mid, attempts, next_ms, error],
    )?;
    Ok(())
}

/// Gives up on a delivery.
pub fn mark_failed(conn: &Connection, mid: &str, attempts: u32, error: &str) -> Result<()> {
    conn.execute(
        "UPDATE deliveries SET state = 'failed', attempts = ?2, last_error = ?3 WHERE mid = ?1",
        params![mid, attempts, error],
    )?;
    Ok(())
}

/// State (`pending`, `done`, `failed`) and attempts of one delivery.
pub fn state_of(conn: &Connection, mid: &str) -> Result<Option<(String, u32)>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row("SELECT state, attempts FROM deliveries WHERE mid = ?1", params![mid], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}
