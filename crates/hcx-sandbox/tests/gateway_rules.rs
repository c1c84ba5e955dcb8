//! One case per gateway rule: exact HTTP status and error code, over real loopback HTTP with
//! real JWE against a sandbox on a temp-dir SQLite file.

mod common;

use std::time::Duration;

use base64::Engine as _;
use chrono::Utc;
use common::*;
use hcx_protocol::time::{IST, format_timestamp};
use hcx_protocol::{Action, Headers, Status, names};
use serde_json::{Value, json};

/// A request of the table.
struct Case {
    version: &'static str,
    name: &'static str,
    path: String,
    token: Option<String>,
    body: String,
    status: u16,
    code: Option<&'static str>,
}

fn seal_for(h: &Headers, to: &TestParticipant) -> String {
    let key =
        hcx_protocol::RecipientKey::from_certificate_pem(to.cert_pem.as_bytes()).expect("cert");
    let compact = hcx_protocol::seal(h, bundle().to_string().as_bytes(), &key).expect("seal");
    hcx_protocol::payload_body(&compact)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_gateway_rule_answers_with_the_platform_status_and_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hx = Harness::start(dir.path()).await;
    let prov = hx.participant("prov", "provider.hospital").await;
    let payer = hx.participant("payer", "payor").await;
    let tpa = hx.participant("tpa", "agency.tpa").await;
    let inactive =
        hx.participant_with("sleepy", "payor", "Inactive", Receiver::start().await).await;
    let tp = hx.token_of(&prov).await;
    let tq = hx.token_of(&payer).await;
    let tt = hx.token_of(&tpa).await;
    let hcx = hx.sandbox.hcx_code().to_string();
    let wait = Duration::from_secs(10);

    // --- History the audit-backed cases need (each step must be accepted). ---
    // A: provider → payer preauth (workflow W), payer forwards to TPA.
    let (corr_a, wf) = (new_id(), new_id());
    let h_a = action_headers(&prov.code, &payer.code, &corr_a, Some(&wf));
    let (st, v) = hx.send(Action::PreauthSubmit, &tp, &h_a, &payer, &bundle()).await;
    assert_eq!(st, 202, "a valid preauth is accepted: {v}");
    assert_eq!(v["correlation_id"], json!(corr_a), "the ack echoes the correlation id");
    assert!(v["timestamp"].is_i64(), "the ack timestamp is epoch ms as a number: {v}");
    payer.receiver.expect("/preauth/submit", wait).await;
    let h_fwd = action_headers(&payer.code, &tpa.code, &corr_a, Some(&wf));
    let (st, v) = hx.send(Action::PreauthSubmit, &tq, &h_fwd, &tpa, &bundle()).await;
    assert_eq!(st, 202, "payer may forward a preauth to a TPA on the same correlation id: {v}");
    // B: provider → payer claim, payer answers response.complete: the cycle closes.
    let corr_b = new_id();
    let h_b = action_headers(&prov.code, &payer.code, &corr_b, None);
    let (st, v) = hx.send(Action::ClaimSubmit, &tp, &h_b, &payer, &bundle()).await;
    assert_eq!(st, 202, "claim accepted: {v}");
    let done = Headers::callback_to(&h_b, Status::ResponseComplete);
    let (st, v) = hx.send(Action::ClaimOnSubmit, &tq, &done, &prov, &bundle()).await;
    assert_eq!(st, 202, "the payer's matching on_submit is accepted: {v}");

    // Helpers to build bodies.
    let jwe = |h: &Headers, to: &TestParticipant| seal_for(h, to);
    let fresh = |from: &TestParticipant, to: &str| action_headers(&from.code, to, &new_id(), None);
    let raw_token = |header: &Value| {
        let std = base64::engine::general_purpose::STANDARD_NO_PAD.encode(header.to_string());
        json!({"payload": format!("{std}.a.b.c.d")}).to_string()
    };
    let with = |mut h: Headers, k: &str, v: Value| {
        h.insert(k, v);
        h
    };
    let without = |mut h: Headers, k: &str| {
        h.remove(k);
        h
    };
    let preauth = Action::PreauthSubmit.path().to_string();
    let on_preauth = Action::PreauthOnSubmit.path().to_string();
    let future = format_timestamp(Utc::now() + chrono::Duration::hours(1), IST);
    let plain = |h: Headers| h.to_json_string();

    let mut cases = vec![
        Case { version: V, name: "no bearer token", path: preauth.clone(), token: None, body: jwe(&fresh(&prov, &payer.code), &payer), status: 401, code: Some("ERR_ACCESS_DENIED") },
        Case { version: V, name: "token signed by someone else", path: preauth.clone(), token: Some("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln".into()), body: jwe(&fresh(&prov, &payer.code), &payer), status: 401, code: Some("ERR_ACCESS_DENIED") },
        Case { version: V, name: "payer may not call paymentnotice/on_request (rbac)", path: Action::PaymentNoticeOnRequest.path().into(), token: Some(tq.clone()), body: jwe(&with(fresh(&payer, &prov.code), names::STATUS, json!("response.complete")), &prov), status: 401, code: Some("ERR_ACCESS_DENIED") },
        Case { version: V, name: "provider may not call communication/request (rbac)", path: Action::CommunicationRequest.path().into(), token: Some(tp.clone()), body: jwe(&fresh(&prov, &payer.code), &payer), status: 401, code: Some("ERR_ACCESS_DENIED") },
        Case { version: V, name: "body is not JSON", path: preauth.clone(), token: Some(tp.clone()), body: "not json".into(), status: 400, code: Some("ERR_INVALID_PAYLOAD") },
        Case { version: V, name: "JWE with four parts", path: preauth.clone(), token: Some(tp.clone()), body: json!({"payload": "a.b.c.d"}).to_string(), status: 400, code: Some("ERR_INVALID_PAYLOAD") },
        Case { version: V, name: "JWE with an empty part", path: preauth.clone(), token: Some(tp.clone()), body: json!({"payload": "a..c.d.e"}).to_string(), status: 400, code: Some("ERR_INVALID_PAYLOAD") },
        Case { version: V, name: "base64url '-' in the header (Java's standard decoder fails)", path: preauth.clone(), token: Some(tp.clone()), body: json!({"payload": "eyJ-YWxnIjoi.a.b.c.d"}).to_string(), status: 400, code: Some("ERR_INVALID_PAYLOAD") },
        Case { version: V, name: "header is not JSON", path: preauth.clone(), token: Some(tp.clone()), body: json!({"payload": format!("{}.a.b.c.d", base64::engine::general_purpose::STANDARD_NO_PAD.encode("hello"))}).to_string(), status: 400, code: Some("ERR_INVALID_PAYLOAD") },
        Case { version: V, name: "plain JSON on an action path", path: preauth.clone(), token: Some(tp.clone()), body: plain(fresh(&prov, &payer.code)), status: 400, code: Some("ERR_INVALID_PAYLOAD") },
        Case { version: V, name: "missing correlation id", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&without(fresh(&prov, &payer.code), names::CORRELATION_ID), &payer), status: 400, code: Some("ERR_INVALID_CORRELATION_ID") },
        Case { version: V, name: "missing api_call_id", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&without(fresh(&prov, &payer.code), names::API_CALL_ID), &payer), status: 400, code: Some("ERR_INVALID_API_CALL_ID") },
        Case { version: V, name: "missing timestamp", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&without(fresh(&prov, &payer.code), names::TIMESTAMP), &payer), status: 400, code: Some("ERR_MANDATORY_HEADERFIELD_MISSING") },
        Case { version: V, name: "missing enc (JOSE header presence is checked)", path: preauth.clone(), token: Some(tp.clone()), body: raw_token(&json!({"alg": "RSA-OAEP-256", "x-hcx-sender_code": prov.code, "x-hcx-recipient_code": payer.code, "x-hcx-api_call_id": new_id(), "x-hcx-correlation_id": new_id(), "x-hcx-timestamp": hcx_protocol::time::now_timestamp()})), status: 400, code: Some("ERR_MANDATORY_HEADERFIELD_MISSING") },
        Case { version: V, name: "timestamp in the future", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&with(fresh(&prov, &payer.code), names::TIMESTAMP, json!(future)), &payer), status: 400, code: Some("ERR_INVALID_TIMESTAMP") },
        Case { version: V, name: "timestamp older than the range", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&with(fresh(&prov, &payer.code), names::TIMESTAMP, json!("2001-01-01T00:00:00+05:30")), &payer), status: 400, code: Some("ERR_INVALID_TIMESTAMP") },
        Case { version: V, name: "timestamp not ISO-8601", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&with(fresh(&prov, &payer.code), names::TIMESTAMP, json!("yesterday")), &payer), status: 400, code: Some("ERR_INVALID_TIMESTAMP") },
        Case { version: V, name: "empty workflow id", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&with(fresh(&prov, &payer.code), names::WORKFLOW_ID, json!("")), &payer), status: 400, code: Some("ERR_INVALID_WORKFLOW_ID") },
        Case { version: V, name: "sender equals recipient", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&fresh(&prov, &prov.code), &prov), status: 400, code: Some("ERR_INVALID_SENDER_AND_RECIPIENT") },
        Case { version: V, name: "unknown recipient", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&fresh(&prov, "nobody@test"), &payer), status: 400, code: Some("ERR_INVALID_RECIPIENT") },
        Case { version: V, name: "inactive recipient", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&fresh(&prov, &inactive.code), &inactive), status: 400, code: Some("ERR_INVALID_RECIPIENT") },
        Case { version: V, name: "recipient is the HCX itself", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&fresh(&prov, &hcx), &payer), status: 400, code: Some("ERR_INVALID_RECIPIENT") },
        Case { version: V, name: "unknown sender", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&action_headers("ghost@test", &payer.code, &new_id(), None), &payer), status: 400, code: Some("ERR_INVALID_SENDER") },
        Case { version: V, name: "token does not own the sender code", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&fresh(&tpa, &payer.code), &payer), status: 400, code: Some("ERR_ACCESS_DENIED") },
        Case { version: V, name: "debug flag not Error|Info|Debug", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&with(fresh(&prov, &payer.code), names::DEBUG_FLAG, json!("Verbose")), &payer), status: 400, code: Some("ERR_INVALID_DEBUG_FLAG") },
        Case { version: V, name: "action with a response status", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&with(fresh(&prov, &payer.code), names::STATUS, json!("response.complete")), &payer), status: 400, code: Some("ERR_INVALID_STATUS") },
        Case { version: V, name: "NHCX request.initiated on an action", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&with(fresh(&prov, &payer.code), names::STATUS, json!("request.initiated")), &payer), status: 400, code: Some("ERR_INVALID_STATUS") },
        Case { version: V, name: "on_* without x-hcx-status", path: on_preauth.clone(), token: Some(tq.clone()), body: jwe(&without(Headers::callback_to(&h_a, Status::ResponseComplete), names::STATUS), &prov), status: 400, code: Some("ERR_MANDATORY_HEADERFIELD_MISSING") },
        Case { version: V, name: "error_details code not whitelisted", path: on_preauth.clone(), token: Some(tq.clone()), body: plain(hcx_protocol::ProtocolResponse::error(&h_a, &hcx_protocol::Details::new("ERR_MADE_UP", "x"))), status: 400, code: Some("ERR_INVALID_ERROR_DETAILS") },
        Case { version: V, name: "error_details with an extra key", path: on_preauth.clone(), token: Some(tq.clone()), body: jwe(&with(Headers::callback_to(&h_a, Status::ResponseError), names::ERROR_DETAILS, json!({"code": "ERR_INVALID_PAYLOAD", "message": "m", "extra": 1})), &prov), status: 400, code: Some("ERR_INVALID_ERROR_DETAILS") },
        Case { version: V, name: "plain error without timestamp from a participant", path: on_preauth.clone(), token: Some(tq.clone()), body: plain(without(hcx_protocol::ProtocolResponse::error(&h_a, &hcx_protocol::Details::new("ERR_INVALID_PAYLOAD", "x")), names::TIMESTAMP)), status: 400, code: Some("ERR_MANDATORY_HEADERFIELD_MISSING") },
        Case { version: V, name: "api_call_id reused by the same sender", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&with(fresh(&prov, &payer.code), names::API_CALL_ID, json!(h_a.api_call_id())), &payer), status: 400, code: Some("ERR_INVALID_API_CALL_ID") },
        Case { version: V, name: "second action on one correlation id by the same sender", path: preauth.clone(), token: Some(tp.clone()), body: jwe(&action_headers(&prov.code, &payer.code, &corr_a, Some(&wf)), &payer), status: 400, code: Some("ERR_INVALID_CORRELATION_ID") },
        Case { version: V, name: "on_* without a matching action", path: on_preauth.clone(), token: Some(tq.clone()), body: jwe(&Headers::callback_to(&fresh(&prov, &payer.code), Status::ResponseComplete), &prov), status: 400, code: Some("ERR_INVALID_CORRELATION_ID") },
        Case { version: V, name: "on_* with another workflow id", path: on_preauth.clone(), token: Some(tq.clone()), body: jwe(&with(Headers::callback_to(&h_a, Status::ResponseComplete), names::WORKFLOW_ID, json!(new_id())), &prov), status: 400, code: Some("ERR_INVALID_WORKFLOW_ID") },
        Case { version: V, name: "cycle closed after response.complete to the provider", path: Action::ClaimOnSubmit.path().into(), token: Some(tq.clone()), body: jwe(&Headers::callback_to(&h_b, Status::ResponseComplete), &prov), status: 400, code: Some("ERR_INVALID_CORRELATION_ID") },
        Case { version: V, name: "communication/request on an unknown correlation id", path: Action::CommunicationRequest.path().into(), token: Some(tq.clone()), body: jwe(&fresh(&payer, &prov.code), &prov), status: 400, code: Some("ERR_INVALID_CORRELATION_ID") },
        Case { version: V, name: "communication/request with another workflow id", path: Action::CommunicationRequest.path().into(), token: Some(tq.clone()), body: jwe(&action_headers(&payer.code, &prov.code, &corr_a, Some(&new_id())), &prov), status: 400, code: Some("ERR_INVALID_WORKFLOW_ID") },
        Case { version: V, name: "payer sends an action to a provider (not a forward)", path: preauth.clone(), token: Some(tq.clone()), body: jwe(&fresh(&payer, &prov.code), &prov), status: 400, code: Some("ERR_ACCESS_DENIED") },
        Case { version: V, name: "forward on an unknown correlation id", path: preauth.clone(), token: Some(tq.clone()), body: jwe(&fresh(&payer, &tpa.code), &tpa), status: 400, code: Some("ERR_INVALID_FORWARD_REQ") },
        Case { version: V, name: "forward of an entity that may not be forwarded", path: Action::PredeterminationSubmit.path().into(), token: Some(tt.clone()), body: jwe(&action_headers(&tpa.code, &payer.code, &corr_a, Some(&wf)), &payer), status: 400, code: Some("ERR_INVALID_FORWARD_REQ") },
        Case { version: V, name: "forward back to a forward initiator", path: preauth.clone(), token: Some(tt.clone()), body: jwe(&action_headers(&tpa.code, &payer.code, &corr_a, Some(&wf)), &payer), status: 400, code: Some("ERR_INVALID_FORWARD_REQ") },
        Case { version: V, name: "forward with another workflow id", path: Action::PreauthOnSubmit.path().into(), token: Some(tt.clone()), body: jwe(&with(Headers::callback_to(&h_fwd, Status::ResponseComplete), names::WORKFLOW_ID, json!(new_id())), &payer), status: 400, code: Some("ERR_INVALID_WORKFLOW_ID") },
        Case { version: V, name: "redirect on an API without redirect", path: Action::PredeterminationOnSubmit.path().into(), token: Some(tq.clone()), body: plain(hcx_protocol::ProtocolResponse::redirect(&h_a, &tpa.code)), status: 400, code: Some("ERR_INVALID_REDIRECT_TO") },
        Case { version: V, name: "redirect to self", path: on_preauth.clone(), token: Some(tq.clone()), body: plain(hcx_protocol::ProtocolResponse::redirect(&h_a, &payer.code)), status: 400, code: Some("ERR_INVALID_REDIRECT_TO") },
        Case { version: V, name: "redirect to a provider", path: on_preauth.clone(), token: Some(tq.clone()), body: plain(hcx_protocol::ProtocolResponse::redirect(&h_a, &prov.code)), status: 400, code: Some("ERR_INVALID_REDIRECT_TO") },
        Case { version: V, name: "plain JSON that is neither error nor redirect", path: on_preauth.clone(), token: Some(tq.clone()), body: plain(with(Headers::callback_to(&h_a, Status::ResponseComplete), names::REDIRECT_TO, json!(tpa.code))), status: 400, code: Some("ERR_INVALID_REDIRECT_TO") },
        Case { version: V, name: "hcx/status for a correlation id the caller never used", path: Action::HcxStatus.path().into(), token: Some(tp.clone()), body: jwe(&fresh(&prov, &payer.code), &payer), status: 400, code: None },
    ];
    // Same rules under the other versions: a malformed body under v0.7 and v0.9 too.
    for version in ["v0.7", "v0.9"] {
        cases.push(Case {
            version,
            name: "the other versions answer like v0.8",
            path: preauth.clone(),
            token: Some(tp.clone()),
            body: "{}".into(),
            status: 400,
            code: Some("ERR_INVALID_PAYLOAD"),
        });
    }

    assert!(cases.len() >= 30, "the table covers at least 30 rules");
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let path = format!("{}/{}{}", hx.sandbox.base_url(), case.version, case.path);
        let mut req =
            hx.http.post(&path).header("content-type", "application/json").body(case.body.clone());
        if let Some(t) = &case.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("sandbox reachable");
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        let code = error_code(&v);
        if status != case.status || code != case.code {
            failures.push(format!(
                "#{i} {}: expected {} {:?}, got {} {:?} ({})",
                case.name,
                case.status,
                case.code,
                status,
                code,
                v.pointer("/error/message").and_then(Value::as_str).unwrap_or_default()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "every rule must answer exactly like the gateway:\n{}",
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_and_registry_follow_the_platform() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hx = Harness::start(dir.path()).await;
    let base = hx.sandbox.base_url();
    // Bad credentials: 400 ERR_ACCESS_DENIED (JWTService turns a Keycloak failure into a ClientException).
    let resp = hx
        .http
        .post(format!("{base}/{V}/participant/auth/token/generate"))
        .form(&[("username", "nobody@example.org"), ("password", "wrong")])
        .send()
        .await
        .expect("reachable");
    assert_eq!(resp.status().as_u16(), 400, "bad credentials are a 400");
    let v: Value = resp.json().await.expect("json");
    assert_eq!(error_code(&v), Some("ERR_ACCESS_DENIED"), "with ERR_ACCESS_DENIED");

    // The api-access form (participant_code + username + secret).
    let payer = hx.sandbox.participant(hcx_sandbox::DemoKind::Payer).expect("demo payer");
    let resp = hx
        .http
        .post(format!("{base}/v0.9/participant/auth/token/generate"))
        .form(&[
            ("participant_code", payer.participant_code.as_str()),
            ("username", payer.username.as_str()),
            ("secret", payer.secret.expose()),
        ])
        .send()
        .await
        .expect("reachable");
    assert_eq!(resp.status().as_u16(), 200, "the secret form logs in");
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["token_type"], json!("Bearer"), "Keycloak-shaped response");
    let token = v["access_token"].as_str().expect("access_token").to_string();
    let claims_b64 = token.split('.').nth(1).expect("JWT has a payload part");
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims_b64)
            .expect("base64url claims"),
    )
    .expect("claims JSON");
    assert_eq!(claims["participant_code"], json!(payer.participant_code), "participant_code claim");
    assert_eq!(
        claims["realm_access"]["user_roles"],
        json!(["admin"]),
        "api-access users carry user_roles"
    );

    // Search with or, and the certificate URL serves the PEM.
    let (st, v) = hx
        .post_json(
            "/participant/search",
            &token,
            &json!({"filters": {"roles": {"or": ["payor", "agency.tpa"]}}, "limit": 10}),
        )
        .await;
    assert_eq!(st, 200, "search works: {v}");
    let found = v["participants"].as_array().expect("participants array");
    assert_eq!(found.len(), 2, "demo payer and demo TPA match roles or [payor, agency.tpa]");
    let cert_url = found[0]["encryption_cert"].as_str().expect("cert URL");
    let pem = hx.http.get(cert_url).send().await.expect("cert GET").text().await.expect("text");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "the certificate URL serves a PEM");

    // Only the admin may create participants.
    let (st, v) =
        hx.post_json("/participant/create", &token, &json!({"participant_name": "x"})).await;
    assert_eq!(st, 401, "a payer may not create participants: {v}");
    let (st, _) = hx.post_raw("/participant/search", Some(&token), "{}".into()).await;
    assert_eq!(st, 200, "v0.8 registry search is routed");
    let resp = hx
        .http
        .post(format!("{base}/v1/participant/search"))
        .bearer_auth(&token)
        .body("{}")
        .send()
        .await
        .expect("reachable");
    assert_eq!(resp.status().as_u16(), 404, "the internal /v1 prefix is not exposed");

    // The CLI's credential lines: admin first, then the demo participants, all able to log in.
    let lines = hcx_sandbox::credential_lines(&hx.sandbox);
    assert_eq!(lines.len(), 4, "admin + payer + TPA + provider");
    for line in &lines {
        let v: Value = serde_json::from_str(line).expect("each line is one JSON object");
        let (user, pw) =
            (v["username"].as_str().expect("username"), v["password"].as_str().expect("password"));
        assert!(
            common::token(&hx.http, &base, user, pw).await.is_some(),
            "printed credentials log in: {}",
            v["kind"]
        );
    }
    let first: Value = serde_json::from_str(&lines[0]).expect("json");
    assert_eq!(first["kind"], json!("admin"), "the admin credential comes first");

    // Unknown version → 404.
    let resp = hx
        .http
        .post(format!("{base}/v0.6/preauth/submit"))
        .body("{}")
        .send()
        .await
        .expect("reachable");
    assert_eq!(resp.status().as_u16(), 404, "only v0.7, v0.8 and v0.9 are routed");
}
