//! The scripted counterparties, driven the way a clerk would: a keyword in an item's text
//! selects what the demo payer does. A test-side provider talks to them over loopback HTTP
//! with real JWE; a test-side payer works the demo provider's requests.

mod common;

use std::time::Duration;

use common::*;
use hcx_protocol::{Action, Headers, Status};
use hcx_sandbox::DemoKind;
use hcx_sandbox::scripted::fhir::{self, ClaimUse, ItemLine, Party, Request};
use rust_decimal::Decimal;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(15);

struct Demo {
    hx: Harness,
    prov: TestParticipant,
    token: String,
    payer_code: String,
    tpa_code: String,
}

async fn demo(dir: &std::path::Path) -> Demo {
    let hx = Harness::start(dir).await;
    let prov = hx.participant("clinic", "provider.hospital").await;
    let token = hx.token_of(&prov).await;
    let payer_code =
        hx.sandbox.participant(DemoKind::Payer).expect("demo payer").participant_code.clone();
    let tpa_code =
        hx.sandbox.participant(DemoKind::Tpa).expect("demo TPA").participant_code.clone();
    Demo { hx, prov, token, payer_code, tpa_code }
}

impl Demo {
    /// Sends a claim-like request with `text` as the first item's description.
    async fn submit(&self, action: Action, to: &str, text: &str) -> Headers {
        let items = [
            ItemLine { sequence: 1, text: text.into(), net: Decimal::new(1_000_000, 2) },
            ItemLine { sequence: 2, text: "Medicines".into(), net: Decimal::new(250_050, 2) },
        ];
        let use_ = match action {
            Action::PreauthSubmit => ClaimUse::Preauthorization,
            Action::PredeterminationSubmit => ClaimUse::Predetermination,
            _ => ClaimUse::Claim,
        };
        let me = Party { code: self.prov.code.clone(), name: "Clinic".into() };
        let payer = Party { code: to.into(), name: to.into() };
        let payload = if action == Action::CoverageEligibilityCheck {
            fhir::eligibility_request_bundle(&me, &payer, "Ravi", text)
        } else {
            fhir::claim_bundle(use_, &me, &payer, "Ravi", &items)
        }
        .expect("the test request is valid builder input");
        let h = action_headers(&self.prov.code, to, &new_id(), Some(&new_id()));
        let key = self.recipient_key(to).await;
        let compact = hcx_protocol::seal(&h, payload.to_string().as_bytes(), &key).expect("seal");
        let (st, v) = self
            .hx
            .post_raw(action.path(), Some(&self.token), hcx_protocol::payload_body(&compact))
            .await;
        assert_eq!(st, 202, "request to the demo payer accepted: {v}");
        h
    }

    async fn recipient_key(&self, code: &str) -> hcx_protocol::RecipientKey {
        let (st, v) = self
            .hx
            .post_json(
                "/participant/search",
                &self.token,
                &json!({"filters": {"participant_code": {"eq": code}}}),
            )
            .await;
        assert_eq!(st, 200, "search: {v}");
        let url = v["participants"][0]["encryption_cert"].as_str().expect("cert url").to_string();
        let pem = self.hx.http.get(url).send().await.expect("GET cert").text().await.expect("pem");
        hcx_protocol::RecipientKey::from_pem(pem.as_bytes()).expect("cert parses")
    }

    /// Next delivery to `path`, decrypted (or the plain JSON body).
    async fn receive(&self, path: &str) -> (Value, Value) {
        let r = self.prov.receiver.expect(path, WAIT).await;
        let body: Value = serde_json::from_slice(&r.body).expect("json body");
        if body.get("payload").is_some() {
            let o = self.prov.open(&r);
            let payload = o.payload_json().expect("payload json");
            (Value::Object(o.headers.into_map()), payload)
        } else {
            (body, Value::Null)
        }
    }

    /// The next callback on `path` in cycle `correlation_id`. Delivery is at-least-once: on a
    /// loaded machine an earlier answer may be dispatched again (its first 2xx came late), so
    /// callbacks of other cycles are skipped rather than mistaken for this one.
    async fn receive_for(&self, path: &str, correlation_id: &str) -> (Value, Value) {
        loop {
            let (h, p) = self.receive(path).await;
            if h["x-hcx-correlation_id"] == json!(correlation_id) {
                return (h, p);
            }
        }
    }
}

