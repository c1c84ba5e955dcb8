//! The FHIR the suite sends, built with hcx-fhir from one fixed test case (a patient admitted
//! for an appendectomy). Only the payment acknowledgement is written here, because hcx-fhir has
//! no builder for it yet (it is one Task).

use chrono::{Duration, NaiveDate, Utc};
use hcx_fhir::build::{
    self, AdjudicatedItemInput, BuildContext, ClaimInput, ClaimResponseInput, ClaimType, ClaimUse,
    CodeInput, CommunicationInput, CommunicationRequestInput, DecisionInput, DiagnosisInput,
    DiagnosisKind, EligibilityItemInput, EligibilityPurpose, EligibilityRequestInput,
    EligibilityResponseInput, EncounterInput, EncounterKind, Gender, ItemInput, PatientInput,
    PayerInput, PaymentNoticeInput, PolicyInput, PractitionerInput, ProviderInput,
    RelatedClaimInput,
};
use hcx_fhir::{AttachmentBuilder, Summary};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::error::Result;

/// The document a provider sends back when queried.
const DISCHARGE_SUMMARY: &[u8] =
    b"%PDF-1.4\n% HCX sandbox certification: discharge summary and itemised final bill\n%%EOF\n";

/// Who is who in one exchange.
#[derive(Debug, Clone)]
pub struct Parties {
    /// Provider code (sender of requests).
    pub provider: String,
    /// Payer code (recipient of requests).
    pub payer: String,
}

impl Parties {
    fn provider_input(&self) -> ProviderInput {
        ProviderInput {
            hfr_id: "IN2910000123".into(),
            name: self.provider.clone(),
            rohini_id: None,
            phone: None,
        }
    }

    fn payer_input(&self) -> PayerInput {
        PayerInput { code: self.payer.clone(), name: self.payer.clone(), id_system: None }
    }
}

fn patient() -> PatientInput {
    PatientInput {
        name: "Asha Verma".into(),
        gender: Gender::Female,
        birth_date: NaiveDate::from_ymd_opt(1985, 4, 12),
        abha_number: None,
        abha_address: None,
        pmjay_id: None,
        mrn: Some("MRN-CERT-001".into()),
        phone: None,
    }
}

fn policy() -> PolicyInput {
    PolicyInput {
        policy_number: "POL-CERT-0001".into(),
        policy_system: None,
        plan: Some("Sandbox certification cover".into()),
        member_id: None,
        valid_from: None,
        valid_to: None,
    }
}

fn practitioner() -> PractitionerInput {
    PractitionerInput { name: "Dr. Meera Rao".into(), hpr_id: "71-4542-2424-6325".into() }
}

fn diagnosis(kind: DiagnosisKind) -> DiagnosisInput {
    DiagnosisInput { icd10_code: "K35.8".into(), description: "Acute appendicitis".into(), kind }
}

fn value(bundle: hcx_fhir::types::Bundle) -> Result<Value> {
    Ok(serde_json::to_value(bundle)?)
}

/// A CoverageEligibilityRequest. `note` goes into the service text (scenario keyword).
pub fn eligibility_request(p: &Parties, reference: &str, note: &str) -> Result<Value> {
    let input = EligibilityRequestInput {
        request_number: reference.to_string(),
        purposes: vec![EligibilityPurpose::Benefits],
        patient: patient(),
        policy: policy(),
        payer: p.payer_input(),
        provider: p.provider_input(),
        practitioner: practitioner(),
        service_from: None,
        service_to: None,
        items: vec![EligibilityItemInput {
            product: CodeInput::new("IPD", format!("Inpatient hospitalisation {note}").trim()),
            category: None,
            diagnoses: vec![diagnosis(DiagnosisKind::Provisional)],
        }],
    };
    value(build::eligibility_request_bundle(&input, &mut BuildContext::live())?)
}

