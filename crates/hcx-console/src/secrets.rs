//! Where each profile's secrets live: the OS keychain, always — except for SANDBOX profiles on a
//! machine without a keychain daemon (a fresh box running `hcx demo`), which fall back to a
//! process-memory store that is never persisted. The fallback is announced once, clearly.
//!
//! Adapter note: hcx-keys ships an in-memory store only for unit tests (feature
//! `memory-store`), so a release build cannot keep real secrets in a map by accident. The
//! sandbox fallback is a deliberate product behaviour, so it lives here as [`SessionStore`] and
//! is reachable only through [`Secrets::store_for`], which refuses it for non-sandbox profiles.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use hcx_keys::{KeychainStore, KeysError, Secret, SecretKind, SecretStore, validate_profile_id};
use hcx_store::{Environment, Profile};

use crate::error::{ConsoleError, Result};

/// The line printed (and logged) when sandbox secrets are kept in memory.
pub const MEMORY_FALLBACK_NOTICE: &str = "No OS keychain is reachable: secrets of SANDBOX \
     profiles are kept in this process's memory only and are gone when it exits (production \
     and staging profiles still require the keychain).";

/// Process-memory secrets for sandbox profiles when no keychain exists. Never written anywhere.
#[derive(Default)]
pub struct SessionStore {
    entries: Mutex<HashMap<String, Secret>>,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStore").finish_non_exhaustive()
    }
}

fn entry_name(profile: &str, kind: SecretKind) -> hcx_keys::Result<String> {
    validate_profile_id(profile)?;
    Ok(format!("{profile}/{}", kind.as_str()))
}

impl SecretStore for SessionStore {
    fn get(&self, profile: &str, kind: SecretKind) -> hcx_keys::Result<Option<Secret>> {
        let name = entry_name(profile, kind)?;
        Ok(self.entries.lock().unwrap_or_else(PoisonError::into_inner).get(&name).cloned())
    }

    fn set(&self, profile: &str, kind: SecretKind, value: &Secret) -> hcx_keys::Result<()> {
        let name = entry_name(profile, kind)?;
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).insert(name, value.clone());
        Ok(())
    }

    fn delete(&self, profile: &str, kind: SecretKind) -> hcx_keys::Result<()> {
        let name = entry_name(profile, kind)?;
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).remove(&name);
        Ok(())
    }
}

/// Chooses the secret store of a profile.
#[derive(Debug)]
pub struct Secrets {
    keychain: KeychainStore,
    session: SessionStore,
    /// Result of the first keychain probe (`Err(reason)` when unusable).
    probe: OnceLock<std::result::Result<(), String>>,
    allow_session_for_sandbox: bool,
    announced: AtomicBool,
}

impl Secrets {
    /// Secrets under keychain service `app_id`. `allow_session_for_sandbox` enables the
    /// in-memory fallback for sandbox profiles when the keychain is unreachable.
    pub fn new(app_id: &str, allow_session_for_sandbox: bool) -> Self {
        Self {
            keychain: KeychainStore::new(app_id),
            session: SessionStore::default(),
            probe: OnceLock::new(),
            allow_session_for_sandbox,
            announced: AtomicBool::new(false),
        }
    }

    /// The keychain service name.
    pub fn app_id(&self) -> &str {
        self.keychain.app_id()
    }

    fn keychain_works(&self) -> std::result::Result<(), String> {
        self.probe
            .get_or_init(|| match self.keychain.probe() {
                Ok(()) => Ok(()),
                Err(e @ (KeysError::KeychainUnavailable { .. } | KeysError::Keychain { .. })) => {
                    Err(e.to_string())
                }
                Err(e) => Err(e.to_string()),
            })
            .clone()
    }

    /// The store holding `profile`'s secrets.
    pub fn store_for(&self, profile: &Profile) -> Result<&dyn SecretStore> {
        match self.keychain_works() {
            Ok(()) => Ok(&self.keychain),
            Err(_)
                if self.allow_session_for_sandbox
                    && profile.fields.environment == Environment::Sandbox =>
            {
                if !self.announced.swap(true, Ordering::SeqCst) {
                    tracing::warn!("{MEMORY_FALLBACK_NOTICE}");
                }
                Ok(&self.session)
            }
            Err(reason) => Err(ConsoleError::Keys(KeysError::KeychainUnavailable {
                backend: hcx_keys::keychain::backend_name(),
                reason,
            })),
        }
    }

    /// A human name of the backend used for `profile` (for the key status screen).
    pub fn backend_for(&self, profile: &Profile) -> String {
        match self.store_for(profile) {
            Ok(_) if self.keychain_works().is_ok() => hcx_keys::keychain::backend_name().to_owned(),
            Ok(_) => "process memory (sandbox only, not persisted)".to_owned(),
            Err(_) => format!("{} (unavailable)", hcx_keys::keychain::backend_name()),
        }
    }

    /// Reads one secret of a profile.
    pub fn get(&self, profile: &Profile, kind: SecretKind) -> Result<Option<Secret>> {
        Ok(self.store_for(profile)?.get(&profile.id, kind)?)
    }

    /// Writes one secret of a profile.
    pub fn set(&self, profile: &Profile, kind: SecretKind, value: &Secret) -> Result<()> {
        Ok(self.store_for(profile)?.set(&profile.id, kind, value)?)
    }

    /// Removes one secret of a profile (missing is fine).
    pub fn delete(&self, profile: &Profile, kind: SecretKind) -> Result<()> {
        Ok(self.store_for(profile)?.delete(&profile.id, kind)?)
    }

    /// Removes every secret of a profile.
    pub fn delete_all(&self, profile: &Profile) -> Result<()> {
        Ok(hcx_keys::delete_profile_secrets(self.store_for(profile)?, &profile.id)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_store_round_trips_and_refuses_colliding_ids() {
        let s = SessionStore::default();
        s.set("p1", SecretKind::GatewaySecret, &Secret::new("pw".to_owned())).unwrap();
        assert_eq!(
            s.get("p1", SecretKind::GatewaySecret).unwrap().map(|v| v.expose().to_owned()),
            Some("pw".to_owned()),
            "a secret set for a profile is read back for it"
        );
        assert!(
            s.get("p1", SecretKind::BridgeToken).unwrap().is_none(),
            "kinds are separate entries"
        );
        assert!(
            s.set("a/b", SecretKind::GatewaySecret, &Secret::new("x".to_owned())).is_err(),
            "ids with '/' could alias another profile's entry, so they are refused"
        );
        s.delete("p1", SecretKind::GatewaySecret).unwrap();
        assert!(s.get("p1", SecretKind::GatewaySecret).unwrap().is_none(), "deleted");
        assert_eq!(format!("{s:?}"), "SessionStore { .. }", "Debug never lists entries");
    }
}
