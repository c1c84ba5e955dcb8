//! View types: what every front end (the desktop UI over IPC, the `hcx` command's JSON output)
//! receives from the console's use cases.
//!
//! They are plain data with no behaviour, exported to TypeScript with ts-rs into
//! `ui/src/bindings/` so the UI and the backend cannot drift apart. Rules that keep them safe to
//! send across IPC: amounts are exact decimal strings (never floats), times are UTC ISO-8601
//! strings (the UI turns them into local time), and no type here may hold a secret.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An exact decimal amount as text, e.g. `"125000.50"`. Money never travels as a float.
pub type Amount = String;

/// A UTC instant in ISO-8601, e.g. `"2026-11-21T10:15:00Z"`.
pub type UtcTime = String;

/// Which exchange a profile talks to; the UI shows a banner per environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Environment {
    Sandbox,
    Staging,
    Production,
}

/// A participant identity the desk works as. Secrets are never part of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProfileView {
    pub id: String,
    pub name: String,
    pub participant_code: String,
    pub roles: Vec<String>,
    pub environment: Environment,
    pub gateway_url: String,
    pub active: bool,
    /// Production sends are limited to these counterparties while pilot mode is on.
    pub pilot_counterparties: Option<Vec<String>>,
}

/// What the app is connected to right now; drives the banner and the status bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppStatus {
    pub profile: Option<ProfileView>,
    pub environment: Environment,
    /// True when the embedded sandbox exchange and its demo counterparties are running.
    pub embedded_sandbox: bool,
    pub bridge: BridgeStatus,
    pub outbox_pending: u32,
    pub version: String,
}

/// The callback mailbox poller's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "camelCase")]
#[ts(export)]
pub enum BridgeStatus {
    Connecting,
    Connected,
    #[serde(rename_all = "camelCase")]
    BackingOff {
        attempt: u32,
        until: UtcTime,
        last_error: String,
    },
    /// Incoming messages wait because the decryption key cannot be read from the keychain;
    /// the poller retries at `until`. Shown until an ingest succeeds again.
    #[serde(rename_all = "camelCase")]
    KeychainLocked {
        until: UtcTime,
        message: String,
    },
    Stopped,
}

/// An incoming envelope parked after its handling failed again and again (it was acknowledged
/// so the mailbox could move on; "Try again" re-reads it from the stored body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeadLetterView {
    #[ts(type = "number")]
    pub id: i64,
    /// The protocol path it arrived on (`/preauth/on_submit`).
    pub path: String,
    pub api_call_id: Option<String>,
    pub sender: Option<String>,
    pub correlation_id: Option<String>,
    /// The last error, in words.
    pub error: String,
    pub attempts: u32,
    pub first_attempt_at: UtcTime,
    pub last_attempt_at: UtcTime,
    pub received_at: Option<UtcTime>,
}

/// A participant of the exchange the desk can address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Counterparty {
    pub code: String,
    pub name: String,
    pub roles: Vec<String>,
    pub status: String,
}

/// One cycle (one correlation id) as a row of the work queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadSummary {
    pub correlation_id: String,
    pub workflow_id: Option<String>,
    /// `coverageeligibility`, `preauth`, `claim`, `predetermination`, `communication`,
    /// `paymentnotice`.
    pub use_case: String,
    /// `outgoing` when this desk started the cycle, `incoming` when a counterparty did.
    pub direction: String,
    pub counterparty: String,
    pub counterparty_name: Option<String>,
    /// Business state: `drafted`, `queued`, `sent`, `acknowledged`, `dispatched`, `partial`,
    /// `query`, `answered`, `complete`, `rejected`, `error`, `redirected`, `paid`.
    pub state: String,
    pub patient: Option<String>,
    pub requested: Option<Amount>,
    pub approved: Option<Amount>,
    pub settled: Option<Amount>,
    pub currency: Option<String>,
    pub opened_at: UtcTime,
    pub updated_at: UtcTime,
    /// When the counterparty is expected to have answered (turnaround target), if known.
    pub due_at: Option<UtcTime>,
}

/// Filters of the work queue; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadFilter {
    pub states: Option<Vec<String>>,
    pub use_case: Option<String>,
    pub counterparty: Option<String>,
    pub direction: Option<String>,
    /// Free text: patient, correlation id or counterparty.
    pub text: Option<String>,
}

