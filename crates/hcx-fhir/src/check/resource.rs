//! Per-resource rules: id, NRCeS profile, required elements (fhir-payloads.md §3), codes bound to
//! required value sets, identifiers, dates, and the resource-specific rules.

use serde_json::Value;

use super::{Ctx, claim, noun, rules, walk};
use crate::json::{arr, child, index, many, present, str_of};
use crate::profiles::{self, codes, cs};
use crate::time;

/// A valid FHIR id: `[A-Za-z0-9\-\.]{1,64}`.
pub(super) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

pub(super) fn check_resource(ctx: &mut Ctx<'_>, r: &Value) {
    let Some(rt) = str_of(r, "resourceType") else {
        ctx.error(
            "resourceType",
            rules::RESOURCE_TYPE_MISSING,
            "This entry's resource has no resourceType, so nobody can read it.",
        );
        return;
    };
    let rt = rt.to_owned();
    let rt = rt.as_str();

    match str_of(r, "id") {
        None => ctx.error(
            &child(rt, "id"),
            rules::RESOURCE_ID_INVALID,
            &format!("The {} has no id.", noun(rt)),
        ),
        Some(id) if !valid_id(id) => ctx.error(
            &child(rt, "id"),
            rules::RESOURCE_ID_INVALID,
            &format!(
                "The {} id \"{id}\" is not a valid FHIR id (letters, digits, '-' and '.', at most \
                 64).",
                noun(rt)
            ),
        ),
        Some(_) => {}
    }

    check_profile(ctx, r, rt);
    check_required(ctx, r, rt);
    check_codes(ctx, r, rt);
    check_identifiers(ctx, r, rt);
    check_dates(ctx, r, rt);
    check_reference_types(ctx, r, rt);
    match rt {
        "Patient" => check_patient(ctx, r),
        "Procedure" => check_procedure(ctx, r),
        "Claim" => claim::check_claim(ctx, r),
        "ClaimResponse" => claim::check_claim_response(ctx, r),
        _ => {}
    }
    walk::walk_resource(ctx, r, rt);
}

