//! The console as a TPA desk: the sandbox's demo provider sends a preauth, the console answers
//! with a partial approval, and the demo provider receives it.

use std::time::Duration;

use hcx_console::PollerOptions;
use hcx_console::demo::LocalExchange;
use hcx_console::dto::{DecisionForm, ItemDecision};
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
    console.recover_outbox().expect("recover");
    let worker = console.start_outbox_worker();
    let poller = console
        .start_bridge_poller_with(
            &profile.id,
            PollerOptions { wait: Duration::from_secs(2), ..PollerOptions::default() },
        )
        .expect("poller")
        .expect("bridge configured");

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
