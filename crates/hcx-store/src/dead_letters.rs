//! Table `dead_letters`: per-envelope attempt counts, and the envelopes parked after too many
//! failed attempts so that one bad envelope cannot block a mailbox.
//!
//! The count is written before each attempt ([`Writer::begin_envelope_attempt`]) rather than
//! after a failure, so an envelope that kills the process is counted too. The caller decides
//! what N is and when a row becomes `dead`; this module only keeps the numbers and the body.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use crate::values::{json_text, opt_json_col, opt_time_col, time_col, to_ms};
use crate::{Reader, Result, StoreError, Writer};

/// Where an envelope stands in the attempt count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptState {
    /// Still offered to the handler.
    Retrying,
    /// Parked after too many failures; acknowledged, not handled.
    Dead,
    /// A dead letter that a later retry handled.
    Resolved,
}

impl AttemptState {
    fn as_str(self) -> &'static str {
        match self {
            AttemptState::Retrying => "retrying",
            AttemptState::Dead => "dead",
            AttemptState::Resolved => "resolved",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "retrying" => Some(AttemptState::Retrying),
            "dead" => Some(AttemptState::Dead),
            "resolved" => Some(AttemptState::Resolved),
            _ => None,
        }
    }
}

/// The count of one envelope after [`Writer::begin_envelope_attempt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeAttempt {
    /// Attempts begun so far, this one included (for a `Retrying` row).
    pub attempts: u32,
    /// The error of the previous failed attempt, if one was recorded.
    pub last_error: Option<String>,
    /// Where the envelope stands.
    pub state: AttemptState,
}

/// What the bridge delivered, kept with a dead letter so it can be shown and tried again.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadBody<'a> {
    /// The protected (or plain) headers as JSON.
    pub headers: &'a Value,
    /// The HTTP body exactly as received.
    pub raw_body: &'a str,
    /// When the bridge received it.
    pub received_at: DateTime<Utc>,
}

/// One parked envelope.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// Row id (what "Try again" names).
    pub id: i64,
    /// Owning profile.
    pub profile_id: String,
    /// The console's key of the delivery.
    pub envelope_key: String,
    /// The protocol path it arrived on.
    pub path: String,
    /// The sender's `x-hcx-api_call_id`.
    pub api_call_id: Option<String>,
    /// Headers as delivered.
    pub headers: Option<Value>,
    /// Body as delivered.
    pub raw_body: String,
    /// When the bridge received it.
    pub received_at: Option<DateTime<Utc>>,
    /// Attempts made.
    pub attempts: u32,
    /// The last error.
    pub last_error: Option<String>,
    /// First attempt.
    pub first_attempt_at: DateTime<Utc>,
    /// Last attempt.
    pub last_attempt_at: DateTime<Utc>,
    /// When it was parked.
    pub dead_at: Option<DateTime<Utc>>,
}

impl DeadLetter {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let attempts: i64 = row.get("attempts")?;
        Ok(Self {
            id: row.get("id")?,
            profile_id: row.get("profile_id")?,
            envelope_key: row.get("envelope_key")?,
            path: row.get("path")?,
            api_call_id: row.get("api_call_id")?,
            headers: opt_json_col(row, "headers_json")?,
            raw_body: row.get::<_, Option<String>>("raw_body")?.unwrap_or_default(),
            received_at: opt_time_col(row, "received_at")?,
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            last_error: row.get("last_error")?,
            first_attempt_at: time_col(row, "first_attempt_at")?,
            last_attempt_at: time_col(row, "last_attempt_at")?,
            dead_at: opt_time_col(row, "dead_at")?,
        })
    }
}

const COLUMNS: &str = "id, profile_id, envelope_key, path, api_call_id, headers_json, raw_body, \
     received_at, attempts, last_error, first_attempt_at, last_attempt_at, dead_at";