/// A preauth / claim with two items; `note` goes into the first item's text, `extra` raises the
/// room rent (enhancements ask for more).
pub fn claim(
    p: &Parties,
    use_: ClaimUse,
    claim_number: &str,
    note: &str,
    related: Option<RelatedClaimInput>,
    extra_days: u32,
) -> Result<Value> {
    let now = Utc::now();
    let days = Decimal::from(3 + extra_days);
    let kind =
        if use_ == ClaimUse::Claim { DiagnosisKind::Final } else { DiagnosisKind::Provisional };
    let input = ClaimInput {
        claim_number: claim_number.to_string(),
        claim_number_system: None,
        use_,
        claim_type: ClaimType::Inpatient,
        patient: patient(),
        policy: policy(),
        payer: p.payer_input(),
        provider: p.provider_input(),
        practitioner: Some(practitioner()),
        encounter: Some(EncounterInput {
            kind: EncounterKind::Inpatient,
            admitted: now - Duration::days(3),
            discharged: Some(now),
        }),
        diagnoses: vec![diagnosis(kind)],
        procedures: vec![],
        items: vec![
            ItemInput {
                product: CodeInput::new("RR01", format!("Room rent {note}").trim()),
                category: None,
                quantity: days,
                unit_price: Decimal::new(150_000, 2),
                service_date: None,
            },
            ItemInput {
                product: CodeInput::new("SG039", "Laparoscopic appendectomy"),
                category: None,
                quantity: Decimal::ONE,
                unit_price: Decimal::new(3_500_000, 2),
                service_date: None,
            },
        ],
        documents: vec![],
        related,
        pre_auth_ref: None,
    };
    value(build::claim_bundle(&input, &mut BuildContext::live())?)
}

/// The provider's answer to a query: a message and the discharge summary.
pub fn communication_answer(
    p: &Parties,
    claim_number: &str,
    request_number: &str,
) -> Result<Value> {
    let doc =
        AttachmentBuilder::from_bytes(DISCHARGE_SUMMARY, "application/pdf", "Discharge summary")?;
    let input = CommunicationInput {
        communication_number: format!("COM-{}", short_id()),
        request_number: request_number.to_string(),
        claim_number: claim_number.to_string(),
        patient: patient(),
        payer: p.payer_input(),
        provider: p.provider_input(),
        message: Some("Discharge summary and itemised final bill attached".into()),
        attachments: vec![doc.attachment],
    };
    value(build::communication_bundle(&input, &mut BuildContext::live())?)
}

/// The provider's acknowledgement of a payment notice: a completed Task (hcx-fhir has no
/// builder for it; the demo payer only records it).
pub fn payment_ack() -> Value {
    let id = uuid::Uuid::new_v4().to_string();
    json!({
        "resourceType": "Bundle",
        "id": uuid::Uuid::new_v4().to_string(),
        "type": "collection",
        "timestamp": hcx_fhir::time::instant(Utc::now()),
        "entry": [{
            "fullUrl": format!("urn:uuid:{id}"),
            "resource": {
                "resourceType": "Task",
                "id": id,
                "status": "completed",
                "intent": "order",
                "description": "Payment received",
                "output": [{"type": {"text": "status"}, "valueString": "paymentack"}]
            }
        }]
    })
}

/// The payer's eligibility answer.
pub fn eligibility_response(p: &Parties, reference: &str, inforce: bool) -> Result<Value> {
    let input = EligibilityResponseInput {
        request_number: reference.to_string(),
        purposes: vec![EligibilityPurpose::Benefits],
        patient: patient(),
        policy: policy(),
        payer: p.payer_input(),
        provider: p.provider_input(),
        inforce,
        disposition: Some(
            if inforce { "Policy is in force" } else { "Policy is not in force (lapsed)" }.into(),
        ),
        items: vec![],
    };
    value(build::eligibility_response_bundle(&input, &mut BuildContext::live())?)
}

