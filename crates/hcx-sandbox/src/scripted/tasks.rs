//! Pending work of the scripted counterparties (a delayed `response.complete`, a payment notice,
//! a query waiting for its answer), kept in SQLite so a restart does not drop it.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use crate::error::{Result, SandboxError};

/// Due time of tasks that wait for an event rather than a clock.
pub const WAIT_FOR_EVENT: i64 = i64::MAX;

/// One pending task.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// Unique id (the correlation id for query waits).
    pub id: String,
    /// Owning participant code.
    pub actor: String,
    /// What to do (`complete`, `payment`, `await_answer`).
    pub kind: String,
    /// When (epoch ms), or [`WAIT_FOR_EVENT`].
    pub due_ms: i64,
    /// Everything needed to do it.
    pub data: Value,
}

/// Inserts or replaces.
pub fn put(conn: &Connection, t: &Task) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO scripted_tasks (id, actor, kind, due_ms, data) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![t.id, t.actor, t.kind, t.due_ms, t.data.to_string()],
    )?;
    Ok(())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, i64, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn decode(raw: (String, String, String, i64, String)) -> Result<Task> {
    let (id, actor, kind, due_ms, data) = raw;
    let data = serde_json::from_str(&data)
        .map_err(|e| SandboxError::Corrupt(format!("task {id}: {e}")))?;
    Ok(Task { id, actor, kind, due_ms, data })
}

/// Tasks of `actor` due at `now`.
pub fn due(conn: &Connection, actor: &str, now: i64) -> Result<Vec<Task>> {
    let mut stmt = conn.prepare(
        "SELECT id, actor, kind, due_ms, data FROM scripted_tasks WHERE actor = ?1 AND due_ms <= ?2 ORDER BY due_ms",
    )?;
    let rows = stmt.query_map(params![actor, now], row)?;
    rows.map(|r| decode(r?)).collect()
}

/// One task of `actor`.
pub fn get(conn: &Connection, actor: &str, id: &str) -> Result<Option<Task>> {
    conn.query_row(
        "SELECT id, actor, kind, due_ms, data FROM scripted_tasks WHERE actor = ?1 AND id = ?2",
        params![actor, id],
        row,
    )
    .optional()?
    .map(decode)
    .transpose()
}

/// Removes a task.
pub fn delete(conn: &Connection, actor: &str, id: &str) -> Result<()> {
    conn.execute("DELETE FROM scripted_tasks WHERE actor = ?1 AND id = ?2", params![actor, id])?;
    Ok(())
}
