//! The operator's onboarding API: paths and JSON shapes, shared by the sandbox that serves them
//! and the client that calls them. Every path hangs off the versioned API base
//! (`{base}/v0.8/onboard/...`, any of v0.7/v0.8/v0.9). The endpoint table is in the README.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::certification::Refusal;
use crate::registration::{ActorKind, Application, Empanelment, Finding};

/// Paths after the version segment.
pub mod paths {
    /// `GET`: what a sandbox offers for certification ([`super::SandboxDescriptor`]).
    pub const SANDBOX: &str = "/onboard/sandbox";
    /// `POST` [`super::SignedRequest`] of an attest request → [`super::AttestResponse`].
    pub const ATTEST: &str = "/onboard/certification/attest";
    /// `POST` [`super::SignedRequest`] of [`super::TriggerClaims`] → [`super::TriggerResponse`].
    pub const TRIGGER: &str = "/onboard/certification/trigger";
    /// `POST` [`super::SubmitRequest`] → [`super::SubmitResponse`]; `GET` (admin) → queue.
    pub const APPLICATIONS: &str = "/onboard/applications";
    /// `GET` (participant token): applications awaiting the caller's approval.
    pub const APPROVALS: &str = "/onboard/approvals";
    /// `GET` (admin): simulated SMS / e-mail outbox.
    pub const OUTBOX: &str = "/onboard/outbox";
    /// `POST` (participant token) [`super::CompromiseRequest`] → [`super::CompromiseResponse`].
    pub const COMPROMISE: &str = "/onboard/compromise";

    /// `GET` (applicant token): one application's status.
    pub fn application(id: &str) -> String {
        format!("{APPLICATIONS}/{id}")
    }
    /// `POST` (applicant token) [`super::OtpRequest`].
    pub fn otp(id: &str) -> String {
        format!("{APPLICATIONS}/{id}/otp")
    }
    /// `POST` (applicant token): send a new OTP.
    pub fn otp_resend(id: &str) -> String {
        format!("{APPLICATIONS}/{id}/otp/resend")
    }
    /// `POST` (applicant token): the production credentials, once (then 410).
    pub fn credentials(id: &str) -> String {
        format!("{APPLICATIONS}/{id}/credentials")
    }
    /// `POST` (admin) [`super::DecisionRequest`]: manual review decision.
    pub fn decision(id: &str) -> String {
        format!("{APPLICATIONS}/{id}/decision")
    }
    /// `POST` (payer token) [`super::DecisionRequest`].
    pub fn approval(id: &str) -> String {
        format!("{APPROVALS}/{id}")
    }
}

/// Where an application is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ApplicationState {
    /// Received.
    Submitted,
    /// Lookups and checks running.
    Verifying,
    /// An OTP went to the registered contact.
    AwaitingOtp,
    /// Waiting for the payer / scheme that empanelled the facility.
    AwaitingPayerApproval {
        /// Its participant code.
        payer_code: String,
    },
    /// Waiting for an operator (regulators).
    ManualReview,
    /// Approved; the participant is Active.
    Approved {
        /// The production participant code.
        participant_code: String,
    },
    /// Rejected.
    Rejected {
        /// Why, in plain words.
        reasons: Vec<String>,
    },
}

impl ApplicationState {
    /// The state's name (`awaiting_otp`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Verifying => "verifying",
            Self::AwaitingOtp => "awaiting_otp",
            Self::AwaitingPayerApproval { .. } => "awaiting_payer_approval",
            Self::ManualReview => "manual_review",
            Self::Approved { .. } => "approved",
            Self::Rejected { .. } => "rejected",
        }
    }

    /// True for approved and rejected.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Approved { .. } | Self::Rejected { .. })
    }
}

/// One step of an application's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// State entered (its name).
    pub state: String,
    /// What happened.
    pub note: String,
}

/// Whether the production credentials can be fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialsState {
    /// Not approved yet.
    NotYet,
    /// Approved; fetch them once.
    Ready,
    /// Already fetched.
    Issued,
}