fn check_profile(ctx: &mut Ctx<'_>, r: &Value, rt: &str) {
    let Some(expected) = profiles::resource_profile(rt) else { return };
    let declared: Vec<&str> = r
        .get("meta")
        .map(|m| arr(m, "profile").iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let path = format!("{rt}.meta.profile");
    if declared.is_empty() {
        ctx.error(
            &path,
            rules::RESOURCE_PROFILE_MISSING,
            &format!(
                "The {} does not name its NRCeS profile; add meta.profile {expected}.",
                noun(rt)
            ),
        );
    } else if !declared.contains(&expected.as_str()) {
        let legacy = declared.iter().any(|p| p.contains("hcxprotocol.io"));
        let hint = if legacy { " (this is the older Swasth HCX profile)" } else { "" };
        ctx.error(
            &path,
            rules::RESOURCE_PROFILE_WRONG,
            &format!(
                "The {} claims profile {}{hint}; NHCX expects {expected}.",
                noun(rt),
                declared.join(", ")
            ),
        );
    }
}

/// Required elements per NRCeS profile (fhir-payloads.md §3) and base R4 minimums. A spec is a
/// dotted path; `name[]` walks every element of a list; a trailing `[x]` accepts any choice type
/// (`diagnosis[x]` = `diagnosisCodeableConcept` or `diagnosisReference`).
const REQUIRED: &[(&str, &[(&str, &str)])] = &[
    (
        "Claim",
        &[
            ("identifier", "the claim number (identifier)"),
            ("status", "its status (active)"),
            ("type", "the claim type (inpatient, outpatient, day care)"),
            ("use", "whether it is a preauthorisation, claim or predetermination (use)"),
            ("patient", "the patient"),
            ("created", "when it was created"),
            ("insurer", "the insurer it is sent to"),
            ("provider", "the hospital (provider)"),
            ("priority", "its priority"),
            ("diagnosis", "at least one diagnosis"),
            ("insurance", "the policy it is claimed under (insurance)"),
            ("item", "at least one billed item"),
            ("diagnosis[].sequence", "the diagnosis number (sequence)"),
            ("diagnosis[].diagnosis[x]", "the diagnosis code"),
            ("diagnosis[].type", "whether the diagnosis is provisional or final (type)"),
            ("insurance[].sequence", "the policy's number (sequence)"),
            ("insurance[].focal", "whether this policy is the one to bill (focal)"),
            ("insurance[].coverage", "the policy (coverage)"),
            ("item[].sequence", "the item number (sequence)"),
            ("item[].productOrService", "what was provided (productOrService)"),
            ("supportingInfo[].sequence", "the document's number (sequence)"),
            ("supportingInfo[].category", "the document's category"),
            ("supportingInfo[].code", "the document's code"),
            ("careTeam[].sequence", "the care team member's number (sequence)"),
            ("careTeam[].provider", "the care team member (provider)"),
            ("related[].relationship", "how it relates to the earlier claim (relationship)"),
            ("procedure[].sequence", "the procedure number (sequence)"),
            ("procedure[].procedure[x]", "the procedure code or reference"),
            ("payee.type", "the payee type"),
        ],
    ),
    (
        "ClaimResponse",
        &[
            ("status", "its status"),
            ("type", "the claim type"),
            ("use", "whether it answers a preauthorisation, claim or predetermination (use)"),
            ("patient", "the patient"),
            ("created", "when it was created"),
            ("insurer", "the insurer"),
            ("outcome", "the outcome (complete, partial, queued, error)"),
            ("item[].itemSequence", "which claim item it answers (itemSequence)"),
            ("item[].adjudication", "the item's adjudication"),
            ("item[].adjudication[].category", "the adjudication category"),
            ("adjudication[].category", "the adjudication category"),
            ("total[].category", "the total's category"),
            ("total[].amount", "the total's amount"),
            ("payment.type", "the payment type"),
            ("payment.amount", "the payment amount"),
            ("insurance[].sequence", "the policy's number (sequence)"),
            ("insurance[].focal", "whether this policy is the one billed (focal)"),
            ("insurance[].coverage", "the policy (coverage)"),
            ("processNote[].text", "the note's text"),
            ("error[].code", "the error code"),
        ],
    ),
    (
        "CoverageEligibilityRequest",
        &[
            ("identifier", "its reference number (identifier)"),
            ("status", "its status"),
            ("priority", "its priority"),
            ("purpose", "what is asked (purpose)"),
            ("patient", "the patient"),
            ("created", "when it was created"),
            ("enterer", "who entered it (enterer)"),
            ("provider", "the hospital (provider)"),
            ("insurer", "the insurer"),
            ("facility", "the facility"),
            ("insurance", "the policy (insurance)"),
            ("insurance[].coverage", "the policy (coverage)"),
            ("item[].productOrService", "the service asked about (productOrService)"),
            ("item[].category", "the service category"),
            ("supportingInfo[].sequence", "the supporting information number (sequence)"),
            ("supportingInfo[].information", "the supporting information"),
        ],
    ),
    (
        "CoverageEligibilityResponse",
        &[
            ("status", "its status"),
            ("purpose", "what it answers (purpose)"),
            ("patient", "the patient"),
            ("created", "when it was created"),
            ("requestor", "the hospital that asked (requestor)"),
            ("request", "the request it answers"),
            ("outcome", "the outcome"),
            ("insurer", "the insurer"),
            ("insurance[].coverage", "the policy (coverage)"),
            ("insurance[].item[].productOrService", "the service (productOrService)"),
            ("insurance[].item[].benefit[].type", "the benefit type"),
            ("error[].code", "the error code"),
        ],
    ),
    (
        "Coverage",
        &[
            ("status", "its status"),
            ("beneficiary", "the insured person (beneficiary)"),
            ("payor", "the insurer paying (payor)"),
            ("class[].type", "the class type (plan, group)"),
            ("class[].value", "the class value"),
        ],
    ),
    (
        "Patient",
        &[
            ("identifier", "an identifier (ABHA number, ABHA address, PMJAY id or MRN)"),
            ("name", "a name"),
            ("name[].text", "the full name as text"),
            ("telecom[].value", "the phone number or e-mail"),
        ],
    ),
    ("Organization", &[("identifier", "an identifier (HFR id, payer id)"), ("name", "a name")]),
    (
        "Practitioner",
        &[
            ("identifier", "an identifier (HPR id)"),
            ("name", "a name"),
            ("name[].text", "the full name as text"),
        ],
    ),
    ("Condition", &[("code", "the diagnosis code"), ("subject", "the patient (subject)")]),
    (
        "Procedure",
        &[
            ("status", "its status"),
            ("code", "the procedure code"),
            ("subject", "the patient (subject)"),
        ],
    ),
    (
        "DocumentReference",
        &[
            ("status", "its status"),
            ("content", "the document content"),
            ("content[].attachment", "the attached file"),
            ("content[].attachment.contentType", "the file type (contentType)"),
            ("content[].attachment.data", "the file data"),
        ],
    ),
    ("Encounter", &[("status", "its status"), ("class", "the kind of stay (class)")]),
    (
        "Task",
        &[
            ("status", "its status"),
            ("intent", "its intent"),
            ("input[].type", "the input's type"),
            ("input[].value[x]", "the input's value"),
            ("output[].type", "the output's type"),
            ("output[].value[x]", "the output's value"),
        ],
    ),
    (
        "CommunicationRequest",
        &[("status", "its status"), ("payload[].content[x]", "what is asked (payload content)")],
    ),
    (
        "Communication",
        &[("status", "its status"), ("payload[].content[x]", "the content sent (payload)")],
    ),
    (
        "PaymentNotice",
        &[
            ("status", "its status"),
            ("created", "when it was created"),
            ("payment", "the payment it notifies"),
            ("recipient", "the recipient"),
            ("amount", "the amount"),
        ],
    ),
    (
        "PaymentReconciliation",
        &[
            ("status", "its status"),
            ("created", "when it was created"),
            ("paymentDate", "the payment date"),
            ("paymentAmount", "the amount paid"),
            ("detail[].type", "the kind of each payment detail (type)"),
        ],
    ),
    (
        "InsurancePlan",
        &[
            ("identifier", "its identifier"),
            ("status", "its status"),
            ("type", "its type"),
            ("name", "its name"),
            ("period", "its validity period"),
            ("ownedBy", "the insurer that owns it"),
            ("coverage", "what it covers"),
            ("coverage[].type", "the coverage type"),
            ("coverage[].benefit", "the benefits"),
            ("coverage[].benefit[].type", "the benefit type"),
        ],
    ),
];

fn check_required(ctx: &mut Ctx<'_>, r: &Value, rt: &str) {
    let Some((_, specs)) = REQUIRED.iter().find(|(t, _)| *t == rt) else { return };
    for (spec, label) in *specs {
        let segments: Vec<&str> = spec.split('.').collect();
        require(ctx, r, rt, &segments, label, rt);
    }
}

fn require(ctx: &mut Ctx<'_>, v: &Value, path: &str, segments: &[&str], label: &str, rt: &str) {
    let Some((first, rest)) = segments.split_first() else { return };
    if rest.is_empty() {
        if let Some(stem) = first.strip_suffix("[x]") {
            let found = v.as_object().is_some_and(|o| {
                o.iter().any(|(k, val)| {
                    k.strip_prefix(stem)
                        .is_some_and(|t| t.starts_with(|c: char| c.is_ascii_uppercase()))
                        && !val.is_null()
                })
            });
            if !found {
                missing(ctx, &child(path, first), label, rt);
            }
        } else if !present(v, first) {
            missing(ctx, &child(path, first), label, rt);
        }
        return;
    }
    if let Some(name) = first.strip_suffix("[]") {
        match v.get(name) {
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    require(ctx, item, &index(&child(path, name), i), rest, label, rt);
                }
            }
            Some(o @ Value::Object(_)) => require(ctx, o, &child(path, name), rest, label, rt),
            _ => {}
        }
    } else if let Some(o) = v.get(*first).filter(|o| o.is_object()) {
        require(ctx, o, &child(path, first), rest, label, rt);
    }
}

