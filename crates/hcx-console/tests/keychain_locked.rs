//! A locked keychain loses nothing (issue 12 §3): while the Secret Service collection is
//! locked, a request to the clinic stays unacknowledged on the bridge, nothing is stored and
//! nothing is sent back to its sender, and the status says to unlock the keychain; once the
//! keychain is unlocked the request is read and applied.
//!
//! This is its own test binary because it locks the session's keychain, which every other
//! keychain test would trip over. It replaces the session's gnome-keyring daemon with one whose
//! login keyring it created (under `$HOME`, with a password it knows), so that it can unlock it
//! again; it therefore refuses to run on a desktop's own session bus.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{WAIT, world};
use hcx_console::dto::BridgeStatus;
use hcx_keys::{KeychainStore, SecretKind, SecretStore};
use hcx_protocol::{Action, Dialect, Headers, payload_body, seal};
use hcx_store::{OutboxState, Store};
use serde_json::json;

const KEYRING_PASSWORD: &str = "hcx-locked-keychain-test";

/// (Re)starts the session's Secret Service with our login keyring, unlocked.
fn start_unlocked_daemon(keyring_home: &std::path::Path) {
    let mut child = Command::new("gnome-keyring-daemon")
        .args(["--replace", "--unlock", "--components=secrets"])
        .env("HOME", keyring_home)
        .env_remove("XDG_DATA_HOME")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(KEYRING_PASSWORD.as_bytes())
        .expect("password written");
    let status = child.wait().expect("daemon start finishes");
    assert!(status.success(), "gnome-keyring-daemon --replace --unlock succeeds: {status}");
}

/// Locks the login collection over D-Bus, as the screen locker or a timeout would.
fn lock_keychain() {
    let out = Command::new("gdbus")
        .args([
            "call",
            "--session",
            "--dest",
            "org.freedesktop.secrets",
            "--object-path",
            "/org/freedesktop/secrets",
            "--method",
            "org.freedesktop.Secret.Service.Lock",
            "[objectpath '/org/freedesktop/secrets/collection/login']",
        ])
        .output()
        .expect("gdbus runs");
    assert!(out.status.success(), "the Secret Service locks the login collection: {out:?}");
}

/// Brings our unlocked daemon up and waits until the keychain answers. Replacing the daemon
/// leaves a moment in which nobody owns the Secret Service name; a client calling then (the
/// console re-probes a failed keychain every second) makes D-Bus activate a fresh daemon whose
/// login keyring is locked, and that one keeps the name. So replace again until a probe works.
async fn unlock(keyring_home: &std::path::Path) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        start_unlocked_daemon(keyring_home);
        let probe_id = format!("{}-{}", hcx_keys::TEST_APP_ID, uuid::Uuid::new_v4().simple());
        let settle = tokio::time::Instant::now() + Duration::from_secs(3);
        while tokio::time::Instant::now() < settle {
            if KeychainStore::new(&probe_id).probe().is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(tokio::time::Instant::now() < deadline, "our unlocked Secret Service answers");
    }
}

async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "replaces the session's keyring daemon: scripts/test runs it alone, in a D-Bus session of its own"]
async fn a_locked_keychain_keeps_the_envelope_unacked_and_answers_nothing_until_unlocked() {
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
    assert!(
        !bus.is_empty() && !bus.contains("/run/user/"),
        "this test replaces the session's keyring daemon; run it in a private session bus \
         (scripts/test, or dbus-run-session), not on a desktop session ({bus:?})"
    );
    let home = std::env::var("HOME").expect("HOME");
    let keyring_home =
        std::path::Path::new(&home).join(format!("hcx-locked-keyring-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&keyring_home).expect("keyring home");
    unlock(&keyring_home).await;

    let w = world(|_| {}).await;
    let correlation = w.open_preauth().await;
    let before = w.thread(&correlation).await.thread.state;
    let payer_mailbox = w.exchange.bridge.pending(&w.payer).await.expect("payer mailbox");
    // The payer's token is fetched now; it is held in memory, not in the keychain.
    let request = w.request_headers(&correlation).await;

    lock_keychain();
    let store = KeychainStore::new(&w.app_id);
    until("the keychain refuses reads once locked", async || {
        store.get(&w.clinic, SecretKind::PrivateKey).is_err()
    })
    .await;

    // The payer asks a question about the preauth: a request, which would be answered with
    // an error if we (wrongly) took the locked keychain for a message we cannot decrypt.
    let headers = Headers::action(
        &w.payer,
        "poison-clinic@sandbox",
        &correlation,
        request.workflow_id(),
        Dialect::Swasth,
    );
    let question = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:q", "resource": {"resourceType": "CommunicationRequest",
         "id": "q", "status": "active",
         "payload": [{"contentString": "Please send the discharge summary"}]}}
    ]});
    let body = payload_body(
        &seal(&headers, question.to_string().as_bytes(), &w.clinic_key).expect("seal"),
    );
    w.payer_client
        .send_raw(Action::CommunicationRequest, body.as_bytes())
        .await
        .expect("the gateway takes the payer's question");
    let question_id = headers.api_call_id().expect("id").to_owned();

    until(
        "the question reaches the clinic's mailbox and the status asks for the keychain",
        async || {
            w.clinic_pending().await >= 1
                && matches!(
                    w.console.app_status().await.map(|s| s.bridge),
                    Ok(BridgeStatus::KeychainLocked { .. })
                )
        },
    )
    .await;
    let status = w.console.app_status().await.expect("status").bridge;
    let BridgeStatus::KeychainLocked { message, .. } = status else {
        panic!("the status names the keychain: {status:?}")
    };
    assert!(message.contains("Unlock your keychain"), "the clerk is told what to do: {message}");
    // A few more poll rounds: the poller keeps retrying and still acks nothing.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(w.clinic_pending().await >= 1, "the question stays unacknowledged while locked");
    let detail = w.thread(&correlation).await;
    assert!(
        detail.timeline.iter().all(|n| n.api_call_id != question_id),
        "nothing is stored while the keychain is locked"
    );
    assert_eq!(detail.thread.state, before, "the cycle has not moved");
    let db = Store::open(w.console.database_path()).expect("second connection");
    for state in [OutboxState::Queued, OutboxState::Sending, OutboxState::Failed] {
        assert!(
            db.read().list_outbox(&w.clinic, Some(state)).expect("outbox").is_empty(),
            "no answer to the payer is queued ({state:?})"
        );
    }
    assert_eq!(
        w.exchange.bridge.pending(&w.payer).await.expect("payer mailbox"),
        payer_mailbox,
        "nothing reached the payer's mailbox"
    );

    unlock(&keyring_home).await;
    let detail = hcx_console::demo::wait_for_state(&w.console, &correlation, &["query"], WAIT)
        .await
        .expect("after unlocking, the question is read and applied");
    assert!(
        detail.timeline.iter().any(|n| n.api_call_id == question_id && n.kind == "query"),
        "the question is on the timeline"
    );
    until("the question is acked", async || w.clinic_pending().await == 0).await;
    until("the status no longer asks for the keychain", async || {
        !matches!(
            w.console.app_status().await.map(|s| s.bridge),
            Ok(BridgeStatus::KeychainLocked { .. })
        )
    })
    .await;
}
