//! Who may fill a mailbox (only the gateway, proven by its RS256 JWT) and who may read it (only
//! the holder of that participant's token).

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::*;
use hcx_bridge::{BridgeError, MailboxClient, MailboxToken};

const ALICE: &str = "1-provider-alice";
const BOB: &str = "1-provider-bob";
const ALICE_TOKEN: &str = "alice-token-3f9a0c1d";
const BOB_TOKEN: &str = "bob-token-77e1b2aa";

#[tokio::test]
async fn mailbox_tokens_are_per_participant_and_failures_reveal_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let bridge =
        start_bridge(dir.path(), &[(ALICE, ALICE_TOKEN), (BOB, BOB_TOKEN)], &gw, |_| {}).await;
    let http = reqwest::Client::new();
    let key = participant_key();
    let msg = jwe_callback(&key, ALICE);
    let url = format!("{}/claim/on_submit", bridge.endpoint_url(ALICE));
    let (status, _) = post(&http, &url, Some(&gw.jwt()), &msg.body).await;
    assert_eq!(status, 202, "alice has mail");

    let mailbox = format!("{}/mailbox/{ALICE}", bridge.base_url());
    let cases: [(Option<&str>, &str); 4] = [
        (None, "no token"),
        (Some("wrong-token"), "a wrong token"),
        (Some(BOB_TOKEN), "another participant's valid token"),
        (Some(""), "an empty bearer"),
    ];
    for (token, why) in cases {
        for (method, u) in [("GET", mailbox.clone()), ("POST", format!("{mailbox}/ack"))] {
            let mut req = if method == "GET" {
                http.get(&u)
            } else {
                http.post(&u).json(&serde_json::json!({"cursor": 999}))
            };
            if let Some(t) = token {
                req = req.header("authorization", format!("Bearer {t}"));
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 401, "{method} with {why} is refused");
            let text = resp.text().await.unwrap();
            assert!(
                !text.contains(&msg.api_call_id)
                    && !text.contains("envelopes")
                    && !text.contains("payload"),
                "{method} with {why} must not leak mailbox data: {text}"
            );
        }
    }
    let unknown = format!("{}/mailbox/1-nobody", bridge.base_url());
    let resp = http.get(&unknown).bearer_auth(ALICE_TOKEN).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401, "an unknown mailbox answers like a wrong token");

    // Bob's token on Bob's mailbox works and sees nothing of Alice's.
    let bob = MailboxClient::new(bridge.base_url(), BOB, MailboxToken::new(BOB_TOKEN)).unwrap();
    assert!(bob.poll(None, Duration::ZERO, 10).await.unwrap().is_empty(), "bob's mailbox is empty");
    let wrong = MailboxClient::new(bridge.base_url(), ALICE, MailboxToken::new(BOB_TOKEN)).unwrap();
    assert!(
        matches!(wrong.poll(None, Duration::ZERO, 10).await, Err(BridgeError::Unauthorized)),
        "the client reports 401 as Unauthorized"
    );
    assert_eq!(bridge.pending(ALICE).await.unwrap(), 1, "the refused ack released nothing");
    let alice =
        MailboxClient::new(bridge.base_url(), ALICE, MailboxToken::new(ALICE_TOKEN)).unwrap();
    let got = alice.poll(None, Duration::ZERO, 10).await.unwrap();
    assert_eq!(got.len(), 1, "alice's own token reads her mailbox");
    bridge.shutdown().await.unwrap();
}

#[tokio::test]
async fn callbacks_need_a_valid_gateway_jwt() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let impostor = Gateway::new();
    let bridge = start_bridge(dir.path(), &[(ALICE, ALICE_TOKEN)], &gw, |_| {}).await;
    let http = reqwest::Client::new();
    let key = participant_key();
    let url = format!("{}/claim/on_submit", bridge.endpoint_url(ALICE));
    let bare = format!("{}/claim/on_submit", bridge.base_url());
    let msg = jwe_callback(&key, ALICE);

    let expired = gw.expired_jwt();
    let forged = impostor.jwt();
    let garbage = "not.a.jwt".to_owned();
    for target in [&url, &bare] {
        for (jwt, why) in [
            (None, "no bearer token"),
            (Some(&expired), "an expired JWT"),
            (Some(&forged), "a JWT signed by another key"),
            (Some(&garbage), "a malformed JWT"),
        ] {
            let (status, err) = post(&http, target, jwt.map(String::as_str), &msg.body).await;
            assert_eq!(status, 401, "{why} on {target} is refused");
            assert_eq!(err["error"]["code"], "ERR_ACCESS_DENIED", "{why}: {err}");
        }
    }
    assert_eq!(bridge.pending(ALICE).await.unwrap(), 0, "nothing unauthenticated was stored");
    let (status, _) = post(&http, &url, Some(&gw.jwt()), &msg.body).await;
    assert_eq!(status, 202, "the real gateway's JWT is accepted");
    bridge.shutdown().await.unwrap();
}

#[test]
fn a_participant_without_gateway_cert_is_refused_unless_dev_mode() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = hcx_bridge::BridgeConfig::new(dir.path());
        cfg.participants = vec![hcx_bridge::ParticipantConfig::new(ALICE, ALICE_TOKEN, None)];
        let err = hcx_bridge::Bridge::start(cfg).await.unwrap_err();
        assert!(
            matches!(err, BridgeError::Config(_)),
            "verification cannot be skipped by just leaving the certificate out: {err}"
        );
    });
}

/// Captured log lines of this test binary (the bridge runs in-process).
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = Capture(Arc::clone(&buf));
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .init();
        buf
    })
}

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);
impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn dev_mode_accepts_without_jwt_and_warns_on_every_request() {
    let logs = logs();
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let bridge = start_bridge(dir.path(), &[], &gw, |c| c.insecure_skip_gateway_jwt = true).await;
    bridge.add_participant(ALICE, ALICE_TOKEN, None).expect("dev mode allows no gateway cert");
    let http = reqwest::Client::new();
    let key = participant_key();
    let url = format!("{}/claim/on_submit", bridge.endpoint_url(ALICE));
    let count = || {
        String::from_utf8_lossy(&logs.lock().unwrap())
            .matches("gateway JWT verification is switched off")
            .count()
    };
    let before = count();
    for _ in 0..3 {
        let (status, _) = post(&http, &url, None, &jwe_callback(&key, ALICE).body).await;
        assert_eq!(status, 202, "dev mode accepts callbacks without a JWT");
    }
    assert_eq!(count() - before, 3, "a warning is logged for EVERY unauthenticated request");
    bridge.shutdown().await.unwrap();
}

#[tokio::test]
async fn plain_http_on_a_non_loopback_address_warns_loudly() {
    let logs = logs();
    let marker = "serving PLAIN HTTP";
    let count = || String::from_utf8_lossy(&logs.lock().unwrap()).matches(marker).count();
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let before = count();
    let local = start_bridge(&dir.path().join("a"), &[], &gw, |_| {}).await;
    assert_eq!(count(), before, "loopback plain HTTP (embedded use) is not warned about");
    local.shutdown().await.unwrap();
    // Bound for a moment only, to see the warning; the test sends nothing to it.
    let open = start_bridge(&dir.path().join("b"), &[], &gw, |c| {
        c.bind = "0.0.0.0:0".parse().unwrap();
    })
    .await;
    assert_eq!(count(), before + 1, "plain HTTP on all interfaces is warned about at start");
    open.shutdown().await.unwrap();
}
