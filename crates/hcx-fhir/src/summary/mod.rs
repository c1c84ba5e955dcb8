//! Summaries of any bundle or resource for the UI and the CLI: who, which policy, how much was
//! asked, approved and paid, what was decided and why, what documents are asked for or attached.
//!
//! Reads raw JSON leniently (our bundles, payers' bundles, the older HCX `document` bundles with a
//! Composition, bare resources). When it has to guess — a reference that points outside the bundle,
//! a payer amount without a currency — it says so in `remarks` rather than guessing silently.
//!
//! The summary is the UI's view of a payload, so its JSON follows the IPC rules rather than FHIR's:
//! every decimal (money, quantities, percentages) is a string with its scale (`"52501.50"`),
//! because a JSON number becomes a float in the webview. The FHIR types keep JSON numbers. Keys
//! that are empty are left out; with the `ts` feature, ts-rs writes the matching TypeScript
//! (`?` on exactly those keys) to `ui/src/bindings/fhir/`. ts-rs's `optional = nullable` on a
//! field that is not an `Option` only adds the `?`.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

mod parties;
mod read;
mod unreadable;

pub use read::{summarize, summarize_checked};
pub use unreadable::Unreadable;

/// Everything a billing clerk wants to know about one message.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// What this is, in words: "Preauthorisation request", "Claim response", "Payment notice".
    pub kind: String,
    /// How it is packaged.
    pub format: Format,
    /// The resource the message is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focal: Option<FocalRef>,
    /// The patient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<PersonSummary>,
    /// The policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicySummary>,
    /// The insurer or TPA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer: Option<OrgSummary>,
    /// The hospital.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<OrgSummary>,
    /// The claim this is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<ClaimInfo>,
    /// Requested, approved and paid amounts.
    pub amounts: Amounts,
    /// The payer's decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Diagnoses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub diagnoses: Vec<CodeSummary>,
    /// Billed items with their adjudication.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub items: Vec<ItemSummary>,
    /// Eligibility details (requests and answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<EligibilitySummary>,
    /// Payment details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentSummary>,
    /// Documents or information the payer asks for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub documents_requested: Vec<String>,
    /// Text sent in a Communication.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub messages: Vec<String>,
    /// Files carried in the message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub attachments: Vec<AttachmentSummary>,
    /// Things the reader noticed or had to assume (unresolved references, mismatched totals).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub remarks: Vec<String>,
}

/// Packaging of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/"))]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// An NHCX/NRCeS `collection` bundle.
    NhcxCollection,
    /// The older HCX `document` bundle with a Composition.
    HcxDocument,
    /// Some other bundle.
    OtherBundle,
    /// A single resource, not in a bundle.
    Resource,
    /// Not a FHIR resource.
    #[default]
    Unknown,
}

/// The focal resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct FocalRef {
    /// Its type.
    pub resource_type: String,
    /// Its id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// An identifier as shown to a person.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct IdSummary {
    /// What kind, as coded (`HIN`, `NPI`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// What kind, in words ("ABHA number", "HFR id"), when the code is one we know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The value.
    pub value: String,
    /// The namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
}

/// A patient or doctor.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct PersonSummary {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Gender code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Date of birth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// Identifiers (ABHA, PMJAY, MRN).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub identifiers: Vec<IdSummary>,
}

/// An organisation.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct OrgSummary {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Identifiers (HFR, ROHINI, payer id).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub identifiers: Vec<IdSummary>,
}

/// The policy.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct PolicySummary {
    /// Policy number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Member / subscriber id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    /// Status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Cover start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// Cover end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
}

/// The claim.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct ClaimInfo {
    /// Claim number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// preauthorization, claim or predetermination.
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// Claim type in words.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Admission (billable period start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admitted: Option<String>,
    /// Discharge (billable period end).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discharged: Option<String>,
    /// Links to earlier claims ("enhancement of CLM-1").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub related: Vec<String>,
    /// Preauthorisation references quoted on the claim.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub pre_auth_refs: Vec<String>,
}

