//! The console-side poller: state reporting, back-off while the bridge is away, at-least-once
//! delivery (ack only after the handler succeeded), and stop-on-drop.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use hcx_bridge::client::{PollerOptions, PollerState, spawn_poller};
use hcx_bridge::{BridgeHandle, MailboxClient, MailboxToken};
use tokio::sync::watch;

const PROVIDER: &str = "1-provider-poll";
const TOKEN: &str = "poller-token-a1b2c3";

fn fast() -> PollerOptions {
    PollerOptions {
        wait: Duration::from_secs(2),
        limit: 10,
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
    }
}

/// A bridge serving PROVIDER whose mailbox already holds two callbacks, in this order.
async fn bridge_holding_two_callbacks(dir: &std::path::Path) -> (BridgeHandle, [Msg; 2]) {
    let gw = Gateway::new();
    let bridge = start_bridge(dir, &[(PROVIDER, TOKEN)], &gw, |_| {}).await;
    let key = participant_key();
    let url = format!("{}/claim/on_submit", bridge.endpoint_url(PROVIDER));
    let http = reqwest::Client::new();
    let msgs = [jwe_callback(&key, PROVIDER), jwe_callback(&key, PROVIDER)];
    for m in &msgs {
        let (status, _) = post(&http, &url, Some(&gw.jwt()), &m.body).await;
        assert_eq!(status, 202, "callback accepted");
    }
    (bridge, msgs)
}

async fn wait_for(
    rx: &mut watch::Receiver<PollerState>,
    what: &str,
    pred: impl Fn(&PollerState) -> bool,
) -> PollerState {
    let peek = rx.clone();
    let r = tokio::time::timeout(Duration::from_secs(20), rx.wait_for(|s| pred(s)))
        .await
        .unwrap_or_else(|_| panic!("poller never reached {what}; last state {:?}", peek.borrow()));
    r.expect("poller state channel open").clone()
}

