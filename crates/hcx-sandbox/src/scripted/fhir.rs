//! What the scripted counterparties put in their bundles, and what they read from the bundles
//! they receive. Nothing FHIR is built here: this module fills hcx-fhir's form-shaped inputs
//! with the demo case (one patient admitted for an appendectomy) and calls hcx-fhir's builders,
//! and it reads requests with hcx-fhir's [`summarize`]. The payloads are therefore the same
//! NRCeS bundles the console itself sends and answers.
//!
//! Amounts leave with at most two decimals and no trailing zeros (`2500.5`, `10000`), so an
//! amount a test or a clerk typed comes back exactly as written.

use chrono::{Duration, NaiveDate, Utc};
use hcx_fhir::build::{
    self, AdjudicatedItemInput, BenefitInput, BuildContext, ClaimInput, ClaimResponseInput,
    ClaimType, CodeInput, CommunicationInput, CommunicationRequestInput, CoverageItemInput,
    DiagnosisInput, DiagnosisKind, EligibilityItemInput, EligibilityPurpose,
    EligibilityRequestInput, EligibilityResponseInput, EncounterInput, EncounterKind, Gender,
    ItemInput, PatientInput, PayerInput, PaymentAckInput, PaymentNoticeInput, PolicyInput,
    PractitionerInput, ProviderInput, ResponsePaymentInput,
};
use hcx_fhir::{AttachmentBuilder, Summary, summarize};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::error::{Result, SandboxError};

pub use hcx_fhir::build::{ClaimUse, DecisionInput};

/// The demo patient's policy number when a request names none.
const DEMO_POLICY: &str = "POL-0001";
/// The demo patient's name when a request names none.
const DEMO_PATIENT: &str = "Patient";
/// HL7 `adjudication-reason` codes the scripted payer gives.
const NOT_COVERED: (&str, &str) = ("ar001", "Not covered under the policy");
/// Code system of the sandbox's own reasons (HL7 has no code for "still under review").
const SANDBOX_REASONS: &str = "https://hcx.sandbox/adjudication-reason";

/// A party named in a bundle: its registry code and display name. In the sandbox the registry
/// code is also the facility's HFR id, as NHCX requires the two to match.
#[derive(Debug, Clone)]
pub struct Party {
    /// Registry code.
    pub code: String,
    /// Display name.
    pub name: String,
}

impl Party {
    fn as_provider(&self) -> ProviderInput {
        ProviderInput {
            hfr_id: self.code.clone(),
            name: self.name.clone(),
            rohini_id: None,
            phone: None,
        }
    }

    fn as_payer(&self) -> PayerInput {
        PayerInput { code: self.code.clone(), name: self.name.clone(), id_system: None }
    }
}

/// One billed line of the demo provider's requests.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemLine {
    /// `item.sequence`.
    pub sequence: u32,
    /// What it is (the scenario keyword goes here).
    pub text: String,
    /// Net amount in INR (quantity 1).
    pub net: Decimal,
}

/// The payer's decision on one item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemDecision {
    /// `itemSequence`.
    pub sequence: u32,
    /// Requested amount.
    pub submitted: Decimal,
    /// Approved amount.
    pub approved: Decimal,
    /// Why less than submitted, if so.
    pub reason: Option<Reason>,
}

/// Why an item was reduced or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Not covered (HL7 `ar001`).
    NotCovered,
    /// Capped by a sub-limit (HL7 `ar002`, plan limit reached).
    SubLimit,
    /// Still under review (a pending answer).
    UnderReview,
}

impl Reason {
    fn code(self) -> CodeInput {
        match self {
            Reason::NotCovered => CodeInput::new(NOT_COVERED.0, NOT_COVERED.1),
            Reason::SubLimit => CodeInput::new("ar002", "Capped at 50% by the policy sub-limit"),
            Reason::UnderReview => {
                CodeInput::in_system(SANDBOX_REASONS, "under-review", "Under review")
            }
        }
    }
}

