//! Issue 8 acceptance, through the console's use cases and the embedded sandbox playing the
//! operator, over real loopback HTTP, real JWE, real SQLite and the real keychain:
//!
//! - a new ABDM-enrolled hospital goes from nothing to its first production preauth
//!   (certification → registration with HFR details → OTP → approval → credentials in the
//!   keychain → pilot mode → a preauth to a payer on the pilot list goes, one off it is refused);
//! - a provider in neither HFR nor ROHINI is approved only after the payer it names approves in
//!   that payer's own console, and a refusal there rejects the application with the reason.

use std::time::Duration;

use hcx_console::demo::{LocalExchange, demo_preauth, wait_for_state};
use hcx_console::dto::{ApplicationView, RegistrationDraftView};
use hcx_console::{Console, ConsoleError, PollerOptions};
use hcx_keys::{KeychainStore, SecretKind, SecretStore};
use hcx_sandbox::DemoKind;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(60);

/// The OTP the sandbox operator "sent" for an application (its SMS outbox).
async fn otp_for(exchange: &LocalExchange, application_id: &str) -> String {
    let messages =
        exchange.operator_messages(Some(application_id)).await.expect("the operator outbox reads");
    let text = &messages
        .iter()
        .rev()
        .find(|m| m.channel == "sms")
        .expect("the operator sent the OTP by SMS")
        .text;
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("the message carries a 6-digit OTP: {text}"))
        .to_owned()
}

/// A throw-away keychain namespace (the real Secret Service), a temp dir and the embedded
/// exchange with its bridge.
async fn world() -> (String, tempfile::TempDir, LocalExchange) {
    let app_id = hcx_tests::test_app_id();
    hcx_tests::require_keychain(&app_id);
    let dir = tempfile::tempdir().expect("temp dir");
    let exchange = LocalExchange::start(dir.path(), true).await.expect("exchange starts");
    (app_id, dir, exchange)
}

fn set(app: &mut Value, pointer: &str, value: Value) {
    *app.pointer_mut(pointer).unwrap_or_else(|| panic!("the form has {pointer}")) = value;
}

fn document(title: &str) -> Value {
    let doc = hcx_onboard::registration::Document::from_bytes(
        title,
        "application/pdf",
        b"%PDF-1.4\n% empanelment letter\n%%EOF\n",
    );
    serde_json::to_value(doc).expect("a document is JSON")
}

async fn certified(console: &Console, profile_id: &str) {
    let cert = console.certify(profile_id).await.expect("the certification suite runs");
    assert_eq!(
        cert.state, "valid",
        "every scenario of the role passes and the certificate verifies: {:?}",
        cert.reasons
    );
    assert!(
        cert.scenarios.iter().all(|s| s.passed && !s.api_call_ids.is_empty()),
        "each scenario passed with its message ids recorded: {:?}",
        cert.scenarios.iter().filter(|s| !s.passed).collect::<Vec<_>>()
    );
}

