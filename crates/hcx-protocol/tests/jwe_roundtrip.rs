//! seal → open for every API, the exact protected-header layout, typed errors for every way a
//! token can be wrong, key formats and key rotation.

mod common;

use base64::Engine as _;
use common::{fixture, other_key, sample_key, sample_recipient};
use hcx_protocol::jwe::{self, JweError, KeyAlg, PrivateKey, RecipientKey};
use hcx_protocol::{Action, Dialect, Headers, Status};
use serde_json::{Value, json};

fn sample_payload(action: Action) -> Vec<u8> {
    json!({"resourceType": action.fhir_resource(), "id": "b1", "note": "₹ 1,000 > 999? ~ok"})
        .to_string()
        .into_bytes()
}

fn header_json(token: &str) -> Value {
    let seg = token.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(seg)
        .expect("our header segment must decode with the STANDARD alphabet (gateway uses Java's)");
    serde_json::from_slice(&bytes).expect("header is JSON")
}

#[test]
fn every_action_round_trips() {
    let key = sample_key();
    let to = sample_recipient();
    for action in Action::ALL {
        let request =
            Headers::action("prov@hcx", "payr@hcx", "corr-1", Some("wf-1"), Dialect::Swasth);
        let headers = if action.is_callback() {
            Headers::callback_to(&request, Status::ResponseComplete)
        } else {
            request
        };
        let payload = sample_payload(action);
        let token = jwe::seal(&headers, &payload, &to).expect("seal works");
        assert_eq!(token.split('.').count(), 5, "{action}: compact JWE has 5 parts");
        let opened = jwe::open(&token, &key).expect("our own token opens");
        assert_eq!(opened.payload, payload, "{action}: payload bytes survive");
        assert_eq!(opened.alg, KeyAlg::RsaOaep256, "{action}: we send RSA-OAEP-256");
        for (k, v) in headers.iter() {
            assert_eq!(opened.headers.get(k), Some(v), "{action}: header {k} survives");
        }
    }
}

#[test]
fn protected_header_is_alg_enc_and_x_hcx_only() {
    let mut h = Headers::action("a", "b", "c", None, Dialect::Nhcx);
    h.insert("x-hcx-insurance_plan_url", "https://x.example/plan?id=1&q=>~é");
    let token = jwe::seal(&h, b"{}", &sample_recipient()).expect("seal works");
    let header = header_json(&token);
    let keys: Vec<&str> = header.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(&keys[..2], ["alg", "enc"], "JOSE parameters come first");
    assert_eq!(header["alg"], "RSA-OAEP-256", "NHCX material: send RSA-OAEP-256");
    assert_eq!(header["enc"], "A256GCM", "HCX content encryption");
    assert!(
        keys[2..].iter().all(|k| k.starts_with("x-hcx-")),
        "nothing but alg/enc/x-hcx-* (no typ, kid, cty, zip): {keys:?}"
    );
    assert_eq!(
        header["x-hcx-insurance_plan_url"], "https://x.example/plan?id=1&q=>~é",
        "value intact"
    );
    let seg = token.split('.').next().unwrap_or_default();
    assert!(!seg.contains(['-', '_']), "'?', '>', '~', non-ASCII escaped so base64url == base64");
    let mut bad = Headers::new();
    bad.insert("typ", "JWE");
    assert_eq!(
        jwe::seal(&bad, b"{}", &sample_recipient()),
        Err(JweError::HeaderNotAllowed("typ".into())),
        "a non-x-hcx header is refused, not silently dropped"
    );
}

#[test]
fn flattened_json_and_rsa_oaep_sha1_open() {
    let h = Headers::action("a", "b", "c", None, Dialect::Swasth);
    let token =
        jwe::seal_with(&h, b"{\"k\":1}", &sample_recipient(), KeyAlg::RsaOaep).expect("seal");
    let p: Vec<&str> = token.split('.').collect();
    let flattened = json!({"protected": p[0], "encrypted_key": p[1], "iv": p[2], "ciphertext": p[3], "tag": p[4]});
    let opened = jwe::open(&flattened.to_string(), &sample_key()).expect("flattened JSON opens");
    assert_eq!(opened.alg, KeyAlg::RsaOaep, "RSA-OAEP (SHA-1) from the Python/JS SDKs is accepted");
    assert_eq!(opened.payload, b"{\"k\":1}", "payload survives");
    assert_eq!(
        jwe::to_compact(&flattened.to_string()).as_deref(),
        Ok(token.as_str()),
        "flattened → compact"
    );
}