impl Reader<'_> {
    /// The parked envelopes of a profile, newest first.
    pub fn list_dead_letters(&self, profile_id: &str) -> Result<Vec<DeadLetter>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM dead_letters WHERE profile_id = ?1 AND state = 'dead' \
             ORDER BY last_attempt_at DESC, id DESC"
        ))?;
        let rows = stmt.query_map([profile_id], DeadLetter::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One parked envelope of a profile.
    pub fn get_dead_letter(&self, profile_id: &str, id: i64) -> Result<Option<DeadLetter>> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM dead_letters \
                     WHERE profile_id = ?1 AND id = ?2 AND state = 'dead'"
                ),
                params![profile_id, id],
                DeadLetter::from_row,
            )
            .optional()?)
    }

    /// The attempt count of an envelope, if it has one.
    pub fn envelope_attempt(
        &self,
        profile_id: &str,
        envelope_key: &str,
    ) -> Result<Option<EnvelopeAttempt>> {
        let row = self
            .conn
            .query_row(
                "SELECT attempts, last_error, state FROM dead_letters \
                 WHERE profile_id = ?1 AND envelope_key = ?2",
                params![profile_id, envelope_key],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(attempts, last_error, state)| {
            let state = AttemptState::parse(&state).ok_or_else(|| StoreError::InvalidInput {
                field: "dead_letters.state",
                reason: format!("unknown state {state:?}"),
            })?;
            Ok(EnvelopeAttempt {
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                last_error,
                state,
            })
        })
        .transpose()
    }
}

