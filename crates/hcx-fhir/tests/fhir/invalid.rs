//! The checker's rule table: small mutations of valid builder outputs, each producing the expected
//! rule at the expected path.

use hcx_fhir::{Severity, check};
use serde_json::{Value, json};

use crate::support::builder_outputs;

fn base(name: &str) -> Value {
    builder_outputs()
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no builder output named {name}"))
        .1
        .to_value()
        .unwrap()
}

fn set(v: &mut Value, pointer: &str, new: Value) {
    *v.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} exists in the base bundle")) = new;
}

fn remove(v: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = v.pointer_mut(parent).unwrap_or_else(|| panic!("{parent} exists"));
    match parent {
        Value::Object(o) => {
            assert!(o.remove(key).is_some(), "{pointer} existed before removal");
        }
        Value::Array(a) => {
            a.remove(key.parse::<usize>().unwrap());
        }
        _ => panic!("{pointer} has no container"),
    }
}

// Entry positions in the preauth bundle: 0 Claim, 1 Patient, 2 Organization (hospital),
// 3 Organization (payer), 4 Coverage, 5 Practitioner, 6 Encounter, 7 Procedure.
const CLAIM: &str = "/entry/0/resource";
const PATIENT: &str = "/entry/1/resource";

type Mutation = fn(&mut Value);

struct Case {
    what: &'static str,
    base: &'static str,
    mutate: Mutation,
    rule: &'static str,
    path: &'static str,
    severity: Severity,
}

const E: Severity = Severity::Error;
const W: Severity = Severity::Warning;

