//! CoverageEligibilityRequestBundle and CoverageEligibilityResponseBundle (fhir-payloads.md §4.4,
//! §4.5).

use super::input::{EligibilityPurpose, EligibilityRequestInput, EligibilityResponseInput};
use super::parties::{self, amount, coding, concept};
use super::{BuildContext, BundleWriter, meta_for, placer_identifier};
use crate::profiles::{BundleProfile, cs, ids};
use crate::types::{
    Bundle, CodeableConcept, Coding, CoverageEligibilityRequest, CoverageEligibilityResponse,
    EligibilityBenefit, EligibilityDiagnosis, EligibilityInsurance, EligibilityItem,
    EligibilityResponseInsurance, EligibilityResponseItem, Identifier, Period, Reference,
};
use crate::{Error, Result};

fn purposes(p: &[EligibilityPurpose]) -> Result<Vec<String>> {
    if p.is_empty() {
        // NHCX answers PAYR-1032 to a request without a purpose.
        return Err(Error::input("purposes", "choose at least one purpose"));
    }
    let mut out: Vec<String> = p.iter().map(|x| x.code().to_owned()).collect();
    out.dedup();
    Ok(out)
}

/// The category used when the form gives none: HL7 `ex-benefitcategory#30`, the general
/// "Health Benefit Plan Coverage" (NRCeS requires a category on every eligibility item).
fn default_category() -> CodeableConcept {
    CodeableConcept::coding(cs::EX_BENEFIT_CATEGORY, "30", "Health Benefit Plan Coverage")
}

/// Builds a CoverageEligibilityRequestBundle.
pub fn eligibility_request_bundle(
    input: &EligibilityRequestInput,
    ctx: &mut BuildContext,
) -> Result<Bundle> {
    let (request_id, _) = BundleWriter::reserve(ctx);
    let (patient_id, patient_url) = BundleWriter::reserve(ctx);
    let (practitioner_id, practitioner_url) = BundleWriter::reserve(ctx);
    let (provider_id, provider_url) = BundleWriter::reserve(ctx);
    let (payer_id, payer_url) = BundleWriter::reserve(ctx);
    let (coverage_id, coverage_url) = BundleWriter::reserve(ctx);

    if let (Some(from), Some(to)) = (input.service_from, input.service_to)
        && to < from
    {
        return Err(Error::input("serviceTo", "is before serviceFrom"));
    }
    let serviced_period = input.service_from.map(|from| Period {
        start: Some(crate::time::date(from)),
        end: input.service_to.map(crate::time::date),
        ..Default::default()
    });

    let mut items = Vec::new();
    for (i, it) in input.items.iter().enumerate() {
        let field = format!("items[{i}]");
        let diagnosis = it
            .diagnoses
            .iter()
            .enumerate()
            .map(|(j, d)| -> Result<EligibilityDiagnosis> {
                let f = format!("{field}.diagnoses[{j}]");
                let code = super::required(&format!("{f}.icd10Code"), &d.icd10_code)?;
                let text = super::required(&format!("{f}.description"), &d.description)?;
                Ok(EligibilityDiagnosis {
                    diagnosis_codeable_concept: Some(CodeableConcept::coding(
                        cs::ICD10,
                        code,
                        text,
                    )),
                    ..Default::default()
                })
            })
            .collect::<Result<Vec<_>>>()?;
        items.push(EligibilityItem {
            category: Some(match &it.category {
                Some(c) => concept(&format!("{field}.category"), c, cs::NDHM_BENEFIT_CATEGORY)?,
                None => default_category(),
            }),
            product_or_service: Some(concept(
                &format!("{field}.product"),
                &it.product,
                cs::NDHM_PRODUCT_OR_SERVICE,
            )?),
            diagnosis,
            ..Default::default()
        });
    }

    let hfr = super::required("provider.hfrId", &input.provider.hfr_id)?;
    let identifier = placer_identifier("requestNumber", &input.request_number)?;
    let request = CoverageEligibilityRequest {
        meta: meta_for("CoverageEligibilityRequest"),
        identifier: vec![identifier.clone()],
        status: Some("active".into()),
        priority: Some(CodeableConcept::coding(cs::PROCESS_PRIORITY, "normal", "Normal")),
        purpose: purposes(&input.purposes)?,
        patient: Some(Reference::to(&patient_url)),
        serviced_period,
        created: Some(ctx.now_text()),
        enterer: Some(Reference::to(&practitioner_url)),
        provider: Some(Reference::to(&provider_url)),
        insurer: Some(Reference::to(&payer_url)),
        // NRCeS makes `facility` 1..1; the hospital is identified by its HFR id, as PMJAY does,
        // rather than by a Location resource nobody else reads.
        facility: Some(Reference {
            type_: Some("Location".into()),
            ..Reference::by_identifier(Identifier::typed(
                Coding::new(cs::V2_0203, "NPI", "National provider identifier"),
                Some(ids::HFR),
                hfr,
            ))
        }),
        insurance: vec![EligibilityInsurance {
            focal: Some(true),
            coverage: Some(Reference::to(&coverage_url)),
            ..Default::default()
        }],
        item: items,
        ..Default::default()
    };

    let mut writer = BundleWriter::new();
    writer.add(&request_id, request);
    writer.add(&patient_id, parties::patient(&input.patient)?);
    writer.add(&practitioner_id, parties::practitioner(&input.practitioner)?);
    writer.add(&provider_id, parties::provider(&input.provider)?);
    writer.add(&payer_id, parties::payer(&input.payer)?);
    writer.add(&coverage_id, parties::coverage(&input.policy, &patient_url, &payer_url)?);
    Ok(writer.finish(ctx, BundleProfile::CoverageEligibilityRequestBundle, identifier))
}

