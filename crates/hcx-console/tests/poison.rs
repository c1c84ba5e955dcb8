//! No envelope can stop a mailbox (issue 12 §3), over the embedded sandbox and bridge with real
//! JWE, SQLite and the keychain: content that cannot be read lands as "Could not read" on its
//! cycle and moves nothing, and the good callback behind it is applied; an envelope whose
//! handling fails every time is dead-lettered after N tries (the count survives a restart of
//! the poller) and the one behind it is applied; "Try again" reads a dead letter again.

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::{WAIT, World, approval, fast_poll, world};
use hcx_console::demo::wait_for_state;
use hcx_console::dto::BridgeStatus;
use hcx_protocol::Status;

/// Two items whose benefit sums overflow exact decimals (the issue's example).
fn overflowing() -> String {
    let max = "79228162514264337593543950335";
    format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[{{"resource":{{
        "resourceType":"ClaimResponse","outcome":"complete","item":[
        {{"itemSequence":1,"adjudication":[{{"category":{{"coding":[{{"code":"benefit"}}]}},
          "amount":{{"value":{max},"currency":"INR"}}}}]}},
        {{"itemSequence":2,"adjudication":[{{"category":{{"coding":[{{"code":"benefit"}}]}},
          "amount":{{"value":{max},"currency":"INR"}}}}]}}]}}}}]}}"#
    )
}

fn negative() -> String {
    approval("-500").to_string()
}