fn cases() -> Vec<Case> {
    vec![
        Case {
            what: "patient entry removed",
            base: "preauth",
            mutate: |v| remove(v, "/entry/1"),
            rule: "reference.unresolved",
            path: "Claim.patient.reference",
            severity: E,
        },
        Case {
            what: "insurer points at nothing",
            base: "preauth",
            mutate: |v| {
                set(
                    v,
                    &format!("{CLAIM}/insurer/reference"),
                    json!("urn:uuid:00000000-0000-4000-8000-999999999999"),
                )
            },
            rule: "reference.unresolved",
            path: "Claim.insurer.reference",
            severity: E,
        },
        Case {
            what: "patient reference points at the payer",
            base: "preauth",
            mutate: |v| {
                let payer = v["entry"][3]["fullUrl"].clone();
                set(v, &format!("{CLAIM}/patient/reference"), payer);
            },
            rule: "reference.wrong-type",
            path: "Claim.patient",
            severity: E,
        },
        Case {
            what: "SNOMED misspelt",
            base: "preauth",
            mutate: |v| {
                set(v, &format!("{CLAIM}/type/coding/0/system"), json!("http://snomed.info/sct0"))
            },
            rule: "coding.system-not-canonical",
            path: "Claim.type.coding[0].system",
            severity: E,
        },
        Case {
            what: "ValueSet URL used as code system",
            base: "preauth",
            mutate: |v| {
                set(
                    v,
                    &format!("{CLAIM}/item/0/productOrService/coding/0/system"),
                    json!("https://nrces.in/ndhm/fhir/r4/ValueSet/ndhm-productorservice"),
                )
            },
            rule: "coding.system-not-canonical",
            path: "Claim.item[0].productOrService.coding[0].system",
            severity: E,
        },
        Case {
            what: "coding without display",
            base: "preauth",
            mutate: |v| remove(v, &format!("{CLAIM}/priority/coding/0/display")),
            rule: "coding.display-missing",
            path: "Claim.priority.coding[0].display",
            severity: W,
        },
        Case {
            what: "total differs from the items",
            base: "preauth",
            mutate: |v| set(v, &format!("{CLAIM}/total/value"), json!(30000.00)),
            rule: "claim.total-mismatch",
            path: "Claim.total",
            severity: E,
        },
        Case {
            what: "net differs from quantity × unit price",
            base: "preauth",
            mutate: |v| set(v, &format!("{CLAIM}/item/1/net/value"), json!(4500.00)),
            rule: "item.net-mismatch",
            path: "Claim.item[1].net",
            severity: E,
        },
        Case {
            what: "unit price without currency",
            base: "preauth",
            mutate: |v| remove(v, &format!("{CLAIM}/item/2/unitPrice/currency")),
            rule: "money.currency-missing",
            path: "Claim.item[2].unitPrice.currency",
            severity: E,
        },
        Case {
            what: "total in dollars",
            base: "preauth",
            mutate: |v| set(v, &format!("{CLAIM}/total/currency"), json!("USD")),
            rule: "money.currency-not-inr",
            path: "Claim.total.currency",
            severity: E,
        },
        Case {
            what: "amount written as a string",
            base: "preauth",
            mutate: |v| set(v, &format!("{CLAIM}/item/0/unitPrice/value"), json!("25000.00")),
            rule: "money.value-not-number",
            path: "Claim.item[0].unitPrice.value",
            severity: E,
        },
        Case {
            what: "negative quantity",
            base: "preauth",
            mutate: |v| set(v, &format!("{CLAIM}/item/1/quantity/value"), json!(-3)),
            rule: "item.quantity-not-positive",
            path: "Claim.item[1].quantity.value",
            severity: E,
        },
        Case {
            what: "negative unit price",
            base: "preauth",
            mutate: |v| set(v, &format!("{CLAIM}/item/2/unitPrice/value"), json!(-12.35)),
            rule: "money.negative",
            path: "Claim.item[2].unitPrice.value",
            severity: E,
        },
        Case {
            what: "patient without meta.profile",
            base: "preauth",
            mutate: |v| remove(v, &format!("{PATIENT}/meta")),
            rule: "resource.profile-missing",
            path: "Patient.meta.profile",
            severity: E,
        },
        Case {
            what: "claim with the old HCX profile",
            base: "preauth",
            mutate: |v| {
                set(
                    v,
                    &format!("{CLAIM}/meta/profile/0"),
                    json!("https://ig.hcxprotocol.io/v0.7.1/StructureDefinition-Claim.html"),
                )
            },
            rule: "resource.profile-wrong",
            path: "Claim.meta.profile",
            severity: E,
        },
        Case {
            what: "gender as a letter",
            base: "preauth",
            mutate: |v| set(v, &format!("{PATIENT}/gender"), json!("F")),
            rule: "code.invalid",
            path: "Patient.gender",
            severity: E,
        },
        Case {
            what: "eligibility purpose misspelt",
            base: "eligibility_request",
            mutate: |v| set(v, "/entry/0/resource/purpose/1", json!("eligibility")),
            rule: "code.invalid",
            path: "CoverageEligibilityRequest.purpose[1]",
            severity: E,
        },
        Case {
            what: "claim without insurer",
            base: "preauth",
            mutate: |v| remove(v, &format!("{CLAIM}/insurer")),
            rule: "required.missing",
            path: "Claim.insurer",
            severity: E,
        },
        Case {
            what: "diagnosis without type",
            base: "preauth",
            mutate: |v| remove(v, &format!("{CLAIM}/diagnosis/0/type")),
            rule: "required.missing",
            path: "Claim.diagnosis[0].type",
            severity: E,
        },
        Case {
            what: "untyped patient identifier",
            base: "preauth",
            mutate: |v| remove(v, &format!("{PATIENT}/identifier/0/type")),
            rule: "identifier.type-missing",
            path: "Patient.identifier[0].type",
            severity: E,
        },
        Case {
            what: "ABHA address typed as ABHA number",
            base: "preauth",
            mutate: |v| set(v, &format!("{PATIENT}/identifier/0/value"), json!("asha.devi@abdm")),
            rule: "patient.abha-number-format",
            path: "Patient.identifier[0].value",
            severity: W,
        },
        Case {
            what: "document bundle",
            base: "preauth",
            mutate: |v| set(v, "/type", json!("document")),
            rule: "bundle.type-not-collection",
            path: "Bundle.type",
            severity: E,
        },
        Case {
            what: "bundle without id",
            base: "preauth",
            mutate: |v| remove(v, "/id"),
            rule: "bundle.id-missing",
            path: "Bundle.id",
            severity: E,
        },
        Case {
            what: "timestamp without time",
            base: "preauth",
            mutate: |v| set(v, "/timestamp", json!("2026-11-16")),
            rule: "date.invalid",
            path: "Bundle.timestamp",
            severity: E,
        },
        Case {
            what: "relative fullUrl",
            base: "preauth",
            mutate: |v| set(v, "/entry/4/fullUrl", json!("Coverage/1")),
            rule: "entry.full-url-not-uuid",
            path: "Bundle.entry[4].fullUrl",
            severity: E,
        },
        Case {
            what: "transaction-style entry",
            base: "preauth",
            mutate: |v| v["entry"][2]["request"] = json!({"method": "POST", "url": "Organization"}),
            rule: "entry.request-present",
            path: "Bundle.entry[2].request",
            severity: E,
        },
        Case {
            what: "claim not first",
            base: "preauth",
            mutate: |v| v["entry"].as_array_mut().unwrap().swap(0, 1),
            rule: "bundle.focal-not-first",
            path: "Bundle.entry[1]",
            severity: W,
        },
        Case {
            what: "two items numbered 1",
            base: "preauth",
            mutate: |v| set(v, &format!("{CLAIM}/item/2/sequence"), json!(1)),
            rule: "sequence.duplicate",
            path: "Claim.item[2].sequence",
            severity: E,
        },
        Case {
            what: "item points at a missing diagnosis",
            base: "preauth",
            mutate: |v| set(v, &format!("{CLAIM}/item/0/diagnosisSequence"), json!([2])),
            rule: "sequence.unknown",
            path: "Claim.item[0].diagnosisSequence[0]",
            severity: E,
        },
        Case {
            what: "diagnosis is not ICD-10 shaped",
            base: "preauth",
            mutate: |v| {
                set(
                    v,
                    &format!("{CLAIM}/diagnosis/0/diagnosisCodeableConcept/coding/0/code"),
                    json!("appendicitis"),
                )
            },
            rule: "diagnosis.icd10-format",
            path: "Claim.diagnosis[0].diagnosisCodeableConcept.coding[0].code",
            severity: W,
        },
        Case {
            what: "procedure coded in ICD-10",
            base: "preauth",
            mutate: |v| {
                set(
                    v,
                    "/entry/7/resource/code/coding/0/system",
                    json!("http://hl7.org/fhir/sid/icd-10"),
                )
            },
            rule: "procedure.code-not-snomed",
            path: "Procedure.code.coding[0].system",
            severity: E,
        },
        Case {
            what: "untitled attachment",
            base: "preauth",
            mutate: |v| remove(v, &format!("{CLAIM}/supportingInfo/0/valueAttachment/title")),
            rule: "attachment.title-missing",
            path: "Claim.supportingInfo[0].valueAttachment.title",
            severity: E,
        },
        Case {
            what: "attachment data is not base64",
            base: "preauth",
            mutate: |v| {
                set(
                    v,
                    &format!("{CLAIM}/supportingInfo/0/valueAttachment/data"),
                    json!("not base64!!"),
                )
            },
            rule: "attachment.data-invalid",
            path: "Claim.supportingInfo[0].valueAttachment.data",
            severity: E,
        },
        Case {
            what: "attachment replaced after hashing",
            base: "communication",
            mutate: |v| {
                set(v, "/entry/1/resource/payload/1/contentAttachment/data", json!("SGVsbG8="))
            },
            rule: "attachment.hash-mismatch",
            path: "Communication.payload[1].contentAttachment.hash",
            severity: E,
        },
        Case {
            what: "attachment size wrong",
            base: "communication",
            mutate: |v| set(v, "/entry/1/resource/payload/2/contentAttachment/size", json!(1)),
            rule: "attachment.size-mismatch",
            path: "Communication.payload[2].contentAttachment.size",
            severity: E,
        },
        Case {
            what: "payer's benefit total disagrees with its items",
            base: "claim_response_partial",
            mutate: |v| set(v, "/entry/0/resource/total/3/amount/value", json!(26000.00)),
            rule: "claimresponse.total-mismatch",
            path: "ClaimResponse.total[3].amount",
            severity: W,
        },
        Case {
            what: "payment notice amount without currency",
            base: "payment_notice",
            mutate: |v| remove(v, "/entry/1/resource/amount/currency"),
            rule: "money.currency-missing",
            path: "PaymentNotice.amount.currency",
            severity: E,
        },
    ]
}

