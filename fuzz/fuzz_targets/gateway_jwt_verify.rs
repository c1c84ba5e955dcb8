//! The bridge's front door: gateway JWT verification (`GatewayVerifier::verify` with the fixed
//! SDK test certificate), the `Authorization` header parser and the callback route parser.
//!
//! Inputs starting with a 0 byte are `header JSON \n claims JSON` that the target signs with the
//! test key, so claim parsing and the time checks behind the signature are fuzzed too (the
//! fuzzer could never forge a signature). Any panic is a bug.
#![no_main]

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use hcx_bridge::gateway_jwt::{GatewayVerifier, bearer};
use libfuzzer_sys::fuzz_target;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::sign::Signer;

const CERT: &str = include_str!("../../crates/hcx-protocol/tests/fixtures/sample-certificate.pem");
const KEY_PEM: &[u8] =
    include_bytes!("../../crates/hcx-protocol/tests/fixtures/sample-private-key.pem");
/// The seeds' tokens are valid from 1_700_000_000 for five minutes.
const NOW: i64 = 1_700_000_060;

fn key() -> &'static PKey<Private> {
    static KEY: OnceLock<PKey<Private>> = OnceLock::new();
    KEY.get_or_init(|| PKey::private_key_from_pem(KEY_PEM).expect("fixture key parses"))
}

fn signed(header: &str, claims: &str) -> String {
    let input = format!("{}.{}", B64URL.encode(header), B64URL.encode(claims));
    let mut signer = Signer::new(MessageDigest::sha256(), key()).expect("signer");
    signer.update(input.as_bytes()).expect("update");
    let signature = signer.sign_to_vec().expect("sign");
    format!("{input}.{}", B64URL.encode(signature))
}

fuzz_target!(|data: &[u8]| {
    // A fresh verifier per input: its cache of verified tokens must not carry state between
    // inputs (it would make coverage depend on input order).
    let verifier = GatewayVerifier::from_pem(CERT).expect("fixture certificate loads");
    match data.split_first() {
        Some((0, rest)) => {
            let text = String::from_utf8_lossy(rest);
            let (header, claims) =
                text.split_once('\n').unwrap_or((r#"{"alg":"RS256","typ":"JWT"}"#, &text));
            let token = signed(header, claims);
            for now in [NOW, 0, i64::MIN, i64::MAX] {
                let _ = verifier.verify(&token, now);
            }
        }
        _ => {
            let Ok(text) = std::str::from_utf8(data) else { return };
            let _ = verifier.verify(text, NOW);
            let _ = verifier.verify(text, i64::MAX);
            let _ = bearer(Some(text));
            let _ = hcx_bridge::fuzzing::parse_route(text);
        }
    }
});
