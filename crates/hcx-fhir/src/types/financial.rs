//! Financial resources: Coverage, eligibility, Claim, ClaimResponse, payment, InsurancePlan.

use rust_decimal::Decimal;

use super::{Attachment, CodeableConcept, Identifier, Meta, Money, Period, Quantity, Reference};

fhir_element! {
    /// Coverage.class: plan, group, ...
    pub struct CoverageClass {
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        pub value: Option<String>,
        pub name: Option<String>,
    }
}

fhir_resource! {
    /// The policy.
    pub struct Coverage {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub status: Option<String>,
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        pub subscriber: Option<Reference>,
        pub subscriber_id: Option<String>,
        pub beneficiary: Option<Reference>,
        pub relationship: Option<CodeableConcept>,
        pub period: Option<Period>,
        pub payor: Vec<Reference>,
        pub class: Vec<CoverageClass>,
    }
}

// ---------------------------------------------------------------- eligibility

fhir_element! {
    /// CoverageEligibilityRequest.supportingInfo.
    pub struct EligibilitySupportingInfo {
        pub sequence: Option<u32>,
        pub information: Option<Reference>,
        pub applies_to_all: Option<bool>,
    }
}

fhir_element! {
    /// CoverageEligibilityRequest.insurance.
    pub struct EligibilityInsurance {
        pub focal: Option<bool>,
        pub coverage: Option<Reference>,
        pub business_arrangement: Option<String>,
    }
}

fhir_element! {
    /// CoverageEligibilityRequest.item.diagnosis.
    pub struct EligibilityDiagnosis {
        pub diagnosis_codeable_concept: Option<CodeableConcept>,
        pub diagnosis_reference: Option<Reference>,
    }
}

fhir_element! {
    /// CoverageEligibilityRequest.item.
    pub struct EligibilityItem {
        pub supporting_info_sequence: Vec<u32>,
        pub category: Option<CodeableConcept>,
        pub product_or_service: Option<CodeableConcept>,
        pub modifier: Vec<CodeableConcept>,
        pub provider: Option<Reference>,
        pub quantity: Option<Quantity>,
        pub unit_price: Option<Money>,
        pub facility: Option<Reference>,
        pub diagnosis: Vec<EligibilityDiagnosis>,
    }
}

fhir_resource! {
    /// "Is this patient covered / what needs approval?"
    pub struct CoverageEligibilityRequest {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub status: Option<String>,
        pub priority: Option<CodeableConcept>,
        pub purpose: Vec<String>,
        pub patient: Option<Reference>,
        pub serviced_date: Option<String>,
        pub serviced_period: Option<Period>,
        pub created: Option<String>,
        pub enterer: Option<Reference>,
        pub provider: Option<Reference>,
        pub insurer: Option<Reference>,
        pub facility: Option<Reference>,
        pub supporting_info: Vec<EligibilitySupportingInfo>,
        pub insurance: Vec<EligibilityInsurance>,
        pub item: Vec<EligibilityItem>,
    }
}

fhir_element! {
    /// CoverageEligibilityResponse.insurance.item.benefit.
    pub struct EligibilityBenefit {
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        pub allowed_unsigned_int: Option<u64>,
        pub allowed_string: Option<String>,
        pub allowed_money: Option<Money>,
        pub used_unsigned_int: Option<u64>,
        pub used_string: Option<String>,
        pub used_money: Option<Money>,
    }
}

fhir_element! {
    /// CoverageEligibilityResponse.insurance.item.
    pub struct EligibilityResponseItem {
        pub category: Option<CodeableConcept>,
        pub product_or_service: Option<CodeableConcept>,
        pub modifier: Vec<CodeableConcept>,
        pub provider: Option<Reference>,
        pub excluded: Option<bool>,
        pub name: Option<String>,
        pub description: Option<String>,
        pub network: Option<CodeableConcept>,
        pub unit: Option<CodeableConcept>,
        pub term: Option<CodeableConcept>,
        pub benefit: Vec<EligibilityBenefit>,
        pub authorization_required: Option<bool>,
        pub authorization_supporting: Vec<CodeableConcept>,
        pub authorization_url: Option<String>,
    }
}