/// An application as its applicant (and the operator) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationStatus {
    /// Id.
    pub application_id: String,
    /// Kind.
    pub kind: ActorKind,
    /// Name applied for.
    pub participant_name: String,
    /// Current state.
    pub state: ApplicationState,
    /// Where the OTP went (masked, e.g. `+91 ******3210`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_sent_to: Option<String>,
    /// Credentials availability.
    pub credentials: CredentialsState,
    /// What happened so far, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Received.
    pub submitted_at: DateTime<Utc>,
}

/// `POST /onboard/applications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitRequest {
    /// The form (with the sandbox certificate in `common.sandbox_certificate`).
    pub application: Application,
}

/// Answer to a submission.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitResponse {
    /// Status after the synchronous checks.
    pub status: ApplicationStatus,
    /// Bearer token for this application's status, OTP and credentials endpoints. Shown once;
    /// the operator keeps only its hash.
    pub applicant_token: String,
}

impl std::fmt::Debug for SubmitResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubmitResponse")
            .field("status", &self.status)
            .field("applicant_token", &"<redacted>")
            .finish()
    }
}

/// `POST …/otp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtpRequest {
    /// The 6 digits received.
    pub otp: String,
}

/// The production credentials (`POST …/credentials`, once).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCredentials {
    /// Production participant code.
    pub participant_code: String,
    /// Username for the api-access login (the primary e-mail).
    pub username: String,
    /// The secret (`participant_code` + `username` + `secret` token form).
    pub secret: String,
}

impl std::fmt::Debug for IssuedCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCredentials")
            .field("participant_code", &self.participant_code)
            .field("username", &self.username)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A payer's or operator's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRequest {
    /// Approve or refuse.
    pub approve: bool,
    /// Required when refusing; shown to the applicant.
    #[serde(default)]
    pub reason: String,
}

/// Metadata of an attached document (what a payer sees before opening it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentInfo {
    /// Field it was attached to.
    pub field: String,
    /// Title.
    pub title: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256.
    pub sha256: String,
}

/// One entry of a payer's approval queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalEntry {
    /// Application id.
    pub application_id: String,
    /// Facility name.
    pub facility_name: String,
    /// Facility licence number.
    pub licence_number: String,
    /// Address, one line.
    pub address: String,
    /// Facility manager (name, mobile, e-mail), one line.
    pub manager: String,
    /// What the facility says about its empanelment.
    pub empanelment: Empanelment,
    /// Empanelment proof (metadata; the data is in the application).
    pub proof: Option<DocumentInfo>,
    /// Current state.
    pub state: ApplicationState,
    /// Received.
    pub submitted_at: DateTime<Utc>,
}

/// `POST /onboard/compromise`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompromiseRequest {
    /// New encryption certificate (PEM) when the private key may be compromised too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_encryption_cert_pem: Option<String>,
    /// What happened (kept in the operator's log).
    #[serde(default)]
    pub note: String,
}

/// Answer to a compromise report: the new secret, shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompromiseResponse {
    /// The new credentials.
    pub credentials: IssuedCredentials,
    /// Whether the registry now carries the new certificate.
    pub encryption_cert_updated: bool,
}

impl std::fmt::Debug for CompromiseResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompromiseResponse")
            .field("credentials", &self.credentials)
            .field("encryption_cert_updated", &self.encryption_cert_updated)
            .finish()
    }
}

/// One simulated SMS or e-mail (never really sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// Sequence number.
    pub id: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// The application concerned.
    pub application_id: String,
    /// `sms` or `email`.
    pub channel: String,
    /// Recipient (number or address).
    pub to: String,
    /// Text.
    pub text: String,
}

