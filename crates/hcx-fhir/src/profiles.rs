//! Canonical URLs: NRCeS profiles, code systems and identifier systems.
//!
//! One place for every URL we emit or check, so the builders and the checker cannot drift apart
//! (fhir-payloads.md §9 P6: peers lose claims to `http://` vs `https://` and page URLs).

/// Base of every NRCeS (`ndhm.in` 6.5.0) StructureDefinition.
pub const NRCES_SD_BASE: &str = "https://nrces.in/ndhm/fhir/r4/StructureDefinition/";
/// Base of every NRCeS CodeSystem.
pub const NRCES_CS_BASE: &str = "https://nrces.in/ndhm/fhir/r4/CodeSystem/";
/// Base of every NRCeS ValueSet (never valid as `Coding.system`).
pub const NRCES_VS_BASE: &str = "https://nrces.in/ndhm/fhir/r4/ValueSet/";
/// Base of HL7's terminology CodeSystems.
pub const HL7_CS_BASE: &str = "http://terminology.hl7.org/CodeSystem/";

/// Resource types that carry an NRCeS profile of the same name.
pub const NRCES_PROFILED_TYPES: &[&str] = &[
    "Claim",
    "ClaimResponse",
    "CoverageEligibilityRequest",
    "CoverageEligibilityResponse",
    "Coverage",
    "InsurancePlan",
    "Task",
    "CommunicationRequest",
    "Communication",
    "PaymentNotice",
    "PaymentReconciliation",
    "Patient",
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Condition",
    "Procedure",
    "DocumentReference",
    "MedicationRequest",
    "Encounter",
    "QuestionnaireResponse",
    "Binary",
    "Location",
];

/// The NRCeS profile canonical for a resource type, if NRCeS profiles it.
pub fn resource_profile(resource_type: &str) -> Option<String> {
    NRCES_PROFILED_TYPES.contains(&resource_type).then(|| format!("{NRCES_SD_BASE}{resource_type}"))
}

/// The NRCeS bundle profiles (fhir-payloads.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum BundleProfile {
    /// Claim (preauth, predetermination, claim).
    ClaimBundle,
    /// The payer's answer to a ClaimBundle.
    ClaimResponseBundle,
    /// Eligibility check.
    CoverageEligibilityRequestBundle,
    /// Eligibility answer.
    CoverageEligibilityResponseBundle,
    /// Communication, payment notice, reprocess, search.
    TaskBundle,
    /// Policy / package master.
    InsurancePlanBundle,
}

impl BundleProfile {
    /// Name as used in the canonical URL.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClaimBundle => "ClaimBundle",
            Self::ClaimResponseBundle => "ClaimResponseBundle",
            Self::CoverageEligibilityRequestBundle => "CoverageEligibilityRequestBundle",
            Self::CoverageEligibilityResponseBundle => "CoverageEligibilityResponseBundle",
            Self::TaskBundle => "TaskBundle",
            Self::InsurancePlanBundle => "InsurancePlanBundle",
        }
    }

    /// Canonical URL.
    pub fn url(self) -> String {
        format!("{NRCES_SD_BASE}{}", self.name())
    }

    /// The resource type of the focal entry.
    pub fn focal_type(self) -> &'static str {
        match self {
            Self::ClaimBundle => "Claim",
            Self::ClaimResponseBundle => "ClaimResponse",
            Self::CoverageEligibilityRequestBundle => "CoverageEligibilityRequest",
            Self::CoverageEligibilityResponseBundle => "CoverageEligibilityResponse",
            Self::TaskBundle => "Task",
            Self::InsurancePlanBundle => "InsurancePlan",
        }
    }

    /// The bundle profile whose focal entry is this resource type.
    pub fn for_focal(resource_type: &str) -> Option<Self> {
        Some(match resource_type {
            "Claim" => Self::ClaimBundle,
            "ClaimResponse" => Self::ClaimResponseBundle,
            "CoverageEligibilityRequest" => Self::CoverageEligibilityRequestBundle,
            "CoverageEligibilityResponse" => Self::CoverageEligibilityResponseBundle,
            "Task" => Self::TaskBundle,
            "InsurancePlan" => Self::InsurancePlanBundle,
            _ => return None,
        })
    }

    /// All of them, for lookups.
    pub const ALL: [BundleProfile; 6] = [
        Self::ClaimBundle,
        Self::ClaimResponseBundle,
        Self::CoverageEligibilityRequestBundle,
        Self::CoverageEligibilityResponseBundle,
        Self::TaskBundle,
        Self::InsurancePlanBundle,
    ];
}

