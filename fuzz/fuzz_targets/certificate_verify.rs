//! hcx-onboard's sandbox-certificate verification (`verify_certificate`, the operator's seed
//! step 1) and signed-request verification over arbitrary strings, with a fixed trusted sandbox
//! whose key is the SDK test key (the participant signs with the same pair). Any panic is a bug:
//! refusals are typed.
//!
//! The fuzzer cannot forge signatures, so two input modes sign for it with the test key (and its
//! certificate in `x5c`): a leading 0 byte makes the rest the sandbox's attestation claims, which
//! the target signs and wraps into a certificate with `issue_certificate`; a leading 1 byte makes
//! the rest the certificate claims themselves. Other inputs are taken as a token as they are.
#![no_main]

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use hcx_onboard::certification::{
    ATTESTATION_TYPE, CERTIFICATE_TYPE, Expectation, TrustedSandbox, issue_certificate,
    verify_certificate, verify_signed_request,
};
use hcx_onboard::jws::SigningKey;
use hcx_protocol::{ApiVersion, Role};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const CERT: &str = include_str!("../../crates/hcx-protocol/tests/fixtures/sample-certificate.pem");
const KEY_PEM: &[u8] =
    include_bytes!("../../crates/hcx-protocol/tests/fixtures/sample-private-key.pem");
/// Inside the SDK certificate's validity (2021-12-28 to 2022-10-24) and the seeds' attestation.
const NOW: i64 = 1_654_041_600; // 2022-06-01T00:00:00Z

fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::from_pem(KEY_PEM, Some(CERT)).expect("fixture key loads"))
}

fn verify_all(token: &str, now: DateTime<Utc>) {
    let trusted = [TrustedSandbox {
        code: "hcx@sandbox".into(),
        base_url: "http://127.0.0.1:9999/api".into(),
        cert_pem: CERT.into(),
    }];
    for registered in [None, Some(CERT.to_owned())] {
        for role in [Role::Provider, Role::Payor] {
            let expect = Expectation {
                role,
                protocol_version: ApiVersion::V0_8,
                now,
                registered_cert_pem: registered.clone(),
            };
            let _ = verify_certificate(token, &trusted, &expect);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let now = DateTime::<Utc>::from_timestamp(NOW, 0).unwrap_or_default();
    match data.split_first() {
        Some((0, rest)) => {
            let Ok(claims) = serde_json::from_slice::<Value>(rest) else { return };
            let Ok(attestation) = key().sign(ATTESTATION_TYPE, &claims) else { return };
            if let Ok(cert) = issue_certificate(key(), &attestation, Vec::new(), now) {
                verify_all(&cert.0, now);
            }
        }
        Some((1, rest)) => {
            let Ok(claims) = serde_json::from_slice::<Value>(rest) else { return };
            if let Ok(token) = key().sign(CERTIFICATE_TYPE, &claims) {
                verify_all(&token, now);
            }
        }
        _ => {
            let Ok(text) = std::str::from_utf8(data) else { return };
            verify_all(text, now);
            let _ = hcx_onboard::jws::peek(text);
            let _ = verify_signed_request::<Value>(text, CERT, now);
        }
    }
});
