//! ClaimBundle: preauthorisation, predetermination and claim, with enhancement, settlement and
//! resubmission links (fhir-payloads.md §4.2).

use rust_decimal::{Decimal, RoundingStrategy};

use super::input::{ClaimInput, ClaimType, ClaimUse, DiagnosisKind, DocumentCarrier, RelatedKind};
use super::parties::{self, add, amount, claim_by_number, claim_number, concept};
use super::{BuildContext, BundleWriter, meta_for, seq};
use crate::profiles::{BundleProfile, cs};
use crate::types::{
    Bundle, Claim, ClaimCareTeam, ClaimDiagnosis, ClaimInsurance, ClaimItem, ClaimProcedure,
    ClaimRelated, ClaimSupportingInfo, CodeableConcept, Money, Period, Quantity, Reference,
};
use crate::{Error, Result};

/// Builds a ClaimBundle from form input.
///
/// Items get `net = quantity × unitPrice` rounded to paise and `Claim.total = Σ net`. Every item is
/// linked to every diagnosis, procedure and document (the form does not say otherwise), and to the
/// practitioner when one is given.
pub fn claim_bundle(input: &ClaimInput, ctx: &mut BuildContext) -> Result<Bundle> {
    if input.items.is_empty() {
        return Err(Error::input("items", "a claim needs at least one item"));
    }
    if input.diagnoses.is_empty() {
        return Err(Error::input("diagnoses", "NRCeS requires at least one diagnosis"));
    }

    let (claim_id, _) = BundleWriter::reserve(ctx);
    let (patient_id, patient_url) = BundleWriter::reserve(ctx);
    let (provider_id, provider_url) = BundleWriter::reserve(ctx);
    let (payer_id, payer_url) = BundleWriter::reserve(ctx);
    let (coverage_id, coverage_url) = BundleWriter::reserve(ctx);
    let now = ctx.now_text();

    let patient = parties::patient(&input.patient)?;
    let provider = parties::provider(&input.provider)?;
    let payer = parties::payer(&input.payer)?;
    let coverage = parties::coverage(&input.policy, &patient_url, &payer_url)?;

    let mut extra = BundleWriter::new();

    let mut care_team = Vec::new();
    if let Some(p) = &input.practitioner {
        let (id, url) = BundleWriter::reserve(ctx);
        extra.add(&id, parties::practitioner(p)?);
        care_team.push(ClaimCareTeam {
            sequence: Some(1),
            provider: Some(Reference::to(&url)),
            role: Some(CodeableConcept::coding(
                cs::SNOMED,
                "223366009",
                "Healthcare professional (occupation)",
            )),
            qualification: Some(CodeableConcept::coding(
                cs::SNOMED,
                "394658006",
                "Clinical specialty (qualifier value)",
            )),
            ..Default::default()
        });
    }

    let finished = input.use_ == ClaimUse::Claim;
    let mut encounter_url = None;
    if let Some(e) = &input.encounter {
        let (id, url) = BundleWriter::reserve(ctx);
        extra.add(&id, parties::encounter(e, &patient_url, &provider_url, finished)?);
        encounter_url = Some(url);
    }
    let billable_period = input.encounter.as_ref().map(|e| Period {
        start: Some(crate::time::instant(e.admitted)),
        end: e.discharged.map(crate::time::instant),
        ..Default::default()
    });

    let diagnosis = input
        .diagnoses
        .iter()
        .enumerate()
        .map(|(i, d)| diagnosis(i, d))
        .collect::<Result<Vec<_>>>()?;

    // A procedure becomes a Procedure resource when coded in SNOMED CT; NRCeS fixes
    // Procedure.code to SNOMED, so anything else (a package code) stays on the Claim.
    let procedure_status = if finished { "completed" } else { "preparation" };
    let mut procedures = Vec::new();
    for (i, p) in input.procedures.iter().enumerate() {
        let field = format!("procedures[{i}]");
        let is_snomed = p.code.system.as_deref().is_none_or(|s| s.trim() == cs::SNOMED);
        let mut entry = ClaimProcedure {
            sequence: Some(seq(i)),
            date: p.date.map(crate::time::date),
            ..Default::default()
        };
        if is_snomed {
            let (id, url) = BundleWriter::reserve(ctx);
            extra.add(&id, parties::procedure(&field, p, &patient_url, procedure_status)?);
            entry.procedure_reference = Some(Reference::to(&url));
        } else {
            entry.procedure_codeable_concept = Some(concept(&field, &p.code, cs::SNOMED)?);
        }
        procedures.push(entry);
    }

    let mut supporting_info = Vec::new();
    for (i, doc) in input.documents.iter().enumerate() {
        let field = format!("documents[{i}]");
        let code = concept(&format!("{field}.code"), &doc.code, cs::NDHM_SUPPORTINGINFO_CODE)?;
        let mut info = ClaimSupportingInfo {
            sequence: Some(seq(i)),
            category: Some(concept(
                &format!("{field}.category"),
                &doc.category,
                cs::NDHM_SUPPORTINGINFO_CATEGORY,
            )?),
            code: Some(code.clone()),
            ..Default::default()
        };
        match doc.carrier {
            DocumentCarrier::Inline => {
                parties::check_attachment(&field, &doc.attachment)?;
                info.value_attachment = Some(doc.attachment.clone());
            }
            DocumentCarrier::DocumentReference => {
                let (id, url) = BundleWriter::reserve(ctx);
                extra.add(
                    &id,
                    parties::document_reference(&field, &doc.attachment, code, &patient_url, &now)?,
                );
                info.value_reference = Some(Reference::to(&url));
            }
        }
        supporting_info.push(info);
    }

    let mut items = Vec::new();
    let mut total = Decimal::ZERO;
    for (i, item) in input.items.iter().enumerate() {
        let field = format!("items[{i}]");
        if item.quantity <= Decimal::ZERO {
            return Err(Error::input(format!("{field}.quantity"), "must be more than zero"));
        }
        let unit_price = amount(&format!("{field}.unitPrice"), item.unit_price)?;
        let net = item
            .quantity
            .checked_mul(item.unit_price)
            .ok_or_else(|| {
                Error::input(format!("{field}.quantity"), "quantity × unit price is too large")
            })?
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        // The net is written as an amount too, so it obeys the same bound.
        amount(&format!("{field}.quantity"), net)?;
        total = add("total", total, net)?;
        let (serviced_date, serviced_period) = match (item.service_date, &input.encounter) {
            (Some(d), _) => (Some(crate::time::date(d)), None),
            (None, Some(e)) => (
                None,
                Some(Period {
                    start: Some(crate::time::date(e.admitted.date_naive())),
                    end: e.discharged.map(|d| crate::time::date(d.date_naive())),
                    ..Default::default()
                }),
            ),
            (None, None) => (Some(crate::time::date(ctx.now().date_naive())), None),
        };
        items.push(ClaimItem {
            sequence: Some(seq(i)),
            care_team_sequence: care_team.iter().filter_map(|c| c.sequence).collect(),
            diagnosis_sequence: diagnosis.iter().filter_map(|d| d.sequence).collect(),
            procedure_sequence: procedures.iter().filter_map(|p| p.sequence).collect(),
            information_sequence: supporting_info.iter().filter_map(|s| s.sequence).collect(),
            category: item
                .category
                .as_ref()
                .map(|c| concept(&format!("{field}.category"), c, cs::NDHM_BENEFIT_CATEGORY))
                .transpose()?,
            product_or_service: Some(concept(
                &format!("{field}.product"),
                &item.product,
                cs::NDHM_PRODUCT_OR_SERVICE,
            )?),
            serviced_date,
            serviced_period,
            quantity: Some(Quantity::count(item.quantity)),
            unit_price: Some(unit_price),
            net: Some(Money::inr(net)),
            encounter: encounter_url.iter().map(|u| Reference::to(u)).collect(),
            ..Default::default()
        });
    }

    let related = input
        .related
        .as_ref()
        .map(|r| -> Result<ClaimRelated> {
            let (system, code, display) = match r.kind {
                RelatedKind::Enhancement => (cs::NDHM_RELATED_CLAIM, "enhancement", "Enhancement"),
                RelatedKind::Settlement => (cs::NDHM_RELATED_CLAIM, "settlement", "Settlement"),
                RelatedKind::Resubmission => (cs::EX_RELATED_CLAIM, "prior", "Prior Claim"),
            };
            Ok(ClaimRelated {
                claim: Some(claim_by_number(&r.claim_number, &input.claim_number_system)?),
                relationship: Some(CodeableConcept::coding(system, code, display)),
                ..Default::default()
            })
        })
        .transpose()?
        .into_iter()
        .collect();

    let identifier = claim_number(&input.claim_number, &input.claim_number_system)?;
    let claim = Claim {
        meta: meta_for("Claim"),
        identifier: vec![identifier.clone()],
        status: Some("active".into()),
        type_: Some(claim_type(input.claim_type)),
        use_: Some(input.use_.code().into()),
        patient: Some(Reference::to(&patient_url)),
        billable_period,
        created: Some(now.clone()),
        insurer: Some(Reference::to(&payer_url)),
        provider: Some(Reference::to(&provider_url)),
        priority: Some(CodeableConcept::coding(cs::PROCESS_PRIORITY, "normal", "Normal")),
        related,
        care_team,
        supporting_info,
        diagnosis,
        procedure: procedures,
        insurance: vec![ClaimInsurance {
            sequence: Some(1),
            focal: Some(true),
            coverage: Some(Reference::to(&coverage_url)),
            pre_auth_ref: super::optional(&input.pre_auth_ref)
                .map(|r| vec![r.to_owned()])
                .unwrap_or_default(),
            ..Default::default()
        }],
        item: items,
        total: Some(Money::inr(total)),
        ..Default::default()
    };

    let mut writer = BundleWriter::new();
    writer.add(&claim_id, claim);
    writer.add(&patient_id, patient);
    writer.add(&provider_id, provider);
    writer.add(&payer_id, payer);
    writer.add(&coverage_id, coverage);
    writer.append(extra);
    Ok(writer.finish(ctx, BundleProfile::ClaimBundle, identifier))
}

