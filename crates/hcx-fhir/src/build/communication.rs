//! TaskBundles for the communication cycle (fhir-payloads.md §4.6): the payer's
//! CommunicationRequest ("send us these documents") and the hospital's Communication answer.

use super::input::{CommunicationInput, CommunicationRequestInput};
use super::parties::{self, claim_by_number};
use super::{BuildContext, BundleWriter, meta_for, placer_identifier};
use crate::profiles::{BundleProfile, cs};
use crate::types::{
    Bundle, CodeableConcept, Communication, CommunicationPayload, CommunicationRequest, Reference,
    Task, TaskParameter,
};
use crate::{Error, Result};

/// Builds the payer's query: a Task (`poll`) pointing at a CommunicationRequest with one payload
/// line per document or question asked.
pub fn communication_request_bundle(
    input: &CommunicationRequestInput,
    ctx: &mut BuildContext,
) -> Result<Bundle> {
    let asks: Vec<&str> = input.asks.iter().map(|a| a.trim()).filter(|a| !a.is_empty()).collect();
    if asks.is_empty() {
        return Err(Error::input("asks", "say what the hospital must send"));
    }
    let (task_id, _) = BundleWriter::reserve(ctx);
    let (request_id, request_url) = BundleWriter::reserve(ctx);
    let (patient_id, patient_url) = BundleWriter::reserve(ctx);
    let (payer_id, payer_url) = BundleWriter::reserve(ctx);
    let (provider_id, provider_url) = BundleWriter::reserve(ctx);
    let now = ctx.now_text();

    let identifier = placer_identifier("requestNumber", &input.request_number)?;
    let request = CommunicationRequest {
        meta: meta_for("CommunicationRequest"),
        identifier: vec![identifier.clone()],
        based_on: vec![claim_by_number(&input.claim_number, &None)?],
        status: Some("active".into()),
        category: vec![CodeableConcept::coding(cs::COMMUNICATION_CATEGORY, "alert", "Alert")],
        priority: Some("routine".into()),
        subject: Some(Reference::to(&patient_url)),
        payload: asks
            .iter()
            .map(|a| CommunicationPayload {
                content_string: Some((*a).to_owned()),
                ..Default::default()
            })
            .collect(),
        authored_on: Some(now.clone()),
        requester: Some(Reference::to(&payer_url)),
        sender: Some(Reference::to(&payer_url)),
        recipient: vec![Reference::to(&provider_url)],
        ..Default::default()
    };
    let task = Task {
        meta: meta_for("Task"),
        status: Some("requested".into()),
        // `order`: the payer needs an answer (a `proposal` would be a notification only).
        intent: Some("order".into()),
        code: Some(CodeableConcept::coding(cs::FINANCIAL_TASK_CODE, "poll", "Poll")),
        description: Some("The payer asks for more information about a claim".into()),
        focus: Some(Reference::to(&request_url)),
        authored_on: Some(now),
        requester: Some(Reference::to(&payer_url)),
        owner: Some(Reference::to(&provider_url)),
        input: vec![TaskParameter {
            type_: Some(CodeableConcept::coding(
                cs::FINANCIAL_TASK_INPUT_TYPE,
                "include",
                "Include",
            )),
            value_reference: Some(Reference::to(&request_url)),
            ..Default::default()
        }],
        ..Default::default()
    };

    let mut writer = BundleWriter::new();
    writer.add(&task_id, task);
    writer.add(&request_id, request);
    writer.add(&patient_id, parties::patient(&input.patient)?);
    writer.add(&payer_id, parties::payer(&input.payer)?);
    writer.add(&provider_id, parties::provider(&input.provider)?);
    Ok(writer.finish(ctx, BundleProfile::TaskBundle, identifier))
}

/// Builds the hospital's answer: a completed Task (`deliver`) whose output is a Communication
/// carrying the message and the documents.
pub fn communication_bundle(input: &CommunicationInput, ctx: &mut BuildContext) -> Result<Bundle> {
    let message = super::optional(&input.message);
    if message.is_none() && input.attachments.is_empty() {
        return Err(Error::input("attachments", "send a message or at least one document"));
    }
    let (task_id, _) = BundleWriter::reserve(ctx);
    let (communication_id, communication_url) = BundleWriter::reserve(ctx);
    let (patient_id, patient_url) = BundleWriter::reserve(ctx);
    let (provider_id, provider_url) = BundleWriter::reserve(ctx);
    let (payer_id, payer_url) = BundleWriter::reserve(ctx);
    let now = ctx.now_text();

    let mut payload: Vec<CommunicationPayload> = message
        .map(|m| CommunicationPayload { content_string: Some(m.to_owned()), ..Default::default() })
        .into_iter()
        .collect();
    for (i, a) in input.attachments.iter().enumerate() {
        parties::check_attachment(&format!("attachments[{i}]"), a)?;
        payload.push(CommunicationPayload {
            content_attachment: Some(a.clone()),
            ..Default::default()
        });
    }

    let identifier = placer_identifier("communicationNumber", &input.communication_number)?;
    let communication = Communication {
        meta: meta_for("Communication"),
        identifier: vec![identifier.clone()],
        based_on: vec![Reference {
            type_: Some("CommunicationRequest".into()),
            ..Reference::by_identifier(placer_identifier("requestNumber", &input.request_number)?)
        }],
        status: Some("completed".into()),
        category: vec![CodeableConcept::coding(
            cs::COMMUNICATION_CATEGORY,
            "notification",
            "Notification",
        )],
        priority: Some("routine".into()),
        subject: Some(Reference::to(&patient_url)),
        about: vec![claim_by_number(&input.claim_number, &None)?],
        sent: Some(now.clone()),
        recipient: vec![Reference::to(&payer_url)],
        sender: Some(Reference::to(&provider_url)),
        payload,
        ..Default::default()
    };
    let task = Task {
        meta: meta_for("Task"),
        status: Some("completed".into()),
        intent: Some("order".into()),
        code: Some(CodeableConcept::coding(cs::NDHM_TASK_CODES, "deliver", "Deliver")),
        description: Some("The hospital answers the payer's request".into()),
        focus: Some(Reference::to(&communication_url)),
        authored_on: Some(now),
        requester: Some(Reference::to(&provider_url)),
        owner: Some(Reference::to(&payer_url)),
        output: vec![TaskParameter {
            type_: Some(CodeableConcept::coding(cs::SNOMED, "263536004", "Communication")),
            value_reference: Some(Reference::to(&communication_url)),
            ..Default::default()
        }],
        ..Default::default()
    };

    let mut writer = BundleWriter::new();
    writer.add(&task_id, task);
    writer.add(&communication_id, communication);
    writer.add(&patient_id, parties::patient(&input.patient)?);
    writer.add(&provider_id, parties::provider(&input.provider)?);
    writer.add(&payer_id, parties::payer(&input.payer)?);
    Ok(writer.finish(ctx, BundleProfile::TaskBundle, identifier))
}
