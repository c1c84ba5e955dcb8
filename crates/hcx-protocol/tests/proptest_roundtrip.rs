//! Property: any x-hcx header map and any payload survive seal → open, and the emitted header
//! segment always decodes with the STANDARD base64 alphabet (the gateway's Java decoder).

mod common;

use base64::Engine as _;
use common::{sample_key, sample_recipient};
use hcx_protocol::{Headers, jwe};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::from),
        "[ -~]{0,40}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z?>~é]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn header_map() -> impl Strategy<Value = Headers> {
    prop::collection::btree_map("x-hcx-[a-z_>?~ü-]{1,16}", json_value(), 0..10)
        .prop_map(|m| Headers::from_map(m.into_iter().collect()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_headers_and_payload_round_trip(headers in header_map(), payload in json_value()) {
        let payload_bytes = payload.to_string().into_bytes();
        let token = jwe::seal(&headers, &payload_bytes, &sample_recipient()).expect("seal never fails on x-hcx headers");
        let segment = token.split('.').next().unwrap_or_default();
        prop_assert!(!segment.contains(['-', '_']), "header segment must be standard-alphabet clean: {}", segment);
        let decoded = base64::engine::general_purpose::STANDARD_NO_PAD.decode(segment);
        prop_assert!(decoded.is_ok(), "Java's Base64.getDecoder() equivalent must accept the header");
        let opened = jwe::open(&token, &sample_key()).expect("our token opens");
        prop_assert_eq!(&opened.payload, &payload_bytes, "payload bytes survive");
        for (k, v) in headers.iter() {
            prop_assert_eq!(opened.headers.get(k), Some(v), "header {} survives", k);
        }
        prop_assert_eq!(opened.headers.len(), headers.len() + 2, "exactly alg and enc are added");
    }
}
