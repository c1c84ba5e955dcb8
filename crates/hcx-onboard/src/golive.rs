//! Go-live readiness (seed step 5): the checklist a profile must complete before it sends to
//! everyone, and pilot mode, which limits a desk to a short list of counterparties while the
//! staff learn the new way of working ("preferably after piloting with a small set of
//! clients").
//!
//! Pure logic: the console feeds in what it knows (certificate, registration state, preflight
//! result, the manual training tick, the pilot list) and shows what comes out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The checklist items, in the order they are usually done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistItemId {
    /// A sandbox certificate that verifies and has not expired.
    CertificateValid,
    /// The production registration is approved.
    RegistrationApproved,
    /// The preflight checks (token, own record, certificate ↔ key, endpoint) are green.
    PreflightGreen,
    /// Someone confirmed the staff were trained (a manual tick).
    StaffTrained,
    /// Pilot mode is on with a list of counterparties.
    PilotListSet,
}

/// State of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Done.
    Done,
    /// Still to do.
    Pending,
    /// Something is wrong and must be fixed first.
    Blocked,
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Which item.
    pub id: ChecklistItemId,
    /// Its title.
    pub title: String,
    /// Done, pending or blocked.
    pub status: ItemStatus,
    /// What to do next, or what was confirmed.
    pub detail: String,
}

/// What the console knows about the sandbox certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CertificateState {
    /// None earned yet.
    Missing,
    /// Verified; expires then.
    Valid {
        /// Expiry.
        expires_at: DateTime<Utc>,
    },
    /// Refused, with the reasons' messages.
    Refused {
        /// Messages of the refusal reasons.
        reasons: Vec<String>,
    },
}

/// What the console knows about the registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RegistrationState {
    /// Not submitted.
    NotSubmitted,
    /// Submitted, in progress (the operator's state name).
    InProgress {
        /// The operator's state name, e.g. `awaiting_payer_approval`.
        operator_state: String,
    },
    /// Approved.
    Approved,
    /// Rejected with reasons.
    Rejected {
        /// The operator's reasons.
        reasons: Vec<String>,
    },
}

/// The manual training tick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingTick {
    /// Who ticked it.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Everything the checklist is computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessInput {
    /// Sandbox certificate.
    pub certificate: CertificateState,
    /// Registration.
    pub registration: RegistrationState,
    /// Names of the preflight checks that are not green (empty = all green).
    pub preflight_failures: Vec<String>,
    /// Whether preflight has run at all.
    pub preflight_ran: bool,
    /// The training tick, if given.
    pub staff_trained: Option<TrainingTick>,
    /// The pilot policy in force.
    pub pilot: PilotPolicy,
}

/// The computed checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    /// The items, in order.
    pub items: Vec<ChecklistItem>,
    /// True when every item is done.
    pub ready: bool,
}

/// Computes the checklist of a profile.
pub fn checklist(input: &ReadinessInput, now: DateTime<Utc>) -> Checklist {
    let item = |id, title: &str, status, detail: String| ChecklistItem {
        id,
        title: title.to_string(),
        status,
        detail,
    };
    let cert = match &input.certificate {
        CertificateState::Missing => {
            (ItemStatus::Pending, "Run the sandbox certification to earn a certificate".to_string())
        }
        CertificateState::Valid { expires_at } if *expires_at <= now => (
            ItemStatus::Blocked,
            format!(
                "The sandbox certificate expired on {}; run the certification again",
                expires_at.format("%Y-%m-%d")
            ),
        ),
        CertificateState::Valid { expires_at } => {
            (ItemStatus::Done, format!("Valid until {}", expires_at.format("%Y-%m-%d")))
        }
        CertificateState::Refused { reasons } => (ItemStatus::Blocked, reasons.join("; ")),
    };
    let registration = match &input.registration {
        RegistrationState::NotSubmitted => {
            (ItemStatus::Pending, "Submit the registration to the HCX operator".to_string())
        }
        RegistrationState::InProgress { operator_state } => (
            ItemStatus::Pending,
            format!("The operator is processing it ({})", operator_state.replace('_', " ")),
        ),
        RegistrationState::Approved => {
            (ItemStatus::Done, "Approved; production credentials issued".to_string())
        }
        RegistrationState::Rejected { reasons } => {
            (ItemStatus::Blocked, format!("Rejected: {}", reasons.join("; ")))
        }
    };
    let preflight = if !input.preflight_ran {
        (ItemStatus::Pending, "Run the preflight checks against production".to_string())
    } else if input.preflight_failures.is_empty() {
        (ItemStatus::Done, "All preflight checks are green".to_string())
    } else {
        (ItemStatus::Blocked, format!("Failing: {}", input.preflight_failures.join(", ")))
    };
    let trained = match &input.staff_trained {
        Some(t) => {
            (ItemStatus::Done, format!("Confirmed by {} on {}", t.by, t.at.format("%Y-%m-%d")))
        }
        None => (ItemStatus::Pending, "Train the desk staff, then tick this box".to_string()),
    };
    let pilot = match (&input.pilot.enabled, input.pilot.allowed.is_empty()) {
        (true, false) => {
            (ItemStatus::Done, format!("Piloting with {}", input.pilot.allowed.join(", ")))
        }
        (true, true) => (
            ItemStatus::Pending,
            "Pilot mode is on but nobody is on the pilot list yet".to_string(),
        ),
        (false, _) => (
            ItemStatus::Pending,
            "Choose a few counterparties to pilot with and turn pilot mode on".to_string(),
        ),
    };
    let items = vec![
        item(ChecklistItemId::CertificateValid, "Sandbox certificate valid", cert.0, cert.1),
        item(
            ChecklistItemId::RegistrationApproved,
            "Registration approved",
            registration.0,
            registration.1,
        ),
        item(ChecklistItemId::PreflightGreen, "Preflight green", preflight.0, preflight.1),
        item(ChecklistItemId::StaffTrained, "Staff trained", trained.0, trained.1),
        item(ChecklistItemId::PilotListSet, "Pilot list set", pilot.0, pilot.1),
    ];
    let ready = items.iter().all(|i| i.status == ItemStatus::Done);
    Checklist { items, ready }
}

/// Pilot mode: while enabled, a desk may send only to the listed participant codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PilotPolicy {
    /// Whether pilot mode is on.
    pub enabled: bool,
    /// Participant codes the desk may send to (compared exactly: codes are opaque).
    pub allowed: Vec<String>,
}

/// A send refused by pilot mode. `Display` is the sentence for the clerk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct PilotRefusal {
    /// The recipient refused.
    pub recipient: String,
    /// Who the desk may send to.
    pub allowed: Vec<String>,
    /// The sentence for the clerk.
    pub message: String,
}

impl PilotPolicy {
    /// `Ok` when a message to `recipient` may go out now.
    pub fn check(&self, recipient: &str) -> Result<(), PilotRefusal> {
        if !self.enabled {
            return Ok(());
        }
        let recipient = recipient.trim();
        if self.allowed.iter().any(|a| a.trim() == recipient) {
            return Ok(());
        }
        let message = if self.allowed.is_empty() {
            format!(
                "Pilot mode: nobody is on this desk's pilot list yet; add {recipient} to it or \
                 turn pilot mode off on the Go live screen to send to {recipient}"
            )
        } else {
            format!(
                "Pilot mode: this desk may only send to {}; turn pilot mode off on the Go live screen to \
                 send to {recipient}",
                self.allowed.join(", ")
            )
        };
        Err(PilotRefusal {
            recipient: recipient.to_string(),
            allowed: self.allowed.clone(),
            message,
        })
    }
}
