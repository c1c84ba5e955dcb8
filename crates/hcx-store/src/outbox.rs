//! Table `outbox`: outgoing calls that survive restarts, claimed atomically by workers and
//! retried with exponential backoff.
//!
//! Life of a row: `queued` → (claim) `sending` → `sent`, or back to `queued` with a later
//! `next_try_at` after a retryable failure, or `failed` after a permanent one or too many
//! attempts. A crash while `sending` leaves the row `sending`; the console calls
//! [`Writer::recover_interrupted_outbox`] once at startup, before any worker runs, to queue
//! such rows again.

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{OptionalExtension, Row, params};

use crate::values::{time_col, to_ms};
use crate::{OutboxState, Reader, Result, StoreError, Writer};

/// An outgoing call to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxItem {
    /// The sending profile.
    pub profile_id: String,
    /// The `x-hcx-api_call_id` of the attempt.
    pub api_call_id: String,
    /// The cycle, if the call belongs to one.
    pub correlation_id: Option<String>,
    /// The action path.
    pub action: String,
    /// The recipient's participant code.
    pub recipient_code: String,
    /// Whatever the sender needs to make the call (never a secret).
    pub body: String,
    /// Not before this time (normally now).
    pub next_try_at: DateTime<Utc>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

/// A stored outbox row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxItem {
    /// Row id.
    pub id: i64,
    /// The sending profile.
    pub profile_id: String,
    /// The current attempt's api_call_id.
    pub api_call_id: String,
    /// The cycle.
    pub correlation_id: Option<String>,
    /// The action path.
    pub action: String,
    /// The recipient.
    pub recipient_code: String,
    /// The call's body.
    pub body: String,
    /// Attempts started so far (a claim counts as an attempt).
    pub attempts: u32,
    /// When it may be tried next.
    pub next_try_at: DateTime<Utc>,
    /// The last failure.
    pub last_error: Option<String>,
    /// Delivery state.
    pub state: OutboxState,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Exponential backoff: `base × 2^(attempts − 1)`, capped at `max_delay`, giving up after
/// `max_attempts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failure.
    pub base_delay: TimeDelta,
    /// The longest delay.
    pub max_delay: TimeDelta,
    /// Attempts after which a retryable failure becomes `failed`.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 5 s, 10 s, 20 s ... capped at 15 minutes; 10 attempts span about an hour, long enough
    /// to ride out a gateway restart or a lost connection.
    fn default() -> Self {
        Self {
            base_delay: TimeDelta::seconds(5),
            max_delay: TimeDelta::minutes(15),
            max_attempts: 10,
        }
    }
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed attempt.
    pub fn delay_after(&self, attempts: u32) -> TimeDelta {
        let doublings = attempts.saturating_sub(1).min(30);
        let factor = 1_i32 << doublings;
        self.base_delay.checked_mul(factor).map_or(self.max_delay, |d| d.min(self.max_delay))
    }
}

const COLUMNS: &str = "id, profile_id, api_call_id, correlation_id, action, recipient_code, body, \
     attempts, next_try_at, last_error, state, created_at, updated_at";

impl OutboxItem {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            profile_id: row.get("profile_id")?,
            api_call_id: row.get("api_call_id")?,
            correlation_id: row.get("correlation_id")?,
            action: row.get("action")?,
            recipient_code: row.get("recipient_code")?,
            body: row.get("body")?,
            attempts: row.get("attempts")?,
            next_try_at: time_col(row, "next_try_at")?,
            last_error: row.get("last_error")?,
            state: row.get("state")?,
            created_at: time_col(row, "created_at")?,
            updated_at: time_col(row, "updated_at")?,
        })
    }
}

impl Reader<'_> {
    /// One outbox row.
    pub fn get_outbox_item(&self, id: i64) -> Result<Option<OutboxItem>> {
        let sql = format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1");
        Ok(self.conn.query_row(&sql, [id], OutboxItem::from_row).optional()?)
    }

    /// A profile's outbox rows, optionally in one state, oldest first.
    pub fn list_outbox(
        &self,
        profile_id: &str,
        state: Option<OutboxState>,
    ) -> Result<Vec<OutboxItem>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox WHERE profile_id = ?1 AND (?2 IS NULL OR state = ?2) \
             ORDER BY created_at, id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![profile_id, state], OutboxItem::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the earliest queued row becomes due, so a worker can sleep until then.
    pub fn next_outbox_due(&self) -> Result<Option<DateTime<Utc>>> {
        let ms: Option<i64> = self.conn.query_row(
            "SELECT MIN(next_try_at) FROM outbox WHERE state = 'queued'",
            [],
            |row| row.get(0),
        )?;
        Ok(ms.and_then(DateTime::from_timestamp_millis))
    }
}