fn no_findings(draft: &RegistrationDraftView) {
    assert!(
        draft.findings.is_empty(),
        "the filled form has no findings: {:?}",
        draft.findings.iter().map(|f| format!("{}: {}", f.path, f.message)).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abdm_hospital_goes_from_nothing_to_its_first_production_preauth() {
    let logs = hcx_tests::capture_logs();
    let (app_id, dir, exchange) = world().await;
    let console_dir = dir.path().join("console");
    let console = hcx_tests::console(&console_dir, &app_id);

    // The hospital's sandbox identity (what a sandbox sign-up gives) and its certification.
    let sandbox = exchange
        .onboard(&console, "Sunrise Hospital", "sunrise@sandbox", &["provider.hospital"])
        .await
        .expect("the sandbox identity is set up");
    certified(&console, &sandbox.id).await;

    // Registration with HFR details; the draft survives a restart of the console.
    let draft = console
        .registration_draft(&sandbox.id, Some("abdm_provider"))
        .await
        .expect("a new ABDM provider form");
    assert!(
        draft.findings.iter().any(|f| f.path == "details.hfr_facility_id"),
        "an empty form asks for the HFR id"
    );
    assert!(
        !draft.findings.iter().any(|f| f.path == "common.sandbox_certificate"),
        "the certificate is filled in from the certification run"
    );
    let mut app = draft.application.clone();
    set(&mut app, "/common/participant_name", json!("Sunrise Multispeciality Hospital"));
    set(&mut app, "/common/primary_email", json!("accounts@sunrise.example"));
    set(&mut app, "/common/primary_mobile", json!("9876543210"));
    set(&mut app, "/details/hfr_facility_id", json!("IN291000012"));
    let bad = console.save_registration_draft(&sandbox.id, app.clone()).await.expect("saved");
    assert!(
        bad.findings
            .iter()
            .any(|f| f.path == "details.hfr_facility_id" && f.rule.ends_with("format")),
        "an 11-character HFR id is a format finding: {:?}",
        bad.findings
    );
    set(&mut app, "/details/hfr_facility_id", json!("IN2910000123"));
    set(&mut app, "/details/hfr_verification_status", json!("Verified"));
    set(
        &mut app,
        "/details/manager",
        json!({"hfr_id": "71-4542-2424-6325", "mobile": "+91 98765 43210",
               "email": "manager@sunrise-hospital.example"}),
    );
    set(&mut app, "/details/consent_to_hfr_fetch", json!(true));
    no_findings(&console.save_registration_draft(&sandbox.id, app.clone()).await.expect("saved"));
    drop(console);
    let console = hcx_tests::console(&console_dir, &app_id);
    let reopened = console.registration_draft(&sandbox.id, None).await.expect("draft reads");
    assert_eq!(reopened.application, app, "the draft is exactly as saved after a restart");

    let submitted =
        console.submit_registration(&sandbox.id, app, None).await.expect("the operator accepts it");
    assert_eq!(submitted.state, "awaiting_otp", "HFR lookup passed; the OTP went out");
    assert!(
        submitted.history.iter().any(|h| h.note.contains("HFR lookup ok")),
        "the history shows the HFR lookup: {:?}",
        submitted.history
    );
    let prod = submitted.profile_id.clone();
    console.use_profile(&prod).await.expect("select the production profile");
    let early = console.send_compose(demo_preauth("demo-payer@sandbox", None)).await;
    assert!(
        matches!(&early, Err(ConsoleError::NotAllowed(m)) if m.contains("not live yet")),
        "a production profile cannot send before its credentials are in: {early:?}"
    );

    let applicant_token = KeychainStore::new(&app_id)
        .get(&prod, SecretKind::ApplicantToken)
        .expect("keychain answers")
        .expect("the applicant token waits in the keychain until the credentials are in")
        .expose()
        .to_owned();

    // OTP, approval, credentials.
    let otp = otp_for(&exchange, &submitted.application_id).await;
    let approved: ApplicationView = console.submit_otp(&prod, &otp).await.expect("OTP accepted");
    assert_eq!(approved.state, "approved", "no payer step for HFR facilities");
    assert_eq!(approved.credentials, "ready", "the credentials can be fetched once");
    let code = approved.participant_code.clone().expect("a production participant code");

    let live = exchange.fetch_credentials(&console, &prod).await.expect("credentials stored");
    assert!(live.credentials_stored_at.is_some(), "the console records when they were stored");
    let keychain = KeychainStore::new(&app_id);
    let secret = keychain
        .get(&prod, SecretKind::GatewaySecret)
        .expect("keychain answers")
        .expect("the production secret is in the OS keychain");
    assert!(secret.expose().len() >= 16, "a real secret, not a placeholder");
    assert!(
        keychain.get(&prod, SecretKind::ApplicantToken).expect("keychain answers").is_none(),
        "the applicant token is deleted once the credentials are in"
    );
    let again = console.fetch_credentials(&prod).await;
    assert!(
        matches!(again, Err(ConsoleError::NotAllowed(_))),
        "credentials are issued once: {again:?}"
    );
    let view = console.profile_by_id(&prod).expect("profile");
    assert_eq!(view.participant_code, code, "the profile took the issued code");
    let view_json = serde_json::to_string(&view).expect("json");
    assert!(!view_json.contains(secret.expose()), "no front end ever receives the secret");

    // Go-live: preflight green, training tick, pilot list with the demo payer only.
    let checks = console.run_preflight().await.expect("preflight runs");
    for c in &checks {
        assert!(c.ok, "preflight {} is green on the new production profile: {}", c.name, c.detail);
    }
    let payer = exchange.code(DemoKind::Payer).expect("demo payer");
    let tpa = exchange.code(DemoKind::Tpa).expect("demo TPA");
    console.mark_staff_trained(&prod, "Asha (billing lead)").await.expect("training tick");
    let golive = console.set_pilot(&prod, true, vec![payer.clone()]).await.expect("pilot set");
    let pending: Vec<_> = golive.items.iter().filter(|i| i.status != "done").collect();
    assert!(golive.ready, "every checklist item is done: {pending:?}");
    assert_eq!(
        console.profile_by_id(&prod).expect("profile").pilot_counterparties,
        Some(vec![payer.clone()]),
        "the profile view shows the pilot list (the UI's pilot chip)"
    );

    // The first production preauth: to the payer on the list it goes and is answered; to one
    // off the list it is refused before anything is queued.
    console.recover_outbox().expect("recover");
    let worker = console.start_outbox_worker();
    let poller = console
        .start_bridge_poller_with(
            &prod,
            PollerOptions { wait: Duration::from_secs(2), ..PollerOptions::default() },
        )
        .expect("poller")
        .expect("the production profile has a bridge");
    let off = console.send_compose(demo_preauth(&tpa, None)).await;
    match off {
        Err(ConsoleError::PilotBlocked(message)) => assert!(
            message.contains("Pilot mode") && message.contains(&payer) && message.contains(&tpa),
            "the refusal names the pilot list and the refused recipient: {message}"
        ),
        other => panic!("a preauth to a payer off the pilot list is refused: {other:?}"),
    }
    let first = console.send_compose(demo_preauth(&payer, None)).await.expect("preauth queued");
    let detail = wait_for_state(&console, &first.correlation_id, &["complete"], WAIT)
        .await
        .expect("the payer answers the first production preauth");
    assert_eq!(detail.thread.counterparty, payer, "it went to the payer on the list");
    let threads = console.list_threads(Default::default()).await.expect("threads");
    assert_eq!(threads.len(), 1, "the refused preauth left no thread behind");

    // Report a compromise: new key pair and new secret; the registry serves the new
    // certificate, the old secret stops working and the desk keeps working.
    let before = console.key_status(&prod).await.expect("key status").fingerprint;
    let rotated = console.report_compromise(&prod, "laptop stolen").await.expect("reported");
    assert!(rotated.key_rotated && rotated.certificate_updated, "key and registry both changed");
    assert_ne!(Some(rotated.fingerprint.clone()), before, "a new key pair is in use");
    let new_secret = keychain
        .get(&prod, SecretKind::GatewaySecret)
        .expect("keychain answers")
        .expect("the new secret is in the keychain");
    assert_ne!(new_secret.expose(), secret.expose(), "the secret was rotated");
    let checks = console.run_preflight().await.expect("preflight runs");
    for c in &checks {
        assert!(
            c.ok,
            "after the rotation preflight {} is green (new secret logs in, the registry has the \
             new certificate): {}",
            c.name, c.detail
        );
    }

    poller.stop().await;
    worker.stop().await;

    // Secret scan: neither SQLite file of the console or the bridge, nor anything logged, holds
    // the production key, the old or new secret or the applicant token.
    let mut needles = hcx_tests::secret_needles(&hcx_tests::read_secrets(&app_id, &prod));
    needles.push(("the first production secret".into(), secret.expose().to_owned()));
    needles.push(("the applicant token".into(), applicant_token));
    let files = hcx_tests::sqlite_files(dir.path());
    assert!(
        files.iter().any(|f| f.starts_with(&console_dir)),
        "the console's database is among the scanned files: {files:?}"
    );
    for f in &files {
        let bytes = std::fs::read(f).expect("read db file");
        let ours = f.starts_with(&console_dir) || f.starts_with(dir.path().join("bridge"));
        hcx_tests::assert_no_secrets(&f.display().to_string(), &bytes, &needles, ours);
    }
    let logged = logs.text();
    assert!(
        logged.contains(&code) && logged.contains("compromise reported"),
        "the log capture saw this flow (the operator logged the compromise report), so scanning \
         it means something"
    );
    hcx_tests::assert_no_secrets("the log output", logged.as_bytes(), &needles, true);

    console.delete_profile(&prod).await.expect("cleanup");
    console.delete_profile(&sandbox.id).await.expect("cleanup");
    exchange.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_clinic_is_approved_only_by_the_payer_it_names() {
    let (app_id, dir, exchange) = world().await;
    let console = hcx_tests::console(&dir.path().join("clinic"), &app_id);
    let payer_console = hcx_tests::console(&dir.path().join("payer"), &app_id);
    let payer = exchange
        .onboard(&payer_console, "Star Health Desk", "star-health@sandbox", &["payor"])
        .await
        .expect("the payer's own console");
    let clinic = exchange
        .onboard(&console, "Shivaji Nagar Clinic", "shivaji@sandbox", &["provider.clinic"])
        .await
        .expect("the clinic's sandbox identity");
    certified(&console, &clinic.id).await;

    let application = |email: &str, draft: &RegistrationDraftView| {
        let mut app = draft.application.clone();
        set(&mut app, "/common/primary_email", json!(email));
        set(&mut app, "/common/primary_mobile", json!("9822098220"));
        set(&mut app, "/details/licence_number", json!("MH/PUN/2020/77"));
        set(
            &mut app,
            "/details/manager",
            json!({"name": "R. Kulkarni", "mobile": "9822098220", "email": "rk@shivaji.example"}),
        );
        set(
            &mut app,
            "/details/address",
            json!({"line": "2 Main Road", "district": "Pune", "state": "Maharashtra",
                   "pincode": "411005"}),
        );
        set(
            &mut app,
            "/details/empanelled_by",
            json!({"payer_code": "star-health@sandbox", "payer_name": "Star Health Desk"}),
        );
        set(&mut app, "/details/empanelment_proof", document("Empanelment letter 2024"));
        app
    };

    // First application: OTP, then it waits for the payer, who approves in its own console.
    let draft =
        console.registration_draft(&clinic.id, Some("unregistered_provider")).await.expect("form");
    let app = application("front@shivaji.example", &draft);
    no_findings(&console.save_registration_draft(&clinic.id, app.clone()).await.expect("saved"));
    let submitted = console.submit_registration(&clinic.id, app, None).await.expect("submitted");
    let otp = otp_for(&exchange, &submitted.application_id).await;
    let waiting = console.submit_otp(&submitted.profile_id, &otp).await.expect("OTP");
    assert_eq!(waiting.state, "awaiting_payer_approval", "the payer must approve first");
    assert_eq!(waiting.awaiting_payer.as_deref(), Some(payer.participant_code.as_str()));
    let early = console.fetch_credentials(&submitted.profile_id).await;
    assert!(early.is_err(), "no credentials before the payer approves: {early:?}");

    let queue = payer_console.empanelment_requests().await.expect("the payer's queue");
    let entry = queue
        .iter()
        .find(|e| e.application_id == submitted.application_id)
        .expect("the request reached the payer it names");
    assert!(
        entry.proof.as_deref().is_some_and(|p| p.contains("Empanelment letter 2024")),
        "the payer sees the empanelment proof it is approving: {entry:?}"
    );
    let decided = payer_console
        .decide_empanelment(&submitted.application_id, true, "")
        .await
        .expect("approved");
    assert_eq!(decided.state, "approved", "the payer's approval approves the application");
    let status = console.application_status(&submitted.profile_id).await.expect("status");
    assert_eq!(
        (status.state.as_str(), status.credentials.as_str()),
        ("approved", "ready"),
        "the clinic sees the approval and may fetch its credentials"
    );

    // Second application (a branch): the payer refuses with a reason.
    let draft =
        console.registration_draft(&clinic.id, Some("unregistered_provider")).await.expect("form");
    let app = application("branch@shivaji.example", &draft);
    let second = console.submit_registration(&clinic.id, app, None).await.expect("submitted");
    let otp = otp_for(&exchange, &second.application_id).await;
    console.submit_otp(&second.profile_id, &otp).await.expect("OTP");
    let refusal = payer_console.decide_empanelment(&second.application_id, false, "").await;
    assert!(
        matches!(refusal, Err(ConsoleError::Input { .. })),
        "a refusal without a reason is not sent: {refusal:?}"
    );
    payer_console
        .decide_empanelment(&second.application_id, false, "Not on our network since 2023")
        .await
        .expect("refused");
    let rejected = console.application_status(&second.profile_id).await.expect("status");
    assert_eq!(rejected.state, "rejected", "the payer's refusal rejects the application");
    assert!(
        rejected.reasons.iter().any(|r| r.contains("Not on our network since 2023")),
        "with the payer's reason: {:?}",
        rejected.reasons
    );
    let blocked = console.fetch_credentials(&second.profile_id).await;
    assert!(blocked.is_err(), "a rejected application gets no credentials: {blocked:?}");

    for (c, id) in [(&console, &submitted.profile_id), (&console, &second.profile_id)] {
        c.delete_profile(id).await.expect("cleanup");
    }
    console.delete_profile(&clinic.id).await.expect("cleanup");
    payer_console.delete_profile(&payer.id).await.expect("cleanup");
    exchange.shutdown().await;
}

/// The suite points the profile's registry endpoint at its own bridge for the length of the
/// run. A callback of one of the desk's own cycles that arrives meanwhile is acknowledged to
/// the gateway by that bridge, so the console must keep it: here the payer's answer to a desk
/// preauth sent during certification reaches the desk's thread although the desk's own mailbox
/// poller is not even running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desk_callbacks_that_arrive_during_certification_are_kept() {
    let (app_id, dir, exchange) = world().await;
    let console = hcx_tests::console(&dir.path().join("console"), &app_id);
    let code = "busy-desk@sandbox";
    let profile = exchange
        .onboard(&console, "Busy Desk", code, &["provider.hospital"])
        .await
        .expect("sandbox identity");
    let desk_endpoint = exchange.bridge.endpoint_url(code);
    let payer = exchange.code(DemoKind::Payer).expect("demo payer");
    let admin = exchange.sandbox.admin_credentials();
    let registry = hcx_client::HcxClient::new(hcx_client::GatewayConfig::new(
        exchange.sandbox.base_url(),
        exchange.sandbox.hcx_code(),
        hcx_client::Credentials::Password {
            username: admin.username.clone(),
            password: hcx_client::Secret::new(admin.password.expose()),
        },
    ))
    .expect("admin client");

    let certifying = tokio::spawn({
        let console = console.clone();
        let id = profile.id.clone();
        async move { console.certify(&id).await }
    });
    // Wait until the registry points the desk's endpoint at the suite's bridge.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rec = registry.search_participant(code).await.expect("registry search");
        if rec.endpoint_url.as_deref().is_some_and(|u| u != desk_endpoint) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "certification switches the endpoint");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let worker = console.start_outbox_worker();
    let sent = console.send_compose(demo_preauth(&payer, None)).await.expect("queued");
    let cert = certifying.await.expect("join").expect("certification runs");
    assert_eq!(cert.state, "valid", "the desk's traffic does not disturb the suite");
    let rec = registry.search_participant(code).await.expect("registry search");
    assert_eq!(
        rec.endpoint_url.as_deref(),
        Some(desk_endpoint.as_str()),
        "the desk's callback address is restored after the run"
    );
    let detail = wait_for_state(&console, &sent.correlation_id, &["complete"], WAIT)
        .await
        .expect("the payer's answer, received by the suite's bridge, reached the desk's thread");
    assert_eq!(
        detail.timeline.last().map(|n| n.kind.as_str()),
        Some("complete"),
        "the answer is on the timeline with no mailbox poller running: it came from the hand-off"
    );
    worker.stop().await;
    exchange.shutdown().await;
}