/// Resource types that can be the focal (first) entry of a bundle, in the order we pick one when
/// the first entry is not one of them: a Task wraps everything else, and a response may echo the
/// request it answers.
pub const FOCAL_TYPES: &[&str] = &[
    "Task",
    "ClaimResponse",
    "CoverageEligibilityResponse",
    "Claim",
    "CoverageEligibilityRequest",
    "InsurancePlan",
    "CommunicationRequest",
    "Communication",
    "PaymentNotice",
    "PaymentReconciliation",
];

/// Code systems (canonical `Coding.system` values).
pub mod cs {
    /// SNOMED CT.
    pub const SNOMED: &str = "http://snomed.info/sct";
    /// WHO ICD-10 (not ICD-10-CM).
    pub const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";
    /// LOINC.
    pub const LOINC: &str = "http://loinc.org";
    /// UCUM units.
    pub const UCUM: &str = "http://unitsofmeasure.org";
    /// HL7 v2 table 0203 identifier types.
    pub const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
    /// HL7 organization types.
    pub const ORGANIZATION_TYPE: &str = "http://terminology.hl7.org/CodeSystem/organization-type";
    /// Process priority.
    pub const PROCESS_PRIORITY: &str = "http://terminology.hl7.org/CodeSystem/processpriority";
    /// Adjudication categories.
    pub const ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
    /// Adjudication reasons (HL7 example set).
    pub const ADJUDICATION_REASON: &str =
        "http://terminology.hl7.org/CodeSystem/adjudication-reason";
    /// Payment type (complete/partial) on ClaimResponse.payment.
    pub const EX_PAYMENT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/ex-paymenttype";
    /// Payment type on PaymentReconciliation.detail (HL7).
    pub const PAYMENT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/payment-type";
    /// Payment status.
    pub const PAYMENT_STATUS: &str = "http://terminology.hl7.org/CodeSystem/paymentstatus";
    /// Payee type.
    pub const PAYEE_TYPE: &str = "http://terminology.hl7.org/CodeSystem/payeetype";
    /// Related claim relationship (HL7 example: prior, associated).
    pub const EX_RELATED_CLAIM: &str =
        "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship";
    /// Claim sub type (emergency, ...).
    pub const EX_CLAIM_SUBTYPE: &str = "http://terminology.hl7.org/CodeSystem/ex-claimsubtype";
    /// Benefit categories.
    pub const EX_BENEFIT_CATEGORY: &str =
        "http://terminology.hl7.org/CodeSystem/ex-benefitcategory";
    /// Benefit types.
    pub const BENEFIT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/benefit-type";
    /// Coverage class (plan, group, ...).
    pub const COVERAGE_CLASS: &str = "http://terminology.hl7.org/CodeSystem/coverage-class";
    /// Subscriber relationship.
    pub const SUBSCRIBER_RELATIONSHIP: &str =
        "http://terminology.hl7.org/CodeSystem/subscriber-relationship";
    /// v3 ActCode (coverage types, encounter classes).
    pub const V3_ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    /// v3 Confidentiality (meta.security).
    pub const V3_CONFIDENTIALITY: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
    /// Communication category (alert, notification, ...).
    pub const COMMUNICATION_CATEGORY: &str =
        "http://terminology.hl7.org/CodeSystem/communication-category";
    /// Financial task codes (poll, cancel, reprocess, status).
    pub const FINANCIAL_TASK_CODE: &str = "http://terminology.hl7.org/CodeSystem/financialtaskcode";
    /// Financial task input types.
    pub const FINANCIAL_TASK_INPUT_TYPE: &str =
        "http://terminology.hl7.org/CodeSystem/financialtaskinputtype";
    /// Condition clinical status.
    pub const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
    /// Condition category.
    pub const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
    /// Claim type (HL7: institutional, professional, ...), used by legacy HCX bundles.
    pub const CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";
    /// Diagnosis type (admitting, discharge, ...), HL7 example.
    pub const EX_DIAGNOSIS_TYPE: &str = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype";
    /// Claim information category (HL7 example).
    pub const CLAIM_INFORMATION_CATEGORY: &str =
        "http://terminology.hl7.org/CodeSystem/claiminformationcategory";
    /// Care team role (HL7).
    pub const CLAIM_CARE_TEAM_ROLE: &str =
        "http://terminology.hl7.org/CodeSystem/claimcareteamrole";
    /// Coverage self-pay.
    pub const COVERAGE_SELFPAY: &str = "http://terminology.hl7.org/CodeSystem/coverage-selfpay";
    /// v3 ObservationValue (the SUBSETTED tag payers put on echoed entries).
    pub const V3_OBSERVATION_VALUE: &str =
        "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";
    /// Benefit network / unit / term (read in payer answers).
    pub const BENEFIT_NETWORK: &str = "http://terminology.hl7.org/CodeSystem/benefit-network";
    /// Benefit unit.
    pub const BENEFIT_UNIT: &str = "http://terminology.hl7.org/CodeSystem/benefit-unit";
    /// Benefit term.
    pub const BENEFIT_TERM: &str = "http://terminology.hl7.org/CodeSystem/benefit-term";
    /// BCP-47 language tags.
    pub const BCP47: &str = "urn:ietf:bcp:47";
    /// ISO 4217 currencies.
    pub const ISO4217: &str = "urn:iso:std:iso:4217";

