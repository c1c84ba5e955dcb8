//! The supporting resources every bundle carries (fhir-payloads.md §4.1): Patient, the two
//! Organizations, Practitioner, Coverage, Procedure, Encounter, DocumentReference; and the small
//! coding helpers all builders share.

use rust_decimal::Decimal;

use super::input::{
    CodeInput, EncounterInput, EncounterKind, PatientInput, PayerInput, PolicyInput,
    PractitionerInput, ProcedureInput, ProviderInput,
};
use super::{meta_for, optional, required};
use crate::profiles::{MAX_AMOUNT, cs, ids};
use crate::types::{
    Attachment, CodeableConcept, Coding, ContactPoint, Coverage, CoverageClass, DocumentReference,
    DocumentReferenceContent, Encounter, HumanName, Identifier, Money, Organization, Patient,
    Period, Practitioner, Procedure, Reference,
};
use crate::{Error, Result};

/// A coding from form input, with the field's default system.
pub(crate) fn coding(field: &str, input: &CodeInput, default_system: &str) -> Result<Coding> {
    let system = optional(&input.system).unwrap_or(default_system);
    let code = required(&format!("{field}.code"), &input.code)?;
    let display = required(&format!("{field}.display"), &input.display)?;
    Ok(Coding::new(system, code, display))
}

/// A one-coding concept from form input.
pub(crate) fn concept(
    field: &str,
    input: &CodeInput,
    default_system: &str,
) -> Result<CodeableConcept> {
    Ok(CodeableConcept {
        coding: vec![coding(field, input, default_system)?],
        ..Default::default()
    })
}

/// The claim-number identifier (`CLN`), used on Claim/ClaimResponse and in logical references.
pub(crate) fn claim_number(number: &str, system: &Option<String>) -> Result<Identifier> {
    let number = required("claimNumber", number)?;
    Ok(Identifier::typed(
        Coding::new(cs::NDHM_IDENTIFIER_TYPE, "CLN", "Claim number"),
        optional(system),
        number,
    ))
}

/// A logical reference to a claim by its number (the earlier claim is not in the bundle).
pub(crate) fn claim_by_number(number: &str, system: &Option<String>) -> Result<Reference> {
    Ok(Reference {
        type_: Some("Claim".into()),
        ..Reference::by_identifier(claim_number(number, system)?)
    })
}

/// A money amount that must be zero or more, and no more than any real claim.
pub(crate) fn amount(field: &str, value: Decimal) -> Result<Money> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(Error::input(field, "must not be negative"));
    }
    if value > MAX_AMOUNT {
        return Err(Error::input(field, "is beyond any real amount (more than 10^13 INR)"));
    }
    Ok(Money::inr(value))
}

/// `a + b` for a total the builder writes; `Err` naming `field` when it overflows or goes past
/// [`MAX_AMOUNT`] (a summary would refuse such a total).
pub(crate) fn add(field: &str, a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_add(b)
        .filter(|sum| sum.abs() <= MAX_AMOUNT)
        .ok_or_else(|| Error::input(field, "the amounts add up to more than any real claim"))
}

