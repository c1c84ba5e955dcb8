//! Reading keeps everything: typed parse + re-serialise gives the same JSON, numbers keep digits.

use hcx_fhir::types::{Bundle, Money, Resource};
use rust_decimal_macros::dec;
use serde_json::Value;

use crate::support::{builder_outputs, fixtures};

#[test]
fn every_fixture_parses_typed_and_reserialises_to_an_equal_value() {
    for (name, original) in fixtures() {
        let typed: Resource = serde_json::from_value(original.clone())
            .unwrap_or_else(|e| panic!("{name}: the typed model must accept the fixture: {e}"));
        let back = serde_json::to_value(&typed).unwrap();
        assert_eq!(
            back, original,
            "{name}: unknown fields are kept in `extra`, so nothing is lost"
        );
        assert!(
            !matches!(typed, Resource::Other(_)),
            "{name}: a modelled resource type must parse into its typed variant, not the raw fallback"
        );
    }
}

#[test]
fn fixture_entries_land_in_typed_variants_except_composition() {
    for (name, original) in fixtures() {
        let Ok(bundle) = serde_json::from_value::<Bundle>(original.clone()) else {
            continue; // bare resources
        };
        if original["resourceType"] != "Bundle" {
            continue;
        }
        for r in bundle.resources() {
            let is_other = matches!(r, Resource::Other(_));
            assert_eq!(
                is_other,
                r.resource_type() == "Composition",
                "{name}: {} must be typed (only Composition is unmodelled)",
                r.resource_type()
            );
        }
    }
}

#[test]
fn builder_outputs_round_trip_through_the_typed_model() {
    for (name, bundle) in builder_outputs() {
        let v = bundle.to_value().unwrap();
        let text = serde_json::to_string(&v).unwrap();
        let reread: Bundle = serde_json::from_str(&text).unwrap();
        assert_eq!(reread, bundle, "{name}: what we write, we read back identically");
    }
}

#[test]
fn money_keeps_its_digits_as_a_json_number() {
    let m = Money::inr(dec!(1000.50));
    let text = serde_json::to_string(&m).unwrap();
    assert_eq!(text, r#"{"value":1000.50,"currency":"INR"}"#, "1000.50 stays 1000.50, as a number");
    let back: Money = serde_json::from_str(&text).unwrap();
    assert_eq!(back.value.map(|v| v.to_string()), Some("1000.50".into()), "scale survives reading");
    let v: Value = serde_json::from_str(r#"{"value": 12500.00, "currency": "INR"}"#).unwrap();
    assert_eq!(
        serde_json::to_string(&v).unwrap(),
        r#"{"value":12500.00,"currency":"INR"}"#,
        "serde_json arbitrary_precision keeps a payer's 12500.00 through a Value"
    );
    let typed: Money = serde_json::from_value(v).unwrap();
    assert_eq!(typed.value, Some(dec!(12500.00)), "a Value converts to an exact decimal");
    assert_eq!(typed.value.unwrap().scale(), 2, "and keeps two decimal places");
}

#[test]
fn a_mistyped_modelled_resource_is_an_error_not_silently_raw() {
    let bad = serde_json::json!({"resourceType": "Claim", "item": [{"sequence": "one"}]});
    let err = serde_json::from_value::<Resource>(bad).unwrap_err().to_string();
    assert!(err.starts_with("Claim:"), "the error names the resource type: {err}");
}
