//! ClaimResponseBundle: the payer's decision (fhir-payloads.md §4.3). The sandbox payer and tests
//! use it; a hospital only reads these.

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::input::{ClaimResponseInput, ClaimUse, DecisionInput};
use super::parties::{self, add, amount, claim_by_number, claim_number, concept};
use super::{BuildContext, BundleWriter, meta_for, optional};
use crate::profiles::{BundleProfile, cs};
use crate::types::{
    Adjudication, Bundle, ClaimResponse, ClaimResponseInsurance, ClaimResponseItem,
    ClaimResponsePayment, ClaimResponseTotal, CodeableConcept, Identifier, Money, ProcessNote,
    Reference, ResponseError,
};
use crate::{Error, Result};

/// HL7 adjudication categories we write, with their displays.
const SUBMITTED: (&str, &str) = ("submitted", "Submitted Amount");
const ELIGIBLE: (&str, &str) = ("eligible", "Eligible Amount");
const COPAY: (&str, &str) = ("copay", "CoPay");
const BENEFIT: (&str, &str) = ("benefit", "Benefit Amount");

fn category((code, display): (&str, &str)) -> CodeableConcept {
    CodeableConcept::coding(cs::ADJUDICATION, code, display)
}

fn line(cat: (&str, &str), money: Money) -> Adjudication {
    Adjudication { category: Some(category(cat)), amount: Some(money), ..Default::default() }
}

