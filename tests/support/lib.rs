//! Shared support for cross-crate tests: a console on the real keychain under a throw-away
//! service name, captured log output, and the secret scan.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use hcx_console::{Console, ConsoleOptions};
use hcx_keys::{KeychainStore, SecretKind, SecretStore};

/// A keychain service name no real user data uses, unique per test.
pub fn test_app_id() -> String {
    format!("{}-{}", hcx_keys::TEST_APP_ID, uuid::Uuid::new_v4().simple())
}

/// Fails (never skips) when the real keychain is not reachable: these tests exist to prove the
/// Secret Service path works.
pub fn require_keychain(app_id: &str) {
    if let Err(e) = KeychainStore::new(app_id).probe() {
        panic!(
            "the OS keychain is not reachable ({e}); run the tests with scripts/test, which starts \
             gnome-keyring under dbus-run-session"
        );
    }
}

/// A console on `dir` with the real keychain (no memory fallback) and quick retries.
pub fn console(dir: &Path, app_id: &str) -> Console {
    let mut options = ConsoleOptions::new(dir);
    options.app_id = app_id.to_owned();
    options.memory_secrets_for_sandbox = false;
    options.outbox_retry.base_delay = chrono::TimeDelta::milliseconds(200);
    options.outbox_retry.max_delay = chrono::TimeDelta::seconds(1);
    options.outbox_poll = Duration::from_millis(200);
    Console::open(options).expect("the console opens its data directory")
}

/// Starts the outbox worker (after recovering interrupted sends) and the bridge poller of
/// `profile_id`, with a short long-poll wait so a test sees callbacks quickly.
pub fn start_loops(
    console: &Console,
    profile_id: &str,
) -> (hcx_console::OutboxWorker, hcx_console::BridgePoller) {
    console.recover_outbox().expect("interrupted sends are recovered");
    let worker = console.start_outbox_worker();
    let options = hcx_bridge::PollerOptions {
        wait: Duration::from_secs(2),
        ..hcx_bridge::PollerOptions::default()
    };
    let poller = console
        .start_bridge_poller_with(profile_id, options)
        .expect("the poller starts")
        .expect("the profile has a bridge");
    (worker, poller)
}

/// Everything the process logged (every crate, DEBUG and up), for the secret scan.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    /// The text logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs (once per test binary) a subscriber that records every log line.
pub fn capture_logs() -> LogBuffer {
    static LOGS: OnceLock<LogBuffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = LogBuffer::default();
        let writer = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        buffer
    })
    .clone()
}

/// The secrets a profile holds, read from the keychain (for the scan).
pub struct ProfileSecrets {
    /// PKCS#8 PEM.
    pub private_key_pem: String,
    /// Gateway password.
    pub password: String,
    /// Bridge mailbox token.
    pub bridge_token: String,
}

/// Reads a profile's secrets straight from the keychain.
pub fn read_secrets(app_id: &str, profile_id: &str) -> ProfileSecrets {
    let store = KeychainStore::new(app_id);
    let get = |kind| {
        store
            .get(profile_id, kind)
            .expect("the keychain answers")
            .unwrap_or_else(|| panic!("{kind:?} is in the keychain"))
            .expose()
            .to_owned()
    };
    ProfileSecrets {
        private_key_pem: get(SecretKind::PrivateKey),
        password: get(SecretKind::GatewaySecret),
        bridge_token: get(SecretKind::BridgeToken),
    }
}

/// Whether any of the profile's secrets still sits in the keychain.
pub fn keychain_has_any(app_id: &str, profile_id: &str) -> bool {
    let store = KeychainStore::new(app_id);
    SecretKind::ALL.iter().any(|k| store.get(profile_id, *k).ok().flatten().is_some())
}

/// Every file under `dir` whose name says it is an SQLite database (or its WAL/SHM).
pub fn sqlite_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Some(name) = p.file_name().and_then(|n| n.to_str())
                && (name.contains(".sqlite") || name.contains(".db"))
            {
                out.push(p);
            }
        }
    }
    out
}

/// Needles that would reveal a secret: the PEM marker, the key's base64 DER (whole and its
/// first PEM line), the password and the token.
pub fn secret_needles(s: &ProfileSecrets) -> Vec<(String, String)> {
    let der_b64: String =
        s.private_key_pem.lines().filter(|l| !l.starts_with("-----")).collect::<Vec<_>>().join("");
    let first_line =
        s.private_key_pem.lines().find(|l| !l.starts_with("-----")).unwrap_or_default().to_owned();
    vec![
        ("the key's base64 DER".to_owned(), der_b64),
        ("the key's first PEM line".to_owned(), first_line),
        ("the gateway password".to_owned(), s.password.clone()),
        ("the bridge token".to_owned(), s.bridge_token.clone()),
    ]
}

/// Asserts `haystack` (named `what`) holds none of `needles` and no private-key PEM.
pub fn assert_no_secrets(
    what: &str,
    haystack: &[u8],
    needles: &[(String, String)],
    pem_marker: bool,
) {
    let text = String::from_utf8_lossy(haystack);
    if pem_marker {
        assert!(
            !text.contains("PRIVATE KEY"),
            "{what} contains a private-key PEM; keys must live only in the keychain"
        );
    }
    for (name, needle) in needles {
        assert!(needle.len() >= 8, "{name} is long enough to search for");
        assert!(
            !text.contains(needle.as_str()),
            "{what} contains {name}; secrets must live only in the keychain"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> ProfileSecrets {
        ProfileSecrets {
            private_key_pem: "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n".into(),
            password: "s3cret-password".into(),
            bridge_token: "tok-0123456789".into(),
        }
    }

    #[test]
    #[should_panic(expected = "contains the gateway password")]
    fn the_scan_finds_a_leaked_password() {
        let needles = secret_needles(&secrets());
        assert_no_secrets("a log", b"login with s3cret-password ok", &needles, true);
    }

    #[test]
    #[should_panic(expected = "contains the key's base64 DER")]
    fn the_scan_finds_key_material_without_pem_markers() {
        let needles = secret_needles(&secrets());
        let leaked = b"blob MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7 end";
        assert_no_secrets("a database", leaked, &needles, false);
    }

    #[test]
    fn clean_text_passes() {
        let needles = secret_needles(&secrets());
        assert_no_secrets("a log", b"INFO sent /preauth/submit", &needles, true);
    }
}