/// An amount of money.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct Amount {
    /// Exact value.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub value: Decimal,
    /// Currency (`INR`).
    pub currency: String,
    /// True when the sender gave no currency and INR was assumed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub currency_assumed: bool,
}

/// The money of a message.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct Amounts {
    /// Asked for (claim total, or the payer's `submitted` total).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested: Option<Amount>,
    /// Eligible under the policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligible: Option<Amount>,
    /// Patient's share.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copay: Option<Amount>,
    /// Approved (the payer's `benefit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved: Option<Amount>,
    /// Paid or to be paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid: Option<Amount>,
}

/// The payer's decision.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// In words: approved, partially approved, queried, rejected, pending, error; for eligibility
    /// answers: in force, not in force.
    pub status: String,
    /// FHIR outcome (queued, complete, error, partial).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The payer's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposition: Option<String>,
    /// Preauthorisation reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_auth_ref: Option<String>,
    /// Preauthorisation validity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_auth_period: Option<String>,
    /// Why (adjudication reasons, error codes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub reasons: Vec<String>,
    /// The payer's notes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub notes: Vec<String>,
}

/// A code with its meaning.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct CodeSummary {
    /// Code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Meaning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Code system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
}

/// One adjudication line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct AdjudicationSummary {
    /// submitted, eligible, copay, benefit, eligpercent, ...
    pub category: String,
    /// Amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// Non-money value (a percentage).
    #[serde(skip_serializing_if = "Option::is_none", with = "rust_decimal::serde::str_option")]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    pub value: Option<Decimal>,
    /// Reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One billed item.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct ItemSummary {
    /// Item number.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
    pub sequence: Option<u64>,
    /// Package / service code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Quantity.
    #[serde(skip_serializing_if = "Option::is_none", with = "rust_decimal::serde::str_option")]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    pub quantity: Option<Decimal>,
    /// Unit price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Amount>,
    /// Net (quantity × unit price).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net: Option<Amount>,
    /// The payer's adjudication of this item.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub adjudication: Vec<AdjudicationSummary>,
}

/// A benefit in an eligibility answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct BenefitSummary {
    /// Category ("Health Benefit Plan Coverage", "Maternity").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Benefit type ("benefit", "copay-percent", "room").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Allowed amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Amount>,
    /// Used amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used: Option<Amount>,
    /// Allowed as text or count (`shared`, `20`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_text: Option<String>,
    /// Term (annual, per day).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    /// Not covered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded: Option<bool>,
    /// Needs preauthorisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_required: Option<bool>,
}

/// Eligibility details.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct EligibilitySummary {
    /// What was asked (validation, benefits, discovery, auth-requirements).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub purposes: Vec<String>,
    /// In force (answers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inforce: Option<bool>,
    /// Services asked about (requests).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub services: Vec<String>,
    /// Benefits (answers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub benefits: Vec<BenefitSummary>,
}

/// One part of a payment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct PaymentPart {
    /// Kind (payment, TDS, advance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// Date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// Payment details.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct PaymentSummary {
    /// Payment date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Bank reference (UTR).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Status (paid, cleared).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Parts (payment, TDS, advance).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub parts: Vec<PaymentPart>,
}

/// A file carried in the message.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "fhir/", optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct AttachmentSummary {
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Content type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Size in bytes (measured from the data when present, else as declared).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
    pub size: Option<u64>,
    /// The hash as declared (`Attachment.hash`, base64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// SHA-256 (hex) of the data, computed here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Whether the declared size and hash agree with the data (`None` when there is nothing to
    /// compare).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Link, when the file is not inline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where it sits (`Claim.supportingInfo[0].valueAttachment`).
    pub path: String,
}

impl Summary {
    /// The summary as JSON (decimals as strings that keep their digits).
    pub fn to_value(&self) -> serde_json::Result<Value> {
        serde_json::to_value(self)
    }
}
