//! Table `onboarding`: one row per profile on its way to production — the sandbox certificate
//! a sandbox profile earned, or a production profile's application, pilot list, training tick
//! and last preflight. Never a secret (those are in the keychain); `live_since` records only
//! when the production secret was stored.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use crate::values::{json_text, opt_json_col, opt_time_col, time_col, to_ms};
use crate::{Reader, Result, Writer};

/// How a profile logs in to its gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginKind {
    /// Username and password (sandbox logins).
    #[default]
    Password,
    /// Participant code, username and the api-access secret the operator issued.
    ApiSecret,
}

impl LoginKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::ApiSecret => "api_secret",
        }
    }
}

/// A profile's onboarding row. Build one with [`Onboarding::new`] and save it whole with
/// [`Writer::put_onboarding`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Onboarding {
    /// The profile.
    pub profile_id: String,
    /// How it logs in.
    pub login_kind: LoginKind,
    /// The sandbox certificate it earned (compact JWS).
    pub sandbox_certificate: Option<String>,
    /// For a production profile: the profile whose certificate the application carried.
    pub source_profile_id: Option<String>,
    /// The operator's API base the application went to.
    pub operator_url: Option<String>,
    /// The application's id at the operator.
    pub application_id: Option<String>,
    /// The operator's last answer about the application.
    pub application: Option<Value>,
    /// When the production secret was stored in the keychain.
    pub live_since: Option<DateTime<Utc>>,
    /// Who confirmed the staff were trained.
    pub staff_trained_by: Option<String>,
    /// When.
    pub staff_trained_at: Option<DateTime<Utc>>,
    /// Pilot mode on.
    pub pilot_enabled: bool,
    /// The counterparties a pilot may send to.
    pub pilot_counterparties: Vec<String>,
    /// Names of the failed preflight checks of the last run (`Some(vec![])` = all green).
    pub preflight_failures: Option<Vec<String>>,
    /// When preflight last ran.
    pub preflight_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "profile_id, login_kind, sandbox_certificate, source_profile_id, \
     operator_url, application_id, application_json, live_since, staff_trained_by, \
     staff_trained_at, pilot_enabled, pilot_json, preflight_json, preflight_at, updated_at";

impl Onboarding {
    /// An empty row for `profile_id`.
    pub fn new(profile_id: &str, at: DateTime<Utc>) -> Self {
        Self {
            profile_id: profile_id.to_owned(),
            login_kind: LoginKind::Password,
            sandbox_certificate: None,
            source_profile_id: None,
            operator_url: None,
            application_id: None,
            application: None,
            live_since: None,
            staff_trained_by: None,
            staff_trained_at: None,
            pilot_enabled: false,
            pilot_counterparties: Vec::new(),
            preflight_failures: None,
            preflight_at: None,
            updated_at: at,
        }
    }

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let login: String = row.get("login_kind")?;
        let strings = |column: &str| -> rusqlite::Result<Option<Vec<String>>> {
            opt_json_col(row, column)?
                .map(|v| {
                    serde_json::from_value(v).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            0,
                            rusqlite::types::Type::Text,
                            e.into(),
                        )
                    })
                })
                .transpose()
        };
        Ok(Self {
            profile_id: row.get("profile_id")?,
            login_kind: if login == "api_secret" {
                LoginKind::ApiSecret
            } else {
                LoginKind::Password
            },
            sandbox_certificate: row.get("sandbox_certificate")?,
            source_profile_id: row.get("source_profile_id")?,
            operator_url: row.get("operator_url")?,
            application_id: row.get("application_id")?,
            application: opt_json_col(row, "application_json")?,
            live_since: opt_time_col(row, "live_since")?,
            staff_trained_by: row.get("staff_trained_by")?,
            staff_trained_at: opt_time_col(row, "staff_trained_at")?,
            pilot_enabled: row.get("pilot_enabled")?,
            pilot_counterparties: strings("pilot_json")?.unwrap_or_default(),
            preflight_failures: strings("preflight_json")?,
            preflight_at: opt_time_col(row, "preflight_at")?,
            updated_at: time_col(row, "updated_at")?,
        })
    }
}

impl Reader<'_> {
    /// A profile's onboarding row, if it has one.
    pub fn get_onboarding(&self, profile_id: &str) -> Result<Option<Onboarding>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM onboarding WHERE profile_id = ?1"),
                params![profile_id],
                Onboarding::from_row,
            )
            .optional()?)
    }

    /// The production profiles made from `source_profile_id`'s applications, newest first.
    pub fn onboarding_from(&self, source_profile_id: &str) -> Result<Vec<Onboarding>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM onboarding WHERE source_profile_id = ?1 \
             ORDER BY updated_at DESC, profile_id"
        ))?;
        let rows = stmt.query_map(params![source_profile_id], Onboarding::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Writer<'_> {
    /// Creates or replaces a profile's onboarding row.
    pub fn put_onboarding(&self, o: &Onboarding) -> Result<()> {
        let opt_json = |v: Option<Value>| v.as_ref().map(json_text).transpose();
        self.conn().execute(
            &format!(
                "INSERT OR REPLACE INTO onboarding ({COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
            ),
            params![
                o.profile_id,
                o.login_kind.as_str(),
                o.sandbox_certificate,
                o.source_profile_id,
                o.operator_url,
                o.application_id,
                opt_json(o.application.clone())?,
                o.live_since.map(to_ms),
                o.staff_trained_by,
                o.staff_trained_at.map(to_ms),
                o.pilot_enabled,
                json_text(&Value::from(o.pilot_counterparties.clone()))?,
                opt_json(o.preflight_failures.clone().map(Value::from))?,
                o.preflight_at.map(to_ms),
                to_ms(o.updated_at),
            ],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::profiles::tests::{fields, t0};
    use serde_json::json;

    #[test]
    fn a_row_reads_back_as_written_and_goes_with_its_profile() {
        let mut store = Store::open_in_memory().unwrap();
        store.write(|w| w.insert_profile("p1", &fields("prod@hcx"), t0())).unwrap();
        let mut o = Onboarding::new("p1", t0());
        o.login_kind = LoginKind::ApiSecret;
        o.application = Some(json!({"application_id": "a1", "state": {"state": "approved"}}));
        o.pilot_enabled = true;
        o.pilot_counterparties = vec!["payer@hcx".into()];
        o.preflight_failures = Some(vec![]);
        o.live_since = Some(t0());
        store.write(|w| w.put_onboarding(&o)).unwrap();
        assert_eq!(
            store.read().get_onboarding("p1").unwrap(),
            Some(o.clone()),
            "every field survives the round trip, including an empty-but-run preflight"
        );
        store.write(|w| w.delete_profile("p1")).unwrap();
        assert_eq!(
            store.read().get_onboarding("p1").unwrap(),
            None,
            "deleting the profile deletes its onboarding row (ON DELETE CASCADE)"
        );
    }
}
