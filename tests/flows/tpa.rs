//! The console as a TPA desk: the sandbox's demo provider sends a preauth, the console answers
//! with a partial approval, and the demo provider receives it. And a TPA desk added beside a
//! clinic's on the same console: the clinic's preauth crosses the exchange to it and back.

use std::time::Duration;

use hcx_console::demo::{LocalExchange, demo_preauth, wait_for_state};
use hcx_console::dto::{DecisionForm, ItemDecision};
use hcx_console::{ConsoleError, PollerOptions};
use hcx_protocol::Action;
use hcx_sandbox::{Scenario, SendRequest};
use rust_decimal::Decimal;

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tpa_answers_a_partial_approval() {
    let app_id = hcx_tests::test_app_id();
    hcx_tests::require_keychain(&app_id);
    let dir = tempfile::tempdir().expect("temp dir");
    let exchange = LocalExchange::start(dir.path(), true).await.expect("sandbox and bridge start");
    let console = hcx_tests::console(&dir.path().join("console"), &app_id);
    let tpa_code = "swift-tpa@sandbox";
    let profile = exchange
        .onboard(&console, "Swift TPA", tpa_code, &["agency.tpa"])
        .await
        .expect("the TPA is onboarded");
    let (worker, poller) = hcx_tests::start_loops(&console, &profile.id);

    let provider = exchange.sandbox.demo_provider().expect("scripted counterparties run");
    let sent = provider
        .send(SendRequest {
            action: Action::PreauthSubmit,
            to: tpa_code.into(),
            scenario: Scenario::Approve,
            amount: None,
            workflow_id: None,
        })
        .await
        .expect("the demo provider sends a preauth to the TPA");

    // It lands in the TPA inbox.
    let deadline = tokio::time::Instant::now() + WAIT;
    let item = loop {
        let inbox = console.tpa_inbox().await.expect("inbox");
        if let Some(t) = inbox.into_iter().find(|t| t.correlation_id == sent.correlation_id) {
            break t;
        }
        assert!(tokio::time::Instant::now() < deadline, "the preauth reaches the TPA inbox");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(item.state, "received", "a new request waits for our answer");
    assert_eq!(item.direction, "incoming", "the provider started this cycle");
    assert_eq!(item.use_case, "preauth", "it is a preauth");
    assert_eq!(
        item.requested.as_deref().and_then(|r| r.parse::<Decimal>().ok()),
        Some(Decimal::new(39_500, 0)),
        "room 4,500.00 + surgery 35,000.00 are asked for"
    );
    assert_eq!(item.patient.as_deref(), Some("Asha Verma"), "the patient is read from the bundle");
    let detail = console.get_thread(&sent.correlation_id).await.expect("detail");
    assert_eq!(detail.next_actions, ["respond"], "the desk is asked to respond");

    // Partial approval: the room in full, the surgery capped at half.
    console
        .decide(DecisionForm {
            correlation_id: sent.correlation_id.clone(),
            outcome: "partial".into(),
            items: vec![
                ItemDecision { sequence: 1, approved: "4500.00".into(), reason: None },
                ItemDecision {
                    sequence: 2,
                    approved: "17500.00".into(),
                    reason: Some("Capped at 50% by the policy sub-limit".into()),
                },
            ],
            reasons: vec!["Surgery capped by the policy sub-limit".into()],
            note: None,
        })
        .await
        .expect("decision queued");

    // The demo provider receives the answer.
    let deadline = tokio::time::Instant::now() + WAIT;
    let answer = loop {
        if let Some(e) = provider.inbox().into_iter().find(|e| {
            e.path == "/preauth/on_submit"
                && e.headers.get("x-hcx-correlation_id").and_then(|v| v.as_str())
                    == Some(sent.correlation_id.as_str())
        }) {
            break e;
        }
        assert!(tokio::time::Instant::now() < deadline, "the provider receives our answer");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(answer.status.as_deref(), Some("response.complete"), "a final answer");
    assert_eq!(
        answer.headers.get("x-hcx-sender_code").and_then(|v| v.as_str()),
        Some(tpa_code),
        "it comes from the TPA"
    );
    let summary = hcx_fhir::summarize(&answer.payload);
    let decision = summary.decision.expect("the payload is a ClaimResponse");
    assert_eq!(decision.status, "partially approved", "the provider reads a partial approval");
    assert_eq!(
        summary.amounts.approved.map(|a| a.value),
        Some(Decimal::new(22_000, 0)),
        "4,500.00 + 17,500.00 approved, exactly"
    );

    let ours = console.get_thread(&sent.correlation_id).await.expect("thread");
    assert_eq!(ours.thread.state, "complete", "the decision closes the cycle on our side");
    assert_eq!(
        ours.thread.approved.as_deref().and_then(|r| r.parse::<Decimal>().ok()),
        Some(Decimal::new(22_000, 0)),
        "the approved total is recorded"
    );
    assert!(console.tpa_inbox().await.expect("inbox").is_empty(), "nothing left in the inbox");

    poller.stop().await;
    worker.stop().await;
    console.delete_profile(&profile.id).await.expect("profile removed");
    assert!(!hcx_tests::keychain_has_any(&app_id, &profile.id), "keychain entries removed");
    exchange.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tpa_desk_added_beside_the_clinic_answers_the_clinics_preauth() {
    let app_id = hcx_tests::test_app_id();
    hcx_tests::require_keychain(&app_id);
    let dir = tempfile::tempdir().expect("temp dir");
    let exchange = LocalExchange::start(dir.path(), true).await.expect("sandbox and bridge start");
    let console = hcx_tests::console(&dir.path().join("console"), &app_id);
    let clinic = exchange
        .onboard(&console, "City Clinic", "city-clinic@sandbox", &["provider.clinic"])
        .await
        .expect("the clinic is onboarded");

    // What a desk may not be, with the field to fix, and no profile left behind.
    for (name, role, field) in
        [("   ", "agency.tpa", "name"), ("Gov Scheme", "agency.sponsor", "role")]
    {
        match exchange.add_desk(&console, name, role).await {
            Err(ConsoleError::Input { field: f, .. }) => {
                assert_eq!(f, field, "{name:?} as {role} is refused at the {field}")
            }
            other => panic!("{name:?} as {role} must be refused as input, got {other:?}"),
        }
    }
    assert_eq!(console.list_profiles().await.expect("profiles").len(), 1, "refusals add nothing");

    let tpa = exchange.add_desk(&console, "Swift TPA", "agency.tpa").await.expect("TPA desk added");
    assert_eq!(tpa.participant_code, "swift-tpa@sandbox", "the code is read from the name");
    assert_eq!(tpa.roles, ["agency.tpa"], "the desk has the role asked for");
    let twin = exchange.add_desk(&console, "Swift TPA", "payor").await.expect("second desk");
    assert_eq!(
        twin.participant_code, "swift-tpa-2@sandbox",
        "a second desk of the same name is a second participant, not a takeover of the first"
    );
    assert_eq!(
        console.active_profile().await.expect("active").id,
        clinic.id,
        "adding a desk does not move the clerk off the profile they work as"
    );
    let offered = console.list_counterparties(Some("swift")).await.expect("registry search");
    assert!(
        offered.iter().any(|c| c.code == tpa.participant_code),
        "the clinic finds the new TPA in the registry: {offered:?}"
    );

    console.recover_outbox().expect("recover");
    let worker = console.start_outbox_worker();
    let options = || PollerOptions { wait: Duration::from_secs(2), ..PollerOptions::default() };
    let pollers = [&clinic.id, &tpa.id].map(|id| {
        console.start_bridge_poller_with(id, options()).expect("poller").expect("bridge")
    });

    let sent = console.send_compose(demo_preauth(&tpa.participant_code, None)).await.expect("sent");
    console.use_profile(&tpa.id).await.expect("switch to the TPA desk");
    let deadline = tokio::time::Instant::now() + WAIT;
    while !console
        .tpa_inbox()
        .await
        .expect("inbox")
        .iter()
        .any(|t| t.correlation_id == sent.correlation_id)
    {
        assert!(tokio::time::Instant::now() < deadline, "the clinic's preauth reaches the TPA");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    console
        .decide(DecisionForm {
            correlation_id: sent.correlation_id.clone(),
            outcome: "approve".into(),
            items: Vec::new(),
            reasons: Vec::new(),
            note: None,
        })
        .await
        .expect("approval queued");

    console.use_profile(&clinic.id).await.expect("back to the clinic");
    let done = wait_for_state(&console, &sent.correlation_id, &["complete"], WAIT)
        .await
        .expect("the TPA's approval reaches the clinic");
    assert!(
        done.thread.approved.is_some() && done.thread.approved == done.thread.requested,
        "an approval in full pays what was asked: {:?} of {:?}",
        done.thread.approved,
        done.thread.requested
    );
    assert_eq!(
        done.thread.counterparty, tpa.participant_code,
        "the clinic's cycle is with the TPA"
    );

    for p in pollers {
        p.stop().await;
    }
    worker.stop().await;
    exchange.shutdown().await;
}
