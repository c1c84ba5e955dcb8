//! An outside client that knows only the platform's HTTP API (Python: jwcrypto + requests)
//! onboards through /participant/create and completes a preauth cycle with the demo payer.

use std::path::PathBuf;
use std::process::Command;

use hcx_sandbox::{DemoKind, Sandbox, SandboxConfig};

/// The interpreter: `HCX_TEST_PYTHON`, else `<workspace root>/.venv-test/bin/python`.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("HCX_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = root.join(".venv-test/bin/python");
    assert!(
        venv.exists(),
        "no Python test interpreter: set HCX_TEST_PYTHON or run scripts/test (it creates {})",
        venv.display()
    );
    venv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_outside_client_completes_a_preauth_with_the_demo_payer() {
    let python = python();
    let dir = tempfile::tempdir().expect("temp dir");
    let sandbox =
        Sandbox::start(SandboxConfig::for_tests(dir.path())).await.expect("sandbox starts");
    let admin = sandbox.admin_credentials().clone();
    let payer = sandbox.participant(DemoKind::Payer).expect("demo payer").participant_code.clone();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/outside_client.py");
    let base = sandbox.base_url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .env("HCX_SANDBOX_BASE", base)
            .env("HCX_SANDBOX_ADMIN_USER", &admin.username)
            .env("HCX_SANDBOX_ADMIN_PASSWORD", admin.password.expose())
            .env("HCX_DEMO_PAYER", payer)
            .output()
    })
    .await
    .expect("join")
    .expect("the Python interpreter runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("OUTSIDE CLIENT OK"),
        "the outside client must complete the preauth cycle using only the HTTP API.\nstdout: {stdout}\nstderr: {stderr}"
    );
    sandbox.shutdown().await;
}
