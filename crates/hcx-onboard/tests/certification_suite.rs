//! The conformance suite against the embedded sandbox, over real loopback HTTP with real JWE
//! and a real bridge: a provider and a payer each pass every scenario of their role, earn a
//! certificate the sandbox countersigns, and the operator endpoint accepts it.

use std::time::Duration;

use hcx_client::{Credentials, Secret};
use hcx_onboard::certification::suite::{
    CallbackReceiver, SuiteConfig, SuiteReport, describe_sandbox, request_certificate, run_suite,
};
use hcx_onboard::certification::{
    Expectation, TrustedSandbox, mandatory_scenarios, verify_certificate,
};
use hcx_onboard::client::OperatorClient;
use hcx_onboard::operator_api::ApplicationState;
use hcx_onboard::registration::{ActorKind, Application};
use hcx_protocol::{ApiVersion, PrivateKey, Role};
use hcx_sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use serde_json::{Value, json};

struct Enrolled {
    code: String,
    email: String,
    password: String,
    key: PrivateKey,
    cert_pem: String,
    receiver: CallbackReceiver,
}

async fn admin_token(sandbox: &SandboxHandle) -> String {
    let admin = sandbox.admin_credentials();
    let v: Value = reqwest::Client::new()
        .post(format!("{}/v0.8/participant/auth/token/generate", sandbox.base_url()))
        .form(&[("username", admin.username.as_str()), ("password", admin.password.expose())])
        .send()
        .await
        .expect("sandbox reachable")
        .json()
        .await
        .expect("token JSON");
    v["access_token"].as_str().expect("the admin logs in").to_string()
}

/// Registers a participant in the sandbox whose endpoint is an embedded bridge.
async fn enrol(sandbox: &SandboxHandle, dir: &std::path::Path, name: &str, role: Role) -> Enrolled {
    let descriptor =
        describe_sandbox(&sandbox.base_url(), ApiVersion::V0_8).await.expect("descriptor");
    let code = format!("{name}@sandbox");
    let pair = hcx_sandbox::keys::generate(&code).expect("key pair");
    let receiver =
        CallbackReceiver::start(&dir.join(name), &code, &descriptor).await.expect("bridge starts");
    let email = format!("{name}@example.org");
    let password = format!("pw-{name}-12345678");
    let mut body = json!({
        "participant_code": code,
        "participant_name": name,
        "primary_email": email,
        "primary_mobile": "9000000000",
        "roles": [role.as_str()],
        "endpoint_url": receiver.endpoint_url(),
        "encryption_cert": pair.cert_pem,
        "password": password,
    });
    if role == Role::Payor {
        body["scheme_code"] = json!("default");
    }
    let resp = reqwest::Client::new()
        .post(format!("{}/v0.8/participant/create", sandbox.base_url()))
        .bearer_auth(admin_token(sandbox).await)
        .json(&body)
        .send()
        .await
        .expect("create reachable");
    assert_eq!(
        resp.status().as_u16(),
        200,
        "the admin registers {name}: {}",
        resp.text().await.unwrap_or_default()
    );
    let key = PrivateKey::from_pem(pair.private_pem.expose().as_bytes()).expect("key");
    Enrolled { code, email, password, key, cert_pem: pair.cert_pem, receiver }
}

fn config(sandbox: &SandboxHandle, p: &Enrolled, role: Role) -> SuiteConfig {
    let mut cfg = SuiteConfig::new(
        sandbox.base_url(),
        p.code.clone(),
        role,
        Credentials::Password {
            username: p.email.clone(),
            password: Secret::new(p.password.clone()),
        },
    );
    cfg.step_timeout = Duration::from_secs(20);
    cfg
}

