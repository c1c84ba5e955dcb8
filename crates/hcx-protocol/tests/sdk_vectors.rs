//! Decrypt the JWEs the Swasth SDKs produced with their shared sample key, and read the
//! header-only tokens from the Java SDK's validation tests.

mod common;

use common::{fixture, sample_key};
use hcx_protocol::jwe::{self, JweError, KeyAlg};

#[test]
fn java_sdk_coverageeligibility_vector_opens() {
    let token = fixture("java-sdk-coverageeligibility-rsa-oaep-256.jwe");
    let opened = jwe::open(&token, &sample_key()).expect("the Java SDK 1.0.8 vector must decrypt");
    let h = &opened.headers;
    assert_eq!(opened.alg, KeyAlg::RsaOaep256, "Java SDK 1.0.8 uses RSA-OAEP-256");
    assert_eq!(h.enc(), Some("A256GCM"), "HCX content encryption is A256GCM");
    assert_eq!(h.sender_code(), Some("testprovider1.apollo@swasth-hcx-dev"), "vector's sender");
    assert_eq!(
        h.recipient_code(),
        Some("testprovider1.apollo@swasth-hcx-dev"),
        "vector's recipient"
    );
    assert_eq!(h.timestamp(), Some("2022-10-27T11:07:48+0530"), "Java writes +0530 without colon");
    assert_eq!(
        h.correlation_id(),
        Some("d4f56d79-4908-4a99-a8dd-a3b733fde8d6"),
        "vector's correlation id"
    );
    assert_eq!(
        h.api_call_id(),
        Some("1e1797bd-dbed-4192-b0c9-cef772724be5"),
        "vector's api call id"
    );
    assert_eq!(h.len(), 7, "5 protocol headers + alg + enc, nothing lost or added: {h:?}");
    let payload = opened.payload_json().expect("payload is JSON");
    assert_eq!(payload["resourceType"], "Bundle", "HCX payloads are FHIR bundles");
    let ts = hcx_protocol::time::parse_timestamp(h.timestamp().unwrap_or_default());
    assert!(ts.is_ok(), "the Java SDK's timestamp format must parse: {ts:?}");
}

#[test]
fn dotnet_sdk_small_vector_opens() {
    let token = fixture("dotnet-sdk-small-rsa-oaep-256.jwe");
    let opened = jwe::open(&token, &sample_key()).expect("the .NET SDK vector must decrypt");
    assert_eq!(opened.alg, KeyAlg::RsaOaep256, ".NET SDK uses RSA-OAEP-256");
    for i in 1..=4 {
        assert_eq!(
            opened.headers.get_str(&format!("Header{i}")),
            Some(format!("Value{i}").as_str()),
            "non-x-hcx headers are preserved on read"
        );
    }
    let payload = opened.payload_json().expect("payload is JSON");
    for i in 1..=4 {
        assert_eq!(payload[format!("Key{i}")], format!("Value{i}"), "payload key {i}");
    }
}

#[test]
fn header_only_tokens_peek_but_do_not_open() {
    for (name, header) in [
        ("java-sdk-header-only-debugDetails.txt", "x-hcx-debug_details"),
        ("java-sdk-header-only-debugFlag.txt", "x-hcx-debug_flag"),
        ("java-sdk-header-only-errorDetailsCodeMessage.txt", "x-hcx-error_details"),
        ("java-sdk-header-only-errorDetailsEmpty.txt", "x-hcx-error_details"),
    ] {
        let token = fixture(name);
        let headers = jwe::peek_headers(&token)
            .unwrap_or_else(|e| panic!("{name}: standard-base64 padded headers must be read: {e}"));
        assert!(headers.contains(header), "{name} carries {header}");
        assert_eq!(headers.alg(), Some("RSA-OAEP"), "{name}: these Java test tokens say RSA-OAEP");
        let err = jwe::open(&token, &sample_key()).expect_err("filler parts cannot decrypt");
        assert!(
            matches!(err, JweError::WrongKey | JweError::BadBase64 { .. }),
            "{name}: junk encrypted_key must be a typed key/base64 error, got {err:?}"
        );
    }
}

/// Unlike its siblings, this Java SDK token is the protected header alone (no dots), so as a
/// message it is structurally malformed; its header is still readable on its own.
#[test]
fn error_details_vector_is_a_bare_header() {
    let token = fixture("java-sdk-header-only-errorDetails.txt");
    assert!(
        matches!(jwe::peek_headers(&token), Err(JweError::Malformed(_))),
        "one part instead of five is Malformed (the gateway says ERR_INVALID_PAYLOAD)"
    );
    let padded = format!("{token}.a.b.c.d");
    let headers = jwe::peek_headers(&padded).expect("the header segment itself decodes");
    let details =
        headers.error_details().expect("present").expect("well-formed {code,message,trace}");
    assert_eq!(details.code, "ERR_INVALID_PAYLOAD", "code from the Java test");
    assert_eq!(details.trace.as_deref(), Some(""), "empty trace kept as empty, not dropped");
}
