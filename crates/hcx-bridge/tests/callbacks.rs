//! The callback endpoint and the mailbox API, end to end over real HTTP on 127.0.0.1.

mod common;

use std::time::Duration;

use common::*;
use hcx_bridge::{MailboxClient, MailboxToken};

const PROVIDER: &str = "1-provider-0001";
const TOKEN: &str = "provider-mailbox-token-0001";

#[tokio::test]
async fn every_callback_shape_is_stored_once_and_delivered_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let bridge = start_bridge(dir.path(), &[(PROVIDER, TOKEN)], &gw, |_| {}).await;
    let http = reqwest::Client::new();
    let key = participant_key();
    let url = format!("{}/preauth/on_submit", bridge.endpoint_url(PROVIDER));
    let jwt = gw.jwt();

    let jwe = jwe_callback(&key, PROVIDER);
    let (status, ack) = post(&http, &url, Some(&jwt), &jwe.body).await;
    assert_eq!(status, 202, "a JWE callback from the gateway is accepted: {ack}");
    assert!(ack["timestamp"].is_i64(), "the ack timestamp is epoch ms as a number: {ack}");
    assert_eq!(ack["api_call_id"], jwe.api_call_id.as_str(), "the ack echoes the api_call_id");
    assert!(ack["correlation_id"].is_string(), "the ack echoes the correlation_id: {ack}");

    let (status, again) = post(&http, &url, Some(&jwt), &jwe.body).await;
    assert_eq!(status, 202, "a redelivery is answered 202 again so the gateway stops retrying");
    assert_eq!(again["api_call_id"], jwe.api_call_id.as_str(), "same ids on the repeat ack");

    let plain = plain_error(PROVIDER);
    let (status, body) = post(&http, &url, Some(&jwt), &plain.body).await;
    assert_eq!(status, 202, "a plain-JSON ProtocolResponse on an on_* path is accepted: {body}");

    let gwerr = gateway_error(PROVIDER);
    let (status, body) = post(&http, &url, Some(&jwt), &gwerr.body).await;
    assert_eq!(status, 202, "the gateway's own error callback (no timestamp) is accepted: {body}");

    let versioned = jwe_callback(&key, PROVIDER);
    let vurl = format!("{}/v0.8/claim/on_submit", bridge.endpoint_url(PROVIDER));
    let (status, body) = post(&http, &vurl, Some(&jwt), &versioned.body).await;
    assert_eq!(status, 202, "a version segment before the path is accepted: {body}");

    let bare = jwe_callback(&key, PROVIDER);
    let burl = format!("{}/coverageeligibility/on_check", bridge.base_url());
    let (status, body) = post(&http, &burl, Some(&jwt), &bare.body).await;
    assert_eq!(status, 202, "without /p/ prefix the recipient header picks the mailbox: {body}");

    assert_eq!(
        bridge.pending(PROVIDER).await.unwrap(),
        5,
        "five distinct callbacks, the repeat stored once"
    );

    let client = MailboxClient::new(bridge.base_url(), PROVIDER, MailboxToken::new(TOKEN)).unwrap();
    let got = client.poll(None, Duration::ZERO, 100).await.unwrap();
    let ids: Vec<&str> = got.iter().map(|e| e.api_call_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            &jwe.api_call_id,
            &plain.api_call_id,
            &gwerr.api_call_id,
            &versioned.api_call_id,
            &bare.api_call_id
        ],
        "envelopes come back once each, in arrival order"
    );
    assert!(got.windows(2).all(|w| w[0].cursor < w[1].cursor), "cursors strictly increase");
    assert_eq!(got[0].body, jwe.body, "the body is byte-for-byte what the gateway posted");
    assert_eq!(got[0].path, "/preauth/on_submit", "the path is the protocol path without prefix");
    assert_eq!(
        got[3].path, "/claim/on_submit",
        "the version segment is not part of the stored path"
    );
    assert_eq!(
        got[0].headers["x-hcx-api_call_id"],
        jwe.api_call_id.as_str(),
        "the protected headers are exposed as JSON"
    );
    assert_eq!(
        got[2].headers["x-hcx-sender_code"], HCX_CODE,
        "gateway errors keep the HCX as sender"
    );

    let released = client.ack(got[1].cursor).await.unwrap();
    assert_eq!(released, 2, "ack releases everything up to and including its cursor");
    let rest = client.poll(None, Duration::ZERO, 100).await.unwrap();
    assert_eq!(rest.len(), 3, "only unacked envelopes are delivered after an ack");
    assert_eq!(rest[0].api_call_id, gwerr.api_call_id, "delivery resumes after the ack");
    let after = client.poll(Some(rest[0].cursor), Duration::ZERO, 100).await.unwrap();
    assert_eq!(after.len(), 2, "`after` skips envelopes the console already has");
    bridge.shutdown().await.unwrap();
}

