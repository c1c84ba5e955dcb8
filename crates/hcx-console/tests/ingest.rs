//! Ingest rules with real JWE, a real SQLite file and the real keychain (a throw-away service
//! name): unreadable requests are stored and answered with the right `response.error`,
//! redeliveries change nothing, the gateway's own error callback is accepted, and a message
//! sealed to the key before a rotation still opens.

use chrono::Utc;
use hcx_console::{
    Console, ConsoleOptions, Dialect, Environment, IngestOutcome, NewProfile, Secret,
};
use hcx_protocol::{Action, Details, Headers, ProtocolResponse, RecipientKey, payload_body, seal};
use hcx_store::{OutboxState, Store, ThreadState};
use serde_json::{Value, json};

const US: &str = "ingest-clinic@sandbox";
const PAYER: &str = "payer@sandbox";
const HCX: &str = "hcx@sandbox";

struct Fixture {
    _dir: tempfile::TempDir,
    console: Console,
    profile: String,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // Leave nothing in the keychain, also when an assertion failed.
        let console = self.console.clone();
        let profile = self.profile.clone();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| rt.block_on(console.delete_profile(&profile)))
        })
        .join();
    }
}

async fn fixture() -> Fixture {
    let app_id = format!("{}-{}", hcx_keys::TEST_APP_ID, uuid::Uuid::new_v4().simple());
    if let Err(e) = hcx_keys::KeychainStore::new(&app_id).probe() {
        panic!("the OS keychain is not reachable ({e}); run the tests with scripts/test");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut options = ConsoleOptions::new(dir.path());
    options.app_id = app_id;
    options.memory_secrets_for_sandbox = false;
    let console = Console::open(options).expect("console");
    let profile = console
        .add_profile(NewProfile {
            name: "Ingest Clinic".into(),
            participant_code: US.into(),
            roles: vec!["provider.hospital".into()],
            environment: Environment::Sandbox,
            gateway_url: "http://127.0.0.1:9/api".into(),
            dialect: Dialect::Swasth,
            bridge_url: None,
            username: Some("ingest@example.org".into()),
            email: None,
            password: Some(Secret::new("not-used-here")),
            bridge_token: None,
            hcx_code: Some(HCX.into()),
        })
        .await
        .expect("profile");
    console.generate_key(&profile.id).await.expect("key");
    Fixture { _dir: dir, console, profile: profile.id }
}

async fn our_key(f: &Fixture) -> RecipientKey {
    let pem =
        f.console.key_report(&f.profile).await.expect("report").certificate_pem.expect("cert");
    RecipientKey::from_certificate_pem(pem.as_bytes()).expect("our certificate")
}

fn request_headers() -> Headers {
    let correlation = uuid::Uuid::new_v4().to_string();
    Headers::action(PAYER, US, &correlation, Some("wf-1"), hcx_protocol::Dialect::Swasth)
}

fn claim_bundle() -> Value {
    json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Claim", "id": "1",
         "item": [{"sequence": 1, "net": {"value": 1000, "currency": "INR"}}]}}
    ]})
}

fn store(f: &Fixture) -> Store {
    Store::open(f.console.database_path()).expect("second connection")
}

fn outbox(f: &Fixture) -> Vec<(String, Value)> {
    store(f)
        .read()
        .list_outbox(&f.profile, Some(OutboxState::Queued))
        .expect("outbox")
        .into_iter()
        .map(|o| (o.action, serde_json::from_str(&o.body).expect("row body is JSON")))
        .collect()
}

#[tokio::test]
async fn a_request_we_cannot_decrypt_is_kept_and_answered_with_invalid_encryption() {
    let f = fixture().await;
    let other =
        hcx_protocol::PrivateKey::generate_rsa(2048).and_then(|k| k.public_key()).expect("key");
    let headers = request_headers();
    let body =
        payload_body(&seal(&headers, claim_bundle().to_string().as_bytes(), &other).expect("seal"));
    let out = f
        .console
        .ingest_body(&f.profile, "/v0.8/preauth/submit", body.as_bytes(), None, Utc::now())
        .expect("stored");
    assert_eq!(
        out,
        IngestOutcome::Stored {
            correlation_id: headers.correlation_id().unwrap_or_default().to_owned(),
            error: Some("ERR_INVALID_ENCRYPTION".into()),
        },
        "the message is stored (nothing acknowledged is lost) and marked unreadable"
    );
    let thread = store(&f)
        .read()
        .get_thread(&f.profile, headers.correlation_id().unwrap_or_default())
        .expect("read")
        .expect("the unreadable request still shows on the desk");
    assert_eq!(thread.state, ThreadState::Error, "as a cycle in error");
    let rows = outbox(&f);
    assert_eq!(rows.len(), 1, "one answer is queued for the sender");
    let (action, row) = &rows[0];
    assert_eq!(action, "/preauth/on_submit", "errors go back on the on_* path");
    assert_eq!(row["kind"], "plain", "a protocol error is plain JSON, not sealed");
    let h = &row["headers"];
    assert_eq!(h["x-hcx-status"], "response.error", "it is a response.error");
    assert_eq!(h["x-hcx-error_details"]["code"], "ERR_INVALID_ENCRYPTION", "with the right code");
    assert_eq!(h["x-hcx-recipient_code"], PAYER, "addressed to the sender");
    assert_eq!(h["x-hcx-sender_code"], US, "sent as us");
    assert_eq!(
        h["x-hcx-correlation_id"],
        headers.correlation_id().unwrap_or_default(),
        "in the same cycle"
    );

    // Redelivery: same api_call_id, nothing new.
    let again = f
        .console
        .ingest_body(&f.profile, "/preauth/submit", body.as_bytes(), None, Utc::now())
        .expect("stored");
    assert!(
        matches!(again, IngestOutcome::Duplicate { .. }),
        "a redelivery is recognised: {again:?}"
    );
    assert_eq!(outbox(&f).len(), 1, "and answered only once");
}

