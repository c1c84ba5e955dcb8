//! Finding the patient, payer, provider and policy of a message, and describing them.

use serde_json::Value;

use super::{IdSummary, OrgSummary, PersonSummary, PolicySummary};
use crate::json::{Index, arr, concept_text, first_code, human_name, many, obj, str_of};

/// Where a reference led.
pub(super) enum Found<'a> {
    /// To a resource in the bundle (or a contained one).
    Resource(&'a Value),
    /// Nowhere in the bundle: what it said about itself.
    Outside { reference: Option<&'a str>, display: Option<&'a str>, identifier: Option<&'a Value> },
}

/// Follows a Reference object: bundle entries by fullUrl or `Type/id`, `#id` inside `container`.
pub(super) fn follow<'a>(
    index: &Index<'a>,
    container: &'a Value,
    reference: Option<&'a Value>,
) -> Option<Found<'a>> {
    let reference = reference.filter(|r| r.is_object())?;
    let literal = str_of(reference, "reference");
    if let Some(l) = literal {
        if let Some(local) = l.strip_prefix('#') {
            if let Some(r) =
                arr(container, "contained").iter().find(|c| str_of(c, "id") == Some(local))
            {
                return Some(Found::Resource(r));
            }
        } else if let Some((e, _)) = index.resolve(l) {
            return Some(Found::Resource(e.resource));
        }
    }
    let display = str_of(reference, "display");
    let identifier = obj(reference, "identifier");
    if literal.is_none() && display.is_none() && identifier.is_none() {
        return None;
    }
    Some(Found::Outside { reference: literal, display, identifier })
}

pub(super) fn id_summary(id: &Value) -> Option<IdSummary> {
    let value = str_of(id, "value")?.to_owned();
    let kind =
        id.get("type").and_then(|t| first_code(t).map(str::to_owned).or_else(|| concept_text(t)));
    let system = str_of(id, "system");
    let label = kind.as_deref().and_then(|k| label(k, system)).map(str::to_owned);
    Some(IdSummary { kind, label, value, system: system.map(str::to_owned) })
}

/// Identifier type codes in words (fhir-payloads.md §6).
fn label(code: &str, system: Option<&str>) -> Option<&'static str> {
    Some(match code {
        "HIN" => "ABHA number",
        "ABHA" => "ABHA address",
        "ADN" => "Aadhaar number",
        "PMJAY" | "PMJAYID" => "PMJAY beneficiary id",
        "MR" => "Medical record number",
        "NPI" | "PRN" if system == Some(crate::profiles::ids::HFR) => "HFR facility id",
        "NPI" | "PRN" => "Provider id",
        "ROHINI" => "ROHINI id",
        "NIIP" => "Payer id",
        "HPIN" => "HPR id",
        "MD" => "Medical licence number",
        "NH" => "Policy number",
        "SN" => "Subscriber number",
        "CLN" => "Claim number",
        "PLAC" => "Reference number",
        _ => return None,
    })
}

fn ids(r: &Value) -> Vec<IdSummary> {
    many(r, "identifier").into_iter().filter_map(id_summary).collect()
}

pub(super) fn person(r: &Value) -> PersonSummary {
    PersonSummary {
        name: human_name(arr(r, "name")),
        gender: str_of(r, "gender").map(str::to_owned),
        birth_date: str_of(r, "birthDate").map(str::to_owned),
        identifiers: ids(r),
    }
}

pub(super) fn org(r: &Value) -> OrgSummary {
    OrgSummary { name: str_of(r, "name").map(str::to_owned), identifiers: ids(r) }
}

/// An organisation known only from a reference that points outside the bundle.
pub(super) fn org_outside(display: Option<&str>, identifier: Option<&Value>) -> Option<OrgSummary> {
    let o = OrgSummary {
        name: display.map(str::to_owned),
        identifiers: identifier.and_then(id_summary).into_iter().collect(),
    };
    (o.name.is_some() || !o.identifiers.is_empty()).then_some(o)
}

/// A person known only from a reference that points outside the bundle.
pub(super) fn person_outside(
    display: Option<&str>,
    identifier: Option<&Value>,
) -> Option<PersonSummary> {
    let p = PersonSummary {
        name: display.map(str::to_owned),
        identifiers: identifier.and_then(id_summary).into_iter().collect(),
        ..Default::default()
    };
    (p.name.is_some() || !p.identifiers.is_empty()).then_some(p)
}

pub(super) fn policy(r: &Value) -> PolicySummary {
    let plan = arr(r, "class")
        .iter()
        .find(|c| {
            c.get("type")
                .is_some_and(|t| crate::json::has_code(t, "plan") || crate::json::has_code(t, "XV"))
        })
        .or_else(|| arr(r, "class").first())
        .and_then(|c| str_of(c, "name").or_else(|| str_of(c, "value")))
        .map(str::to_owned);
    let period = r.get("period");
    PolicySummary {
        number: many(r, "identifier")
            .into_iter()
            .find_map(|i| str_of(i, "value"))
            .map(str::to_owned),
        plan,
        member_id: str_of(r, "subscriberId").map(str::to_owned),
        status: str_of(r, "status").map(str::to_owned),
        valid_from: period.and_then(|p| str_of(p, "start")).map(str::to_owned),
        valid_to: period.and_then(|p| str_of(p, "end")).map(str::to_owned),
    }
}

/// The organisation's role from `Organization.type` (`pay`/`ins` or `prov`), if it says.
pub(super) fn org_role(r: &Value) -> Option<&'static str> {
    arr(r, "type").iter().find_map(|t| {
        if crate::json::has_code(t, "pay") || crate::json::has_code(t, "ins") {
            Some("payer")
        } else if crate::json::has_code(t, "prov") {
            Some("provider")
        } else {
            None
        }
    })
}