/// Builds a ClaimResponseBundle with item-level adjudication (submitted, eligible, copay,
/// benefit, each reduction with its reason), totals per category, outcome, disposition,
/// preAuthRef and the errors of a refusal.
pub fn claim_response_bundle(input: &ClaimResponseInput, ctx: &mut BuildContext) -> Result<Bundle> {
    let (response_id, _) = BundleWriter::reserve(ctx);
    let (patient_id, patient_url) = BundleWriter::reserve(ctx);
    let (provider_id, provider_url) = BundleWriter::reserve(ctx);
    let (payer_id, payer_url) = BundleWriter::reserve(ctx);
    let (coverage_id, coverage_url) = BundleWriter::reserve(ctx);
    let now = ctx.now_text();

    let mut seen = HashSet::new();
    let mut items = Vec::new();
    let (mut submitted, mut eligible, mut copay, mut benefit) =
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let mut any_copay = false;
    for (i, it) in input.items.iter().enumerate() {
        let field = format!("items[{i}]");
        if !seen.insert(it.item_sequence) || it.item_sequence == 0 {
            return Err(Error::input(
                format!("{field}.itemSequence"),
                "must be a positive claim item number, each answered once",
            ));
        }
        if it.benefit > it.submitted {
            return Err(Error::input(
                format!("{field}.benefit"),
                "is more than the amount asked for",
            ));
        }
        let mut adjudication = vec![
            line(SUBMITTED, amount(&format!("{field}.submitted"), it.submitted)?),
            line(ELIGIBLE, amount(&format!("{field}.eligible"), it.eligible)?),
        ];
        if let Some(c) = it.copay {
            adjudication.push(line(COPAY, amount(&format!("{field}.copay"), c)?));
            copay = add("copay", copay, c)?;
            any_copay = true;
        }
        let mut b = line(BENEFIT, amount(&format!("{field}.benefit"), it.benefit)?);
        b.reason = it
            .reason
            .as_ref()
            .map(|r| concept(&format!("{field}.reason"), r, cs::ADJUDICATION_REASON))
            .transpose()?;
        adjudication.push(b);
        submitted = add("submitted", submitted, it.submitted)?;
        eligible = add("eligible", eligible, it.eligible)?;
        benefit = add("benefit", benefit, it.benefit)?;
        items.push(ClaimResponseItem {
            item_sequence: Some(it.item_sequence),
            adjudication,
            ..Default::default()
        });
    }

    let outcome = match input.decision {
        DecisionInput::Approved | DecisionInput::Rejected => "complete",
        DecisionInput::PartiallyApproved => "partial",
        DecisionInput::Pending => "queued",
    };
    if input.decision == DecisionInput::Rejected && !benefit.is_zero() {
        return Err(Error::input("decision", "a rejection cannot pay a benefit"));
    }
    if matches!(input.decision, DecisionInput::Approved | DecisionInput::PartiallyApproved)
        && items.is_empty()
    {
        return Err(Error::input("items", "an approval must say what is approved, item by item"));
    }

    let mut total = Vec::new();
    if !items.is_empty() {
        total.push(ClaimResponseTotal {
            category: Some(category(SUBMITTED)),
            amount: Some(Money::inr(submitted)),
            ..Default::default()
        });
        total.push(ClaimResponseTotal {
            category: Some(category(ELIGIBLE)),
            amount: Some(Money::inr(eligible)),
            ..Default::default()
        });
        if any_copay {
            total.push(ClaimResponseTotal {
                category: Some(category(COPAY)),
                amount: Some(Money::inr(copay)),
                ..Default::default()
            });
        }
        total.push(ClaimResponseTotal {
            category: Some(category(BENEFIT)),
            amount: Some(Money::inr(benefit)),
            ..Default::default()
        });
    }

    let payment = input
        .payment
        .as_ref()
        .map(|p| -> Result<ClaimResponsePayment> {
            let (code, display) =
                if p.amount < benefit { ("partial", "Partial") } else { ("complete", "Complete") };
            Ok(ClaimResponsePayment {
                type_: Some(CodeableConcept::coding(cs::EX_PAYMENT_TYPE, code, display)),
                date: Some(crate::time::date(p.date)),
                amount: Some(amount("payment.amount", p.amount)?),
                identifier: optional(&p.reference).map(|r| Identifier {
                    type_: Some(CodeableConcept::text("Bank transaction reference (UTR)")),
                    value: Some(r.to_owned()),
                    ..Default::default()
                }),
                ..Default::default()
            })
        })
        .transpose()?;

    let pre_auth_ref = match input.use_ {
        ClaimUse::Preauthorization => optional(&input.pre_auth_ref).map(str::to_owned),
        _ => None,
    };

    let identifier = claim_number(&input.claim_number, &input.claim_number_system)?;
    let response = ClaimResponse {
        meta: meta_for("ClaimResponse"),
        identifier: vec![identifier.clone()],
        status: Some("active".into()),
        type_: Some(super::claim::claim_type(input.claim_type)),
        use_: Some(input.use_.code().into()),
        patient: Some(Reference::to(&patient_url)),
        created: Some(now),
        insurer: Some(Reference::to(&payer_url)),
        requestor: Some(Reference::to(&provider_url)),
        request: Some(claim_by_number(&input.claim_number, &input.claim_number_system)?),
        outcome: Some(outcome.into()),
        disposition: optional(&input.disposition).map(str::to_owned),
        pre_auth_ref,
        payee_type: Some(CodeableConcept::coding(cs::PAYEE_TYPE, "provider", "Provider")),
        item: items,
        total,
        payment,
        process_note: input
            .notes
            .iter()
            .filter(|n| !n.trim().is_empty())
            .enumerate()
            .map(|(i, n)| ProcessNote {
                number: Some(super::seq(i)),
                type_: Some("display".into()),
                text: Some(n.trim().to_owned()),
                ..Default::default()
            })
            .collect(),
        error: input
            .errors
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .map(|e| ResponseError { code: Some(CodeableConcept::text(e)), ..Default::default() })
            .collect(),
        insurance: vec![ClaimResponseInsurance {
            sequence: Some(1),
            focal: Some(true),
            coverage: Some(Reference::to(&coverage_url)),
            ..Default::default()
        }],
        ..Default::default()
    };

    let mut writer = BundleWriter::new();
    writer.add(&response_id, response);
    writer.add(&patient_id, parties::patient(&input.patient)?);
    writer.add(&provider_id, parties::provider(&input.provider)?);
    writer.add(&payer_id, parties::payer(&input.payer)?);
    writer.add(&coverage_id, parties::coverage(&input.policy, &patient_url, &payer_url)?);
    Ok(writer.finish(ctx, BundleProfile::ClaimResponseBundle, identifier))
}
