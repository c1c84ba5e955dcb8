//! Plain input structs: what a billing form gives. The UI sends them as JSON (camelCase), the
//! builders turn them into NRCeS bundles.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::types::Attachment;

/// Patient's administrative gender (FHIR's required value set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    /// male
    Male,
    /// female
    Female,
    /// other
    Other,
    /// unknown
    Unknown,
}

impl Gender {
    /// The FHIR code.
    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
            Gender::Other => "other",
            Gender::Unknown => "unknown",
        }
    }
}

/// The patient as the registration desk knows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatientInput {
    /// Full name as printed on the policy.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Date of birth.
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    /// 14-digit ABHA number (`HIN`), with or without hyphens.
    #[serde(default)]
    pub abha_number: Option<String>,
    /// ABHA address (`name@abdm`, code `ABHA`).
    #[serde(default)]
    pub abha_address: Option<String>,
    /// PMJAY beneficiary id.
    #[serde(default)]
    pub pmjay_id: Option<String>,
    /// Hospital medical record number.
    #[serde(default)]
    pub mrn: Option<String>,
    /// Mobile number.
    #[serde(default)]
    pub phone: Option<String>,
}

/// The hospital (provider).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderInput {
    /// HFR facility id; must equal the registry id the hospital is registered with on NHCX.
    pub hfr_id: String,
    /// Facility name.
    pub name: String,
    /// ROHINI id, if any.
    #[serde(default)]
    pub rohini_id: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
}

/// The insurer or TPA (payer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayerInput {
    /// Payer id (IRDAI / NHCX participant code).
    pub code: String,
    /// Payer name.
    pub name: String,
    /// Namespace of `code`; defaults to IRDAI registration numbers.
    #[serde(default)]
    pub id_system: Option<String>,
}

/// The treating doctor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PractitionerInput {
    /// Name.
    pub name: String,
    /// HPR id (PMJAY rejects a claim without it, PAYR-1083).
    pub hpr_id: String,
}

/// The policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyInput {
    /// Policy number.
    pub policy_number: String,
    /// The payer's URI for its policy numbers, if it publishes one.
    #[serde(default)]
    pub policy_system: Option<String>,
    /// Plan or product name.
    #[serde(default)]
    pub plan: Option<String>,
    /// Member / subscriber id printed on the card.
    #[serde(default)]
    pub member_id: Option<String>,
    /// Cover start.
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// Cover end.
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
}

/// A code as a form holds it; `system` defaults per use (see each field's docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeInput {
    /// Code system URL; `None` takes the default of the field.
    #[serde(default)]
    pub system: Option<String>,
    /// The code.
    pub code: String,
    /// What the code means, in words (NRCeS requires a display on every coding).
    pub display: String,
}

impl CodeInput {
    /// A code with the field's default system.
    pub fn new(code: &str, display: &str) -> Self {
        CodeInput { system: None, code: code.to_owned(), display: display.to_owned() }
    }

    /// A code in an explicit system.
    pub fn in_system(system: &str, code: &str, display: &str) -> Self {
        CodeInput {
            system: Some(system.to_owned()),
            code: code.to_owned(),
            display: display.to_owned(),
        }
    }
}

/// Whether a diagnosis is provisional (preauth) or final (claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DiagnosisKind {
    /// Preliminary (SNOMED 148006).
    Provisional,
    /// Final / discharge (SNOMED 89100005).
    Final,
}

/// One diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosisInput {
    /// WHO ICD-10 code (`A97.0`).
    pub icd10_code: String,
    /// Its description.
    pub description: String,
    /// Provisional or final.
    pub kind: DiagnosisKind,
}

/// One procedure. NRCeS fixes `Procedure.code` to SNOMED CT; a code in another system (a PMJAY
/// package code) goes into `Claim.procedure.procedureCodeableConcept` instead of a Procedure
/// resource (fhir-payloads.md §9 P13).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcedureInput {
    /// Code; system defaults to SNOMED CT.
    pub code: CodeInput,
    /// When it was (or will be) done.
    #[serde(default)]
    pub date: Option<NaiveDate>,
}

