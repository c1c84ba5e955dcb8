//! Two real `hcx sandbox --instance … --peer …` processes relay for each other: the independent
//! outside client (Python, platform HTTP API only, `hcx-sandbox/tests/outside_client.py`) runs
//! against instance A and completes a preauth with the demo payer hosted on instance B.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

const HCX: &str = env!("CARGO_BIN_EXE_hcx");

/// A child process that is killed when dropped, so a failing test leaves nothing behind.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("addr").port()
}

/// The interpreter: `HCX_TEST_PYTHON`, else `<workspace root>/.venv-test/bin/python`.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("HCX_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv-test/bin/python")
}

/// The instance's HCX identity, made before it starts so each peer can name the other's
/// certificate on its command line (the file `hcx sandbox` would create itself).
fn hcx_cert_path(data: &Path, instance: &str) -> PathBuf {
    let dir = hcx_sandbox::keys::identity_dir(data, "hcx");
    hcx_sandbox::keys::load_or_create_keys(&dir, &format!("hcx@{instance}")).expect("HCX identity");
    dir.join("cert.pem")
}

/// Starts one instance and returns it with its credential lines (admin first).
fn start(instance: &str, port: u16, data: &Path, peer: &str) -> (Proc, Vec<Value>) {
    let mut child = Command::new(HCX)
        .args(["sandbox", "--port", &port.to_string(), "--instance", instance, "--peer", peer])
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("hcx sandbox starts");
    let stdout = child.stdout.take().expect("stdout");
    let proc = Proc(child);
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let v: Value = serde_json::from_str(&line.expect("sandbox output")).expect("JSON line");
        lines.push(v);
        if lines.len() == 4 {
            break;
        }
    }
    assert_eq!(lines.len(), 4, "instance {instance} prints the admin and three demo participants");
    (proc, lines)
}

#[test]
fn the_outside_client_on_instance_a_completes_a_preauth_with_the_payer_on_instance_b() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (da, db) = (dir.path().join("a"), dir.path().join("b"));
    let (pa, pb) = (free_port(), free_port());
    let (ca, cb) = (hcx_cert_path(&da, "a"), hcx_cert_path(&db, "b"));
    let peer_b = format!("b=http://127.0.0.1:{pb}/api,{}", cb.display());
    let peer_a = format!("a=http://127.0.0.1:{pa}/api,{}", ca.display());
    let (_a, lines_a) = start("a", pa, &da, &peer_b);
    let (_b, lines_b) = start("b", pb, &db, &peer_a);
    assert_eq!(lines_a[0]["participant_code"], "hcx@a", "instance A runs under its own code");
    let payer_b = lines_b
        .iter()
        .find(|l| l["kind"] == "demo-payer")
        .and_then(|l| l["participant_code"].as_str())
        .expect("B's demo payer")
        .to_string();
    assert!(
        lines_a.iter().all(|l| l["participant_code"] != payer_b.as_str()),
        "the payer is not registered on A: A must find it through B"
    );
    let admin = &lines_a[0];
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../hcx-sandbox/tests/outside_client.py");
    let output = Command::new(python())
        .arg(script)
        .env("HCX_SANDBOX_BASE", format!("http://127.0.0.1:{pa}/api"))
        .env("HCX_SANDBOX_ADMIN_USER", admin["username"].as_str().unwrap_or_default())
        .env("HCX_SANDBOX_ADMIN_PASSWORD", admin["password"].as_str().unwrap_or_default())
        .env("HCX_DEMO_PAYER", &payer_b)
        .output()
        .expect("the Python interpreter runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("OUTSIDE CLIENT OK"),
        "the outside client on A must complete the preauth with B's payer through the relay.\nstdout: {stdout}\nstderr: {stderr}"
    );
}
