//! Sandbox certification (seed step 1): the certificate ([`certificate`]), the scenarios each
//! role must pass ([`scenarios`]) and, with the `runner` feature, the conformance suite that
//! runs them against a sandbox over real HTTP ([`suite`]).

pub mod certificate;
pub mod scenarios;
#[cfg(feature = "runner")]
pub mod suite;

pub use certificate::{
    ATTESTATION_TYPE, AttestRequestClaims, AttestationClaims, CERTIFICATE_TYPE, CertificateClaims,
    DEFAULT_VALIDITY_DAYS, Direction, Expectation, Outcome, Refusal, SIGNED_REQUEST_TYPE,
    SandboxCertificate, SandboxRef, ScenarioResult, StepRecord, TrustedSandbox,
    VerifiedCertificate, attestation_expiry, issue_certificate, scenarios_digest,
    sign_attest_request, sign_attestation, sign_certificate_claims, verify_certificate,
    verify_signed_request,
};
pub use scenarios::{ScenarioSpec, Suite, mandatory_scenarios};
