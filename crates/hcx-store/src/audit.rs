//! Table `audit_log`: an append-only, keyed hash chain of what the operator and the console
//! did (for the per-cycle audit export).
//!
//! **Chains.** Each profile has its own chain, and entries with no profile form the
//! console-wide chain. An entry stores `prev_hash` (the hash of the previous entry of its
//! chain) and `hash = HMAC-SHA256(key, "hcx-audit-v2\n" || prev_hash || "\n" || canonical row)`
//! in hex, where the canonical row is the JSON array
//! `[id, at_ms, profile_id, correlation_id, actor, event, details_json, scheme]` and
//! `details_json` is the details with object keys sorted. Without the key nobody can compute a
//! valid hash, so editing, deleting or reordering an entry, or rewriting the rows with a fresh
//! plain SHA-256 chain, is reported by [`Store::verify_audit_chain`] at the first bad entry.
//! SQL triggers refuse UPDATE and DELETE, so tampering also needs deliberate effort.
//!
//! **Where the key comes from.** This crate never reads the keychain and never persists a key.
//! The console reads (or, for a profile that has none yet, creates) each profile's key and the
//! console-wide key in the OS keychain and hands it to [`Store::set_audit_key`] when it opens
//! or creates the profile; the store keeps it in memory only, in an [`AuditKey`] that zeroes
//! itself on drop and never prints. Appending to a chain whose key was not handed over fails
//! with [`StoreError::AuditKeyMissing`] (the whole transaction rolls back), so no entry is
//! ever written unkeyed.
//!
//! **Older files.** Entries written before migration `audit_keyed` carry scheme `sha256`: one
//! global, unkeyed chain (`hash = sha256(prev_hash || "\n" || [id, at_ms, profile_id,
//! correlation_id, actor, event, details_json])`). The migration recorded the last such id in
//! `audit_legacy`; they stay verifiable as an unkeyed prefix shared by every chain, and the
//! first keyed entry of each chain links to that prefix's head, so from then on the prefix is
//! covered by a keyed hash too. An unkeyed entry after the prefix is a break (a downgrade).
//!
//! Limitations: cutting off a chain's newest entries (or cutting a file back to its unkeyed
//! prefix after also rewriting `audit_legacy`) leaves a shorter chain that verifies. Detecting
//! that needs the head hash kept elsewhere; [`AuditVerdict::Intact`] returns it so exports and
//! the UI can show and compare it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use rusqlite::{OptionalExtension, Row, params};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::values::{time_col, to_ms};
use crate::{Reader, Result, Store, StoreError, Writer};

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Length of an audit key in bytes (the HMAC-SHA256 block is larger, the output is 32).
pub const AUDIT_KEY_LEN: usize = 32;

/// A chain's HMAC key, held in memory only. `Debug` prints `<redacted>`, the bytes are zeroed
/// on drop, and there is no `Serialize`.
#[derive(Clone)]
pub struct AuditKey(Zeroizing<Vec<u8>>);

impl AuditKey {
    /// The key encoded as hex (how the keychain holds it). Anything but exactly
    /// [`AUDIT_KEY_LEN`] bytes of hex is refused, without echoing the text.
    pub fn from_hex(text: &str) -> Result<Self> {
        let text = text.trim().as_bytes();
        let invalid = || StoreError::InvalidInput {
            field: "audit key",
            reason: format!("expected {} hex digits", AUDIT_KEY_LEN * 2),
        };
        if text.len() != AUDIT_KEY_LEN * 2 {
            return Err(invalid());
        }
        let mut bytes = Zeroizing::new(Vec::with_capacity(AUDIT_KEY_LEN));
        for pair in text.chunks_exact(2) {
            let digit = |c: u8| (c as char).to_digit(16).ok_or_else(invalid);
            let byte = digit(pair[0])? * 16 + digit(pair[1])?;
            bytes.push(u8::try_from(byte).map_err(|_| invalid())?);
        }
        Ok(Self(bytes))
    }

    fn mac(&self, parts: &[&[u8]]) -> Result<String> {
        let pkey = PKey::hmac(&self.0).map_err(StoreError::crypto)?;
        let mut signer = Signer::new(MessageDigest::sha256(), &pkey).map_err(StoreError::crypto)?;
        for part in parts {
            signer.update(part).map_err(StoreError::crypto)?;
        }
        Ok(hex(&signer.sign_to_vec().map_err(StoreError::crypto)?))
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(<redacted>)")
    }
}

