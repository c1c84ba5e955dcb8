//! The client against a scripted gateway: a real axum server on 127.0.0.1 (tests/support).
//! Each test stages one gateway behaviour and asserts exactly what the client did about it:
//! how many tokens it fetched, how many tries it made, what it parsed, what a clerk is told.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::json;

use hcx_client::clerk::{self, ErrorCategory};
use hcx_client::{
    Action, CertSource, ClientError, Credentials, Dialect, ErrorCode, HcxClient, Headers, NhcxAuth,
    ParticipantStatus, Role, SearchQuery, Secret, SendOutcome,
};
use hcx_protocol::{Details, PrivateKey, ProtocolResponse};

use support::*;

const CHECK: &str = "/v0.8/coverageeligibility/check";

fn check_headers(recipient: &str) -> Headers {
    Headers::action(PROVIDER, recipient, &uuid::Uuid::new_v4().to_string(), None, Dialect::Swasth)
}

fn fhir() -> Vec<u8> {
    json!({"resourceType": "Bundle", "type": "collection", "id": uuid::Uuid::new_v4().to_string()})
        .to_string()
        .into_bytes()
}

fn sample_private_key() -> PrivateKey {
    PrivateKey::from_pem(fixture("sample-private-key.pem").as_bytes())
        .expect("SDK sample key parses")
}

#[tokio::test]
async fn send_seals_to_the_recipient_and_parses_the_ack() {
    let gw = TestGateway::start().await;
    let c = client(&gw);
    let headers = check_headers(PAYER_URL_CERT);
    let payload = fhir();
    let out = c
        .send(Action::CoverageEligibilityCheck, headers.clone(), &payload)
        .await
        .expect("accepted");
    let SendOutcome::Accepted { ack, attempts } = out else {
        panic!("expected an ack, got {out:?}")
    };
    assert_eq!(ack.timestamp, ACK_TS, "the 202 ack timestamp is epoch ms as a JSON number");
    assert_eq!(
        Some(ack.api_call_id.as_str()),
        headers.api_call_id(),
        "the ack echoes our api_call_id"
    );
    assert_eq!(attempts, 1, "nothing failed, so one try");

    let hits = gw.state.hits(CHECK);
    assert_eq!(hits.len(), 1, "exactly one protocol POST");
    let auth =
        hits[0].headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(
        auth.starts_with("Bearer ey"),
        "the token travels as Authorization: Bearer (wire facts §2.3)"
    );
    let body = hcx_protocol::parse_body(&hits[0].body).expect("a protocol body");
    let hcx_protocol::Body::Jwe(compact) = body else { panic!("an action must travel as a JWE") };
    let opened = hcx_protocol::open(&compact, &sample_private_key())
        .expect("sealed to the key in the payer's registered certificate");
    assert_eq!(opened.payload, payload, "the payer decrypts exactly the FHIR we sent");

    let cert_hits = gw.state.hits("/certs/payer.pem");
    assert_eq!(cert_hits.len(), 1, "the URL certificate was downloaded once");
    assert!(
        cert_hits[0].headers.get("authorization").is_none(),
        "the bearer token must never go to the certificate host"
    );
}