fn missing(ctx: &mut Ctx<'_>, path: &str, label: &str, rt: &str) {
    ctx.error(
        path,
        rules::REQUIRED_MISSING,
        &format!("The {} does not give {label}; it is required.", noun(rt)),
    );
}

/// Elements bound to required value sets in base R4.
const CODES: &[(&str, &str, &[&str])] = &[
    ("Patient", "gender", codes::GENDER),
    ("Practitioner", "gender", codes::GENDER),
    ("Claim", "status", codes::FINANCIAL_STATUS),
    ("Claim", "use", codes::CLAIM_USE),
    ("ClaimResponse", "status", codes::FINANCIAL_STATUS),
    ("ClaimResponse", "use", codes::CLAIM_USE),
    ("ClaimResponse", "outcome", codes::OUTCOME),
    ("Coverage", "status", codes::FINANCIAL_STATUS),
    ("CoverageEligibilityRequest", "status", codes::FINANCIAL_STATUS),
    ("CoverageEligibilityRequest", "purpose", codes::ELIGIBILITY_PURPOSE),
    ("CoverageEligibilityResponse", "status", codes::FINANCIAL_STATUS),
    ("CoverageEligibilityResponse", "purpose", codes::ELIGIBILITY_PURPOSE),
    ("CoverageEligibilityResponse", "outcome", codes::OUTCOME),
    ("PaymentNotice", "status", codes::FINANCIAL_STATUS),
    ("PaymentReconciliation", "status", codes::FINANCIAL_STATUS),
    ("PaymentReconciliation", "outcome", codes::OUTCOME),
    ("Communication", "status", codes::EVENT_STATUS),
    ("Communication", "priority", codes::REQUEST_PRIORITY),
    ("CommunicationRequest", "status", codes::REQUEST_STATUS),
    ("CommunicationRequest", "priority", codes::REQUEST_PRIORITY),
    ("Task", "status", codes::TASK_STATUS),
    ("Task", "intent", codes::TASK_INTENT),
    ("Procedure", "status", codes::EVENT_STATUS),
    ("Encounter", "status", codes::ENCOUNTER_STATUS),
    ("DocumentReference", "status", codes::DOCUMENT_REFERENCE_STATUS),
];

