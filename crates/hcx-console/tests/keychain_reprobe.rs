//! The keychain probe against the real Secret Service: a keychain that is locked when the
//! console first needs it is used as soon as it is unlocked, without a restart, and the secrets
//! a sandbox profile kept in memory meanwhile move into it.
//!
//! The test locks the default collection over D-Bus (`dbus-send … Service.Lock`) and brings it
//! back by replacing the running gnome-keyring daemon with an unlocked one
//! (`gnome-keyring-daemon --replace --unlock`, in a throw-away HOME so no password has to be
//! known). It is its own test binary because locking the keychain would disturb any other
//! keychain test running in parallel threads of the same binary.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use hcx_console::secrets::{FAILED_PROBE_RETRY, Secrets};
use hcx_keys::{KeychainStore, Secret, SecretKind, SecretStore};
use hcx_store::{Dialect, Environment, Profile, ProfileFields};

fn profile(id: &str, environment: Environment) -> Profile {
    Profile {
        id: id.to_owned(),
        fields: ProfileFields {
            name: id.to_owned(),
            participant_code: format!("{id}@swasth-hcx-dev"),
            roles: vec!["provider.hospital".to_owned()],
            environment,
            gateway_base_url: "https://hcx.example.org/api".to_owned(),
            dialect: Dialect::Swasth,
            bridge_url: None,
            username: None,
            email: None,
            hcx_code: None,
        },
        certificate_pem: None,
        active: false,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn lock_default_collection() {
    let status = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/aliases/default",
        ])
        .stdout(Stdio::null())
        .status()
        .expect("dbus-send runs (package dbus)");
    assert!(status.success(), "the Secret Service locks its default collection");
}

/// Replaces the running daemon with one whose login keyring is new and unlocked.
fn unlock_by_replacing_the_daemon(home: &std::path::Path) {
    use std::io::Write as _;
    let mut child = Command::new("gnome-keyring-daemon")
        .args(["--replace", "--unlock", "--components=secrets"])
        .env("HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon starts");
    child.stdin.take().expect("stdin").write_all(b"reprobe-test\n").expect("password");
    assert!(child.wait().expect("daemon forks").success(), "the replacement daemon starts");
}

/// Keeps the session usable for later test binaries even when an assertion fails.
struct Unlocked(Option<tempfile::TempDir>);

impl Drop for Unlocked {
    fn drop(&mut self) {
        if let Some(home) = self.0.take() {
            unlock_by_replacing_the_daemon(home.path());
            // The daemon keeps its keyring directory open; leave it for the session's end.
            std::mem::forget(home);
        }
    }
}

#[test]
#[ignore = "replaces the session's keyring daemon: scripts/test runs it alone, in a D-Bus session of its own"]
fn a_keychain_that_comes_back_is_used_without_a_restart() {
    let app_id = format!("{}-reprobe-{}", hcx_keys::TEST_APP_ID, std::process::id());
    let secrets = Secrets::new(&app_id, true);
    let production = profile("reprobe-prod", Environment::Production);
    let sandbox = profile("reprobe-sandbox", Environment::Sandbox);

    // The production secret exists before the keychain is locked; `secrets` has not probed yet.
    let keychain = KeychainStore::new(&app_id);
    keychain
        .set(&production.id, SecretKind::GatewaySecret, &Secret::new("prod-pw".to_owned()))
        .expect("the Secret Service must be reachable at the start (run under dbus-run-session)");
    lock_default_collection();
    let mut guard = Unlocked(Some(tempfile::tempdir().expect("a HOME for the new daemon")));
    assert!(
        secrets.get(&production, SecretKind::GatewaySecret).is_err(),
        "the first probe finds the keychain locked: a production profile gets an error, never \
         memory"
    );
    let password = Secret::new("sandbox-pw-while-locked".to_owned());
    secrets
        .set(&sandbox, SecretKind::GatewaySecret, &password)
        .expect("a sandbox profile falls back to process memory");
    assert!(
        secrets.backend_for(&sandbox).starts_with("process memory"),
        "the fallback is visible on the key screen: {}",
        secrets.backend_for(&sandbox)
    );

    if let Some(home) = guard.0.take() {
        unlock_by_replacing_the_daemon(home.path());
        std::mem::forget(home);
    }
    // Bounded wait: the failed probe is retried once FAILED_PROBE_RETRY has passed.
    let deadline = Instant::now() + FAILED_PROBE_RETRY * 10 + Duration::from_secs(10);
    while secrets.get(&production, SecretKind::GatewaySecret).is_err() {
        assert!(
            Instant::now() < deadline,
            "the keychain is unlocked, so the console must use it again without a restart"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        secrets.backend_for(&sandbox),
        hcx_keys::keychain::backend_name(),
        "once a real keychain answers, sandbox profiles use it too"
    );
    let moved = keychain.get(&sandbox.id, SecretKind::GatewaySecret).expect("keychain read");
    assert_eq!(
        moved.as_ref().map(Secret::expose),
        Some(password.expose()),
        "the secret kept in memory while the keychain was locked moved into the keychain"
    );
    let _ = hcx_keys::delete_profile_secrets(&keychain, &sandbox.id);
    let _ = hcx_keys::delete_profile_secrets(&keychain, &production.id);
}