#[tokio::test]
async fn a_401_refreshes_the_token_and_retries_once() {
    let gw = TestGateway::start().await;
    let c = client(&gw);
    gw.script(CHECK, [Scripted::error(401, Some("ERR_ACCESS_DENIED"), "Token expired")]);
    let out =
        c.send(Action::CoverageEligibilityCheck, check_headers(PAYER_INLINE_CERT), &fhir()).await;
    let out = out.expect("the second try with a fresh token is accepted");
    assert!(matches!(out, SendOutcome::Accepted { .. }), "ack parsed after refresh: {out:?}");
    assert_eq!(out.attempts(), 2, "one refused try plus one with the fresh token");
    assert_eq!(
        gw.state.token_fetches.load(Ordering::SeqCst),
        2,
        "the 401 forced exactly one new token"
    );
    let tokens: Vec<String> = gw
        .state
        .hits(CHECK)
        .iter()
        .map(|h| h.headers["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert_ne!(tokens[0], tokens[1], "the retry carries the new token, not the refused one");

    // A second 401 in a row is not retried forever: the clerk gets the access-denied message.
    gw.script(
        CHECK,
        [
            Scripted::error(
                401,
                Some("ERR_ACCESS_DENIED"),
                "Does not have access to the called API",
            ),
            Scripted::error(
                401,
                Some("ERR_ACCESS_DENIED"),
                "Does not have access to the called API",
            ),
        ],
    );
    let err = c
        .send(Action::CoverageEligibilityCheck, check_headers(PAYER_INLINE_CERT), &fhir())
        .await
        .expect_err("two 401s in a row are a real refusal");
    assert_eq!(
        err.error_code(),
        Some(&ErrorCode::ErrAccessDenied),
        "the gateway's code is kept: {err}"
    );
    assert_eq!(
        err.clerk_message(),
        clerk::clerk_message(&ErrorCode::ErrAccessDenied),
        "clerk wording by code"
    );
    assert_eq!(
        gw.state.token_fetches.load(Ordering::SeqCst),
        3,
        "one refresh per call, not a loop"
    );
}

#[tokio::test]
async fn the_token_is_reused_until_it_is_due_then_renewed() {
    let gw = TestGateway::start().await;
    gw.state.token_lifetime_secs.store(2, Ordering::SeqCst);
    let c = client(&gw);
    c.search_participant(PAYER_URL_CERT).await.expect("search 1");
    c.search_participant(PAYER_INLINE_CERT).await.expect("search 2");
    assert_eq!(gw.state.token_fetches.load(Ordering::SeqCst), 1, "a live token is shared by calls");
    // expires_in = 2 s; the client renews at most half a lifetime early, i.e. after 1 s.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    c.search_participant(PAYER_URL_CERT).await.expect("search 3");
    assert_eq!(
        gw.state.token_fetches.load(Ordering::SeqCst),
        2,
        "a token close to expires_in is renewed before use, not sent to die in flight"
    );
    assert_eq!(gw.state.hits("/participant/search").len(), 3, "no call needed a 401 retry");
}

#[tokio::test]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let gw = TestGateway::start().await;
    let c = client(&gw);
    c.search_participant(PAYER_INLINE_CERT).await.expect("warm token and cert cache");
    gw.script(CHECK, [Scripted::new(429, json!({})).header("retry-after", "1")]);
    let out = c
        .send(Action::CoverageEligibilityCheck, check_headers(PAYER_INLINE_CERT), &fhir())
        .await
        .expect("accepted after the wait");
    assert_eq!(out.attempts(), 2, "one rate-limited try, one accepted");
    let hits = gw.state.hits(CHECK);
    assert_eq!(hits.len(), 2, "two POSTs reached the gateway");
    assert!(
        hits[1].at.duration_since(hits[0].at) >= Duration::from_millis(990),
        "Retry-After: 1 must be honoured before trying again (gap {:?})",
        hits[1].at.duration_since(hits[0].at)
    );
    assert_eq!(hits[0].body, hits[1].body, "a retry re-sends the identical sealed body");

    // A Retry-After longer than the client blocks for goes back to the caller at once.
    gw.script(CHECK, [Scripted::new(429, json!({})).header("retry-after", "3600")]);
    let err = c
        .send(Action::CoverageEligibilityCheck, check_headers(PAYER_INLINE_CERT), &fhir())
        .await
        .expect_err("an hour's wait is the outbox's job");
    let ClientError::RateLimited { attempts, retry_after } = &err else {
        panic!("typed 429, got {err:?}")
    };
    assert_eq!(*attempts, 1, "no blocking retry when told to wait an hour");
    assert_eq!(
        *retry_after,
        Some(Duration::from_secs(3600)),
        "the hint is passed on for rescheduling"
    );
    assert!(err.retryable(), "a rate limit passes");
}

#[tokio::test]
async fn two_500s_then_202_is_accepted_with_the_same_body_each_time() {
    let gw = TestGateway::start().await;
    let c = client(&gw);
    gw.script(
        CHECK,
        [
            Scripted::error(500, Some("SERVICE_UNAVAILABLE"), "audit service down"),
            Scripted::error(500, Some("INTERNAL_SERVER_ERROR"), "boom"),
        ],
    );
    let headers = check_headers(PAYER_INLINE_CERT);
    let out = c
        .send(Action::CoverageEligibilityCheck, headers.clone(), &fhir())
        .await
        .expect("third try accepted");
    let SendOutcome::Accepted { ack, attempts } = &out else { panic!("ack expected, got {out:?}") };
    assert_eq!(*attempts, 3, "500, 500, then 202");
    assert_eq!(
        Some(ack.api_call_id.as_str()),
        headers.api_call_id(),
        "the accepted try carried the original api_call_id"
    );
    let hits = gw.state.hits(CHECK);
    assert_eq!(hits.len(), 3, "three POSTs");
    assert!(hits.windows(2).all(|w| w[0].body == w[1].body), "every retry sends the same bytes");
    assert_eq!(gw.state.token_fetches.load(Ordering::SeqCst), 1, "5xx does not touch the token");
}

#[tokio::test]
async fn persistent_5xx_gives_up_after_max_attempts_with_a_retryable_error() {
    let gw = TestGateway::start().await;
    let c = client(&gw);
    gw.script(
        CHECK,
        (0..4).map(|_| Scripted::error(503, Some("ERR_SERVICE_UNAVAILABLE"), "try later")),
    );
    let err = c
        .send(Action::CoverageEligibilityCheck, check_headers(PAYER_INLINE_CERT), &fhir())
        .await
        .expect_err("still failing after the last try");
    let ClientError::Gateway(g) = &err else { panic!("a gateway error, got {err:?}") };
    assert_eq!(g.attempts, 4, "max_attempts = 4 tries in all");
    assert_eq!(g.http_status, 503, "the last status is reported");
    assert!(err.retryable(), "the outbox should try again later");
    assert_eq!(
        err.clerk_message(),
        clerk::clerk_message(&ErrorCode::ErrServiceUnavailable),
        "the clerk reads the service-unavailable wording"
    );
    assert_eq!(gw.state.hits(CHECK).len(), 4, "exactly max_attempts POSTs reached the gateway");
}

#[tokio::test]
async fn a_lost_response_then_duplicate_api_call_id_counts_as_accepted() {
    let gw = TestGateway::start().await;
    let proxy = SwallowingProxy::start(gw.addr, 1, "/coverageeligibility/check").await;
    // No connection reuse, so the proxy decides per request.
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("client");
    let c =
        HcxClient::with_http(config(&format!("http://{}/api", proxy.addr)), http).expect("config");
    let headers = check_headers(PAYER_INLINE_CERT);
    let out = c
        .send(Action::CoverageEligibilityCheck, headers.clone(), &fhir())
        .await
        .expect("the gateway holds the message, so this is success");
    assert_eq!(
        proxy.swallowed.load(Ordering::SeqCst),
        1,
        "the first answer was lost on the way back"
    );
    let SendOutcome::AlreadyAccepted { api_call_id, after_uncertain_try, attempts, .. } = &out
    else {
        panic!("expected AlreadyAccepted, got {out:?}")
    };
    assert!(*after_uncertain_try, "the first try reached the gateway before the connection died");
    assert_eq!(*attempts, 2, "lost answer, then the duplicate refusal");
    assert_eq!(api_call_id.as_deref(), headers.api_call_id(), "the id of the stored message");
    assert_eq!(gw.state.accepted_count(), 1, "the gateway accepted the message exactly once");
}

#[tokio::test]
async fn a_stored_body_already_accepted_earlier_is_success_not_error() {
    let gw = TestGateway::start().await;
    let c = client(&gw);
    let prepared = c
        .prepare(Action::CoverageEligibilityCheck, &check_headers(PAYER_INLINE_CERT), &fhir())
        .await
        .expect("sealed");
    let first = c
        .send_raw(Action::CoverageEligibilityCheck, prepared.body.as_bytes())
        .await
        .expect("accepted");
    assert!(matches!(first, SendOutcome::Accepted { .. }), "first delivery is acked: {first:?}");
    assert_eq!(
        gw.state.hits(CHECK)[0].body.as_ref(),
        prepared.body.as_bytes(),
        "send_raw posts the stored body byte for byte"
    );
    // The outbox re-sends after a crash: the gateway says it already has it.
    let again = c
        .send_raw(Action::CoverageEligibilityCheck, prepared.body.as_bytes())
        .await
        .expect("not an error");
    let SendOutcome::AlreadyAccepted { after_uncertain_try, api_call_id, .. } = &again else {
        panic!("expected AlreadyAccepted, got {again:?}")
    };
    assert!(!after_uncertain_try, "nothing in this call was uncertain: acceptance predates it");
    assert_eq!(
        api_call_id.as_deref(),
        Some(prepared.api_call_id.as_str()),
        "the stored api_call_id"
    );
}

#[tokio::test]
async fn an_unreachable_gateway_is_tried_max_attempts_then_typed() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    }; // listener dropped: nothing listens there now
    let c = HcxClient::new(config(&format!("http://127.0.0.1:{port}/api"))).expect("config");
    let err = c.search_participant(PAYER_URL_CERT).await.expect_err("nobody is listening");
    let ClientError::Unreachable { attempts, .. } = &err else {
        panic!("typed unreachable, got {err:?}")
    };
    assert_eq!(*attempts, 4, "connection errors are retried up to max_attempts");
    assert!(err.retryable(), "the network may come back");
    assert!(
        err.clerk_message().contains("could not be reached"),
        "clerk wording: {}",
        err.clerk_message()
    );
}