#[tokio::test]
async fn wrong_domain_payload_and_a_readable_request() {
    let f = fixture().await;
    let key = our_key(&f).await;
    // A patient where a claim is expected.
    let wrong = request_headers();
    let body =
        payload_body(&seal(&wrong, br#"{"resourceType":"Patient","id":"p"}"#, &key).expect("seal"));
    let out = f
        .console
        .ingest_body(&f.profile, "/claim/submit", body.as_bytes(), None, Utc::now())
        .expect("stored");
    assert!(
        matches!(&out, IngestOutcome::Stored { error: Some(c), .. } if c == "ERR_WRONG_DOMAIN_PAYLOAD"),
        "a Patient is the wrong domain payload for a claim: {out:?}"
    );
    let rows = outbox(&f);
    assert_eq!(
        rows[0].1["headers"]["x-hcx-error_details"]["code"], "ERR_WRONG_DOMAIN_PAYLOAD",
        "the sender is told why"
    );

    // A proper claim opens an incoming cycle with its amount.
    let good = request_headers();
    let body =
        payload_body(&seal(&good, claim_bundle().to_string().as_bytes(), &key).expect("seal"));
    let out = f
        .console
        .ingest_body(&f.profile, "/claim/submit", body.as_bytes(), None, Utc::now())
        .expect("stored");
    assert!(matches!(out, IngestOutcome::Stored { error: None, .. }), "readable: {out:?}");
    let t = store(&f)
        .read()
        .get_thread(&f.profile, good.correlation_id().unwrap_or_default())
        .expect("read")
        .expect("an incoming cycle is opened");
    assert_eq!(t.state, ThreadState::Received, "it waits for our answer");
    assert_eq!(
        t.requested_amount,
        Some(rust_decimal::Decimal::new(1000, 0)),
        "amount from the bundle"
    );
}

#[tokio::test]
async fn the_gateway_error_callback_is_accepted_and_moves_our_cycle_to_error() {
    let f = fixture().await;
    f.console.use_profile(&f.profile).await.expect("select");
    let receipt = f
        .console
        .send_bundle(Action::PreauthSubmit, PAYER, claim_bundle(), Some("wf-2"))
        .await
        .expect("queued");
    {
        // Pretend the gateway accepted it (there is no gateway in this test).
        let mut s = store(&f);
        s.write(|w| {
            w.set_thread_state(&f.profile, &receipt.correlation_id, ThreadState::Sent, Utc::now())?;
            w.set_thread_state(
                &f.profile,
                &receipt.correlation_id,
                ThreadState::Acknowledged,
                Utc::now(),
            )
        })
        .expect("acknowledged");
    }
    let mut original = Headers::new();
    original.insert("x-hcx-sender_code", US);
    original.insert("x-hcx-correlation_id", receipt.correlation_id.as_str());
    let callback = ProtocolResponse::gateway_error(
        HCX,
        &original,
        &Details::new("ERR_RECIPIENT_NOT_AVAILABLE", "Please provide correct recipient code"),
    );
    assert!(callback.timestamp().is_none(), "the gateway's own error has no timestamp");
    let out = f
        .console
        .ingest_body(
            &f.profile,
            "/preauth/on_submit",
            callback.to_json_string().as_bytes(),
            None,
            Utc::now(),
        )
        .expect("accepted");
    assert!(matches!(out, IngestOutcome::Stored { error: None, .. }), "accepted as valid: {out:?}");
    let detail = f.console.get_thread(&receipt.correlation_id).await.expect("thread");
    assert_eq!(detail.thread.state, "error", "the cycle shows the error");
    let node = detail
        .timeline
        .iter()
        .find(|n| n.direction == "in")
        .expect("the callback is on the timeline");
    assert_eq!(
        node.error.as_ref().map(|e| e.code.as_str()),
        Some("ERR_RECIPIENT_NOT_AVAILABLE"),
        "with the gateway's code"
    );
    assert!(
        outbox(&f).iter().all(|(a, _)| a != "/preauth/on_submit"),
        "an error is never answered"
    );
}

#[tokio::test]
async fn a_message_sealed_to_the_previous_key_still_opens_after_rotation() {
    let f = fixture().await;
    let old = our_key(&f).await;
    f.console.rotate_key(&f.profile).await.expect("rotated");
    let status = f.console.key_status(&f.profile).await.expect("status");
    assert!(status.has_previous_key, "the old key is kept for the overlap");
    let headers = request_headers();
    let body =
        payload_body(&seal(&headers, claim_bundle().to_string().as_bytes(), &old).expect("seal"));
    let out = f
        .console
        .ingest_body(&f.profile, "/preauth/submit", body.as_bytes(), None, Utc::now())
        .expect("stored");
    assert!(
        matches!(out, IngestOutcome::Stored { error: None, .. }),
        "a counterparty that still has our old certificate can reach us: {out:?}"
    );
}

#[tokio::test]
async fn the_inspector_opens_what_our_key_can_open_and_explains_the_rest() {
    let f = fixture().await;
    let key = our_key(&f).await;
    let body = payload_body(
        &seal(&request_headers(), claim_bundle().to_string().as_bytes(), &key).expect("seal"),
    );
    let v = f.console.inspect(&body).await.expect("inspect");
    assert!(v.errors.is_empty(), "a well-formed message for us has no problems: {:?}", v.errors);
    assert_eq!(
        v.payload.as_ref().and_then(|p| p.get("resourceType")).and_then(Value::as_str),
        Some("Bundle"),
        "the payload is decrypted with the profile's key"
    );
    assert!(v.summary.is_some(), "and summarised");
    assert_eq!(v.alg.as_deref(), Some("RSA-OAEP-256"), "the alg is shown");
    let garbage = f.console.inspect("hello").await.expect("never an error");
    assert!(!garbage.errors.is_empty(), "garbage is explained, not thrown: {garbage:?}");
}

#[tokio::test]
async fn profiles_side_by_side_keep_their_own_keys_and_cycles() {
    let f = fixture().await;
    let second = f
        .console
        .add_profile(NewProfile {
            name: "Second Desk".into(),
            participant_code: "second-desk@sandbox".into(),
            roles: vec!["agency.tpa".into()],
            environment: Environment::Sandbox,
            gateway_url: "http://127.0.0.1:9/api".into(),
            dialect: Dialect::Swasth,
            bridge_url: None,
            username: Some("second@example.org".into()),
            email: None,
            password: Some(Secret::new("second-password")),
            bridge_token: None,
            hcx_code: None,
        })
        .await
        .expect("second profile");
    let cleanup = SecondProfile(f.console.clone(), second.id.clone());
    assert!(!second.active, "adding a profile does not switch away from the selected one");
    f.console.generate_key(&second.id).await.expect("its own key");
    let ours = our_key(&f).await.to_public_key_pem().expect("pem");
    let theirs =
        f.console.key_report(&second.id).await.expect("report").certificate_pem.expect("cert");
    let theirs = RecipientKey::from_certificate_pem(theirs.as_bytes())
        .and_then(|k| k.to_public_key_pem())
        .expect("pem");
    assert_ne!(ours, theirs, "each profile has its own key pair");

    // A request for the first profile is not the second profile's business.
    let key = our_key(&f).await;
    let headers = request_headers();
    let body =
        payload_body(&seal(&headers, claim_bundle().to_string().as_bytes(), &key).expect("seal"));
    f.console
        .ingest_body(&f.profile, "/claim/submit", body.as_bytes(), None, Utc::now())
        .expect("stored");
    assert_eq!(f.console.tpa_inbox().await.expect("inbox").len(), 1, "the first desk sees it");
    f.console.use_profile("second-desk@sandbox").await.expect("switch by code");
    assert!(f.console.tpa_inbox().await.expect("inbox").is_empty(), "the second desk does not");
    let status = f.console.app_status().await.expect("status");
    assert_eq!(
        status.profile.map(|p| p.participant_code),
        Some("second-desk@sandbox".to_owned()),
        "the status bar shows the selected profile"
    );
    f.console.use_profile(&f.profile).await.expect("switch back");
    drop(cleanup);
}

/// Removes the second profile (and its keychain entries) even when an assertion failed.
struct SecondProfile(Console, String);

impl Drop for SecondProfile {
    fn drop(&mut self) {
        let (console, id) = (self.0.clone(), self.1.clone());
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| rt.block_on(console.delete_profile(&id)))
        })
        .join();
    }
}
