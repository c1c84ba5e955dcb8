//! The secret-store seam: [`SecretStore`], the kinds of secret a profile owns, and (for unit
//! tests only) [`MemoryStore`].

use crate::{KeysError, Result, Secret};

/// The secrets a participant profile keeps in the keychain, and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretKind {
    /// The RSA private key (PKCS#8 PEM) matching the profile's registered certificate.
    PrivateKey,
    /// The key that was current before the last rotation, kept so answers encrypted to the old
    /// certificate (while the registry propagates the new one) can still be decrypted.
    PreviousPrivateKey,
    /// The gateway password or client secret used to obtain access tokens.
    GatewaySecret,
    /// The token that authenticates the console to its store-and-forward bridge mailbox.
    BridgeToken,
    /// The bearer token of a pending onboarding application (status, OTP and the one-time
    /// credentials fetch); deleted once the credentials are in.
    ApplicantToken,
    /// The HMAC key of the profile's audit chain (hex), created with the profile. The console
    /// hands it to the store in memory; it is never written anywhere else.
    AuditKey,
}

impl SecretKind {
    /// Every kind, so a profile's secrets can be removed together.
    pub const ALL: [SecretKind; 6] = [
        SecretKind::PrivateKey,
        SecretKind::PreviousPrivateKey,
        SecretKind::GatewaySecret,
        SecretKind::BridgeToken,
        SecretKind::ApplicantToken,
        SecretKind::AuditKey,
    ];

    /// The stable name used in keychain entry names. Never change these: existing users' keys
    /// are found by them.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::PrivateKey => "private-key",
            SecretKind::PreviousPrivateKey => "previous-private-key",
            SecretKind::GatewaySecret => "gateway-secret",
            SecretKind::BridgeToken => "bridge-token",
            SecretKind::ApplicantToken => "applicant-token",
            SecretKind::AuditKey => "audit-key",
        }
    }
}

/// Where a profile's secrets live. [`crate::KeychainStore`] is the real one; `MemoryStore`
/// exists for unit tests below this seam.
pub trait SecretStore: Send + Sync {
    /// Reads a secret; a missing entry is `Ok(None)`, not an error.
    fn get(&self, profile: &str, kind: SecretKind) -> Result<Option<Secret>>;
    /// Creates or replaces a secret.
    fn set(&self, profile: &str, kind: SecretKind, value: &Secret) -> Result<()>;
    /// Removes a secret. Removing a missing entry succeeds, so cleanup can be retried.
    fn delete(&self, profile: &str, kind: SecretKind) -> Result<()>;
}

/// Longest profile id accepted; keychain attribute values have platform limits and ids are
/// generated UUIDs (36 characters) in practice.
const MAX_PROFILE_ID_LEN: usize = 128;

/// Checks that a profile id can name keychain entries unambiguously.
///
/// The entry name is `{profile}/{kind}`, so `/` would let one profile's name collide with
/// another's; whitespace and control characters would be invisible in keychain UIs.
pub fn validate_profile_id(profile: &str) -> Result<()> {
    let reason = if profile.is_empty() {
        Some("it is empty")
    } else if profile.len() > MAX_PROFILE_ID_LEN {
        Some("it is longer than 128 bytes")
    } else if !profile.chars().all(|c| c.is_ascii_graphic() && c != '/') {
        Some("only printable ASCII without '/' or spaces is allowed")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(KeysError::InvalidProfileId { profile: profile.to_owned(), reason }),
        None => Ok(()),
    }
}

/// The account (user) name of a profile's secret inside the app's keychain service.
pub(crate) fn account_name(profile: &str, kind: SecretKind) -> Result<String> {
    validate_profile_id(profile)?;
    Ok(format!("{profile}/{}", kind.as_str()))
}

#[cfg(any(test, feature = "memory-store"))]
pub use memory::MemoryStore;

#[cfg(any(test, feature = "memory-store"))]
mod memory {
    use std::collections::HashMap;
    use std::sync::{Mutex, PoisonError};

    use super::{SecretKind, SecretStore, account_name};
    use crate::{Result, Secret};

    /// An in-process [`SecretStore`] for unit tests. It is compiled only for this crate's tests
    /// or with the `memory-store` feature, which other crates enable only as a dev-dependency.
    #[derive(Debug, Default)]
    pub struct MemoryStore {
        entries: Mutex<HashMap<String, Secret>>,
    }

    impl MemoryStore {
        /// An empty store.
        pub fn new() -> Self {
            Self::default()
        }

        /// How many secrets are held, so tests can check that cleanup removed everything.
        pub fn len(&self) -> usize {
            self.entries.lock().unwrap_or_else(PoisonError::into_inner).len()
        }

        /// True when no secret is held.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }
    }

    impl SecretStore for MemoryStore {
        fn get(&self, profile: &str, kind: SecretKind) -> Result<Option<Secret>> {
            let name = account_name(profile, kind)?;
            let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            Ok(entries.get(&name).cloned())
        }

        fn set(&self, profile: &str, kind: SecretKind, value: &Secret) -> Result<()> {
            let name = account_name(profile, kind)?;
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            entries.insert(name, value.clone());
            Ok(())
        }

        fn delete(&self, profile: &str, kind: SecretKind) -> Result<()> {
            let name = account_name(profile, kind)?;
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            entries.remove(&name);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_distinct() {
        let mut names: Vec<_> = SecretKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SecretKind::ALL.len(), "each kind needs its own keychain entry");
    }

    #[test]
    fn profile_ids_that_could_collide_are_rejected() {
        for bad in ["", "a/b", "has space", "tab\there", &"x".repeat(129)] {
            assert!(
                matches!(validate_profile_id(bad), Err(KeysError::InvalidProfileId { .. })),
                "{bad:?} must be refused: it is empty, too long or could alias another entry"
            );
        }
        for good in ["2f1c7a0e-5d0b-4f65-9b43-0d8f1f2a9a11", "1000003463@hcx", "prof_1.x"] {
            assert!(validate_profile_id(good).is_ok(), "{good:?} is a usable profile id");
        }
    }

    #[test]
    fn memory_store_round_trip_and_delete() {
        let store = MemoryStore::new();
        assert!(
            store.get("p1", SecretKind::GatewaySecret).unwrap().is_none(),
            "a missing secret reads as None, not as an error"
        );
        store.set("p1", SecretKind::GatewaySecret, &Secret::from("s3cret".to_owned())).unwrap();
        store.set("p2", SecretKind::GatewaySecret, &Secret::from("other".to_owned())).unwrap();
        assert_eq!(
            store.get("p1", SecretKind::GatewaySecret).unwrap().map(|s| s.expose().to_owned()),
            Some("s3cret".to_owned()),
            "what was set for p1 is read back for p1"
        );
        assert!(
            store.get("p1", SecretKind::BridgeToken).unwrap().is_none(),
            "kinds are separate entries"
        );
        store.delete("p1", SecretKind::GatewaySecret).unwrap();
        store.delete("p1", SecretKind::GatewaySecret).unwrap();
        assert!(
            store.get("p1", SecretKind::GatewaySecret).unwrap().is_none(),
            "a deleted secret is gone, and deleting twice is not an error"
        );
        assert_eq!(store.len(), 1, "p2's secret is untouched by p1's delete");
    }
}
