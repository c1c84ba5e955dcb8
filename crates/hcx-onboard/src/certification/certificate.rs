//! The sandbox certificate: what it says, how it is issued and how an operator verifies it.
//!
//! Three signed artefacts, all compact RS256 JWS (see [`crate::jws`]):
//! 1. the **attest request**: the participant signs the suite's results with its own key and
//!    sends them to the sandbox;
//! 2. the **attestation**: the sandbox checks that signature against the certificate in its
//!    registry and each accepted message against its audit trail, then countersigns
//!    (participant, role, version, the participant's certificate fingerprint and a digest of
//!    the scenarios) with its HCX key;
//! 3. the **certificate**: the participant signs the scenarios plus the attestation, with its
//!    certificate in `x5c`.
//!
//! An operator needs only the certificate and the certificates of the sandboxes it trusts: the
//! signature proves who signed, the attestation proves the sandbox saw that key registered to
//! that participant and these results, and the digests tie the pieces together.

use chrono::{DateTime, Duration, TimeZone, Utc};
use hcx_protocol::{ApiVersion, Role};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::scenarios::mandatory_scenarios;
use crate::jws::{self, JwsError, SigningKey};

/// `typ` of a sandbox certificate.
pub const CERTIFICATE_TYPE: &str = "hcx-sandbox-certificate+jwt";
/// `typ` of a sandbox attestation.
pub const ATTESTATION_TYPE: &str = "hcx-sandbox-attestation+jwt";
/// `typ` of a request the participant signs for the sandbox's certification endpoints.
pub const SIGNED_REQUEST_TYPE: &str = "hcx-sandbox-request+jwt";
/// Format version of the claims.
pub const FORMAT_VERSION: u32 = 1;
/// How long a sandbox attestation (and so the certificate) stays valid by default.
pub const DEFAULT_VALIDITY_DAYS: i64 = 90;
/// Clock difference tolerated between the signer and the verifier.
pub const CLOCK_SKEW_SECS: i64 = 300;
/// How old a signed request to the sandbox may be.
pub const SIGNED_REQUEST_MAX_AGE_SECS: i64 = 600;

/// Whether the participant sent or received a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The participant sent it.
    Sent,
    /// The participant received it.
    Received,
}

/// One message of a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// API path (`/preauth/submit`).
    pub action: String,
    /// Sent or received.
    pub direction: Direction,
    /// `x-hcx-api_call_id`.
    pub api_call_id: String,
    /// `x-hcx-correlation_id`.
    pub correlation_id: String,
    /// `x-hcx-workflow_id`, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// What happened: `202`, a gateway error code, an `x-hcx-status`, an error code received.
    pub result: String,
    /// For sent messages: whether the gateway accepted (and audited) it.
    pub accepted: bool,
}

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Everything happened as the protocol says.
    Passed,
    /// Something did not.
    Failed,
}

/// One scenario's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// Scenario name (see [`super::scenarios::names`]).
    pub name: String,
    /// Passed or failed.
    pub outcome: Outcome,
    /// What was observed, in words.
    pub detail: String,
    /// The messages, with their ids.
    pub steps: Vec<StepRecord>,
}

impl ScenarioResult {
    /// True when passed.
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }
}

/// The issuing sandbox, as named in a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxRef {
    /// The sandbox's HCX participant code (`hcx@sandbox`).
    pub code: String,
    /// Its API base URL.
    pub base_url: String,
    /// Its attestation (compact JWS signed with its HCX key): the countersignature.
    pub attestation: String,
}

/// What a sandbox certificate says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateClaims {
    /// Format version.
    pub v: u32,
    /// Unique id.
    pub jti: String,
    /// Signer: the participant code in the sandbox.
    pub iss: String,
    /// The participant code in the sandbox.
    pub participant_code: String,
    /// The role certified.
    pub role: Role,
    /// The protocol version certified.
    pub protocol_version: ApiVersion,
    /// The issuing sandbox and its countersignature.
    pub sandbox: SandboxRef,
    /// Every scenario run.
    pub scenarios: Vec<ScenarioResult>,
    /// Issued at (epoch seconds).
    pub iat: i64,
    /// Expires at (epoch seconds).
    pub exp: i64,
}

