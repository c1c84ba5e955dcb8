//! Table `registry_cache`: participant registry records and their encryption certificates,
//! cached per profile (refreshed by the caller when a send fails or the entry is old).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use crate::values::{json_col, json_text, like_pattern, time_col, to_ms};
use crate::{Reader, Result, Writer};

/// A cached registry record.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryEntry {
    /// The profile whose gateway returned the record.
    pub profile_id: String,
    /// The participant's code.
    pub participant_code: String,
    /// `participant_name` from the record, for search and display.
    pub participant_name: Option<String>,
    /// The whole record as the registry returned it.
    pub record: Value,
    /// The participant's encryption certificate PEM, once fetched (public data).
    pub certificate_pem: Option<String>,
    /// When the record was fetched.
    pub fetched_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "profile_id, participant_code, participant_name, record_json, certificate_pem, fetched_at";

impl RegistryEntry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            profile_id: row.get("profile_id")?,
            participant_code: row.get("participant_code")?,
            participant_name: row.get("participant_name")?,
            record: json_col(row, "record_json")?,
            certificate_pem: row.get("certificate_pem")?,
            fetched_at: time_col(row, "fetched_at")?,
        })
    }
}

impl Reader<'_> {
    /// One cached record.
    pub fn get_registry_entry(
        &self,
        profile_id: &str,
        participant_code: &str,
    ) -> Result<Option<RegistryEntry>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM registry_cache WHERE profile_id = ?1 AND participant_code = ?2"
        );
        Ok(self
            .conn
            .query_row(&sql, params![profile_id, participant_code], RegistryEntry::from_row)
            .optional()?)
    }

    /// Cached records whose code or name contains `text` (case-insensitive for ASCII), by
    /// name; for the counterparty picker.
    pub fn search_registry_cache(
        &self,
        profile_id: &str,
        text: &str,
        limit: u32,
    ) -> Result<Vec<RegistryEntry>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM registry_cache WHERE profile_id = ?1 \
             AND (participant_code LIKE ?2 ESCAPE '\\' OR participant_name LIKE ?2 ESCAPE '\\') \
             ORDER BY participant_name, participant_code LIMIT ?3"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt
            .query_map(params![profile_id, like_pattern(text), limit], RegistryEntry::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Writer<'_> {
    /// Stores or replaces a record.
    pub fn upsert_registry_entry(&self, entry: &RegistryEntry) -> Result<()> {
        self.conn().execute(
            "INSERT INTO registry_cache (profile_id, participant_code, participant_name, \
             record_json, certificate_pem, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (profile_id, participant_code) DO UPDATE SET \
             participant_name = excluded.participant_name, record_json = excluded.record_json, \
             certificate_pem = excluded.certificate_pem, fetched_at = excluded.fetched_at",
            params![
                entry.profile_id,
                entry.participant_code,
                entry.participant_name,
                json_text(&entry.record)?,
                entry.certificate_pem,
                to_ms(entry.fetched_at),
            ],
        )?;
        Ok(())
    }

    /// Drops a record so the next use fetches it again (for example after the recipient
    /// rejected our encryption). Returns whether it was cached.
    pub fn forget_registry_entry(&self, profile_id: &str, participant_code: &str) -> Result<bool> {
        Ok(self.conn().execute(
            "DELETE FROM registry_cache WHERE profile_id = ?1 AND participant_code = ?2",
            params![profile_id, participant_code],
        )? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::profiles::tests::{fields, t0};

    #[test]
    fn upsert_replaces_and_search_finds_by_name_or_code() {
        let mut store = Store::open_in_memory().unwrap();
        store.write(|w| w.insert_profile("p", &fields("me"), t0())).unwrap();
        let mut entry = RegistryEntry {
            profile_id: "p".to_owned(),
            participant_code: "1000003463@hcx".to_owned(),
            participant_name: Some("Star Health TPA".to_owned()),
            record: serde_json::json!({"participant_code": "1000003463@hcx", "status": "Active"}),
            certificate_pem: None,
            fetched_at: t0(),
        };
        store.write(|w| w.upsert_registry_entry(&entry)).unwrap();
        entry.certificate_pem = Some("-----BEGIN CERTIFICATE-----".to_owned());
        store.write(|w| w.upsert_registry_entry(&entry)).unwrap();
        let read = store.read().get_registry_entry("p", "1000003463@hcx").unwrap();
        assert_eq!(read.as_ref(), Some(&entry), "the second upsert replaced the first");

        let by_name = store.read().search_registry_cache("p", "star", 10).unwrap();
        assert_eq!(by_name.len(), 1, "search matches the name case-insensitively");
        let by_code = store.read().search_registry_cache("p", "3463@", 10).unwrap();
        assert_eq!(by_code.len(), 1, "search matches part of the code");
        let none = store.read().search_registry_cache("p", "%", 10).unwrap();
        assert!(none.is_empty(), "a typed % is a literal, not a wildcard");

        assert!(store.write(|w| w.forget_registry_entry("p", "1000003463@hcx")).unwrap());
        assert!(
            store.read().get_registry_entry("p", "1000003463@hcx").unwrap().is_none(),
            "a forgotten entry must be fetched again"
        );
    }
}
