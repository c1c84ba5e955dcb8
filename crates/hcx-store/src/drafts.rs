//! Table `drafts`: unfinished forms that survive a restart, keyed by (profile, kind, key).
//! Drafts that belong to no profile yet (onboarding) use `profile_id = None`.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use crate::values::{json_col, json_text, time_col, to_ms};
use crate::{Reader, Result, Writer};

/// A saved draft.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    /// The owning profile, or `None` for drafts made before any profile exists.
    pub profile_id: Option<String>,
    /// What kind of form ("onboarding", "claim").
    pub kind: String,
    /// Which one of that kind.
    pub key: String,
    /// The form's content.
    pub data: Value,
    /// Last save.
    pub updated_at: DateTime<Utc>,
}

/// No-profile drafts are stored under '' because SQLite treats NULLs in a primary key as
/// distinct, which would allow duplicates.
fn scope(profile_id: Option<&str>) -> &str {
    profile_id.unwrap_or("")
}

impl Draft {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let profile_id: String = row.get("profile_id")?;
        Ok(Self {
            profile_id: (!profile_id.is_empty()).then_some(profile_id),
            kind: row.get("kind")?,
            key: row.get("key")?,
            data: json_col(row, "data_json")?,
            updated_at: time_col(row, "updated_at")?,
        })
    }
}

impl Reader<'_> {
    /// One draft.
    pub fn get_draft(
        &self,
        profile_id: Option<&str>,
        kind: &str,
        key: &str,
    ) -> Result<Option<Draft>> {
        Ok(self
            .conn
            .query_row(
                "SELECT profile_id, kind, key, data_json, updated_at FROM drafts \
                 WHERE profile_id = ?1 AND kind = ?2 AND key = ?3",
                params![scope(profile_id), kind, key],
                Draft::from_row,
            )
            .optional()?)
    }

    /// The drafts of one kind, most recently saved first.
    pub fn list_drafts(&self, profile_id: Option<&str>, kind: &str) -> Result<Vec<Draft>> {
        let mut stmt = self.conn.prepare(
            "SELECT profile_id, kind, key, data_json, updated_at FROM drafts \
             WHERE profile_id = ?1 AND kind = ?2 ORDER BY updated_at DESC, key",
        )?;
        let rows = stmt.query_map(params![scope(profile_id), kind], Draft::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Writer<'_> {
    /// Saves (creates or replaces) a draft.
    pub fn save_draft(
        &self,
        profile_id: Option<&str>,
        kind: &str,
        key: &str,
        data: &Value,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO drafts (profile_id, kind, key, data_json, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (profile_id, kind, key) DO UPDATE SET \
             data_json = excluded.data_json, updated_at = excluded.updated_at",
            params![scope(profile_id), kind, key, json_text(data)?, to_ms(at)],
        )?;
        Ok(())
    }

    /// Deletes a draft (when the form is submitted or discarded). Returns whether it existed.
    pub fn delete_draft(&self, profile_id: Option<&str>, kind: &str, key: &str) -> Result<bool> {
        Ok(self.conn().execute(
            "DELETE FROM drafts WHERE profile_id = ?1 AND kind = ?2 AND key = ?3",
            params![scope(profile_id), kind, key],
        )? > 0)
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;
    use crate::profiles::tests::t0;
    use serde_json::json;

    #[test]
    fn drafts_without_profile_are_unique_and_replaceable() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .write(|w| w.save_draft(None, "onboarding", "main", &json!({"step": 1}), t0()))
            .unwrap();
        store
            .write(|w| w.save_draft(None, "onboarding", "main", &json!({"step": 2}), t0()))
            .unwrap();
        let drafts = store.read().list_drafts(None, "onboarding").unwrap();
        assert_eq!(drafts.len(), 1, "saving the same key twice replaces, even with no profile");
        assert_eq!(drafts[0].data, json!({"step": 2}), "the latest save wins");
        assert_eq!(drafts[0].profile_id, None, "no-profile drafts read back as None");
        assert!(store.write(|w| w.delete_draft(None, "onboarding", "main")).unwrap());
        assert!(
            store.read().get_draft(None, "onboarding", "main").unwrap().is_none(),
            "a deleted draft is gone"
        );
    }
}