fn claim_response(bundle: &Value) -> Value {
    bundle["entry"]
        .as_array()
        .and_then(|e| e.iter().find(|x| x["resource"]["resourceType"] == json!("ClaimResponse")))
        .map(|x| x["resource"].clone())
        .expect("a ClaimResponse entry")
}

fn benefit(cr: &Value, item: usize) -> Value {
    cr["item"][item]["adjudication"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["category"]["coding"][0]["code"] == json!("benefit")))
        .map(|x| x["amount"]["value"].clone())
        .expect("a benefit adjudication")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_payer_scenarios_approve_partial_reject_pending_error_redirect() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = demo(dir.path()).await;

    // Default: approve, with a preauth reference.
    d.submit(Action::PreauthSubmit, &d.payer_code, "Room rent").await;
    let (h, p) = d.receive("/preauth/on_submit").await;
    assert_eq!(h["x-hcx-status"], json!("response.complete"), "approval is final");
    let cr = claim_response(&p);
    assert_eq!(cr["outcome"], json!("complete"), "approved: {cr}");
    assert!(
        cr["preAuthRef"].as_str().is_some_and(|r| r.starts_with("PA-")),
        "preauth approvals carry preAuthRef"
    );
    assert_eq!(benefit(&cr, 1), json!(2500.5), "items approved in full, exact to the paisa");

    // [partial]: item-level.
    d.submit(Action::PreauthSubmit, &d.payer_code, "Room rent [partial]").await;
    let (_, p) = d.receive("/preauth/on_submit").await;
    let cr = claim_response(&p);
    assert_eq!(cr["outcome"], json!("partial"), "partial approval: {cr}");
    assert_eq!(benefit(&cr, 0), json!(10000), "first item in full");
    assert_eq!(benefit(&cr, 1), json!(1250.25), "second item halved");

    // [reject]: reasons, nothing approved.
    d.submit(Action::ClaimSubmit, &d.payer_code, "Cosmetic surgery [reject]").await;
    let (h, p) = d.receive("/claim/on_submit").await;
    assert_eq!(h["x-hcx-status"], json!("response.complete"), "a rejection is a final answer");
    let cr = claim_response(&p);
    assert!(
        cr["error"].as_array().is_some_and(|e| !e.is_empty()),
        "rejections carry reasons: {cr}"
    );
    assert_eq!(benefit(&cr, 0), json!(0), "nothing approved");

    // [pending]: response.partial first, then response.complete.
    d.submit(Action::PredeterminationSubmit, &d.payer_code, "Knee replacement [pending]").await;
    let (h, p) = d.receive("/predetermination/on_submit").await;
    assert_eq!(h["x-hcx-status"], json!("response.partial"), "first an interim answer");
    assert_eq!(claim_response(&p)["outcome"], json!("queued"), "marked as under review");
    let (h, p) = d.receive("/predetermination/on_submit").await;
    assert_eq!(h["x-hcx-status"], json!("response.complete"), "then the final one");
    assert_eq!(claim_response(&p)["outcome"], json!("complete"), "approved in the end");

    // [error]: plain-JSON response.error with a whitelisted code.
    d.submit(Action::PreauthSubmit, &d.payer_code, "X-ray [error]").await;
    let (h, p) = d.receive("/preauth/on_submit").await;
    assert_eq!(p, Value::Null, "errors travel as plain JSON");
    assert_eq!(h["x-hcx-status"], json!("response.error"), "error status");
    assert_eq!(
        h["x-hcx-error_details"]["code"],
        json!("ERR_DOMAIN_PROCESSING"),
        "whitelisted code"
    );

    // [redirect]: to the demo TPA; a new cycle there is approved.
    let sent = d.submit(Action::PreauthSubmit, &d.payer_code, "Surgery [redirect]").await;
    let (h, _) = d.receive("/preauth/on_submit").await;
    assert_eq!(h["x-hcx-status"], json!("response.redirect"), "redirect answer");
    assert_eq!(h["x-hcx-redirect_to"], json!(d.tpa_code), "to the demo TPA");
    assert_eq!(h["x-hcx-correlation_id"], json!(sent.correlation_id()), "on the same cycle");
    let to_tpa = d.submit(Action::PreauthSubmit, &d.tpa_code, "Surgery [redirect]").await;
    let (h, p) =
        d.receive_for("/preauth/on_submit", to_tpa.correlation_id().expect("correlation")).await;
    assert_eq!(h["x-hcx-sender_code"], json!(d.tpa_code), "the TPA answers");
    assert_eq!(claim_response(&p)["outcome"], json!("complete"), "the TPA does not redirect back");

    // Eligibility.
    d.submit(Action::CoverageEligibilityCheck, &d.payer_code, "Inpatient").await;
    let (h, p) = d.receive("/coverageeligibility/on_check").await;
    assert_eq!(h["x-hcx-status"], json!("response.complete"), "eligibility answered");
    let inforce = p["entry"][0]["resource"]["insurance"][0]["inforce"].clone();
    assert_eq!(inforce, json!(true), "policy in force by default: {p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_payer_queries_then_approves_and_pays() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = demo(dir.path()).await;
    let claim = d.submit(Action::ClaimSubmit, &d.payer_code, "Appendectomy [query]").await;

    let r = d.prov.receiver.expect("/communication/request", WAIT).await;
    let q = d.prov.open(&r);
    assert_eq!(
        q.headers.correlation_id(),
        claim.correlation_id(),
        "the query is on the claim's cycle"
    );
    assert_eq!(q.headers.workflow_id(), claim.workflow_id(), "with the claim's workflow id");
    assert!(
        q.payload_json().expect("json").to_string().contains("CommunicationRequest"),
        "a CommunicationRequest"
    );
    let me = Party { code: d.prov.code.clone(), name: "Clinic".into() };
    let payer = Party { code: d.payer_code.clone(), name: d.payer_code.clone() };
    let query = Request::read(&q.payload_json().expect("json"), &new_id());
    let answer = fhir::communication_response_bundle(
        &query,
        "Discharge summary",
        b"%PDF-1.4 demo",
        &me,
        &payer,
    )
    .expect("the answer is valid builder input");
    let h = Headers::callback_to(&q.headers, Status::ResponseComplete);
    let key = d.recipient_key(&d.payer_code).await;
    let compact = hcx_protocol::seal(&h, answer.to_string().as_bytes(), &key).expect("seal");
    let (st, v) =
        d.hx.post_raw(
            Action::CommunicationOnRequest.path(),
            Some(&d.token),
            hcx_protocol::payload_body(&compact),
        )
        .await;
    assert_eq!(st, 202, "the document answer is accepted: {v}");

    let (h, p) = d.receive("/claim/on_submit").await;
    assert_eq!(h["x-hcx-status"], json!("response.complete"), "decided after the answer");
    let cr = claim_response(&p);
    assert_eq!(cr["outcome"], json!("complete"), "approved after the documents: {cr}");
    assert_eq!(cr["payment"]["amount"]["value"], json!(12500.5), "full amount payable");

    let r = d.prov.receiver.expect("/paymentnotice/request", WAIT).await;
    let n = d.prov.open(&r);
    assert_ne!(
        n.headers.correlation_id(),
        claim.correlation_id(),
        "a payment notice is its own cycle"
    );
    assert_eq!(n.headers.workflow_id(), claim.workflow_id(), "on the same workflow");
    assert_eq!(
        hcx_fhir::summarize(&n.payload_json().expect("json")).amounts.paid.map(|a| a.value),
        Some(Decimal::new(1_250_050, 2)),
        "pays the approved amount"
    );
    let ack = Headers::callback_to(&n.headers, Status::ResponseComplete);
    let compact = hcx_protocol::seal(&ack, bundle().to_string().as_bytes(), &key).expect("seal");
    let (st, v) =
        d.hx.post_raw(
            Action::PaymentNoticeOnRequest.path(),
            Some(&d.token),
            hcx_protocol::payload_body(&compact),
        )
        .await;
    assert_eq!(st, 202, "the provider acknowledges the payment: {v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_provider_sends_on_demand_and_answers_queries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hx = Harness::start(dir.path()).await;
    let tpa = hx.participant("tpa-desk", "agency.tpa").await;
    let tt = hx.token_of(&tpa).await;
    let provider_code =
        hx.sandbox.participant(DemoKind::Provider).expect("demo provider").participant_code.clone();

    let (st, sent) = hx
        .post_raw_root(
            "/sandbox/demo-provider/send",
            &json!({"action": "preauth/submit", "to": tpa.code, "scenario": "query"}),
        )
        .await;
    assert_eq!(st, 200, "the demo provider sends on demand: {sent}");
    let r = tpa.receiver.expect("/preauth/submit", WAIT).await;
    let got = tpa.open(&r);
    assert_eq!(
        got.headers.sender_code(),
        Some(provider_code.as_str()),
        "sent by the demo provider"
    );
    assert_eq!(
        got.headers.correlation_id(),
        sent["correlation_id"].as_str(),
        "the endpoint returns the cycle ids"
    );
    assert!(
        got.payload_json().expect("json").to_string().contains("[query]"),
        "the scenario keyword is in the item text"
    );

    // The TPA user asks for documents; the demo provider answers by itself.
    let ask = action_headers(
        &tpa.code,
        &provider_code,
        got.headers.correlation_id().unwrap_or_default(),
        got.headers.workflow_id(),
    );
    let prov_key = {
        let (_, v) = hx
            .post_json(
                "/participant/search",
                &tt,
                &json!({"filters": {"participant_code": {"eq": provider_code}}}),
            )
            .await;
        let url = v["participants"][0]["encryption_cert"].as_str().expect("url").to_string();
        hcx_protocol::RecipientKey::from_pem(
            hx.http.get(url).send().await.expect("get").text().await.expect("pem").as_bytes(),
        )
        .expect("key")
    };
    let preauth = Request::read(&got.payload_json().expect("json"), &new_id());
    let q = fhir::communication_request_bundle(
        "Send the discharge summary",
        &preauth,
        &Party { code: tpa.code.clone(), name: "TPA".into() },
        &Party { code: provider_code.clone(), name: provider_code.clone() },
    )
    .expect("the query is valid builder input");
    let compact = hcx_protocol::seal(&ask, q.to_string().as_bytes(), &prov_key).expect("seal");
    let (st, v) = hx
        .post_raw(
            Action::CommunicationRequest.path(),
            Some(&tt),
            hcx_protocol::payload_body(&compact),
        )
        .await;
    assert_eq!(st, 202, "the TPA's query is accepted: {v}");
    let r = tpa.receiver.expect("/communication/on_request", WAIT).await;
    let answer = hcx_fhir::summarize(&tpa.open(&r).payload_json().expect("json"));
    assert!(!answer.attachments.is_empty(), "the demo provider sends a document: {answer:?}");

    // The decision reaches the demo provider's inbox.
    let done = Headers::callback_to(&got.headers, Status::ResponseComplete);
    let compact =
        hcx_protocol::seal(&done, bundle().to_string().as_bytes(), &prov_key).expect("seal");
    let (st, v) = hx
        .post_raw(Action::PreauthOnSubmit.path(), Some(&tt), hcx_protocol::payload_body(&compact))
        .await;
    assert_eq!(st, 202, "the TPA's decision is accepted: {v}");
    let mut seen = false;
    for _ in 0..100 {
        let resp = hx
            .http
            .get(format!("{}/sandbox/demo-provider/inbox", hx.sandbox.origin()))
            .bearer_auth(&hx.admin_token)
            .send()
            .await
            .expect("inbox");
        let inbox: Value = resp.json().await.expect("json");
        seen = inbox
            .as_array()
            .is_some_and(|a| a.iter().any(|e| e["path"] == json!("/preauth/on_submit")));
        if seen {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "the demo provider's inbox shows the TPA's decision");
}