impl Writer<'_> {
    /// Queues a call. Returns the row id.
    pub fn enqueue_outbox(&self, item: &NewOutboxItem) -> Result<i64> {
        self.conn().execute(
            "INSERT INTO outbox (profile_id, api_call_id, correlation_id, action, recipient_code, \
             body, next_try_at, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![
                item.profile_id,
                item.api_call_id,
                item.correlation_id,
                item.action,
                item.recipient_code,
                item.body,
                to_ms(item.next_try_at),
                to_ms(item.created_at),
            ],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Claims the most overdue queued row due at `now`: it becomes `sending` and its attempt
    /// count goes up. One statement inside [`crate::Store::write`]'s IMMEDIATE transaction,
    /// so two workers (even in two processes) never claim the same row.
    pub fn claim_next_outbox(&self, now: DateTime<Utc>) -> Result<Option<OutboxItem>> {
        let sql = format!(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?1 \
             WHERE id = (SELECT id FROM outbox WHERE state = 'queued' AND next_try_at <= ?1 \
                         ORDER BY next_try_at, id LIMIT 1) \
             RETURNING {COLUMNS}"
        );
        Ok(self.conn().query_row(&sql, [to_ms(now)], OutboxItem::from_row).optional()?)
    }

    /// The claimed call succeeded.
    pub fn mark_outbox_sent(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        self.transition(
            id,
            "sending",
            "UPDATE outbox SET state = 'sent', last_error = NULL, \
             updated_at = ?2 WHERE id = ?1 AND state = 'sending'",
            params![id, to_ms(at)],
        )
    }

    /// The claimed call failed in a way worth retrying (connection error, timeout, 5xx).
    /// Schedules the next attempt per `policy`, or marks the row `failed` once it has used
    /// `policy.max_attempts`. Returns the new state.
    pub fn record_outbox_failure(
        &self,
        id: i64,
        error: &str,
        now: DateTime<Utc>,
        policy: &RetryPolicy,
    ) -> Result<OutboxState> {
        let item = self.get_outbox_item(id)?.ok_or_else(|| outbox_not_found(id))?;
        if item.state != OutboxState::Sending {
            return Err(wrong_state(id, item.state, "sending"));
        }
        if item.attempts >= policy.max_attempts {
            self.fail_outbox(id, error, now)?;
            return Ok(OutboxState::Failed);
        }
        let next = now + policy.delay_after(item.attempts);
        self.transition(
            id,
            "sending",
            "UPDATE outbox SET state = 'queued', last_error = ?2, next_try_at = ?3, \
             updated_at = ?4 WHERE id = ?1 AND state = 'sending'",
            params![id, error, to_ms(next), to_ms(now)],
        )?;
        Ok(OutboxState::Queued)
    }

    /// The claimed call failed permanently (the gateway refused the request as invalid).
    pub fn fail_outbox(&self, id: i64, error: &str, at: DateTime<Utc>) -> Result<()> {
        self.transition(
            id,
            "sending",
            "UPDATE outbox SET state = 'failed', last_error = ?2, updated_at = ?3 \
             WHERE id = ?1 AND state = 'sending'",
            params![id, error, to_ms(at)],
        )
    }

    /// Replaces a claimed row's api_call_id and body before a new attempt (the protocol wants
    /// a fresh api_call_id on every HTTP call, and the JWE header carries it).
    pub fn replace_outbox_attempt(
        &self,
        id: i64,
        api_call_id: &str,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.transition(
            id,
            "sending",
            "UPDATE outbox SET api_call_id = ?2, body = ?3, updated_at = ?4 \
             WHERE id = ?1 AND state = 'sending'",
            params![id, api_call_id, body, to_ms(at)],
        )
    }

    /// The operator asks to try a failed row again now.
    pub fn retry_failed_outbox(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        self.transition(
            id,
            "failed",
            "UPDATE outbox SET state = 'queued', next_try_at = ?2, updated_at = ?2 \
             WHERE id = ?1 AND state = 'failed'",
            params![id, to_ms(now)],
        )
    }

    /// Queues again every row left `sending` by a crash, due at `now`. Call once at startup
    /// before starting workers (a running worker's row would otherwise be sent twice).
    /// Returns how many rows were recovered.
    pub fn recover_interrupted_outbox(&self, now: DateTime<Utc>) -> Result<usize> {
        Ok(self.conn().execute(
            "UPDATE outbox SET state = 'queued', next_try_at = ?1, updated_at = ?1, \
             last_error = COALESCE(last_error, 'interrupted while sending') \
             WHERE state = 'sending'",
            [to_ms(now)],
        )?)
    }

    fn transition(
        &self,
        id: i64,
        expected: &'static str,
        sql: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<()> {
        if self.conn().execute(sql, params)? > 0 {
            return Ok(());
        }
        match self.get_outbox_item(id)? {
            Some(item) => Err(wrong_state(id, item.state, expected)),
            None => Err(outbox_not_found(id)),
        }
    }
}

fn outbox_not_found(id: i64) -> StoreError {
    StoreError::NotFound { what: "outbox item", key: id.to_string() }
}

fn wrong_state(id: i64, state: OutboxState, expected: &'static str) -> StoreError {
    StoreError::OutboxState { id, state: state.as_str().to_owned(), expected }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay_after(1), TimeDelta::seconds(5), "first retry after the base");
        assert_eq!(policy.delay_after(2), TimeDelta::seconds(10), "then doubling");
        assert_eq!(policy.delay_after(4), TimeDelta::seconds(40), "5 × 2³");
        assert_eq!(policy.delay_after(9), TimeDelta::minutes(15), "capped at max_delay");
        assert_eq!(
            policy.delay_after(u32::MAX),
            TimeDelta::minutes(15),
            "huge attempt counts must not overflow"
        );
    }
}