/// One billable line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemInput {
    /// Package / service / drug code; system defaults to NRCeS `ndhm-productorservice`. Copy PMJAY
    /// package codings verbatim from the payer's InsurancePlan.
    pub product: CodeInput,
    /// Specialty / benefit category; system defaults to NRCeS `ndhm-benefitcategory`.
    #[serde(default)]
    pub category: Option<CodeInput>,
    /// Quantity (days, units); must be positive.
    pub quantity: Decimal,
    /// Unit price in INR; must not be negative.
    pub unit_price: Decimal,
    /// Date of service; defaults to the encounter's dates.
    #[serde(default)]
    pub service_date: Option<NaiveDate>,
}

/// Kind of stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EncounterKind {
    /// Admitted.
    Inpatient,
    /// Outpatient visit.
    Outpatient,
    /// Emergency.
    Emergency,
    /// Day care.
    DayCare,
}

/// The stay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EncounterInput {
    /// Kind of stay.
    pub kind: EncounterKind,
    /// Admission (or visit) time.
    pub admitted: DateTime<Utc>,
    /// Discharge time (actual for a claim, expected for a preauth).
    #[serde(default)]
    pub discharged: Option<DateTime<Utc>>,
}

/// Type of claim (NRCeS `ndhm-claim-type`, SNOMED CT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ClaimType {
    /// 737481003 Inpatient care management.
    Inpatient,
    /// 737492002 Outpatient care management.
    Outpatient,
    /// 737850002 Day care case management.
    DayCare,
}

/// What the bundle asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ClaimUse {
    /// Approval before treatment.
    Preauthorization,
    /// Payment after treatment.
    Claim,
    /// Estimate of what the policy would pay.
    Predetermination,
}

impl ClaimUse {
    /// The FHIR code.
    pub fn code(self) -> &'static str {
        match self {
            ClaimUse::Preauthorization => "preauthorization",
            ClaimUse::Claim => "claim",
            ClaimUse::Predetermination => "predetermination",
        }
    }
}

/// How this claim relates to an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RelatedKind {
    /// Raising an approved preauthorisation (NRCeS `enhancement`).
    Enhancement,
    /// The final claim after a preauthorisation (NRCeS `settlement`).
    Settlement,
    /// The same claim sent again after a query or rejection (HL7 `prior`).
    Resubmission,
}

/// The earlier claim, by its claim number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedClaimInput {
    /// Relationship.
    pub kind: RelatedKind,
    /// The earlier claim's number.
    pub claim_number: String,
}

/// How a document travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DocumentCarrier {
    /// Inline `supportingInfo.valueAttachment` (scanned documents).
    #[default]
    Inline,
    /// A `DocumentReference` entry referenced from `supportingInfo.valueReference`.
    DocumentReference,
}

/// A supporting document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentInput {
    /// Category (`POI`, `HDS`, `INV`, ...); system defaults to `ndhm-supportinginfo-category`.
    pub category: CodeInput,
    /// Requirement code (`MAND0409`, ...); system defaults to `ndhm-supportinginfo-code`.
    pub code: CodeInput,
    /// The encoded document (see [`crate::AttachmentBuilder`]).
    pub attachment: Attachment,
    /// Inline or as a DocumentReference.
    #[serde(default)]
    pub carrier: DocumentCarrier,
}

/// A Claim bundle: preauthorisation, claim or predetermination, including enhancements and
/// resubmissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimInput {
    /// The hospital's claim number (`CLN`); stays the same across queries and resubmissions.
    pub claim_number: String,
    /// URI of the hospital's claim numbers, if it has one.
    #[serde(default)]
    pub claim_number_system: Option<String>,
    /// Preauthorisation, claim or predetermination.
    #[serde(rename = "use")]
    pub use_: ClaimUse,
    /// Inpatient, outpatient or day care.
    pub claim_type: ClaimType,
    /// Patient.
    pub patient: PatientInput,
    /// Policy.
    pub policy: PolicyInput,
    /// Payer.
    pub payer: PayerInput,
    /// Hospital.
    pub provider: ProviderInput,
    /// Treating doctor.
    #[serde(default)]
    pub practitioner: Option<PractitionerInput>,
    /// Stay.
    #[serde(default)]
    pub encounter: Option<EncounterInput>,
    /// At least one diagnosis (NRCeS `Claim.diagnosis` 1..*).
    pub diagnoses: Vec<DiagnosisInput>,
    /// Procedures.
    #[serde(default)]
    pub procedures: Vec<ProcedureInput>,
    /// At least one billable line.
    pub items: Vec<ItemInput>,
    /// Supporting documents.
    #[serde(default)]
    pub documents: Vec<DocumentInput>,
    /// Link to an earlier claim (enhancement, settlement, resubmission).
    #[serde(default)]
    pub related: Option<RelatedClaimInput>,
    /// The payer's preauthorisation reference, on the final claim.
    #[serde(default)]
    pub pre_auth_ref: Option<String>,
}

