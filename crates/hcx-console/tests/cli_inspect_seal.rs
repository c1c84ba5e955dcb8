//! `hcx inspect` and `hcx seal` as a user runs them: the built binary, real files, and Python
//! jwcrypto (what the Python HCX SDK uses) on the other side.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn protocol_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../hcx-protocol")
}

fn fixture(name: &str) -> PathBuf {
    protocol_dir().join("tests/fixtures").join(name)
}

fn hcx(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hcx"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hcx starts");
    if let Some(s) = stdin {
        child.stdin.take().expect("stdin").write_all(s.as_bytes()).expect("write");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("hcx finishes")
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("HCX_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-test/bin/python");
    assert!(
        venv.exists(),
        "CLI interop tests need {} (run scripts/test) or HCX_TEST_PYTHON",
        venv.display()
    );
    venv
}

fn jwcrypto(args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(python())
        .arg(protocol_dir().join("tests/py/jwcrypto_helper.py"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("python finishes");
    assert!(
        out.status.success(),
        "jwcrypto helper failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A scratch file that is removed when dropped.
struct Scratch(PathBuf);
impl Scratch {
    fn new(name: &str, content: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("hcx-cli-test-{}-{name}", std::process::id()));
        std::fs::write(&p, content).expect("write scratch file");
        Scratch(p)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }
}
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

#[test]
fn inspect_decrypts_the_java_sdk_vector() {
    let out = hcx(
        &[
            "inspect",
            "--key",
            s(&fixture("sample-private-key.pem")),
            s(&fixture("java-sdk-coverageeligibility-rsa-oaep-256.jwe")),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "acceptance command succeeds: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    assert_eq!(
        v["payload"]["resourceType"], "Bundle",
        "the decrypted CoverageEligibility bundle is printed"
    );
    assert_eq!(v["alg"], "RSA-OAEP-256", "alg reported");
    assert_eq!(
        v["protected"]["x-hcx-timestamp"], "2022-10-27T11:07:48+0530",
        "header printed verbatim"
    );
    assert_eq!(v["errors"], json!([]), "nothing wrong with this token");
}

#[test]
fn seal_output_opens_in_jwcrypto() {
    let headers = Scratch::new(
        "headers.json",
        &json!({
        "x-hcx-sender_code": "prov@hcx", "x-hcx-recipient_code": "payr@hcx",
        "x-hcx-api_call_id": "a1", "x-hcx-correlation_id": "c1",
        "x-hcx-timestamp": "2026-11-21T20:30:05+05:30"})
        .to_string(),
    );
    let payload = r#"{"resourceType":"Bundle","id":"x?y>z"}"#;
    let out = hcx(
        &[
            "seal",
            "--cert",
            s(&fixture("sample-certificate.pem")),
            "--headers",
            headers.path(),
            "-",
        ],
        Some(payload),
    );
    assert!(out.status.success(), "seal succeeds: {}", String::from_utf8_lossy(&out.stderr));
    let body: Value = serde_json::from_slice(&out.stdout).expect("a JSON body");
    let token = body["payload"].as_str().expect("{\"payload\": \"<compact>\"}");
    let opened: Value =
        serde_json::from_str(&jwcrypto(&["open", s(&fixture("sample-private-key.pem"))], token))
            .expect("json");
    assert_eq!(opened["payload"], payload, "jwcrypto decrypts what `hcx seal` produced");
    assert_eq!(opened["protected"]["x-hcx-correlation_id"], "c1", "headers carried");
}

#[test]
fn inspect_opens_a_jwcrypto_rsa_oaep_token_from_stdin() {
    let req = json!({"headers": {"x-hcx-sender_code": "a", "x-hcx-recipient_code": "b",
        "x-hcx-api_call_id": "i", "x-hcx-correlation_id": "c", "x-hcx-timestamp": "2026-11-21T20:30:05+05:30"},
        "payload": "{\"resourceType\":\"Bundle\"}"});
    let token =
        jwcrypto(&["seal", s(&fixture("sample-certificate.pem")), "RSA-OAEP"], &req.to_string());
    let body = json!({"payload": token}).to_string();
    let out = hcx(&["inspect", "--key", s(&fixture("sample-private-key.pem")), "-"], Some(&body));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(v["alg"], "RSA-OAEP", "the Python SDK's alg");
    assert_eq!(
        v["payload"]["resourceType"], "Bundle",
        "decrypted from a {{payload}} body on stdin"
    );
}

#[test]
fn bad_input_fails_with_one_line() {
    let junk = Scratch::new("junk.txt", "definitely not a token");
    let out = hcx(&["inspect", junk.path()], None);
    assert_eq!(out.status.code(), Some(1), "unreadable input exits 1");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one-line reason: {err}");
    assert!(out.stdout.is_empty(), "nothing on stdout for bad input");

    let wrong_key = hcx(
        &[
            "inspect",
            "--key",
            s(&fixture("sample-certificate.pem")),
            s(&fixture("dotnet-sdk-small-rsa-oaep-256.jwe")),
        ],
        None,
    );
    assert_eq!(wrong_key.status.code(), Some(1), "a certificate is not a private key");

    let hdr = Scratch::new("hdr-bad.json", "[1,2]");
    let out = hcx(
        &[
            "seal",
            "--cert",
            s(&fixture("sample-certificate.pem")),
            "--headers",
            hdr.path(),
            s(&fixture("sample-certificate.pem")),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "non-object headers are refused");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("headers must be a JSON object"),
        "and the reason says so"
    );
}

#[test]
fn inspect_without_key_shows_headers_and_tampering_is_reported() {
    let out = hcx(&["inspect", s(&fixture("java-sdk-coverageeligibility-rsa-oaep-256.jwe"))], None);
    assert!(out.status.success(), "header-only inspection needs no key");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v["protected"]["x-hcx-api_call_id"], "1e1797bd-dbed-4192-b0c9-cef772724be5",
        "headers decoded"
    );
    assert_eq!(v["payload"], Value::Null, "no key, no payload");

    let out = hcx(&["inspect", s(&fixture("dotnet-sdk-small-rsa-oaep-256.jwe"))], None);
    assert_eq!(out.status.code(), Some(2), "the .NET unit-test token lacks every x-hcx header");
    let v: Value = serde_json::from_slice(&out.stdout).expect("report still printed");
    assert!(
        v["errors"][0].as_str().unwrap_or_default().starts_with("mandatory headers missing"),
        "{v}"
    );

    let token = std::fs::read_to_string(fixture("java-sdk-coverageeligibility-rsa-oaep-256.jwe"))
        .expect("read");
    let mut parts: Vec<String> = token.trim().split('.').map(str::to_owned).collect();
    parts[4] = if parts[4].starts_with('A') {
        format!("B{}", &parts[4][1..])
    } else {
        format!("A{}", &parts[4][1..])
    };
    let tampered = Scratch::new("tampered.jwe", &parts.join("."));
    let out =
        hcx(&["inspect", "--key", s(&fixture("sample-private-key.pem")), tampered.path()], None);
    assert_eq!(out.status.code(), Some(2), "a report with errors exits 2");
    let v: Value = serde_json::from_slice(&out.stdout).expect("report still printed");
    assert!(
        v["errors"][0].as_str().unwrap_or_default().contains("tampered"),
        "tag mismatch explained: {v}"
    );
}
