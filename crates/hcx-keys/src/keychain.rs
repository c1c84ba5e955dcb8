//! [`KeychainStore`]: profile secrets in the operating system's keychain, through `keyring`.
//!
//! * Linux (and the BSDs): the Secret Service D-Bus API (GNOME Keyring, KWallet, KeePassXC),
//!   chosen explicitly rather than through keyring's process-wide default builder, so that a
//!   test elsewhere calling `keyring::set_default_credential_builder(mock)` can never silently
//!   turn the real store into an in-memory one. Kernel keyutils is not used: it is lost on
//!   reboot (stack-notes §5).
//! * macOS: the login Keychain. Windows: Credential Manager (DPAPI).
//!
//! Each call builds a fresh `keyring::Entry`, so nothing is cached in this process: what we read
//! is what the keychain holds, also when another process wrote it.

use crate::store::account_name;
use crate::{KeysError, Result, Secret, SecretKind, SecretStore};

/// The name of the backend [`KeychainStore`] uses on this platform, for error messages,
/// diagnostics and the preflight screen.
pub fn backend_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else if cfg!(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")) {
        "Secret Service"
    } else {
        "unsupported platform"
    }
}

/// The real [`SecretStore`]: the OS keychain, namespaced by an application identifier.
///
/// The keychain *service* is the app id (`in.hcx.console` for users, `in.hcx.console.test` for
/// tests, so tests never touch real data), and the *account* is `{profile}/{kind}`.
#[derive(Debug, Clone)]
pub struct KeychainStore {
    app_id: String,
}

impl KeychainStore {
    /// A store whose entries live under the service name `app_id`.
    pub fn new(app_id: impl Into<String>) -> Self {
        Self { app_id: app_id.into() }
    }

    /// The service name entries are stored under.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    fn entry(&self, profile: &str, kind: SecretKind) -> Result<keyring::Entry> {
        let account = account_name(profile, kind)?;
        platform_entry(&self.app_id, &account).map_err(map_error)
    }

    /// Writes and deletes a throw-away entry, so the preflight screen can tell the user up front
    /// that the keychain works (rather than at the first key generation).
    pub fn probe(&self) -> Result<()> {
        let probe = Secret::new("hcx-keychain-probe".to_owned());
        self.set("keychain-probe", SecretKind::BridgeToken, &probe)?;
        let read = self.get("keychain-probe", SecretKind::BridgeToken)?;
        self.delete("keychain-probe", SecretKind::BridgeToken)?;
        match read {
            Some(value) if value.expose() == probe.expose() => Ok(()),
            _ => Err(KeysError::Keychain {
                backend: backend_name(),
                reason: "a value written to the keychain could not be read back".to_owned(),
            }),
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
fn platform_entry(service: &str, account: &str) -> keyring::Result<keyring::Entry> {
    // `None` target = the Secret Service "default" collection (the login keyring).
    let credential =
        keyring::secret_service::SsCredential::new_with_target(None, service, account)?;
    Ok(keyring::Entry::new_with_credential(Box::new(credential)))
}

#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
fn platform_entry(service: &str, account: &str) -> keyring::Result<keyring::Entry> {
    // On macOS and Windows keyring's default builder is the native keychain.
    keyring::Entry::new(service, account)
}

/// Turns a keyring error into ours without ever copying a stored value into the message.
fn map_error(err: keyring::Error) -> KeysError {
    let backend = backend_name();
    match err {
        keyring::Error::PlatformFailure(source) | keyring::Error::NoStorageAccess(source) => {
            KeysError::KeychainUnavailable { backend, reason: source.to_string() }
        }
        // The variant holds the stored bytes: they must not reach a message or a log.
        keyring::Error::BadEncoding(_) => {
            KeysError::Keychain { backend, reason: "the stored value is not UTF-8 text".to_owned() }
        }
        keyring::Error::Ambiguous(items) => KeysError::Keychain {
            backend,
            reason: format!(
                "{} keychain items match this entry; remove the duplicates in the keychain app",
                items.len()
            ),
        },
        other => KeysError::Keychain { backend, reason: other.to_string() },
    }
}

impl SecretStore for KeychainStore {
    fn get(&self, profile: &str, kind: SecretKind) -> Result<Option<Secret>> {
        match self.entry(profile, kind)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(map_error(err)),
        }
    }

    fn set(&self, profile: &str, kind: SecretKind, value: &Secret) -> Result<()> {
        self.entry(profile, kind)?.set_password(value.expose()).map_err(map_error)
    }

    fn delete(&self, profile: &str, kind: SecretKind) -> Result<()> {
        match self.entry(profile, kind)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(map_error(err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_encoding_never_reaches_the_message() {
        let err = map_error(keyring::Error::BadEncoding(b"top-secret-bytes".to_vec()));
        let text = format!("{err} {err:?}");
        assert!(
            !text.contains("top-secret") && !text.contains("116, 111, 112"),
            "the stored bytes must not leak into errors, got {text}"
        );
    }

    #[test]
    fn platform_failures_become_keychain_unavailable_with_a_fix() {
        let err = map_error(keyring::Error::PlatformFailure("no session bus".into()));
        assert!(
            matches!(err, KeysError::KeychainUnavailable { .. }),
            "a missing daemon must map to the stable KeychainUnavailable error, got {err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains("no session bus") && text.contains("dbus-run-session"),
            "the message keeps the platform reason and says how to fix it: {text}"
        );
    }

    #[test]
    fn invalid_profile_is_refused_before_touching_the_keychain() {
        let store = KeychainStore::new("in.hcx.console.test");
        assert!(
            matches!(
                store.get("a/b", SecretKind::PrivateKey),
                Err(KeysError::InvalidProfileId { .. })
            ),
            "profile ids are validated first, so this unit test needs no keychain"
        );
    }

    #[test]
    fn backend_is_named_for_this_platform() {
        if cfg!(target_os = "linux") {
            assert_eq!(backend_name(), "Secret Service", "Linux users get the Secret Service");
        }
        assert_ne!(backend_name(), "", "the backend name is shown to users and must not be empty");
    }
}