/// Eligibility purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EligibilityPurpose {
    /// Does this service need approval?
    AuthRequirements,
    /// What does the policy cover?
    Benefits,
    /// Which policies does the patient have?
    Discovery,
    /// Is the policy in force?
    Validation,
}

impl EligibilityPurpose {
    /// The FHIR code.
    pub fn code(self) -> &'static str {
        match self {
            EligibilityPurpose::AuthRequirements => "auth-requirements",
            EligibilityPurpose::Benefits => "benefits",
            EligibilityPurpose::Discovery => "discovery",
            EligibilityPurpose::Validation => "validation",
        }
    }
}

/// One service asked about in an eligibility check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EligibilityItemInput {
    /// Package / service; system defaults to `ndhm-productorservice`.
    pub product: CodeInput,
    /// Category; system defaults to `ndhm-benefitcategory`.
    #[serde(default)]
    pub category: Option<CodeInput>,
    /// Diagnoses behind it.
    #[serde(default)]
    pub diagnoses: Vec<DiagnosisInput>,
}

/// A CoverageEligibilityRequest bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EligibilityRequestInput {
    /// The hospital's reference for this check.
    pub request_number: String,
    /// Purposes (at least one).
    pub purposes: Vec<EligibilityPurpose>,
    /// Patient.
    pub patient: PatientInput,
    /// Policy.
    pub policy: PolicyInput,
    /// Payer.
    pub payer: PayerInput,
    /// Hospital.
    pub provider: ProviderInput,
    /// Who enters the request (NRCeS `enterer` 1..1).
    pub practitioner: PractitionerInput,
    /// Planned service start.
    #[serde(default)]
    pub service_from: Option<NaiveDate>,
    /// Planned service end.
    #[serde(default)]
    pub service_to: Option<NaiveDate>,
    /// Services asked about (PMJAY wants at least one, PAYR-1033).
    #[serde(default)]
    pub items: Vec<EligibilityItemInput>,
}

/// One benefit in an eligibility answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BenefitInput {
    /// Benefit type (`benefit`, `copay-percent`, ...); system defaults to HL7 `benefit-type`.
    pub kind: CodeInput,
    /// Amount allowed (remaining), INR.
    #[serde(default)]
    pub allowed: Option<Decimal>,
    /// Amount used, INR.
    #[serde(default)]
    pub used: Option<Decimal>,
}

/// One covered category in an eligibility answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoverageItemInput {
    /// Category; system defaults to HL7 `ex-benefitcategory`.
    #[serde(default)]
    pub category: Option<CodeInput>,
    /// The service the answer is about (NRCeS requires it on every item); system defaults to
    /// `ndhm-productorservice`.
    pub product: CodeInput,
    /// Not covered.
    #[serde(default)]
    pub excluded: bool,
    /// Needs preauthorisation.
    #[serde(default)]
    pub authorization_required: bool,
    /// Documents the payer will want; system defaults to `ndhm-supportinginfo-code`.
    #[serde(default)]
    pub documents_required: Vec<CodeInput>,
    /// Money limits.
    #[serde(default)]
    pub benefits: Vec<BenefitInput>,
}

/// A CoverageEligibilityResponse bundle (the payer's side; the sandbox payer uses it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EligibilityResponseInput {
    /// The hospital's request number being answered.
    pub request_number: String,
    /// Purposes answered.
    pub purposes: Vec<EligibilityPurpose>,
    /// Patient.
    pub patient: PatientInput,
    /// Policy.
    pub policy: PolicyInput,
    /// Payer.
    pub payer: PayerInput,
    /// Hospital.
    pub provider: ProviderInput,
    /// Is the policy in force?
    pub inforce: bool,
    /// Plain-language answer ("Policy is currently in force").
    #[serde(default)]
    pub disposition: Option<String>,
    /// Covered categories.
    #[serde(default)]
    pub items: Vec<CoverageItemInput>,
}

/// The payer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DecisionInput {
    /// Everything asked for (outcome `complete`).
    Approved,
    /// Part of it (outcome `partial`).
    PartiallyApproved,
    /// Nothing (outcome `complete`, benefit 0).
    Rejected,
    /// Still processing (outcome `queued`).
    Pending,
}

