//! Optional HTTPS (OpenSSL acceptor): the bridge serves callbacks and the mailbox over TLS.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::*;
use hcx_bridge::TlsConfig;
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::{X509Builder, X509NameBuilder};

/// A self-signed certificate for 127.0.0.1 as (cert PEM, key PEM).
fn self_signed() -> (Vec<u8>, Vec<u8>) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "127.0.0.1").unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::days_from_now(1).unwrap()).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    (b.build().to_pem().unwrap(), key.private_key_to_pem_pkcs8().unwrap())
}

#[tokio::test]
async fn serves_callbacks_and_mailbox_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed();
    let cert_path = dir.path().join("tls.crt");
    let key_path = dir.path().join("tls.key");
    std::fs::write(&cert_path, cert).unwrap();
    std::fs::write(&key_path, key).unwrap();
    let gw = Gateway::new();
    let provider = "1-provider-tls";
    let bridge = start_bridge(&dir.path().join("data"), &[(provider, "tls-token")], &gw, |c| {
        c.tls = Some(TlsConfig { cert: cert_path.clone(), key: key_path.clone() });
    })
    .await;
    assert!(bridge.base_url().starts_with("https://"), "a TLS bridge advertises https URLs");

    // The test trusts its own self-signed certificate; real deployments use a CA-issued one.
    let http = reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap();
    let msg = jwe_callback(&participant_key(), provider);
    let url = format!("{}/claim/on_submit", bridge.endpoint_url(provider));
    let (status, ack) = post(&http, &url, Some(&gw.jwt()), &msg.body).await;
    assert_eq!(status, 202, "callbacks work over HTTPS: {ack}");

    let client = hcx_bridge::MailboxClient::with_http(
        http.clone(),
        bridge.base_url(),
        provider,
        hcx_bridge::MailboxToken::new("tls-token"),
    );
    let got = client.poll(None, Duration::ZERO, 10).await.unwrap();
    assert_eq!(got.len(), 1, "the mailbox works over HTTPS");
    assert_eq!(got[0].api_call_id, msg.api_call_id, "and returns the callback");

    let plain =
        reqwest::Client::new().get(format!("http://{}/healthz", bridge.local_addr())).send().await;
    assert!(
        plain.map(|r| !r.status().is_success()).unwrap_or(true),
        "plain HTTP is not served on a TLS port"
    );
    bridge.shutdown().await.unwrap();
}

/// One `GET /healthz` over TLS pinned to exactly `version`; the HTTP status line, or the
/// handshake error.
fn healthz_with(addr: std::net::SocketAddr, version: SslVersion) -> Result<String, String> {
    let mut b = SslConnector::builder(SslMethod::tls()).map_err(|e| e.to_string())?;
    b.set_min_proto_version(Some(version)).map_err(|e| e.to_string())?;
    b.set_max_proto_version(Some(version)).map_err(|e| e.to_string())?;
    // The test's self-signed certificate; what is checked here is the protocol version.
    b.set_verify(SslVerifyMode::NONE);
    let tcp = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    let mut tls = b.build().connect("127.0.0.1", tcp).map_err(|e| e.to_string())?;
    let negotiated = tls.ssl().version_str().to_owned();
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    let _ = tls.read_to_string(&mut answer);
    Ok(format!("{negotiated} {}", answer.lines().next().unwrap_or_default()))
}

#[tokio::test]
async fn tls_1_2_and_1_3_are_both_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed();
    let cert_path = dir.path().join("tls.crt");
    let key_path = dir.path().join("tls.key");
    std::fs::write(&cert_path, cert).unwrap();
    std::fs::write(&key_path, key).unwrap();
    let gw = Gateway::new();
    let bridge = start_bridge(&dir.path().join("data"), &[], &gw, |c| {
        c.tls = Some(TlsConfig { cert: cert_path.clone(), key: key_path.clone() });
    })
    .await;
    let addr = bridge.local_addr();
    for (version, name) in [(SslVersion::TLS1_2, "TLSv1.2"), (SslVersion::TLS1_3, "TLSv1.3")] {
        let got = tokio::task::spawn_blocking(move || healthz_with(addr, version)).await.unwrap();
        let got = got.unwrap_or_else(|e| panic!("a {name} client must be able to connect: {e}"));
        assert!(got.starts_with(name), "the handshake used {name}: {got}");
        assert!(got.contains(" 200 "), "and HTTP works over it: {got}");
    }
    bridge.shutdown().await.unwrap();
}
