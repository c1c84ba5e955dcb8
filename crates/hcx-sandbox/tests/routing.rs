//! Dispatch after acceptance: retries, hard failures, the gateway's own error callback, the
//! synchronous status API, audit paging, and a restart that must not lose a queued message.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use hcx_protocol::Action;
use hcx_sandbox::Sandbox;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);

fn plain(r: &Received) -> Value {
    serde_json::from_slice(&r.body).expect("error callback is JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_failure_is_not_retried_and_the_sender_gets_the_gateway_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hx = Harness::start(dir.path()).await;
    let prov = hx.participant("p1", "provider.hospital").await;
    let payer = hx.participant("q1", "payor").await;
    payer.receiver.answer.store(404, Ordering::SeqCst);
    let tp = hx.token_of(&prov).await;
    let corr = new_id();
    let wf = new_id();
    let h = action_headers(&prov.code, &payer.code, &corr, Some(&wf));
    let (st, v) = hx.send(Action::PreauthSubmit, &tp, &h, &payer, &bundle()).await;
    assert_eq!(st, 202, "accepted before dispatch: {v}");
    payer.receiver.expect("/preauth/submit", WAIT).await;
    let cb = plain(&prov.receiver.expect("/preauth/on_submit", WAIT).await);
    assert_eq!(
        cb["x-hcx-status"],
        json!("response.error"),
        "the gateway reports the failure: {cb}"
    );
    assert_eq!(cb["x-hcx-sender_code"], json!(hx.sandbox.hcx_code()), "sent by the HCX itself");
    assert_eq!(cb["x-hcx-recipient_code"], json!(prov.code), "to the original sender");
    assert_eq!(cb["x-hcx-correlation_id"], json!(corr), "on the same cycle");
    assert_eq!(cb["x-hcx-workflow_id"], json!(wf), "with the workflow id");
    assert!(cb.get("x-hcx-timestamp").is_none(), "the platform's error callback has no timestamp");
    assert!(
        cb["x-hcx-api_call_id"].as_str().is_some_and(|a| a != h.api_call_id().unwrap_or_default()),
        "new api_call_id"
    );
    assert!(
        payer.receiver.next(Duration::from_millis(600)).await.is_none(),
        "404 is a hard failure: no retry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_then_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hx = Harness::start(dir.path()).await;
    let prov = hx.participant("p2", "provider.hospital").await;
    let payer = hx.participant("q2", "payor").await;
    let tp = hx.token_of(&prov).await;

    // 503 once, then OK: delivered on the retry, no error callback.
    payer.receiver.fail_next.store(1, Ordering::SeqCst);
    let h = action_headers(&prov.code, &payer.code, &new_id(), None);
    assert_eq!(hx.send(Action::ClaimSubmit, &tp, &h, &payer, &bundle()).await.0, 202, "accepted");
    payer.receiver.expect("/claim/submit", WAIT).await;
    payer.receiver.expect("/claim/submit", WAIT).await;
    assert!(
        payer.receiver.next(Duration::from_millis(500)).await.is_none(),
        "the retry that got 202 is the last attempt"
    );
    assert!(
        prov.receiver.next(Duration::from_millis(500)).await.is_none(),
        "a retried success sends no error"
    );

    // 503 forever: the first attempt plus 3 retries, then the error callback.
    payer.receiver.answer.store(503, Ordering::SeqCst);
    let h = action_headers(&prov.code, &payer.code, &new_id(), None);
    assert_eq!(
        hx.send(Action::CoverageEligibilityCheck, &tp, &h, &payer, &bundle()).await.0,
        202,
        "accepted"
    );
    for attempt in 1..=4 {
        let r = payer.receiver.expect("/coverageeligibility/check", WAIT).await;
        assert!(!r.body.is_empty(), "attempt {attempt} carries the body");
    }
    let cb = plain(&prov.receiver.expect("/coverageeligibility/on_check", WAIT).await);
    assert_eq!(cb["x-hcx-status"], json!("response.error"), "reported after the last retry: {cb}");
    assert!(
        payer.receiver.next(Duration::from_millis(500)).await.is_none(),
        "no fifth attempt (max.retry = 3)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entities_outside_the_retry_list_fail_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hx = Harness::start(dir.path()).await;
    let prov = hx.participant("p3", "provider.hospital").await;
    let payer = hx.participant("q3", "payor").await;
    prov.receiver.answer.store(503, Ordering::SeqCst);
    let tq = hx.token_of(&payer).await;
    let h = action_headers(&payer.code, &prov.code, &new_id(), None);
    assert_eq!(
        hx.send(Action::PaymentNoticeRequest, &tq, &h, &prov, &bundle()).await.0,
        202,
        "accepted"
    );
    prov.receiver.expect("/paymentnotice/request", WAIT).await;
    let cb = plain(&payer.receiver.expect("/paymentnotice/on_request", WAIT).await);
    assert_eq!(cb["x-hcx-status"], json!("response.error"), "paymentnotice is not retried: {cb}");
    assert!(prov.receiver.next(Duration::from_millis(500)).await.is_none(), "exactly one attempt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_api_answers_synchronously_and_audit_pages_by_index() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hx = Harness::start(dir.path()).await;
    let prov = hx.participant("p4", "provider.hospital").await;
    let payer = hx.participant("q4", "payor").await;
    let tp = hx.token_of(&prov).await;
    let corr = new_id();
    let h = action_headers(&prov.code, &payer.code, &corr, None);
    assert_eq!(hx.send(Action::PreauthSubmit, &tp, &h, &payer, &bundle()).await.0, 202, "accepted");
    payer.receiver.expect("/preauth/submit", WAIT).await;
    // The dispatcher marks it dispatched right after the 202 from the receiver.
    let mut result = Value::Null;
    for _ in 0..50 {
        let status = action_headers(&prov.code, &payer.code, &corr, None);
        let (st, v) = hx.send(Action::HcxStatus, &tp, &status, &payer, &bundle()).await;
        assert_eq!(st, 202, "status accepted: {v}");
        result = v["result"].clone();
        if result["protocol_status"] == json!("request.dispatched") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        result["entity_type"],
        json!("preauth"),
        "status names the original entity: {result}"
    );
    assert_eq!(
        result["protocol_status"],
        json!("request.dispatched"),
        "and its dispatch state: {result}"
    );
    payer.receiver.expect("/hcx/status", WAIT).await;

    for _ in 0..2 {
        let h = action_headers(&prov.code, &payer.code, &new_id(), None);
        assert_eq!(
            hx.send(Action::ClaimSubmit, &tp, &h, &payer, &bundle()).await.0,
            202,
            "accepted"
        );
    }
    let (st, page0) =
        hx.post_json("/audit/search", &tp, &json!({"filters": {}, "limit": 3, "offset": 0})).await;
    assert_eq!(st, 200, "audit search");
    let (_, page1) =
        hx.post_json("/audit/search", &tp, &json!({"filters": {}, "limit": 3, "offset": 1})).await;
    let total = page0.as_array().map_or(0, Vec::len) + page1.as_array().map_or(0, Vec::len);
    assert_eq!(page0.as_array().map(Vec::len), Some(3), "first page is full: {page0}");
    assert!(total >= 4, "offset is a page index, so page 1 continues after 3 events: {page1}");
    let (_, bad) = hx.post_raw("/audit/search", Some(&tp), "not json".into()).await;
    assert_eq!(bad, json!([]), "search errors answer [] like the platform");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_waiting_for_delivery_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = config(dir.path());
    cfg.retry.delay = Duration::from_secs(2);
    let hx = Harness::start_with(cfg.clone()).await;
    let prov = hx.participant("p5", "provider.hospital").await;
    let payer = hx.participant("q5", "payor").await;
    payer.receiver.answer.store(503, Ordering::SeqCst);
    let tp = hx.token_of(&prov).await;
    let h = action_headers(&prov.code, &payer.code, &new_id(), None);
    let key =
        hcx_protocol::RecipientKey::from_certificate_pem(payer.cert_pem.as_bytes()).expect("cert");
    let body = hcx_protocol::payload_body(
        &hcx_protocol::seal(&h, b"{\"resourceType\":\"Bundle\"}", &key).expect("seal"),
    );
    let (st, v) = hx.post_raw(Action::PreauthSubmit.path(), Some(&tp), body.clone()).await;
    assert_eq!(st, 202, "accepted: {v}");
    payer.receiver.expect("/preauth/submit", WAIT).await;

    // Stop while the retry is pending, bring the recipient back, restart on the same data.
    let Harness { sandbox, http, .. } = hx;
    sandbox.shutdown().await;
    payer.receiver.answer.store(202, Ordering::SeqCst);
    let again = Sandbox::start(cfg).await.expect("restart on the same data dir");
    let got = payer.receiver.expect("/preauth/submit", WAIT).await;
    assert_eq!(
        got.body,
        body.as_bytes(),
        "the queued message is delivered after the restart, unchanged"
    );

    // The audit survived too: the same api_call_id is still taken.
    let tp2 = token(&http, &again.base_url(), &prov.email, &prov.password)
        .await
        .expect("login after restart");
    let resp = http
        .post(format!("{}/{V}{}", again.base_url(), Action::PreauthSubmit.path()))
        .bearer_auth(&tp2)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("reachable");
    assert_eq!(resp.status().as_u16(), 400, "a replay after restart is refused");
    let v: Value = resp.json().await.expect("json");
    assert_eq!(
        error_code(&v),
        Some("ERR_INVALID_API_CALL_ID"),
        "because the api_call_id was stored: {v}"
    );
    again.shutdown().await;
}