/// What a sandbox offers for certification (`GET /onboard/sandbox`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxDescriptor {
    /// The sandbox's HCX code.
    pub hcx_code: String,
    /// Its API base URL.
    pub base_url: String,
    /// Its HCX certificate (PEM): verifies its dispatch tokens and attestations.
    pub hcx_cert_pem: String,
    /// Scripted payer.
    pub demo_payer: String,
    /// Scripted TPA.
    pub demo_tpa: String,
    /// Scripted provider.
    pub demo_provider: String,
    /// Payer that checks domain payloads strictly (answers `ERR_INVALID_PAYLOAD`).
    pub conformance_payer: String,
    /// Provider that sends faulty messages to payers on request.
    pub conformance_provider: String,
    /// A registered participant whose status is `Inactive`.
    pub inactive_participant: String,
    /// Days a new attestation is valid.
    pub certificate_validity_days: i64,
}

/// A body carrying one request the participant signed with its key (proof of possession,
/// checked against the registered certificate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedRequest {
    /// Compact JWS.
    pub request: String,
}

/// Answer to an attest request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestResponse {
    /// The sandbox's attestation (compact JWS).
    pub attestation: String,
}

/// A fault the conformance provider puts into a message it sends a payer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Sealed to a key the payer does not have.
    Undecryptable,
    /// A payload of the wrong domain (an eligibility request sent as a claim).
    WrongPayload,
}

/// Asks the sandbox to start a cycle towards the caller (payer suites).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerClaims {
    /// Format version.
    pub v: u32,
    /// Unique id.
    pub jti: String,
    /// The caller (recipient of the cycle).
    pub participant_code: String,
    /// `coverageeligibility/check`, `preauth/submit`, `claim/submit`, `predetermination/submit`.
    pub action: String,
    /// Scenario keyword for the item text (`partial`, `reject`, `query`, … or empty).
    #[serde(default)]
    pub scenario: String,
    /// Workflow to continue (enhancements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// A deliberate fault (sent by the conformance provider instead of the demo provider).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    /// Signed at (epoch seconds).
    pub iat: i64,
}

/// Answer to a trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerResponse {
    /// New correlation id.
    pub correlation_id: String,
    /// Workflow id.
    pub workflow_id: String,
    /// Api call id of the request sent.
    pub api_call_id: String,
}

/// An operator refusal (HTTP 4xx): the gateway-style `error`, plus the form findings or the
/// certificate refusals that caused it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorErrorBody {
    /// `{code, message}`.
    pub error: OperatorErrorInfo,
    /// Field findings (submission refused for its content).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// Certificate refusals (submission refused for its sandbox certificate).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificate_refusals: Vec<Refusal>,
}

/// The `error` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorErrorInfo {
    /// Machine code (`ERR_INVALID_APPLICATION`, `ERR_CERTIFICATE_REFUSED`, …); the gateway's
    /// own refusals (token checks) may carry `null`.
    #[serde(default)]
    pub code: Option<String>,
    /// Sentence for a person.
    pub message: String,
}

/// Error codes the operator endpoints use.
pub mod codes {
    /// The form has findings.
    pub const INVALID_APPLICATION: &str = "ERR_INVALID_APPLICATION";
    /// The sandbox certificate was refused.
    pub const CERTIFICATE_REFUSED: &str = "ERR_CERTIFICATE_REFUSED";
    /// Wrong or missing token.
    pub const ACCESS_DENIED: &str = "ERR_ACCESS_DENIED";
    /// No such application.
    pub const NOT_FOUND: &str = "ERR_NOT_FOUND";
    /// The action does not fit the application's state.
    pub const WRONG_STATE: &str = "ERR_WRONG_STATE";
    /// The OTP is wrong, expired or used up.
    pub const INVALID_OTP: &str = "ERR_INVALID_OTP";
    /// The credentials were already issued (HTTP 410).
    pub const ALREADY_ISSUED: &str = "ERR_CREDENTIALS_ALREADY_ISSUED";
    /// A request the sandbox could not carry out.
    pub const BAD_REQUEST: &str = "ERR_BAD_REQUEST";
}
