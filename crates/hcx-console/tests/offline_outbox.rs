//! The durable outbox as a user meets it, with real processes: the `hcx` binary for the
//! console and for the sandbox exchange, the real keychain (Secret Service), real SQLite files.
//!
//! With the exchange stopped, three sends are queued; the running console process is killed
//! with SIGKILL; the exchange and the console start again; all three requests are delivered
//! exactly once (the sandbox's audit shows exactly three accepted, no duplicates).
//!
//! It lives in this crate (not in `tests/`) because only here Cargo provides the path of the
//! built binary (`CARGO_BIN_EXE_hcx`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const HCX: &str = env!("CARGO_BIN_EXE_hcx");

/// A child process that is killed (SIGKILL) when dropped, so a failing test leaves nothing.
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

/// Starts `hcx sandbox` and returns it with its credential lines (admin first).
fn start_sandbox(port: u16, data: &Path) -> (Proc, Vec<Value>) {
    let mut child = Command::new(HCX)
        .args(["sandbox", "--port", &port.to_string(), "--data"])
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
        let line = line.expect("sandbox output");
        let v: Value = serde_json::from_str(&line).expect("a JSON credential line");
        lines.push(v);
        if lines.len() == 4 {
            break;
        }
    }
    assert_eq!(lines.len(), 4, "the sandbox prints the admin and three demo participants");
    (proc, lines)
}

struct Env {
    data: PathBuf,
    app_id: String,
}

impl Env {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(HCX);
        c.arg("--data").arg(&self.data).args(args).env("HCX_APP_ID", &self.app_id);
        c
    }

    fn run(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let out = self.cmd(args).envs(envs.iter().copied()).output().expect("hcx runs");
        assert!(
            out.status.success(),
            "`hcx {}` succeeds: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn spawn_run(&self) -> Proc {
        let child = self
            .cmd(&[
                "run",
                "--retry-base-ms",
                "200",
                "--retry-max-ms",
                "1000",
                "--retry-attempts",
                "1000",
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("hcx run starts");
        Proc(child)
    }

    fn threads(&self) -> Vec<Value> {
        let out = self.run(&["threads", "--json"], &[]);
        serde_json::from_slice(&out.stdout).expect("threads JSON")
    }
}

fn fixture() -> PathBuf {
    // A real FHIR sample (MIT, Swasth Digital Health Foundation; see shared/fixtures/README.md).
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../hcx-fhir/tests/fixtures/claims.json")
}

async fn audit_events(base_url: &str, username: &str, password: &str) -> Vec<Value> {
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base_url}/v0.8/participant/auth/token/generate"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token JSON");
    let token = token["access_token"].as_str().expect("an access token").to_owned();
    http.post(format!("{base_url}/v0.8/audit/search"))
        .bearer_auth(token)
        .json(&serde_json::json!({"filters": {}, "limit": 1000}))
        .send()
        .await
        .expect("audit request")
        .json()
        .await
        .expect("audit JSON")
}

#[test]
fn queued_sends_survive_sigkill_and_are_delivered_exactly_once() {
    let app_id = format!("{}-{}", hcx_keys::TEST_APP_ID, uuid::Uuid::new_v4().simple());
    if let Err(e) = hcx_keys::KeychainStore::new(&app_id).probe() {
        panic!("the OS keychain is not reachable ({e}); run the tests with scripts/test");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let sandbox_data = dir.path().join("sandbox");
    let port = free_port();
    let (sandbox, creds) = start_sandbox(port, &sandbox_data);
    let admin = &creds[0];
    let base_url = admin["base_url"].as_str().expect("base url").to_owned();
    let payer = creds
        .iter()
        .find(|c| c["kind"] == "demo-payer")
        .and_then(|c| c["participant_code"].as_str())
        .expect("the demo payer")
        .to_owned();
    let env = Env { data: dir.path().join("console"), app_id };
    let password = "offline-clinic-password";
    let username = "offline-clinic@example.org";
    env.run(
        &[
            "profile",
            "add",
            "--name",
            "Offline Clinic",
            "--code",
            "offline-clinic@sandbox",
            "--gateway",
            &base_url,
            "--role",
            "provider.hospital",
            "--username",
            username,
            "--password-env",
            "CLINIC_PW",
        ],
        &[("CLINIC_PW", password)],
    );
    env.run(&["keys", "generate"], &[]);
    env.run(
        &[
            "profile",
            "register-sandbox",
            "--admin-user",
            admin["username"].as_str().expect("admin user"),
            "--admin-password-env",
            "ADMIN_PW",
        ],
        &[("ADMIN_PW", admin["password"].as_str().expect("admin password"))],
    );

    // The exchange goes away; the console keeps working offline.
    drop(sandbox);
    let console = env.spawn_run();
    let file = fixture();
    let file = file.to_str().expect("utf-8 path");
    for _ in 0..3 {
        let out = env
            .run(&["send", "preauth/submit", "--to", &payer, "--file", file, "--queue-only"], &[]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("state queued"),
            "with the exchange down the request waits in the outbox: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    // Let the worker try (and fail) a few times, then kill it hard.
    std::thread::sleep(Duration::from_secs(3));
    let before = env.threads();
    assert_eq!(before.len(), 3, "three cycles are stored");
    for t in &before {
        assert!(
            matches!(t["state"].as_str(), Some("queued" | "sent")),
            "nothing can be acknowledged while the exchange is down: {t}"
        );
    }
    drop(console); // SIGKILL

    // Exchange and console come back.
    let (_sandbox, _) = start_sandbox(port, &sandbox_data);
    let console = env.spawn_run();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let rows = env.threads();
        if rows.iter().all(|t| t["state"] != "queued" && t["state"] != "sent") {
            for t in &rows {
                assert!(
                    matches!(t["state"].as_str(), Some("acknowledged" | "dispatched" | "complete")),
                    "each request is accepted after the restart: {t}"
                );
            }
            break;
        }
        assert!(Instant::now() < deadline, "the restarted console delivers the queue: {rows:?}");
        std::thread::sleep(Duration::from_millis(300));
    }

    let events = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(audit_events(&base_url, username, password));
    let ours: Vec<&Value> = events
        .iter()
        .filter(|e| e["action"].as_str().is_some_and(|a| a.ends_with("/preauth/submit")))
        .filter(|e| e["x-hcx-sender_code"] == "offline-clinic@sandbox")
        .collect();
    assert_eq!(ours.len(), 3, "exactly three requests reached the exchange: {ours:?}");
    let mut correlations: Vec<&str> =
        ours.iter().filter_map(|e| e["x-hcx-correlation_id"].as_str()).collect();
    correlations.sort_unstable();
    correlations.dedup();
    assert_eq!(correlations.len(), 3, "no request was accepted twice");
    let threads = env.threads();
    for t in &threads {
        let c = t["correlationId"].as_str().expect("correlation id");
        assert!(correlations.contains(&c), "the exchange holds our cycle {c}");
    }

    drop(console);
    env.run(&["profile", "remove", "offline-clinic@sandbox"], &[]);
}