fhir_element! {
    /// CoverageEligibilityResponse.insurance.
    pub struct EligibilityResponseInsurance {
        pub coverage: Option<Reference>,
        pub inforce: Option<bool>,
        pub benefit_period: Option<Period>,
        pub item: Vec<EligibilityResponseItem>,
    }
}

fhir_element! {
    /// An error the payer reports (`code`).
    pub struct ResponseError {
        pub code: Option<CodeableConcept>,
    }
}

fhir_resource! {
    /// The payer's eligibility answer.
    pub struct CoverageEligibilityResponse {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub status: Option<String>,
        pub purpose: Vec<String>,
        pub patient: Option<Reference>,
        pub serviced_date: Option<String>,
        pub serviced_period: Option<Period>,
        pub created: Option<String>,
        pub requestor: Option<Reference>,
        pub request: Option<Reference>,
        pub outcome: Option<String>,
        pub disposition: Option<String>,
        pub insurer: Option<Reference>,
        pub insurance: Vec<EligibilityResponseInsurance>,
        pub pre_auth_ref: Option<String>,
        pub error: Vec<ResponseError>,
    }
}

// ---------------------------------------------------------------- claim

fhir_element! {
    /// Claim.related: the earlier claim this one enhances, settles or resubmits.
    pub struct ClaimRelated {
        pub claim: Option<Reference>,
        pub relationship: Option<CodeableConcept>,
        pub reference: Option<Identifier>,
    }
}

fhir_element! {
    /// Claim.payee.
    pub struct ClaimPayee {
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        pub party: Option<Reference>,
    }
}

fhir_element! {
    /// Claim.careTeam.
    pub struct ClaimCareTeam {
        pub sequence: Option<u32>,
        pub provider: Option<Reference>,
        pub responsible: Option<bool>,
        pub role: Option<CodeableConcept>,
        pub qualification: Option<CodeableConcept>,
    }
}

fhir_element! {
    /// Claim.supportingInfo: documents, dates, answers (fhir-payloads.md §5).
    pub struct ClaimSupportingInfo {
        pub sequence: Option<u32>,
        pub category: Option<CodeableConcept>,
        pub code: Option<CodeableConcept>,
        pub timing_date: Option<String>,
        pub timing_period: Option<Period>,
        pub value_boolean: Option<bool>,
        pub value_string: Option<String>,
        pub value_quantity: Option<Quantity>,
        pub value_attachment: Option<Attachment>,
        pub value_reference: Option<Reference>,
        pub reason: Option<CodeableConcept>,
    }
}

fhir_element! {
    /// Claim.diagnosis.
    pub struct ClaimDiagnosis {
        pub sequence: Option<u32>,
        pub diagnosis_codeable_concept: Option<CodeableConcept>,
        pub diagnosis_reference: Option<Reference>,
        #[serde(rename = "type")]
        pub type_: Vec<CodeableConcept>,
        pub on_admission: Option<CodeableConcept>,
        pub package_code: Option<CodeableConcept>,
    }
}

fhir_element! {
    /// Claim.procedure.
    pub struct ClaimProcedure {
        pub sequence: Option<u32>,
        #[serde(rename = "type")]
        pub type_: Vec<CodeableConcept>,
        pub date: Option<String>,
        pub procedure_codeable_concept: Option<CodeableConcept>,
        pub procedure_reference: Option<Reference>,
    }
}

fhir_element! {
    /// Claim.insurance.
    pub struct ClaimInsurance {
        pub sequence: Option<u32>,
        pub focal: Option<bool>,
        pub identifier: Option<Identifier>,
        pub coverage: Option<Reference>,
        pub business_arrangement: Option<String>,
        pub pre_auth_ref: Vec<String>,
    }
}