#[test]
fn each_mutation_produces_its_rule_at_its_path() {
    let cases = cases();
    assert!(cases.len() >= 20, "the issue asks for at least 20 invalid inputs");
    let mut failures = Vec::new();
    for case in &cases {
        let mut v = base(case.base);
        assert!(check(&v).is_empty(), "{}: the unmutated {} bundle is clean", case.what, case.base);
        (case.mutate)(&mut v);
        let findings = check(&v);
        let hit = findings.iter().find(|f| f.rule == case.rule && f.path == case.path);
        match hit {
            Some(f) if f.severity == case.severity => {
                assert!(
                    !f.message.trim().is_empty(),
                    "{}: every finding explains itself",
                    case.what
                );
            }
            Some(f) => failures.push(format!(
                "{}: {} at {} has severity {:?}, expected {:?}",
                case.what, case.rule, case.path, f.severity, case.severity
            )),
            None => failures.push(format!(
                "{}: expected {} at {}, got:\n{}",
                case.what,
                case.rule,
                case.path,
                findings
                    .iter()
                    .map(|f| format!("    {} at {}", f.rule, f.path))
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
        }
    }
    assert!(failures.is_empty(), "the checker missed mutations:\n{}", failures.join("\n"));
}

#[test]
fn findings_carry_the_entry_they_belong_to() {
    let mut v = base("preauth");
    set(&mut v, &format!("{PATIENT}/gender"), json!("F"));
    let f =
        check(&v).into_iter().find(|f| f.rule == "code.invalid").expect("the bad gender is found");
    assert_eq!(f.entry, Some(1), "the UI highlights the Patient entry (index 1)");
}
