//! Where each profile's secrets live: the OS keychain, always — except for SANDBOX profiles on a
//! machine without a keychain daemon (a fresh box running `hcx demo`), which fall back to a
//! process-memory store that is never persisted. The fallback is announced, clearly, each time
//! it starts.
//!
//! **Probing.** Whether the keychain works is probed (write, read, delete a throw-away entry)
//! on first use. A failed probe is never kept for the process: it is retried on the next use
//! once [`FAILED_PROBE_RETRY`] has passed (so a burst of calls against a locked keychain costs
//! one probe, not one per call), and a keychain error during any operation drops a good result
//! so the next use probes again. When a real keychain answers after a failure, it is used from
//! then on, also for sandbox profiles: the secrets the memory fallback collected meanwhile are
//! moved into it (where the keychain has no entry of its own) and the switch is logged.
//!
//! **Audit keys.** Each profile's audit-chain HMAC key ([`SecretKind::AuditKey`]) and the
//! console-wide one (account [`CONSOLE_ACCOUNT`]) are read here, created when missing, and
//! handed to the store in memory by [`crate::Console`]. The console-wide key never falls back
//! to memory: a throw-away key would make its chain unverifiable after a restart.
//!
//! Adapter note: hcx-keys ships an in-memory store only for unit tests (feature
//! `memory-store`), so a release build cannot keep real secrets in a map by accident. The
//! sandbox fallback is a deliberate product behaviour, so it lives here as [`SessionStore`] and
//! is reachable only through [`Secrets::store_for`], which refuses it for non-sandbox profiles.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use hcx_keys::{KeychainStore, KeysError, Secret, SecretKind, SecretStore, validate_profile_id};
use hcx_store::{Environment, Profile};

use crate::error::{ConsoleError, Result};

/// The line printed (and logged) when sandbox secrets are kept in memory.
pub const MEMORY_FALLBACK_NOTICE: &str = "No OS keychain is reachable: secrets of SANDBOX \
     profiles are kept in this process's memory only and are gone when it exits (production \
     and staging profiles still require the keychain).";

/// The keychain account prefix of console-wide secrets (the audit key of entries that belong to
/// no profile). Profile ids are UUIDs, so it cannot collide with one.
pub const CONSOLE_ACCOUNT: &str = "console";

/// How long a failed keychain probe is trusted before the next use probes again.
pub const FAILED_PROBE_RETRY: Duration = Duration::from_secs(1);

/// Process-memory secrets for sandbox profiles when no keychain exists. Never written anywhere.
#[derive(Default)]
pub struct SessionStore {
    entries: Mutex<HashMap<(String, SecretKind), Secret>>,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStore").finish_non_exhaustive()
    }
}

impl SessionStore {
    fn take_all(&self) -> Vec<((String, SecretKind), Secret)> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).drain().collect()
    }
}

impl SecretStore for SessionStore {
    fn get(&self, profile: &str, kind: SecretKind) -> hcx_keys::Result<Option<Secret>> {
        validate_profile_id(profile)?;
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(entries.get(&(profile.to_owned(), kind)).cloned())
    }

    fn set(&self, profile: &str, kind: SecretKind, value: &Secret) -> hcx_keys::Result<()> {
        validate_profile_id(profile)?;
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.insert((profile.to_owned(), kind), value.clone());
        Ok(())
    }

    fn delete(&self, profile: &str, kind: SecretKind) -> hcx_keys::Result<()> {
        validate_profile_id(profile)?;
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(profile.to_owned(), kind));
        Ok(())
    }
}

/// The last keychain probe.
#[derive(Debug, Default)]
struct Probe {
    /// `None` before the first probe or after a keychain error invalidated a good result.
    last: Option<ProbeResult>,
    /// Whether the memory fallback was used since the keychain last answered.
    fallback_in_use: bool,
}

#[derive(Debug, Clone)]
enum ProbeResult {
    Works,
    Failed { reason: String, at: Instant },
}

/// Chooses the secret store of a profile.
#[derive(Debug)]
pub struct Secrets {
    keychain: KeychainStore,
    session: SessionStore,
    probe: Mutex<Probe>,
    allow_session_for_sandbox: bool,
}

/// Whether an error means the keychain itself is unreachable or locked (as opposed to a bad
/// entry name or value).
fn is_keychain_failure(err: &KeysError) -> bool {
    matches!(err, KeysError::KeychainUnavailable { .. } | KeysError::Keychain { .. })
}

impl Secrets {
    /// Secrets under keychain service `app_id`. `allow_session_for_sandbox` enables the
    /// in-memory fallback for sandbox profiles when the keychain is unreachable.
    pub fn new(app_id: &str, allow_session_for_sandbox: bool) -> Self {
        Self {
            keychain: KeychainStore::new(app_id),
            session: SessionStore::default(),
            probe: Mutex::new(Probe::default()),
            allow_session_for_sandbox,
        }
    }

