//! Table `profiles`: the participant identities the operator can act as. Never secrets: the
//! key, the gateway password and the bridge token are in the keychain under the profile's id.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use crate::values::{json_text, time_col, to_ms};
use crate::{Dialect, Environment, Reader, Result, StoreError, Writer};

/// The editable settings of a profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileFields {
    /// A name the operator chose.
    pub name: String,
    /// The participant code in the registry.
    pub participant_code: String,
    /// Registry roles (`provider`, `payor`, `agency.tpa`, ...), as the registry spells them.
    pub roles: Vec<String>,
    /// Which gateway.
    pub environment: Environment,
    /// The gateway's base URL.
    pub gateway_base_url: String,
    /// The platform variant.
    pub dialect: Dialect,
    /// The store-and-forward mailbox URL, if the profile receives through one.
    pub bridge_url: Option<String>,
    /// The gateway login name (not secret; the password is in the keychain).
    pub username: Option<String>,
    /// The contact email.
    pub email: Option<String>,
    /// The exchange's own participant code (the HCX that sends plain error callbacks). `None`
    /// when unknown: ingest then flags a plain error from anyone but the counterparty.
    #[serde(default)]
    pub hcx_code: Option<String>,
}

/// A stored profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Stable id (a UUID chosen by the console); also names the profile's keychain entries.
    pub id: String,
    /// The editable settings.
    #[serde(flatten)]
    pub fields: ProfileFields,
    /// The public certificate registered for the profile.
    pub certificate_pem: Option<String>,
    /// True for the profile selected in the console.
    pub active: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, name, participant_code, roles_json, environment, gateway_base_url, \
     dialect, bridge_url, username, email, hcx_code, certificate_pem, active, created_at, \
     updated_at";

impl Profile {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let roles_json: String = row.get("roles_json")?;
        let roles = serde_json::from_str(&roles_json).map_err(|err| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, err.into())
        })?;
        Ok(Self {
            id: row.get("id")?,
            fields: ProfileFields {
                name: row.get("name")?,
                participant_code: row.get("participant_code")?,
                roles,
                environment: row.get("environment")?,
                gateway_base_url: row.get("gateway_base_url")?,
                dialect: row.get("dialect")?,
                bridge_url: row.get("bridge_url")?,
                username: row.get("username")?,
                email: row.get("email")?,
                hcx_code: row.get("hcx_code")?,
            },
            certificate_pem: row.get("certificate_pem")?,
            active: row.get("active")?,
            created_at: time_col(row, "created_at")?,
            updated_at: time_col(row, "updated_at")?,
        })
    }
}

impl Reader<'_> {
    /// One profile.
    pub fn get_profile(&self, id: &str) -> Result<Option<Profile>> {
        let sql = format!("SELECT {COLUMNS} FROM profiles WHERE id = ?1");
        Ok(self.conn.query_row(&sql, [id], Profile::from_row).optional()?)
    }

    /// All profiles, by name.
    pub fn list_profiles(&self) -> Result<Vec<Profile>> {
        let sql = format!("SELECT {COLUMNS} FROM profiles ORDER BY name, id");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], Profile::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The profile selected in the console, if any.
    pub fn active_profile(&self) -> Result<Option<Profile>> {
        let sql = format!("SELECT {COLUMNS} FROM profiles WHERE active = 1");
        Ok(self.conn.query_row(&sql, [], Profile::from_row).optional()?)
    }
}