/// The payer's decision on a claim-like request.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimDecision {
    /// Approved, partially approved, rejected or pending.
    pub decision: DecisionInput,
    /// The decision in words.
    pub disposition: String,
    /// Per item.
    pub items: Vec<ItemDecision>,
    /// Preauth reference (preauth approvals).
    pub pre_auth_ref: Option<String>,
    /// Why a request was refused (`ClaimResponse.error[]`).
    pub errors: Vec<String>,
}

impl ClaimDecision {
    /// Sum of approved amounts.
    pub fn approved_total(&self) -> Decimal {
        self.items.iter().map(|i| i.approved).sum()
    }
}

/// A request as the payer reads it: hcx-fhir's summary plus the numbers an answer must quote.
#[derive(Debug, Clone)]
pub struct Request {
    /// What hcx-fhir reads from the bundle.
    pub summary: Summary,
    /// The bundle's business number (an eligibility request's or a query's number), or the
    /// cycle's correlation id when the sender gave none.
    pub number: String,
    /// The claim number, or `number` when the request has none (an eligibility check).
    pub claim_number: String,
}

impl Request {
    /// Reads `payload`; `correlation_id` stands in for numbers the sender left out.
    pub fn read(payload: &Value, correlation_id: &str) -> Self {
        let summary = summarize(payload);
        let number = payload
            .pointer("/identifier/value")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(correlation_id)
            .to_owned();
        let claim_number = summary
            .claim
            .as_ref()
            .and_then(|c| c.number.clone())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| number.clone());
        Request { summary, number, claim_number }
    }

    /// The focal resource's type (`Claim`, `CoverageEligibilityRequest`, …; empty if none).
    pub fn focal_type(&self) -> &str {
        self.summary.focal.as_ref().map_or("", |f| f.resource_type.as_str())
    }

    /// `Claim.use`, default `claim`.
    pub fn claim_use(&self) -> ClaimUse {
        match self.summary.claim.as_ref().and_then(|c| c.use_.as_deref()) {
            Some("preauthorization") => ClaimUse::Preauthorization,
            Some("predetermination") => ClaimUse::Predetermination,
            _ => ClaimUse::Claim,
        }
    }

    /// Billed lines: each item's net (or unit price × quantity); one line for the whole
    /// requested amount when the request lists no items.
    pub fn lines(&self) -> Vec<ItemLine> {
        let lines: Vec<ItemLine> = self
            .summary
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                let position = u32::try_from(i).unwrap_or(u32::MAX - 1).saturating_add(1);
                let net = it.net.as_ref().map(|a| a.value).or_else(|| {
                    let unit = it.unit_price.as_ref()?.value;
                    unit.checked_mul(it.quantity.unwrap_or(Decimal::ONE))
                });
                ItemLine {
                    sequence: it
                        .sequence
                        .and_then(|s| u32::try_from(s).ok())
                        .filter(|s| *s > 0)
                        .unwrap_or(position),
                    text: it.description.clone().unwrap_or_else(|| "item".into()),
                    net: net.unwrap_or(Decimal::ZERO),
                }
            })
            .collect();
        if !lines.is_empty() {
            return lines;
        }
        let total = self.summary.amounts.requested.as_ref().map_or(Decimal::ZERO, |a| a.value);
        vec![ItemLine { sequence: 1, text: "Total".into(), net: total }]
    }

    fn patient(&self) -> PatientInput {
        let p = self.summary.patient.as_ref();
        let gender = match p.and_then(|p| p.gender.as_deref()) {
            Some("male") => Gender::Male,
            Some("female") => Gender::Female,
            Some("other") => Gender::Other,
            _ => Gender::Unknown,
        };
        let name = p.and_then(|p| p.name.clone()).unwrap_or_else(|| DEMO_PATIENT.into());
        PatientInput { gender, ..demo_patient(&name) }
    }

    fn policy(&self) -> PolicyInput {
        let number = self.summary.policy.as_ref().and_then(|p| p.number.clone());
        PolicyInput { policy_number: number.unwrap_or_else(|| DEMO_POLICY.into()), ..demo_policy() }
    }
}