/// A token whose segments use the standard alphabet with padding (as Java encoders may emit);
/// built here with OpenSSL directly so the AAD is the segment exactly as sent.
#[test]
fn standard_base64_padded_token_opens() {
    use openssl::encrypt::Encrypter;
    use openssl::hash::MessageDigest;
    use openssl::rsa::Padding;
    use openssl::symm::{Cipher, encrypt_aead};
    let std = base64::engine::general_purpose::STANDARD;
    let header = r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","x-hcx-sender_code":"a>?b"}"#;
    let protected = std.encode(header);
    assert!(protected.contains(['+', '/', '=']), "the test must exercise standard-only characters");
    let cek = [7u8; 32];
    let iv = [9u8; 12];
    let pem = sample_key().public_key().expect("pub").to_public_key_pem().expect("pem");
    let pkey = openssl::pkey::PKey::public_key_from_pem(pem.as_bytes()).expect("pkey");
    let mut enc = Encrypter::new(&pkey).expect("encrypter");
    enc.set_rsa_padding(Padding::PKCS1_OAEP).expect("oaep");
    enc.set_rsa_oaep_md(MessageDigest::sha256()).expect("md");
    enc.set_rsa_mgf1_md(MessageDigest::sha256()).expect("mgf1");
    let mut wrapped = vec![0; enc.encrypt_len(&cek).expect("len")];
    let n = enc.encrypt(&cek, &mut wrapped).expect("wrap");
    wrapped.truncate(n);
    let mut tag = [0u8; 16];
    let ct = encrypt_aead(
        Cipher::aes_256_gcm(),
        &cek,
        Some(&iv),
        protected.as_bytes(),
        b"[1,2]",
        &mut tag,
    )
    .expect("gcm");
    let token =
        [protected.clone(), std.encode(wrapped), std.encode(iv), std.encode(ct), std.encode(tag)]
            .join(".");
    let opened = jwe::open(&token, &sample_key()).expect("standard alphabet + padding is accepted");
    assert_eq!(opened.headers.sender_code(), Some("a>?b"), "header decoded from standard base64");
    assert_eq!(opened.payload, b"[1,2]", "AAD is the segment as sent, so the tag verifies");
}

fn sealed() -> String {
    let h = Headers::action("a", "b", "c", None, Dialect::Swasth);
    jwe::seal(&h, b"{\"resourceType\":\"Bundle\"}", &sample_recipient()).expect("seal")
}

fn replace_part(token: &str, index: usize, new: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[index] = new.to_owned();
    parts.join(".")
}