/// One node of a cycle's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TimelineNode {
    pub api_call_id: String,
    /// `composed`, `queued`, `sent`, `acknowledged`, `dispatched`, `partial`, `query`, `answer`,
    /// `complete`, `error`, `redirect`, `payment`, `received` (an incoming request on a
    /// payer or TPA desk), `rejected` (stored but not applied: see the suspicious list) and
    /// `unreadable` (received, but its content could not be read; its headline says why and it
    /// moved nothing).
    pub kind: String,
    pub at: UtcTime,
    /// `out` (this desk sent it) or `in` (received through the bridge).
    pub direction: String,
    /// The protocol action path, e.g. `/preauth/submit`.
    pub action: String,
    pub sender: String,
    pub recipient: String,
    pub protocol_status: Option<String>,
    pub amount: Option<Amount>,
    /// A one-line human description ("Approved 45,000.00 of 50,000.00").
    pub headline: String,
    /// Decoded protected headers.
    pub headers: serde_json::Value,
    /// The gateway's synchronous answer (ack or error body), for messages this desk sent.
    pub gateway_answer: Option<serde_json::Value>,
    /// The FHIR summary of the payload (hcx-fhir's summary), if it could be decrypted.
    pub summary: Option<serde_json::Value>,
    /// The decrypted FHIR JSON, shown only when the user asks for it.
    pub fhir: Option<serde_json::Value>,
    pub error: Option<ErrorView>,
}

/// An incoming message the console stored but did not apply, because its sender may not move
/// the cycle it names (a forged answer, a query or payment notice from a stranger).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SuspiciousMessage {
    /// The stored message's id.
    #[ts(type = "number")]
    pub id: i64,
    pub at: UtcTime,
    /// Who it claims to be from (`x-hcx-sender_code`).
    pub sender: String,
    /// The protocol action path, e.g. `/preauth/on_submit`.
    pub action: String,
    /// The cycle it names.
    pub correlation_id: String,
    pub workflow_id: Option<String>,
    pub api_call_id: String,
    /// Why it was not applied.
    pub reason: String,
    /// Decoded protected headers, exactly as received.
    pub headers: serde_json::Value,
    /// The body as received (the JWE envelope or plain JSON), for the inspector.
    pub raw_body: String,
}

/// The suspicious list and its size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SuspiciousList {
    /// How many there are in all (the list holds the newest few hundred).
    #[ts(type = "number")]
    pub total: u64,
    pub messages: Vec<SuspiciousMessage>,
}

/// A cycle with its timeline and the next step the desk can take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadDetail {
    pub thread: ThreadSummary,
    pub timeline: Vec<TimelineNode>,
    /// Derived from the state: `answerQuery`, `submitClaim`, `acknowledgePayment`, `enhance`,
    /// `respond`, `askStatus`, `retry`.
    pub next_actions: Vec<String>,
}

/// All cycles of one admission and its money ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorkflowView {
    pub workflow_id: String,
    pub patient: Option<String>,
    pub cycles: Vec<ThreadSummary>,
    pub ledger: Ledger,
}

/// Billed, approved and settled sums of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Ledger {
    pub billed: Amount,
    pub approved: Amount,
    pub settled: Amount,
    pub currency: String,
}

/// An error as it crosses IPC: a stable code the UI can branch on and a message a clerk reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ErrorView {
    pub code: String,
    pub message: String,
}

/// A rule-checker finding, pointing at the form field at fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FindingView {
    /// `error` or `warning`.
    pub severity: String,
    /// FHIR path, e.g. `Claim.item[2].unitPrice`.
    pub path: String,
    pub rule: String,
    pub message: String,
}

/// A line of a claim form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClaimItemForm {
    pub code: String,
    pub description: String,
    pub quantity: Amount,
    pub unit_price: Amount,
}

/// A document attached to a claim or to an answer to a query. `data` is base64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AttachmentForm {
    pub title: String,
    pub content_type: String,
    pub data_base64: String,
}

/// The compose form of an eligibility check, preauth, predetermination or claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ComposeForm {
    /// `coverageeligibility`, `preauth`, `predetermination` or `claim`.
    pub use_case: String,
    pub recipient: String,
    pub workflow_id: Option<String>,
    /// For a claim after a preauth, or an enhancement: the earlier cycle it relates to.
    pub related_correlation_id: Option<String>,
    pub patient_name: String,
    pub patient_gender: String,
    pub patient_birth_date: Option<String>,
    pub patient_abha: Option<String>,
    pub policy_number: String,
    pub diagnoses: Vec<String>,
    pub items: Vec<ClaimItemForm>,
    pub attachments: Vec<AttachmentForm>,
    pub note: Option<String>,
    /// The treating or entering practitioner (an eligibility check requires one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub practitioner_name: Option<String>,
    /// The practitioner's HPR id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub practitioner_hpr_id: Option<String>,
}

