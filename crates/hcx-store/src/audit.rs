//! Table `audit_log`: an append-only, hash-chained record of what the operator and the console
//! did (for the per-cycle audit export).
//!
//! Each entry stores `prev_hash` (the previous entry's hash, [`GENESIS_HASH`] for the first)
//! and `hash = sha256(prev_hash || "\n" || canonical row)`, where the canonical row is the JSON
//! array `[id, at_ms, profile_id, correlation_id, actor, event, details_json]` and
//! `details_json` is the details with object keys sorted. Editing, deleting or reordering
//! any entry breaks the chain, which [`Reader::verify_audit_chain`] reports. SQL triggers
//! refuse UPDATE and DELETE, so tampering needs deliberate effort (dropping the triggers or
//! editing the file).
//!
//! Limitation: removing the newest entries leaves a valid shorter chain. Detecting that needs
//! the head hash kept elsewhere; [`AuditVerdict::Intact`] returns it so exports and the UI can
//! show and compare it.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::values::{json_col, time_col, to_ms};
use crate::{Reader, Result, Writer};

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The profile concerned, if any.
    pub profile_id: Option<String>,
    /// The cycle concerned, if any (for per-cycle export).
    pub correlation_id: Option<String>,
    /// Who did it ("operator", "bridge", "outbox").
    pub actor: String,
    /// What happened ("claim.submitted", "key.rotated").
    pub event: String,
    /// Event details; never secrets.
    pub details: Value,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Position in the chain (1, 2, 3 ...).
    pub id: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The profile concerned.
    pub profile_id: Option<String>,
    /// The cycle concerned.
    pub correlation_id: Option<String>,
    /// Who did it.
    pub actor: String,
    /// What happened.
    pub event: String,
    /// Details.
    pub details: Value,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// Which entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditFilter {
    /// Only this profile.
    pub profile_id: Option<String>,
    /// Only this cycle.
    pub correlation_id: Option<String>,
    /// Only entries after this id (for paging).
    pub after_id: Option<i64>,
    /// At most this many (default 500).
    pub limit: Option<u32>,
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum AuditVerdict {
    /// Every entry links to the one before and hashes to its stored hash.
    Intact {
        /// How many entries were checked.
        entries: u64,
        /// The newest entry's hash ([`GENESIS_HASH`] for an empty log); record it elsewhere to
        /// detect later truncation.
        head_hash: String,
    },
    /// The first entry at which the chain fails.
    Broken {
        /// The entry's id.
        entry_id: i64,
        /// How it fails.
        reason: ChainBreak,
    },
}

/// How an entry fails verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum ChainBreak {
    /// Its `prev_hash` is not the previous entry's hash (an entry was removed, inserted or
    /// reordered).
    Link {
        /// The previous entry's hash.
        expected: String,
        /// The stored `prev_hash`.
        found: String,
    },
    /// Its content does not hash to its stored hash (the entry was edited).
    Content {
        /// The hash recomputed from the stored content.
        computed: String,
        /// The stored hash.
        stored: String,
    },
}

/// Sorts object keys recursively so equal details always hash the same, whatever order the
/// caller built them in (serde_json here preserves insertion order).
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries.into_iter().map(|(k, v)| (k.clone(), canonical(v))).collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// The stored fields an entry's hash covers, as text exactly as stored.
struct HashedFields<'a> {
    id: i64,
    at_ms: i64,
    profile_id: Option<&'a str>,
    correlation_id: Option<&'a str>,
    actor: &'a str,
    event: &'a str,
    details_json: &'a str,
}

impl HashedFields<'_> {
    fn hash(&self, prev_hash: &str) -> String {
        let row = Value::Array(vec![
            self.id.into(),
            self.at_ms.into(),
            self.profile_id.into(),
            self.correlation_id.into(),
            self.actor.into(),
            self.event.into(),
            self.details_json.into(),
        ]);
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(row.to_string().as_bytes());
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

const COLUMNS: &str =
    "id, at, profile_id, correlation_id, actor, event, details_json, prev_hash, hash";

impl AuditEntry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            at: time_col(row, "at")?,
            profile_id: row.get("profile_id")?,
            correlation_id: row.get("correlation_id")?,
            actor: row.get("actor")?,
            event: row.get("event")?,
            details: json_col(row, "details_json")?,
            prev_hash: row.get("prev_hash")?,
            hash: row.get("hash")?,
        })
    }
}