/// The keys handed to a [`Store`], by chain (`None` = the console-wide chain).
#[derive(Debug, Default)]
pub(crate) struct AuditKeys(HashMap<Option<String>, AuditKey>);

impl AuditKeys {
    fn get(&self, chain: Option<&str>) -> Option<&AuditKey> {
        self.0.get(&chain.map(str::to_owned))
    }
}

/// How an entry's hash is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AuditScheme {
    /// Plain SHA-256, one global chain: entries written before the chain was keyed.
    #[serde(rename = "sha256")]
    Sha256,
    /// HMAC-SHA256 under the chain's key.
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
}

impl AuditScheme {
    /// The value stored in `audit_log.scheme`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditScheme::Sha256 => "sha256",
            AuditScheme::HmacSha256 => "hmac-sha256",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "sha256" => Some(AuditScheme::Sha256),
            "hmac-sha256" => Some(AuditScheme::HmacSha256),
            _ => None,
        }
    }
}

/// An entry to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The profile concerned, if any (its chain; `None` = the console-wide chain).
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

/// A stored entry. It deserialises too, so an exported log can be verified with
/// [`verify_entries`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Position in the log (1, 2, 3 ... across all chains).
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
    /// How `hash` is computed.
    pub scheme: AuditScheme,
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

/// The result of checking one chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum AuditVerdict {
    /// Every entry links to the one before and hashes to its stored hash.
    Intact {
        /// How many entries were checked (the unkeyed prefix and the chain's own).
        entries: u64,
        /// The chain's newest hash ([`GENESIS_HASH`] for an empty log); record it elsewhere to
        /// detect later truncation.
        head_hash: String,
    },
    /// The first entry at which the chain fails.
    Broken {
        /// The entry's id.
        entry_id: i64,
        /// Its stored time (`None` when the stored value is not a valid time).
        at: Option<DateTime<Utc>>,
        /// Its stored event.
        event: String,
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
    /// Its content does not hash to its stored hash (the entry was edited, or its hash was
    /// recomputed without the key).
    Content {
        /// The stored hash.
        stored: String,
    },
    /// It claims a scheme it cannot have at its position: unkeyed after the unkeyed prefix
    /// (a downgrade), keyed inside the prefix, or unknown.
    Scheme {
        /// The stored scheme.
        scheme: String,
        /// The last id of the unkeyed prefix.
        legacy_last_id: i64,
    },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Link { expected, found } => write!(
                f,
                "does not link to the entry before it (expected prev_hash {expected}, found \
                 {found}): an entry was removed, inserted or reordered"
            ),
            ChainBreak::Content { .. } => f.write_str(
                "its content does not match its keyed hash: the entry was edited or its hash \
                 recomputed without the key",
            ),
            ChainBreak::Scheme { scheme, legacy_last_id } => write!(
                f,
                "scheme {scheme:?} is not allowed here (unkeyed entries end at id \
                 {legacy_last_id})"
            ),
        }
    }
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An entry's stored fields exactly as stored, which is what the hashes cover.
struct RawEntry {
    id: i64,
    at_ms: i64,
    profile_id: Option<String>,
    correlation_id: Option<String>,
    actor: String,
    event: String,
    details_json: String,
    scheme: String,
    prev_hash: String,
    hash: String,
}

/// Domain separation: a keyed hash can never be mistaken for one of another format.
const KEYED_PREFIX: &[u8] = b"hcx-audit-v2\n";

impl RawEntry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            at_ms: row.get("at")?,
            profile_id: row.get("profile_id")?,
            correlation_id: row.get("correlation_id")?,
            actor: row.get("actor")?,
            event: row.get("event")?,
            details_json: row.get("details_json")?,
            scheme: row.get("scheme")?,
            prev_hash: row.get("prev_hash")?,
            hash: row.get("hash")?,
        })
    }

    fn from_entry(entry: &AuditEntry) -> Self {
        Self {
            id: entry.id,
            at_ms: to_ms(entry.at),
            profile_id: entry.profile_id.clone(),
            correlation_id: entry.correlation_id.clone(),
            actor: entry.actor.clone(),
            event: entry.event.clone(),
            details_json: canonical(&entry.details).to_string(),
            scheme: entry.scheme.as_str().to_owned(),
            prev_hash: entry.prev_hash.clone(),
            hash: entry.hash.clone(),
        }
    }

    fn fields(&self) -> Vec<Value> {
        vec![
            self.id.into(),
            self.at_ms.into(),
            self.profile_id.as_deref().into(),
            self.correlation_id.as_deref().into(),
            self.actor.as_str().into(),
            self.event.as_str().into(),
            self.details_json.as_str().into(),
        ]
    }

    /// The unkeyed hash of entries written before the chain was keyed (kept bit for bit).
    fn legacy_hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(Value::Array(self.fields()).to_string().as_bytes());
        hex(&hasher.finalize())
    }

    /// The keyed hash; the scheme is part of the row, so it cannot be changed alone.
    fn keyed_hash(&self, key: &AuditKey) -> Result<String> {
        let mut fields = self.fields();
        fields.push(self.scheme.as_str().into());
        let row = Value::Array(fields).to_string();
        key.mac(&[KEYED_PREFIX, self.prev_hash.as_bytes(), b"\n", row.as_bytes()])
    }

    fn broken(&self, reason: ChainBreak) -> AuditVerdict {
        AuditVerdict::Broken {
            entry_id: self.id,
            at: DateTime::from_timestamp_millis(self.at_ms),
            event: self.event.clone(),
            reason,
        }
    }
}