/// What the participant asks the sandbox to countersign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestRequestClaims {
    /// Format version.
    pub v: u32,
    /// Unique id.
    pub jti: String,
    /// The participant.
    pub participant_code: String,
    /// Role certified.
    pub role: Role,
    /// Protocol version used.
    pub protocol_version: ApiVersion,
    /// The sandbox asked (its HCX code).
    pub sandbox_code: String,
    /// The results.
    pub scenarios: Vec<ScenarioResult>,
    /// Signed at (epoch seconds).
    pub iat: i64,
}

/// What the sandbox countersigns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationClaims {
    /// Format version.
    pub v: u32,
    /// The sandbox's HCX code.
    pub iss: String,
    /// The sandbox's API base URL.
    pub base_url: String,
    /// The participant.
    pub participant_code: String,
    /// Role certified (the participant's registered role in the sandbox).
    pub role: Role,
    /// Protocol version used.
    pub protocol_version: ApiVersion,
    /// SHA-256 of the participant's registered certificate (DER), lower-case hex.
    pub participant_cert_sha256: String,
    /// [`scenarios_digest`] of the results.
    pub scenarios_sha256: String,
    /// Accepted messages the sandbox found in its audit trail.
    pub audited_messages: u32,
    /// Issued at (epoch seconds).
    pub iat: i64,
    /// Expires at (epoch seconds).
    pub exp: i64,
}

/// SHA-256 (hex) of the scenarios' JSON. Both sides serialise the same typed values, so the
/// bytes are the same; any edit, addition or removal changes the digest.
pub fn scenarios_digest(scenarios: &[ScenarioResult]) -> String {
    let bytes = serde_json::to_vec(scenarios).unwrap_or_default();
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A sandbox instance an operator accepts certificates from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedSandbox {
    /// Its HCX code.
    pub code: String,
    /// Its API base URL (empty = any).
    pub base_url: String,
    /// Its HCX certificate (PEM): the key its attestations are signed with.
    pub cert_pem: String,
}

/// What the operator is registering, to check the certificate applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// Role being registered.
    pub role: Role,
    /// Protocol version being registered.
    pub protocol_version: ApiVersion,
    /// Now.
    pub now: DateTime<Utc>,
    /// The participant's registered certificate, when the verifier has one (a sandbox checking
    /// its own participant): the signature must then come from it.
    pub registered_cert_pem: Option<String>,
}

/// Why a certificate is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    /// Not a sandbox certificate at all.
    Malformed {
        /// What is wrong.
        detail: String,
    },
    /// Signed with another key, changed after signing, or its parts do not match.
    Tampered {
        /// What did not verify.
        detail: String,
    },
    /// Past its expiry.
    Expired {
        /// When it expired.
        expired_at: DateTime<Utc>,
    },
    /// Issued in the future (clock trouble or forgery).
    NotYetValid {
        /// Its issue time.
        issued_at: DateTime<Utc>,
    },
    /// Countersigned by a sandbox this operator does not know.
    UnknownIssuer {
        /// The sandbox it names.
        issuer: String,
    },
    /// Certified for another role.
    WrongRole {
        /// Role in the certificate.
        certified: Role,
        /// Role being registered.
        applying: Role,
    },
    /// Certified with another protocol version.
    WrongVersion {
        /// Version in the certificate.
        certified: ApiVersion,
        /// Version being registered.
        applying: ApiVersion,
    },
    /// A mandatory scenario is absent or did not pass.
    MissingScenario {
        /// Its name.
        name: String,
    },
}

