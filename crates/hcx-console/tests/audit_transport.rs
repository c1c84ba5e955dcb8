//! The keyed audit log and the transport rule as a user meets them: the console API and the
//! `hcx` binary, the real keychain (Secret Service) and the real SQLite file.

use std::path::Path;
use std::process::{Command, Output};

use hcx_console::{
    AuditOutcome, Console, ConsoleError, ConsoleOptions, Dialect, Environment, NewProfile,
};
use hcx_keys::{KeychainStore, SecretKind, SecretStore};
use hcx_store::{AuditVerdict, ChainBreak};

fn app_id(test: &str) -> String {
    format!("{}-audit-{test}-{}", hcx_keys::TEST_APP_ID, std::process::id())
}

fn hcx(data: &Path, app_id: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hcx"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("HCX_APP_ID", app_id)
        .output()
        .expect("hcx runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn console(dir: &Path, app_id: &str) -> Console {
    let mut options = ConsoleOptions::new(dir);
    options.app_id = app_id.to_owned();
    // Production and staging profiles must find the real keychain; no memory fallback here.
    options.memory_secrets_for_sandbox = false;
    Console::open(options).expect("the console opens")
}

fn new_profile(name: &str, environment: Environment, gateway: &str) -> NewProfile {
    NewProfile {
        name: name.to_owned(),
        participant_code: format!("{}@swasth-hcx-dev", name.to_lowercase()),
        roles: vec!["provider.hospital".to_owned()],
        environment,
        gateway_url: gateway.to_owned(),
        dialect: Dialect::Swasth,
        bridge_url: None,
        username: None,
        email: None,
        password: None,
        hcx_code: None,
        bridge_token: None,
    }
}

/// Removes every keychain entry a test made, also when it fails.
struct Cleanup {
    app_id: String,
    ids: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let store = KeychainStore::new(&self.app_id);
        for id in self.ids.iter().map(String::as_str).chain([hcx_console::secrets::CONSOLE_ACCOUNT])
        {
            let _ = hcx_keys::delete_profile_secrets(&store, id);
        }
    }
}

fn tamper(db: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(db).expect("open the file as an attacker would");
    conn.execute_batch(&format!(
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete; \
         {sql}"
    ))
    .expect("plain SQL edits the log once the triggers are gone");
}

#[tokio::test]
async fn staging_and_production_refuse_plain_http_and_loopback_is_allowed_everywhere() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app_id = app_id("transport");
    let console = console(dir.path(), &app_id);
    let mut cleanup = Cleanup { app_id: app_id.clone(), ids: Vec::new() };

    for environment in [Environment::Production, Environment::Staging, Environment::Sandbox] {
        let refused = console
            .add_profile(new_profile("Remote", environment, "http://hcx.example.org/api"))
            .await;
        match refused {
            Err(e @ ConsoleError::InsecureTransport { .. }) => {
                let message = e.to_string();
                assert!(
                    message.starts_with(&format!(
                        "{} profiles need https:// gateway URLs",
                        environment.as_str()
                    )),
                    "the message names the environment and what to use: {message}"
                );
                assert_eq!(e.code(), "INSECURE_TRANSPORT", "front ends get a stable code");
            }
            other => {
                panic!("http:// to another host must be refused for {environment:?}: {other:?}")
            }
        }
        let mut with_bridge = new_profile("Bridged", environment, "https://hcx.example.org/api");
        with_bridge.bridge_url = Some("http://bridge.example.org".to_owned());
        assert!(
            matches!(
                console.add_profile(with_bridge).await,
                Err(ConsoleError::InsecureTransport { what: "bridge", .. })
            ),
            "a plain-http bridge on another host is refused too ({environment:?})"
        );
    }
    assert!(
        console.list_profiles().await.expect("list").is_empty(),
        "a refused profile leaves nothing behind"
    );

    // The embedded sandbox's production-like profiles (onboarding) and a local TLS proxy.
    for (name, gateway) in [
        ("Loop4", "http://127.0.0.1:8080/api"),
        ("Loop8", "http://127.8.9.10/api"),
        ("Loop6", "http://[::1]:8080/api"),
        ("Host", "http://localhost:8080/api"),
    ] {
        let p = console
            .add_profile(new_profile(name, Environment::Production, gateway))
            .await
            .unwrap_or_else(|e| panic!("loopback http {gateway} must be allowed: {e}"));
        cleanup.ids.push(p.id);
    }
    let https = console
        .add_profile(new_profile("Tls", Environment::Production, "https://hcx.example.org/api"))
        .await
        .expect("https is always allowed");
    cleanup.ids.push(https.id.clone());

    // Updating the bridge passes through the same rule.
    let token = hcx_console::Secret::new("t".repeat(32));
    let refused = console.set_bridge(&https.id, "http://bridge.example.org", &token).await;
    assert!(
        matches!(refused, Err(ConsoleError::InsecureTransport { what: "bridge", .. })),
        "set_bridge refuses plain http to another host: {refused:?}"
    );
    console
        .set_bridge(&https.id, "http://127.0.0.1:9000", &token)
        .await
        .expect("a loopback bridge is allowed");
}