#[tokio::test]
async fn certificates_from_url_and_inline_pem_are_cached_and_invalidated() {
    let gw = TestGateway::start().await;
    let c = client(&gw);
    let url = c.certificate(PAYER_URL_CERT).await.expect("URL cert");
    assert_eq!(
        url.source,
        CertSource::Url(format!("http://{}/certs/payer.pem", gw.addr)),
        "a URL in encryption_cert is downloaded"
    );
    let inline = c.certificate(PAYER_INLINE_CERT).await.expect("inline cert");
    assert_eq!(inline.source, CertSource::Inline, "a PEM in encryption_cert is used as is");
    assert_eq!(
        url.key.to_public_key_pem().unwrap(),
        inline.key.to_public_key_pem().unwrap(),
        "both carry the same fixture key"
    );
    let searches = gw.state.hits("/participant/search").len();
    c.certificate(PAYER_URL_CERT).await.expect("cached");
    c.recipient_key(PAYER_INLINE_CERT).await.expect("cached");
    assert_eq!(
        gw.state.hits("/participant/search").len(),
        searches,
        "cached certificates need no lookup"
    );
    assert_eq!(gw.state.hits("/certs/payer.pem").len(), 1, "and no second download");

    assert!(c.invalidate_certificate(PAYER_URL_CERT), "there was a cached entry to drop");
    c.certificate(PAYER_URL_CERT).await.expect("re-fetched");
    assert_eq!(
        gw.state.hits("/participant/search").len(),
        searches + 1,
        "invalidate forces a registry lookup"
    );
    assert_eq!(gw.state.hits("/certs/payer.pem").len(), 2, "and a fresh download");

    // The TTL is configurable.
    let mut cfg = config(&gw.base_url());
    cfg.cert_ttl = Duration::from_millis(200);
    let short = HcxClient::new(cfg).expect("config");
    short.certificate(PAYER_INLINE_CERT).await.expect("first");
    let before = gw.state.hits("/participant/search").len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    short.certificate(PAYER_INLINE_CERT).await.expect("after ttl");
    assert_eq!(
        gw.state.hits("/participant/search").len(),
        before + 1,
        "an entry older than the TTL is re-fetched"
    );
}