/// Amounts as the scripted parties write them: two decimals at most, no trailing zeros.
fn exact(amount: Decimal) -> Decimal {
    amount.round_dp(2).normalize()
}

fn short_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    id.get(..8).unwrap_or(&id).to_ascii_uppercase()
}

fn demo_patient(name: &str) -> PatientInput {
    PatientInput {
        name: name.to_owned(),
        gender: Gender::Female,
        birth_date: NaiveDate::from_ymd_opt(1985, 4, 12),
        abha_number: None,
        abha_address: None,
        pmjay_id: None,
        mrn: Some("MRN-0001".into()),
        phone: None,
    }
}

fn demo_policy() -> PolicyInput {
    PolicyInput {
        policy_number: DEMO_POLICY.into(),
        policy_system: None,
        plan: Some("Demo health cover".into()),
        member_id: None,
        valid_from: None,
        valid_to: None,
    }
}

fn demo_practitioner() -> PractitionerInput {
    PractitionerInput { name: "Dr. Meera Rao".into(), hpr_id: "71-4542-2424-6325".into() }
}

fn appendicitis(kind: DiagnosisKind) -> DiagnosisInput {
    DiagnosisInput { icd10_code: "K35.8".into(), description: "Acute appendicitis".into(), kind }
}

fn to_json(bundle: hcx_fhir::Result<hcx_fhir::types::Bundle>) -> Result<Value> {
    let bundle = bundle.map_err(|e| SandboxError::Invalid(format!("demo bundle: {e}")))?;
    Ok(serde_json::to_value(bundle)?)
}

/// A claim-like request (preauth, predetermination, claim) from a demo provider.
pub fn claim_bundle(
    use_: ClaimUse,
    provider: &Party,
    payer: &Party,
    patient_name: &str,
    items: &[ItemLine],
) -> Result<Value> {
    let now = Utc::now();
    let kind =
        if use_ == ClaimUse::Claim { DiagnosisKind::Final } else { DiagnosisKind::Provisional };
    let input = ClaimInput {
        claim_number: format!("CLN-{}", short_id()),
        claim_number_system: None,
        use_,
        claim_type: ClaimType::Inpatient,
        patient: demo_patient(patient_name),
        policy: demo_policy(),
        payer: payer.as_payer(),
        provider: provider.as_provider(),
        practitioner: Some(demo_practitioner()),
        encounter: Some(EncounterInput {
            kind: EncounterKind::Inpatient,
            admitted: now - Duration::days(3),
            discharged: Some(now),
        }),
        diagnoses: vec![appendicitis(kind)],
        procedures: vec![],
        items: items
            .iter()
            .map(|i| ItemInput {
                product: CodeInput::new(&format!("DEMO{:02}", i.sequence), &i.text),
                category: None,
                quantity: Decimal::ONE,
                unit_price: exact(i.net),
                service_date: None,
            })
            .collect(),
        documents: vec![],
        related: None,
        pre_auth_ref: None,
    };
    to_json(build::claim_bundle(&input, &mut BuildContext::live()))
}

/// An eligibility check from a demo provider; `note` is the service asked about.
pub fn eligibility_request_bundle(
    provider: &Party,
    payer: &Party,
    patient_name: &str,
    note: &str,
) -> Result<Value> {
    let input = EligibilityRequestInput {
        request_number: format!("CER-{}", short_id()),
        purposes: vec![EligibilityPurpose::Benefits],
        patient: demo_patient(patient_name),
        policy: demo_policy(),
        payer: payer.as_payer(),
        provider: provider.as_provider(),
        practitioner: demo_practitioner(),
        service_from: None,
        service_to: None,
        items: vec![EligibilityItemInput {
            product: CodeInput::new("IPD", note),
            category: None,
            diagnoses: vec![appendicitis(DiagnosisKind::Provisional)],
        }],
    };
    to_json(build::eligibility_request_bundle(&input, &mut BuildContext::live()))
}

