//! The rule checker: NHCX/NRCeS rules a payer would reject a bundle for, explained so a billing
//! clerk can fix them.
//!
//! Works on raw JSON (anything: our bundles, payers' bundles, legacy HCX document bundles, bare
//! resources, garbage) and never panics; an unexpected shape is itself a finding. Each
//! [`Finding`] has a stable `rule` id (see [`rules`]) and a `path` like `Claim.item[2].unitPrice`
//! rooted at the resource type, plus the bundle entry it belongs to.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::json::{Index, deeper_than, str_of};
use crate::profiles::MAX_DEPTH;

mod bundle;
mod claim;
mod coding;
mod resource;
pub mod rules;
mod walk;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The payer (or NHCX) will reject the bundle.
    Error,
    /// Likely to cause trouble or a query; the bundle may still be accepted.
    Warning,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// Where, rooted at the resource type: `Claim.item[2].unitPrice`, `Bundle.entry[3].fullUrl`.
    pub path: String,
    /// Stable rule id (`money.currency-missing`); see [`rules`].
    pub rule: String,
    /// Plain language for a billing clerk.
    pub message: String,
    /// Index in `Bundle.entry` of the resource the path is in (`None` for bundle-level findings
    /// and bare resources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<usize>,
}

/// Checks any JSON value against the NHCX rules. Never panics.
pub fn check(bundle: &Value) -> Vec<Finding> {
    // Before the recursive walk sees it (and before indexing, which is cheap but pointless).
    if deeper_than(bundle, MAX_DEPTH) {
        return vec![Finding {
            severity: Severity::Error,
            path: "$".into(),
            rule: rules::JSON_TOO_DEEP.into(),
            message: format!(
                "This JSON nests deeper than {MAX_DEPTH} levels, which no real bundle does; it was \
                 not checked further."
            ),
            entry: None,
        }];
    }
    let mut ctx = Ctx { index: Index::new(bundle), findings: Vec::new(), entry: None };
    if !bundle.is_object() {
        ctx.error(
            "$",
            rules::JSON_NOT_OBJECT,
            "This is not a FHIR resource: it is not a JSON object.",
        );
        return ctx.findings;
    }
    match str_of(bundle, "resourceType") {
        Some("Bundle") => bundle::check_bundle(&mut ctx, bundle),
        Some(rt) => {
            ctx.error(
                "resourceType",
                rules::BUNDLE_NOT_A_BUNDLE,
                &format!(
                    "This is a single {rt}, not a Bundle. NHCX sends every message as a \
                     collection Bundle holding the {rt} and everything it refers to."
                ),
            );
            resource::check_resource(&mut ctx, bundle);
        }
        None => ctx.error(
            "resourceType",
            rules::RESOURCE_TYPE_MISSING,
            "This JSON has no resourceType, so it is not a FHIR resource.",
        ),
    }
    ctx.findings
}

/// Shared state while checking.
pub(crate) struct Ctx<'a> {
    pub(crate) index: Index<'a>,
    pub(crate) findings: Vec<Finding>,
    /// Bundle entry currently being checked.
    pub(crate) entry: Option<usize>,
}

impl Ctx<'_> {
    pub(crate) fn push(&mut self, severity: Severity, path: &str, rule: &str, message: &str) {
        self.findings.push(Finding {
            severity,
            path: path.to_owned(),
            rule: rule.to_owned(),
            message: message.to_owned(),
            entry: self.entry,
        });
    }

    pub(crate) fn error(&mut self, path: &str, rule: &str, message: &str) {
        self.push(Severity::Error, path, rule, message);
    }

    pub(crate) fn warn(&mut self, path: &str, rule: &str, message: &str) {
        self.push(Severity::Warning, path, rule, message);
    }
}

/// True when any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// A short English name for a resource type, for messages.
pub(crate) fn noun(rt: &str) -> &str {
    match rt {
        "Claim" => "claim",
        "ClaimResponse" => "claim response",
        "CoverageEligibilityRequest" => "eligibility request",
        "CoverageEligibilityResponse" => "eligibility response",
        "Coverage" => "policy (Coverage)",
        "Patient" => "patient",
        "Organization" => "organisation",
        "Practitioner" => "doctor (Practitioner)",
        "Condition" => "diagnosis (Condition)",
        "Procedure" => "procedure",
        "DocumentReference" => "document",
        "Task" => "task",
        "Communication" => "communication",
        "CommunicationRequest" => "communication request",
        "PaymentNotice" => "payment notice",
        "PaymentReconciliation" => "payment reconciliation",
        "InsurancePlan" => "insurance plan",
        "Encounter" => "encounter",
        other => other,
    }
}