fhir_element! {
    /// Claim.item: one billable line (package, service, drug).
    pub struct ClaimItem {
        pub sequence: Option<u32>,
        pub care_team_sequence: Vec<u32>,
        pub diagnosis_sequence: Vec<u32>,
        pub procedure_sequence: Vec<u32>,
        pub information_sequence: Vec<u32>,
        pub revenue: Option<CodeableConcept>,
        pub category: Option<CodeableConcept>,
        pub product_or_service: Option<CodeableConcept>,
        pub modifier: Vec<CodeableConcept>,
        pub program_code: Vec<CodeableConcept>,
        pub serviced_date: Option<String>,
        pub serviced_period: Option<Period>,
        pub quantity: Option<Quantity>,
        pub unit_price: Option<Money>,
        #[serde(with = "rust_decimal::serde::arbitrary_precision_option")]
        pub factor: Option<Decimal>,
        pub net: Option<Money>,
        pub encounter: Vec<Reference>,
    }
}

fhir_resource! {
    /// A preauthorisation, predetermination or claim.
    pub struct Claim {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub status: Option<String>,
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        pub sub_type: Option<CodeableConcept>,
        #[serde(rename = "use")]
        pub use_: Option<String>,
        pub patient: Option<Reference>,
        pub billable_period: Option<Period>,
        pub created: Option<String>,
        pub enterer: Option<Reference>,
        pub insurer: Option<Reference>,
        pub provider: Option<Reference>,
        pub priority: Option<CodeableConcept>,
        pub related: Vec<ClaimRelated>,
        pub payee: Option<ClaimPayee>,
        pub care_team: Vec<ClaimCareTeam>,
        pub supporting_info: Vec<ClaimSupportingInfo>,
        pub diagnosis: Vec<ClaimDiagnosis>,
        pub procedure: Vec<ClaimProcedure>,
        pub insurance: Vec<ClaimInsurance>,
        pub item: Vec<ClaimItem>,
        pub total: Option<Money>,
    }
}

// ---------------------------------------------------------------- claim response

fhir_element! {
    /// One adjudication line: category (submitted, eligible, copay, benefit, ...), amount or value.
    pub struct Adjudication {
        pub category: Option<CodeableConcept>,
        pub reason: Option<CodeableConcept>,
        pub amount: Option<Money>,
        #[serde(with = "rust_decimal::serde::arbitrary_precision_option")]
        pub value: Option<Decimal>,
    }
}

fhir_element! {
    /// ClaimResponse.item.
    pub struct ClaimResponseItem {
        pub item_sequence: Option<u32>,
        pub note_number: Vec<u32>,
        pub adjudication: Vec<Adjudication>,
    }
}

fhir_element! {
    /// ClaimResponse.total.
    pub struct ClaimResponseTotal {
        pub category: Option<CodeableConcept>,
        pub amount: Option<Money>,
    }
}

fhir_element! {
    /// ClaimResponse.payment.
    pub struct ClaimResponsePayment {
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        pub adjustment: Option<Money>,
        pub adjustment_reason: Option<CodeableConcept>,
        pub date: Option<String>,
        pub amount: Option<Money>,
        pub identifier: Option<Identifier>,
    }
}

fhir_element! {
    /// A numbered note (ClaimResponse, PaymentReconciliation).
    pub struct ProcessNote {
        pub number: Option<u32>,
        #[serde(rename = "type")]
        pub type_: Option<String>,
        pub text: Option<String>,
        pub language: Option<CodeableConcept>,
    }
}

fhir_element! {
    /// ClaimResponse.insurance.
    pub struct ClaimResponseInsurance {
        pub sequence: Option<u32>,
        pub focal: Option<bool>,
        pub coverage: Option<Reference>,
    }
}