#[tokio::test]
async fn malformed_or_misaddressed_bodies_get_the_platform_error_and_are_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let other = "1-provider-0002";
    let bridge =
        start_bridge(dir.path(), &[(PROVIDER, TOKEN), (other, "other-token")], &gw, |_| {}).await;
    let http = reqwest::Client::new();
    let key = participant_key();
    let url = format!("{}/claim/on_submit", bridge.endpoint_url(PROVIDER));
    let jwt = gw.jwt();

    for (body, why) in [
        ("not json", "a non-JSON body"),
        ("[1,2]", "a JSON array"),
        (r#"{"payload":"a.b.c"}"#, "a JWE with three parts"),
        (r#"{"payload":"%%%.b.c.d.e"}"#, "a JWE whose header is not base64"),
    ] {
        let (status, err) = post(&http, &url, Some(&jwt), body).await;
        assert_eq!(status, 400, "{why} is a client error");
        assert_eq!(
            err["error"]["code"], "ERR_INVALID_PAYLOAD",
            "{why} is ERR_INVALID_PAYLOAD: {err}"
        );
        assert!(err["timestamp"].is_i64(), "the error body has the platform's ms timestamp: {err}");
    }

    let plain = plain_error(PROVIDER);
    let aurl = format!("{}/claim/submit", bridge.endpoint_url(PROVIDER));
    let (status, err) = post(&http, &aurl, Some(&jwt), &plain.body).await;
    assert_eq!(status, 400, "plain JSON on an action path is refused like the gateway does");
    assert_eq!(err["error"]["code"], "ERR_INVALID_PAYLOAD", "{err}");

    let for_other = jwe_callback(&key, other);
    let (status, err) = post(&http, &url, Some(&jwt), &for_other.body).await;
    assert_eq!(status, 400, "a message addressed to another participant than the URL's is refused");
    assert_eq!(err["error"]["code"], "ERR_INVALID_RECIPIENT", "{err}");

    let stranger = jwe_callback(&key, "1-not-served");
    let burl = format!("{}/claim/on_submit", bridge.base_url());
    let (status, err) = post(&http, &burl, Some(&jwt), &stranger.body).await;
    assert_eq!(status, 400, "a recipient the bridge does not serve is refused");
    assert_eq!(err["error"]["code"], "ERR_INVALID_RECIPIENT", "{err}");

    let nurl = format!("{}/claim/on_submit", bridge.endpoint_url("1-not-served"));
    let (status, _) = post(&http, &nurl, Some(&jwt), &stranger.body).await;
    assert_eq!(status, 404, "an unknown participant prefix is a hard 404 (gateway does not retry)");

    let (status, _) =
        post(&http, &format!("{}/p/{PROVIDER}/foo/bar", bridge.base_url()), Some(&jwt), "{}").await;
    assert_eq!(status, 404, "unknown protocol paths are 404");

    assert_eq!(bridge.pending(PROVIDER).await.unwrap(), 0, "nothing refused was stored");
    assert_eq!(bridge.pending(other).await.unwrap(), 0, "nothing refused was stored");
    bridge.shutdown().await.unwrap();
}

#[tokio::test]
async fn oversize_bodies_get_413_and_sources_are_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let bridge = start_bridge(dir.path(), &[(PROVIDER, TOKEN)], &gw, |c| {
        c.body_limit = 4096;
        c.rate_limit = Some(hcx_bridge::RateLimitConfig { per_second: 0.01, burst: 3.0 });
    })
    .await;
    let http = reqwest::Client::new();
    let url = format!("{}/claim/on_submit", bridge.endpoint_url(PROVIDER));
    let big = format!(r#"{{"payload":"{}"}}"#, "a".repeat(10_000));
    let (status, err) = post(&http, &url, Some(&gw.jwt()), &big).await;
    assert_eq!(status, 413, "a body over the limit is refused before it is buffered");
    assert_eq!(err["error"]["code"], "ERR_INVALID_PAYLOAD", "with the platform error body: {err}");

    // Chunked (no Content-Length) must hit the same limit while streaming.
    let path = format!("/p/{PROVIDER}/claim/on_submit");
    let status = chunked_post(bridge.local_addr(), &path, &gw.jwt(), big.as_bytes()).await;
    assert_eq!(status, 413, "a chunked body over the limit is also 413");

    // Burst of 3 used by the two requests above plus this one; the next is over the limit.
    let (status, _) = post(&http, &url, Some(&gw.jwt()), "{}").await;
    assert_ne!(status, 429, "the third request is still within the burst");
    let (status, err) = post(&http, &url, Some(&gw.jwt()), "{}").await;
    assert_eq!(status, 429, "a source over its token bucket gets 429: {err}");
    bridge.shutdown().await.unwrap();
}

/// POST with `Transfer-Encoding: chunked` over a raw socket (no declared length); returns the
/// status code.
async fn chunked_post(addr: std::net::SocketAddr, path: &str, jwt: &str, body: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {jwt}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(1000) {
        // The server may answer and stop reading before the end; a write error is expected then.
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || s.write_all(chunk).await.is_err()
            || s.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut buf = vec![0u8; 512];
    let n = s.read(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn long_poll_wakes_on_arrival_and_purge_spares_unacked() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let bridge = start_bridge(dir.path(), &[(PROVIDER, TOKEN)], &gw, |c| {
        c.ack_retention = Duration::ZERO;
        c.dedupe_window = Duration::ZERO;
        c.purge_interval = Duration::from_millis(100);
    })
    .await;
    let http = reqwest::Client::new();
    let key = participant_key();
    let url = format!("{}/claim/on_submit", bridge.endpoint_url(PROVIDER));
    let client = MailboxClient::new(bridge.base_url(), PROVIDER, MailboxToken::new(TOKEN)).unwrap();

    // The bridge caps waits at 50 s; if the poll slept instead of waking, the 20 s guard fires.
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { client.poll(None, Duration::from_secs(50), 10).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let first = jwe_callback(&key, PROVIDER);
    let (status, _) = post(&http, &url, Some(&gw.jwt()), &first.body).await;
    assert_eq!(status, 202, "callback accepted");
    let got = tokio::time::timeout(Duration::from_secs(20), waiting)
        .await
        .expect("the long-poll must wake on the new arrival, not sleep out its 50 s wait")
        .unwrap()
        .unwrap();
    assert_eq!(got.len(), 1, "the waiting poll returns the new envelope");
    assert_eq!(got[0].api_call_id, first.api_call_id, "…the one just posted");

    let second = jwe_callback(&key, PROVIDER);
    post(&http, &url, Some(&gw.jwt()), &second.body).await;
    client.ack(got[0].cursor).await.unwrap();
    // Let a few purge rounds run with zero retention.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let left = client.poll(None, Duration::ZERO, 10).await.unwrap();
    assert_eq!(left.len(), 1, "the unacked envelope survives purges even with zero retention");
    assert_eq!(left[0].api_call_id, second.api_call_id, "…and it is the unacked one");

    // The acked row is gone (dedupe window 0), so a redelivery of it is stored anew: that shows
    // the purge really deleted it.
    let (status, _) = post(&http, &url, Some(&gw.jwt()), &first.body).await;
    assert_eq!(status, 202, "redelivery accepted");
    assert_eq!(bridge.pending(PROVIDER).await.unwrap(), 2, "purged row no longer dedupes");
    bridge.shutdown().await.unwrap();
}