#[tokio::test]
async fn a_bad_certificate_is_a_typed_error() {
    let gw = TestGateway::start().await;
    gw.state.participants.lock().unwrap().push(json!({
        "participant_code": "payr_broken@hcx-test", "roles": ["payor"], "status": "Active",
        "encryption_cert": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----"
    }));
    gw.script("/certs/payer.pem", [Scripted::new(404, json!({"message": "gone"}))]);
    let c = client(&gw);
    let err = c.recipient_key("payr_broken@hcx-test").await.expect_err("garbage PEM");
    assert!(matches!(err, ClientError::Certificate { .. }), "typed certificate error: {err:?}");
    let err = c.recipient_key(PAYER_URL_CERT).await.expect_err("404 on the cert URL");
    assert!(
        matches!(&err, ClientError::Certificate { reason, .. } if reason.contains("404")),
        "the download status is in the reason: {err:?}"
    );
    let err = c.recipient_key("payr_nobody@hcx-test").await.expect_err("unknown participant");
    assert!(matches!(err, ClientError::ParticipantNotFound(_)), "typed not-found: {err:?}");
}

#[tokio::test]
async fn error_bodies_with_null_code_and_clerk_messages() {
    let gw = TestGateway::start().await;
    let c = client(&gw);
    gw.script(
        "/hcx/status",
        [Scripted::error(400, None, "Invalid correlation id, details do not exist")],
    );
    let err = c.hcx_status("no-such-correlation", PAYER_INLINE_CERT).await.expect_err("400");
    let ClientError::Gateway(g) = &err else { panic!("gateway error, got {err:?}") };
    assert_eq!(g.code, None, "hcx-apis sends code null for ClientException(String)");
    assert_eq!(g.message, "Invalid correlation id, details do not exist", "the message is kept");
    assert_eq!(
        err.clerk_message(),
        clerk::clerk_message_for_status(400),
        "no code: wording by status"
    );
    assert!(!err.retryable(), "a 400 does not fix itself");

    gw.script(
        CHECK,
        [Scripted::error(
            400,
            Some("ERR_INVALID_TIMESTAMP"),
            "Timestamp cannot be in future or cross more than 10000 hours in past",
        )],
    );
    let err = c
        .send(Action::CoverageEligibilityCheck, check_headers(PAYER_INLINE_CERT), &fhir())
        .await
        .expect_err("400");
    assert_eq!(
        err.clerk_message(),
        "This computer's clock is ahead of the exchange. Check the system time and send again.",
        "the clock message the clerk can act on"
    );
    assert_eq!(
        clerk::advice(err.error_code().unwrap()).category,
        ErrorCategory::Clock,
        "grouped as a clock problem"
    );
    assert_eq!(gw.state.hits(CHECK).len(), 1, "a 400 is an answer, not retried");

    // A non-JSON error page from an ingress keeps its text.
    gw.script(
        CHECK,
        [Scripted { status: 400, headers: vec![], body: "<html>Bad Request</html>".into() }],
    );
    let err = c
        .send(Action::CoverageEligibilityCheck, check_headers(PAYER_INLINE_CERT), &fhir())
        .await
        .expect_err("400 html");
    let ClientError::Gateway(g) = &err else { panic!("gateway error, got {err:?}") };
    assert!(g.code.is_none() && g.message.contains("Bad Request"), "the page text is kept: {g:?}");
}