#[test]
fn typed_errors_for_every_kind_of_bad_token() {
    let key = sample_key();
    let token = sealed();
    let parts: Vec<&str> = token.split('.').collect();

    let four = parts[..4].join(".");
    assert!(matches!(jwe::open(&four, &key), Err(JweError::Malformed(_))), "4 parts is malformed");
    let empty = replace_part(&token, 2, "");
    assert!(
        matches!(jwe::open(&empty, &key), Err(JweError::Malformed(_))),
        "an empty part is malformed"
    );

    let bad_b64 = replace_part(&token, 3, "***");
    assert_eq!(
        jwe::open(&bad_b64, &key),
        Err(JweError::BadBase64 { part: "ciphertext" }),
        "bad base64 is named"
    );
    let bad_hdr_b64 = replace_part(&token, 0, "%%%");
    assert_eq!(
        jwe::open(&bad_hdr_b64, &key),
        Err(JweError::BadBase64 { part: "protected header" }),
        "bad header base64 is named"
    );
    let not_json =
        replace_part(&token, 0, &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("nope"));
    assert!(
        matches!(jwe::open(&not_json, &key), Err(JweError::BadHeaderJson(_))),
        "header must be JSON"
    );

    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let rsa15 = replace_part(&token, 0, &b64(r#"{"alg":"RSA1_5","enc":"A256GCM"}"#));
    assert_eq!(
        jwe::open(&rsa15, &key),
        Err(JweError::UnsupportedAlg("RSA1_5".into())),
        "only RSA-OAEP(-256)"
    );
    let cbc = replace_part(&token, 0, &b64(r#"{"alg":"RSA-OAEP-256","enc":"A128CBC-HS256"}"#));
    assert_eq!(
        jwe::open(&cbc, &key),
        Err(JweError::UnsupportedEnc("A128CBC-HS256".into())),
        "only A256GCM"
    );
    let zip =
        replace_part(&token, 0, &b64(r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","zip":"DEF"}"#));
    assert_eq!(
        jwe::open(&zip, &key),
        Err(JweError::UnsupportedHeader("zip".into())),
        "zip is not supported"
    );

    assert_eq!(jwe::open(&token, other_key()), Err(JweError::WrongKey), "sealed for another key");

    let mut tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[4]).expect("tag");
    tag[0] ^= 1;
    let tampered =
        replace_part(&token, 4, &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag));
    assert_eq!(
        jwe::open(&tampered, &key),
        Err(JweError::TagMismatch),
        "a flipped tag bit is tampering"
    );
    let mut hdr = header_json(&token);
    hdr["x-hcx-recipient_code"] = json!("mallory");
    let swapped = replace_part(&token, 0, &b64(&hdr.to_string()));
    assert_eq!(jwe::open(&swapped, &key), Err(JweError::TagMismatch), "the header is AEAD-bound");

    let text = jwe::seal(&Headers::new(), b"not json", &sample_recipient()).expect("seal");
    assert!(
        matches!(jwe::open(&text, &key), Err(JweError::PayloadNotJson(_))),
        "payload must be JSON"
    );
}

#[test]
fn key_rotation_tries_each_key() {
    let token = sealed();
    let current = other_key();
    let previous = sample_key();
    let (opened, index) =
        jwe::open_with_any(&token, &[current, &previous]).expect("previous key opens it");
    assert_eq!(index, 1, "the second (previous) key is the one that fits");
    assert_eq!(opened.headers.sender_code(), Some("a"), "headers read");
    assert_eq!(
        jwe::open_with_any(&token, &[current]).err(),
        Some(JweError::WrongKey),
        "no key fits"
    );
    assert_eq!(jwe::open_with_any(&token, &[]).err(), Some(JweError::WrongKey), "no keys at all");
}

#[test]
fn key_formats() {
    let key = sample_key();
    assert_eq!(format!("{key:?}"), "PrivateKey(<redacted>)", "Debug must never show key material");
    let pkcs1 =
        openssl::rsa::Rsa::private_key_from_pem(fixture("sample-private-key.pem").as_bytes())
            .expect("rsa")
            .private_key_to_pem()
            .expect("pkcs1 pem");
    assert!(String::from_utf8_lossy(&pkcs1).contains("BEGIN RSA PRIVATE KEY"), "test uses PKCS#1");
    let k1 = PrivateKey::from_pem(&pkcs1).expect("PKCS#1 PEM is accepted");
    let token = sealed();
    assert!(jwe::open(&token, &k1).is_ok(), "PKCS#1 and PKCS#8 forms are the same key");
    let spki = key.public_key().expect("public").to_public_key_pem().expect("pem");
    let r = RecipientKey::from_public_key_pem(spki.as_bytes()).expect("SPKI public key PEM");
    assert_eq!(r.bits(), 2048, "sample key is RSA-2048");
    assert!(
        RecipientKey::from_pem(fixture("sample-certificate.pem").as_bytes()).is_ok(),
        "cert via from_pem"
    );
    assert!(
        matches!(PrivateKey::from_pem(b"garbage"), Err(JweError::BadKey(_))),
        "garbage is a typed BadKey error"
    );
    assert!(
        matches!(
            RecipientKey::from_certificate_pem(
                b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"
            ),
            Err(JweError::BadKey(_))
        ),
        "a broken certificate is a typed BadKey error"
    );
}
