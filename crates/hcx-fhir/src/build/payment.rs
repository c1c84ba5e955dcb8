//! TaskBundles for the payment-notice cycle (fhir-payloads.md §4.7): the payer's notice (Task +
//! PaymentNotice + PaymentReconciliation with UTR and TDS; the sandbox payer sends it, a hospital
//! reads it) and the hospital's acknowledgement (a completed Task).

use rust_decimal::Decimal;

use super::input::{PaymentAckInput, PaymentNoticeInput};
use super::parties::{self, amount, claim_by_number, claim_number};
use super::{BuildContext, BundleWriter, meta_for, placer_identifier};
use crate::profiles::{BundleProfile, cs};
use crate::types::{
    Bundle, CodeableConcept, Coding, Identifier, Money, PaymentDetail, PaymentNotice,
    PaymentReconciliation, Reference, Task, TaskParameter,
};
use crate::{Error, Result};

/// Builds a payment notice: the net transfer with its UTR, and TDS as a separate detail so that
/// net + TDS equals the approved amount.
pub fn payment_notice_bundle(input: &PaymentNoticeInput, ctx: &mut BuildContext) -> Result<Bundle> {
    if input.amount <= Decimal::ZERO {
        return Err(Error::input("amount", "a payment must be more than zero"));
    }
    let utr = super::required("utr", &input.utr)?;
    let (task_id, _) = BundleWriter::reserve(ctx);
    let (notice_id, notice_url) = BundleWriter::reserve(ctx);
    let (recon_id, recon_url) = BundleWriter::reserve(ctx);
    let (payer_id, payer_url) = BundleWriter::reserve(ctx);
    let (provider_id, provider_url) = BundleWriter::reserve(ctx);
    let now = ctx.now_text();
    let paid_on = crate::time::date(input.payment_date);
    let claim = claim_by_number(&input.claim_number, &None)?;

    let notice = PaymentNotice {
        meta: meta_for("PaymentNotice"),
        identifier: vec![claim_number(&input.claim_number, &None)?],
        status: Some("active".into()),
        request: Some(claim.clone()),
        created: Some(now.clone()),
        payment: Some(Reference::to(&recon_url)),
        payment_date: Some(paid_on.clone()),
        payee: Some(Reference::to(&provider_url)),
        recipient: Some(Reference::to(&provider_url)),
        amount: Some(amount("amount", input.amount)?),
        payment_status: Some(CodeableConcept::coding(cs::PAYMENT_STATUS, "paid", "Paid")),
        ..Default::default()
    };

    // The details add up to the amount transferred: the approved (gross) payment, less TDS as a
    // negative adjustment. Net + TDS = approved, as payers state it.
    let tds = input.tds.filter(|t| !t.is_zero());
    if let Some(t) = tds {
        amount("tds", t)?;
    }
    let gross = parties::add("amount", input.amount, tds.unwrap_or_default())?;
    let mut detail = vec![PaymentDetail {
        type_: Some(CodeableConcept::coding(cs::PAYMENT_TYPE, "payment", "Payment")),
        request: Some(claim),
        date: Some(paid_on.clone()),
        payee: Some(Reference::to(&provider_url)),
        amount: Some(Money::inr(gross)),
        ..Default::default()
    }];
    if let Some(tds) = tds {
        detail.push(PaymentDetail {
            type_: Some(CodeableConcept {
                coding: vec![Coding::new(cs::PAYMENT_TYPE, "adjustment", "Adjustment")],
                text: Some("TDS (tax deducted at source)".into()),
                ..Default::default()
            }),
            date: Some(paid_on.clone()),
            amount: Some(Money::inr(-tds)),
            ..Default::default()
        });
    }

    let identifier = placer_identifier("noticeNumber", &input.notice_number)?;
    let reconciliation = PaymentReconciliation {
        meta: meta_for("PaymentReconciliation"),
        identifier: vec![identifier.clone()],
        status: Some("active".into()),
        created: Some(now.clone()),
        payment_issuer: Some(Reference::to(&payer_url)),
        requestor: Some(Reference::to(&provider_url)),
        outcome: Some("complete".into()),
        disposition: Some(format!("Payment for claim {}", input.claim_number.trim())),
        payment_date: Some(paid_on),
        payment_amount: Some(amount("amount", input.amount)?),
        payment_identifier: Some(Identifier {
            type_: Some(CodeableConcept::text("Bank transaction reference (UTR)")),
            value: Some(utr.to_owned()),
            ..Default::default()
        }),
        detail,
        ..Default::default()
    };

    let task = Task {
        meta: meta_for("Task"),
        status: Some("requested".into()),
        intent: Some("order".into()),
        code: Some(CodeableConcept::coding(cs::NDHM_TASK_CODES, "deliver", "Deliver")),
        description: Some("The payer notifies a payment".into()),
        focus: Some(Reference::to(&notice_url)),
        authored_on: Some(now),
        requester: Some(Reference::to(&payer_url)),
        owner: Some(Reference::to(&provider_url)),
        input: vec![TaskParameter {
            type_: Some(CodeableConcept::coding(
                cs::FINANCIAL_TASK_INPUT_TYPE,
                "status",
                "Status code",
            )),
            value_reference: Some(Reference::to(&notice_url)),
            ..Default::default()
        }],
        ..Default::default()
    };

    let mut writer = BundleWriter::new();
    writer.add(&task_id, task);
    writer.add(&notice_id, notice);
    writer.add(&recon_id, reconciliation);
    writer.add(&payer_id, parties::payer(&input.payer)?);
    writer.add(&provider_id, parties::provider(&input.provider)?);
    Ok(writer.finish(ctx, BundleProfile::TaskBundle, identifier))
}

/// What the acknowledgement's Task output says: the platform's `paymentack` status.
const PAYMENT_ACK: &str = "paymentack";

/// Builds the hospital's acknowledgement of a payment notice: a completed Task whose focus is the
/// payer's notice (by its number) and whose output says `paymentack`.
pub fn payment_ack_bundle(input: &PaymentAckInput, ctx: &mut BuildContext) -> Result<Bundle> {
    let (task_id, _) = BundleWriter::reserve(ctx);
    let (provider_id, provider_url) = BundleWriter::reserve(ctx);
    let (payer_id, payer_url) = BundleWriter::reserve(ctx);
    let now = ctx.now_text();
    let identifier = placer_identifier("ackNumber", &input.ack_number)?;
    let notice = placer_identifier("noticeNumber", &input.notice_number)?;
    let task = Task {
        meta: meta_for("Task"),
        identifier: vec![identifier.clone()],
        status: Some("completed".into()),
        intent: Some("order".into()),
        code: Some(CodeableConcept::coding(cs::NDHM_TASK_CODES, "deliver", "Deliver")),
        description: Some("Payment received".into()),
        focus: Some(Reference {
            type_: Some("PaymentReconciliation".into()),
            ..Reference::by_identifier(notice)
        }),
        authored_on: Some(now),
        requester: Some(Reference::to(&provider_url)),
        owner: Some(Reference::to(&payer_url)),
        output: vec![TaskParameter {
            type_: Some(CodeableConcept::coding(
                cs::FINANCIAL_TASK_INPUT_TYPE,
                "status",
                "Status code",
            )),
            value_string: Some(PAYMENT_ACK.into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut writer = BundleWriter::new();
    writer.add(&task_id, task);
    writer.add(&provider_id, parties::provider(&input.provider)?);
    writer.add(&payer_id, parties::payer(&input.payer)?);
    Ok(writer.finish(ctx, BundleProfile::TaskBundle, identifier))
}