impl Writer<'_> {
    /// Creates a profile. The id must be new and non-empty.
    pub fn insert_profile(
        &self,
        id: &str,
        fields: &ProfileFields,
        at: DateTime<Utc>,
    ) -> Result<Profile> {
        if id.trim().is_empty() {
            return Err(StoreError::InvalidInput {
                field: "profile id",
                reason: "it is empty".to_owned(),
            });
        }
        self.conn().execute(
            "INSERT INTO profiles (id, name, participant_code, roles_json, environment, \
             gateway_base_url, dialect, bridge_url, username, email, hcx_code, created_at, \
             updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?12, ?11, ?11)",
            params![
                id,
                fields.name,
                fields.participant_code,
                json_text(&serde_json::to_value(&fields.roles)?)?,
                fields.environment,
                fields.gateway_base_url,
                fields.dialect,
                fields.bridge_url,
                fields.username,
                fields.email,
                to_ms(at),
                fields.hcx_code,
            ],
        )?;
        self.require_profile(id)
    }

    /// Replaces a profile's editable settings.
    pub fn update_profile(
        &self,
        id: &str,
        fields: &ProfileFields,
        at: DateTime<Utc>,
    ) -> Result<Profile> {
        let changed = self.conn().execute(
            "UPDATE profiles SET name = ?2, participant_code = ?3, roles_json = ?4, \
             environment = ?5, gateway_base_url = ?6, dialect = ?7, bridge_url = ?8, \
             username = ?9, email = ?10, updated_at = ?11, hcx_code = ?12 WHERE id = ?1",
            params![
                id,
                fields.name,
                fields.participant_code,
                json_text(&serde_json::to_value(&fields.roles)?)?,
                fields.environment,
                fields.gateway_base_url,
                fields.dialect,
                fields.bridge_url,
                fields.username,
                fields.email,
                to_ms(at),
                fields.hcx_code,
            ],
        )?;
        if changed == 0 {
            return Err(not_found(id));
        }
        self.require_profile(id)
    }

    /// Records (or clears) the public certificate registered for the profile.
    pub fn set_profile_certificate(
        &self,
        id: &str,
        certificate_pem: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let changed = self.conn().execute(
            "UPDATE profiles SET certificate_pem = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, certificate_pem, to_ms(at)],
        )?;
        if changed == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }

    /// Makes `id` the selected profile (and no other).
    pub fn set_active_profile(&self, id: &str, at: DateTime<Utc>) -> Result<()> {
        self.require_profile(id)?;
        // Clear first: the partial unique index allows only one row with active = 1.
        self.conn().execute(
            "UPDATE profiles SET active = 0, updated_at = ?2 WHERE active = 1 AND id <> ?1",
            params![id, to_ms(at)],
        )?;
        self.conn().execute(
            "UPDATE profiles SET active = 1, updated_at = ?2 WHERE id = ?1 AND active = 0",
            params![id, to_ms(at)],
        )?;
        Ok(())
    }

    /// Deletes a profile and, by cascade, its cache, workflows, threads, messages, outbox,
    /// cursor and drafts. The audit log keeps its entries. Returns whether it existed. The
    /// caller also removes the profile's keychain secrets (`hcx_keys::delete_profile_secrets`).
    pub fn delete_profile(&self, id: &str) -> Result<bool> {
        self.conn().execute("DELETE FROM drafts WHERE profile_id = ?1", [id])?;
        Ok(self.conn().execute("DELETE FROM profiles WHERE id = ?1", [id])? > 0)
    }

    fn require_profile(&self, id: &str) -> Result<Profile> {
        self.get_profile(id)?.ok_or_else(|| not_found(id))
    }
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound { what: "profile", key: id.to_owned() }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Store;
    use chrono::TimeZone;

    pub(crate) fn fields(code: &str) -> ProfileFields {
        ProfileFields {
            name: format!("Clinic {code}"),
            participant_code: code.to_owned(),
            roles: vec!["provider".to_owned()],
            environment: Environment::Sandbox,
            gateway_base_url: "https://staging-hcx.swasth.app/api".to_owned(),
            dialect: Dialect::Swasth,
            bridge_url: None,
            username: Some("desk@clinic.example".to_owned()),
            email: None,
            hcx_code: None,
        }
    }

    pub(crate) fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap()
    }

    #[test]
    fn insert_get_update_and_activate() {
        let mut store = Store::open_in_memory().unwrap();
        let created = store.write(|w| w.insert_profile("p1", &fields("c1"), t0())).unwrap();
        assert_eq!(created.fields, fields("c1"), "what was inserted is read back");
        assert!(!created.active, "a new profile is not selected until asked");
        store.write(|w| w.insert_profile("p2", &fields("c2"), t0())).unwrap();

        store.write(|w| w.set_active_profile("p1", t0())).unwrap();
        store.write(|w| w.set_active_profile("p2", t0())).unwrap();
        let active = store.read().active_profile().unwrap().map(|p| p.id);
        assert_eq!(active.as_deref(), Some("p2"), "selecting p2 deselects p1");

        let mut changed = fields("c1");
        changed.environment = Environment::Production;
        store.write(|w| w.update_profile("p1", &changed, t0())).unwrap();
        let p1 = store.read().get_profile("p1").unwrap().unwrap();
        assert_eq!(p1.fields.environment, Environment::Production, "updates are stored");

        let missing = store.write(|w| w.set_active_profile("nope", t0()));
        assert!(
            matches!(missing, Err(StoreError::NotFound { what: "profile", .. })),
            "selecting an unknown profile is a typed error"
        );
    }

    #[test]
    fn duplicate_id_is_refused() {
        let mut store = Store::open_in_memory().unwrap();
        store.write(|w| w.insert_profile("p1", &fields("c1"), t0())).unwrap();
        assert!(
            store.write(|w| w.insert_profile("p1", &fields("c9"), t0())).is_err(),
            "two profiles cannot share an id, since the id names their keychain entries"
        );
    }
}
