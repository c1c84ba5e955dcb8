//! Summaries of every fixture and every builder output, snapshot-tested. Snapshots live in
//! tests/snapshots/ and were read by a person; with CI=true insta fails on any difference instead
//! of writing a new snapshot.

use hcx_fhir::summarize;

use crate::support::{builder_outputs, fixtures};

fn snapshot(name: &str, summary: &hcx_fhir::Summary) {
    // Through serde_json (not insta's own serializer) so decimals print with their digits.
    let text = serde_json::to_string_pretty(&summary.to_value().unwrap()).unwrap();
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn fixture_summaries() {
    for (name, v) in fixtures() {
        snapshot(&format!("fixture_{name}"), &summarize(&v));
    }
}

#[test]
fn builder_output_summaries() {
    for (name, bundle) in builder_outputs() {
        snapshot(&format!("built_{name}"), &summarize(&bundle.to_value().unwrap()));
    }
}

#[test]
fn summaries_of_our_bundles_find_every_party() {
    for (name, bundle) in builder_outputs() {
        let s = summarize(&bundle.to_value().unwrap());
        assert!(s.payer.is_some() && s.provider.is_some(), "{name}: both organisations are found");
        assert!(s.remarks.is_empty(), "{name}: our own bundles need no guessing: {:?}", s.remarks);
        if !name.starts_with("payment") {
            assert_eq!(
                s.patient.as_ref().and_then(|p| p.name.as_deref()),
                Some("Asha Devi"),
                "{name}: the patient is found through the focal resource's reference"
            );
        }
    }
}