fn check_codes(ctx: &mut Ctx<'_>, r: &Value, rt: &str) {
    for (_, element, allowed) in CODES.iter().filter(|(t, _, _)| *t == rt) {
        let values: Vec<(String, &Value)> = match r.get(*element) {
            Some(Value::Array(a)) => {
                a.iter().enumerate().map(|(i, v)| (index(&child(rt, element), i), v)).collect()
            }
            Some(v) => vec![(child(rt, element), v)],
            None => continue,
        };
        for (path, v) in values {
            let ok = v.as_str().is_some_and(|s| allowed.contains(&s));
            if !ok {
                let shown = v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
                ctx.error(
                    &path,
                    rules::CODE_INVALID,
                    &format!(
                        "The {} {element} \"{shown}\" is not allowed; use one of: {}.",
                        noun(rt),
                        allowed.join(", ")
                    ),
                );
            }
        }
    }
}

fn check_identifiers(ctx: &mut Ctx<'_>, r: &Value, rt: &str) {
    for (i, id) in many(r, "identifier").into_iter().enumerate() {
        let path = if r.get("identifier").is_some_and(Value::is_array) {
            index(&child(rt, "identifier"), i)
        } else {
            child(rt, "identifier")
        };
        let typed = id
            .get("type")
            .is_some_and(|t| crate::json::codings(t).iter().any(|c| str_of(c, "code").is_some()));
        if !typed {
            ctx.error(
                &child(&path, "type"),
                rules::IDENTIFIER_TYPE_MISSING,
                &format!(
                    "The {} identifier {} has no type code; NHCX payers reject untyped identifiers \
                     (PAYR-1009).",
                    noun(rt),
                    str_of(id, "value").unwrap_or("")
                ),
            );
        }
        if str_of(id, "value").is_none() {
            ctx.error(
                &child(&path, "value"),
                rules::IDENTIFIER_VALUE_MISSING,
                &format!("A {} identifier has no value.", noun(rt)),
            );
        }
        if rt == "Organization" && str_of(id, "system").is_none() {
            ctx.error(
                &child(&path, "system"),
                rules::IDENTIFIER_SYSTEM_MISSING,
                "An organisation identifier must say which registry it is from (system), e.g. \
                 https://facility.abdm.gov.in for an HFR id.",
            );
        }
    }
}

