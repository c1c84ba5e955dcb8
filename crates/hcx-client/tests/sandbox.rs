//! The client against the real embedded sandbox gateway (crate hcx-sandbox): real tokens,
//! registry, certificate URLs, gateway rules and JWE, all over HTTP on 127.0.0.1.

use hcx_client::{
    Action, CertSource, ClientError, Credentials, Dialect, ErrorCode, GatewayConfig, HcxClient,
    Headers, Role, Secret, SendOutcome,
};
use hcx_protocol::PrivateKey;
use hcx_sandbox::{DemoKind, Sandbox, SandboxConfig};

fn eligibility_bundle() -> Vec<u8> {
    // A real FHIR sample (MIT, Swasth Digital Health Foundation; see shared/fixtures/README.md).
    let path = format!(
        "{}/../hcx-fhir/tests/fixtures/coverageeligibility.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_console_flow_against_the_sandbox() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sb = Sandbox::start(SandboxConfig::for_tests(dir.path())).await.expect("sandbox starts");
    let prov = sb.participant(DemoKind::Provider).expect("demo provider").clone();
    let payer = sb.participant(DemoKind::Payer).expect("demo payer").clone();

    let cfg = GatewayConfig::new(
        sb.base_url(),
        &prov.participant_code,
        Credentials::Password {
            username: prov.username.clone(),
            password: Secret::new(prov.password.expose()),
        },
    );
    // roles left empty: the client reads them from our registry record.
    let c = HcxClient::new(cfg.clone()).expect("config");

    // Token.
    let t = c.check_token().await.expect("the sandbox issues a token for the right password");
    assert_eq!(t.participant_matches, Some(true), "the token carries our participant_code claim");

    // Own record: exists, Active, provider role, certificate matches our key.
    let own = c.fetch_own_record().await.expect("own record");
    assert!(own.active, "the demo provider is Active: {:?}", own.record.status);
    assert!(own.roles.iter().any(|r| r.is_provider()), "a provider role: {:?}", own.roles);
    let our_pub = PrivateKey::from_pem(prov.private_key_pem.expose().as_bytes())
        .and_then(|k| k.public_key())
        .and_then(|k| k.to_public_key_pem())
        .expect("demo key");
    let m = c.certificate_matches(&own.record, &our_pub).await.expect("compare");
    assert!(m.matches, "the registered certificate carries the provider's own key");

    // The payer's certificate, via registry → URL.
    let cert = c.certificate(&payer.participant_code).await.expect("payer certificate");
    assert!(
        matches!(&cert.source, CertSource::Url(u) if u.starts_with(sb.origin())),
        "the sandbox registry stores a certificate URL like the platform: {:?}",
        cert.source
    );

    // A coverage eligibility check with real JWE, accepted with a 202 ack.
    let correlation = uuid::Uuid::new_v4().to_string();
    let headers = Headers::action(
        &prov.participant_code,
        &payer.participant_code,
        &correlation,
        None,
        Dialect::Swasth,
    );
    let prepared = c
        .prepare(Action::CoverageEligibilityCheck, &headers, &eligibility_bundle())
        .await
        .expect("sealed to the payer");
    let out =
        c.send_raw(Action::CoverageEligibilityCheck, prepared.body.as_bytes()).await.expect("sent");
    let SendOutcome::Accepted { ack, attempts } = &out else { panic!("a 202 ack, got {out:?}") };
    assert_eq!(ack.api_call_id, prepared.api_call_id, "the ack echoes our api_call_id");
    assert_eq!(ack.correlation_id, correlation, "and our correlation id");
    assert!(ack.timestamp > 1_600_000_000_000, "timestamp is epoch ms: {}", ack.timestamp);
    assert_eq!(*attempts, 1, "nothing to retry");

    // Re-sending the stored body (the outbox after a crash) is recognised as already accepted.
    let again = c
        .send_raw(Action::CoverageEligibilityCheck, prepared.body.as_bytes())
        .await
        .expect("not an error");
    assert!(
        matches!(again, SendOutcome::AlreadyAccepted { after_uncertain_try: false, .. }),
        "the sandbox answers ERR_INVALID_API_CALL_ID 'Request exist with same api call id': {again:?}"
    );

    // Status of that request: a synchronous result.
    let report = c.hcx_status(&correlation, &payer.participant_code).await.expect("status");
    let result = report.result.expect("queued or dispatched requests have a result");
    assert!(
        matches!(result.protocol_status.as_deref(), Some("request.queued" | "request.dispatched")),
        "status of our check: {result:?}"
    );

    // A payer-only API is refused locally, typed, before the gateway's 401.
    let cb = Headers::action(
        &prov.participant_code,
        &payer.participant_code,
        "c",
        None,
        Dialect::Swasth,
    );
    let err =
        c.send(Action::ClaimOnSubmit, cb, b"{}").await.expect_err("providers cannot answer claims");
    assert!(matches!(err, ClientError::RoleNotAllowed { .. }), "typed role refusal: {err:?}");
    assert!(!c.our_roles().await.expect("roles").contains(&Role::Payor), "we are not a payor");

    // A wrong password: typed access-denied with the clerk message.
    let mut bad = cfg;
    bad.credentials = Credentials::Password {
        username: prov.username.clone(),
        password: Secret::new("not-the-password"),
    };
    let err = HcxClient::new(bad).expect("config").check_token().await.expect_err("wrong password");
    let ClientError::CredentialsRejected(g) = &err else {
        panic!("typed login refusal, got {err:?}")
    };
    assert_eq!(
        g.code,
        Some(ErrorCode::ErrAccessDenied),
        "the platform's code for bad credentials: {g}"
    );
    assert_eq!(
        err.clerk_message(),
        "The exchange did not accept this console's login. Ask your administrator to check the \
         exchange username and password in Settings.",
        "the clerk is told what to do"
    );
    sb.shutdown().await;
}