/// The answer to a payer's query for documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueryAnswerForm {
    pub correlation_id: String,
    pub text: String,
    pub attachments: Vec<AttachmentForm>,
}

/// A TPA's or payer's decision on one incoming item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ItemDecision {
    pub sequence: u32,
    pub approved: Amount,
    pub reason: Option<String>,
}

/// A TPA's or payer's answer to an incoming request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DecisionForm {
    pub correlation_id: String,
    /// `approve`, `partial` (item amounts below) or `reject`: final answers. `pending`: an
    /// interim answer (`response.partial`); decide again later.
    pub outcome: String,
    pub items: Vec<ItemDecision>,
    pub reasons: Vec<String>,
    pub note: Option<String>,
}

/// Where a sent message went: its correlation id and the gateway's acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SendReceipt {
    pub correlation_id: String,
    pub api_call_id: String,
    pub workflow_id: Option<String>,
    /// `queued` (waiting in the outbox) or `acknowledged`.
    pub state: String,
}

/// Key and certificate status of a profile. Only public facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyStatus {
    pub backend: String,
    pub has_private_key: bool,
    pub fingerprint: Option<String>,
    pub certificate_expires_at: Option<UtcTime>,
    pub has_previous_key: bool,
}

/// One preflight check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PreflightCheck {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

/// What the inspector shows for a pasted JWE or callback body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InspectView {
    pub protected: Option<serde_json::Value>,
    pub payload: Option<serde_json::Value>,
    pub alg: Option<String>,
    pub errors: Vec<String>,
    pub summary: Option<serde_json::Value>,
}

/// Sent to the UI in one batch when messages arrive or change, so a burst of callbacks causes
/// one repaint rather than hundreds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MessagesChanged {
    pub correlation_ids: Vec<String>,
    /// How many of them are new incoming messages (for the notification).
    pub incoming: u32,
}

// ------------------------------------------------------------------------------ onboarding
//
// Issue 8: certification, registration by role, the operator's answers, credentials and the
// go-live checklist. Application forms travel as the JSON of `hcx_onboard::registration::
// Application` (`{kind, common: {...}, details: {...}}`) because their shape depends on the
// kind; the UI renders them from `FieldView`s, whose `path`s address that JSON.

/// One scenario of a certification run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScenarioView {
    /// Stable name, e.g. `preauth.partial_approval`.
    pub name: String,
    pub passed: bool,
    /// `passed` or `failed`.
    pub outcome: String,
    /// What was observed (or what went wrong).
    pub detail: String,
    /// `x-hcx-api_call_id`s of the scenario's messages, in order.
    pub api_call_ids: Vec<String>,
}

/// A profile's sandbox certificate and the run that earned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CertificationView {
    pub profile_id: String,
    pub participant_code: String,
    pub role: String,
    pub protocol_version: String,
    /// The sandbox that countersigned it (its HCX code).
    pub sandbox: String,
    /// `valid`, `expired` or `refused` (see `reasons`).
    pub state: String,
    /// Why it is not valid, in plain words (empty when valid).
    pub reasons: Vec<String>,
    pub issued_at: UtcTime,
    pub expires_at: UtcTime,
    pub scenarios: Vec<ScenarioView>,
    /// The certificate itself (a signed, public document; compact JWS).
    pub certificate: String,
}

/// One field of a registration form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FieldView {
    /// Dotted path into the application JSON, e.g. `details.system_admin.mobile`.
    pub path: String,
    pub label: String,
    /// Input kind (`text`, `long_text`, `email`, `mobile`, `pincode`, `gstn`,
    /// `hfr_facility_id`, `rohini_id`, `document`, `role`, `future_date`, `acknowledgement`,
    /// ...); it also names the format check.
    pub kind: String,
    pub required: bool,
    /// Required only when registering as this role (e.g. the HPR id for practitioners).
    pub required_for_role: Option<String>,
    pub help: String,
    /// Filled by the console on submit (certificate, callback address, sandbox certificate);
    /// shown read-only.
    pub automatic: bool,
}