fn diagnosis(i: usize, d: &super::input::DiagnosisInput) -> Result<ClaimDiagnosis> {
    let field = format!("diagnoses[{i}]");
    let code = super::required(&format!("{field}.icd10Code"), &d.icd10_code)?;
    let text = super::required(&format!("{field}.description"), &d.description)?;
    let (type_code, type_display) = match d.kind {
        DiagnosisKind::Provisional => {
            ("148006", "Preliminary diagnosis (contextual qualifier) (qualifier value)")
        }
        DiagnosisKind::Final => {
            ("89100005", "Final diagnosis (discharge) (contextual qualifier) (qualifier value)")
        }
    };
    Ok(ClaimDiagnosis {
        sequence: Some(seq(i)),
        // ICD-10 as a concept, not a Condition reference: payers reject references (PAYR-1513).
        diagnosis_codeable_concept: Some(CodeableConcept::coding(cs::ICD10, code, text)),
        type_: vec![CodeableConcept::coding(cs::SNOMED, type_code, type_display)],
        ..Default::default()
    })
}

pub(crate) fn claim_type(t: ClaimType) -> CodeableConcept {
    let (code, display) = match t {
        ClaimType::Inpatient => ("737481003", "Inpatient care management (procedure)"),
        ClaimType::Outpatient => ("737492002", "Outpatient care management (procedure)"),
        ClaimType::DayCare => ("737850002", "Day care case management (procedure)"),
    };
    CodeableConcept::coding(cs::SNOMED, code, display)
}