#[tokio::test]
async fn wrong_credentials_are_a_typed_access_denied_with_clerk_message() {
    let gw = TestGateway::start().await;
    let mut cfg = config(&gw.base_url());
    cfg.credentials =
        Credentials::Password { username: USERNAME.into(), password: Secret::new("wrong") };
    let c = HcxClient::new(cfg).expect("config");
    let err = c.check_token().await.expect_err("wrong password");
    let ClientError::CredentialsRejected(g) = &err else {
        panic!("typed login refusal, got {err:?}")
    };
    assert_eq!(
        g.code,
        Some(ErrorCode::ErrAccessDenied),
        "JWTService answers 400 ERR_ACCESS_DENIED"
    );
    assert_eq!(g.attempts, 1, "a refused login is not retried");
    assert!(
        err.clerk_message().contains("did not accept this console's login"),
        "{}",
        err.clerk_message()
    );
    assert!(!err.retryable(), "a wrong password stays wrong");
    let shown = format!("{err:?} {err}");
    assert!(!shown.contains("wrong\""), "the password never appears in errors: {shown}");
    assert_eq!(gw.state.hits(CHECK).len(), 0, "nothing else was attempted");
}

#[tokio::test]
async fn role_and_sender_are_checked_before_any_network_call() {
    let gw = TestGateway::start().await;
    let c = client(&gw);
    let headers = Headers::action(PROVIDER, PAYER_INLINE_CERT, "corr-x", None, Dialect::Swasth);
    let err = c
        .send(Action::ClaimOnSubmit, headers, &fhir())
        .await
        .expect_err("providers may not answer claims");
    assert!(
        matches!(&err, ClientError::RoleNotAllowed { action: Action::ClaimOnSubmit, roles, .. } if roles == &vec![Role::ProviderHospital]),
        "typed refusal instead of the gateway's 401: {err:?}"
    );
    let wrong =
        Headers::action("someone_else@hcx-test", PAYER_INLINE_CERT, "c", None, Dialect::Swasth);
    let err =
        c.send(Action::CoverageEligibilityCheck, wrong, &fhir()).await.expect_err("not our sender");
    assert!(
        matches!(err, ClientError::WrongSender { .. }),
        "caught before the gateway's ERR_ACCESS_DENIED: {err:?}"
    );
    assert!(gw.state.log.lock().unwrap().is_empty(), "no request of any kind reached the gateway");

    // Without configured roles the client reads them from our registry record, once.
    let mut cfg = config(&gw.base_url());
    cfg.roles.clear();
    let c = HcxClient::new(cfg).expect("config");
    assert_eq!(
        c.our_roles().await.expect("roles"),
        vec![Role::ProviderHospital],
        "roles from the registry"
    );
    c.our_roles().await.expect("roles again");
    assert_eq!(gw.state.hits("/participant/search").len(), 1, "looked up once and remembered");
}