#[derive(Clone, Copy)]
enum When {
    Date,
    DateTime,
    Instant,
}

/// Date-typed elements, checked for FHIR format.
const DATES: &[(&str, &str, When)] = &[
    ("Patient", "birthDate", When::Date),
    ("Claim", "created", When::DateTime),
    ("ClaimResponse", "created", When::DateTime),
    ("CoverageEligibilityRequest", "created", When::DateTime),
    ("CoverageEligibilityResponse", "created", When::DateTime),
    ("PaymentNotice", "created", When::DateTime),
    ("PaymentNotice", "paymentDate", When::Date),
    ("PaymentReconciliation", "created", When::DateTime),
    ("PaymentReconciliation", "paymentDate", When::Date),
    ("Communication", "sent", When::DateTime),
    ("CommunicationRequest", "authoredOn", When::DateTime),
    ("Task", "authoredOn", When::DateTime),
    ("DocumentReference", "date", When::Instant),
];

fn check_dates(ctx: &mut Ctx<'_>, r: &Value, rt: &str) {
    for (_, element, when) in DATES.iter().filter(|(t, _, _)| *t == rt) {
        let Some(v) = r.get(*element) else { continue };
        let text = v.as_str().unwrap_or("");
        let (ok, expect) = match when {
            When::Date => (time::is_date(text), "a date like 1974-12-25"),
            When::DateTime => {
                (time::is_date_time(text), "a date, or a date and time with a time zone")
            }
            When::Instant => {
                (time::is_instant(text), "a date and time with seconds and a time zone")
            }
        };
        if !ok {
            ctx.error(
                &child(rt, element),
                rules::DATE_INVALID,
                &format!("The {} {element} \"{text}\" is not {expect}.", noun(rt)),
            );
        }
    }
}

/// Reference elements and the resource types they may point at.
const REFERENCE_TYPES: &[(&str, &str, &[&str])] = &[
    ("Claim", "patient", &["Patient"]),
    ("Claim", "insurer", &["Organization"]),
    ("Claim", "provider", &["Organization", "Practitioner", "PractitionerRole"]),
    ("Claim", "insurance[].coverage", &["Coverage"]),
    ("Claim", "careTeam[].provider", &["Practitioner", "PractitionerRole", "Organization"]),
    ("Claim", "procedure[].procedureReference", &["Procedure"]),
    ("Claim", "item[].encounter[]", &["Encounter"]),
    ("ClaimResponse", "patient", &["Patient"]),
    ("ClaimResponse", "insurer", &["Organization"]),
    ("ClaimResponse", "requestor", &["Organization", "Practitioner", "PractitionerRole"]),
    ("ClaimResponse", "request", &["Claim"]),
    ("ClaimResponse", "insurance[].coverage", &["Coverage"]),
    ("CoverageEligibilityRequest", "patient", &["Patient"]),
    ("CoverageEligibilityRequest", "enterer", &["Practitioner", "PractitionerRole"]),
    (
        "CoverageEligibilityRequest",
        "provider",
        &["Organization", "Practitioner", "PractitionerRole"],
    ),
    ("CoverageEligibilityRequest", "insurer", &["Organization"]),
    ("CoverageEligibilityRequest", "facility", &["Location"]),
    ("CoverageEligibilityRequest", "insurance[].coverage", &["Coverage"]),
    ("CoverageEligibilityResponse", "patient", &["Patient"]),
    ("CoverageEligibilityResponse", "insurer", &["Organization"]),
    ("CoverageEligibilityResponse", "request", &["CoverageEligibilityRequest"]),
    ("CoverageEligibilityResponse", "insurance[].coverage", &["Coverage"]),
    ("Coverage", "beneficiary", &["Patient"]),
    ("Coverage", "subscriber", &["Patient", "RelatedPerson"]),
    ("Coverage", "payor[]", &["Organization", "Patient", "RelatedPerson"]),
    ("PaymentNotice", "payment", &["PaymentReconciliation"]),
    ("Procedure", "subject", &["Patient", "Group"]),
    ("Condition", "subject", &["Patient", "Group"]),
];