    /// NRCeS identifier types (CLN, HIN, ABHA, HPIN, ROHINI, PMJAY, ADN, ...).
    pub const NDHM_IDENTIFIER_TYPE: &str =
        "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code";
    /// NRCeS supportingInfo category.
    pub const NDHM_SUPPORTINGINFO_CATEGORY: &str =
        "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-supportinginfo-category";
    /// NRCeS supportingInfo code.
    pub const NDHM_SUPPORTINGINFO_CODE: &str =
        "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-supportinginfo-code";
    /// NRCeS product or service codes (package / tariff codes when the payer gives no system).
    pub const NDHM_PRODUCT_OR_SERVICE: &str =
        "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-productorservice";
    /// NRCeS benefit category.
    pub const NDHM_BENEFIT_CATEGORY: &str =
        "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-benefitcategory";
    /// NRCeS related-claim relationship (enhancement, settlement).
    pub const NDHM_RELATED_CLAIM: &str =
        "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-related-claim-relationship-code";
    /// NRCeS task codes (deliver, search, status). The sources disagree on the spelling
    /// (fhir-payloads.md §9 P12); NHA's 6.5.0 documents say `ndhm-task-codes`, so we emit that and
    /// the checker accepts both.
    pub const NDHM_TASK_CODES: &str = "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-task-codes";
    /// NRCeS payment type.
    pub const NDHM_PAYMENT_TYPE: &str =
        "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-payment-type";
    /// NRCeS programme code (AB-PMJAY, CGHS, ...).
    pub const NDHM_PROGRAM_CODE: &str =
        "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-program-code";
}

/// NRCeS code system names we accept under [`NRCES_CS_BASE`] (fhir-payloads.md §1.1, plus the
/// systems peers and the NRCeS FSH use). Both task spellings are listed because the sources
/// disagree (§9 P12).
pub const NRCES_CODE_SYSTEMS: &[&str] = &[
    "ndhm-identifier-type-code",
    "ndhm-claim-type",
    "ndhm-supportinginfo-category",
    "ndhm-supportinginfo-code",
    "ndhm-productorservice",
    "ndhm-benefitcategory",
    "ndhm-program-code",
    "ndhm-diagnostic-code",
    "ndhm-diagnostic-type",
    "ndhm-care-team-role",
    "ndhm-care-team-qualification",
    "ndhm-related-claim-relationship-code",
    "ndhm-insuranceplan-type",
    "ndhm-plan-type",
    "ndhm-coverage-type",
    "ndhm-benefit-type",
    "ndhm-payment-type",
    "ndhm-task-code",
    "ndhm-task-codes",
    "ndhm-task-input-type-code",
    "ndhm-task-output-type",
    "ndhm-task-output-value",
    "ndhm-reason-code",
    "ndhm-adjudication-reason",
    "ndhm-billing-codes",
    "ndhm-claim-exclusion",
    "ndhm-form-code",
    "ndhm-price-components",
];

/// Non-NRCeS, non-HL7-terminology systems we accept as canonical.
pub const OTHER_CANONICAL_SYSTEMS: &[&str] = &[
    cs::SNOMED,
    cs::ICD10,
    cs::LOINC,
    cs::UCUM,
    cs::BCP47,
    cs::ISO4217,
    "http://www.nlm.nih.gov/research/umls/rxnorm",
    "http://hl7.org/fhir/sid/icd-11",
];

/// Identifier systems (`Identifier.system`) for the ids an Indian billing desk handles.
pub mod ids {
    /// Health Facility Registry (HFR) facility ids.
    pub const HFR: &str = "https://facility.abdm.gov.in";
    /// Health Professional Registry (HPR) ids.
    pub const HPR: &str = "https://hpr.abdm.gov.in";
    /// ABHA numbers and addresses.
    pub const ABHA: &str = "https://healthid.abdm.gov.in";
    /// ROHINI ids.
    pub const ROHINI: &str = "https://rohini.iib.gov.in/";
    /// PMJAY beneficiary ids.
    pub const PMJAY: &str = "https://bis.pmjay.gov.in";
    /// Aadhaar.
    pub const AADHAAR: &str = "https://uidai.gov.in/";
    /// Default namespace of payer ids (IRDAI registration). NHA's skeleton reuses the HFR system
    /// for the payer, which mislabels it; a payer that publishes its own system is configured
    /// through `PayerInput::id_system`.
    pub const PAYER: &str = "https://irdai.gov.in";
}