#[tokio::test]
async fn plain_json_protocol_responses_only_on_callbacks() {
    let gw = TestGateway::start().await;
    let mut cfg = config(&gw.base_url());
    cfg.roles = vec![Role::Payor];
    cfg.participant_code = PAYER_INLINE_CERT.into();
    let c = HcxClient::new(cfg).expect("config");
    let request =
        Headers::action(PROVIDER, PAYER_INLINE_CERT, "corr-1", Some("wf-1"), Dialect::Swasth);
    let reply = ProtocolResponse::error(
        &request,
        &Details::new("ERR_INVALID_ENCRYPTION", "cannot decrypt"),
    );
    let out =
        c.send_plain(Action::CoverageEligibilityOnCheck, reply.clone()).await.expect("accepted");
    assert!(
        matches!(out, SendOutcome::Accepted { .. }),
        "plain error on on_check is acked: {out:?}"
    );
    let hit = &gw.state.hits("/v0.8/coverageeligibility/on_check")[0];
    let sent: serde_json::Value = serde_json::from_slice(&hit.body).expect("JSON");
    assert_eq!(sent, serde_json::to_value(&reply).unwrap(), "the flat header object is the body");
    let err =
        c.send_plain(Action::CoverageEligibilityCheck, reply).await.expect_err("not a callback");
    assert!(
        matches!(err, ClientError::PlainNotAllowed(_)),
        "plain JSON only on on_* (wire facts §4.5): {err:?}"
    );
}

#[tokio::test]
async fn hcx_status_returns_the_synchronous_result() {
    let gw = TestGateway::start().await;
    let c = client(&gw);
    let report = c.hcx_status("corr-42", PAYER_INLINE_CERT).await.expect("status");
    let result = report.result.expect("the platform adds result for dispatched requests");
    assert_eq!(result.protocol_status.as_deref(), Some("request.dispatched"), "status parsed");
    assert_eq!(
        result.recipient_code.as_deref(),
        Some(PAYER_INLINE_CERT),
        "about our request to that payer"
    );
    let hit = &gw.state.hits("/v0.8/hcx/status")[0];
    let h = hcx_protocol::parse_body(&hit.body).unwrap().headers().unwrap();
    assert_eq!(
        h.correlation_id(),
        Some("corr-42"),
        "status is asked by the original correlation id"
    );
}

#[tokio::test]
async fn registry_search_is_typed_and_lenient() {
    let gw = TestGateway::start().await;
    gw.state.participants.lock().unwrap().push(json!("not a record"));
    let c = client(&gw);
    let rec = c.search_participant(PROVIDER).await.expect("own record");
    assert_eq!(rec.status, Some(ParticipantStatus::Active), "typed status");
    assert_eq!(rec.os_owner, vec!["owner-provider".to_owned()], "osOwner read");
    assert_eq!(rec.extra.get("tags"), Some(&json!(["test"])), "unknown fields kept");
    let hit = &gw.state.hits("/participant/search")[0];
    let q: serde_json::Value = serde_json::from_slice(&hit.body).unwrap();
    assert_eq!(
        q,
        json!({"filters": {"participant_code": {"eq": PROVIDER}}}),
        "the documented search body"
    );
    let all = c.search(&SearchQuery::new()).await.expect("search all");
    assert_eq!(all.participants.len(), 3, "three readable records");
    assert_eq!(all.skipped.len(), 1, "the junk entry is reported, not fatal");
}