/// The payer's ClaimResponse to `req`. Only a claim settles money: a preauth or predetermination
/// approves an amount, and its money arrives later with the claim's payment notice, so only an
/// approved claim carries a `payment`.
pub fn claim_response_bundle(
    req: &Request,
    d: &ClaimDecision,
    payer: &Party,
    provider: &Party,
) -> Result<Value> {
    let use_ = req.claim_use();
    let approved = d.approved_total();
    let pays =
        use_ == ClaimUse::Claim && d.decision == DecisionInput::Approved && !approved.is_zero();
    let input = ClaimResponseInput {
        claim_number: req.claim_number.clone(),
        claim_number_system: None,
        use_,
        claim_type: ClaimType::Inpatient,
        patient: req.patient(),
        policy: req.policy(),
        payer: payer.as_payer(),
        provider: provider.as_provider(),
        decision: d.decision,
        disposition: Some(d.disposition.clone()),
        pre_auth_ref: d.pre_auth_ref.clone(),
        items: d
            .items
            .iter()
            .map(|i| AdjudicatedItemInput {
                item_sequence: i.sequence,
                submitted: exact(i.submitted),
                eligible: exact(i.approved),
                copay: None,
                benefit: exact(i.approved),
                reason: i.reason.map(Reason::code),
            })
            .collect(),
        notes: vec![d.disposition.clone()],
        payment: pays.then(|| ResponsePaymentInput {
            date: Utc::now().date_naive(),
            amount: exact(approved),
            reference: None,
        }),
        errors: d.errors.clone(),
    };
    to_json(build::claim_response_bundle(&input, &mut BuildContext::live()))
}

/// The payer's CoverageEligibilityResponse to `req`.
pub fn eligibility_response_bundle(
    req: &Request,
    inforce: bool,
    disposition: &str,
    payer: &Party,
    provider: &Party,
) -> Result<Value> {
    let allowed = if inforce { Decimal::new(500_000, 0) } else { Decimal::ZERO };
    let input = EligibilityResponseInput {
        request_number: req.number.clone(),
        purposes: vec![EligibilityPurpose::Benefits],
        patient: req.patient(),
        policy: req.policy(),
        payer: payer.as_payer(),
        provider: provider.as_provider(),
        inforce,
        disposition: Some(disposition.to_owned()),
        items: vec![CoverageItemInput {
            category: None,
            product: CodeInput::new("IPD", "Inpatient hospitalisation"),
            excluded: !inforce,
            authorization_required: inforce,
            documents_required: vec![],
            benefits: vec![BenefitInput {
                kind: CodeInput::new("benefit", "Benefit"),
                allowed: Some(allowed),
                used: None,
            }],
        }],
    };
    to_json(build::eligibility_response_bundle(&input, &mut BuildContext::live()))
}

/// The payer asks the provider for documents about `req` (communication/request).
pub fn communication_request_bundle(
    question: &str,
    req: &Request,
    payer: &Party,
    provider: &Party,
) -> Result<Value> {
    let input = CommunicationRequestInput {
        request_number: format!("QRY-{}", short_id()),
        claim_number: req.claim_number.clone(),
        patient: req.patient(),
        payer: payer.as_payer(),
        provider: provider.as_provider(),
        asks: vec![question.to_owned()],
    };
    to_json(build::communication_request_bundle(&input, &mut BuildContext::live()))
}

/// The provider's answer to the query `query` with one PDF (communication/on_request).
pub fn communication_response_bundle(
    query: &Request,
    title: &str,
    document: &[u8],
    provider: &Party,
    payer: &Party,
) -> Result<Value> {
    let doc = AttachmentBuilder::from_bytes(document, "application/pdf", title)
        .map_err(|e| SandboxError::Invalid(format!("demo document: {e}")))?;
    let input = CommunicationInput {
        communication_number: format!("COM-{}", short_id()),
        request_number: query.number.clone(),
        claim_number: query.claim_number.clone(),
        patient: query.patient(),
        payer: payer.as_payer(),
        provider: provider.as_provider(),
        message: Some(format!("{title} attached")),
        attachments: vec![doc.attachment],
    };
    to_json(build::communication_bundle(&input, &mut BuildContext::live()))
}