pub(crate) fn patient(p: &PatientInput) -> Result<Patient> {
    let name = required("patient.name", &p.name)?;
    let mut identifier = Vec::new();
    if let Some(abha) = optional(&p.abha_number) {
        let digits: String = abha.chars().filter(char::is_ascii_digit).collect();
        if digits.len() != 14 || abha.chars().any(|c| !(c.is_ascii_digit() || c == '-' || c == ' '))
        {
            return Err(Error::input("patient.abhaNumber", "an ABHA number has 14 digits"));
        }
        // NRCeS: the 14-digit ABHA number is `HIN`, the address is `ABHA`; neither has a
        // published namespace, so no `system` (fhir-payloads.md §9 P5).
        identifier.push(Identifier::typed(
            Coding::new(cs::NDHM_IDENTIFIER_TYPE, "HIN", "Health ID issued by NDHM"),
            None,
            abha,
        ));
    }
    if let Some(address) = optional(&p.abha_address) {
        identifier.push(Identifier::typed(
            Coding::new(
                cs::NDHM_IDENTIFIER_TYPE,
                "ABHA",
                "Ayushman Bharat Health Account (ABHA) ID",
            ),
            None,
            address,
        ));
    }
    if let Some(pmjay) = optional(&p.pmjay_id) {
        identifier.push(Identifier::typed(
            Coding::new(cs::NDHM_IDENTIFIER_TYPE, "PMJAY", "PMJAY beneficiary ID"),
            Some(ids::PMJAY),
            pmjay,
        ));
    }
    if let Some(mrn) = optional(&p.mrn) {
        identifier.push(Identifier::typed(
            Coding::new(cs::V2_0203, "MR", "Medical record number"),
            None,
            mrn,
        ));
    }
    if identifier.is_empty() {
        // NRCeS Patient.identifier is 1..*: the payer must be able to find the patient.
        return Err(Error::input(
            "patient",
            "give at least one of ABHA number, ABHA address, PMJAY id or MRN",
        ));
    }
    Ok(Patient {
        meta: meta_for("Patient"),
        identifier,
        name: vec![HumanName { text: Some(name.to_owned()), ..Default::default() }],
        telecom: phone(&p.phone),
        gender: Some(p.gender.code().to_owned()),
        birth_date: p.birth_date.map(crate::time::date),
        ..Default::default()
    })
}

fn phone(p: &Option<String>) -> Vec<ContactPoint> {
    optional(p)
        .map(|v| {
            vec![ContactPoint {
                system: Some("phone".into()),
                value: Some(v.to_owned()),
                ..Default::default()
            }]
        })
        .unwrap_or_default()
}

fn org_type(code: &str, display: &str) -> Vec<CodeableConcept> {
    vec![CodeableConcept::coding(cs::ORGANIZATION_TYPE, code, display)]
}

pub(crate) fn provider(p: &ProviderInput) -> Result<Organization> {
    let hfr = required("provider.hfrId", &p.hfr_id)?;
    let mut identifier = vec![Identifier::typed(
        Coding::new(cs::V2_0203, "NPI", "National provider identifier"),
        Some(ids::HFR),
        hfr,
    )];
    if let Some(rohini) = optional(&p.rohini_id) {
        identifier.push(Identifier::typed(
            Coding::new(cs::NDHM_IDENTIFIER_TYPE, "ROHINI", "ROHINI ID"),
            Some(ids::ROHINI),
            rohini,
        ));
    }
    Ok(Organization {
        meta: meta_for("Organization"),
        identifier,
        type_: org_type("prov", "Healthcare Provider"),
        name: Some(required("provider.name", &p.name)?.to_owned()),
        telecom: phone(&p.phone),
        ..Default::default()
    })
}

pub(crate) fn payer(p: &PayerInput) -> Result<Organization> {
    let code = required("payer.code", &p.code)?;
    Ok(Organization {
        meta: meta_for("Organization"),
        identifier: vec![Identifier::typed(
            Coding::new(cs::V2_0203, "NIIP", "National Insurance Payor Identifier (Payor)"),
            Some(optional(&p.id_system).unwrap_or(ids::PAYER)),
            code,
        )],
        type_: org_type("pay", "Payer"),
        name: Some(required("payer.name", &p.name)?.to_owned()),
        ..Default::default()
    })
}

pub(crate) fn practitioner(p: &PractitionerInput) -> Result<Practitioner> {
    Ok(Practitioner {
        meta: meta_for("Practitioner"),
        identifier: vec![Identifier::typed(
            Coding::new(cs::NDHM_IDENTIFIER_TYPE, "HPIN", "Health Practitioner ID issued by NDHM"),
            Some(ids::HPR),
            required("practitioner.hprId", &p.hpr_id)?,
        )],
        name: vec![HumanName {
            text: Some(required("practitioner.name", &p.name)?.to_owned()),
            ..Default::default()
        }],
        ..Default::default()
    })
}

