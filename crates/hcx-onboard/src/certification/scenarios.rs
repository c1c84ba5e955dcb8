//! The conformance scenarios per role family. Every scenario of a role's suite is mandatory: a
//! certificate for that role is valid only when each one passed.

use hcx_protocol::Role;
use serde::Serialize;

/// Which suite a role runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Suite {
    /// Providers and BSPs: send to the demo payer, answer its queries and payment notices.
    Provider,
    /// Payers, TPAs and sponsors: answer the demo provider, query it, notify payments.
    Payer,
    /// ISNPs and other intermediaries: eligibility checks (v0.7 / v0.8 let them send those).
    Intermediary,
}

/// One scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScenarioSpec {
    /// Stable name recorded in certificates.
    pub name: &'static str,
    /// What it proves, in words.
    pub title: &'static str,
}

const fn s(name: &'static str, title: &'static str) -> ScenarioSpec {
    ScenarioSpec { name, title }
}

/// Scenario names.
pub mod names {
    /// Eligibility check answered "in force".
    pub const ELIGIBILITY_APPROVED: &str = "eligibility.approved";
    /// Eligibility check answered "not in force".
    pub const ELIGIBILITY_REJECTED: &str = "eligibility.rejected";
    /// Preauth approved in full.
    pub const PREAUTH_APPROVED: &str = "preauth.approved";
    /// Preauth partially approved.
    pub const PREAUTH_PARTIAL: &str = "preauth.partial";
    /// Enhancement of an approved preauth.
    pub const PREAUTH_ENHANCEMENT: &str = "preauth.enhancement";
    /// Claim rejected.
    pub const CLAIM_REJECTED: &str = "claim.rejected";
    /// Claim queried (communication request), answered, then decided.
    pub const CLAIM_QUERY_ANSWERED: &str = "claim.query_answered";
    /// Claim approved.
    pub const CLAIM_APPROVED: &str = "claim.approved";
    /// Payment notice sent and acknowledged.
    pub const PAYMENT_ACKNOWLEDGED: &str = "paymentnotice.acknowledged";
    /// A message to a participant the registry does not know is refused.
    pub const UNKNOWN_PARTICIPANT: &str = "error.unknown_participant";
    /// A message to an inactive participant is refused.
    pub const INACTIVE_PARTICIPANT: &str = "error.inactive_participant";
    /// A message without a mandatory header is refused.
    pub const MISSING_HEADER: &str = "error.missing_header";
    /// A JWE the recipient cannot decrypt ends in `ERR_INVALID_ENCRYPTION`.
    pub const UNDECRYPTABLE: &str = "error.undecryptable";
    /// A payload of the wrong domain ends in `ERR_INVALID_PAYLOAD`.
    pub const WRONG_PAYLOAD: &str = "error.wrong_payload";
}

use names::*;

const ERRORS: [ScenarioSpec; 5] = [
    s(UNKNOWN_PARTICIPANT, "A message to an unknown participant is refused"),
    s(INACTIVE_PARTICIPANT, "A message to an inactive participant is refused"),
    s(MISSING_HEADER, "A message without a mandatory header is refused"),
    s(UNDECRYPTABLE, "A message the recipient cannot decrypt is answered with an error"),
    s(WRONG_PAYLOAD, "A payload of the wrong domain is answered with an error"),
];

const PROVIDER: [ScenarioSpec; 14] = [
    s(ELIGIBILITY_APPROVED, "Eligibility check: policy in force"),
    s(ELIGIBILITY_REJECTED, "Eligibility check: policy not in force"),
    s(PREAUTH_APPROVED, "Preauthorisation approved"),
    s(PREAUTH_PARTIAL, "Preauthorisation partially approved"),
    s(PREAUTH_ENHANCEMENT, "Enhancement of an approved preauthorisation"),
    s(CLAIM_REJECTED, "Claim rejected"),
    s(CLAIM_QUERY_ANSWERED, "Claim queried by the payer and answered with a document"),
    s(CLAIM_APPROVED, "Claim approved"),
    s(PAYMENT_ACKNOWLEDGED, "Payment notice received and acknowledged"),
    ERRORS[0],
    ERRORS[1],
    ERRORS[2],
    ERRORS[3],
    ERRORS[4],
];

const PAYER: [ScenarioSpec; 14] = [
    s(ELIGIBILITY_APPROVED, "Eligibility check answered: policy in force"),
    s(ELIGIBILITY_REJECTED, "Eligibility check answered: policy not in force"),
    s(PREAUTH_APPROVED, "Preauthorisation approved"),
    s(PREAUTH_PARTIAL, "Preauthorisation partially approved"),
    s(PREAUTH_ENHANCEMENT, "Enhancement request approved"),
    s(CLAIM_REJECTED, "Claim rejected with a reason"),
    s(CLAIM_QUERY_ANSWERED, "Documents asked for, received, claim decided"),
    s(CLAIM_APPROVED, "Claim approved"),
    s(PAYMENT_ACKNOWLEDGED, "Payment notice sent and acknowledged by the provider"),
    ERRORS[0],
    ERRORS[1],
    ERRORS[2],
    ERRORS[3],
    ERRORS[4],
];

const INTERMEDIARY: [ScenarioSpec; 7] = [
    s(ELIGIBILITY_APPROVED, "Eligibility check: policy in force"),
    s(ELIGIBILITY_REJECTED, "Eligibility check: policy not in force"),
    ERRORS[0],
    ERRORS[1],
    ERRORS[2],
    ERRORS[3],
    ERRORS[4],
];

impl Suite {
    /// The suite a role runs; `None` for roles that are onboarded without one (regulators,
    /// research, the HCX itself).
    pub fn for_role(role: Role) -> Option<Suite> {
        match role {
            r if Role::PROVIDER_GROUP.contains(&r) => Some(Suite::Provider),
            Role::Payor | Role::AgencyTpa | Role::AgencySponsor => Some(Suite::Payer),
            Role::MemberIsnp => Some(Suite::Intermediary),
            _ => None,
        }
    }

    /// Its scenarios, in run order; all mandatory.
    pub fn scenarios(self) -> &'static [ScenarioSpec] {
        match self {
            Suite::Provider => &PROVIDER,
            Suite::Payer => &PAYER,
            Suite::Intermediary => &INTERMEDIARY,
        }
    }
}

/// The mandatory scenario names for `role` (empty when the role has no suite).
pub fn mandatory_scenarios(role: Role) -> Vec<&'static str> {
    Suite::for_role(role)
        .map(|s| s.scenarios().iter().map(|x| x.name).collect())
        .unwrap_or_default()
}