/// The payer's decision on a preauth / claim, item by item from what was asked.
pub fn claim_response(
    p: &Parties,
    asked: &Summary,
    decision: DecisionInput,
    pre_auth_ref: Option<String>,
) -> Result<Value> {
    let claim_number = asked
        .claim
        .as_ref()
        .and_then(|c| c.number.clone())
        .unwrap_or_else(|| format!("CLM-{}", short_id()));
    let use_ = match asked.claim.as_ref().and_then(|c| c.use_.as_deref()) {
        Some("preauthorization") => ClaimUse::Preauthorization,
        Some("predetermination") => ClaimUse::Predetermination,
        _ => ClaimUse::Claim,
    };
    let mut items: Vec<AdjudicatedItemInput> = asked
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let seq = it
                .sequence
                .and_then(|s| u32::try_from(s).ok())
                .unwrap_or_else(|| u32::try_from(i + 1).unwrap_or(1));
            let submitted = it.net.as_ref().map(|a| a.value).unwrap_or(Decimal::ZERO);
            let (benefit, reason) = match decision {
                DecisionInput::Approved | DecisionInput::Pending => (submitted, None),
                DecisionInput::PartiallyApproved if i == 0 => (submitted, None),
                DecisionInput::PartiallyApproved => (
                    (submitted / Decimal::TWO).round_dp(2),
                    Some(CodeInput::new("ar002", "Plan Limit Reached")),
                ),
                DecisionInput::Rejected => {
                    (Decimal::ZERO, Some(CodeInput::new("ar001", "Care not covered under plan")))
                }
            };
            AdjudicatedItemInput {
                item_sequence: seq,
                submitted,
                eligible: benefit,
                copay: None,
                benefit,
                reason,
            }
        })
        .collect();
    items.retain(|i| i.submitted > Decimal::ZERO);
    let input = ClaimResponseInput {
        claim_number,
        claim_number_system: None,
        use_,
        claim_type: ClaimType::Inpatient,
        patient: patient(),
        policy: policy(),
        payer: p.payer_input(),
        provider: p.provider_input(),
        decision,
        disposition: Some(
            match decision {
                DecisionInput::Approved => "Approved",
                DecisionInput::PartiallyApproved => "Partially approved: policy sub-limits apply",
                DecisionInput::Rejected => "Rejected: treatment not covered under the policy",
                DecisionInput::Pending => "Under review",
            }
            .into(),
        ),
        pre_auth_ref,
        items,
        notes: vec![],
        payment: None,
        errors: Vec::new(),
    };
    value(build::claim_response_bundle(&input, &mut BuildContext::live())?)
}

/// The payer's query for documents.
pub fn communication_request(p: &Parties, claim_number: &str) -> Result<Value> {
    let input = CommunicationRequestInput {
        request_number: format!("QRY-{}", short_id()),
        claim_number: claim_number.to_string(),
        patient: patient(),
        payer: p.payer_input(),
        provider: p.provider_input(),
        asks: vec!["Discharge summary".into(), "Itemised final bill".into()],
    };
    value(build::communication_request_bundle(&input, &mut BuildContext::live())?)
}

/// The payer's payment notice.
pub fn payment_notice(p: &Parties, claim_number: &str, amount: Decimal) -> Result<Value> {
    let input = PaymentNoticeInput {
        notice_number: format!("PAY-{}", short_id()),
        claim_number: claim_number.to_string(),
        payer: p.payer_input(),
        provider: p.provider_input(),
        amount,
        tds: None,
        payment_date: Utc::now().date_naive(),
        utr: format!("UTR{}", short_id().to_uppercase()),
    };
    value(build::payment_notice_bundle(&input, &mut BuildContext::live())?)
}

/// Eight hex characters, for human-readable reference numbers.
pub fn short_id() -> String {
    uuid::Uuid::new_v4().simple().to_string().chars().take(8).collect()
}