pub(crate) fn coverage(p: &PolicyInput, patient_url: &str, payer_url: &str) -> Result<Coverage> {
    let number = required("policy.policyNumber", &p.policy_number)?;
    let class = optional(&p.plan)
        .map(|plan| {
            vec![CoverageClass {
                type_: Some(CodeableConcept::coding(cs::COVERAGE_CLASS, "plan", "Plan")),
                value: Some(plan.to_owned()),
                name: Some(plan.to_owned()),
                ..Default::default()
            }]
        })
        .unwrap_or_default();
    let period = (p.valid_from.is_some() || p.valid_to.is_some()).then(|| Period {
        start: p.valid_from.map(crate::time::date),
        end: p.valid_to.map(crate::time::date),
        ..Default::default()
    });
    Ok(Coverage {
        meta: meta_for("Coverage"),
        identifier: vec![Identifier::typed(
            Coding::new(cs::V2_0203, "NH", "National Health Plan Identifier"),
            optional(&p.policy_system),
            number,
        )],
        status: Some("active".into()),
        type_: Some(CodeableConcept::coding(
            cs::V3_ACT_CODE,
            "HIP",
            "health insurance plan policy",
        )),
        subscriber: Some(Reference::to(patient_url)),
        subscriber_id: optional(&p.member_id).map(str::to_owned),
        beneficiary: Some(Reference::to(patient_url)),
        relationship: Some(CodeableConcept::coding(cs::SUBSCRIBER_RELATIONSHIP, "self", "Self")),
        period,
        payor: vec![Reference::to(payer_url)],
        class,
        ..Default::default()
    })
}

/// A Procedure resource, when the code is SNOMED CT (the only system NRCeS allows there).
pub(crate) fn procedure(
    field: &str,
    p: &ProcedureInput,
    patient_url: &str,
    status: &str,
) -> Result<Procedure> {
    Ok(Procedure {
        meta: meta_for("Procedure"),
        status: Some(status.to_owned()),
        code: Some(concept(field, &p.code, cs::SNOMED)?),
        subject: Some(Reference::to(patient_url)),
        performed_date_time: p.date.map(crate::time::date),
        ..Default::default()
    })
}

pub(crate) fn encounter(
    e: &EncounterInput,
    patient_url: &str,
    provider_url: &str,
    finished: bool,
) -> Result<Encounter> {
    let (code, display) = match e.kind {
        EncounterKind::Inpatient => ("IMP", "inpatient encounter"),
        EncounterKind::Outpatient => ("AMB", "ambulatory"),
        EncounterKind::Emergency => ("EMER", "emergency"),
        EncounterKind::DayCare => ("SS", "short stay"),
    };
    if let Some(d) = e.discharged
        && d < e.admitted
    {
        return Err(Error::input("encounter.discharged", "is before the admission"));
    }
    Ok(Encounter {
        meta: meta_for("Encounter"),
        status: Some(if finished { "finished" } else { "planned" }.into()),
        class: Some(Coding::new(cs::V3_ACT_CODE, code, display)),
        subject: Some(Reference::to(patient_url)),
        period: Some(Period {
            start: Some(crate::time::instant(e.admitted)),
            end: e.discharged.map(crate::time::instant),
            ..Default::default()
        }),
        service_provider: Some(Reference::to(provider_url)),
        ..Default::default()
    })
}

/// A DocumentReference carrying one attachment.
pub(crate) fn document_reference(
    field: &str,
    attachment: &Attachment,
    doc_type: CodeableConcept,
    patient_url: &str,
    now: &str,
) -> Result<DocumentReference> {
    check_attachment(field, attachment)?;
    Ok(DocumentReference {
        meta: meta_for("DocumentReference"),
        status: Some("current".into()),
        doc_status: Some("final".into()),
        type_: Some(doc_type),
        subject: Some(Reference::to(patient_url)),
        date: Some(now.to_owned()),
        content: vec![DocumentReferenceContent {
            attachment: Some(attachment.clone()),
            ..Default::default()
        }],
        ..Default::default()
    })
}

/// An attachment must carry data, a content type and a title (PAYR-1036).
pub(crate) fn check_attachment(field: &str, a: &Attachment) -> Result<()> {
    if optional(&a.content_type).is_none() {
        return Err(Error::input(format!("{field}.contentType"), "is required"));
    }
    if optional(&a.title).is_none() {
        return Err(Error::input(format!("{field}.title"), "is required"));
    }
    if optional(&a.data).is_none() {
        return Err(Error::input(format!("{field}.data"), "the document has no content"));
    }
    Ok(())
}