fn assert_passed(report: &SuiteReport, role: Role) {
    let failures: Vec<String> =
        report.failures().iter().map(|s| format!("{}: {}", s.name, s.detail)).collect();
    assert!(
        failures.is_empty(),
        "every {role} scenario passes against the embedded sandbox: {failures:#?}"
    );
    let names: Vec<&str> = report.scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        mandatory_scenarios(role),
        "the report has exactly the role's mandatory scenarios"
    );
    for s in &report.scenarios {
        assert!(
            s.steps.iter().all(|st| !st.api_call_id.is_empty() && !st.correlation_id.is_empty()),
            "{}: every step records its api_call_id and correlation id",
            s.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_certifies_and_the_operator_accepts_the_certificate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sandbox = Sandbox::start(SandboxConfig::for_tests(dir.path().join("sandbox")))
        .await
        .expect("sandbox");
    let role = Role::ProviderHospital;
    let p = enrol(&sandbox, dir.path(), "hosp_cert", role).await;
    let cfg = config(&sandbox, &p, role);

    let report = run_suite(&cfg, &p.key, p.receiver.mailbox()).await.expect("the suite runs");
    assert_passed(&report, role);
    let query =
        report.scenarios.iter().find(|s| s.name == "claim.query_answered").expect("query scenario");
    assert!(
        query.steps.iter().any(|s| s.action == "/communication/request")
            && query.steps.iter().any(|s| s.action == "/communication/on_request"),
        "the query scenario really received a query and answered it: {:?}",
        query.steps
    );

    let certificate =
        request_certificate(&cfg, &report, &p.key, &p.cert_pem).await.expect("certificate");
    let trusted = TrustedSandbox {
        code: report.sandbox.hcx_code.clone(),
        base_url: report.sandbox.base_url.clone(),
        cert_pem: report.sandbox.hcx_cert_pem.clone(),
    };
    let expect = Expectation {
        role,
        protocol_version: ApiVersion::V0_8,
        now: chrono::Utc::now(),
        registered_cert_pem: Some(p.cert_pem.clone()),
    };
    let verified =
        verify_certificate(certificate.as_str(), &[trusted], &expect).expect("verifies locally");
    assert!(
        verified.attestation.audited_messages >= 20,
        "the sandbox found the suite's messages in its audit trail: {}",
        verified.attestation.audited_messages
    );

    // The operator endpoint accepts it: an HFR hospital applies with it.
    let mut app = Application::new(ActorKind::AbdmProvider);
    let v = json!({
        "kind": "abdm_provider",
        "common": {
            "participant_name": "Sunrise Multispeciality Hospital", "role": "provider.hospital",
            "protocol_version": "v0.8", "primary_email": "accounts@sunrise-prod.example",
            "primary_mobile": "9876543210", "endpoint_url": "https://bridge.example/p/sunrise",
            "encryption_cert_pem": p.cert_pem, "sandbox_certificate": certificate.as_str(),
        },
        "details": {
            "hfr_facility_id": "IN2910000123", "hfr_verification_status": "Verified",
            "manager": {"hfr_id": "71-4542-2424-6325", "mobile": "9876543210", "email": "manager@sunrise-hospital.example"},
            "consent_to_hfr_fetch": true,
        }
    });
    app = serde_json::from_value(v).unwrap_or(app);
    let operator = OperatorClient::new(&sandbox.base_url(), ApiVersion::V0_8).expect("client");
    let submitted = operator.submit(&app).await.expect("the operator accepts the certificate");
    assert_eq!(
        submitted.status.state,
        ApplicationState::AwaitingOtp,
        "certificate accepted, HFR lookup passed, OTP sent: {:?}",
        submitted.status.history
    );
    p.receiver.shutdown().await.expect("bridge stops");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payer_certifies_by_answering_the_demo_provider() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sandbox = Sandbox::start(SandboxConfig::for_tests(dir.path().join("sandbox")))
        .await
        .expect("sandbox");
    let role = Role::Payor;
    let p = enrol(&sandbox, dir.path(), "payr_cert", role).await;
    let cfg = config(&sandbox, &p, role);
    let report = run_suite(&cfg, &p.key, p.receiver.mailbox()).await.expect("the suite runs");
    assert_passed(&report, role);
    let certificate =
        request_certificate(&cfg, &report, &p.key, &p.cert_pem).await.expect("certificate");
    let claims = certificate.claims_unverified().expect("readable");
    assert_eq!(claims.role, Role::Payor, "certified as a payer");
    assert_eq!(claims.sandbox.code, sandbox.hcx_code(), "countersigned by this sandbox");
    p.receiver.shutdown().await.expect("bridge stops");
    sandbox.shutdown().await;
}