fhir_resource! {
    /// The payer's decision on a claim, preauth or predetermination.
    pub struct ClaimResponse {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub status: Option<String>,
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        pub sub_type: Option<CodeableConcept>,
        #[serde(rename = "use")]
        pub use_: Option<String>,
        pub patient: Option<Reference>,
        pub created: Option<String>,
        pub insurer: Option<Reference>,
        pub requestor: Option<Reference>,
        pub request: Option<Reference>,
        pub outcome: Option<String>,
        pub disposition: Option<String>,
        pub pre_auth_ref: Option<String>,
        pub pre_auth_period: Option<Period>,
        pub payee_type: Option<CodeableConcept>,
        pub item: Vec<ClaimResponseItem>,
        pub adjudication: Vec<Adjudication>,
        pub total: Vec<ClaimResponseTotal>,
        pub payment: Option<ClaimResponsePayment>,
        pub process_note: Vec<ProcessNote>,
        pub communication_request: Vec<Reference>,
        pub insurance: Vec<ClaimResponseInsurance>,
        pub error: Vec<ResponseError>,
    }
}

// ---------------------------------------------------------------- payment

fhir_resource! {
    /// "We paid you": the payer's notice of a payment.
    pub struct PaymentNotice {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub status: Option<String>,
        pub request: Option<Reference>,
        pub response: Option<Reference>,
        pub created: Option<String>,
        pub provider: Option<Reference>,
        pub payment: Option<Reference>,
        pub payment_date: Option<String>,
        pub payee: Option<Reference>,
        pub recipient: Option<Reference>,
        pub amount: Option<Money>,
        pub payment_status: Option<CodeableConcept>,
    }
}

fhir_element! {
    /// PaymentReconciliation.detail: one part of the payment (payment, TDS, advance, ...).
    pub struct PaymentDetail {
        pub identifier: Option<Identifier>,
        pub predecessor: Option<Identifier>,
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        pub request: Option<Reference>,
        pub submitter: Option<Reference>,
        pub response: Option<Reference>,
        pub date: Option<String>,
        pub responsible: Option<Reference>,
        pub payee: Option<Reference>,
        pub amount: Option<Money>,
    }
}

fhir_resource! {
    /// The bank transfer behind a payment notice (UTR, TDS).
    pub struct PaymentReconciliation {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub status: Option<String>,
        pub period: Option<Period>,
        pub created: Option<String>,
        pub payment_issuer: Option<Reference>,
        pub request: Option<Reference>,
        pub requestor: Option<Reference>,
        pub outcome: Option<String>,
        pub disposition: Option<String>,
        pub payment_date: Option<String>,
        pub payment_amount: Option<Money>,
        pub payment_identifier: Option<Identifier>,
        pub detail: Vec<PaymentDetail>,
        pub form_code: Option<CodeableConcept>,
        pub process_note: Vec<ProcessNote>,
    }
}

// ---------------------------------------------------------------- insurance plan (read only)

fhir_element! {
    /// InsurancePlan.coverage.benefit (a PMJAY package: `id` = package code).
    pub struct InsurancePlanBenefit {
        pub id: Option<String>,
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        pub requirement: Option<String>,
    }
}

fhir_element! {
    /// InsurancePlan.coverage (a specialty).
    pub struct InsurancePlanCoverage {
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        pub benefit: Vec<InsurancePlanBenefit>,
    }
}

fhir_element! {
    /// InsurancePlan.plan.
    pub struct InsurancePlanPlan {
        pub identifier: Vec<Identifier>,
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
    }
}

fhir_resource! {
    /// The payer's policy and package master. Read only: we never build one.
    pub struct InsurancePlan {
        pub id: Option<String>,
        pub meta: Option<Meta>,
        pub identifier: Vec<Identifier>,
        pub status: Option<String>,
        #[serde(rename = "type")]
        pub type_: Vec<CodeableConcept>,
        pub name: Option<String>,
        pub alias: Vec<String>,
        pub period: Option<Period>,
        pub owned_by: Option<Reference>,
        pub administered_by: Option<Reference>,
        pub coverage: Vec<InsurancePlanCoverage>,
        pub plan: Vec<InsurancePlanPlan>,
    }
}
