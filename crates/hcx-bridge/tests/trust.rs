//! The bridge's trust boundary over real loopback HTTP: only a short-lived dispatch token of
//! the configured HCX opens a mailbox (never a participant's login token, even one signed by
//! the same key), authentication happens before the body is read on every route, and load
//! limits (requests in flight, mailbox quota, source allow-list) refuse without losing anything.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use common::*;
use hcx_bridge::{BridgeHandle, GatewayTrust, MailboxClient, MailboxToken, ParticipantConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CLINIC: &str = "1-clinic-victim";
const TOKEN: &str = "clinic-mailbox-token";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn mailbox(bridge: &BridgeHandle, code: &str, token: &str) -> MailboxClient {
    MailboxClient::new(bridge.base_url(), code, MailboxToken::new(token)).unwrap()
}

/// Everything waiting in the mailbox, read the way the console reads it.
async fn drain_view(bridge: &BridgeHandle, code: &str, token: &str) -> Vec<hcx_bridge::Envelope> {
    mailbox(bridge, code, token).poll(None, Duration::ZERO, 1000).await.unwrap()
}

#[tokio::test]
async fn a_participants_own_login_token_from_a_real_sandbox_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox =
        hcx_sandbox::Sandbox::start(hcx_sandbox::SandboxConfig::for_tests(dir.path().join("sb")))
            .await
            .unwrap();
    let http = reqwest::Client::new();
    let hcx_code = sandbox.hcx_code().to_owned();
    let cert = http
        .get(format!("{}/certs/{hcx_code}/encryption_cert.pem", sandbox.origin()))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .expect("the sandbox publishes its HCX certificate")
        .text()
        .await
        .unwrap();
    let provider = sandbox.participant(hcx_sandbox::DemoKind::Provider).unwrap().clone();
    let login: serde_json::Value = http
        .post(format!("{}/v0.8/participant/auth/token/generate", sandbox.base_url()))
        .form(&[("username", provider.username.as_str()), ("password", provider.password.expose())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let login_token = login["access_token"].as_str().expect("the provider logs in").to_owned();

    let bridge = {
        let mut cfg = hcx_bridge::BridgeConfig::new(dir.path().join("bridge"));
        cfg.rate_limit = None;
        cfg.participants =
            vec![ParticipantConfig::new(CLINIC, TOKEN, Some(GatewayTrust::new(&hcx_code, &cert)))];
        hcx_bridge::Bridge::start(cfg).await.unwrap()
    };
    // The attack: the provider seals a fake payer callback to the clinic's public key and
    // posts it with its own login token, which the HCX key signed.
    let msg = jwe_callback(&participant_key(), CLINIC);
    for url in [
        format!("{}/preauth/on_submit", bridge.endpoint_url(CLINIC)),
        format!("{}/preauth/on_submit", bridge.base_url()),
    ] {
        let (status, err) = post(&http, &url, Some(&login_token), &msg.body).await;
        assert_eq!(status, 401, "a participant's login token must not open a mailbox ({url})");
        assert_eq!(err["error"]["code"], "ERR_ACCESS_DENIED", "refused as access denied: {err}");
        let why = err["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !why.contains("signature"),
            "the login token is signed by the HCX key, so it must be refused for what it is, \
             not for its signature: {why}"
        );
    }
    assert!(
        drain_view(&bridge, CLINIC, TOKEN).await.is_empty(),
        "nothing from the login token reached the clinic's mailbox"
    );
    bridge.shutdown().await.unwrap();
    sandbox.shutdown().await;
}

#[tokio::test]
async fn tokens_breaking_any_rule_are_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let bridge = start_bridge(dir.path(), &[(CLINIC, TOKEN)], &gw, |_| {}).await;
    let http = reqwest::Client::new();
    let key = participant_key();
    let url = format!("{}/claim/on_submit", bridge.endpoint_url(CLINIC));
    let bare = format!("{}/claim/on_submit", bridge.base_url());
    let t = now();
    let claims = |iss: &str, sub: &str, iat: i64, exp: i64| {
        serde_json::json!({"jti": uuid::Uuid::new_v4().to_string(), "iss": iss, "sub": sub,
            "iat": iat, "exp": exp})
    };
    let mut participant_claims = claims(HCX_CODE, HCX_CODE, t, t + 120);
    participant_claims["participant_code"] = CLINIC.into();
    participant_claims["realm_access"] = serde_json::json!({"roles": ["provider"]});
    let cases = [
        (
            gw.sign(claims(HCX_CODE, HCX_CODE, t - 300, t - 180)),
            "a dispatch token replayed after its life",
        ),
        (gw.sign(claims("hcx-somebody-else", HCX_CODE, t, t + 120)), "a wrong issuer"),
        (gw.sign(claims(HCX_CODE, "1-provider-0001", t, t + 120)), "a wrong subject"),
        (gw.sign(claims(HCX_CODE, HCX_CODE, t, t + 86_400)), "a lifetime over the limit"),
        (gw.sign(participant_claims), "participant claims"),
        (gw.sign(serde_json::json!({"iss": HCX_CODE, "sub": HCX_CODE, "exp": t + 60})), "no iat"),
    ];
    for (jwt, why) in &cases {
        for target in [&url, &bare] {
            let msg = jwe_callback(&key, CLINIC);
            let (status, err) = post(&http, target, Some(jwt), &msg.body).await;
            assert_eq!(status, 401, "{why} on {target} must be refused: {err}");
            assert_eq!(err["error"]["code"], "ERR_ACCESS_DENIED", "{why}: {err}");
        }
    }
    assert!(drain_view(&bridge, CLINIC, TOKEN).await.is_empty(), "no refused callback was stored");
    let (status, _) = post(&http, &url, Some(&gw.jwt()), &jwe_callback(&key, CLINIC).body).await;
    assert_eq!(status, 202, "the same bridge takes a genuine short-lived dispatch token");
    bridge.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_lifetime_limit_is_per_participant() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let swasth = "1-clinic-behind-swasth";
    let bridge = start_bridge(dir.path(), &[(CLINIC, TOKEN)], &gw, |c| {
        let mut p = ParticipantConfig::new(swasth, TOKEN, Some(gw.trust()));
        p.max_token_lifetime = Duration::from_secs(86_400);
        c.participants.push(p);
    })
    .await;
    let http = reqwest::Client::new();
    let key = participant_key();
    let t = now();
    let day = hcx_bridge::gateway_jwt::mint(&gw.private_pem, HCX_CODE, t, t + 86_400).unwrap();
    let to = |code: &str| format!("{}/claim/on_submit", bridge.endpoint_url(code));
    let (status, _) = post(&http, &to(swasth), Some(&day), &jwe_callback(&key, swasth).body).await;
    assert_eq!(status, 202, "a participant configured for 24 h tokens accepts the platform's");
    let (status, _) = post(&http, &to(CLINIC), Some(&day), &jwe_callback(&key, CLINIC).body).await;
    assert_eq!(status, 401, "the default participant still refuses a 24 h token");
    assert!(drain_view(&bridge, CLINIC, TOKEN).await.is_empty(), "nothing stored for the clinic");
    bridge.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_bare_route_needs_the_recipients_own_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let (gw_a, gw_b) = (Gateway::new(), Gateway::new());
    let other = "1-clinic-of-hcx-b";
    let bridge = start_bridge(dir.path(), &[(CLINIC, TOKEN)], &gw_a, |c| {
        c.participants.push(ParticipantConfig::new(
            other,
            TOKEN,
            Some(GatewayTrust::new("hcx-b", &gw_b.cert_pem)),
        ));
    })
    .await;
    let http = reqwest::Client::new();
    let bare = format!("{}/claim/on_submit", bridge.base_url());
    let msg = jwe_callback(&participant_key(), other);
    let (status, err) = post(&http, &bare, Some(&gw_a.jwt()), &msg.body).await;
    assert_eq!(status, 401, "HCX A's token cannot deliver into a mailbox that trusts HCX B: {err}");
    assert!(drain_view(&bridge, other, TOKEN).await.is_empty(), "nothing stored for B's clinic");
    let t = now();
    let b_token = hcx_bridge::gateway_jwt::mint(&gw_b.private_pem, "hcx-b", t, t + 120).unwrap();
    let (status, err) = post(&http, &bare, Some(&b_token), &msg.body).await;
    assert_eq!(status, 202, "HCX B's own token is accepted on the bare route: {err}");
    bridge.shutdown().await.unwrap();
}

/// Send raw HTTP `head` (plus `body_start`) and return the status code of the answer. The
/// connection is kept open while waiting, so the server cannot get an end-of-body from us.
async fn raw_status(addr: std::net::SocketAddr, head: &str, body_start: &[u8]) -> u16 {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body_start).await.unwrap();
    s.flush().await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    // Bounded: a bridge that waited for the body would never answer, and the test says so.
    let read = tokio::time::timeout(Duration::from_secs(30), async {
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    assert!(read.is_ok(), "the bridge must answer without waiting for the body");
    let text = String::from_utf8_lossy(&got);
    text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn unauthenticated_requests_are_answered_before_the_body_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let bridge = start_bridge(dir.path(), &[(CLINIC, TOKEN)], &gw, |c| {
        // Long enough that only authentication, not the read timeout, can produce the answer.
        c.body_read_timeout = Duration::from_secs(3_600);
    })
    .await;
    let addr = bridge.local_addr();
    let forged = Gateway::new().jwt();
    for path in ["/claim/on_submit".to_owned(), format!("/p/{CLINIC}/claim/on_submit")] {
        for auth in [String::new(), format!("Authorization: Bearer {forged}\r\n")] {
            let declared = format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{auth}\
                 Content-Length: 100000000\r\n\r\n"
            );
            let status = raw_status(addr, &declared, br#"{"payload":"#).await;
            assert_eq!(status, 401, "{path} with a declared 100 MB body and {auth:?}: 401 at once");
            let endless = format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{auth}\
                 Transfer-Encoding: chunked\r\n\r\n"
            );
            let status = raw_status(addr, &endless, b"10\r\n{\"payload\":\"aaaa\r\n").await;
            assert_eq!(status, 401, "{path} with a body stream that never ends: 401 at once");
        }
    }
    assert_eq!(bridge.pending(CLINIC).await.unwrap(), 0, "nothing was stored");
    bridge.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_body_that_never_finishes_gets_408_and_a_full_bridge_gets_503() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let bridge = start_bridge(dir.path(), &[(CLINIC, TOKEN)], &gw, |c| {
        c.body_read_timeout = Duration::from_secs(3);
        c.max_in_flight = 1;
    })
    .await;
    let addr = bridge.local_addr();
    let head = format!(
        "POST /p/{CLINIC}/claim/on_submit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {}\r\nContent-Length: 5000\r\n\r\n",
        gw.jwt()
    );
    // A stalled authenticated request holds the only slot until its read timeout.
    let stalled = tokio::spawn({
        let head = head.clone();
        async move { raw_status(addr, &head, br#"{"payload":"#).await }
    });
    let http = reqwest::Client::new();
    let url = format!("{}/claim/on_submit", bridge.endpoint_url(CLINIC));
    let msg = jwe_callback(&participant_key(), CLINIC);
    // Poll (bounded) until the stalled request has taken the slot.
    let mut busy = None;
    for _ in 0..2_000 {
        let resp = http.post(&url).bearer_auth(gw.jwt()).body(msg.body.clone()).send().await;
        let resp = resp.unwrap();
        if resp.status().as_u16() == 503 {
            busy = Some(resp);
            break;
        }
        assert_eq!(resp.status().as_u16(), 202, "before the slot is taken the callback is stored");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let busy = busy.expect("a second request while the only slot is held gets 503");
    assert!(busy.headers().contains_key("retry-after"), "503 says when to retry");
    assert_eq!(stalled.await.unwrap(), 408, "the stalled body gets 408 after the read timeout");
    let (status, _) = post(&http, &url, Some(&gw.jwt()), &msg.body).await;
    assert_eq!(status, 202, "the freed slot serves the next callback");
    assert_eq!(
        bridge.pending(CLINIC).await.unwrap(),
        1,
        "only the real callback is stored, once; the stalled body never"
    );
    bridge.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_full_mailbox_refuses_with_429_until_an_ack_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let bridge = start_bridge(dir.path(), &[(CLINIC, TOKEN)], &gw, |c| {
        c.quota = hcx_bridge::MailboxQuota { max_envelopes: 3, max_bytes: u64::MAX };
    })
    .await;
    let http = reqwest::Client::new();
    let key = participant_key();
    let url = format!("{}/preauth/on_submit", bridge.endpoint_url(CLINIC));
    let msgs: Vec<Msg> = (0..4).map(|_| jwe_callback(&key, CLINIC)).collect();
    for m in &msgs[..3] {
        let (status, _) = post(&http, &url, Some(&gw.jwt()), &m.body).await;
        assert_eq!(status, 202, "the mailbox takes envelopes up to its quota");
    }
    let resp = http
        .post(&url)
        .bearer_auth(gw.jwt())
        .header("content-type", "application/json")
        .body(msgs[3].body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429, "one over the quota is refused, retryably");
    assert!(resp.headers().contains_key("retry-after"), "429 says when to retry");
    let (status, _) = post(&http, &url, Some(&gw.jwt()), &msgs[0].body).await;
    assert_eq!(status, 202, "a redelivery of a stored envelope is still acknowledged");

    let waiting = drain_view(&bridge, CLINIC, TOKEN).await;
    let ids: Vec<&str> = waiting.iter().map(|e| e.api_call_id.as_str()).collect();
    let first3: Vec<&str> = msgs[..3].iter().map(|m| m.api_call_id.as_str()).collect();
    assert_eq!(ids, first3, "everything stored before the quota hit is still there, in order");
    mailbox(&bridge, CLINIC, TOKEN).ack(waiting[0].cursor).await.unwrap();
    let (status, _) = post(&http, &url, Some(&gw.jwt()), &msgs[3].body).await;
    assert_eq!(status, 202, "after an ack the gateway's retry is accepted");
    let after: Vec<String> =
        drain_view(&bridge, CLINIC, TOKEN).await.into_iter().map(|e| e.api_call_id).collect();
    let expected: Vec<String> = msgs[1..].iter().map(|m| m.api_call_id.clone()).collect();
    assert_eq!(after, expected, "nothing stored was lost; the retried callback came last");
    bridge.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_source_allow_list_refuses_other_addresses_with_403() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let bridge = start_bridge(dir.path(), &[], &gw, |c| {
        let mut p = ParticipantConfig::new(CLINIC, TOKEN, Some(gw.trust()));
        p.allow_from = vec!["127.0.0.2/32".parse().unwrap()];
        c.participants.push(p);
    })
    .await;
    let key = participant_key();
    let from_1 = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)))
        .build()
        .unwrap();
    for url in [
        format!("{}/claim/on_submit", bridge.endpoint_url(CLINIC)),
        format!("{}/claim/on_submit", bridge.base_url()),
    ] {
        let (status, err) =
            post(&from_1, &url, Some(&gw.jwt()), &jwe_callback(&key, CLINIC).body).await;
        assert_eq!(status, 403, "127.0.0.1 is not on the allow-list ({url}): {err}");
    }
    assert_eq!(bridge.pending(CLINIC).await.unwrap(), 0, "nothing from outside was stored");
    let from_2 = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .build()
        .unwrap();
    let url = format!("{}/claim/on_submit", bridge.endpoint_url(CLINIC));
    let (status, err) =
        post(&from_2, &url, Some(&gw.jwt()), &jwe_callback(&key, CLINIC).body).await;
    assert_eq!(status, 202, "the allowed address is served: {err}");
    bridge.shutdown().await.unwrap();
}