impl Refusal {
    /// A sentence for the applicant.
    pub fn message(&self) -> String {
        match self {
            Self::Malformed { detail } => {
                format!("This is not a readable sandbox certificate ({detail})")
            }
            Self::Tampered { detail } => format!(
                "The sandbox certificate does not verify: {detail}. Run the certification again \
                 and submit the certificate it produces, unchanged"
            ),
            Self::Expired { expired_at } => format!(
                "The sandbox certificate expired on {}; run the certification again",
                expired_at.format("%Y-%m-%d")
            ),
            Self::NotYetValid { issued_at } => format!(
                "The sandbox certificate claims to be issued in the future ({issued_at}); check \
                 the computer's clock"
            ),
            Self::UnknownIssuer { issuer } => format!(
                "The sandbox certificate was issued by {issuer}, which this HCX does not accept; \
                 certify against an affiliated sandbox"
            ),
            Self::WrongRole { certified, applying } => format!(
                "The sandbox certificate is for role {certified}, but you are registering as \
                 {applying}; certify in that role"
            ),
            Self::WrongVersion { certified, applying } => format!(
                "The sandbox certificate is for protocol {certified}, but you are registering \
                 for {applying}"
            ),
            Self::MissingScenario { name } => format!(
                "The sandbox certificate does not show the mandatory scenario {name} as passed"
            ),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// A sandbox certificate (compact JWS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SandboxCertificate(pub String);

impl SandboxCertificate {
    /// The compact JWS.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its claims, read WITHOUT verification (for display before submitting).
    pub fn claims_unverified(&self) -> Result<CertificateClaims, JwsError> {
        serde_json::from_value(jws::peek(&self.0)?.payload)
            .map_err(|e| JwsError::Malformed(e.to_string()))
    }
}

/// A certificate that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCertificate {
    /// Its claims.
    pub claims: CertificateClaims,
    /// The sandbox's attestation.
    pub attestation: AttestationClaims,
    /// SHA-256 of the signer's certificate.
    pub participant_cert_sha256: String,
}

fn epoch(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn new_jti() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Signs the attest request (step 1).
pub fn sign_attest_request(
    key: &SigningKey,
    participant_code: &str,
    role: Role,
    protocol_version: ApiVersion,
    sandbox_code: &str,
    scenarios: Vec<ScenarioResult>,
    now: DateTime<Utc>,
) -> Result<String, JwsError> {
    let claims = AttestRequestClaims {
        v: FORMAT_VERSION,
        jti: new_jti(),
        participant_code: participant_code.to_string(),
        role,
        protocol_version,
        sandbox_code: sandbox_code.to_string(),
        scenarios,
        iat: now.timestamp(),
    };
    key.sign(SIGNED_REQUEST_TYPE, &claims)
}

/// Verifies a request a participant signed for the sandbox (attest request, scenario trigger)
/// against its registered certificate; returns the claims and the certificate's fingerprint.
pub fn verify_signed_request<T: serde::de::DeserializeOwned>(
    compact: &str,
    registered_cert_pem: &str,
    now: DateTime<Utc>,
) -> Result<(T, String), Refusal> {
    let malformed = |d: String| Refusal::Malformed { detail: d };
    let seen = jws::peek(compact).map_err(|e| malformed(e.to_string()))?;
    if seen.typ() != Some(SIGNED_REQUEST_TYPE) {
        return Err(malformed("not a signed sandbox request".into()));
    }
    let cert = jws::cert_from_pem(registered_cert_pem).map_err(|e| malformed(e.to_string()))?;
    let payload = jws::verify(compact, &cert).map_err(|e| match e {
        JwsError::BadSignature => Refusal::Tampered {
            detail: "the request is not signed with the participant's registered key".into(),
        },
        other => malformed(other.to_string()),
    })?;
    let iat = payload.get("iat").and_then(serde_json::Value::as_i64).unwrap_or_default();
    let age = now.timestamp() - iat;
    if age > SIGNED_REQUEST_MAX_AGE_SECS {
        return Err(Refusal::Expired {
            expired_at: epoch(iat.saturating_add(SIGNED_REQUEST_MAX_AGE_SECS)),
        });
    }
    if age < -CLOCK_SKEW_SECS {
        return Err(Refusal::NotYetValid { issued_at: epoch(iat) });
    }
    let claims = serde_json::from_value(payload).map_err(|e| malformed(e.to_string()))?;
    let fp = jws::fingerprint_sha256(&cert).map_err(|e| malformed(e.to_string()))?;
    Ok((claims, fp))
}

/// The sandbox's side of step 2: its countersignature over checked results.
pub fn sign_attestation(key: &SigningKey, claims: &AttestationClaims) -> Result<String, JwsError> {
    key.sign(ATTESTATION_TYPE, claims)
}

/// Step 3: the participant signs the certificate around the sandbox's attestation.
/// `key` must carry the participant's certificate (it goes into `x5c`).
pub fn issue_certificate(
    key: &SigningKey,
    attestation: &str,
    scenarios: Vec<ScenarioResult>,
    now: DateTime<Utc>,
) -> Result<SandboxCertificate, JwsError> {
    let att: AttestationClaims = serde_json::from_value(jws::peek(attestation)?.payload)
        .map_err(|e| JwsError::Malformed(format!("attestation: {e}")))?;
    let claims = CertificateClaims {
        v: FORMAT_VERSION,
        jti: new_jti(),
        iss: att.participant_code.clone(),
        participant_code: att.participant_code.clone(),
        role: att.role,
        protocol_version: att.protocol_version,
        sandbox: SandboxRef {
            code: att.iss.clone(),
            base_url: att.base_url.clone(),
            attestation: attestation.to_string(),
        },
        scenarios,
        iat: now.timestamp(),
        exp: att.exp,
    };
    key.sign(CERTIFICATE_TYPE, &claims).map(SandboxCertificate)
}

/// Signs a certificate from claims as given (tests and tools that build unusual certificates;
/// the normal path is [`issue_certificate`]).
pub fn sign_certificate_claims(
    key: &SigningKey,
    claims: &CertificateClaims,
) -> Result<SandboxCertificate, JwsError> {
    key.sign(CERTIFICATE_TYPE, claims).map(SandboxCertificate)
}

/// The operator's check (seed step 1): validity (signature, expiry, known issuer, mandatory
/// scenarios passed) and applicability (role and protocol version). A certificate that is
/// malformed, tampered with or from an unknown sandbox is refused with that one reason; the
/// other reasons are all reported together.
pub fn verify_certificate(
    compact: &str,
    trusted: &[TrustedSandbox],
    expect: &Expectation,
) -> Result<VerifiedCertificate, Vec<Refusal>> {
    let one = |r: Refusal| vec![r];
    let malformed = |d: &str| one(Refusal::Malformed { detail: d.to_string() });
    let tampered = |d: &str| one(Refusal::Tampered { detail: d.to_string() });

    // 1. The participant's signature, with the certificate it announces.
    let seen = jws::peek(compact).map_err(|e| malformed(&e.to_string()))?;
    if seen.typ() != Some(CERTIFICATE_TYPE) {
        return Err(malformed("the token is not a sandbox certificate"));
    }
    let cert = seen
        .certificate()
        .map_err(|e| malformed(&e.to_string()))?
        .ok_or_else(|| malformed("the signer's certificate (x5c) is missing"))?;
    let payload = jws::verify(compact, &cert).map_err(|e| match e {
        JwsError::BadSignature => {
            tampered("the content was changed after it was signed or signed with another key")
        }
        other => malformed(&other.to_string()),
    })?;
    let claims: CertificateClaims =
        serde_json::from_value(payload).map_err(|e| malformed(&e.to_string()))?;
    let fingerprint = jws::fingerprint_sha256(&cert).map_err(|e| malformed(&e.to_string()))?;
    if let Some(pem) = &expect.registered_cert_pem {
        let registered = jws::cert_from_pem(pem)
            .and_then(|c| jws::fingerprint_sha256(&c))
            .map_err(|e| malformed(&e.to_string()))?;
        if registered != fingerprint {
            return Err(tampered(&format!(
                "it is not signed with the certificate registered for {}",
                claims.participant_code
            )));
        }
    }

    // 2. The sandbox's countersignature, from a sandbox we trust.
    let att_seen = jws::peek(&claims.sandbox.attestation)
        .map_err(|e| malformed(&format!("attestation: {e}")))?;
    let issuer = att_seen.payload.get("iss").and_then(|v| v.as_str()).unwrap_or("").to_string();
    let att_base = att_seen.payload.get("base_url").and_then(|v| v.as_str()).unwrap_or("");
    let same_url = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    let Some(sandbox) = trusted
        .iter()
        .find(|t| t.code == issuer && (t.base_url.is_empty() || same_url(&t.base_url, att_base)))
    else {
        return Err(one(Refusal::UnknownIssuer { issuer }));
    };
    let sandbox_cert =
        jws::cert_from_pem(&sandbox.cert_pem).map_err(|e| malformed(&e.to_string()))?;
    let att_payload =
        jws::verify(&claims.sandbox.attestation, &sandbox_cert).map_err(|e| match e {
            JwsError::BadSignature => tampered("the sandbox's countersignature does not verify"),
            other => malformed(&other.to_string()),
        })?;
    if att_seen.typ() != Some(ATTESTATION_TYPE) {
        return Err(malformed("the countersignature is not a sandbox attestation"));
    }
    let att: AttestationClaims =
        serde_json::from_value(att_payload).map_err(|e| malformed(&e.to_string()))?;

    // 3. The pieces must describe the same participant, key, role, version and results.
    let mismatches = [
        (att.participant_code != claims.participant_code, "participant"),
        (att.role != claims.role, "role"),
        (att.protocol_version != claims.protocol_version, "protocol version"),
        (att.participant_cert_sha256 != fingerprint, "signing certificate"),
        (att.scenarios_sha256 != scenarios_digest(&claims.scenarios), "scenario results"),
        (claims.sandbox.code != att.iss, "sandbox code"),
    ];
    if let Some((_, what)) = mismatches.iter().find(|(bad, _)| *bad) {
        return Err(tampered(&format!("its {what} differs from what the sandbox countersigned")));
    }

    // 4. Time, applicability and completeness: report every problem at once.
    let mut reasons = Vec::new();
    let now = expect.now.timestamp();
    let expires = claims.exp.min(att.exp);
    if now > expires {
        reasons.push(Refusal::Expired { expired_at: epoch(expires) });
    }
    if claims.iat > now + CLOCK_SKEW_SECS {
        reasons.push(Refusal::NotYetValid { issued_at: epoch(claims.iat) });
    }
    if claims.role != expect.role {
        reasons.push(Refusal::WrongRole { certified: claims.role, applying: expect.role });
    }
    if claims.protocol_version != expect.protocol_version {
        reasons.push(Refusal::WrongVersion {
            certified: claims.protocol_version,
            applying: expect.protocol_version,
        });
    }
    for name in mandatory_scenarios(claims.role) {
        let passed = claims.scenarios.iter().any(|s| s.name == name && s.passed());
        if !passed {
            reasons.push(Refusal::MissingScenario { name: name.to_string() });
        }
    }
    if !reasons.is_empty() {
        return Err(reasons);
    }
    Ok(VerifiedCertificate { claims, attestation: att, participant_cert_sha256: fingerprint })
}

/// The expiry to put in a new attestation.
pub fn attestation_expiry(now: DateTime<Utc>, validity_days: i64) -> i64 {
    (now + Duration::days(validity_days)).timestamp()
}