/// The payer's adjudication of one claim item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdjudicatedItemInput {
    /// `Claim.item.sequence` being answered.
    pub item_sequence: u32,
    /// Amount asked for.
    pub submitted: Decimal,
    /// Amount eligible under the policy.
    pub eligible: Decimal,
    /// Patient's share.
    #[serde(default)]
    pub copay: Option<Decimal>,
    /// Amount the payer will pay.
    pub benefit: Decimal,
    /// Why it was reduced or refused; system defaults to HL7 `adjudication-reason`.
    #[serde(default)]
    pub reason: Option<CodeInput>,
}

/// Payment details in a ClaimResponse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponsePaymentInput {
    /// Expected or actual payment date.
    pub date: NaiveDate,
    /// Amount, INR.
    pub amount: Decimal,
    /// Bank reference, if paid.
    #[serde(default)]
    pub reference: Option<String>,
}

/// A ClaimResponse bundle (the payer's side; the sandbox payer uses it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimResponseInput {
    /// The hospital's claim number being answered.
    pub claim_number: String,
    /// URI of the hospital's claim numbers.
    #[serde(default)]
    pub claim_number_system: Option<String>,
    /// Mirrors the request's use.
    #[serde(rename = "use")]
    pub use_: ClaimUse,
    /// Mirrors the request's type.
    pub claim_type: ClaimType,
    /// Patient.
    pub patient: PatientInput,
    /// Policy.
    pub policy: PolicyInput,
    /// Payer.
    pub payer: PayerInput,
    /// Hospital.
    pub provider: ProviderInput,
    /// Decision.
    pub decision: DecisionInput,
    /// Decision in words.
    #[serde(default)]
    pub disposition: Option<String>,
    /// Preauthorisation reference (preauth only).
    #[serde(default)]
    pub pre_auth_ref: Option<String>,
    /// Item-level adjudication.
    #[serde(default)]
    pub items: Vec<AdjudicatedItemInput>,
    /// Notes to the hospital.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Payment, if decided.
    #[serde(default)]
    pub payment: Option<ResponsePaymentInput>,
    /// Why the request could not be processed or was refused, in words, one per problem
    /// (`ClaimResponse.error[].code.text`); blank entries are dropped.
    #[serde(default)]
    pub errors: Vec<String>,
}

/// The payer's request for documents or information about a claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationRequestInput {
    /// The payer's reference for this query.
    pub request_number: String,
    /// The claim asked about.
    pub claim_number: String,
    /// Patient.
    pub patient: PatientInput,
    /// Payer (sender).
    pub payer: PayerInput,
    /// Hospital (recipient).
    pub provider: ProviderInput,
    /// One entry per document or question.
    pub asks: Vec<String>,
}

/// The hospital's answer to a CommunicationRequest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationInput {
    /// The hospital's reference for this answer.
    pub communication_number: String,
    /// The payer's query being answered.
    pub request_number: String,
    /// The claim.
    pub claim_number: String,
    /// Patient.
    pub patient: PatientInput,
    /// Payer (recipient).
    pub payer: PayerInput,
    /// Hospital (sender).
    pub provider: ProviderInput,
    /// A message in words.
    #[serde(default)]
    pub message: Option<String>,
    /// The documents (see [`crate::AttachmentBuilder`]).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// The hospital's acknowledgement of a payment notice (`paymentnotice/on_request`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentAckInput {
    /// The hospital's reference for this acknowledgement.
    pub ack_number: String,
    /// The payer's notice number being acknowledged.
    pub notice_number: String,
    /// Payer (recipient of the acknowledgement).
    pub payer: PayerInput,
    /// Hospital (sender).
    pub provider: ProviderInput,
}

/// The payer's payment notice (with its reconciliation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentNoticeInput {
    /// The payer's reference for this notice.
    pub notice_number: String,
    /// The claim paid.
    pub claim_number: String,
    /// Payer.
    pub payer: PayerInput,
    /// Hospital.
    pub provider: ProviderInput,
    /// Net amount transferred, INR.
    pub amount: Decimal,
    /// Tax deducted at source, INR (net + TDS = approved amount).
    #[serde(default)]
    pub tds: Option<Decimal>,
    /// Date of transfer.
    pub payment_date: NaiveDate,
    /// Bank transaction reference (UTR).
    pub utr: String,
}
