//! The console subcommands of `hcx` that need no exchange: FHIR tools and a fresh data dir.

use std::path::Path;
use std::process::{Command, Output};

fn hcx(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hcx"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("HCX_APP_ID", format!("{}-cli", hcx_keys::TEST_APP_ID))
        .output()
        .expect("hcx runs")
}

#[test]
fn fhir_check_exits_1_on_errors_and_summary_reads_a_fixture() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"resourceType": "Bundle", "type": "collection", "entry": [{}]}"#)
        .expect("write");
    let out = hcx(dir.path(), &["fhir", "check", bad.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1), "errors found → exit 1 so scripts can stop");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert!(report["errors"].as_u64().unwrap_or(0) > 0, "the report counts the errors: {report}");

    // A real FHIR sample (MIT, Swasth Digital Health Foundation; see shared/fixtures/README.md).
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../hcx-fhir/tests/fixtures/claims.json");
    let out = hcx(dir.path(), &["fhir", "summary", fixture.to_str().expect("path")]);
    assert!(out.status.success(), "summary succeeds: {}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON summary");
    assert!(summary.get("kind").is_some(), "the summary names the bundle's kind: {summary}");
}

#[test]
fn a_fresh_data_dir_has_no_profiles_and_says_what_to_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = hcx(dir.path(), &["profile", "list"]);
    assert!(out.status.success(), "listing an empty console works");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("hcx profile add"),
        "the clerk is told how to start"
    );
    let out = hcx(dir.path(), &["threads"]);
    assert_eq!(out.status.code(), Some(1), "no profile selected → a one-line error, exit 1");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no profile is selected"),
        "the error says what is missing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.path().join(hcx_console::DATABASE_FILE).exists(),
        "the database is created in --data, not in the user's home"
    );
}