/// A payload nested 100,000 levels deep.
fn deep() -> String {
    let depth = 100_000;
    format!(
        r#"{{"resourceType":"ClaimResponse","outcome":"complete","extension":{}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

async fn assert_poison_then_good(w: &World, what: &str, poison: &str) {
    let correlation = w.open_preauth().await;
    let before = w.thread(&correlation).await.thread.state;
    // An interim answer, so the gateway keeps the cycle open for the final one behind it.
    let bad = w.answer_with(&correlation, Status::ResponsePartial, poison.as_bytes()).await;
    let node = w.wait_for_node(&correlation, &bad).await;
    assert_eq!(node.kind, "unreadable", "{what}: the callback is kept, marked unreadable");
    assert!(
        node.headline.starts_with("Could not read: "),
        "{what}: the timeline says why it could not be read: {:?}",
        node.headline
    );
    assert_eq!(
        w.thread(&correlation).await.thread.state,
        before,
        "{what}: an unreadable answer does not move the cycle"
    );

    let good = w.answer(&correlation, approval("1000").to_string().as_bytes()).await;
    let detail = wait_for_state(&w.console, &correlation, &["complete"], WAIT)
        .await
        .unwrap_or_else(|e| panic!("{what}: the good callback behind it is applied: {e}"));
    assert!(
        detail.timeline.iter().any(|n| n.api_call_id == good && n.kind == "complete"),
        "{what}: the approval is on the timeline after the unreadable one"
    );
    assert_eq!(
        detail.thread.approved.as_deref().and_then(|a| a.parse::<f64>().ok()),
        Some(1000.0),
        "{what}: the approved amount comes from the good callback"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_content_lands_as_could_not_read_and_the_mailbox_moves_on() {
    let w = world(|_| {}).await;
    assert_poison_then_good(&w, "overflowing sums", &overflowing()).await;
    assert_poison_then_good(&w, "a negative amount", &negative()).await;
    assert_poison_then_good(&w, "100,000 levels of nesting", &deep()).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while w.clinic_pending().await != 0 {
        assert!(tokio::time::Instant::now() < deadline, "every envelope is acked");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = w.poller.as_ref().expect("poller").status();
    assert!(
        matches!(status, BridgeStatus::Connected | BridgeStatus::Connecting),
        "the poller is still running: {status:?}"
    );
    assert!(
        w.console.list_dead_letters().await.expect("dead letters").is_empty(),
        "unreadable content is stored on its cycle, not dead-lettered"
    );
}

/// api_call_ids whose handling the fault hook makes panic, and how often it did.
static POISONED: Mutex<Vec<String>> = Mutex::new(Vec::new());
static PANICS: AtomicU32 = AtomicU32::new(0);

fn fault(envelope: &hcx_bridge::Envelope) {
    let poisoned = POISONED.lock().map(|p| p.contains(&envelope.api_call_id)).unwrap_or(false);
    if poisoned {
        PANICS.fetch_add(1, Ordering::SeqCst);
        panic!("injected handler failure for {}", envelope.api_call_id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_always_fails_is_dead_lettered_after_n_tries_and_the_next_is_applied() {
    let mut w = world(|o| {
        o.dead_letter_after = 3;
        o.ingest_fault = Some(fault);
    })
    .await;
    let stuck = w.open_preauth().await;
    let next = w.open_preauth().await;

    // Stop the poller so both callbacks are queued behind each other on the bridge.
    w.poller.take().expect("poller").stop().await;
    let request = w.request_headers(&stuck).await;
    let headers =
        hcx_protocol::Headers::callback_to(&request, hcx_protocol::Status::ResponseComplete);
    let poison_id = headers.api_call_id().expect("id").to_owned();
    POISONED.lock().expect("lock").push(poison_id.clone());
    let body = hcx_protocol::payload_body(
        &hcx_protocol::seal(&headers, approval("1000").to_string().as_bytes(), &w.clinic_key)
            .expect("seal"),
    );
    w.payer_client
        .send_raw(hcx_console::Action::PreauthOnSubmit, body.as_bytes())
        .await
        .expect("the gateway takes the callback");
    w.answer(&next, approval("2000").to_string().as_bytes()).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while w.clinic_pending().await < 2 {
        assert!(tokio::time::Instant::now() < deadline, "both callbacks reach the mailbox");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // First poller: runs until the poison envelope failed at least once, then stops (a
    // restart of the app). The count is in the database, so the next poller continues it.
    let first = w
        .console
        .start_bridge_poller_with(&w.clinic, fast_poll())
        .expect("poller")
        .expect("bridge");
    let deadline = tokio::time::Instant::now() + WAIT;
    while PANICS.load(Ordering::SeqCst) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the poison envelope is tried");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.stop().await;
    let after_first = PANICS.load(Ordering::SeqCst);
    assert!(after_first < 3, "the first poller was stopped before the limit ({after_first})");

    w.poller = Some(
        w.console
            .start_bridge_poller_with(&w.clinic, fast_poll())
            .expect("poller")
            .expect("bridge"),
    );
    let detail = wait_for_state(&w.console, &next, &["complete"], WAIT)
        .await
        .expect("the callback behind the dead letter is applied");
    assert_eq!(detail.thread.state, "complete", "the next cycle moved on");
    assert_eq!(
        PANICS.load(Ordering::SeqCst),
        3,
        "the poison envelope was tried exactly N = 3 times across both pollers"
    );
    let letters = w.console.list_dead_letters().await.expect("dead letters");
    assert_eq!(letters.len(), 1, "the failing envelope is parked: {letters:?}");
    let letter = &letters[0];
    assert_eq!(letter.api_call_id.as_deref(), Some(poison_id.as_str()), "it is the poison one");
    assert_eq!(letter.attempts, 3, "with its attempt count");
    assert!(
        letter.error.contains("injected handler failure"),
        "with the error the app shows: {}",
        letter.error
    );
    assert_eq!(
        letter.correlation_id.as_deref(),
        Some(stuck.as_str()),
        "naming the cycle it belongs to"
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    while w.clinic_pending().await != 0 {
        assert!(tokio::time::Instant::now() < deadline, "the dead letter is acked too");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ne!(w.thread(&stuck).await.thread.state, "complete", "a dead letter moved nothing");

    // "Try again" reads the stored body (the fault hook only guards the poller's path).
    w.console.retry_dead_letter(letter.id).await.expect("try again");
    let detail = wait_for_state(&w.console, &stuck, &["complete"], WAIT)
        .await
        .expect("the retried dead letter is applied");
    assert_eq!(detail.thread.state, "complete", "the retry moved its cycle");
    assert!(
        w.console.list_dead_letters().await.expect("dead letters").is_empty(),
        "a dead letter that went through leaves the list"
    );
}
