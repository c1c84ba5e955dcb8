//! Go-live readiness (issue 8, seed step 5): the checklist per profile, the staff-training
//! tick, pilot mode, and the gate every new cycle passes before it is queued.
//!
//! The gate is here, not in the UI: a production profile whose credentials are not in yet
//! cannot send, and while pilot mode is on a new cycle may only go to a counterparty on the
//! pilot list. The gate applies to cycles the desk starts; answers to requests it received are
//! never blocked (a counterparty that wrote to us gets its answer).

use chrono::Utc;
use hcx_onboard::golive::{
    CertificateState, PilotPolicy, ReadinessInput, RegistrationState, TrainingTick, checklist,
};
use hcx_onboard::operator_api::{ApplicationState, ApplicationStatus};
use hcx_store::{Environment, Onboarding, Profile};

use crate::apply::{application_view, serde_name};
use crate::console::{Console, audit};
use crate::dto::{ChecklistItemView, GoLiveView};
use crate::error::{ConsoleError, Result};
use crate::profiles::environment_view;
use crate::views::utc;

impl Console {
    /// The go-live checklist, pilot list and onboarding state of a profile.
    pub async fn go_live(&self, profile_id: &str) -> Result<GoLiveView> {
        let profile = self.profile(profile_id)?;
        let row =
            self.onboarding_row(&profile.id)?.unwrap_or(Onboarding::new(&profile.id, Utc::now()));
        let status: Option<ApplicationStatus> =
            row.application.clone().and_then(|a| serde_json::from_value(a).ok());
        // The certificate the application carried (production), or the one earned (sandbox).
        let certificate = self.certification(&profile.id).await?;
        let certificate = match certificate {
            None => CertificateState::Missing,
            Some(c) if c.state == "valid" => CertificateState::Valid {
                expires_at: chrono::DateTime::parse_from_rfc3339(&c.expires_at)
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_else(|_| Utc::now()),
            },
            Some(c) => CertificateState::Refused { reasons: c.reasons },
        };
        let registration = match status.as_ref().map(|s| &s.state) {
            None if profile.fields.environment == Environment::Production
                && row.application_id.is_none() =>
            {
                // A production profile added by hand was registered outside the console.
                RegistrationState::Approved
            }
            None => RegistrationState::NotSubmitted,
            Some(ApplicationState::Approved { .. }) => RegistrationState::Approved,
            Some(ApplicationState::Rejected { reasons }) => {
                RegistrationState::Rejected { reasons: reasons.clone() }
            }
            Some(other) => {
                RegistrationState::InProgress { operator_state: other.name().to_owned() }
            }
        };
        let input = ReadinessInput {
            certificate,
            registration,
            preflight_failures: row.preflight_failures.clone().unwrap_or_default(),
            preflight_ran: row.preflight_failures.is_some(),
            staff_trained: match (&row.staff_trained_by, row.staff_trained_at) {
                (Some(by), Some(at)) => Some(TrainingTick { by: by.clone(), at }),
                _ => None,
            },
            pilot: pilot_policy(&row),
        };
        let list = checklist(&input, Utc::now());
        Ok(GoLiveView {
            profile_id: profile.id.clone(),
            environment: environment_view(profile.fields.environment),
            items: list
                .items
                .into_iter()
                .map(|i| ChecklistItemView {
                    id: serde_name(i.id),
                    title: i.title,
                    status: serde_name(i.status),
                    detail: i.detail,
                })
                .collect(),
            ready: list.ready,
            pilot_enabled: row.pilot_enabled,
            pilot_counterparties: row.pilot_counterparties.clone(),
            staff_trained_by: row.staff_trained_by.clone(),
            staff_trained_at: row.staff_trained_at.map(utc),
            credentials_stored_at: row.live_since.map(utc),
            application: status.as_ref().map(|s| application_view(&profile.id, s)),
        })
    }

    /// Turns pilot mode on or off and sets the pilot list (participant codes).
    pub async fn set_pilot(
        &self,
        profile_id: &str,
        enabled: bool,
        counterparties: Vec<String>,
    ) -> Result<GoLiveView> {
        let mut list: Vec<String> =
            counterparties.iter().map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect();
        list.sort();
        list.dedup();
        self.update_row(profile_id, "golive.pilot", |row| {
            row.pilot_enabled = enabled;
            row.pilot_counterparties = list.clone();
            serde_json::json!({"enabled": enabled, "counterparties": list})
        })?;
        self.go_live(profile_id).await
    }

    /// Records who confirmed the desk's staff were trained.
    pub async fn mark_staff_trained(&self, profile_id: &str, by: &str) -> Result<GoLiveView> {
        let by = by.trim();
        if by.is_empty() {
            return Err(ConsoleError::input("by", "say who confirms the training"));
        }
        let now = Utc::now();
        self.update_row(profile_id, "golive.staff_trained", |row| {
            row.staff_trained_by = Some(by.to_owned());
            row.staff_trained_at = Some(now);
            serde_json::json!({"by": by})
        })?;
        self.go_live(profile_id).await
    }

    /// Remembers the last preflight result of a profile for its checklist.
    pub(crate) fn record_preflight(&self, profile_id: &str, failures: Vec<String>) -> Result<()> {
        let now = Utc::now();
        self.write(|w| {
            let mut row = w.get_onboarding(profile_id)?.unwrap_or(Onboarding::new(profile_id, now));
            row.preflight_failures = Some(failures);
            row.preflight_at = Some(now);
            row.updated_at = now;
            w.put_onboarding(&row)?;
            Ok(())
        })
    }

    /// The gate before a new cycle is queued: a production profile must hold its production
    /// credentials, and pilot mode must allow the recipient.
    pub(crate) fn check_may_start(&self, profile: &Profile, recipient: &str) -> Result<()> {
        let Some(row) = self.onboarding_row(&profile.id)? else {
            return Ok(());
        };
        if row.application_id.is_some() && row.live_since.is_none() {
            return Err(ConsoleError::NotAllowed(format!(
                "{} is not live yet: its production credentials are not in the keychain; finish \
                 onboarding in Go live first",
                profile.fields.name
            )));
        }
        pilot_policy(&row).check(recipient).map_err(|r| ConsoleError::PilotBlocked(r.to_string()))
    }

    /// The pilot list a profile view shows (only while pilot mode is on).
    pub(crate) fn pilot_list(&self, profile_id: &str) -> Result<Option<Vec<String>>> {
        Ok(self
            .onboarding_row(profile_id)?
            .filter(|o| o.pilot_enabled)
            .map(|o| o.pilot_counterparties))
    }

    fn update_row(
        &self,
        profile_id: &str,
        event: &str,
        change: impl FnOnce(&mut Onboarding) -> serde_json::Value,
    ) -> Result<()> {
        let profile = self.profile(profile_id)?;
        let now = Utc::now();
        self.write(|w| {
            let mut row =
                w.get_onboarding(&profile.id)?.unwrap_or(Onboarding::new(&profile.id, now));
            let details = change(&mut row);
            row.updated_at = now;
            w.put_onboarding(&row)?;
            w.append_audit(&audit(&profile.id, None, "operator", event, details, now))?;
            Ok(())
        })
    }
}

fn pilot_policy(row: &Onboarding) -> PilotPolicy {
    PilotPolicy { enabled: row.pilot_enabled, allowed: row.pilot_counterparties.clone() }
}
