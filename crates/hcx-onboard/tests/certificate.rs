//! Sandbox certificates with real RS256 JWS: a valid one verifies, and each way of being wrong
//! is refused with its own typed reason.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use hcx_onboard::certification::{
    AttestationClaims, CertificateClaims, Direction, Expectation, Outcome, Refusal, SandboxRef,
    ScenarioResult, StepRecord, TrustedSandbox, issue_certificate, mandatory_scenarios,
    scenarios_digest, sign_attestation, sign_certificate_claims, verify_certificate,
};
use hcx_onboard::jws::{self, SigningKey};
use hcx_protocol::{ApiVersion, Role};

struct Party {
    key_pem: String,
    cert_pem: String,
}

fn party(cn: &str) -> Party {
    let p = hcx_sandbox::keys::generate(cn).expect("key pair");
    Party { key_pem: p.private_pem.expose().to_string(), cert_pem: p.cert_pem }
}

fn signer(p: &Party) -> SigningKey {
    SigningKey::from_pem(p.key_pem.as_bytes(), Some(&p.cert_pem)).expect("signer")
}

fn passed(role: Role) -> Vec<ScenarioResult> {
    mandatory_scenarios(role)
        .into_iter()
        .map(|name| ScenarioResult {
            name: name.to_string(),
            outcome: Outcome::Passed,
            detail: "ok".into(),
            steps: vec![StepRecord {
                action: "/claim/submit".into(),
                direction: Direction::Sent,
                api_call_id: uuid::Uuid::new_v4().to_string(),
                correlation_id: uuid::Uuid::new_v4().to_string(),
                workflow_id: None,
                result: "202".into(),
                accepted: true,
            }],
        })
        .collect()
}

const SANDBOX_CODE: &str = "hcx@sandbox";
const SANDBOX_URL: &str = "http://127.0.0.1:9999/api";
const PARTICIPANT: &str = "hosp_sunris_123456@sandbox";

struct World {
    sandbox: Party,
    participant: Party,
}

impl World {
    fn new() -> Self {
        Self { sandbox: party(SANDBOX_CODE), participant: party(PARTICIPANT) }
    }

    fn trusted(&self) -> Vec<TrustedSandbox> {
        vec![TrustedSandbox {
            code: SANDBOX_CODE.into(),
            base_url: SANDBOX_URL.into(),
            cert_pem: self.sandbox.cert_pem.clone(),
        }]
    }

    fn attestation(&self, role: Role, scenarios: &[ScenarioResult], exp_days: i64) -> String {
        let now = Utc::now();
        let cert = jws::cert_from_pem(&self.participant.cert_pem).expect("cert");
        let claims = AttestationClaims {
            v: 1,
            iss: SANDBOX_CODE.into(),
            base_url: SANDBOX_URL.into(),
            participant_code: PARTICIPANT.into(),
            role,
            protocol_version: ApiVersion::V0_8,
            participant_cert_sha256: jws::fingerprint_sha256(&cert).expect("fp"),
            scenarios_sha256: scenarios_digest(scenarios),
            audited_messages: 14,
            iat: (now - Duration::days(1)).timestamp(),
            exp: (now + Duration::days(exp_days)).timestamp(),
        };
        sign_attestation(&signer(&self.sandbox), &claims).expect("attestation")
    }

    fn certificate(&self, role: Role, scenarios: Vec<ScenarioResult>, exp_days: i64) -> String {
        let att = self.attestation(role, &scenarios, exp_days);
        issue_certificate(&signer(&self.participant), &att, scenarios, Utc::now())
            .expect("certificate")
            .0
    }

    fn expect(&self, role: Role) -> Expectation {
        Expectation {
            role,
            protocol_version: ApiVersion::V0_8,
            now: Utc::now(),
            registered_cert_pem: Some(self.participant.cert_pem.clone()),
        }
    }
}

fn reasons(r: Result<impl std::fmt::Debug, Vec<Refusal>>) -> Vec<Refusal> {
    r.expect_err("the certificate must be refused")
}

#[test]
fn a_valid_certificate_verifies() {
    let w = World::new();
    let role = Role::ProviderHospital;
    let token = w.certificate(role, passed(role), 90);
    let ok = verify_certificate(&token, &w.trusted(), &w.expect(role))
        .expect("a valid certificate verifies");
    assert_eq!(ok.claims.participant_code, PARTICIPANT, "it names the participant");
    assert_eq!(ok.claims.sandbox.code, SANDBOX_CODE, "and the sandbox that issued it");
    assert_eq!(ok.attestation.audited_messages, 14, "the sandbox's countersignature is read");
    assert_eq!(ok.claims.scenarios.len(), mandatory_scenarios(role).len(), "with every scenario");
}

