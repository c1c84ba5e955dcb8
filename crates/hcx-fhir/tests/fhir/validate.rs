//! Every builder output parses and validates with independent FHIR R4 implementations
//! (fhir.resources 6.4.0 R4 models and fhirkit-rs; see tests/validate_r4.py).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{builder_outputs, crate_dir, python};

fn run_validator(files: &[PathBuf]) -> (bool, String) {
    let script = crate_dir().join("tests/validate_r4.py");
    let out = Command::new(python()).arg(&script).args(files).output().unwrap_or_else(|e| {
        panic!("could not start the Python validator {}: {e}", script.display())
    });
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn write(dir: &Path, name: &str, v: &serde_json::Value) -> PathBuf {
    let p = dir.join(format!("{name}.json"));
    std::fs::write(&p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    p
}

#[test]
fn every_builder_output_validates_as_fhir_r4_with_an_independent_implementation() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = builder_outputs();
    let files: Vec<PathBuf> =
        outputs.iter().map(|(name, b)| write(dir.path(), name, &b.to_value().unwrap())).collect();
    let (ok, report) = run_validator(&files);
    assert!(
        ok,
        "fhir.resources (R4 4.0.1) and fhirkit must accept every bundle we build:\n{report}"
    );
    assert!(
        report.contains(&format!("{} passed, 0 failed", outputs.len())),
        "the validator saw every file:\n{report}"
    );
}

#[test]
fn the_independent_validator_rejects_a_broken_bundle() {
    // Guards against a validator that accepts anything: an unknown element and a bad date in an
    // otherwise valid builder output must fail.
    let dir = tempfile::tempdir().unwrap();
    let (_, bundle) = builder_outputs().into_iter().find(|(n, _)| *n == "preauth").unwrap();
    let mut v = bundle.to_value().unwrap();
    v["entry"][1]["resource"]["birthDate"] = "1981-13-45".into();
    v["entry"][0]["resource"]["itemz"] = serde_json::json!([]);
    let file = write(dir.path(), "broken", &v);
    let (ok, report) = run_validator(&[file]);
    assert!(!ok, "an invalid date and an unknown element must be rejected:\n{report}");
    assert!(
        report.contains("birthDate") && report.contains("itemz"),
        "both problems are named:\n{report}"
    );
}