/// Builds a CoverageEligibilityResponseBundle (the payer's answer; used by the sandbox payer).
pub fn eligibility_response_bundle(
    input: &EligibilityResponseInput,
    ctx: &mut BuildContext,
) -> Result<Bundle> {
    let (response_id, _) = BundleWriter::reserve(ctx);
    let (patient_id, patient_url) = BundleWriter::reserve(ctx);
    let (provider_id, provider_url) = BundleWriter::reserve(ctx);
    let (payer_id, payer_url) = BundleWriter::reserve(ctx);
    let (coverage_id, coverage_url) = BundleWriter::reserve(ctx);

    let mut items = Vec::new();
    for (i, it) in input.items.iter().enumerate() {
        let field = format!("items[{i}]");
        let mut benefit = Vec::new();
        for (j, b) in it.benefits.iter().enumerate() {
            let f = format!("{field}.benefits[{j}]");
            benefit.push(EligibilityBenefit {
                type_: Some(concept(&format!("{f}.kind"), &b.kind, cs::BENEFIT_TYPE)?),
                allowed_money: b.allowed.map(|a| amount(&format!("{f}.allowed"), a)).transpose()?,
                used_money: b.used.map(|u| amount(&format!("{f}.used"), u)).transpose()?,
                ..Default::default()
            });
        }
        items.push(EligibilityResponseItem {
            category: it
                .category
                .as_ref()
                .map(|c| concept(&format!("{field}.category"), c, cs::EX_BENEFIT_CATEGORY))
                .transpose()?,
            product_or_service: Some(concept(
                &format!("{field}.product"),
                &it.product,
                cs::NDHM_PRODUCT_OR_SERVICE,
            )?),
            excluded: Some(it.excluded),
            authorization_required: Some(it.authorization_required),
            authorization_supporting: it
                .documents_required
                .iter()
                .enumerate()
                .map(|(j, d)| {
                    coding(
                        &format!("{field}.documentsRequired[{j}]"),
                        d,
                        cs::NDHM_SUPPORTINGINFO_CODE,
                    )
                    .map(|c| CodeableConcept { coding: vec![c], ..Default::default() })
                })
                .collect::<Result<Vec<_>>>()?,
            benefit,
            ..Default::default()
        });
    }

    let benefit_period = (input.policy.valid_from.is_some() || input.policy.valid_to.is_some())
        .then(|| Period {
            start: input.policy.valid_from.map(crate::time::date),
            end: input.policy.valid_to.map(crate::time::date),
            ..Default::default()
        });

    let request_identifier = placer_identifier("requestNumber", &input.request_number)?;
    let response = CoverageEligibilityResponse {
        meta: meta_for("CoverageEligibilityResponse"),
        status: Some("active".into()),
        purpose: purposes(&input.purposes)?,
        patient: Some(Reference::to(&patient_url)),
        created: Some(ctx.now_text()),
        requestor: Some(Reference::to(&provider_url)),
        request: Some(Reference {
            type_: Some("CoverageEligibilityRequest".into()),
            ..Reference::by_identifier(request_identifier.clone())
        }),
        outcome: Some("complete".into()),
        disposition: super::optional(&input.disposition).map(str::to_owned),
        insurer: Some(Reference::to(&payer_url)),
        insurance: vec![EligibilityResponseInsurance {
            coverage: Some(Reference::to(&coverage_url)),
            inforce: Some(input.inforce),
            benefit_period,
            item: items,
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
    Ok(writer.finish(ctx, BundleProfile::CoverageEligibilityResponseBundle, request_identifier))
}
