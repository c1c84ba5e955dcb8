//! Full cycles between two test participants over loopback HTTP with real JWE: eligibility,
//! preauth approved, claim with a document query answered and then approved, and a payment
//! notice acknowledged. Each test-side participant is an axum receiver registered as the
//! participant's endpoint_url that decrypts with its own key.

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::*;
use hcx_protocol::{Action, Headers, Status};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);

fn jwt_claims(authorization: &str) -> Value {
    let token = authorization.strip_prefix("Bearer ").expect("bearer scheme");
    let part = token.split('.').nth(1).expect("JWT payload part");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).expect("b64"),
    )
    .expect("claims JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eligibility_preauth_claim_with_query_and_payment_notice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hx = Harness::start(dir.path()).await;
    let prov = hx.participant("hospital", "provider.hospital").await;
    let payer = hx.participant("insurer", "payor").await;
    let (tp, tq) = (hx.token_of(&prov).await, hx.token_of(&payer).await);
    let wf = new_id();

    // 1. Eligibility.
    let check = action_headers(&prov.code, &payer.code, &new_id(), Some(&wf));
    let request = json!({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "CoverageEligibilityRequest"}}]});
    let key =
        hcx_protocol::RecipientKey::from_certificate_pem(payer.cert_pem.as_bytes()).expect("cert");
    let compact = hcx_protocol::seal(&check, request.to_string().as_bytes(), &key).expect("seal");
    let sent_body = hcx_protocol::payload_body(&compact);
    let (st, ack) =
        hx.post_raw(Action::CoverageEligibilityCheck.path(), Some(&tp), sent_body.clone()).await;
    assert_eq!(st, 202, "eligibility check accepted: {ack}");
    let got = payer.receiver.expect("/coverageeligibility/check", WAIT).await;
    assert_eq!(
        got.body,
        sent_body.as_bytes(),
        "the gateway forwards the sender's body byte for byte"
    );
    let claims = jwt_claims(got.authorization.as_deref().expect("dispatch carries a bearer token"));
    assert_eq!(claims["iss"], json!(hx.sandbox.hcx_code()), "dispatch JWT iss is the HCX code");
    assert_eq!(claims["sub"], json!(hx.sandbox.hcx_code()), "dispatch JWT sub is the HCX code");
    let opened = payer.open(&got);
    assert_eq!(
        opened.payload_json().expect("json"),
        request,
        "the payer decrypts what the provider sealed"
    );
    let answer = Headers::callback_to(&opened.headers, Status::ResponseComplete);
    let response = json!({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "CoverageEligibilityResponse", "outcome": "complete"}}]});
    let (st, v) = hx.send(Action::CoverageEligibilityOnCheck, &tq, &answer, &prov, &response).await;
    assert_eq!(st, 202, "on_check accepted: {v}");
    let back = prov.receiver.expect("/coverageeligibility/on_check", WAIT).await;
    let opened = prov.open(&back);
    assert_eq!(opened.payload_json().expect("json"), response, "the provider decrypts the answer");
    assert_eq!(opened.headers.get_str("x-hcx-status"), Some("response.complete"), "final answer");

    // 2. Preauth approved.
    let pre = action_headers(&prov.code, &payer.code, &new_id(), Some(&wf));
    let (st, v) = hx.send(Action::PreauthSubmit, &tp, &pre, &payer, &bundle()).await;
    assert_eq!(st, 202, "preauth accepted: {v}");
    let got = payer.receiver.expect("/preauth/submit", WAIT).await;
    let opened = payer.open(&got);
    let approved = json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "ClaimResponse", "outcome": "complete", "preAuthRef": "PA-1"}}]});
    let (st, v) = hx
        .send(
            Action::PreauthOnSubmit,
            &tq,
            &Headers::callback_to(&opened.headers, Status::ResponseComplete),
            &prov,
            &approved,
        )
        .await;
    assert_eq!(st, 202, "preauth on_submit accepted: {v}");
    let back = prov.receiver.expect("/preauth/on_submit", WAIT).await;
    assert_eq!(
        prov.open(&back).payload_json().expect("json"),
        approved,
        "provider sees the approval"
    );

    // 3. Claim with a query answered by a document, then approved.
    let corr = new_id();
    let claim = action_headers(&prov.code, &payer.code, &corr, Some(&wf));
    let (st, v) = hx.send(Action::ClaimSubmit, &tp, &claim, &payer, &bundle()).await;
    assert_eq!(st, 202, "claim accepted: {v}");
    let got = payer.receiver.expect("/claim/submit", WAIT).await;
    let claim_headers = payer.open(&got).headers;
    let query = action_headers(&payer.code, &prov.code, &corr, Some(&wf));
    let ask = json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "CommunicationRequest", "payload": [{"contentString": "Send the discharge summary"}]}}]});
    let (st, v) = hx.send(Action::CommunicationRequest, &tq, &query, &prov, &ask).await;
    assert_eq!(st, 202, "the payer may query on the claim's correlation id: {v}");
    let got = prov.receiver.expect("/communication/request", WAIT).await;
    let q = prov.open(&got);
    assert_eq!(
        q.headers.correlation_id(),
        Some(corr.as_str()),
        "the query travels on the claim's cycle"
    );
    let doc = json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Communication", "payload": [{"contentAttachment": {"contentType": "application/pdf", "data": "JVBERi0="}}]}}]});
    let (st, v) = hx
        .send(
            Action::CommunicationOnRequest,
            &tp,
            &Headers::callback_to(&q.headers, Status::ResponseComplete),
            &payer,
            &doc,
        )
        .await;
    assert_eq!(st, 202, "the provider's answer is accepted: {v}");
    let got = payer.receiver.expect("/communication/on_request", WAIT).await;
    assert_eq!(payer.open(&got).payload_json().expect("json"), doc, "the payer gets the document");
    let settled = json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "ClaimResponse", "outcome": "complete"}}]});
    let (st, v) = hx
        .send(
            Action::ClaimOnSubmit,
            &tq,
            &Headers::callback_to(&claim_headers, Status::ResponseComplete),
            &prov,
            &settled,
        )
        .await;
    assert_eq!(st, 202, "after the answer the claim is approved: {v}");
    prov.receiver.expect("/claim/on_submit", WAIT).await;

    // 4. Payment notice acknowledged (its own cycle, same workflow).
    let notice = action_headers(&payer.code, &prov.code, &new_id(), Some(&wf));
    let pn = json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "PaymentNotice", "amount": {"value": 1000, "currency": "INR"}}}]});
    let (st, v) = hx.send(Action::PaymentNoticeRequest, &tq, &notice, &prov, &pn).await;
    assert_eq!(st, 202, "payer → provider payment notice accepted: {v}");
    let got = prov.receiver.expect("/paymentnotice/request", WAIT).await;
    let n = prov.open(&got);
    let (st, v) = hx
        .send(
            Action::PaymentNoticeOnRequest,
            &tp,
            &Headers::callback_to(&n.headers, Status::ResponseComplete),
            &payer,
            &bundle(),
        )
        .await;
    assert_eq!(st, 202, "provider acknowledges the payment: {v}");
    payer.receiver.expect("/paymentnotice/on_request", WAIT).await;

    // The provider's audit trail: only its own messages, actions dispatched.
    let (st, v) = hx
        .post_json("/audit/search", &tp, &json!({"filters": {"x-hcx-correlation_id": corr}}))
        .await;
    assert_eq!(st, 200, "audit search works");
    let events = v.as_array().expect("audit/search answers a JSON array");
    assert!(
        events.iter().all(|e| e["x-hcx-sender_code"] == json!(prov.code)),
        "a provider only sees messages it sent: {v}"
    );
    let claim_event = events
        .iter()
        .find(|e| e["action"] == json!("/claim/submit"))
        .expect("the claim is audited");
    assert_eq!(
        claim_event["status"],
        json!("request.dispatched"),
        "a delivered action is request.dispatched"
    );
    assert_eq!(
        events.len(),
        2,
        "the provider sent the claim and the communication answer on this cycle"
    );
}
