//! Builder outputs: NHCX shape, our checker's verdict, determinism, arithmetic, input errors.

use hcx_fhir::build::*;
use hcx_fhir::profiles::resource_profile;
use hcx_fhir::types::Resource;
use hcx_fhir::{Error, check};
use rust_decimal_macros::dec;

use crate::support::*;

#[test]
fn every_builder_output_passes_our_checker_without_any_finding() {
    for (name, bundle) in builder_outputs() {
        let findings = check(&bundle.to_value().unwrap());
        assert!(
            findings.is_empty(),
            "{name}: a bundle we build must satisfy every rule we check, found:\n{}",
            serde_json::to_string_pretty(&findings).unwrap()
        );
    }
}

#[test]
fn every_builder_output_is_an_nhcx_collection_with_uuid_full_urls_and_profiles() {
    for (name, bundle) in builder_outputs() {
        assert_eq!(
            bundle.type_.as_deref(),
            Some("collection"),
            "{name}: NHCX payloads are collections"
        );
        assert!(!bundle.entry.is_empty(), "{name}: has entries");
        for e in &bundle.entry {
            let r = e.resource.as_ref().expect("every entry carries a resource");
            let id = r.id().expect("every resource has an id");
            assert_eq!(
                e.full_url.as_deref(),
                Some(format!("urn:uuid:{id}").as_str()),
                "{name}: fullUrl is urn:uuid:<id> (fhir-payloads.md §2)"
            );
            let profile =
                resource_profile(r.resource_type()).expect("we only emit NRCeS-profiled types");
            assert_eq!(
                r.meta().map(|m| m.profile.clone()),
                Some(vec![profile]),
                "{name}: {} carries its NRCeS profile",
                r.resource_type()
            );
        }
    }
}

#[test]
fn deterministic_context_gives_identical_bundles() {
    let a =
        serde_json::to_string(&builder_outputs().into_iter().map(|(_, b)| b).collect::<Vec<_>>())
            .unwrap();
    let b =
        serde_json::to_string(&builder_outputs().into_iter().map(|(_, b)| b).collect::<Vec<_>>())
            .unwrap();
    assert_eq!(a, b, "snapshots rely on builders taking ids and time only from the context");
}

#[test]
fn live_context_uses_random_uuid_v4_ids() {
    let one = claim_bundle(&preauth(), &mut BuildContext::live()).unwrap();
    let two = claim_bundle(&preauth(), &mut BuildContext::live()).unwrap();
    let id = one.id.clone().unwrap();
    let parsed = uuid::Uuid::parse_str(&id).expect("bundle id is a UUID");
    assert_eq!(parsed.get_version_num(), 4, "live ids are random (v4) UUIDs");
    assert_ne!(one.id, two.id, "two live builds never share ids");
    assert!(check(&one.to_value().unwrap()).is_empty(), "a live build passes the checker too");
}

#[test]
fn claim_items_net_and_total_are_exact_decimals() {
    let bundle = claim_bundle(&preauth(), &mut BuildContext::deterministic(9, now())).unwrap();
    let Some(Resource::Claim(claim)) = bundle.entry[0].resource.as_ref() else {
        panic!("the Claim is the first entry (focal resource first)")
    };
    let nets: Vec<String> =
        claim.item.iter().map(|i| i.net.as_ref().unwrap().value.unwrap().to_string()).collect();
    assert_eq!(nets, ["25000.00", "4501.50", "123.50"], "net = quantity × unitPrice, to the paisa");
    assert_eq!(
        claim.total.as_ref().unwrap().value,
        Some(dec!(29625.00)),
        "total = 25000.00 + 4501.50 + 123.50"
    );
    let json = serde_json::to_string(&bundle).unwrap();
    assert!(
        json.contains(r#""unitPrice":{"value":1500.50,"currency":"INR"}"#),
        "1500.50 keeps its zero on the wire"
    );
}

#[test]
fn enhancement_and_resubmission_link_to_the_earlier_claim_by_number() {
    for (input, code) in
        [(enhancement(), "enhancement"), (resubmission(), "prior"), (final_claim(), "settlement")]
    {
        let bundle = claim_bundle(&input, &mut BuildContext::deterministic(3, now())).unwrap();
        let Some(Resource::Claim(claim)) = bundle.entry[0].resource.as_ref() else {
            panic!("claim first")
        };
        let related = claim.related.first().expect("Claim.related is set");
        assert_eq!(
            related.relationship.as_ref().unwrap().coding[0].code.as_deref(),
            Some(code),
            "the relationship says how the claims relate"
        );
        assert_eq!(
            related.claim.as_ref().unwrap().identifier.as_ref().unwrap().value.as_deref(),
            Some("CLM-2026-0042"),
            "the earlier claim is named by its claim number (it is not in this bundle)"
        );
    }
}

fn input_error(r: Result<hcx_fhir::types::Bundle, Error>) -> String {
    match r {
        Err(Error::InvalidInput { field, .. }) => field,
        other => panic!("expected a typed input error, got {other:?}"),
    }
}

#[test]
fn bad_form_input_is_a_typed_error_naming_the_field() {
    let mut ctx = BuildContext::deterministic(1, now());
    let mut c = preauth();
    c.items.clear();
    assert_eq!(
        input_error(claim_bundle(&c, &mut ctx)),
        "items",
        "a claim without items is refused"
    );

    let mut c = preauth();
    c.items[1].quantity = dec!(0);
    assert_eq!(
        input_error(claim_bundle(&c, &mut ctx)),
        "items[1].quantity",
        "zero quantity is refused"
    );

    let mut c = preauth();
    c.items[2].unit_price = dec!(-1);
    assert_eq!(
        input_error(claim_bundle(&c, &mut ctx)),
        "items[2].unitPrice",
        "negative prices are refused"
    );

    let mut c = preauth();
    c.patient.abha_number = Some("1234".into());
    assert_eq!(
        input_error(claim_bundle(&c, &mut ctx)),
        "patient.abhaNumber",
        "ABHA numbers have 14 digits"
    );

    let mut c = preauth();
    c.patient.name = "  ".into();
    assert_eq!(input_error(claim_bundle(&c, &mut ctx)), "patient.name", "a blank name is refused");

    let mut c = preauth();
    c.documents[0].attachment.title = None;
    assert_eq!(
        input_error(claim_bundle(&c, &mut ctx)),
        "documents[0].title",
        "untitled documents are refused"
    );

    let mut r = claim_rejected();
    r.items[0].benefit = dec!(10);
    assert_eq!(
        input_error(claim_response_bundle(&r, &mut ctx)),
        "decision",
        "a rejection cannot pay"
    );

    let mut q = communication_request();
    q.asks = vec![" ".into()];
    assert_eq!(
        input_error(communication_request_bundle(&q, &mut ctx)),
        "asks",
        "a query must ask something"
    );

    let mut e = eligibility_request();
    e.purposes.clear();
    assert_eq!(input_error(eligibility_request_bundle(&e, &mut ctx)), "purposes", "PAYR-1032");
}

#[test]
fn input_structs_come_from_the_ui_as_camel_case_json() {
    let json = serde_json::to_value(preauth()).unwrap();
    assert_eq!(json["use"], "preauthorization", "enums are the FHIR codes");
    assert_eq!(json["patient"]["abhaNumber"], "91-1234-5678-9012", "fields are camelCase");
    let back: ClaimInput = serde_json::from_value(json).unwrap();
    assert_eq!(back, preauth(), "the UI can send exactly what a form holds");
}