#[tokio::test]
async fn backs_off_while_the_bridge_is_down_then_connects_and_delivers() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let client = MailboxClient::new(&base, PROVIDER, MailboxToken::new(TOKEN)).unwrap();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let handle = spawn_poller(client, fast(), move |env| {
        let sink = Arc::clone(&sink);
        async move {
            sink.lock().unwrap().push(env.api_call_id);
            Ok::<(), String>(())
        }
    });
    let mut rx = handle.state();
    let s = wait_for(&mut rx, "BackingOff", |s| matches!(s, PollerState::BackingOff { .. })).await;
    let PollerState::BackingOff { attempt, last_error, until } = s else { unreachable!() };
    assert!(attempt >= 1, "attempts are counted from 1");
    assert!(last_error.contains("poll"), "the UI is told what failed: {last_error}");
    assert!(
        until > chrono::Utc::now() - chrono::Duration::seconds(5),
        "until is a near-future UTC time"
    );

    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let bridge = start_bridge(dir.path(), &[(PROVIDER, TOKEN)], &gw, |c| {
        c.bind = format!("127.0.0.1:{port}").parse().unwrap();
    })
    .await;
    wait_for(&mut rx, "Connected", |s| *s == PollerState::Connected).await;

    let key = participant_key();
    let msg = jwe_callback(&key, PROVIDER);
    let url = format!("{}/claim/on_submit", bridge.endpoint_url(PROVIDER));
    let (status, _) = post(&reqwest::Client::new(), &url, Some(&gw.jwt()), &msg.body).await;
    assert_eq!(status, 202, "callback accepted");
    for _ in 0..200 {
        if bridge.pending(PROVIDER).await.unwrap() == 0 && !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(*seen.lock().unwrap(), vec![msg.api_call_id], "the handler got the callback once");
    assert_eq!(
        bridge.pending(PROVIDER).await.unwrap(),
        0,
        "after the handler succeeded it was acked"
    );

    drop(handle);
    wait_for(&mut rx, "Stopped", |s| *s == PollerState::Stopped).await;
    bridge.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_failing_handler_is_retried_and_nothing_is_acked_before_success() {
    let dir = tempfile::tempdir().unwrap();
    let (bridge, [first, second]) = bridge_holding_two_callbacks(dir.path()).await;

    // The handler fails on its first two calls (a console whose database is busy, say).
    let calls: Arc<Mutex<Vec<String>>> = Arc::default();
    let (gate_tx, gate_rx) = watch::channel(false);
    let sink = Arc::clone(&calls);
    let client = MailboxClient::new(bridge.base_url(), PROVIDER, MailboxToken::new(TOKEN)).unwrap();
    let handle = spawn_poller(client, fast(), move |env| {
        let sink = Arc::clone(&sink);
        let gate = gate_rx.clone();
        async move {
            let n = {
                let mut v = sink.lock().unwrap();
                v.push(env.api_call_id.clone());
                v.len()
            };
            if n <= 2 || !*gate.borrow() { Err(format!("console busy (call {n})")) } else { Ok(()) }
        }
    });
    let mut rx = handle.state();
    let s = wait_for(&mut rx, "BackingOff after handler error", |s| {
        matches!(s, PollerState::BackingOff { last_error, .. } if last_error.contains("console busy"))
    })
    .await;
    assert!(matches!(s, PollerState::BackingOff { .. }), "a handler error backs off");
    assert_eq!(
        bridge.pending(PROVIDER).await.unwrap(),
        2,
        "nothing is acked while the handler fails"
    );

    gate_tx.send_replace(true);
    for _ in 0..200 {
        if bridge.pending(PROVIDER).await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        bridge.pending(PROVIDER).await.unwrap(),
        0,
        "both are acked once the handler succeeds"
    );
    let calls = calls.lock().unwrap().clone();
    assert!(
        calls.iter().all(|c| *c == first.api_call_id || *c == second.api_call_id),
        "only real envelopes"
    );
    let last_two = &calls[calls.len() - 2..];
    assert_eq!(
        last_two,
        [first.api_call_id.clone(), second.api_call_id.clone()],
        "after the failures the same envelopes are offered again, in order (at-least-once)"
    );
    assert!(
        calls.len() >= 4,
        "the failed envelope was offered again rather than skipped: {calls:?}"
    );
    handle.stop().await;
    bridge.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_panicking_handler_does_not_end_the_poller() {
    let dir = tempfile::tempdir().unwrap();
    let (bridge, [poison, good]) = bridge_holding_two_callbacks(dir.path()).await;

    // The handler panics the first two times it sees the poison envelope (an arithmetic
    // overflow deep in a parser, say), then handles it.
    let calls: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&calls);
    let poison_id = poison.api_call_id.clone();
    let client = MailboxClient::new(bridge.base_url(), PROVIDER, MailboxToken::new(TOKEN)).unwrap();
    let handle = spawn_poller(client, fast(), move |env| {
        let sink = Arc::clone(&sink);
        let poison_id = poison_id.clone();
        async move {
            let n = {
                let mut v = sink.lock().unwrap();
                v.push(env.api_call_id.clone());
                v.iter().filter(|c| **c == poison_id).count()
            };
            assert!(!(env.api_call_id == poison_id && n <= 2), "poison envelope (call {n})");
            Ok::<(), String>(())
        }
    });
    let mut rx = handle.state();
    let s = wait_for(&mut rx, "BackingOff after the panic", |s| {
        matches!(s, PollerState::BackingOff { last_error, .. } if last_error.contains("panicked"))
    })
    .await;
    assert!(matches!(s, PollerState::BackingOff { .. }), "a panic is a failed attempt");
    for _ in 0..200 {
        if bridge.pending(PROVIDER).await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        bridge.pending(PROVIDER).await.unwrap(),
        0,
        "the poller outlived the panics and delivered both envelopes"
    );
    let calls = calls.lock().unwrap().clone();
    assert_eq!(
        calls.last(),
        Some(&good.api_call_id),
        "the envelope behind the poison one is delivered after it: {calls:?}"
    );
    handle.stop().await;
    bridge.shutdown().await.unwrap();
}
