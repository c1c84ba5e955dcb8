//! Code system URLs: canonical, a known misspelling (fhir-payloads.md §9 P6), or unknown.

use crate::profiles::{
    HL7_CS_BASE, NRCES_CODE_SYSTEMS, NRCES_CS_BASE, OTHER_CANONICAL_SYSTEMS, cs,
};

/// What we make of a `Coding.system`.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum SystemClass {
    /// A canonical URL we know.
    Canonical,
    /// A wrong spelling of a known system: why, and the URL it should be (when we can tell).
    NotCanonical { why: &'static str, should_be: Option<String> },
    /// Not a system we know.
    Unknown,
}

pub(super) fn classify(system: &str) -> SystemClass {
    use SystemClass::*;
    if OTHER_CANONICAL_SYSTEMS.contains(&system) {
        return Canonical;
    }
    if let Some(name) = system.strip_prefix(NRCES_CS_BASE) {
        return if NRCES_CODE_SYSTEMS.contains(&name) { Canonical } else { Unknown };
    }
    if let Some(name) = system.strip_prefix(HL7_CS_BASE) {
        return if is_name(name) { Canonical } else { Unknown };
    }
    // FHIR core code systems live at http://hl7.org/fhir/<name> (administrative-gender, ...).
    if let Some(name) = system.strip_prefix("http://hl7.org/fhir/")
        && is_name(name)
    {
        return Canonical;
    }

    let lower = system.to_ascii_lowercase();
    if lower.contains("nrces.in") || lower.contains("ndhm.gov.in") {
        let name = nrces_name(&lower);
        let should_be = name
            .filter(|n| NRCES_CODE_SYSTEMS.contains(&n.as_str()))
            .map(|n| format!("{NRCES_CS_BASE}{n}"));
        let why = if lower.contains("valueset") {
            "this is a ValueSet address, not a code system"
        } else if lower.ends_with(".html") {
            "this is the address of a web page, not the code system"
        } else {
            "this is not the NRCeS canonical address (https://nrces.in/ndhm/fhir/r4/CodeSystem/...)"
        };
        return NotCanonical { why, should_be };
    }
    if lower.contains("snomed") {
        return NotCanonical {
            why: "SNOMED CT is written exactly http://snomed.info/sct",
            should_be: Some(cs::SNOMED.into()),
        };
    }
    if lower.contains("icd-10-cm") || lower.contains("icd10cm") {
        return NotCanonical {
            why: "ICD-10-CM is the US variant; Indian payers use WHO ICD-10",
            should_be: Some(cs::ICD10.into()),
        };
    }
    if lower.contains("icd-10") || lower.contains("icd10") {
        return NotCanonical {
            why: "WHO ICD-10 is written exactly http://hl7.org/fhir/sid/icd-10",
            should_be: Some(cs::ICD10.into()),
        };
    }
    if lower.contains("loinc") {
        return NotCanonical {
            why: "LOINC is written exactly http://loinc.org",
            should_be: Some(cs::LOINC.into()),
        };
    }
    if lower.contains("hl7.org") {
        let tail = lower.rsplit(['/', '-']).next().unwrap_or("").trim_end_matches(".html");
        let why = if lower.contains("valueset") {
            "this is a ValueSet address, not a code system"
        } else if lower.ends_with(".html") {
            "this is the address of a web page, not the code system"
        } else {
            "HL7 code systems are written http://terminology.hl7.org/CodeSystem/<name>"
        };
        let should_be =
            (!lower.contains("valueset") && is_name(tail)).then(|| format!("{HL7_CS_BASE}{tail}"));
        return NotCanonical { why, should_be };
    }
    Unknown
}

/// A bare code system name: lower-case letters, digits and hyphens, no slashes.
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !s.eq_ignore_ascii_case("valueset")
}

/// The `ndhm-...` name inside an NRCeS-looking URL (`.../ValueSet-ndhm-x.html`, `http://nrces.in/.../CodeSystem/ndhm-x`).
fn nrces_name(lower: &str) -> Option<String> {
    let start = lower.find("ndhm-")?;
    let rest = lower.get(start..)?;
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(rest.len());
    rest.get(..end).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_systems_pass() {
        for s in [
            cs::SNOMED,
            cs::ICD10,
            cs::V2_0203,
            cs::NDHM_IDENTIFIER_TYPE,
            cs::NDHM_TASK_CODES,
            "http://hl7.org/fhir/administrative-gender",
        ] {
            assert_eq!(classify(s), SystemClass::Canonical, "{s} is a canonical code system URL");
        }
    }

    #[test]
    fn peers_misspellings_are_caught_with_a_suggestion() {
        let cases = [
            (
                "http://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code",
                Some(cs::NDHM_IDENTIFIER_TYPE),
            ),
            (
                "https://www.nrces.in/preview/ndhm/fhir/r4/ValueSet-ndhm-identifier-type-code.html",
                Some(cs::NDHM_IDENTIFIER_TYPE),
            ),
            (
                "https://nrces.in/ndhm/fhir/r4/ValueSet/ndhm-productorservice",
                Some(cs::NDHM_PRODUCT_OR_SERVICE),
            ),
            ("http://snomed.info/sct0", Some(cs::SNOMED)),
            ("https://terminology.hl7.org/CodeSystem/adjudication", Some(cs::ADJUDICATION)),
            ("https://hl7.org/fhir/R4/valueset-adjudication.html", None),
            ("http://hl7.org/fhir/sid/icd-10-cm", Some(cs::ICD10)),
        ];
        for (bad, good) in cases {
            match classify(bad) {
                SystemClass::NotCanonical { should_be, .. } => assert_eq!(
                    should_be.as_deref(),
                    good,
                    "{bad} is a known wrong spelling (fhir-payloads.md §9 P6) and the fix is suggested"
                ),
                other => panic!("{bad} must be flagged as not canonical, got {other:?}"),
            }
        }
    }

    #[test]
    fn other_urls_are_unknown_not_wrong() {
        assert_eq!(
            classify("https://hcx.org/document-types"),
            SystemClass::Unknown,
            "a URL resembling no known system is only unknown"
        );
    }
}