fn check_reference_types(ctx: &mut Ctx<'_>, r: &Value, rt: &str) {
    for (_, spec, allowed) in REFERENCE_TYPES.iter().filter(|(t, _, _)| *t == rt) {
        let mut found = Vec::new();
        collect(r, rt, &spec.split('.').collect::<Vec<_>>(), &mut found);
        for (path, reference) in found {
            if reference.as_object().is_some_and(|o| {
                o.contains_key("display")
                    && !o.contains_key("reference")
                    && !o.contains_key("identifier")
            }) {
                ctx.warn(
                    &path,
                    rules::REFERENCE_DISPLAY_ONLY,
                    &format!(
                        "This points at \"{}\" by name only; the payer cannot find the {} it means.",
                        str_of(reference, "display").unwrap_or(""),
                        allowed.first().map(|t| noun(t)).unwrap_or("resource")
                    ),
                );
                continue;
            }
            let Some(target) = str_of(reference, "reference") else { continue };
            let Some((entry, _)) = ctx.index.resolve(target) else { continue };
            let target_type = entry.resource_type.to_owned();
            if !allowed.contains(&target_type.as_str()) {
                ctx.error(
                    &path,
                    rules::REFERENCE_WRONG_TYPE,
                    &format!(
                        "This should point at a {} but points at a {}.",
                        allowed.iter().map(|t| noun(t)).collect::<Vec<_>>().join(" or "),
                        noun(&target_type)
                    ),
                );
            }
        }
    }
}

/// Collects the values at a spec path (same syntax as [`REQUIRED`]; a trailing `[]` collects
/// every element of the list).
fn collect<'v>(v: &'v Value, path: &str, segments: &[&str], out: &mut Vec<(String, &'v Value)>) {
    let Some((first, rest)) = segments.split_first() else {
        out.push((path.to_owned(), v));
        return;
    };
    let name = first.strip_suffix("[]").unwrap_or(first);
    match v.get(name) {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                collect(item, &index(&child(path, name), i), rest, out);
            }
        }
        Some(o @ Value::Object(_)) => collect(o, &child(path, name), rest, out),
        _ => {}
    }
}

fn check_patient(ctx: &mut Ctx<'_>, r: &Value) {
    for (i, id) in arr(r, "identifier").iter().enumerate() {
        let is_hin = id.get("type").is_some_and(|t| {
            crate::json::codings(t).iter().any(|c| {
                str_of(c, "code") == Some("HIN")
                    && str_of(c, "system") == Some(cs::NDHM_IDENTIFIER_TYPE)
            })
        });
        let Some(value) = str_of(id, "value") else { continue };
        if is_hin {
            let digits = value.chars().filter(char::is_ascii_digit).count();
            if digits != 14 || value.chars().any(|c| !(c.is_ascii_digit() || c == '-')) {
                ctx.warn(
                    &format!("Patient.identifier[{i}].value"),
                    rules::PATIENT_ABHA_NUMBER_FORMAT,
                    &format!(
                        "\"{value}\" is typed as an ABHA number (HIN), which has 14 digits. An ABHA \
                         address (name@abdm) must be typed ABHA instead."
                    ),
                );
            }
        }
    }
}

fn check_procedure(ctx: &mut Ctx<'_>, r: &Value) {
    let Some(code) = r.get("code") else { return };
    for (i, c) in crate::json::codings(code).iter().enumerate() {
        if let Some(system) = str_of(c, "system")
            && system != cs::SNOMED
        {
            ctx.error(
                &format!("Procedure.code.coding[{i}].system"),
                rules::PROCEDURE_CODE_NOT_SNOMED,
                &format!(
                    "NRCeS allows only SNOMED CT codes on a Procedure, not {system}. Put a \
                         package code on the claim item instead."
                ),
            );
        }
    }
}
