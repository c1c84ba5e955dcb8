//! The operator's onboarding endpoints over loopback HTTP, with real RS256 sandbox certificates
//! (countersigned by a second, trusted sandbox instance), the simulated HFR / ROHINI registers,
//! OTPs read from the operator outbox, payer approvals in the payer's own queue, credentials
//! issued once and used to log in, and a compromise report that rotates them.

mod common;

use chrono::{Duration, Utc};
use common::*;
use hcx_onboard::certification::{
    AttestationClaims, Direction, Outcome, ScenarioResult, StepRecord, TrustedSandbox,
    issue_certificate, mandatory_scenarios, scenarios_digest, sign_attestation,
};
use hcx_onboard::jws::{self, SigningKey};
use hcx_onboard::registration::Document;
use hcx_protocol::{ApiVersion, Role};
use hcx_sandbox::DemoKind;
use serde_json::{Value, json};

const OTHER_SANDBOX: &str = "hcx@partner-sandbox";
const OTHER_URL: &str = "https://sandbox.partner.example/api";

/// A participant as certified in the partner sandbox.
struct Applicant {
    key_pem: String,
    cert_pem: String,
}

struct World {
    hx: Harness,
    sandbox_key: hcx_sandbox::keys::DemoKeyPair,
}

impl World {
    async fn start(dir: &std::path::Path) -> World {
        let hx = Harness::start(dir).await;
        let sandbox_key = hcx_sandbox::keys::generate(OTHER_SANDBOX).expect("sandbox key");
        hx.sandbox.operator().trust(TrustedSandbox {
            code: OTHER_SANDBOX.into(),
            base_url: OTHER_URL.into(),
            cert_pem: sandbox_key.cert_pem.clone(),
        });
        World { hx, sandbox_key }
    }

    fn applicant(&self, code: &str) -> Applicant {
        let p = hcx_sandbox::keys::generate(code).expect("applicant key");
        Applicant { key_pem: p.private_pem.expose().to_string(), cert_pem: p.cert_pem }
    }