#[tokio::test]
async fn preflight_checks_report_facts() {
    let gw = TestGateway::start().await;
    let c = client(&gw);
    let t = c.check_token().await.expect("token");
    assert_eq!(t.participant_matches, Some(true), "the token belongs to our participant code");
    assert_eq!(t.lifetime, Duration::from_secs(300), "expires_in read");
    assert_eq!(
        t.claims.and_then(|c| c.sub).as_deref(),
        Some("owner-provider"),
        "sub read for the osOwner check"
    );
    let own = c.fetch_own_record().await.expect("own record");
    assert!(own.active, "our record is Active");
    assert_eq!(own.roles, vec![Role::ProviderHospital], "known roles listed");

    let sample_pub = sample_private_key().public_key().unwrap().to_public_key_pem().unwrap();
    let m = c.certificate_matches(&own.record, &sample_pub).await.expect("compare");
    assert!(m.matches, "the registered certificate carries our key");
    assert!(m.expired, "the SDK sample certificate's expiry (2022) is in the past");
    let other =
        PrivateKey::generate_rsa(2048).unwrap().public_key().unwrap().to_public_key_pem().unwrap();
    let m = c.certificate_matches(&own.record, &other).await.expect("compare");
    assert!(!m.matches, "a different key is reported as a mismatch");

    let up = c.endpoint_reachable(&format!("http://{}/callbacks", gw.addr)).await;
    assert!(
        up.reachable && up.http_status == Some(405),
        "any HTTP answer proves a listener: {up:?}"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = c.endpoint_reachable(&format!("http://127.0.0.1:{port}/x")).await;
    assert!(!down.reachable && down.error.is_some(), "a closed port is unreachable: {down:?}");
}

#[tokio::test]
async fn nhcx_session_tokens_and_ack_shape() {
    let gw = TestGateway::start().await;
    gw.state.nhcx.store(true, Ordering::SeqCst);
    let mut cfg = config(&gw.base_url());
    cfg.dialect = Dialect::Nhcx;
    let mut nhcx = NhcxAuth::sandbox("nhcx-client", Secret::new("nhcx-secret"));
    nhcx.session_url = format!("http://{}/gateway/v3/sessions", gw.addr);
    cfg.nhcx = Some(nhcx);
    let c = HcxClient::new(cfg).expect("config");
    let headers = Headers::action(
        PROVIDER,
        PAYER_INLINE_CERT,
        &uuid::Uuid::new_v4().to_string(),
        None,
        Dialect::Nhcx,
    );
    let out = c.send(Action::CoverageEligibilityCheck, headers, &fhir()).await.expect("accepted");
    let ack = out.ack().expect("NHCX 202 body parsed as an ack");
    assert_eq!(
        ack.timestamp, 1_692_278_029_019,
        "NHCX's DD/MM/YYYY IST string is read as epoch ms"
    );
    assert_eq!(
        ack.result.as_ref().and_then(|r| r.protocol_status.as_deref()),
        Some("request.queued"),
        "NHCX acks carry result"
    );
    let hit = &gw.state.hits("/api/v1/coverageeligibility/check")[0];
    let bearer = hit.headers.get("bearer_auth").and_then(|v| v.to_str().ok());
    assert_eq!(bearer, Some("Bearer abdm-opaque-1"), "NHCX reads the token from bearer_auth");
    assert!(
        hit.headers.get("authorization").is_some(),
        "and Authorization is sent too (nhcx-adapter)"
    );
    let body: serde_json::Value = serde_json::from_slice(&hit.body).unwrap();
    assert_eq!(body["type"], "JWEPayload", "NHCX bodies carry the type discriminator");
    assert_eq!(gw.state.token_fetches.load(Ordering::SeqCst), 1, "one ABDM session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_token_fetch() {
    let gw = TestGateway::start().await;
    let c = client(&gw);
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.search_participant(PAYER_URL_CERT).await })
        })
        .collect();
    for call in calls {
        call.await.expect("task").expect("search");
    }
    assert_eq!(
        gw.state.token_fetches.load(Ordering::SeqCst),
        1,
        "eight concurrent first calls wait for one token fetch instead of each logging in \
         (anonymous token calls share one global rate-limit key, wire facts §1.1)"
    );
}
