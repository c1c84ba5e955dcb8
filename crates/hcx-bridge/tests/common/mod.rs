//! Shared helpers for the bridge's integration tests: a fake-but-real gateway key (RS256 JWTs),
//! real JWE callbacks sealed with hcx-protocol, and a bridge on 127.0.0.1.
#![allow(dead_code)] // each test binary uses a different subset

use hcx_bridge::gateway_jwt::GatewaySigner;
use hcx_bridge::{Bridge, BridgeConfig, BridgeHandle, GatewayTrust, ParticipantConfig};
use hcx_protocol::{Details, Dialect, Headers, PrivateKey, ProtocolResponse, RecipientKey, Status};
use openssl::pkey::PKey;
use openssl::rsa::Rsa;

/// The HCX's own registry code in these tests.
pub const HCX_CODE: &str = "hcx-gateway-code";
/// A payer that sends callbacks to our providers.
pub const PAYER: &str = "1-payer-0001";

/// The gateway's signing key (what signs the bearer JWT on every dispatch).
pub struct Gateway {
    pub private_pem: String,
    pub cert_pem: String,
}

impl Gateway {
    pub fn new() -> Self {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        Gateway {
            private_pem: String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap(),
            cert_pem: String::from_utf8(key.public_key_to_pem().unwrap()).unwrap(),
        }
    }

    /// A dispatch JWT valid for the bridge's default limit of five minutes.
    pub fn jwt(&self) -> String {
        let now = chrono::Utc::now().timestamp();
        hcx_bridge::gateway_jwt::mint(&self.private_pem, HCX_CODE, now, now + 300).unwrap()
    }

    /// A dispatch JWT of a two-minute life that ended an hour ago (a replay).
    pub fn expired_jwt(&self) -> String {
        let now = chrono::Utc::now().timestamp();
        hcx_bridge::gateway_jwt::mint(&self.private_pem, HCX_CODE, now - 3720, now - 3600).unwrap()
    }

    /// A token with any claims, signed by the gateway key (what the gateway would never mint).
    pub fn sign(&self, claims: serde_json::Value) -> String {
        GatewaySigner::from_pem(&self.private_pem).unwrap().sign_claims(&claims).unwrap()
    }

    /// The bridge's trust entry for this gateway.
    pub fn trust(&self) -> GatewayTrust {
        GatewayTrust::new(HCX_CODE, &self.cert_pem)
    }
}

/// The participant's encryption key pair (the bridge never sees the private half).
pub fn participant_key() -> RecipientKey {
    PrivateKey::generate_rsa(2048).unwrap().public_key().unwrap()
}

/// One callback body plus its dedupe key.
#[derive(Clone, Debug)]
pub struct Msg {
    pub api_call_id: String,
    pub body: String,
}

fn request_headers(provider: &str) -> Headers {
    Headers::action(provider, PAYER, &uuid::Uuid::new_v4().to_string(), None, Dialect::Swasth)
}

/// A real JWE `preauth/on_submit` from the payer to `provider`.
pub fn jwe_callback(key: &RecipientKey, provider: &str) -> Msg {
    let req = request_headers(provider);
    let h = Headers::callback_to(&req, Status::ResponseComplete);
    let compact =
        hcx_protocol::seal(&h, br#"{"resourceType":"Bundle","type":"collection"}"#, key).unwrap();
    Msg {
        api_call_id: h.api_call_id().unwrap().to_owned(),
        body: hcx_protocol::payload_body(&compact),
    }
}

/// A plain-JSON `response.error` ProtocolResponse from the payer to `provider`.
pub fn plain_error(provider: &str) -> Msg {
    let req = request_headers(provider);
    let h =
        ProtocolResponse::error(&req, &Details::new("ERR_INVALID_ENCRYPTION", "cannot decrypt"));
    Msg { api_call_id: h.api_call_id().unwrap().to_owned(), body: h.to_json_string() }
}

/// The gateway's own error callback to `provider` (sender = HCX, no timestamp).
pub fn gateway_error(provider: &str) -> Msg {
    let req = request_headers(provider);
    let h = ProtocolResponse::gateway_error(
        HCX_CODE,
        &req,
        &Details::new("ERR_RECIPIENT_NOT_AVAILABLE", "Please provide correct recipient code"),
    );
    assert!(h.timestamp().is_none(), "the gateway's own error callback carries no timestamp");
    Msg { api_call_id: h.api_call_id().unwrap().to_owned(), body: h.to_json_string() }
}

/// A bridge on 127.0.0.1 serving `participants` (code, mailbox token) behind `gateway`.
pub async fn start_bridge(
    dir: &std::path::Path,
    participants: &[(&str, &str)],
    gateway: &Gateway,
    tweak: impl FnOnce(&mut BridgeConfig),
) -> BridgeHandle {
    let mut cfg = BridgeConfig::new(dir);
    cfg.rate_limit = None;
    cfg.participants = participants
        .iter()
        .map(|(code, token)| ParticipantConfig::new(code, token, Some(gateway.trust())))
        .collect();
    tweak(&mut cfg);
    Bridge::start(cfg).await.unwrap()
}

/// POST a callback body to `url` with the gateway's bearer JWT.
pub async fn post(
    http: &reqwest::Client,
    url: &str,
    jwt: Option<&str>,
    body: &str,
) -> (u16, serde_json::Value) {
    let mut req = http.post(url).header("content-type", "application/json").body(body.to_owned());
    if let Some(t) = jwt {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, json)
}