    /// A certificate for `role` as the partner sandbox would issue it.
    fn certificate(
        &self,
        a: &Applicant,
        role: Role,
        valid_days: i64,
        signed_by: &hcx_sandbox::keys::DemoKeyPair,
    ) -> String {
        let scenarios: Vec<ScenarioResult> = mandatory_scenarios(role)
            .into_iter()
            .map(|name| ScenarioResult {
                name: name.into(),
                outcome: Outcome::Passed,
                detail: "passed in the partner sandbox".into(),
                steps: vec![StepRecord {
                    action: "/coverageeligibility/check".into(),
                    direction: Direction::Sent,
                    api_call_id: uuid::Uuid::new_v4().to_string(),
                    correlation_id: uuid::Uuid::new_v4().to_string(),
                    workflow_id: None,
                    result: "202".into(),
                    accepted: true,
                }],
            })
            .collect();
        let cert = jws::cert_from_pem(&a.cert_pem).expect("cert");
        let now = Utc::now();
        let att = AttestationClaims {
            v: 1,
            iss: OTHER_SANDBOX.into(),
            base_url: OTHER_URL.into(),
            participant_code: "applicant@partner-sandbox".into(),
            role,
            protocol_version: ApiVersion::V0_8,
            participant_cert_sha256: jws::fingerprint_sha256(&cert).expect("fp"),
            scenarios_sha256: scenarios_digest(&scenarios),
            audited_messages: 20,
            iat: (now - Duration::days(1)).timestamp(),
            exp: (now + Duration::days(valid_days)).timestamp(),
        };
        let sandbox_signer = SigningKey::from_pem(
            signed_by.private_pem.expose().as_bytes(),
            Some(&signed_by.cert_pem),
        )
        .expect("sandbox signer");
        let attestation = sign_attestation(&sandbox_signer, &att).expect("attestation");
        let me = SigningKey::from_pem(a.key_pem.as_bytes(), Some(&a.cert_pem)).expect("signer");
        issue_certificate(&me, &attestation, scenarios, now).expect("certificate").0
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.hx.http.get(self.hx.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("sandbox reachable");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        self.hx.post_raw(path, token, body.to_string()).await
    }

    /// Submits; returns (id, applicant token, status).
    async fn submit(&self, application: Value) -> (String, String, Value) {
        let (st, v) =
            self.post("/onboard/applications", None, &json!({"application": application})).await;
        assert_eq!(st, 201, "the application is accepted for processing: {v}");
        let id = v["status"]["application_id"].as_str().expect("id").to_string();
        let token = v["applicant_token"].as_str().expect("applicant token").to_string();
        (id, token, v["status"].clone())
    }

    /// The OTP the simulated SMS carried for `id`, and where it went.
    async fn otp(&self, id: &str) -> (String, String) {
        let (st, v) = self
            .get(&format!("/onboard/outbox?application_id={id}"), Some(&self.hx.admin_token))
            .await;
        assert_eq!(st, 200, "the operator reads the outbox: {v}");
        let sms = v
            .as_array()
            .expect("outbox list")
            .iter()
            .rev()
            .find(|m| m["channel"] == "sms")
            .expect("an OTP SMS was 'sent'")
            .clone();
        let text = sms["text"].as_str().expect("text");
        let otp: String = text
            .split("code is ")
            .nth(1)
            .expect("the SMS states the code")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        assert_eq!(otp.len(), 6, "the OTP has 6 digits: {text}");
        (otp, sms["to"].as_str().unwrap_or_default().to_string())
    }

    async fn participant_token(&self, kind: DemoKind) -> String {
        let p = self.hx.sandbox.participant(kind).expect("demo participant");
        token(&self.hx.http, &self.hx.sandbox.base_url(), &p.username, p.password.expose())
            .await
            .expect("demo participant logs in")
    }
}

fn doc(title: &str) -> Value {
    serde_json::to_value(Document::from_bytes(title, "application/pdf", b"%PDF-1.4 proof %%EOF"))
        .expect("doc")
}

fn hospital(a: &Applicant, certificate: &str, email: &str, hfr_id: &str) -> Value {
    json!({
        "kind": "abdm_provider",
        "common": {
            "participant_name": "Sunrise Multispeciality Hospital", "role": "provider.hospital",
            "protocol_version": "v0.8", "primary_email": email, "primary_mobile": "9876543210",
            "endpoint_url": "https://bridge.example/p/sunrise", "encryption_cert_pem": a.cert_pem,
            "sandbox_certificate": certificate,
        },
        "details": {
            "hfr_facility_id": hfr_id, "hfr_verification_status": "Verified",
            "manager": {"hfr_id": "71-4542-2424-6325", "mobile": "+91 98765 43210", "email": "manager@sunrise-hospital.example"},
            "consent_to_hfr_fetch": true,
        }
    })
}

fn clinic(a: &Applicant, certificate: &str, email: &str, payer: Value) -> Value {
    json!({
        "kind": "unregistered_provider",
        "common": {
            "participant_name": "Shivaji Nagar Clinic", "role": "provider.clinic",
            "protocol_version": "v0.8", "primary_email": email, "primary_mobile": "9822098220",
            "endpoint_url": "https://bridge.example/p/shivaji", "encryption_cert_pem": a.cert_pem,
            "sandbox_certificate": certificate,
        },
        "details": {
            "licence_number": "MH/PUN/2020/77",
            "manager": {"name": "R. Kulkarni", "mobile": "9822098220", "email": "rk@shivaji.example"},
            "address": {"line": "2 Main Road", "district": "Pune", "state": "Maharashtra", "pincode": "411005"},
            "empanelled_by": payer,
            "empanelment_proof": doc("Empanelment letter 2024"),
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abdm_hospital_is_onboarded_and_credentials_are_issued_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let w = World::start(dir.path()).await;
    let a = w.applicant("sunrise@partner");
    let cert = w.certificate(&a, Role::ProviderHospital, 90, &w.sandbox_key);
    let (id, token, status) =
        w.submit(hospital(&a, &cert, "accounts@sunrise.example", "IN2910000123")).await;
    assert_eq!(status["state"]["state"], "awaiting_otp", "HFR lookup passed, OTP sent: {status}");
    assert_eq!(status["otp_sent_to"], "+91 ******3210", "the OTP went to HFR's number, masked");
    let notes: Vec<&str> = status["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["note"].as_str())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("HFR lookup ok")),
        "the history shows the HFR lookup: {notes:?}"
    );

    let (otp, to) = w.otp(&id).await;
    assert_eq!(to, "+919876543210", "the SMS goes to the manager's mobile as per HFR");
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    let (st, v) = w
        .post(&format!("/onboard/applications/{id}/otp"), Some(&token), &json!({"otp": wrong}))
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("ERR_INVALID_OTP")),
        "a wrong OTP is refused: {v}"
    );
    let (st, v) = w
        .post(
            &format!("/onboard/applications/{id}/otp"),
            Some("not-the-token"),
            &json!({"otp": otp}),
        )
        .await;
    assert_eq!(st, 404, "another token learns nothing about the application: {v}");

    let (st, v) = w
        .post(&format!("/onboard/applications/{id}/otp"), Some(&token), &json!({"otp": otp}))
        .await;
    assert_eq!(st, 200, "the right OTP is accepted: {v}");
    assert_eq!(v["state"]["state"], "approved", "no payer step for HFR facilities: {v}");
    assert_eq!(v["credentials"], "ready", "credentials can be fetched now");
    let code = v["state"]["participant_code"].as_str().expect("production code").to_string();

    let (st, creds) =
        w.post(&format!("/onboard/applications/{id}/credentials"), Some(&token), &json!({})).await;
    assert_eq!(st, 200, "credentials are issued: {creds}");
    assert_eq!(creds["participant_code"], code.as_str(), "for the approved participant");
    let secret = creds["secret"].as_str().expect("secret").to_string();
    let (st, again) =
        w.post(&format!("/onboard/applications/{id}/credentials"), Some(&token), &json!({})).await;
    assert_eq!(st, 410, "a second fetch is refused with 410 Gone: {again}");
    assert_eq!(again["error"]["code"], "ERR_CREDENTIALS_ALREADY_ISSUED", "with a typed code");

    let login = |secret: String| {
        let (http, base, code) = (w.hx.http.clone(), w.hx.sandbox.base_url(), code.clone());
        async move {
            let resp = http
                .post(format!("{base}/v0.8/participant/auth/token/generate"))
                .form(&[
                    ("participant_code", code.as_str()),
                    ("username", "accounts@sunrise.example"),
                    ("secret", secret.as_str()),
                ])
                .send()
                .await
                .expect("reachable");
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (st, t) = login(secret.clone()).await;
    assert_eq!(st, 200, "the issued credentials log in: {t}");
    let access = t["access_token"].as_str().expect("token").to_string();
    let (st, found) =
        w.hx.post_json(
            "/participant/search",
            &access,
            &json!({"filters": {"participant_code": {"eq": code}}}),
        )
        .await;
    assert_eq!(st, 200, "search works with the new token: {found}");
    let rec = &found["participants"][0];
    assert_eq!(rec["status"], "Active", "the participant is Active: {rec}");
    assert_eq!(rec["roles"], json!(["provider.hospital"]), "with the role applied for");
    assert_eq!(rec["linked_registry_codes"], json!(["IN2910000123"]), "linked to its HFR id");

    // Compromise: new secret and certificate; the old secret stops working.
    let fresh = hcx_sandbox::keys::generate("sunrise-rotated").expect("new key");
    let (st, rotated) =
        w.hx.post_json(
            "/onboard/compromise",
            &access,
            &json!({"new_encryption_cert_pem": fresh.cert_pem, "note": "laptop stolen"}),
        )
        .await;
    assert_eq!(st, 200, "a compromise report is accepted: {rotated}");
    assert_eq!(rotated["encryption_cert_updated"], true, "and the certificate replaced");
    let new_secret = rotated["credentials"]["secret"].as_str().expect("new secret").to_string();
    assert_ne!(new_secret, secret, "the secret changed");
    assert_eq!(login(secret).await.0, 400, "the old secret no longer logs in");
    assert_eq!(login(new_secret).await.0, 200, "the new one does");
    let cert_url = rec["encryption_cert"].as_str().expect("cert url");
    let served = w.hx.http.get(cert_url).send().await.expect("cert").text().await.expect("pem");
    assert_eq!(served.trim(), fresh.cert_pem.trim(), "the registry serves the new certificate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_provider_waits_for_the_payer_it_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let w = World::start(dir.path()).await;
    let a = w.applicant("shivaji@partner");
    let cert = w.certificate(&a, Role::ProviderClinic, 90, &w.sandbox_key);
    let payer_code =
        w.hx.sandbox.participant(DemoKind::Payer).expect("payer").participant_code.clone();

    // Named by name; approved by that payer.
    let (id, token, status) = w
        .submit(clinic(
            &a,
            &cert,
            "front@shivaji.example",
            json!({"payer_name": "Demo Payer Insurance"}),
        ))
        .await;
    assert_eq!(status["state"]["state"], "awaiting_otp", "OTP first: {status}");
    let (otp, _) = w.otp(&id).await;
    let (st, v) = w
        .post(&format!("/onboard/applications/{id}/otp"), Some(&token), &json!({"otp": otp}))
        .await;
    assert_eq!(st, 200, "OTP accepted: {v}");
    assert_eq!(
        v["state"],
        json!({"state": "awaiting_payer_approval", "payer_code": payer_code}),
        "routed to the payer it named"
    );
    let (st, v) =
        w.post(&format!("/onboard/applications/{id}/credentials"), Some(&token), &json!({})).await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (409, Some("ERR_WRONG_STATE")),
        "no credentials before approval"
    );

    let tpa = w.participant_token(DemoKind::Tpa).await;
    let (st, q) = w.get("/onboard/approvals", Some(&tpa)).await;
    assert_eq!(
        (st, q.as_array().map(Vec::len)),
        (200, Some(0)),
        "another payer's queue is empty: {q}"
    );
    let (st, _) =
        w.post(&format!("/onboard/approvals/{id}"), Some(&tpa), &json!({"approve": true})).await;
    assert_eq!(st, 404, "and it cannot approve someone else's empanelment");
    let (st, _) = w.get("/onboard/approvals", None).await;
    assert_eq!(st, 401, "the queue needs the payer's own token");

    let payer = w.participant_token(DemoKind::Payer).await;
    let (st, q) = w.get("/onboard/approvals", Some(&payer)).await;
    assert_eq!(st, 200, "the payer reads its queue: {q}");
    let entry = q
        .as_array()
        .and_then(|a| a.iter().find(|e| e["application_id"] == id.as_str()))
        .expect("listed");
    assert_eq!(entry["facility_name"], "Shivaji Nagar Clinic", "the payer sees who asks");
    assert_eq!(entry["proof"]["title"], "Empanelment letter 2024", "and the proof attached");
    let (st, v) =
        w.post(&format!("/onboard/approvals/{id}"), Some(&payer), &json!({"approve": true})).await;
    assert_eq!(st, 200, "the payer approves: {v}");
    assert_eq!(v["state"]["state"], "approved", "approved only after the payer said so: {v}");
    let (st, _) =
        w.post(&format!("/onboard/applications/{id}/credentials"), Some(&token), &json!({})).await;
    assert_eq!(st, 200, "credentials follow approval");

    // Named by code; refused by that payer with a reason. The seed asks for the payer's name
    // even when the code is known.
    let unnamed = clinic(
        &a,
        &cert,
        "desk@shivaji.example",
        json!({"payer_name": "", "payer_code": payer_code}),
    );
    let (st, v) = w.post("/onboard/applications", None, &json!({"application": unnamed})).await;
    assert_eq!(st, 400, "the payer's name is required: {v}");
    assert_eq!(
        v["findings"][0]["path"], "details.empanelled_by.payer_name",
        "and the finding says which field"
    );
    let (id3, token3, _) = w
        .submit(clinic(
            &a,
            &cert,
            "desk@shivaji.example",
            json!({"payer_name": "Demo Payer", "payer_code": payer_code}),
        ))
        .await;
    let (otp, _) = w.otp(&id3).await;
    let (st, _) = w
        .post(&format!("/onboard/applications/{id3}/otp"), Some(&token3), &json!({"otp": otp}))
        .await;
    assert_eq!(st, 200, "OTP accepted");
    let (st, v) = w
        .post(&format!("/onboard/approvals/{id3}"), Some(&payer), &json!({"approve": false}))
        .await;
    assert_eq!(st, 400, "a refusal needs a reason: {v}");
    let reason = "Not empanelled with us since March 2023";
    let (st, v) = w
        .post(
            &format!("/onboard/approvals/{id3}"),
            Some(&payer),
            &json!({"approve": false, "reason": reason}),
        )
        .await;
    assert_eq!(st, 200, "the payer refuses: {v}");
    assert_eq!(v["state"]["state"], "rejected", "the application is rejected: {v}");
    let reasons = v["state"]["reasons"].to_string();
    assert!(reasons.contains(reason), "with the payer's reason: {reasons}");
    let (st, _) = w
        .post(&format!("/onboard/applications/{id3}/credentials"), Some(&token3), &json!({}))
        .await;
    assert_eq!(st, 409, "a rejected application gets no credentials");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submissions_are_checked_before_anything_happens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let w = World::start(dir.path()).await;
    let a = w.applicant("checks@partner");
    let good = w.certificate(&a, Role::ProviderHospital, 90, &w.sandbox_key);
    let refusal = |v: &Value| v["certificate_refusals"][0]["reason"].as_str().map(str::to_string);

    // Tampered: the payload edited after signing.
    let parts: Vec<&str> = good.split('.').collect();
    let payload = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[1])
            .expect("b64"),
    )
    .expect("utf8")
    .replace("passed in the partner sandbox", "passed with flying colours");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload),
        parts[2]
    );
    let app = hospital(&a, &forged, "t1@sunrise.example", "IN2910000123");
    let (st, v) = w.post("/onboard/applications", None, &json!({"application": app})).await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("ERR_CERTIFICATE_REFUSED")),
        "tampered: {v}"
    );
    assert_eq!(refusal(&v).as_deref(), Some("tampered"), "typed reason Tampered");

    let expired = w.certificate(&a, Role::ProviderHospital, -1, &w.sandbox_key);
    let (st, v) = w
        .post(
            "/onboard/applications",
            None,
            &json!({"application": hospital(&a, &expired, "t2@sunrise.example", "IN2910000123")}),
        )
        .await;
    assert_eq!((st, refusal(&v).as_deref()), (400, Some("expired")), "expired: {v}");
    assert!(
        v["error"]["message"].as_str().unwrap_or("").contains("expired"),
        "the message says so: {v}"
    );

    let rogue = hcx_sandbox::keys::generate(OTHER_SANDBOX).expect("rogue sandbox key");
    let unknown = w.certificate(&a, Role::ProviderHospital, 90, &rogue);
    let (st, v) = w
        .post(
            "/onboard/applications",
            None,
            &json!({"application": hospital(&a, &unknown, "t3@sunrise.example", "IN2910000123")}),
        )
        .await;
    assert_eq!((st, refusal(&v).as_deref()), (400, Some("tampered")), "same code, wrong key: {v}");

    let payer_cert = w.certificate(&a, Role::Payor, 90, &w.sandbox_key);
    let (st, v) = w.post("/onboard/applications", None, &json!({"application": hospital(&a, &payer_cert, "t4@sunrise.example", "IN2910000123")})).await;
    assert_eq!(
        (st, refusal(&v).as_deref()),
        (400, Some("wrong_role")),
        "certified as a payer, applying as a hospital: {v}"
    );

    let mut bad = hospital(&a, &good, "not-an-email", "IN29");
    bad["details"]["manager"]["mobile"] = json!("12345");
    let (st, v) = w.post("/onboard/applications", None, &json!({"application": bad})).await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("ERR_INVALID_APPLICATION")),
        "form problems: {v}"
    );
    let paths: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        ["common.primary_email", "details.hfr_facility_id", "details.manager.mobile"],
        "each problem points at its field"
    );
    let (st, _) =
        w.post("/onboard/applications", None, &json!({"application": {"kind": "wizard"}})).await;
    assert_eq!(st, 400, "an unknown kind is a clear 400, not a crash");

    // Register checks: an inactive facility and an unknown id are rejected with the reason.
    let (_, _, status) = w.submit(hospital(&a, &good, "t5@sunrise.example", "IN2910000999")).await;
    assert_eq!(
        status["state"]["state"], "rejected",
        "an inactive HFR facility is rejected: {status}"
    );
    assert!(status["state"]["reasons"].to_string().contains("Inactive"), "saying why: {status}");
    let (_, _, status) = w.submit(hospital(&a, &good, "t6@sunrise.example", "IN2910000888")).await;
    assert!(
        status["state"]["reasons"].to_string().contains("no facility"),
        "unknown HFR id: {status}"
    );

    // A regulator goes to manual review, and an operator decides.
    let reg = json!({
        "kind": "regulator",
        "common": {
            "participant_name": "State Insurance Regulator", "role": "agency.regulator", "protocol_version": "v0.8",
            "primary_email": "cell@regulator.example", "primary_mobile": "9000090000",
            "endpoint_url": "https://regulator.example/hcx", "encryption_cert_pem": a.cert_pem,
        },
        "details": {"request": "Aggregate claim statistics", "contact": {"name": "A. Officer", "email": "officer@regulator.example", "mobile": "9000090000"}}
    });
    let (id, _, status) = w.submit(reg).await;
    assert_eq!(
        status["state"]["state"], "manual_review",
        "regulators are worked case by case: {status}"
    );
    let (st, q) = w.get("/onboard/applications?state=manual_review", Some(&w.hx.admin_token)).await;
    assert_eq!(st, 200, "the operator's queue: {q}");
    assert!(
        q.as_array().is_some_and(|a| a.iter().any(|s| s["application_id"] == id.as_str())),
        "lists it"
    );
    let (st, v) = w
        .post(
            &format!("/onboard/applications/{id}/decision"),
            Some(&w.hx.admin_token),
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(
        (st, v["state"]["state"].as_str()),
        (200, Some("approved")),
        "the operator approves: {v}"
    );
}