    /// The keychain service name.
    pub fn app_id(&self) -> &str {
        self.keychain.app_id()
    }

    /// Whether the keychain works now, probing when there is no fresh result.
    fn keychain_works(&self) -> std::result::Result<(), String> {
        let mut probe = self.probe.lock().unwrap_or_else(PoisonError::into_inner);
        match &probe.last {
            Some(ProbeResult::Works) => return Ok(()),
            Some(ProbeResult::Failed { reason, at }) if at.elapsed() < FAILED_PROBE_RETRY => {
                return Err(reason.clone());
            }
            _ => {}
        }
        match self.keychain.probe() {
            Ok(()) => {
                probe.last = Some(ProbeResult::Works);
                if std::mem::take(&mut probe.fallback_in_use) {
                    drop(probe);
                    self.adopt_session_secrets();
                }
                Ok(())
            }
            Err(e) => {
                let reason = e.to_string();
                probe.last =
                    Some(ProbeResult::Failed { reason: reason.clone(), at: Instant::now() });
                Err(reason)
            }
        }
    }

    /// The keychain answered again: move what the memory fallback collected into it. An entry
    /// the keychain already has wins (it is the one that survives restarts).
    fn adopt_session_secrets(&self) {
        let held = self.session.take_all();
        let mut moved = 0_usize;
        for ((profile, kind), value) in held {
            let result = match self.keychain.get(&profile, kind) {
                Ok(Some(_)) => Ok(()),
                Ok(None) => self.keychain.set(&profile, kind, &value).map(|()| moved += 1),
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                // Keep it in memory rather than lose it; the next failure re-enables the
                // fallback and the next recovery tries again.
                tracing::warn!(%profile, kind = kind.as_str(), "could not move a secret into the keychain: {e}");
                let _ = self.session.set(&profile, kind, &value);
            }
        }
        tracing::warn!(
            moved,
            "the OS keychain is reachable again: sandbox secrets are kept in it from now on"
        );
    }

    /// Records that a keychain operation failed, so the next use probes again instead of
    /// trusting the last good probe.
    fn observe<T>(&self, result: hcx_keys::Result<T>) -> Result<T> {
        if let Err(e) = &result
            && is_keychain_failure(e)
        {
            self.probe.lock().unwrap_or_else(PoisonError::into_inner).last = None;
        }
        Ok(result?)
    }

    /// The store for secrets of a profile in `environment`.
    fn store_for_environment(&self, environment: Environment) -> Result<&dyn SecretStore> {
        match self.keychain_works() {
            Ok(()) => Ok(&self.keychain),
            Err(_) if self.allow_session_for_sandbox && environment == Environment::Sandbox => {
                let mut probe = self.probe.lock().unwrap_or_else(PoisonError::into_inner);
                if !std::mem::replace(&mut probe.fallback_in_use, true) {
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

    /// The store holding `profile`'s secrets.
    pub fn store_for(&self, profile: &Profile) -> Result<&dyn SecretStore> {
        self.store_for_environment(profile.fields.environment)
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
        self.observe(self.store_for(profile)?.get(&profile.id, kind))
    }

    /// Writes one secret of a profile.
    pub fn set(&self, profile: &Profile, kind: SecretKind, value: &Secret) -> Result<()> {
        self.observe(self.store_for(profile)?.set(&profile.id, kind, value))
    }

    /// Removes one secret of a profile (missing is fine).
    pub fn delete(&self, profile: &Profile, kind: SecretKind) -> Result<()> {
        self.observe(self.store_for(profile)?.delete(&profile.id, kind))
    }

    /// Removes every secret of a profile.
    pub fn delete_all(&self, profile: &Profile) -> Result<()> {
        self.observe(hcx_keys::delete_profile_secrets(self.store_for(profile)?, &profile.id))
    }

    /// The audit-chain key of `chain` (a profile id in `environment`, or `None` for the
    /// console-wide chain), created and stored when it has none yet.
    pub(crate) fn audit_key(
        &self,
        chain: Option<&str>,
        environment: Environment,
    ) -> Result<hcx_store::AuditKey> {
        let (store, account): (&dyn SecretStore, &str) = match chain {
            Some(profile) => (self.store_for_environment(environment)?, profile),
            None => {
                self.keychain_works().map_err(|reason| {
                    ConsoleError::Keys(KeysError::KeychainUnavailable {
                        backend: hcx_keys::keychain::backend_name(),
                        reason,
                    })
                })?;
                (&self.keychain, CONSOLE_ACCOUNT)
            }
        };
        let secret = match self.observe(store.get(account, SecretKind::AuditKey))? {
            Some(secret) => secret,
            None => {
                let fresh = hcx_keys::generate_audit_key()?;
                self.observe(store.set(account, SecretKind::AuditKey, &fresh))?;
                fresh
            }
        };
        Ok(hcx_store::AuditKey::from_hex(secret.expose())?)
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