impl Writer<'_> {
    /// Counts one more attempt of an envelope (creating its row on the first), unless it is
    /// already dead or resolved. Returns the count after this call.
    pub fn begin_envelope_attempt(
        &self,
        profile_id: &str,
        envelope_key: &str,
        path: &str,
        api_call_id: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<EnvelopeAttempt> {
        self.conn().execute(
            "INSERT INTO dead_letters (profile_id, envelope_key, path, api_call_id, attempts, \
             first_attempt_at, last_attempt_at) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5) \
             ON CONFLICT (profile_id, envelope_key) DO UPDATE SET \
             attempts = attempts + 1, last_attempt_at = excluded.last_attempt_at \
             WHERE state = 'retrying'",
            params![profile_id, envelope_key, path, api_call_id, to_ms(at)],
        )?;
        self.envelope_attempt(profile_id, envelope_key)?.ok_or_else(|| StoreError::NotFound {
            what: "envelope attempt",
            key: envelope_key.to_owned(),
        })
    }

    /// Takes back the attempt just begun (it failed for a local reason that is not the
    /// envelope's fault, such as a locked keychain); a row left at zero is removed.
    pub fn undo_envelope_attempt(&self, profile_id: &str, envelope_key: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE dead_letters SET attempts = attempts - 1 \
             WHERE profile_id = ?1 AND envelope_key = ?2 AND state = 'retrying' AND attempts > 0",
            params![profile_id, envelope_key],
        )?;
        self.conn().execute(
            "DELETE FROM dead_letters \
             WHERE profile_id = ?1 AND envelope_key = ?2 AND state = 'retrying' AND attempts = 0",
            params![profile_id, envelope_key],
        )?;
        Ok(())
    }

    /// The envelope went through: its count is no longer needed.
    pub fn finish_envelope_attempt(&self, profile_id: &str, envelope_key: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM dead_letters \
             WHERE profile_id = ?1 AND envelope_key = ?2 AND state = 'retrying'",
            params![profile_id, envelope_key],
        )?;
        Ok(())
    }

    /// Records why an attempt failed; with `dead` the envelope is parked with what was
    /// delivered.
    pub fn fail_envelope_attempt(
        &self,
        profile_id: &str,
        envelope_key: &str,
        error: &str,
        dead: Option<&DeadBody<'_>>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let changed = match dead {
            None => self.conn().execute(
                "UPDATE dead_letters SET last_error = ?3, last_attempt_at = ?4 \
                 WHERE profile_id = ?1 AND envelope_key = ?2 AND state = 'retrying'",
                params![profile_id, envelope_key, error, to_ms(at)],
            )?,
            Some(body) => self.conn().execute(
                "UPDATE dead_letters SET last_error = ?3, last_attempt_at = ?4, state = ?5, \
                 dead_at = ?4, headers_json = ?6, raw_body = ?7, received_at = ?8 \
                 WHERE profile_id = ?1 AND envelope_key = ?2 AND state = 'retrying'",
                params![
                    profile_id,
                    envelope_key,
                    error,
                    to_ms(at),
                    AttemptState::Dead.as_str(),
                    json_text(body.headers)?,
                    body.raw_body,
                    to_ms(body.received_at),
                ],
            )?,
        };
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "envelope attempt",
                key: envelope_key.to_owned(),
            });
        }
        Ok(())
    }

    /// A "Try again" of a dead letter failed once more.
    pub fn retry_failed_dead_letter(
        &self,
        profile_id: &str,
        id: i64,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.conn().execute(
            "UPDATE dead_letters SET attempts = attempts + 1, last_error = ?3, \
             last_attempt_at = ?4 WHERE profile_id = ?1 AND id = ?2 AND state = 'dead'",
            params![profile_id, id, error, to_ms(at)],
        )?;
        Ok(())
    }

    /// A "Try again" of a dead letter went through.
    pub fn resolve_dead_letter(&self, profile_id: &str, id: i64, at: DateTime<Utc>) -> Result<()> {
        let changed = self.conn().execute(
            "UPDATE dead_letters SET state = ?3, resolved_at = ?4, last_attempt_at = ?4 \
             WHERE profile_id = ?1 AND id = ?2 AND state = 'dead'",
            params![profile_id, id, AttemptState::Resolved.as_str(), to_ms(at)],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound { what: "dead letter", key: id.to_string() });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::profiles::tests::{fields, t0};

    fn store() -> Store {
        let mut store = Store::open_in_memory().unwrap();
        store.write(|w| w.insert_profile("p", &fields("me"), t0())).unwrap();
        store
    }

    #[test]
    fn attempts_count_up_and_a_success_forgets_them() {
        let mut s = store();
        let a = s.write(|w| w.begin_envelope_attempt("p", "k", "/x", None, t0())).unwrap();
        assert_eq!((a.attempts, a.state), (1, AttemptState::Retrying), "first attempt is 1");
        let b = s.write(|w| w.begin_envelope_attempt("p", "k", "/x", None, t0())).unwrap();
        assert_eq!(b.attempts, 2, "a redelivery counts again (also after a crash)");
        s.write(|w| w.undo_envelope_attempt("p", "k")).unwrap();
        assert_eq!(
            s.read().envelope_attempt("p", "k").unwrap().map(|a| a.attempts),
            Some(1),
            "an attempt that failed for a local reason is taken back"
        );
        s.write(|w| w.finish_envelope_attempt("p", "k")).unwrap();
        assert_eq!(s.read().envelope_attempt("p", "k").unwrap(), None, "success removes the row");
    }

    #[test]
    fn a_dead_letter_keeps_the_body_and_stops_counting() {
        let mut s = store();
        s.write(|w| w.begin_envelope_attempt("p", "k", "/a/on_submit", Some("c1"), t0())).unwrap();
        let headers = serde_json::json!({"x-hcx-api_call_id": "c1"});
        let body =
            DeadBody { headers: &headers, raw_body: "{\"payload\":\"x\"}", received_at: t0() };
        s.write(|w| w.fail_envelope_attempt("p", "k", "boom", Some(&body), t0())).unwrap();
        let again = s.write(|w| w.begin_envelope_attempt("p", "k", "/a/on_submit", None, t0()));
        assert_eq!(
            again.unwrap().state,
            AttemptState::Dead,
            "a parked envelope is not counted again"
        );
        let list = s.read().list_dead_letters("p").unwrap();
        assert_eq!(list.len(), 1, "the dead letter is listed");
        assert_eq!(list[0].raw_body, "{\"payload\":\"x\"}", "with the body as delivered");
        assert_eq!(list[0].last_error.as_deref(), Some("boom"), "and the error");
        s.write(|w| w.resolve_dead_letter("p", list[0].id, t0())).unwrap();
        assert!(
            s.read().list_dead_letters("p").unwrap().is_empty(),
            "resolved ones leave the list"
        );
    }
}