#[test]
fn an_edited_certificate_is_tampered() {
    let w = World::new();
    let role = Role::ProviderHospital;
    let token = w.certificate(role, passed(role), 90);
    // Change the payload after signing: a scenario's detail.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
    claims["scenarios"][0]["detail"] = serde_json::json!("edited");
    let forged =
        format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2]);
    let r = reasons(verify_certificate(&forged, &w.trusted(), &w.expect(role)));
    assert!(
        matches!(r.as_slice(), [Refusal::Tampered { .. }]),
        "an edited payload is Tampered: {r:?}"
    );

    // Re-signed by someone else with their own certificate: the sandbox vouched for another key.
    let claims: CertificateClaims = serde_json::from_value(claims).expect("claims");
    let mallory = party("mallory");
    let resigned = sign_certificate_claims(&signer(&mallory), &claims).expect("sign").0;
    let r = reasons(verify_certificate(&resigned, &w.trusted(), &w.expect(role)));
    assert!(
        matches!(r.as_slice(), [Refusal::Tampered { .. }]),
        "another signer is Tampered: {r:?}"
    );
    let mut lax = w.expect(role);
    lax.registered_cert_pem = None;
    let r = reasons(verify_certificate(&resigned, &w.trusted(), &lax));
    assert!(
        matches!(r.as_slice(), [Refusal::Tampered { detail }] if detail.contains("signing certificate")),
        "even without a registry, the attestation binds the key: {r:?}"
    );
    assert!(r[0].message().contains("does not verify"), "the message is plain: {}", r[0].message());
}

#[test]
fn an_expired_certificate_is_refused() {
    let w = World::new();
    let role = Role::ProviderHospital;
    let token = w.certificate(role, passed(role), -1);
    let r = reasons(verify_certificate(&token, &w.trusted(), &w.expect(role)));
    assert!(matches!(r.as_slice(), [Refusal::Expired { .. }]), "a past expiry is Expired: {r:?}");
    assert!(r[0].message().contains("run the certification again"), "and says what to do");
    // A certificate valid for one more day: fine in 12 hours, expired in 2 days.
    let short = w.certificate(role, passed(role), 1);
    let mut later = w.expect(role);
    later.now = Utc::now() + Duration::hours(12);
    assert!(verify_certificate(&short, &w.trusted(), &later).is_ok(), "valid until its expiry");
    later.now = Utc::now() + Duration::days(2);
    let r = reasons(verify_certificate(&short, &w.trusted(), &later));
    assert!(matches!(r.as_slice(), [Refusal::Expired { .. }]), "and Expired after it: {r:?}");
}

#[test]
fn an_unknown_or_forged_sandbox_is_refused() {
    let w = World::new();
    let role = Role::Payor;
    let token = w.certificate(role, passed(role), 90);
    let r = reasons(verify_certificate(&token, &[], &w.expect(role)));
    assert_eq!(
        r,
        vec![Refusal::UnknownIssuer { issuer: SANDBOX_CODE.into() }],
        "untrusted sandbox"
    );
    let mut moved = w.trusted();
    moved[0].base_url = "https://other.example/api".into();
    let r = reasons(verify_certificate(&token, &moved, &w.expect(role)));
    assert!(matches!(r.as_slice(), [Refusal::UnknownIssuer { .. }]), "same code, other URL: {r:?}");
    let impostor = party("impostor");
    let mut wrong_key = w.trusted();
    wrong_key[0].cert_pem = impostor.cert_pem;
    let r = reasons(verify_certificate(&token, &wrong_key, &w.expect(role)));
    assert!(
        matches!(r.as_slice(), [Refusal::Tampered { .. }]),
        "a countersignature by another key: {r:?}"
    );
}

#[test]
fn applicability_role_version_and_scenarios() {
    let w = World::new();
    let role = Role::ProviderHospital;
    let token = w.certificate(role, passed(role), 90);
    let r = reasons(verify_certificate(&token, &w.trusted(), &w.expect(Role::Payor)));
    assert!(
        r.contains(&Refusal::WrongRole { certified: role, applying: Role::Payor }),
        "certified as a hospital, applying as a payer: {r:?}"
    );
    let mut v9 = w.expect(role);
    v9.protocol_version = ApiVersion::V0_9;
    let r = reasons(verify_certificate(&token, &w.trusted(), &v9));
    assert_eq!(
        r,
        vec![Refusal::WrongVersion { certified: ApiVersion::V0_8, applying: ApiVersion::V0_9 }],
        "certified on v0.8, registering for v0.9"
    );

    let mut missing = passed(role);
    let dropped = missing.remove(3).name;
    let mut failed = passed(role);
    failed[0].outcome = Outcome::Failed;
    let failed_name = failed[0].name.clone();
    for (scenarios, name) in [(missing, dropped), (failed, failed_name)] {
        let token = w.certificate(role, scenarios, 90);
        let r = reasons(verify_certificate(&token, &w.trusted(), &w.expect(role)));
        assert_eq!(
            r,
            vec![Refusal::MissingScenario { name: name.clone() }],
            "{name} must be shown passed"
        );
    }
}

#[test]
fn garbage_is_malformed_not_a_panic() {
    let w = World::new();
    for junk in ["", "abc", "a.b.c", "....", &"x".repeat(10_000)] {
        let r = reasons(verify_certificate(junk, &w.trusted(), &w.expect(Role::Provider)));
        assert!(
            matches!(r.as_slice(), [Refusal::Malformed { .. }]),
            "{junk:.10}: Malformed, got {r:?}"
        );
    }
    let sandbox_ref =
        SandboxRef { code: "x".into(), base_url: "y".into(), attestation: "z".into() };
    assert_eq!(sandbox_ref.code, "x", "SandboxRef is a plain value");
}