impl Reader<'_> {
    /// Entries matching `filter`, oldest first.
    pub fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_log \
             WHERE (?1 IS NULL OR profile_id = ?1) AND (?2 IS NULL OR correlation_id = ?2) \
             AND id > COALESCE(?3, 0) ORDER BY id LIMIT ?4"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(
            params![
                filter.profile_id,
                filter.correlation_id,
                filter.after_id,
                filter.limit.unwrap_or(500)
            ],
            AuditEntry::from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Walks the whole chain from the first entry and reports the first break, if any.
    pub fn verify_audit_chain(&self) -> Result<AuditVerdict> {
        let mut stmt =
            self.conn.prepare(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY id"))?;
        let mut rows = stmt.query([])?;
        let mut expected_prev = GENESIS_HASH.to_owned();
        let mut entries = 0_u64;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get("id")?;
            let prev_hash: String = row.get("prev_hash")?;
            let stored: String = row.get("hash")?;
            if prev_hash != expected_prev {
                return Ok(AuditVerdict::Broken {
                    entry_id: id,
                    reason: ChainBreak::Link { expected: expected_prev, found: prev_hash },
                });
            }
            let profile_id: Option<String> = row.get("profile_id")?;
            let correlation_id: Option<String> = row.get("correlation_id")?;
            let actor: String = row.get("actor")?;
            let event: String = row.get("event")?;
            let details_json: String = row.get("details_json")?;
            let computed = HashedFields {
                id,
                at_ms: row.get("at")?,
                profile_id: profile_id.as_deref(),
                correlation_id: correlation_id.as_deref(),
                actor: &actor,
                event: &event,
                details_json: &details_json,
            }
            .hash(&prev_hash);
            if computed != stored {
                return Ok(AuditVerdict::Broken {
                    entry_id: id,
                    reason: ChainBreak::Content { computed, stored },
                });
            }
            expected_prev = stored;
            entries += 1;
        }
        Ok(AuditVerdict::Intact { entries, head_hash: expected_prev })
    }
}

impl Writer<'_> {
    /// Appends an entry to the chain. Runs inside [`crate::Store::write`]'s IMMEDIATE
    /// transaction, so reading the head and inserting after it cannot race another writer.
    pub fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry> {
        let head: Option<(i64, String)> = self
            .conn()
            .query_row("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        let (id, prev_hash) = match head {
            Some((last, hash)) => (last + 1, hash),
            None => (1, GENESIS_HASH.to_owned()),
        };
        let details_json = canonical(&entry.details).to_string();
        let at_ms = to_ms(entry.at);
        let hash = HashedFields {
            id,
            at_ms,
            profile_id: entry.profile_id.as_deref(),
            correlation_id: entry.correlation_id.as_deref(),
            actor: &entry.actor,
            event: &entry.event,
            details_json: &details_json,
        }
        .hash(&prev_hash);
        self.conn().execute(
            "INSERT INTO audit_log (id, at, profile_id, correlation_id, actor, event, \
             details_json, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                at_ms,
                entry.profile_id,
                entry.correlation_id,
                entry.actor,
                entry.event,
                details_json,
                prev_hash,
                hash,
            ],
        )?;
        let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE id = ?1");
        Ok(self.conn().query_row(&sql, [id], AuditEntry::from_row)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::profiles::tests::t0;
    use serde_json::json;

    fn entry(event: &str, details: Value) -> NewAuditEntry {
        NewAuditEntry {
            at: t0(),
            profile_id: Some("p".to_owned()),
            correlation_id: None,
            actor: "operator".to_owned(),
            event: event.to_owned(),
            details,
        }
    }

    #[test]
    fn key_order_does_not_change_the_hash() {
        let a = canonical(&json!({"b": 1, "a": {"y": 2, "x": 3}})).to_string();
        let b = canonical(&json!({"a": {"x": 3, "y": 2}, "b": 1})).to_string();
        assert_eq!(a, b, "equal details must hash equally whatever their key order");
    }

    #[test]
    fn appended_entries_chain_and_verify() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(
            store.read().verify_audit_chain().unwrap(),
            AuditVerdict::Intact { entries: 0, head_hash: GENESIS_HASH.to_owned() },
            "an empty log is intact and its head is the genesis hash"
        );
        let first = store.write(|w| w.append_audit(&entry("a", json!({"n": 1})))).unwrap();
        let second = store.write(|w| w.append_audit(&entry("b", json!({"n": 2})))).unwrap();
        assert_eq!(first.prev_hash, GENESIS_HASH, "the first entry links to genesis");
        assert_eq!(second.prev_hash, first.hash, "each entry links to the previous one");
        assert_eq!(
            store.read().verify_audit_chain().unwrap(),
            AuditVerdict::Intact { entries: 2, head_hash: second.hash.clone() },
            "an untouched chain verifies"
        );
    }
}