/// Compares two hashes in constant time, so timing does not reveal how much of a forged hash
/// was right.
fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len() && openssl::memcmp::eq(a.as_bytes(), b.as_bytes())
}

/// Walks `entries` (oldest first; entries of other chains are skipped) and reports the first
/// break of `chain` (`None` = the console-wide chain).
fn verify_raw(
    entries: impl IntoIterator<Item = Result<RawEntry>>,
    chain: Option<&str>,
    legacy_last_id: i64,
    key: &AuditKey,
) -> Result<AuditVerdict> {
    let mut legacy_head = GENESIS_HASH.to_owned();
    let mut chain_head: Option<String> = None;
    let mut checked = 0_u64;
    for entry in entries {
        let entry = entry?;
        let scheme_break = || ChainBreak::Scheme { scheme: entry.scheme.clone(), legacy_last_id };
        match AuditScheme::parse(&entry.scheme) {
            Some(AuditScheme::Sha256) => {
                if entry.id > legacy_last_id {
                    return Ok(entry.broken(scheme_break()));
                }
                if entry.prev_hash != legacy_head {
                    return Ok(entry.broken(ChainBreak::Link {
                        expected: legacy_head,
                        found: entry.prev_hash.clone(),
                    }));
                }
                if !same_hash(&entry.legacy_hash(), &entry.hash) {
                    return Ok(entry.broken(ChainBreak::Content { stored: entry.hash.clone() }));
                }
                legacy_head = entry.hash;
            }
            Some(AuditScheme::HmacSha256) => {
                if entry.profile_id.as_deref() != chain {
                    continue;
                }
                if entry.id <= legacy_last_id {
                    return Ok(entry.broken(scheme_break()));
                }
                let expected = chain_head.take().unwrap_or_else(|| legacy_head.clone());
                if entry.prev_hash != expected {
                    return Ok(
                        entry.broken(ChainBreak::Link { expected, found: entry.prev_hash.clone() })
                    );
                }
                if !same_hash(&entry.keyed_hash(key)?, &entry.hash) {
                    return Ok(entry.broken(ChainBreak::Content { stored: entry.hash.clone() }));
                }
                chain_head = Some(entry.hash);
            }
            None => return Ok(entry.broken(scheme_break())),
        }
        checked = checked.saturating_add(1);
    }
    Ok(AuditVerdict::Intact { entries: checked, head_hash: chain_head.unwrap_or(legacy_head) })
}

/// Verifies one chain of an exported log: `entries` oldest first (the whole log or at least
/// the unkeyed prefix and the chain's entries), `legacy_last_id` as recorded by the store
/// ([`Reader::audit_legacy_last_id`]), and the chain's key.
pub fn verify_entries(
    entries: &[AuditEntry],
    chain: Option<&str>,
    legacy_last_id: i64,
    key: &AuditKey,
) -> Result<AuditVerdict> {
    verify_raw(entries.iter().map(|e| Ok(RawEntry::from_entry(e))), chain, legacy_last_id, key)
}

const COLUMNS: &str =
    "id, at, profile_id, correlation_id, actor, event, details_json, scheme, prev_hash, hash";