/// Element values bound to required value sets in base R4, which no payer can widen.
pub mod codes {
    /// Patient.gender.
    pub const GENDER: &[&str] = &["male", "female", "other", "unknown"];
    /// Claim.status, ClaimResponse.status, Coverage.status, CER/CERsp.status, PaymentNotice.status,
    /// PaymentReconciliation.status (FinancialResourceStatusCodes).
    pub const FINANCIAL_STATUS: &[&str] = &["active", "cancelled", "draft", "entered-in-error"];
    /// Claim.use, ClaimResponse.use.
    pub const CLAIM_USE: &[&str] = &["claim", "preauthorization", "predetermination"];
    /// ClaimResponse.outcome, CoverageEligibilityResponse.outcome, PaymentReconciliation.outcome.
    pub const OUTCOME: &[&str] = &["queued", "complete", "error", "partial"];
    /// CoverageEligibilityRequest.purpose, CoverageEligibilityResponse.purpose.
    pub const ELIGIBILITY_PURPOSE: &[&str] =
        &["auth-requirements", "benefits", "discovery", "validation"];
    /// Bundle.type.
    pub const BUNDLE_TYPE: &[&str] = &[
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    ];
    /// Communication.status, (event status).
    pub const EVENT_STATUS: &[&str] = &[
        "preparation",
        "in-progress",
        "not-done",
        "on-hold",
        "stopped",
        "completed",
        "entered-in-error",
        "unknown",
    ];
    /// CommunicationRequest.status (request status).
    pub const REQUEST_STATUS: &[&str] =
        &["draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"];
    /// Task.status.
    pub const TASK_STATUS: &[&str] = &[
        "draft",
        "requested",
        "received",
        "accepted",
        "rejected",
        "ready",
        "cancelled",
        "in-progress",
        "on-hold",
        "failed",
        "completed",
        "entered-in-error",
    ];
    /// Task.intent.
    pub const TASK_INTENT: &[&str] = &[
        "unknown",
        "proposal",
        "plan",
        "order",
        "original-order",
        "reflex-order",
        "filler-order",
        "instance-order",
        "option",
    ];
    /// DocumentReference.status.
    pub const DOCUMENT_REFERENCE_STATUS: &[&str] = &["current", "superseded", "entered-in-error"];
    /// Encounter.status.
    pub const ENCOUNTER_STATUS: &[&str] = &[
        "planned",
        "arrived",
        "triaged",
        "in-progress",
        "onleave",
        "finished",
        "cancelled",
        "entered-in-error",
        "unknown",
    ];
    /// Communication/CommunicationRequest priority.
    pub const REQUEST_PRIORITY: &[&str] = &["routine", "urgent", "asap", "stat"];
}

/// Attachment content types NHCX payers accept (fhir-payloads.md §2, PMJAY-HMIS guide).
pub const ACCEPTED_CONTENT_TYPES: &[&str] = &[
    "application/pdf",
    "application/jpg",
    "application/jpeg",
    "application/png",
    "image/jpeg",
    "image/jpg",
    "image/png",
    "application/fhir+json",
    "application/json",
];

/// PMJAY's size limit for one document (decoded bytes).
pub const MAX_DOCUMENT_BYTES: u64 = 2 * 1024 * 1024;

/// The only currency an Indian claim is settled in.
pub const INR: &str = "INR";

/// The largest amount anything here reads or writes as real money: 10^13 INR (ten lakh crore,
/// more than the whole country's yearly health insurance premium). A larger amount in a payload
/// is a typo or an attack, and stays far enough below `Decimal::MAX` (about 7.9 × 10^28) that
/// sums of any real number of such amounts cannot overflow.
pub const MAX_AMOUNT: rust_decimal::Decimal =
    rust_decimal::Decimal::from_parts(1_316_134_912, 2_328, 0, false, 0);

/// The deepest nesting of objects and arrays read at all. A real bundle nests about a dozen deep
/// (`Bundle.entry[].resource.item[].adjudication[].reason.coding[]`, a contained resource adds a
/// few more); anything deeper than this is refused before any recursive pass sees it.
pub const MAX_DEPTH: usize = 64;
