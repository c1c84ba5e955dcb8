//! `hcx_fhir::cli`: what `hcx fhir check FILE` and `hcx fhir summary FILE` print and return.

use hcx_fhir::cli::{check_file, summary_file};

use crate::support::{builder_outputs, crate_dir};

#[test]
fn check_file_exits_1_on_a_legacy_bundle_and_0_on_ours() {
    let (report, code) = check_file(crate_dir().join("tests/fixtures/claims.json"));
    assert_eq!(code, 1, "the 2022 document bundle has errors for NHCX");
    assert!(report["errors"].as_u64().unwrap() > 0, "errors are counted: {report}");
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "bundle.type-not-collection")
    );

    let dir = tempfile::tempdir().unwrap();
    let (_, bundle) = builder_outputs().into_iter().next().unwrap();
    let path = dir.path().join("ours.json");
    std::fs::write(&path, serde_json::to_vec(&bundle).unwrap()).unwrap();
    let (report, code) = check_file(&path);
    assert_eq!(code, 0, "our bundle has no errors: {report}");
    assert_eq!(report["findings"], serde_json::json!([]), "and no warnings");
}

#[test]
fn check_file_reports_unreadable_and_non_json_files_as_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (report, code) = check_file(dir.path().join("missing.json"));
    assert_eq!(
        (code, report["findings"][0]["rule"].as_str()),
        (1, Some("file.unreadable")),
        "{report}"
    );
    let path = dir.path().join("garbage.json");
    std::fs::write(&path, "{ not json").unwrap();
    let (report, code) = check_file(&path);
    assert_eq!(
        (code, report["findings"][0]["rule"].as_str()),
        (1, Some("file.not-json")),
        "{report}"
    );
}

#[test]
fn summary_file_reads_a_fixture_and_refuses_garbage_with_a_typed_error() {
    let v = summary_file(crate_dir().join("tests/fixtures/coverageeligibility.json")).unwrap();
    assert_eq!(v["kind"], "Eligibility request", "the CER fixture is recognised: {v}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.json");
    std::fs::write(&path, "[1, 2").unwrap();
    match summary_file(&path) {
        Err(hcx_fhir::Error::NotJson { .. }) => {}
        other => panic!("a truncated file is a NotJson error, got {other:?}"),
    }
}
