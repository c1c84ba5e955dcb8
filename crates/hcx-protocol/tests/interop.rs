//! Interop with independent JWE implementations: Python jwcrypto (what the Python HCX SDK
//! uses) both ways, with RSA-OAEP and RSA-OAEP-256, and josekit (Rust) both ways.

mod common;

use common::{fixture_path, jwcrypto, sample_key, sample_recipient};
use hcx_protocol::jwe::{self, KeyAlg};
use hcx_protocol::{Dialect, Headers, Status};
use serde_json::{Value, json};

fn headers() -> Headers {
    let req = Headers::action("prov@hcx", "payr@hcx", "corr-9", Some("wf-9"), Dialect::Swasth);
    let mut h = Headers::callback_to(&req, Status::ResponseComplete);
    h.insert("x-hcx-insurance_plan_url", "https://plans.example/p?id=7&x=>~ — ₹");
    h
}

const PAYLOAD: &str = r#"{"resourceType":"Bundle","id":"ü-1","entry":[{"note":"a>b?c~d"}]}"#;

#[test]
fn jwcrypto_opens_what_we_seal() {
    let h = headers();
    let token = jwe::seal(&h, PAYLOAD.as_bytes(), &sample_recipient()).expect("seal");
    let key = fixture_path("sample-private-key.pem");
    let out: Value =
        serde_json::from_str(&jwcrypto(&["open", key.to_str().unwrap_or_default()], &token))
            .expect("helper prints JSON");
    assert_eq!(out["payload"], PAYLOAD, "jwcrypto decrypts our ciphertext to the same bytes");
    assert_eq!(out["protected"]["alg"], "RSA-OAEP-256", "jwcrypto sees our alg");
    for (k, v) in h.iter() {
        assert_eq!(&out["protected"][k], v, "jwcrypto reads header {k} identically");
    }
}

#[test]
fn we_open_what_jwcrypto_seals_with_both_algs() {
    let cert = fixture_path("sample-certificate.pem");
    let h = headers();
    for (alg, want) in [("RSA-OAEP", KeyAlg::RsaOaep), ("RSA-OAEP-256", KeyAlg::RsaOaep256)] {
        let req = json!({"headers": h.as_map(), "payload": PAYLOAD}).to_string();
        let token = jwcrypto(&["seal", cert.to_str().unwrap_or_default(), alg], &req);
        let opened = jwe::open(&token, &sample_key())
            .unwrap_or_else(|e| panic!("{alg}: jwcrypto token must open: {e}"));
        assert_eq!(opened.alg, want, "{alg} detected");
        assert_eq!(opened.payload, PAYLOAD.as_bytes(), "{alg}: payload intact");
        for (k, v) in h.iter() {
            assert_eq!(opened.headers.get(k), Some(v), "{alg}: header {k} intact");
        }
    }
}

#[test]
fn josekit_both_ways() {
    use josekit::jwe::{JweHeader, RSA_OAEP, RSA_OAEP_256};
    let h = headers();
    let cert = std::fs::read(fixture_path("sample-certificate.pem")).expect("cert");
    let x509 = openssl::x509::X509::from_pem(&cert).expect("x509");
    let pub_pem = x509.public_key().expect("pub").public_key_to_pem().expect("pem");
    let priv_pem = std::fs::read(fixture_path("sample-private-key.pem")).expect("key");

    let token = jwe::seal(&h, PAYLOAD.as_bytes(), &sample_recipient()).expect("seal");
    let decrypter = RSA_OAEP_256.decrypter_from_pem(&priv_pem).expect("decrypter");
    let (payload, header) =
        josekit::jwe::deserialize_compact(&token, &decrypter).expect("josekit opens our token");
    assert_eq!(payload, PAYLOAD.as_bytes(), "josekit decrypts the same bytes");
    assert_eq!(
        header.claim("x-hcx-insurance_plan_url"),
        h.get("x-hcx-insurance_plan_url"),
        "escaped header value reads back identically in josekit"
    );

    for alg in ["RSA-OAEP", "RSA-OAEP-256"] {
        let mut jh = JweHeader::new();
        jh.set_content_encryption("A256GCM");
        for (k, v) in h.iter() {
            jh.set_claim(k, Some(v.clone())).expect("claim");
        }
        let token = if alg == "RSA-OAEP" {
            josekit::jwe::serialize_compact(
                PAYLOAD.as_bytes(),
                &jh,
                &RSA_OAEP.encrypter_from_pem(&pub_pem).expect("enc"),
            )
        } else {
            josekit::jwe::serialize_compact(
                PAYLOAD.as_bytes(),
                &jh,
                &RSA_OAEP_256.encrypter_from_pem(&pub_pem).expect("enc"),
            )
        }
        .expect("josekit seals");
        let opened = jwe::open(&token, &sample_key())
            .unwrap_or_else(|e| panic!("{alg}: josekit token opens: {e}"));
        assert_eq!(opened.payload, PAYLOAD.as_bytes(), "{alg}: payload from josekit intact");
        assert_eq!(
            opened.headers.correlation_id(),
            Some("corr-9"),
            "{alg}: headers from josekit intact"
        );
    }
}