#[test]
fn the_cli_refuses_plain_http_for_production_with_the_consoles_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app_id = app_id("cli-transport");
    let _cleanup = Cleanup { app_id: app_id.clone(), ids: Vec::new() };
    let out = hcx(
        dir.path(),
        &app_id,
        &[
            "profile",
            "add",
            "--name",
            "Remote",
            "--code",
            "remote@swasth-hcx-dev",
            "--gateway",
            "http://hcx.example.org/api",
            "--environment",
            "production",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "refused → exit 1: {}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("production profiles need https:// gateway URLs"),
        "the CLI shows the console's message: {}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn preflight_and_verify_report_a_tampered_chain_and_the_console_still_opens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app_id = app_id("preflight");
    let console = console(dir.path(), &app_id);
    let p = console
        .add_profile(new_profile("Clinic", Environment::Sandbox, "https://127.0.0.1:9/api"))
        .await
        .expect("profile");
    let _cleanup = Cleanup { app_id: app_id.clone(), ids: vec![p.id.clone()] };
    for _ in 0..3 {
        console.use_profile(&p.id).await.expect("select");
    }
    let checks = console.run_preflight().await.expect("preflight runs");
    let audit = checks.iter().find(|c| c.name == "audit log").expect("an audit log check");
    assert!(audit.ok, "an untouched chain passes: {}", audit.detail);
    assert!(audit.detail.contains("4 entries"), "added + 3 selections: {}", audit.detail);
    drop(console);

    tamper(&dir.path().join(hcx_console::DATABASE_FILE), "DELETE FROM audit_log WHERE id = 2;");
    let console = console_after_tamper(dir.path(), &app_id);
    let checks = console.run_preflight().await.expect("preflight runs");
    let audit = checks.iter().find(|c| c.name == "audit log").expect("an audit log check");
    assert!(!audit.ok, "a deleted entry fails preflight");
    assert!(
        audit.detail.contains("entry 3") && audit.detail.contains("profile.selected"),
        "the first bad entry is named with its event: {}",
        audit.detail
    );
    let found = console.verify_audit(Some(&p.id)).expect("verify");
    assert!(
        matches!(
            &found[0].outcome,
            AuditOutcome::Verified(AuditVerdict::Broken {
                entry_id: 3,
                reason: ChainBreak::Link { .. },
                ..
            })
        ),
        "the API reports the broken link: {found:?}"
    );
}

fn console_after_tamper(dir: &Path, app_id: &str) -> Console {
    // Opening logs the break loudly but must not refuse: the desk keeps working and can export.
    console(dir, app_id)
}

#[test]
fn hcx_audit_verify_reports_the_first_broken_link_and_the_key_stays_out_of_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app_id = app_id("cli-verify");
    let mut cleanup = Cleanup { app_id: app_id.clone(), ids: Vec::new() };
    let out = hcx(
        dir.path(),
        &app_id,
        &[
            "profile",
            "add",
            "--name",
            "Clinic",
            "--code",
            "clinic@swasth-hcx-dev",
            "--gateway",
            "https://hcx.example.org/api",
        ],
    );
    assert!(out.status.success(), "profile add: {}", text(&out.stderr));
    for _ in 0..3 {
        let out = hcx(dir.path(), &app_id, &["profile", "use", "Clinic"]);
        assert!(out.status.success(), "profile use: {}", text(&out.stderr));
    }
    let out = hcx(dir.path(), &app_id, &["audit", "verify"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "an intact log exits 0: {stdout}{}", text(&out.stderr));
    assert!(stdout.contains("intact: 4 entries, head "), "count and head are shown: {stdout}");

    // The key is in the keychain, and no byte of it is in the database files.
    let db = dir.path().join(hcx_console::DATABASE_FILE);
    let conn = rusqlite::Connection::open(&db).expect("open");
    let id: String =
        conn.query_row("SELECT id FROM profiles", [], |r| r.get(0)).expect("the profile row");
    drop(conn);
    cleanup.ids.push(id.clone());
    let key = KeychainStore::new(&app_id)
        .get(&id, SecretKind::AuditKey)
        .expect("keychain")
        .expect("the profile's audit key was created in the keychain");
    let hex = key.expose().to_owned();
    let raw: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).unwrap())
        .collect();
    let mut scanned = 0;
    for file in std::fs::read_dir(dir.path()).expect("data dir") {
        let path = file.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        scanned += bytes.len();
        for needle in [hex.as_bytes(), hex.to_ascii_uppercase().as_bytes(), raw.as_slice()] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "the audit key must never reach {}",
                path.display()
            );
        }
    }
    assert!(scanned > 4096, "the scan saw the database, {scanned} bytes");

    tamper(&db, "UPDATE audit_log SET event = 'profile.deleted' WHERE id = 3;");
    let out = hcx(dir.path(), &app_id, &["audit", "verify"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "a broken chain exits 1: {stdout}");
    assert!(
        stdout.contains("FAIL Clinic")
            && stdout.contains("broken at entry 3 (")
            && stdout.contains("profile.deleted"),
        "the first broken link is named with its id, time and event: {stdout}"
    );
}