/// True when a communication answer carries something (a message or a document).
pub fn has_communication_payload(answer: &Request) -> bool {
    !answer.summary.messages.is_empty() || !answer.summary.attachments.is_empty()
}

/// The payer's payment notice for `amount` on `claim_number`.
pub fn payment_notice_bundle(
    amount: Decimal,
    claim_number: &str,
    payer: &Party,
    provider: &Party,
) -> Result<Value> {
    let id = short_id();
    let input = PaymentNoticeInput {
        notice_number: format!("PN-{id}"),
        claim_number: claim_number.to_owned(),
        payer: payer.as_payer(),
        provider: provider.as_provider(),
        amount: exact(amount),
        tds: None,
        payment_date: Utc::now().date_naive(),
        utr: format!("UTR-{id}"),
    };
    to_json(build::payment_notice_bundle(&input, &mut BuildContext::live()))
}

/// The provider's acknowledgement of the payment notice `notice`.
pub fn payment_ack_bundle(notice: &Request, provider: &Party, payer: &Party) -> Result<Value> {
    let input = PaymentAckInput {
        ack_number: format!("ACK-{}", short_id()),
        notice_number: notice.number.clone(),
        payer: payer.as_payer(),
        provider: provider.as_provider(),
    };
    to_json(build::payment_ack_bundle(&input, &mut BuildContext::live()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(code: &str) -> Party {
        Party { code: code.into(), name: code.into() }
    }

    #[test]
    fn a_claim_bundle_reads_back_to_its_lines() {
        let items = vec![
            ItemLine { sequence: 1, text: "Room [partial]".into(), net: Decimal::new(150_050, 2) },
            ItemLine { sequence: 2, text: "Surgery".into(), net: Decimal::new(20_000, 0) },
        ];
        let b =
            claim_bundle(ClaimUse::Preauthorization, &party("prov"), &party("pay"), "Asha", &items)
                .expect("the demo claim is valid input for the builder");
        let r = Request::read(&b, "corr-1");
        assert_eq!(r.focal_type(), "Claim", "the Claim entry is the focal resource");
        let back: Vec<(u32, Decimal)> = r.lines().iter().map(|l| (l.sequence, l.net)).collect();
        assert_eq!(
            back,
            vec![(1, Decimal::new(15_005, 1)), (2, Decimal::new(20_000, 0))],
            "sequences and exact amounts survive the JSON round trip"
        );
        assert!(r.lines()[0].text.contains("[partial]"), "the keyword stays in the item text");
        assert_eq!(r.claim_use(), ClaimUse::Preauthorization, "use is read back");
        assert!(r.claim_number.starts_with("CLN-"), "the claim number is read, not the fallback");
        assert_eq!(r.patient().name, "Asha", "patient name is read back");
    }

    #[test]
    fn a_request_without_numbers_or_items_still_gets_an_answer() {
        let r = Request::read(&serde_json::json!({"resourceType": "Bundle"}), "corr-2");
        assert_eq!(r.number, "corr-2", "the correlation id stands in for a missing number");
        assert_eq!(r.claim_number, "corr-2", "and for a missing claim number");
        assert_eq!(r.lines().len(), 1, "one line for the whole (here zero) amount");
        let d = ClaimDecision {
            decision: DecisionInput::Rejected,
            disposition: "Rejected".into(),
            items: vec![ItemDecision {
                sequence: 1,
                submitted: Decimal::ZERO,
                approved: Decimal::ZERO,
                reason: Some(Reason::NotCovered),
            }],
            pre_auth_ref: None,
            errors: vec!["Not covered".into()],
        };
        let b = claim_response_bundle(&r, &d, &party("pay"), &party("prov"))
            .expect("a bare request is still answered");
        let text = b.to_string();
        assert!(text.contains("\"error\""), "a rejection carries its errors: {text}");
    }

    #[test]
    fn amounts_leave_exact_without_trailing_zeros() {
        assert_eq!(exact(Decimal::new(150_050, 2)).to_string(), "1500.5", "paise kept");
        assert_eq!(exact(Decimal::new(2_000_000, 2)).to_string(), "20000", "whole rupees");
    }
}