/// One kind of registrant ("I am registering a …") and its form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RegistrationKindView {
    /// `payer`, `state_scheme`, `corporate`, `tpa`, `intermediary`, `abdm_provider`,
    /// `rohini_provider`, `unregistered_provider`, `regulator`, `bsp`.
    pub kind: String,
    pub label: String,
    /// HCX roles this kind may register as.
    pub roles: Vec<String>,
    /// How the operator verifies it, in one sentence.
    pub verification: String,
    pub fields: Vec<FieldView>,
}

/// The registration draft of a (sandbox) profile: kept across restarts until submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RegistrationDraftView {
    /// The certified profile the application is made from.
    pub profile_id: String,
    pub kind: String,
    /// The application JSON (`{kind, common, details}`).
    #[ts(type = "Record<string, unknown>")]
    pub application: serde_json::Value,
    pub saved_at: UtcTime,
    /// Problems with it as it stands (the automatic fields are not counted as missing).
    pub findings: Vec<FindingView>,
}

/// One step of an application's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ApplicationEvent {
    pub at: UtcTime,
    pub state: String,
    pub note: String,
}

/// A submitted application, as its applicant sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ApplicationView {
    /// The production profile the application belongs to.
    pub profile_id: String,
    pub application_id: String,
    pub kind: String,
    pub participant_name: String,
    /// `submitted`, `verifying`, `awaiting_otp`, `awaiting_payer_approval`, `manual_review`,
    /// `approved`, `rejected`.
    pub state: String,
    /// The payer or scheme whose approval is awaited.
    pub awaiting_payer: Option<String>,
    /// The production participant code, once approved.
    pub participant_code: Option<String>,
    /// Why it was rejected.
    pub reasons: Vec<String>,
    /// Where the OTP went, masked.
    pub otp_sent_to: Option<String>,
    /// `not_yet`, `ready` (fetch them now, once) or `issued`.
    pub credentials: String,
    pub history: Vec<ApplicationEvent>,
    pub submitted_at: UtcTime,
}

/// An empanelment approval request in a payer's own console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ApprovalView {
    pub application_id: String,
    pub facility_name: String,
    pub licence_number: String,
    pub address: String,
    pub manager: String,
    /// What the facility says about its empanelment (scheme, reference, dates), one line.
    pub empanelment: String,
    /// Title, type, size and SHA-256 of the empanelment proof, one line.
    pub proof: Option<String>,
    /// The application's state (`awaiting_payer_approval`, `approved`, `rejected`).
    pub state: String,
    pub reasons: Vec<String>,
    pub submitted_at: UtcTime,
}

/// One line of the go-live checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChecklistItemView {
    /// `certificate_valid`, `registration_approved`, `preflight_green`, `staff_trained`,
    /// `pilot_list_set`.
    pub id: String,
    pub title: String,
    /// `done`, `pending` or `blocked`.
    pub status: String,
    pub detail: String,
}

/// Go-live readiness of a profile: the checklist, pilot mode and where onboarding stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GoLiveView {
    pub profile_id: String,
    pub environment: Environment,
    pub items: Vec<ChecklistItemView>,
    /// Every item done.
    pub ready: bool,
    pub pilot_enabled: bool,
    pub pilot_counterparties: Vec<String>,
    pub staff_trained_by: Option<String>,
    pub staff_trained_at: Option<UtcTime>,
    /// When the production credentials went into the keychain (never the secret itself).
    pub credentials_stored_at: Option<UtcTime>,
    /// The application, when this profile was made by onboarding.
    pub application: Option<ApplicationView>,
}

/// What "report a compromise" did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CompromiseView {
    pub profile_id: String,
    /// A new key pair was generated and its certificate registered.
    pub key_rotated: bool,
    /// The registry now serves the new certificate.
    pub certificate_updated: bool,
    /// The new secret went into the keychain at this time.
    pub secret_rotated_at: UtcTime,
    /// SHA-256 fingerprint of the new certificate.
    pub fingerprint: String,
}

/// A message the sandbox operator "sent" (SMS or e-mail; shown only on a sandbox).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OperatorMessageView {
    pub at: UtcTime,
    pub application_id: String,
    pub channel: String,
    pub to: String,
    pub text: String,
}

/// Where a (sandbox) profile stands on the way to production.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OnboardingView {
    pub profile_id: String,
    pub certification: Option<CertificationView>,
    pub draft: Option<RegistrationDraftView>,
    /// Production profiles made from this profile's applications, newest first.
    pub production: Vec<GoLiveView>,
}
