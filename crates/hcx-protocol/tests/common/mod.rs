//! Helpers shared by the integration tests: fixtures, keys, a test registry, the Python finder.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hcx_protocol::Role;
use hcx_protocol::jwe::{PrivateKey, RecipientKey};
use hcx_protocol::validate::{ParticipantInfo, Registry};

pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name))
        .unwrap_or_else(|e| panic!("fixture {name} must be readable: {e}"))
        .trim()
        .to_owned()
}

pub fn sample_key() -> PrivateKey {
    PrivateKey::from_pem(fixture("sample-private-key.pem").as_bytes()).expect("sample key parses")
}

pub fn sample_recipient() -> RecipientKey {
    RecipientKey::from_certificate_pem(fixture("sample-certificate.pem").as_bytes())
        .expect("sample certificate parses")
}

/// A second, unrelated key pair (generated once; 2048-bit keygen is slow in debug builds).
pub fn other_key() -> &'static PrivateKey {
    static KEY: std::sync::OnceLock<PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate_rsa(2048).expect("RSA keygen works"))
}

/// The interpreter for Python interop tests: `HCX_TEST_PYTHON`, else
/// `<workspace>/.venv-test/bin/python`. Missing → the test FAILS (never skips).
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("HCX_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-test/bin/python");
    assert!(
        venv.exists(),
        "Python interop tests need {} (run scripts/test, or create it with `python3 -m venv \
         .venv-test && .venv-test/bin/pip install -r scripts/requirements-test.txt`) or set \
         HCX_TEST_PYTHON",
        venv.display()
    );
    venv
}

/// Run the jwcrypto helper with `args`, feeding `stdin`; returns stdout (panics with stderr).
pub fn jwcrypto(args: &[&str], stdin: &str) -> String {
    use std::io::Write as _;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/jwcrypto_helper.py");
    let mut child = Command::new(python())
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let out = child.wait_with_output().expect("python finishes");
    assert!(
        out.status.success(),
        "jwcrypto helper {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output").trim().to_owned()
}

/// In-memory registry for validation tests (a fake below the `Registry` seam).
#[derive(Default)]
pub struct TestRegistry(pub HashMap<String, ParticipantInfo>);

impl TestRegistry {
    pub fn with(mut self, code: &str, status: &str, roles: &[Role], owner: &str) -> Self {
        self.0.insert(
            code.to_owned(),
            ParticipantInfo {
                code: code.to_owned(),
                status: status.to_owned(),
                roles: roles.to_vec(),
                os_owner: Some(owner.to_owned()),
            },
        );
        self
    }
}

impl Registry for TestRegistry {
    fn participant(&self, code: &str) -> Option<ParticipantInfo> {
        self.0.get(code).cloned()
    }
}