impl AuditEntry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let scheme: String = row.get("scheme")?;
        Ok(Self {
            id: row.get("id")?,
            at: time_col(row, "at")?,
            profile_id: row.get("profile_id")?,
            correlation_id: row.get("correlation_id")?,
            actor: row.get("actor")?,
            event: row.get("event")?,
            details: crate::values::json_col(row, "details_json")?,
            scheme: AuditScheme::parse(&scheme).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    format!("unknown audit scheme {scheme:?}").into(),
                )
            })?,
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

    /// The last id of the unkeyed prefix, as the keyed-chain migration recorded it (0 for a
    /// log that was keyed from the start).
    pub fn audit_legacy_last_id(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT MAX(last_id) FROM audit_legacy", [], |row| {
                row.get::<_, Option<i64>>(0)
            })?
            .unwrap_or(0))
    }

    /// The chains that hold keyed entries: `None` for the console-wide chain, then profile ids
    /// (including profiles since deleted, whose entries outlive them).
    pub fn audit_chains(&self) -> Result<Vec<Option<String>>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT profile_id FROM audit_log WHERE scheme = 'hmac-sha256' \
             ORDER BY profile_id",
        )?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Walks the unkeyed prefix and `chain`'s keyed entries from the first and reports the
    /// first break, if any.
    pub fn verify_audit_chain_with(
        &self,
        chain: Option<&str>,
        key: &AuditKey,
    ) -> Result<AuditVerdict> {
        let legacy_last_id = self.audit_legacy_last_id()?;
        // Every entry that is not another chain's keyed entry: the prefix, this chain, and
        // anything claiming another scheme (which is a break wherever it sits).
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM audit_log \
             WHERE scheme <> 'hmac-sha256' OR profile_id IS ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([chain], RawEntry::from_row)?;
        verify_raw(rows.map(|r| r.map_err(StoreError::from)), chain, legacy_last_id, key)
    }
}

impl Store {
    /// Hands the store the key of `chain` (a profile id, or `None` for the console-wide chain).
    /// It is kept in memory for this connection only.
    pub fn set_audit_key(&mut self, chain: Option<&str>, key: AuditKey) {
        self.audit_keys.0.insert(chain.map(str::to_owned), key);
    }

    /// Drops the key of `chain` (after its profile was deleted).
    pub fn forget_audit_key(&mut self, chain: Option<&str>) {
        self.audit_keys.0.remove(&chain.map(str::to_owned));
    }

    /// Whether the key of `chain` was handed over.
    pub fn has_audit_key(&self, chain: Option<&str>) -> bool {
        self.audit_keys.get(chain).is_some()
    }

    /// [`Reader::verify_audit_chain_with`] with the key handed over for `chain`.
    pub fn verify_audit_chain(&self, chain: Option<&str>) -> Result<AuditVerdict> {
        let key = self
            .audit_keys
            .get(chain)
            .ok_or_else(|| StoreError::AuditKeyMissing { chain: chain.map(str::to_owned) })?;
        self.read().verify_audit_chain_with(chain, key)
    }
}

