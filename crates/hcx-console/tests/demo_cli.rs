//! `hcx demo` as a new user runs it on a fresh clone: one command, no setup, and the terminal
//! shows a preauth approved by the demo payer, with its timeline.

use std::process::Command;

#[test]
fn hcx_demo_prints_an_approved_preauth_timeline() {
    let home = tempfile::tempdir().expect("temp dir");
    let app_id = format!("{}-{}", hcx_keys::TEST_APP_ID, uuid::Uuid::new_v4().simple());
    let out = Command::new(env!("CARGO_BIN_EXE_hcx"))
        .args(["demo", "--timeout-secs", "60"])
        // A fresh machine: no console data yet; a throw-away keychain namespace.
        .env("HCX_DATA", home.path().join("no-data-yet"))
        .env("HCX_APP_ID", &app_id)
        .env("RUST_LOG", "warn")
        .output()
        .expect("hcx demo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "hcx demo exits 0: {stdout}\n{stderr}");
    assert!(
        stdout.contains("Preauth to demo-payer@sandbox")
            || stdout.contains("Preauth to Demo Payer"),
        "the timeline is the preauth sent to the demo payer: {stdout}"
    );
    assert!(stdout.contains("COMPLETE"), "the preauth cycle is finished: {stdout}");
    assert!(
        stdout.contains("Approved 39,500.00 of 39,500.00"),
        "the payer's answer approves the whole amount, shown with Indian grouping: {stdout}"
    );
    assert!(
        stdout.contains("/preauth/submit") && stdout.contains("/preauth/on_submit"),
        "both messages are listed"
    );
    assert!(stdout.contains("Next: submitClaim"), "the next step is offered: {stdout}");
    assert!(
        !home.path().join("no-data-yet").exists(),
        "the demo keeps its data in a throw-away directory, not in the user's data dir"
    );
}