impl Writer<'_> {
    /// Appends an entry to its chain, keyed with the chain's key. Runs inside
    /// [`crate::Store::write`]'s IMMEDIATE transaction, so reading the head and inserting
    /// after it cannot race another writer.
    pub fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry> {
        let chain = entry.profile_id.as_deref();
        let key = self
            .audit_keys
            .get(chain)
            .ok_or_else(|| StoreError::AuditKeyMissing { chain: chain.map(str::to_owned) })?;
        let id: i64 =
            self.conn().query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM audit_log", [], |row| {
                row.get(0)
            })?;
        let chain_head: Option<String> = self
            .conn()
            .query_row(
                "SELECT hash FROM audit_log WHERE scheme = 'hmac-sha256' AND profile_id IS ?1 \
                 ORDER BY id DESC LIMIT 1",
                [chain],
                |row| row.get(0),
            )
            .optional()?;
        let prev_hash = match chain_head {
            Some(hash) => hash,
            // A chain's first keyed entry links to the unkeyed prefix's head, which puts the
            // prefix under this chain's key too.
            None => self
                .conn()
                .query_row(
                    "SELECT hash FROM audit_log WHERE scheme = 'sha256' ORDER BY id DESC LIMIT 1",
                    [],
                    |row| row.get(0),
                )
                .optional()?
                .unwrap_or_else(|| GENESIS_HASH.to_owned()),
        };
        let mut raw = RawEntry {
            id,
            at_ms: to_ms(entry.at),
            profile_id: entry.profile_id.clone(),
            correlation_id: entry.correlation_id.clone(),
            actor: entry.actor.clone(),
            event: entry.event.clone(),
            details_json: canonical(&entry.details).to_string(),
            scheme: AuditScheme::HmacSha256.as_str().to_owned(),
            prev_hash,
            hash: String::new(),
        };
        raw.hash = raw.keyed_hash(key)?;
        self.conn().execute(
            "INSERT INTO audit_log (id, at, profile_id, correlation_id, actor, event, \
             details_json, scheme, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                raw.id,
                raw.at_ms,
                raw.profile_id,
                raw.correlation_id,
                raw.actor,
                raw.event,
                raw.details_json,
                raw.scheme,
                raw.prev_hash,
                raw.hash,
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

    fn key(byte: char) -> AuditKey {
        AuditKey::from_hex(&byte.to_string().repeat(AUDIT_KEY_LEN * 2)).unwrap()
    }

    #[test]
    fn key_order_does_not_change_the_hash() {
        let a = canonical(&json!({"b": 1, "a": {"y": 2, "x": 3}})).to_string();
        let b = canonical(&json!({"a": {"x": 3, "y": 2}, "b": 1})).to_string();
        assert_eq!(a, b, "equal details must hash equally whatever their key order");
    }

    #[test]
    fn keys_are_hex_of_the_right_length_and_never_print() {
        assert!(AuditKey::from_hex("abcd").is_err(), "a short key would be a weak key");
        let not_hex = "zz".repeat(AUDIT_KEY_LEN);
        let refused = AuditKey::from_hex(&not_hex).unwrap_err().to_string();
        assert!(!refused.contains("zz"), "the refusal must not echo the key text: {refused}");
        let printed = format!("{:?}", key('a'));
        assert!(!printed.contains("aa"), "Debug must not show key bytes: {printed}");
    }

    #[test]
    fn appending_without_the_chains_key_is_refused() {
        let mut store = Store::open_in_memory().unwrap();
        let refused = store.write(|w| w.append_audit(&entry("a", json!({}))));
        assert!(
            matches!(refused, Err(StoreError::AuditKeyMissing { chain: Some(ref c) }) if c == "p"),
            "an entry must never be written unkeyed, got {refused:?}"
        );
    }

    #[test]
    fn appended_entries_chain_and_verify_under_their_key_only() {
        let mut store = Store::open_in_memory().unwrap();
        store.set_audit_key(Some("p"), key('a'));
        assert_eq!(
            store.verify_audit_chain(Some("p")).unwrap(),
            AuditVerdict::Intact { entries: 0, head_hash: GENESIS_HASH.to_owned() },
            "an empty log is intact and its head is the genesis hash"
        );
        let first = store.write(|w| w.append_audit(&entry("a", json!({"n": 1})))).unwrap();
        let second = store.write(|w| w.append_audit(&entry("b", json!({"n": 2})))).unwrap();
        assert_eq!(first.prev_hash, GENESIS_HASH, "the first entry links to genesis");
        assert_eq!(second.prev_hash, first.hash, "each entry links to the previous one");
        assert_eq!(second.scheme, AuditScheme::HmacSha256, "new entries are keyed");
        assert_eq!(
            store.verify_audit_chain(Some("p")).unwrap(),
            AuditVerdict::Intact { entries: 2, head_hash: second.hash.clone() },
            "an untouched chain verifies"
        );
        let wrong = store.read().verify_audit_chain_with(Some("p"), &key('b')).unwrap();
        assert!(
            matches!(
                wrong,
                AuditVerdict::Broken { entry_id: 1, reason: ChainBreak::Content { .. }, .. }
            ),
            "another key must not verify the chain, got {wrong:?}"
        );
    }

    #[test]
    fn chains_are_separate_per_profile() {
        let mut store = Store::open_in_memory().unwrap();
        store.set_audit_key(Some("p"), key('a'));
        store.set_audit_key(None, key('c'));
        let p1 = store.write(|w| w.append_audit(&entry("a", json!({})))).unwrap();
        let console = NewAuditEntry { profile_id: None, ..entry("console.opened", json!({})) };
        let c1 = store.write(|w| w.append_audit(&console)).unwrap();
        let p2 = store.write(|w| w.append_audit(&entry("b", json!({})))).unwrap();
        assert_eq!(c1.prev_hash, GENESIS_HASH, "the console-wide chain starts on its own");
        assert_eq!(p2.prev_hash, p1.hash, "a profile's entry links to that profile's last one");
        assert_eq!(
            store.read().audit_chains().unwrap(),
            vec![None, Some("p".to_owned())],
            "both chains are listed"
        );
        for chain in [None, Some("p")] {
            assert!(
                matches!(store.verify_audit_chain(chain).unwrap(), AuditVerdict::Intact { .. }),
                "chain {chain:?} verifies"
            );
        }
    }
}
